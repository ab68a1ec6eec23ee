import { test, expect } from '@playwright/test';
import { ADMIN, DEMO_PASSWORD, hydrated, logIn } from './helpers';

test('a stranger is sent to the login page and a wrong password is refused', async ({ page }) => {
  await page.goto('/settings/api-keys');
  await expect(page).toHaveURL(/\/login\?next=/);
  await hydrated(page);
  await page.getByLabel('Email').fill(ADMIN);
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByRole('alert')).toContainText('not right');
});

test('log in, see the console shell, log out', async ({ page }) => {
  await logIn(page, ADMIN);
  await expect(page.getByTestId('workspace-name')).toHaveText('Tenex Demo');
  const nav = page.getByRole('navigation', { name: 'Main' });
  for (const item of ['Campaigns', 'Approvals', 'Email', 'Ads', 'Blog', 'CRM', 'Settings']) {
    await expect(nav.getByRole('link', { name: item, exact: true })).toBeVisible();
  }
  await nav.getByRole('link', { name: 'Approvals' }).click();
  await expect(page.getByRole('heading', { name: 'Approvals' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Q4 carrier onboarding sequence' })).toBeVisible();

  await page.locator('summary', { hasText: 'Open the user menu' }).click();
  await page.getByRole('button', { name: 'Log out' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto('/');
  await expect(page).toHaveURL(/\/login/);
});

test('create an API key, see it once, use it, revoke it, and it stops working', async ({ page, request }) => {
  await logIn(page, ADMIN, '/settings/api-keys');
  await expect(page.getByRole('heading', { name: 'API keys', level: 1 })).toBeVisible();

  const name = `e2e key ${Date.now()}`;
  await page.getByLabel('Name').fill(name);
  await page.getByRole('button', { name: 'Create key' }).click();

  const panel = page.getByTestId('new-key');
  await expect(panel).toContainText('will not be shown again');
  const key = await page.getByLabel('New API key').inputValue();
  expect(key).toMatch(/^tnx_[a-z0-9]{10}_[A-Za-z0-9]{43}$/);
  await page.getByRole('button', { name: 'Copy' }).click();

  const row = page.locator('tr', { hasText: name });
  await expect(row).toContainText('Active');
  await expect(row).not.toContainText(key.split('_')[2]);

  const who = await request.get('/api/v1/whoami', { headers: { Authorization: `Bearer ${key}` } });
  expect(who.status()).toBe(200);
  expect((await who.json()).workspace.name).toBe('Tenex Demo');

  // Shown once: after a reload the secret is nowhere on the page.
  await page.reload();
  await hydrated(page);
  await expect(page.locator('body')).not.toContainText(key);

  await page.getByRole('button', { name: `Revoke key ${name}` }).click();
  await expect(page.locator('tr', { hasText: name })).toContainText('Revoked');

  const after = await request.get('/api/v1/whoami', { headers: { Authorization: `Bearer ${key}` } });
  expect(after.status()).toBe(401);
  expect((await after.json()).code).toBe('unauthorized');
});

test('the audit log shows a key being minted', async ({ page }) => {
  await logIn(page, ADMIN, '/settings/api-keys');
  const name = `audited ${Date.now()}`;
  await page.getByLabel('Name').fill(name);
  await page.getByRole('button', { name: 'Create key' }).click();
  await expect(page.getByTestId('new-key')).toBeVisible();
  await page.goto('/settings/audit-log');
  await hydrated(page);
  await expect(page.getByRole('heading', { name: 'Audit log' })).toBeVisible();
  const row = page.locator('tr', { hasText: name });
  await expect(row).toContainText('api_key.minted');
  await expect(row).toContainText(ADMIN);
});

test('the audit log pages forward and back through the URL', async ({ page }) => {
  await logIn(page, ADMIN, '/settings/audit-log');
  await page.goto('/settings/audit-log?limit=2');
  await hydrated(page);
  const rows = page.locator('tr[data-audit-id]');
  await expect(rows).toHaveCount(2);
  const first = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-audit-id')));
  await page.getByRole('link', { name: 'Next page' }).click();
  await expect(page).toHaveURL(/limit=2&cursor=/);
  await expect(rows.first()).not.toHaveAttribute('data-audit-id', first[0]!);
  const second = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-audit-id')));
  expect(second.filter((id) => first.includes(id))).toEqual([]);
  await page.reload();
  await hydrated(page);
  await expect(rows.first()).toHaveAttribute('data-audit-id', second[0]!);
  await page.goBack();
  await expect(rows.first()).toHaveAttribute('data-audit-id', first[0]!);
});

test('the API reference renders from this site', async ({ page }) => {
  await page.goto('/api/docs');
  await expect(page.getByText('Tenex Marketing API').first()).toBeVisible();
  await expect(page.getByText('/admin/api-keys').first()).toBeVisible();
});

test('the console reads on a phone', async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  await page.goto('/login');
  await hydrated(page);
  await page.getByLabel('Email').fill(ADMIN);
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByTestId('workspace-name')).toBeVisible();
  for (const path of ['/', '/settings/api-keys', '/settings/audit-log', '/campaigns']) {
    await page.goto(path);
    await hydrated(page);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, `${path} scrolls sideways`).toBeLessThanOrEqual(0);
  }
  await context.close();
});

test("the first screen downloads one wasm file; an area's code arrives when one of its pages is opened", async ({ page }) => {
  const wasm: string[] = []; // every .wasm request, in order, repeats included
  page.on('request', (r) => {
    const path = new URL(r.url()).pathname;
    if (path.endsWith('.wasm')) wasm.push(path);
  });
  const fetched = (area: string) => wasm.filter((p) => p.startsWith(`/pkg/split_${area}_page_`)).length;

  await logIn(page, ADMIN);
  await expect(page.getByRole('heading', { name: 'Dashboard', level: 1 })).toBeVisible();
  expect(new Set(wasm).size).toBe(1);
  expect(wasm[0]).toMatch(/^\/pkg\/tenex\.[A-Za-z0-9_-]+\.wasm$/);

  const nav = page.getByRole('navigation', { name: 'Main' });
  await nav.getByRole('link', { name: 'Settings', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Settings', level: 1 })).toBeVisible();
  expect(fetched('settings')).toBe(1);

  // The area's pages share its code: another settings page fetches nothing again, and works.
  await page.locator('a[href="/settings/workspace"]').click();
  await expect(page.getByRole('heading', { name: 'Workspace', level: 1 })).toBeVisible();
  await page.getByLabel('Daily budget cap (USD)').fill('abc');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('alert')).toContainText('daily_budget_cap_usd: must be an amount in dollars');
  expect(fetched('settings')).toBe(1);

  await nav.getByRole('link', { name: 'Campaigns', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Campaigns', level: 1 })).toBeVisible();
  expect(fetched('campaigns')).toBe(1);
  for (const area of ['email', 'ads', 'blog', 'crm']) expect(fetched(area)).toBe(0);
});
