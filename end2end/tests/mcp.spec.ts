import { test, expect } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { APPROVER, MARKETER } from './helpers';

// The MCP endpoint driven by the official TypeScript SDK's client, as an agent would use it,
// against the release server and its demo workspace. Keys come from the `tenex admin
// create-key` command, the way an admin hands one to an agent.

const base = () => process.env.BASE_URL ?? 'http://127.0.0.1:3000';

function tenex(...args: string[]): string {
  return execFileSync(process.env.TENEX_BIN ?? './target/release/tenex', args, { env: process.env, encoding: 'utf8' }).trim();
}

function key(workspace: string, user: string, scopes?: string): string {
  const args = ['admin', 'create-key', '--workspace', workspace, '--user', user, '--name', `mcp ${Date.now()}`];
  if (scopes) args.push('--scopes', scopes);
  return tenex(...args);
}

async function connect(token?: string): Promise<Client> {
  const headers: Record<string, string> = token ? { Authorization: `Bearer ${token}` } : {};
  const transport = new StreamableHTTPClientTransport(new URL('/mcp', base()), { requestInit: { headers } });
  const client = new Client({ name: 'tenex-e2e', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

type Answer = { isError: boolean; body: any; text: string };

async function call(client: Client, name: string, args: Record<string, unknown>): Promise<Answer> {
  const r: any = await client.callTool({ name, arguments: args });
  return { isError: Boolean(r.isError), body: r.structuredContent, text: r.content?.[0]?.text ?? '' };
}

async function ok(client: Client, name: string, args: Record<string, unknown> = {}): Promise<any> {
  const a = await call(client, name, args);
  expect(a.isError, `${name}: ${a.text}`).toBe(false);
  return a.body;
}

test('an agent previews, cannot approve, and a person-granted key can; launches and publishes wait for a person', async ({ request }) => {
  const agent = await connect(key('Tenex Demo', MARKETER));
  const approverKey = key('Tenex Demo', APPROVER, 'marketing:read,marketing:write,marketing:approve');
  const approver = await connect(approverKey);

  // Tools and their schemas, as the SDK reads them.
  const { tools } = await agent.listTools();
  const names = tools.map((t) => t.name);
  for (const name of ['preview_email_sequence', 'approve_email_sequence', 'launch_ad_campaign', 'publish_blog_draft', 'record_event']) {
    expect(names).toContain(name);
  }
  const previewTool = tools.find((t) => t.name === 'preview_email_sequence')!;
  expect(Object.keys(previewTool.inputSchema.properties ?? {})).toEqual(
    expect.arrayContaining(['segment_id', 'brand_id', 'objective', 'sender_connector_id', 'num_emails', 'cadence_days']),
  );
  expect(previewTool.annotations?.readOnlyHint).toBe(false);
  const approveTool = tools.find((t) => t.name === 'approve_email_sequence')!;
  expect(Object.keys(approveTool.inputSchema.properties ?? {})).toContain('preview_id');
  expect(approveTool.annotations?.openWorldHint).toBe(true);
  expect(tools.find((t) => t.name === 'list_campaigns')!.annotations?.readOnlyHint).toBe(true);

  // The demo's largest segment (other tests add small or emptied ones).
  const segments = (await ok(agent, 'list_segments', { limit: 200 })).items as any[];
  const segment = segments.reduce((a, b) => (b.member_count > a.member_count ? b : a));
  expect(segment.member_count).toBeGreaterThan(0);
  const brand = (await ok(agent, 'list_brands')).items[0];
  const connectors = (await ok(agent, 'list_connectors', { limit: 200 })).items as any[];
  // A healthy sandbox for each channel, by role (other tests rename or add connectors).
  const named = (role: string) => {
    const sandbox = connectors.find((c) => c.kind === 'sandbox' && c.health === 'healthy' && c.roles.includes(role) && !/refuses/.test(c.name));
    expect(sandbox, JSON.stringify(connectors.map((c) => [c.name, c.roles, c.health]))).toBeTruthy();
    return sandbox.id as string;
  };

  // A preview sends nothing and says so.
  const preview = await call(agent, 'preview_email_sequence', {
    segment_id: segment.id, brand_id: brand.id, objective: 'book a freight demo',
    sender_connector_id: named('email_sender'), num_emails: 2, cadence_days: [0, 4],
  });
  expect(preview.isError, preview.text).toBe(false);
  expect(preview.text).toContain('nothing was sent');
  const previewId = preview.body.preview_id as string;
  const recipients = preview.body.preview.recipients as number;
  expect(recipients).toBeGreaterThan(0);
  expect(preview.body.sequence.status).toBe('pending_approval');

  // The agent's default key cannot approve: the answer names the page where a person does.
  const refused = await call(agent, 'approve_email_sequence', { preview_id: previewId, acknowledge_warnings: true });
  expect(refused.isError).toBe(true);
  expect(refused.body.code).toBe('approval_required');
  expect(refused.text).toContain(`${base()}/email/sequences/${previewId}`);
  expect((await ok(agent, 'get_email_sequence', { sequence_id: previewId })).status).toBe('pending_approval');

  // A key a person gave marketing:approve can.
  const approved = await ok(approver, 'approve_email_sequence', { preview_id: previewId, acknowledge_warnings: true });
  // Enrolled and under way (the serving worker may already have finished a short run).
  expect(['active', 'completed']).toContain(approved.status);
  expect(approved.stats.enrolled).toBe(recipients);

  // An ad launch is only a request: pending approval, nothing spent.
  const made = await ok(agent, 'generate_ad_creatives', {
    platform: 'google', brand_id: brand.id, objective: `e2e leads ${Date.now()}`, count: 1,
    final_url: 'https://tenex.example/demo',
  });
  const creative = made.items[0].id as string;
  const approval = await request.post(`/api/v1/marketing/ad-creatives/${creative}/approve`, {
    headers: { Authorization: `Bearer ${approverKey}` }, data: {},
  });
  expect(approval.status()).toBe(200);
  const launch = await call(agent, 'launch_ad_campaign', {
    platform: 'google', objective: 'leads', segment_id: segment.id, brand_id: brand.id,
    daily_budget_usd: 15, connector_id: named('ad_account'), creative_ids: [creative],
  });
  expect(launch.isError, launch.text).toBe(false);
  expect(launch.body.status).toBe('pending_approval');
  expect(launch.text).toContain('nothing was launched or spent');
  const pending = await ok(agent, 'list_approvals', { status: 'pending', subject_type: 'ad_campaign' });
  expect(pending.items.map((a: any) => a.subject_id)).toContain(launch.body.id);

  // A blog publish is a request too.
  const draft = await ok(agent, 'generate_blog_draft', { brand_id: brand.id, topic: `Cross-dock savings ${Date.now()}` });
  const publish = await call(agent, 'publish_blog_draft', { draft_id: draft.id, connector_id: named('cms') });
  expect(publish.isError, publish.text).toBe(false);
  expect(publish.body.published).toBe(false);
  expect(publish.body.approval.status).toBe('pending');
  expect(publish.text).toContain(`/blog/drafts/${draft.id}`);

  // Resources and the prompt.
  const { resources } = await agent.listResources();
  expect(resources.map((r) => r.uri)).toEqual(['tenex://campaigns/recent', 'tenex://approvals/pending']);
  const read = await agent.readResource({ uri: 'tenex://approvals/pending' });
  expect((read.contents[0] as any).text).toContain(launch.body.id);
  const prompt = await agent.getPrompt({ name: 'plan_outbound_campaign', arguments: { objective: 'book a demo' } });
  expect(JSON.stringify(prompt.messages)).toContain('preview_email_sequence');

  await agent.close();
  await approver.close();
});

test('an agent without a key, or with another workspace\'s key, reaches nothing', async () => {
  await expect(connect()).rejects.toThrow(/401|nauthorized/);
  await expect(connect('tnx_aaaaaaaaaa_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb')).rejects.toThrow(/401|nauthorized/);

  const demo = await connect(key('Tenex Demo', MARKETER));
  const campaign = (await ok(demo, 'list_campaigns', { limit: 1 })).items[0];
  await demo.close();

  tenex('admin', 'create-user', '--workspace', 'Globex e2e', '--email', 'agent@globex.test',
    '--password', 'globex-password-2026', '--role', 'marketer');
  const other = await connect(key('Globex e2e', 'agent@globex.test'));
  const foreign = await call(other, 'get_campaign', { campaign_id: campaign.id });
  expect(foreign.isError).toBe(true);
  expect(foreign.body.code).toBe('not_found');
  expect((await ok(other, 'list_campaigns')).items).toEqual([]);
  await other.close();
});
