import { test, expect } from '@playwright/test';
import { createHmac } from 'node:crypto';
import { createServer, IncomingHttpHeaders } from 'node:http';
import { AddressInfo } from 'node:net';
import { ADMIN, accessible, hydrated, logIn } from './helpers';

test('an admin adds an endpoint on a local receiver, sends a test event and sees it delivered and signed', async ({ page }) => {
  // The receiver: records every request and answers 200.
  const heard: { headers: IncomingHttpHeaders; body: string }[] = [];
  const receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      heard.push({ headers: req.headers, body });
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end('received');
    });
  });
  await new Promise<void>((ok) => receiver.listen(0, '127.0.0.1', ok));
  const port = (receiver.address() as AddressInfo).port;
  try {
    // A local receiver is a private address: an admin allows those first.
    await logIn(page, ADMIN, '/settings/webhooks');
    await expect(page.getByRole('heading', { name: 'Webhooks', level: 1 })).toBeVisible();
    await page.getByLabel('URL').fill(`http://127.0.0.1:${port}/hook`);
    await page.getByLabel('conversion.recorded').check();
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    await expect(page.getByText('resolves to a private address')).toBeVisible();

    await page.goto('/settings/workspace');
    await hydrated(page);
    await page.getByLabel('Allow webhooks to private addresses').check();
    await page.getByRole('button', { name: 'Save' }).click();
    await expect(page.getByTestId('private-targets')).toHaveText('Private addresses allowed');
    await accessible(page);

    await page.goto('/settings/webhooks');
    await hydrated(page);
    await page.getByLabel('URL').fill(`http://127.0.0.1:${port}/hook`);
    await page.getByLabel('Description (optional)').fill('e2e receiver');
    await page.getByLabel('conversion.recorded').check();
    await page.getByLabel('approval.decided').check();
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    const panel = page.getByTestId('new-secret');
    await expect(panel).toContainText('will not be shown again');
    const secret = await page.getByLabel('Signing secret').inputValue();
    expect(secret).toMatch(/^whsec_/);
    await accessible(page);

    await panel.getByRole('link', { name: 'Open the endpoint' }).click();
    await expect(page).toHaveURL(/\/settings\/webhooks\/whk_/);
    await hydrated(page);
    await expect(page.locator('body')).not.toContainText(secret);
    await page.getByRole('button', { name: 'Send test event' }).click();
    const log = page.getByTestId('delivery-log');
    const row = log.locator('li[data-cause="test"]').first();
    await expect(row).toContainText('succeeded', { timeout: 20_000 });
    await expect(row.getByTestId('response')).toContainText('answered 200');
    await accessible(page);

    // The receiver got it, signed with the secret over the timestamp and the raw body.
    expect(heard.length).toBe(1);
    const { headers, body } = heard[0];
    expect(headers['tenex-event']).toBe('webhook.test');
    const signature = String(headers['tenex-signature']);
    const t = /t=(\d+)/.exec(signature)![1];
    const v1 = /v1=([0-9a-f]+)/.exec(signature)![1];
    expect(createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')).toBe(v1);
    expect(JSON.parse(body).type).toBe('webhook.test');

    // Redeliver sends the same event again, as a new entry in the log.
    await row.getByRole('button', { name: /^Redeliver webhook.test/ }).click();
    await expect(log.locator('li[data-cause="redeliver"]').first()).toContainText('succeeded', { timeout: 20_000 });
    expect(heard.length).toBe(2);
    expect(JSON.parse(heard[1].body).id).toBe(JSON.parse(body).id);
  } finally {
    receiver.close();
  }
});
