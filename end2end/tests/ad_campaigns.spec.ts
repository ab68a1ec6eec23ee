import { test, expect, Page } from '@playwright/test';
import { APPROVER, MARKETER, accessible, hydrated, logIn } from './helpers';

/** Reloads `page` until the campaign's state badge reads `state`. */
async function waitForState(page: Page, state: string) {
  await expect(async () => {
    await page.reload();
    await hydrated(page);
    await expect(page.getByTestId('campaign-state')).toHaveText(state, { timeout: 1000 });
  }).toPass({ timeout: 30_000 });
}

test('a launch on the sandbox waits for the approver, then pauses, resumes and cancels on the platform', async ({ browser }) => {
  const objective = `Book a freight review ${Date.now()}`;
  const marketer = await (await browser.newContext()).newPage();
  await logIn(marketer, MARKETER, '/ads/creatives');
  await marketer.getByLabel('Platform').selectOption({ label: 'Meta' });
  await marketer.getByLabel('Objective').fill(objective);
  await marketer.getByLabel('Variants', { exact: true }).fill('2');
  await marketer.getByLabel(/^Landing page/).first().fill('https://tenex-freight.example/review');
  await marketer.getByRole('button', { name: 'Generate' }).click();
  await hydrated(marketer);
  await expect(marketer.getByTestId('variant')).toHaveCount(2);
  const picker = marketer.url().replace(/^https?:\/\/[^/]+/, '');
  const ids = await marketer.getByTestId('variant').evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-creative')));

  // The approver approves both variants.
  const approver = await (await browser.newContext()).newPage();
  await logIn(approver, APPROVER, picker);
  for (const n of [0, 1]) {
    await approver.getByTestId('variant').nth(n).getByRole('button', { name: 'Approve' }).click();
    await expect(approver.getByTestId('variant').nth(n)).toHaveAttribute('data-status', 'approved');
  }

  // The marketer asks for a launch with them; the form says what the approver will see.
  await marketer.goto('/ads/campaigns/new');
  await hydrated(marketer);
  await marketer.getByLabel('Platform').selectOption({ label: 'Meta' });
  await marketer.getByLabel('Ad account').selectOption({ label: 'Sandbox ads (sandbox)' });
  await marketer.getByLabel('Daily budget (USD)').fill('40');
  for (const id of ids) {
    await marketer.locator(`[data-creative-id="${id}"]`).check();
  }
  const summary = marketer.getByRole('complementary', { name: 'What the approver will see' });
  await expect(summary).toContainText('$40.00 a day');
  await expect(summary).toContainText('2 approved creative(s)');
  await expect(summary).toContainText('hashed addresses');
  await accessible(marketer);
  // Over the workspace's cap, the request is refused naming the cap.
  await marketer.getByLabel('Daily budget (USD)').fill('5000');
  await marketer.getByRole('button', { name: 'Request launch' }).click();
  await expect(marketer.getByText(/over the workspace's daily budget cap of \$1,000\.00/).first()).toBeVisible();
  await marketer.getByLabel('Daily budget (USD)').fill('40');
  await marketer.getByRole('button', { name: 'Request launch' }).click();
  await expect(marketer).toHaveURL(/\/ads\/campaigns\/adc_/);
  await hydrated(marketer);
  await expect(marketer.getByTestId('campaign-state')).toHaveText('pending approval');
  await expect(marketer.getByText('Waiting for an approver')).toBeVisible();
  await expect(marketer.getByRole('button', { name: 'Approve launch' })).toHaveCount(0);
  await accessible(marketer);
  const campaign = marketer.url().replace(/^https?:\/\/[^/]+/, '');

  // The approver sees the spend and the audience, and approves.
  await approver.goto(campaign);
  await hydrated(approver);
  await expect(approver.getByRole('region', { name: 'Approve this launch?' })).toContainText('up to $40.00 a day on Meta');
  await accessible(approver);
  await approver.getByRole('button', { name: 'Approve launch' }).click();
  await waitForState(approver, 'active');
  await expect(approver.getByRole('region', { name: 'Platform ids' })).toContainText('ad set');

  // The first sync draws the day's spend.
  await expect(async () => {
    await marketer.reload();
    await hydrated(marketer);
    await expect(marketer.locator('[data-chart="chart-spend"] rect[data-day]')).not.toHaveCount(0, { timeout: 1000 });
  }).toPass({ timeout: 30_000 });
  await expect(marketer.getByTestId('total-spend')).not.toHaveText('$0.00');
  await expect(marketer.getByRole('img', { name: /Spend per day/ })).toBeVisible();
  await expect(marketer.getByRole('region', { name: 'Calls to the platform' })).toContainText('/v26.0/act_sandbox/adsets');
  await accessible(marketer);

  // Pause, resume, cancel: each shown at once, then confirmed by the platform.
  await marketer.getByRole('button', { name: 'Pause' }).click();
  await waitForState(marketer, 'paused');
  await expect(marketer.getByRole('button', { name: 'Pause' })).toHaveCount(0);
  await marketer.getByRole('button', { name: 'Resume' }).click();
  await waitForState(marketer, 'active');
  await marketer.getByRole('button', { name: 'Cancel campaign' }).click();
  await waitForState(marketer, 'cancelled');
  await expect(marketer.getByRole('button', { name: 'Resume' })).toHaveCount(0);
  await expect(marketer.getByRole('region', { name: 'Approval history' })).toContainText('approved');
});

test('the campaign list shows the demo campaigns in their states with their spend', async ({ page }) => {
  await logIn(page, MARKETER, '/ads/campaigns');
  await expect(page.getByRole('tab', { name: 'Campaigns' }).or(page.getByRole('link', { name: 'Campaigns' })).first()).toBeVisible();
  for (const state of ['active', 'paused', 'cancelled', 'completed', 'failed', 'rejected', 'pending approval']) {
    await expect(page.getByRole('cell', { name: state, exact: true }).first()).toBeVisible();
  }
  await accessible(page);
  await page.getByLabel('Status').selectOption({ label: 'paused' });
  await page.getByRole('button', { name: 'Filter' }).click();
  await expect(page).toHaveURL(/status=paused/);
  await expect(page.locator('tbody tr')).toHaveCount(1);
  await page.locator('tbody tr a').first().click();
  await hydrated(page);
  await expect(page.getByTestId('campaign-state')).toHaveText('paused');
  await expect(page.locator('[data-chart="chart-spend"] rect[data-day]')).toHaveCount(15);
  await accessible(page);
});
