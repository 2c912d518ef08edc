/**
 * The Control UI in real headless Chromium against a real gateway and a loopback fake provider,
 * driven the way a person would: controls found by their accessible names.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeProvider } from '../fixtures/fakeOpenAI.js';
import { findChromium, launchChromium, type TestBrowser } from '../helpers/browser.js';
import { ROOT } from '../helpers/paths.js';
import { freePort, startTestGateway, TEST_TOKEN, type TestGateway, withFakeProvider } from '../helpers/gateway.js';

const chromium = findChromium();
const built = existsSync(join(ROOT, 'dist/ui/index.html'));
if (!chromium) console.warn('Control UI browser tests skipped: no chromium on the PATH');

const UI_TIMEOUT = 15_000;

/**
 * Screenshots go to test-results/control-ui/ (ignored by git) on every run, so a test run leaves the
 * tree clean; `npm run screenshots` writes them into docs/ for the README.
 */
const SHOTS = process.env.OPENCLAW_UI_SCREENSHOTS
  ? join(ROOT, process.env.OPENCLAW_UI_SCREENSHOTS)
  : join(ROOT, 'test-results', 'control-ui');

/** What a page did that it must not: throw, break the CSP, or talk to any host but the gateway. */
function watch(page: Page, origin: string) {
  const problems: string[] = [];
  const wsOrigin = origin.replace(/^http/, 'ws');
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && /Content Security Policy|Refused to/i.test(msg.text()))
      problems.push(`csp: ${msg.text()}`);
  });
  page.on('request', (req) => {
    if (!req.url().startsWith(origin) && !req.url().startsWith('data:')) problems.push(`request: ${req.url()}`);
  });
  page.on('websocket', (ws) => {
    if (!ws.url().startsWith(wsOrigin)) problems.push(`websocket: ${ws.url()}`);
  });
  return problems;
}

async function connect(page: Page, url: string): Promise<void> {
  await page.goto(`${url}/?token=${TEST_TOKEN}`);
  await page.getByLabel('Agent').waitFor({ timeout: UI_TIMEOUT });
}

const MARKDOWN_REPLY = [
  'Here is what I found:\n\n',
  '- first **point**\n',
  '- second point\n\n',
  '| tool | status |\n|---|---|\n| current_time | ok |\n\n',
  '```ts\nconst answer = 42;\n```\n\n',
  'See [the docs](https://docs.openclaw.ai/gateway).\n\n',
  '<img src="x" onerror="window.__pwned = 1">',
  '<script>window.__pwned = 2</script>\n\n',
  '[click me](javascript:window.__pwned=3)',
];

