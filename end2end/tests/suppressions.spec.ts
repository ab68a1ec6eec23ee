import { test, expect } from '@playwright/test';
import { ADMIN, MARKETER, accessible, logIn } from './helpers';

test('an address is suppressed, found by search, and only an admin takes it off the list', async ({ browser }) => {
  const address = `e2e-${Date.now()}@blocked.test`;
  const marketer = await (await browser.newContext()).newPage();
  await logIn(marketer, MARKETER, '/settings/suppressions');
  await expect(marketer.getByRole('heading', { name: 'Suppression list', level: 1 })).toBeVisible();
  await marketer.getByLabel('Suppress an address').fill(address);
  await marketer.getByLabel('Reason').selectOption('complaint');
  await marketer.getByLabel('Note (optional)').fill('asked by phone');
  await marketer.getByRole('button', { name: 'Suppress' }).click();
  const table = marketer.getByRole('table', { name: 'Suppressed addresses' });
  await expect(table.getByRole('row', { name: new RegExp(address) })).toContainText('complaint');
  // A marketer may add but not remove.
  await expect(marketer.getByRole('button', { name: `Remove ${address} from the list` })).toHaveCount(0);
  await accessible(marketer);

  const admin = await (await browser.newContext()).newPage();
  await logIn(admin, ADMIN, '/settings/suppressions');
  await admin.getByLabel('Search addresses').fill(address.split('@')[0]);
  await admin.getByRole('button', { name: 'Search' }).click();
  await expect(admin).toHaveURL(/\/settings\/suppressions\?q=/);
  const rows = admin.getByRole('table', { name: 'Suppressed addresses' }).getByRole('row');
  await expect(rows).toHaveCount(2);
  await admin.getByRole('button', { name: `Remove ${address} from the list` }).click();
  await expect(admin.getByText('No suppressed addresses')).toBeVisible();

  await admin.goto('/settings/audit-log');
  await expect(admin.getByText(`removed ${address} from the suppression list`)).toBeVisible();
});
