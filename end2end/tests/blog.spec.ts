import { test, expect, Page } from '@playwright/test';
import { APPROVER, MARKETER, accessible, hydrated, logIn } from './helpers';

/** Waits for the editor's autosave to settle. */
async function saved(page: Page) {
  await expect(page.getByTestId('save-state')).toHaveText('Saved', { timeout: 15_000 });
}

test('the demo drafts show every state, and the failed publish on the refusing CMS says why', async ({ page }) => {
  await logIn(page, MARKETER, '/blog');
  const drafts = page.getByRole('table', { name: 'Drafts' });
  await expect(drafts.getByRole('row', { name: /Five questions to ask a new carrier/ })).toContainText('draft');
  await expect(drafts.getByRole('row', { name: /Live tracking without the phone calls/ })).toContainText('pending approval');
  await expect(drafts.getByRole('row', { name: /One invoice a month, not fifty/ })).toContainText('published');
  await expect(drafts.getByRole('row', { name: /Instant quotes from 400 carriers/ })).toContainText('version 1 is live');
  await accessible(page);

  await page.getByLabel('Status').selectOption('published');
  await page.getByRole('button', { name: 'Filter' }).click();
  await expect(page).toHaveURL(/status=published/);
  await expect(drafts.getByRole('row', { name: /One invoice a month/ })).toBeVisible();
  await expect(drafts.getByRole('row', { name: /Five questions/ })).toHaveCount(0);

  await page.goto('/blog/publish-jobs?status=failed');
  await hydrated(page);
  const jobs = page.getByRole('table', { name: 'Publish jobs' });
  const failed = jobs.getByRole('row', { name: /Carrier scorecards, explained/ });
  await expect(failed).toContainText('publishing refused');
  await expect(failed.getByRole('button', { name: /Retry publishing/ })).toBeVisible();
  await accessible(page);
});

test('a draft is written with a live preview, survives a second tab, and goes live only after the approver approves it', async ({ browser }) => {
  const title = `Dock scheduling that works ${Date.now()}`;
  const marketer = await (await browser.newContext()).newPage();
  await logIn(marketer, MARKETER, '/blog');
  await marketer.getByLabel('Title').fill(title);
  await marketer.getByRole('button', { name: 'New draft' }).click();
  await expect(marketer).toHaveURL(/\/blog\/drafts\/drf_/);
  await hydrated(marketer);
  const url = marketer.url().replace(/^https?:\/\/[^/]+/, '');

  // The preview follows the Markdown as it is typed, rendered and sanitised in the browser.
  const body = marketer.getByLabel('Markdown');
  await body.fill('## Why docks jam\n\nTrucks arrive **together**.\n\n- [x] measured\n\n<script>alert(1)</script>');
  const preview = marketer.getByTestId('draft-preview');
  await expect(preview.locator('h2')).toHaveText('Why docks jam');
  await expect(preview.locator('strong')).toHaveText('together');
  await expect(preview.locator('script')).toHaveCount(0);
  await expect(preview).toContainText('<script>alert(1)</script>');
  await expect(marketer.getByTestId('draft-stats')).toContainText('min read');
  await saved(marketer);
  await expect(marketer.getByTestId('draft-version')).toHaveText('version 2');
  await accessible(marketer);

  // Leaving with unsaved text asks first.
  await body.fill('## Why docks jam\n\nTrucks arrive **together**, then wait.');
  const warned = new Promise<string>((resolve) => marketer.once('dialog', (d) => { resolve(d.type()); void d.dismiss(); }));
  await marketer.close({ runBeforeUnload: true });
  expect(await warned).toBe('beforeunload');
  await saved(marketer).catch(() => undefined);

  // Two tabs: the other one saves first; this one sees both and merges by hand.
  const mine = await (await browser.newContext()).newPage();
  await logIn(mine, MARKETER, url);
  await saved(mine);
  const theirs = await (await browser.newContext()).newPage();
  await logIn(theirs, MARKETER, url);
  await theirs.getByLabel('Markdown').fill('## Why docks jam\n\nTheir line about yard slots.');
  await saved(theirs);
  await mine.getByLabel('Markdown').fill('## Why docks jam\n\nMy line about booking windows.');
  await expect(mine.getByTestId('save-state')).toHaveText('Conflict — someone else saved', { timeout: 15_000 });
  const conflict = mine.getByTestId('conflict');
  await expect(conflict.getByTestId('conflict-mine')).toContainText('booking windows');
  await expect(conflict.getByTestId('conflict-theirs')).toContainText('yard slots');
  await accessible(mine);
  await conflict.getByRole('button', { name: 'Merge by hand' }).click();
  await mine.getByLabel('Merged text').fill('## Why docks jam\n\nMy line about booking windows.\n\nTheir line about yard slots.');
  await mine.getByRole('button', { name: 'Save merged text' }).click();
  await saved(mine);
  await expect(mine.getByTestId('conflict')).toHaveCount(0);
  await theirs.reload();
  await hydrated(theirs);
  await expect(theirs.getByLabel('Markdown')).toHaveValue(/booking windows[\s\S]*yard slots/);

  // Publishing waits for the approver, who sees exactly what will go out.
  await mine.getByLabel('Publish to').selectOption({ label: 'Sandbox CMS (sandbox)' });
  await mine.getByRole('button', { name: 'Request publish' }).click();
  await expect(mine.getByTestId('publish-pending')).toContainText('Waiting for an approver');

  const approver = await (await browser.newContext()).newPage();
  await logIn(approver, APPROVER, '/approvals');
  const row = approver.getByRole('row', { name: new RegExp(title) });
  await row.getByText(/as it will be published/).click();
  await expect(row.getByTestId('post-preview').locator('h2')).toHaveText('Why docks jam');
  await expect(row.getByTestId('post-preview')).toContainText('yard slots');
  await accessible(approver);
  await row.getByRole('link', { name: title }).click();
  await hydrated(approver);
  await approver.getByRole('button', { name: 'Approve and publish' }).click();
  await expect(approver.getByTestId('publish-pending')).toHaveCount(0);

  // The worker publishes it on the sandbox CMS.
  await expect(async () => {
    await approver.goto('/blog/publish-jobs');
    await hydrated(approver);
    await expect(approver.getByRole('row', { name: new RegExp(title) })).toContainText('succeeded', { timeout: 1000 });
  }).toPass({ timeout: 30_000 });
  const live = approver.getByRole('row', { name: new RegExp(title) }).getByRole('link', { name: /sandbox\.tenex\.invalid\/blog\/dock-scheduling-that-works/ });
  await expect(live).toBeVisible();
  await accessible(approver);
  await mine.goto(url);
  await hydrated(mine);
  await expect(mine.getByTestId('latest-publish-job')).toContainText('succeeded');
});
