import { test, expect, Page } from '@playwright/test';
import { APPROVER, MARKETER, accessible, hydrated, logIn } from './helpers';

async function newSequence(page: Page, name: string) {
  await logIn(page, MARKETER, '/email/new');
  await page.getByLabel('Objective').fill('book a 20-minute freight review');
  await page.getByLabel('Segment').selectOption({ label: 'Logistics operations leaders' });
  await page.getByLabel('Name (optional)').fill(name);
  await page.getByRole('button', { name: 'Generate preview' }).click();
  await expect(page).toHaveURL(/\/email\/sequences\/seq_[0-9a-z]{26}$/);
  await expect(page.getByRole('heading', { name, level: 1 })).toBeVisible();
}

test('a marketer previews, switches recipients, edits; an approver approves from the inbox', async ({ browser }) => {
  const name = `E2E review sequence ${Date.now()}`;
  const marketer = await (await browser.newContext()).newPage();
  await newSequence(marketer, name);
  const url = marketer.url();

  // Nothing is sent: the page says it waits, and a marketer has no Approve button.
  await expect(marketer.getByTestId('approval-state')).toHaveText('Waiting for approval');
  await expect(marketer.getByText('Avery Approver <approver@demo.tenex.test>')).toBeVisible();
  await expect(marketer.getByRole('button', { name: 'Approve' })).toHaveCount(0);
  await expect(marketer.getByTestId('recipient-count')).toHaveText('20');
  // Generated copy gives every contact variable a fallback: no gaps, nothing to acknowledge.
  await expect(marketer.locator('[data-warning="missing_variable"]')).toHaveCount(0);
  const greeting = marketer.getByTestId('rendered-step-0').getByTestId('rendered-body');
  await expect(greeting).not.toContainText('[missing first_name]');

  // A second tab still on version 1.
  const stale = await marketer.context().newPage();
  await stale.goto(url);
  await hydrated(stale);

  // Edit the first email to greet by first name without a fallback: version 2, a new
  // approval request, and half the segment now has a gap the preview shows.
  await marketer.getByText('Edit email 1').click();
  await marketer.getByLabel('Subject').first().fill('A freight review for {{ company | default("your team") }}?');
  const body = await marketer.getByLabel('Body').first().inputValue();
  await marketer.getByLabel('Body').first().fill(body.replace('{{ first_name | default("there") }}', '{{ first_name }}'));
  await marketer.getByRole('button', { name: 'Save email 1' }).click();
  await expect(marketer.getByRole('status')).toHaveText('Saved as version 2.');
  await expect(marketer.getByTestId('sequence-version')).toHaveText('version 2');
  await expect(marketer.locator('[data-warning="missing_variable"]').first()).toContainText('have no first_name');

  // Switch to a recipient without a first name: their warning and the marked gap show.
  const lacking = await marketer.locator('#recipient option', { hasText: 'missing variables' }).first().getAttribute('value');
  await marketer.getByLabel('Show for').selectOption(lacking!);
  await expect(greeting).toContainText('[missing first_name]');
  await expect(marketer.getByRole('list', { name: 'Warnings for this recipient' })).toContainText('has no first_name');
  await expect(marketer.getByTestId('rendered-subject').first()).toHaveText(/^A freight review for /);

  // The other tab saves on version 1: refused, and it now shows the newer text.
  await stale.getByText('Edit email 2').click();
  await stale.getByLabel('Subject').nth(1).fill('This must not overwrite anything');
  await stale.getByRole('button', { name: 'Save email 2' }).click();
  await expect(stale.getByTestId('edit-error')).toContainText('someone saved a newer version first');
  await expect(stale.getByTestId('sequence-version')).toHaveText('version 2');
  await expect(stale.getByTestId('rendered-subject').first()).toHaveText(/^A freight review for /);
  await expect(stale.getByTestId('rendered-subject').nth(1)).not.toContainText('must not overwrite');

  // The approver finds it in the inbox and approves the edited content.
  const approver = await (await browser.newContext()).newPage();
  await logIn(approver, APPROVER, '/approvals');
  await approver.getByRole('link', { name }).click();
  await expect(approver).toHaveURL(url);
  await hydrated(approver);
  await expect(approver.getByTestId('rendered-subject').first()).toHaveText(/^A freight review for /);
  // The warning must be acknowledged: the form is not sent until the box is ticked.
  await approver.getByRole('button', { name: 'Approve' }).click();
  await expect(approver.getByTestId('approval-state')).toHaveCount(0);
  await accessible(approver);
  await approver.getByLabel(/I have read the 1 warning/).check();
  await approver.getByRole('button', { name: 'Approve' }).click();
  await expect(approver.getByTestId('approval-state')).toHaveText('Approved');
  await expect(approver.getByText(/^by approver@demo\.tenex\.test · /)).toBeVisible();

  await approver.goto('/approvals/decided');
  await expect(approver.getByRole('row', { name: new RegExp(name) })).toContainText('approved');
  await approver.goto('/campaigns?channel=email&status=active');
  await expect(approver.getByTestId('campaign-table').getByRole('row', { name: new RegExp(name) })).toContainText('active');
});

test('an approver rejects with a note and the rejection is final', async ({ browser }) => {
  const name = `E2E reject sequence ${Date.now()}`;
  const marketer = await (await browser.newContext()).newPage();
  await newSequence(marketer, name);
  const url = marketer.url();
  const approver = await (await browser.newContext()).newPage();
  await logIn(approver, APPROVER, url.replace(/^https?:\/\/[^/]+/, ''));
  await approver.getByRole('button', { name: 'Reject' }).click();
  // The note is required: the browser keeps the form until it is given.
  await expect(approver.getByTestId('approval-state')).toHaveCount(0);
  await approver.getByLabel('Why reject? (required)').fill('Lead with the tracking story instead.');
  await approver.getByRole('button', { name: 'Reject' }).click();
  await expect(approver.getByTestId('approval-state')).toHaveText('Rejected');
  await expect(approver.getByText('Lead with the tracking story instead.')).toBeVisible();
  await marketer.reload();
  await hydrated(marketer);
  await expect(marketer.getByTestId('approval-state')).toHaveText('Rejected');
  await expect(marketer.getByText('Edit email 1')).toHaveCount(0);
});