describe.skipIf(!chromium || !built)('Control UI in Chromium', () => {
  let provider: FakeProvider;
  let gw: TestGateway;
  let browser: TestBrowser;
  let page: Page;
  let problems: string[];

  beforeAll(async () => {
    provider = await startFakeOpenAI({ delayMs: 20 });
    gw = await startTestGateway(
      withFakeProvider(provider.url, { agents: { list: [{ id: 'main', name: 'Main agent' }] } }),
    );
    browser = await launchChromium(chromium!);
    page = await browser.context.newPage();
    await page.setViewportSize({ width: 1100, height: 760 });
    problems = watch(page, gw.url);
    await mkdir(SHOTS, { recursive: true });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await gw?.stop();
    await provider?.close();
  });

  it('refuses a wrong token with an alert, then connects with the right one', async () => {
    await page.goto(`${gw.url}/`);
    const token = page.getByLabel('Gateway token');
    await token.waitFor({ timeout: UI_TIMEOUT });
    await token.fill('not-the-token');
    await page.getByRole('button', { name: 'Connect' }).click();
    await expect
      .poll(() => page.getByRole('alert').textContent(), { timeout: UI_TIMEOUT })
      .toMatch(/refused this token/);

    await token.fill(TEST_TOKEN);
    await page.getByRole('button', { name: 'Connect' }).click();
    await page.getByLabel('Agent').waitFor({ timeout: UI_TIMEOUT });
    expect(await page.getByRole('alert').count()).toBe(0);
    expect(await page.getByLabel('Agent').locator('option').allTextContents()).toEqual(['Main agent']);
  });

  it('takes ?token= from the address, removes it at once, and keeps the token in sessionStorage only', async () => {
    await connect(page, gw.url);
    expect(page.url()).not.toContain('token');
    // Runs in the page; the test's own tsconfig has no DOM types.
    const stored = await page.evaluate(() => {
      const w = globalThis as any;
      return {
        session: JSON.stringify(Object.entries(w.sessionStorage)),
        local: w.localStorage.length as number,
        cookie: w.document.cookie as string,
      };
    });
    expect(stored.session).toContain(TEST_TOKEN);
    expect(stored).toMatchObject({ local: 0, cookie: '' });
  });

  it('streams a reply, renders its Markdown and runs none of its HTML', async () => {
    provider.script({ tokens: MARKDOWN_REPLY, delayMs: 300 });
    const message = page.getByLabel('Message');
    await message.fill('What did you find?');
    await message.press('Enter');

    const reply = page.getByRole('article', { name: 'Main agent' }).last();
    // Streaming: the first part is on screen while Stop is still offered.
    await reply.getByText('Here is what I found').waitFor({ timeout: UI_TIMEOUT });
    expect(await page.getByRole('button', { name: 'Stop' }).isVisible()).toBe(true);
    // The last part comes ~2.4 s after the first.
    expect(await reply.textContent()).not.toContain('click me');

    await page.getByRole('button', { name: 'Stop' }).waitFor({ state: 'detached', timeout: UI_TIMEOUT });
    await expect.poll(() => reply.getByRole('cell', { name: 'current_time' }).count()).toBe(1);
    expect(await reply.getByRole('listitem').allTextContents()).toEqual(['first point', 'second point']);
    expect(await reply.locator('strong').textContent()).toBe('point');
    expect(await reply.locator('pre code').textContent()).toContain('const answer = 42;');
    const link = reply.getByRole('link', { name: 'the docs' });
    expect(await link.getAttribute('href')).toBe('https://docs.openclaw.ai/gateway');
    expect(await link.getAttribute('rel')).toBe('noopener noreferrer');

    // Raw HTML is shown as text; a javascript: link loses its target.
    expect(await reply.textContent()).toContain('<script>window.__pwned = 2</script>');
    await reply.getByText('click me').click();
    expect(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await reply.locator('script').count()).toBe(0);
    expect(await reply.locator('[onerror]').count()).toBe(0);
    expect(await reply.locator('a[href^="javascript:"]').count()).toBe(0);

    expect(provider.requests.at(-1)!.body.messages.at(-1)).toMatchObject({
      role: 'user',
      content: 'What did you find?',
    });
    expect(await message.inputValue()).toBe('');
  });

  it('adds a line with Shift+Enter without sending', async () => {
    const before = provider.requests.length;
    const message = page.getByLabel('Message');
    await message.fill('first line');
    await message.press('Shift+Enter');
    await message.pressSequentially('second line');
    expect(await message.inputValue()).toBe('first line\nsecond line');
    expect(provider.requests.length).toBe(before);
    await message.fill('');
  });

  it('shows server-side tool calls as collapsible steps', async () => {
    // On a new session, which the Sessions test below finds again.
    await page.getByRole('button', { name: 'New session' }).click();
    provider.script(
      { toolCalls: [{ name: 'current_time', arguments: '{"timezone":"Europe/London"}' }] },
      {
        text: [
          'It is **morning** in London. The same moment elsewhere:\n\n',
          '| City | Local time |\n|---|---|\n| London | 09:41 |\n| New York | 04:41 |\n| Tokyo | 18:41 |\n\n',
          'Ask again from a terminal with:\n\n```sh\nopenclaw agent --message "What time is it?"\n```',
        ].join(''),
      },
    );
    await page.getByLabel('Message').fill('What time is it in London, New York and Tokyo?');
    await page.getByRole('button', { name: 'Send' }).click();
    const reply = page.getByRole('article', { name: 'Main agent' }).last();
    await reply.getByText('openclaw agent --message').waitFor({ timeout: UI_TIMEOUT });
    const step = reply.locator('details', { hasText: 'current_time' });
    expect(await step.getAttribute('open')).toBeNull();
    await step.locator('summary').click();
    await expect.poll(() => step.textContent()).toMatch(/"timezone":"Europe\/London"[\s\S]*Result\s*\d{4}-\d\d-\d\dT/);
    await step.locator('summary').click();
    await page.getByLabel('Message').focus();
    await page.screenshot({ path: join(SHOTS, 'control-ui-chat.png') });
    await page.getByRole('link', { name: 'Sessions' }).click();
    await page.getByRole('list', { name: 'Stored sessions' }).waitFor({ timeout: UI_TIMEOUT });
    await page
      .getByRole('listitem')
      .filter({ hasText: 'agent:main:main' })
      .getByRole('button', { name: 'Open' })
      .click();
    await page.getByText('What did you find?').waitFor({ timeout: UI_TIMEOUT });
  });

  it('shows a failed run in the conversation, not in the console', async () => {
    provider.script({ kind: 'error', status: 400, message: 'the model refused this request' });
    await page.getByLabel('Message').fill('Please fail');
    await page.getByLabel('Message').press('Enter');
    await page.getByText(/the model refused this request/).waitFor({ timeout: UI_TIMEOUT });
    expect(await page.getByRole('button', { name: 'Stop' }).count()).toBe(0);
  });

  it('Stop aborts the run and the provider request', async () => {
    const words = Array.from({ length: 200 }, (_, i) => `word${i} `);
    provider.script({ tokens: words, delayMs: 100 });
    const closedBefore = provider.closedMidResponse;
    await page.getByLabel('Message').fill('Write a long essay');
    await page.getByLabel('Message').press('Enter');
    const reply = page.getByRole('article', { name: 'Main agent' }).last();
    await reply.getByText('word2').waitFor({ timeout: UI_TIMEOUT });
    await page.getByRole('button', { name: 'Stop' }).click();
    await provider.waitForClose(closedBefore + 1, 10_000);
    await reply.getByText('Stopped').waitFor({ timeout: UI_TIMEOUT });
    expect(await reply.textContent()).not.toContain('word199');
    expect(await page.getByRole('button', { name: 'Send' }).isDisabled()).toBe(true); // empty message
    await page.getByLabel('Message').fill('x');
    expect(await page.getByRole('button', { name: 'Send' }).isEnabled()).toBe(true);
    await page.getByLabel('Message').fill('');
  });

  it('lists the conversation in Sessions, opens its history, resets and deletes it', async () => {
    // By keyboard: tab from the top of the page to the Sessions link and follow it.
    await page.getByLabel('Message').focus();
    await page.evaluate(() => (globalThis as any).document.activeElement.blur());
    let reached = false;
    for (let i = 0; i < 8 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = await page.evaluate(() => (globalThis as any).document.activeElement?.textContent === 'Sessions');
    }
    expect(reached).toBe(true);
    await page.keyboard.press('Enter');
    const list = page.getByRole('list', { name: 'Stored sessions' });
    await list.waitFor({ timeout: UI_TIMEOUT });
    const main = list.getByRole('listitem').filter({ hasText: 'agent:main:main' });
    await main.waitFor({ timeout: UI_TIMEOUT });
    expect(await list.getByRole('listitem').count()).toBe(2);
    await expect.poll(() => main.textContent()).toMatch(/\d+ messages/);
    await page.screenshot({ path: join(SHOTS, 'control-ui-sessions.png') });

    const side = list.getByRole('listitem').filter({ hasText: 'agent:main:ui-' });
    await side.getByRole('button', { name: 'Open' }).click();
    await page.getByText('What time is it in London, New York and Tokyo?').waitFor({ timeout: UI_TIMEOUT });
    expect(await page.getByRole('cell', { name: 'Tokyo' }).count()).toBe(1);
    expect(await page.locator('details', { hasText: 'current_time' }).count()).toBe(1);

    await page.getByRole('link', { name: 'Sessions' }).click();
    await main.getByRole('button', { name: 'Open' }).click();
    await page.getByText('What did you find?').waitFor({ timeout: UI_TIMEOUT });
    expect(await page.locator('code', { hasText: 'agent:main:main' }).count()).toBe(1);

    await page.getByRole('link', { name: 'Sessions' }).click();
    await main.getByRole('button', { name: 'Reset' }).click();
    const dialog = page.getByRole('dialog', { name: 'Reset this session?' });
    await dialog.waitFor({ timeout: UI_TIMEOUT });
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    // Escape cancels too, and the dialog opens on Cancel, not on the destructive button.
    await main.getByRole('button', { name: 'Reset' }).click();
    await dialog.waitFor({ timeout: UI_TIMEOUT });
    expect(await page.evaluate(() => (globalThis as any).document.activeElement?.textContent.trim())).toBe('Cancel');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    expect((await gw.ctx.store.load('agent:main:main'))!.messages.length).toBeGreaterThan(0);

    await main.getByRole('button', { name: 'Reset' }).click();
    await dialog.getByRole('button', { name: 'Reset' }).click();
    await expect.poll(async () => (await gw.ctx.store.load('agent:main:main'))?.messages.length).toBe(0);
    await expect.poll(() => main.textContent()).toMatch(/0 messages/);

    await main.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('dialog', { name: 'Delete this session?' }).getByRole('button', { name: 'Delete' }).click();
    await main.waitFor({ state: 'detached', timeout: UI_TIMEOUT });
    expect(await gw.ctx.store.load('agent:main:main')).toBeNull();
    expect(await list.getByRole('listitem').count()).toBe(1);
  });

  it('shows version, uptime, runs, clients and an activity chart from status', async () => {
    await page.getByRole('link', { name: 'Status' }).click();
    const stats = page.locator('dl.stats');
    await stats.waitFor({ timeout: UI_TIMEOUT });
    expect(await stats.textContent()).toContain(gw.ctx.version);
    expect(await stats.textContent()).toMatch(/Clients\s*1/);
    // Samples are taken every 5 s; ask for a fresh one now that no run is going.
    await page.getByRole('button', { name: 'Refresh' }).click();
    await expect.poll(() => stats.textContent(), { timeout: UI_TIMEOUT }).toMatch(/Active runs\s*0/);
    expect(await page.getByRole('img', { name: /active runs now 0/ }).count()).toBe(1);
    // The gateway's status reports its request rate, so the chart has both series.
    expect(await stats.textContent()).toMatch(/Requests \/ min\s*\d+/);
    expect(await page.locator('.chart polyline').count()).toBe(2);
    await page.screenshot({ path: join(SHOTS, 'control-ui-status.png') });
  });

  it('asks for a password when the gateway uses one', async () => {
    const pwGateway = await startTestGateway({ gateway: { auth: { mode: 'password', password: 'open sesame' } } });
    const pwPage = await browser.context.newPage();
    try {
      const pwProblems = watch(pwPage, pwGateway.url);
      await pwPage.goto(`${pwGateway.url}/`);
      const field = pwPage.getByLabel('Password');
      await field.waitFor({ timeout: UI_TIMEOUT });
      expect(await pwPage.getByLabel('Gateway token').count()).toBe(0);
      expect(await pwPage.getByRole('alert').count()).toBe(0);
      await field.fill('open sesame');
      await field.press('Enter');
      await pwPage.getByLabel('Agent').waitFor({ timeout: UI_TIMEOUT });
      expect(pwProblems).toEqual([]);
    } finally {
      await pwPage.close();
      await pwGateway.stop();
    }
  });

  it('made no request to any other host, broke no CSP rule and threw nothing', () => {
    expect(problems).toEqual([]);
  });
});

