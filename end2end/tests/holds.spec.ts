import { test, expect, Page } from '@playwright/test';
import * as net from 'node:net';
import { ADMIN, APPROVER, MARKETER, accessible, hydrated, logIn } from './helpers';

/** A port nobody listens on (yet). */
async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((done) => probe.listen(0, '127.0.0.1', () => done()));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((done) => probe.close(done));
  return port;
}

/** A small SMTP server on `port` that accepts every message and counts them. */
async function smtpSink(port: number) {
  let received = 0;
  const open = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    socket.on('error', () => {});
    socket.write('220 e2e.test ESMTP ready\r\n');
    let pending = '';
    let inData = false;
    socket.on('data', (chunk) => {
      pending += chunk.toString('latin1');
      for (let end = pending.indexOf('\r\n'); end >= 0; end = pending.indexOf('\r\n')) {
        const line = pending.slice(0, end);
        pending = pending.slice(end + 2);
        if (inData) {
          if (line === '.') {
            inData = false;
            received += 1;
            socket.write('250 2.0.0 queued as E2E\r\n');
          }
          continue;
        }
        const command = line.toUpperCase();
        if (command.startsWith('EHLO')) socket.write('250-e2e.test\r\n250 8BITMIME\r\n');
        else if (command === 'DATA') { inData = true; socket.write('354 end with a dot\r\n'); }
        else if (command.startsWith('QUIT')) socket.end('221 2.0.0 bye\r\n');
        else socket.write('250 2.0.0 OK\r\n');
      }
    });
  });
  await new Promise<void>((done) => server.listen(port, '127.0.0.1', () => done()));
  // The worker keeps idle connections for reuse: closing drops them too.
  const close = () => new Promise((done) => { server.close(done); for (const socket of open) socket.destroy(); });
  return { received: () => received, close };
}

/** Reloads `page` until `check` passes (the worker acts in the background). */
async function eventually(page: Page, check: () => Promise<void>, timeout = 45_000) {
  await expect(async () => {
    await page.reload();
    await hydrated(page);
    await check();
  }).toPass({ timeout });
}

test('a sender that cannot connect holds its run, says why, and a passing test lets it go on', async ({ browser }) => {
  test.setTimeout(150_000);
  const port = await freePort();
  const connector = `SMTP e2e ${Date.now()}`;

  // An admin adds an SMTP sender on a port where nothing listens yet.
  const admin = await (await browser.newContext()).newPage();
  await logIn(admin, ADMIN, '/settings/connectors');
  await admin.getByLabel('Kind').selectOption('smtp');
  await admin.locator('#connector-name').fill(connector);
  await admin.locator('#settings-host').fill('127.0.0.1');
  await admin.locator('#settings-port').fill(String(port));
  await admin.locator('#settings-tls_mode').selectOption('none');
  await admin.locator('#settings-from_address').fill('ops@tenex-freight.test');
  await admin.getByRole('button', { name: 'Add connector' }).click();
  const row = admin.locator('tr', { hasText: connector });
  await expect(row).toBeVisible();

  // A marketer previews a sequence on it and an approver approves it.
  const marketer = await (await browser.newContext()).newPage();
  await logIn(marketer, MARKETER, '/email/new');
  await marketer.getByLabel('Objective').fill('book a 20-minute freight review');
  await marketer.getByLabel('Segment').selectOption({ label: 'Logistics operations leaders' });
  await marketer.getByLabel('Sender').selectOption({ label: `${connector} (smtp)` });
  await marketer.getByLabel('Name (optional)').fill(`Held run ${connector}`);
  // Sandboxes for other channels are not offered as senders.
  await expect(marketer.getByLabel('Sender').locator('option', { hasText: 'Sandbox CMS' })).toHaveCount(0);
  await expect(marketer.getByLabel('Sender').locator('option', { hasText: 'Sandbox ads' })).toHaveCount(0);
  await marketer.getByRole('button', { name: 'Generate preview' }).click();
  await expect(marketer).toHaveURL(/\/email\/sequences\/seq_[0-9a-z]{26}$/);
  const path = marketer.url().replace(/^https?:\/\/[^/]+/, '');
  const approver = await (await browser.newContext()).newPage();
  await logIn(approver, APPROVER, path);
  await approver.getByRole('button', { name: 'Approve' }).click();
  await expect(approver.getByTestId('approval-state')).toHaveText('Approved');

  // The worker fails a few times in a row, then holds the run instead of trying all 20.
  const held = marketer.getByTestId('sender-held');
  await eventually(marketer, () => expect(held).toBeVisible({ timeout: 1000 }));
  await expect(held).toContainText(`its sender "${connector}" is failing`);
  await expect(held).toContainText('attempts in a row failed');
  await expect(marketer.getByTestId('paused-reason')).toHaveText('held: sender failing');
  await expect(marketer.locator('[data-stat="sent"]')).toHaveText('0');
  await accessible(marketer);

  // The campaign list says so too.
  await marketer.goto('/campaigns?status=paused');
  await hydrated(marketer);
  await expect(marketer.locator('tr', { hasText: `Held run ${connector}` }).getByTestId('paused-reason').first()).toHaveText('held: sender failing');

  // The connectors page shows the failing badge and what it holds.
  await admin.reload();
  await hydrated(admin);
  await expect(row).toContainText('failing');
  await expect(row.getByTestId('connector-held')).toContainText('1 run(s) wait');
  await accessible(admin);

  // A server listens there now: "Test connection" passes and releases the run.
  const sink = await smtpSink(port);
  try {
    await admin.getByRole('button', { name: `Test connection ${connector}` }).click();
    await expect(row).toContainText('healthy');
    await expect(row.getByTestId('connector-held')).toHaveCount(0);

    await marketer.goto(path);
    await hydrated(marketer);
    await expect(held).toHaveCount(0);
    await eventually(marketer, () => expect(marketer.locator('[data-stat="sent"]')).toHaveText('20', { timeout: 1000 }));
    await expect.poll(() => sink.received()).toBe(20);
    await expect(marketer.locator('[data-stat="failed"]')).toHaveText('0');
  } finally {
    await sink.close();
  }
});
