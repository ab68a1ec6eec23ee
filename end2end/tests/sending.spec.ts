import { test, expect, Page } from '@playwright/test';
import { APPROVER, MARKETER, hydrated, logIn } from './helpers';

/** Reloads until the counter tile `key` shows `value` (the worker sends in the background). */
async function tileReaches(page: Page, key: string, value: string) {
  await expect(async () => {
    await page.reload();
    await hydrated(page);
    await expect(page.locator(`[data-stat="${key}"]`)).toHaveText(value, { timeout: 1000 });
  }).toPass({ timeout: 30_000 });
}

test('an approved sandbox sequence sends, a reply stops a contact, and the run pauses and resumes', async ({ browser }) => {
  const name = `E2E sending sequence ${Date.now()}`;
  const marketer = await (await browser.newContext()).newPage();
  await logIn(marketer, MARKETER, '/email/new');
  await marketer.getByLabel('Objective').fill('book a 20-minute freight review');
  await marketer.getByLabel('Segment').selectOption({ label: 'Logistics operations leaders' });
  await marketer.getByLabel('Sender').selectOption({ label: 'Sandbox mail (sandbox)' });
  await marketer.getByLabel('Name (optional)').fill(name);
  await marketer.getByRole('button', { name: 'Generate preview' }).click();
  await expect(marketer).toHaveURL(/\/email\/sequences\/seq_[0-9a-z]{26}$/);
  const path = marketer.url().replace(/^https?:\/\/[^/]+/, '');

  const approver = await (await browser.newContext()).newPage();
  await logIn(approver, APPROVER, path);
  await approver.getByRole('button', { name: 'Approve' }).click();
  await expect(approver.getByTestId('approval-state')).toHaveText('Approved');

  // The first email goes to all 20 recipients; the progress numbers follow.
  await marketer.reload();
  await hydrated(marketer);
  await expect(marketer.getByRole('heading', { name: 'Sending', exact: true })).toBeVisible();
  await expect(marketer.locator('[data-stat="enrolled"]')).toHaveText('20');
  // Generated copy has a fallback for every contact variable: all twenty are sent.
  await tileReaches(marketer, 'sent', '20');
  await expect(marketer.locator('[data-stat="failed"]')).toHaveText('0');
  await expect(marketer.locator('tr[data-step="0"] [data-col="sent"]')).toHaveText('20');
  await expect(marketer.locator('tr[data-step="1"] [data-col="scheduled"]')).toHaveText('20');
  await expect(marketer.getByTestId('next-sends')).toContainText('Email 2 to 20 contact(s)');

  // The outbox holds each message whole.
  await marketer.goto('/email/outbox');
  await hydrated(marketer);
  const first = marketer.locator('li[data-step="0"]').first();
  await expect(first).toBeVisible();
  await first.locator('summary').click();
  await expect(first.locator('pre')).toContainText('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
  await expect(first.locator('pre')).toContainText('Message-ID: <seq_');

  // A reply is recorded for one contact: their later emails are skipped.
  await marketer.goto(path);
  await hydrated(marketer);
  const row = marketer.locator('tr[data-message][data-step="0"]', { has: marketer.getByRole('button', { name: 'Record reply' }) }).first();
  const email = await row.getAttribute('data-email');
  await row.getByRole('button', { name: 'Record reply' }).click();
  await expect(marketer.locator('[data-stat="replied"]')).toHaveText('1');
  await marketer.getByLabel('Show', { exact: true }).selectOption('skipped');
  // Their email 2, queued when email 1 was sent, is skipped; the later ones are never queued.
  const skipped = marketer.locator(`tr[data-email="${email}"]`);
  await expect(skipped).toHaveCount(1);
  await expect(skipped.first()).toHaveAttribute('data-step', '1');
  await expect(skipped.first()).toContainText('the contact replied');
  await expect(marketer.locator('tr[data-step="1"] [data-col="skipped"]')).toHaveText('1');

  // Pause and resume.
  await marketer.getByRole('button', { name: 'Pause' }).click();
  await expect(marketer.getByRole('button', { name: 'Resume' })).toBeVisible();
  await expect(marketer.getByText('Paused: nothing goes out until you resume.')).toBeVisible();
  await marketer.getByRole('button', { name: 'Resume' }).click();
  await expect(marketer.getByRole('button', { name: 'Pause' })).toBeVisible();
  await expect(marketer.getByText(/^Sending: each email goes out when it is due/)).toBeVisible();

  // The messages table and the outbox page through the URL, five and three at a time.
  for (const [list, rows, size] of [[`${path}?limit=5`, 'tr[data-message]', 5], ['/email/outbox?limit=3', 'li[data-message]', 3]] as const) {
    await marketer.goto(list);
    await hydrated(marketer);
    const shown = marketer.locator(rows);
    await expect(shown).toHaveCount(size);
    const first = await shown.evaluateAll((els) => els.map((e) => e.getAttribute('data-message')));
    await marketer.getByRole('link', { name: 'Next page' }).click();
    await expect(marketer).toHaveURL(/cursor=/);
    await expect(shown.first()).not.toHaveAttribute('data-message', first[0]!);
    const second = await shown.evaluateAll((els) => els.map((e) => e.getAttribute('data-message')));
    expect(second.filter((id) => first.includes(id))).toEqual([]);
    await marketer.getByRole('link', { name: 'First page' }).click();
    await expect(marketer).not.toHaveURL(/cursor=/);
    await expect(shown.first()).not.toHaveAttribute('data-message', second[0]!);
  }
});