describe.skipIf(!chromium || !built)('Control UI across a gateway restart', () => {
  it('says it is reconnecting, then reconnects with backoff and keeps working', async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'openclaw-ui-restart-'));
    const port = await freePort();
    let gw = await startTestGateway({}, { stateDir, port });
    const browser = await launchChromium(chromium!);
    try {
      const page = await browser.context.newPage();
      await page.emulateMedia({ colorScheme: 'dark' });
      await page.setViewportSize({ width: 360, height: 720 });
      const problems = watch(page, gw.url);
      await connect(page, gw.url);
      await page.getByLabel('Message').fill('before the restart');
      await page.getByLabel('Message').press('Enter');
      await page.getByText('You said: before the restart').waitFor({ timeout: UI_TIMEOUT });

      await gw.stop();
      await page
        .getByRole('status')
        .filter({ hasText: /Reconnecting/ })
        .first()
        .waitFor({ timeout: UI_TIMEOUT });
      expect(await page.getByRole('button', { name: 'Send' }).isDisabled()).toBe(true);

      gw = await startTestGateway({}, { stateDir, port });
      await page.getByText(/^Connected/).waitFor({ timeout: 30_000 });
      await page.getByText('You said: before the restart').waitFor({ timeout: UI_TIMEOUT });
      await page.getByLabel('Message').fill('after the restart');
      await page.getByLabel('Message').press('Enter');
      await page.getByText('You said: after the restart').waitFor({ timeout: UI_TIMEOUT });
      await page.screenshot({ path: join(SHOTS, 'control-ui-mobile-dark.png') });
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
      await gw.stop();
      await rm(stateDir, { recursive: true, force: true });
    }
  }, 60_000);
});
