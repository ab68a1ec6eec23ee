import { test, expect } from '@playwright/test';
import { ADMIN, hydrated, logIn } from './helpers';

test('import a CSV with a bad row and read the report', async ({ page }) => {
  await logIn(page, ADMIN, '/crm/import');
  const stamp = Date.now();
  const csv = `email,first_name,company,plan\nnew.${stamp}@example.com,Nia,Northwind,gold\nnot-an-email,Bad,Row,gold\n`;
  await page.getByLabel('CSV file', { exact: true }).setInputFiles({ name: 'contacts.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await page.getByRole('button', { name: 'Import' }).click();
  const report = page.getByTestId('import-report');
  await expect(report).toContainText('1 created, 0 updated, 1 rows refused.');
  await expect(report.getByRole('row', { name: /3\s+bad email/ })).toBeVisible();
  await page.goto(`/crm?q=new.${stamp}`);
  await expect(page.getByRole('cell', { name: `new.${stamp}@example.com`, exact: true })).toBeVisible();

  await page.getByRole('link', { name: `new.${stamp}@example.com` }).click();
  await hydrated(page);
  await page.getByLabel('Title').fill('Head of Logistics');
  await page.getByRole('button', { name: 'Save contact' }).click();
  await expect(page.getByRole('status')).toHaveText('Saved.');
  await page.reload();
  await expect(page.getByLabel('Title')).toHaveValue('Head of Logistics');
  await expect(page.getByText('plan')).toBeVisible();
});

test('build a rule segment and watch the count change', async ({ page }) => {
  await logIn(page, ADMIN, '/crm/segments/new');
  const count = page.getByTestId('segment-count');
  await page.getByLabel('Field').first().fill('company');
  await page.getByLabel('Operator').first().selectOption('contains');
  await page.getByLabel('Value').first().fill('acme');
  await expect(count).not.toHaveText('0');
  const acme = Number(await count.textContent());
  expect(acme).toBeGreaterThan(0);
  await page.getByRole('button', { name: 'Add condition' }).click();
  await page.getByLabel('Field').nth(1).fill('custom.plan');
  await page.getByLabel('Operator').nth(1).selectOption('equals');
  await page.getByLabel('Value').nth(1).fill('gold');
  await expect(async () => {
    const both = Number(await count.textContent());
    expect(both).toBeLessThan(acme);
    expect(both).toBeGreaterThan(0);
  }).toPass();
  await page.getByLabel('Name').fill(`Acme gold ${Date.now()}`);
  await page.getByRole('button', { name: 'Save segment' }).click();
  await expect(page).toHaveURL(/\/crm\/segments$/);
  await expect(page.getByRole('cell', { name: /Acme gold/ })).toBeVisible();
});

test('add a sandbox connector and test it', async ({ page }) => {
  await logIn(page, ADMIN, '/settings/connectors');
  const name = `Sandbox e2e ${Date.now()}`;
  await page.getByLabel('Kind').selectOption('sandbox');
  await page.locator('#connector-name').fill(name);
  await page.getByRole('button', { name: 'Add connector' }).click();
  const row = page.locator('tr', { hasText: name });
  // A background check runs as soon as it is added: it may already have passed.
  await expect(row).toContainText(/unknown|healthy/);
  await expect(row).toContainText('sandbox (every channel)');
  await page.getByRole('button', { name: `Test connection ${name}` }).click();
  await expect(row).toContainText('healthy');
  await expect(row).not.toContainText('never');
});

test('filter the campaign list, page forward, and reload the same view', async ({ page }) => {
  await logIn(page, ADMIN, '/campaigns');
  await page.getByLabel('Status').selectOption('active');
  await page.getByLabel('Per page').selectOption('10');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await expect(page).toHaveURL(/status=active/);
  const rows = page.getByTestId('campaign-table').locator('tbody tr');
  await expect(rows.first()).toBeVisible();
  for (const badge of await rows.locator('td:nth-child(3)').allTextContents()) expect(badge).toBe('active');

  await page.goto('/campaigns?limit=3');
  await hydrated(page);
  const first = await page.getByTestId('campaign-table').locator('tbody tr').allTextContents();
  expect(first.length).toBe(3);
  await page.getByRole('link', { name: 'Next page' }).click();
  await expect(page).toHaveURL(/cursor=/);
  const second = await page.getByTestId('campaign-table').locator('tbody tr').allTextContents();
  expect(second.length).toBeGreaterThan(0);
  expect(second).not.toEqual(first);
  const url = page.url();
  await page.reload();
  await hydrated(page);
  expect(page.url()).toBe(url);
  await expect(page.getByTestId('campaign-table').locator('tbody tr')).toHaveText(second);
  await page.goBack();
  await expect(page.getByTestId('campaign-table').locator('tbody tr')).toHaveText(first);
});

test('a static segment takes members by email and lets them go', async ({ page }) => {
  await logIn(page, ADMIN, '/crm/segments');
  const name = `Static e2e ${Date.now()}`;
  await page.getByLabel('New static segment').fill(name);
  await page.getByRole('button', { name: 'Create', exact: true }).click();
  await expect(page).toHaveURL(/\/crm\/segments\/seg_/);
  await hydrated(page);
  await expect(page.getByRole('heading', { name })).toBeVisible();
  await expect(page.getByTestId('segment-members')).toHaveText('0');

  const lookup = await page.context().newPage();
  await lookup.goto('/crm?q=acme');
  const email = (await lookup.locator('tbody tr td a').first().textContent())!.trim();
  await lookup.close();
  await page.getByLabel('Contact email').fill('nobody@nowhere.example');
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  await expect(page.getByRole('alert')).toContainText('no contact with this email');
  await page.getByLabel('Contact email').fill(email);
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  await expect(page.getByTestId('segment-members')).toHaveText('1');
  await page.getByRole('button', { name: `Remove ${email}` }).click();
  await expect(page.getByTestId('segment-members')).toHaveText('0');
});

test('a connector can be renamed without retyping its secrets', async ({ page }) => {
  await logIn(page, ADMIN, '/settings/connectors');
  await page.getByText('Edit Sandbox ads', { exact: true }).click();
  const renamed = `Sandbox ads ${Date.now()}`;
  await page.locator('details[open] input[name="name"]').fill(renamed);
  await page.getByRole('button', { name: 'Save connector' }).click();
  await expect(page.locator('tr', { hasText: renamed })).toContainText('unknown');
});
