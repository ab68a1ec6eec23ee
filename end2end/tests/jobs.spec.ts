import { test, expect } from '@playwright/test';
import { ADMIN, MARKETER, accessible, logIn } from './helpers';

test('an admin sees the background jobs, filtered by kind and status; a marketer may not', async ({ browser }) => {
  const admin = await (await browser.newContext()).newPage();
  await logIn(admin, ADMIN, '/settings');
  await admin.getByRole('link', { name: /Jobs/ }).click();
  await expect(admin).toHaveURL(/\/settings\/jobs$/);
  await expect(admin.getByRole('heading', { name: 'Jobs', level: 1 })).toBeVisible();
  // The demo's connectors were checked by the worker in the background.
  const table = admin.getByRole('table', { name: 'Jobs' });
  await expect(table.getByRole('row', { name: /Connector check/ }).first()).toContainText('succeeded');
  await accessible(admin);

  // The demo's launch on the sandbox that refuses ad sets failed, with the platform's reason.
  await admin.getByLabel('Status').selectOption('failed');
  await admin.getByRole('button', { name: 'Show' }).click();
  await expect(admin).toHaveURL(/status=failed/);
  await expect(table.getByRole('row', { name: /Ad launch/ }).first()).toContainText('failed');
  await admin.getByLabel('Kind').selectOption('connector_check');
  await admin.getByRole('button', { name: 'Show' }).click();
  await expect(admin).toHaveURL(/kind=connector_check/);
  await expect(admin.getByText('No jobs')).toBeVisible();
  await admin.getByLabel('Status').selectOption('succeeded');
  await admin.getByLabel('Kind').selectOption('connector_check');
  await admin.getByRole('button', { name: 'Show' }).click();
  await expect(admin).toHaveURL(/kind=connector_check/);
  await expect(admin.getByRole('table', { name: 'Jobs' }).getByRole('row', { name: /Connector check/ }).first()).toBeVisible();

  const marketer = await (await browser.newContext()).newPage();
  await logIn(marketer, MARKETER, '/settings/jobs');
  await expect(marketer.getByRole('table', { name: 'Jobs' })).toHaveCount(0);
  await expect(marketer.getByRole('alert')).toBeVisible();
});
