import { test, expect, Page } from '@playwright/test';
import { APPROVER, MARKETER, accessible, hydrated, logIn } from './helpers';

async function generate(page: Page, platform: string, objective: string) {
  await logIn(page, MARKETER, '/ads/creatives');
  await page.getByLabel('Platform').selectOption({ label: platform });
  await page.getByLabel('Objective').fill(objective);
  await page.getByLabel('Variants', { exact: true }).fill('3');
  await page.getByLabel(/^Landing page/).first().fill('https://tenex-freight.example/review');
  await page.getByRole('button', { name: 'Generate' }).click();
  await expect(page).toHaveURL(new RegExp(`/ads/creatives\\?platform=${platform.toLowerCase()}&`));
  await hydrated(page);
  await expect(page.getByTestId('variant')).toHaveCount(3);
}

test('variants past the limit are refused; an approver approves two; regeneration keeps them', async ({ browser }) => {
  const objective = `Book a freight review ${Date.now()}`;
  const marketer = await (await browser.newContext()).newPage();
  await generate(marketer, 'Google', objective);
  await expect(marketer.getByTestId('preview-google')).toHaveCount(3);
  await accessible(marketer);

  // A headline one character past Google's 30: the counter turns red and the save is refused.
  const first = marketer.getByTestId('variant').first();
  await first.getByText('Edit copy').click();
  const headline = first.getByLabel('Headline 1', { exact: true });
  const counter = first.getByTestId('counter').first();
  await headline.fill('x'.repeat(31));
  await expect(counter).toHaveAttribute('data-state', 'over-limit');
  await expect(counter).toContainText('31 / 30');
  await accessible(marketer);
  await first.getByRole('button', { name: 'Save copy' }).click();
  await expect(first.getByRole('alert')).toContainText('headlines[0]: must be at most 30 characters (is 31)');
  await expect(first).toContainText('version 1');

  // Back within the limit: it saves as version 2, and the preview shows the new headline.
  await headline.fill('Freight reviews in a day');
  await expect(counter).toHaveAttribute('data-state', 'fits');
  await first.getByRole('button', { name: 'Save copy' }).click();
  const saved = marketer.getByTestId('variant').first();
  await expect(saved).toContainText('version 2');
  await expect(saved.getByTestId('preview-title')).toContainText('Freight reviews in a day');

  // Pick it and ask for approval; the marketer is not offered the decision.
  await saved.getByRole('button', { name: 'Pick' }).click();
  await expect(marketer.getByTestId('variant').first()).toContainText('picked');
  await marketer.getByTestId('variant').first().getByRole('button', { name: 'Request approval' }).click();
  await expect(marketer.getByTestId('variant').first()).toContainText('awaiting approval');
  await expect(marketer.getByRole('button', { name: 'Approve' })).toHaveCount(0);
  const url = marketer.url().replace(/^https?:\/\/[^/]+/, '');

  // The approver approves the first two variants.
  const approver = await (await browser.newContext()).newPage();
  await logIn(approver, APPROVER, '/ads/creatives');
  await approver.goto(url);
  await hydrated(approver);
  for (const n of [0, 1]) {
    const variant = approver.getByTestId('variant').nth(n);
    await variant.getByRole('button', { name: 'Approve' }).click();
    await expect(approver.getByTestId('variant').nth(n)).toHaveAttribute('data-status', 'approved');
  }
  await accessible(approver);
  const approved = await approver.locator('[data-testid="variant"][data-status="approved"]').evaluateAll(
    (nodes) => nodes.map((n) => n.getAttribute('data-creative')),
  );
  expect(approved).toHaveLength(2);

  // Regenerating replaces only the third, unpicked draft.
  await marketer.reload();
  await hydrated(marketer);
  const third = await marketer.getByTestId('variant').nth(2).getAttribute('data-creative');
  await marketer.getByRole('button', { name: 'Regenerate unpicked' }).click();
  await expect(marketer.locator(`[data-creative="${third}"]`)).toHaveCount(0);
  await expect(marketer.getByTestId('variant')).toHaveCount(3);
  for (const id of approved) {
    await expect(marketer.locator(`[data-creative="${id}"]`)).toHaveAttribute('data-status', 'approved');
  }
});

test('feed ads show the brand, and past the recommended length the counter turns amber', async ({ page }) => {
  await generate(page, 'Meta', `Get a pallet quote ${Date.now()}`);
  const first = page.getByTestId('variant').first();
  await expect(first.getByTestId('preview-meta').getByTestId('preview-brand')).toHaveText('Tenex Freight');
  await first.getByText('Edit copy').click();
  const counter = first.getByTestId('counter').nth(1);
  await first.getByLabel('Headline', { exact: true }).fill('Overnight pallets across Europe, tracked live');
  await expect(counter).toHaveAttribute('data-state', 'over-recommended');
  await accessible(page);
  await first.getByRole('button', { name: 'Save copy' }).click();
  const saved = page.getByTestId('variant').first();
  await expect(saved).toContainText('version 2');
  await expect(saved.getByRole('list', { name: 'Recommended lengths exceeded' })).toContainText('Meta recommends at most 40');
});
