import { test, expect, Page, APIRequestContext } from '@playwright/test';
import { ADMIN, accessible, hydrated, logIn } from './helpers';

/** Mints an API key through the console (shown once) and returns it. */
async function mintKey(page: Page, name: string): Promise<string> {
  await page.goto('/settings/api-keys');
  await hydrated(page);
  await page.getByLabel('Name').fill(name);
  await page.getByRole('button', { name: 'Create key' }).click();
  await expect(page.getByTestId('new-key')).toBeVisible();
  return page.getByLabel('New API key').inputValue();
}

/** The number a tile of the result tiles shows. */
async function tile(page: Page, name: string): Promise<number> {
  const text = await page.locator(`[data-tile="${name}"] [data-role="value"]`).innerText();
  return Number(text.replace(/[$,]/g, '')) || 0;
}

/** Today's bar of a chart: its value. */
async function todaysBar(page: Page, chart: string, today: string): Promise<number> {
  const bar = page.locator(`svg[data-chart="${chart}"] rect[data-day="${today}"]`).first();
  return Number(await bar.getAttribute('data-value'));
}

async function api(request: APIRequestContext, key: string, path: string) {
  const r = await request.get(path, { headers: { Authorization: `Bearer ${key}` } });
  expect(r.status()).toBe(200);
  return r.json();
}

test('conversions recorded through the API move the dashboard totals and the campaign chart', async ({ page, request }) => {
  await logIn(page, ADMIN);
  await expect(page.getByRole('heading', { name: 'Dashboard', level: 1 })).toBeVisible();
  // The demo has three weeks of ad spend and conversions: the charts are not empty.
  await expect(page.locator('svg[data-chart="dash-spend"]')).toBeVisible();
  expect(await tile(page, 'Spend')).toBeGreaterThan(0);
  await accessible(page);

  const key = await mintKey(page, `e2e rollups ${Date.now()}`);
  const rollup = await api(request, key, '/api/v1/marketing/rollups?days=7');
  const today: string = rollup.to;
  const blog = (await api(request, key, '/api/v1/marketing/campaigns?channel=blog&status=completed')).items[0];
  const contact = (await api(request, key, '/api/v1/crm/contacts?limit=1')).items[0];

  await page.goto('/?days=7');
  await hydrated(page);
  const before = await tile(page, 'Conversions');
  const barBefore = await todaysBar(page, 'dash-conversions', today);
  for (const n of [1, 2]) {
    const r = await request.post('/api/v1/marketing/events', {
      headers: { Authorization: `Bearer ${key}` },
      data: { id: `e2e-conversion-${Date.now()}-${n}`, type: 'conversion', email: contact.email, campaign_id: blog.id, value_usd: 300 },
    });
    expect(r.status()).toBe(201);
  }
  await page.reload();
  await hydrated(page);
  expect(await tile(page, 'Conversions')).toBe(before + 2);
  expect(await todaysBar(page, 'dash-conversions', today)).toBe(barBefore + 2);
  // Hovering a day shows its value once the page is live.
  await page.locator(`svg[data-chart="dash-conversions"] rect[data-hover-day="${today}"]`).hover();
  await expect(page.locator('[data-hover-value="dash-conversions"]')).toContainText(today);

  // The blog campaign is in the top campaigns, and its own page charts the same day.
  const top = page.getByTestId('top-campaigns');
  await top.getByRole('link', { name: 'Conversions' }).click();
  await expect(page).toHaveURL(/sort=conversions/);
  await page.getByTestId('top-campaigns').getByRole('link', { name: blog.name }).click();
  await expect(page).toHaveURL(new RegExp(`/campaigns/${blog.id}$`));
  await hydrated(page);
  await expect(page.locator('svg[data-chart="campaign-conversions"]')).toBeVisible();
  expect(await todaysBar(page, 'campaign-conversions', today)).toBeGreaterThanOrEqual(2);
  expect(await tile(page, 'Conversions')).toBeGreaterThanOrEqual(2);
  await accessible(page);

  // Presets and custom dates live in the URL.
  await page.goto('/');
  await hydrated(page);
  await page.getByRole('link', { name: 'Last 90 days' }).click();
  await expect(page).toHaveURL(/days=90/);
  await expect(page.getByTestId('range')).toContainText('(90 days');
  await page.getByLabel('From', { exact: true }).fill(rollup.from);
  await page.getByLabel('To', { exact: true }).fill(today);
  await page.getByLabel('Channel', { exact: true }).selectOption('blog');
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page).toHaveURL(/channel=blog/);
  await expect(page.getByTestId('range')).toContainText(`${rollup.from} to ${today} (7 days`);
  expect(await tile(page, 'Spend')).toBe(0);
});
