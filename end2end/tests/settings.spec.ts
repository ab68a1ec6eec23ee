import { test, expect } from '@playwright/test';
import { ADMIN, MARKETER, accessible, logIn } from './helpers';

test('an admin sets the daily budget cap; a marketer reads it but cannot change it', async ({ browser }) => {
  const admin = await (await browser.newContext()).newPage();
  await logIn(admin, ADMIN, '/settings/workspace');
  await expect(admin.getByTestId('budget-cap')).toContainText('$1,000.00');
  await accessible(admin);
  await admin.getByLabel('Daily budget cap (USD)').fill('abc');
  await admin.getByRole('button', { name: 'Save' }).click();
  await expect(admin.getByRole('alert')).toContainText('daily_budget_cap_usd: must be an amount in dollars');
  await admin.getByLabel('Daily budget cap (USD)').fill('1,250.50');
  await admin.getByRole('button', { name: 'Save' }).click();
  await expect(admin.getByTestId('budget-cap')).toContainText('$1,250.50');

  const marketer = await (await browser.newContext()).newPage();
  await logIn(marketer, MARKETER, '/settings/workspace');
  await expect(marketer.getByTestId('budget-cap')).toContainText('$1,250.50');
  await expect(marketer.getByLabel('Daily budget cap (USD)')).toHaveCount(0);
  await expect(marketer.getByText('Only an admin can change it.')).toBeVisible();
});
