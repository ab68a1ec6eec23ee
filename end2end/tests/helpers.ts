import { expect, Page } from '@playwright/test';

export const DEMO_PASSWORD = 'tenex-demo-2026';
export const ADMIN = 'admin@demo.tenex.test';
export const APPROVER = 'approver@demo.tenex.test';
export const MARKETER = 'marketer@demo.tenex.test';

/** Waits until the page has hydrated: clicks before that are lost. A lazily loaded page
 * (app/routes.rs) hydrates after the app, once its area's code has arrived. */
export async function hydrated(page: Page) {
  await expect(page.locator('#app')).toHaveAttribute('data-hydrated', 'true');
  await expect(page.locator('[data-lazy-page]:not([data-hydrated="true"])')).toHaveCount(0);
}

export async function logIn(page: Page, email: string, next = '/') {
  await page.goto(`/login?next=${encodeURIComponent(next)}`);
  await hydrated(page);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page).toHaveURL(new RegExp(`${next.replace(/[/?]/g, '\\$&')}$`));
  await hydrated(page);
}

/** Fails on any serious or critical accessibility violation axe-core finds on the page. */
export async function accessible(page: Page) {
  const { default: AxeBuilder } = await import('@axe-core/playwright');
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`)).toEqual([]);
}
