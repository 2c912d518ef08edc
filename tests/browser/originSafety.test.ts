import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findChromium, launchChromium, type TestBrowser } from '../helpers/browser.js';
import { chatConfig, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { ROOT } from '../helpers/paths.js';

/**
 * A real browser against a gateway on loopback. A page from a second local origin (another port) tries the
 * HTTP API and the WebSocket and gets neither; a page at the gateway's own origin gets both. A name rebound to
 * 127.0.0.1 (Chromium's resolver rules stand in for the attacker's DNS) gets 421.
 * The gateway's own page is the Control UI at `/` (`dist/ui`, built by `npm run build`); without a build, a
 * document the gateway serves anyway (`/healthz`) stands in for it: the page's requests are same-origin either way.
 */

const chromium = findChromium();
if (!chromium) console.log('originSafety: no chromium on PATH, skipping the browser test');

const REBOUND = 'rebind.test';
const OWN_PAGE = existsSync(join(ROOT, 'dist/ui/index.html')) ? '/' : '/healthz';
let browser: TestBrowser;
let evil: Server;
let evilUrl: string;

beforeAll(async () => {
  if (!chromium) return;
  browser = await launchChromium(chromium, [`--host-resolver-rules=MAP ${REBOUND} 127.0.0.1`]);
  evil = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><title>some page the user visits</title>');
  });
  await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
  evilUrl = `http://127.0.0.1:${(evil.address() as AddressInfo).port}/`;
}, 60_000);

afterAll(async () => {
  if (!chromium) return;
  await browser?.close();
  await new Promise((resolve) => evil?.close(resolve));
});

interface Attempt {
  models: string;
  chat: string;
  socket: string;
}

/** From inside the page: the API read, a chat completion, and a WebSocket `connect` (secret given, if any). */
function attack(page: Page, gatewayUrl: string, token: string): Promise<Attempt> {
  return page.evaluate(
    async ({ gatewayUrl, token }) => {
      const auth: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
      const outcome = async (run: () => Promise<Response>) => {
        try {
          const res = await run();
          return `${res.status} ${(await res.text()).slice(0, 200)}`;
        } catch (err) {
          return `failed: ${String(err)}`;
        }
      };
      const models = await outcome(() => fetch(`${gatewayUrl}/v1/models`, { headers: auth }));
      const chat = await outcome(() =>
        fetch(`${gatewayUrl}/v1/chat/completions`, {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'openclaw', messages: [{ role: 'user', content: 'read ~/.ssh' }] }),
        }),
      );
      const socket = await new Promise<string>((resolve) => {
        const ws = new WebSocket(`${gatewayUrl.replace(/^http/, 'ws')}/`);
        const timer = setTimeout(() => resolve('timeout'), 10_000);
        ws.onmessage = (e) => {
          const frame = JSON.parse(String(e.data));
          if (frame.event === 'connect.challenge') {
            ws.send(
              JSON.stringify({
                type: 'req',
                id: 'c1',
                method: 'connect',
                params: {
                  minProtocol: 3,
                  maxProtocol: 4,
                  client: { id: 'openclaw-control-ui', version: '1', platform: 'web', mode: 'ui' },
                  ...(token ? { auth: { token } } : {}),
                },
              }),
            );
          } else if (frame.id === 'c1') {
            clearTimeout(timer);
            resolve(frame.ok ? `connected ${frame.payload.type}` : `refused ${frame.error.message}`);
            ws.close();
          }
        };
        ws.onclose = (e) => {
          clearTimeout(timer);
          resolve(`closed ${e.code}`);
        };
      });
      return { models, chat, socket };
    },
    { gatewayUrl, token },
  );
}

describe.skipIf(!chromium).each(['none', 'token'] as const)('a real browser, auth mode %s', (mode) => {
  let gw: TestGateway;
  beforeAll(async () => {
    const auth = mode === 'none' ? { mode: 'none', token: undefined } : {};
    gw = await startTestGateway(chatConfig({ gateway: { auth } }));
  });
  afterAll(() => gw?.stop());

  it('lets a page from another local origin neither fetch from the gateway nor open its WebSocket', async () => {
    const page = await browser.context.newPage();
    try {
      await page.goto(evilUrl);
      // Even a page that somehow holds the token gets nowhere: the browser never sees a grant.
      const got = await attack(page, gw.url, gw.token);
      expect(got.models).toMatch(/^failed: TypeError/);
      expect(got.chat).toMatch(/^failed: TypeError/);
      expect(got.socket).toBe('closed 1006');
    } finally {
      await page.close();
    }
  }, 60_000);

  it('lets a page at the gateway’s own origin use both', async () => {
    const page = await browser.context.newPage();
    try {
      const doc = await page.goto(`${gw.url}${OWN_PAGE}`);
      expect(doc?.status()).toBe(200);
      if (OWN_PAGE === '/') expect(await doc?.text()).toMatch(/<html/i);
      const got = await attack(page, gw.url, gw.token);
      expect(got.models).toMatch(/^200 .*"object":"list"/);
      expect(got.chat).toMatch(/^200 .*"chat\.completion"/);
      expect(got.socket).toBe('connected hello-ok');
    } finally {
      await page.close();
    }
  }, 60_000);

  it('gives a name rebound to 127.0.0.1 a 421, and its page nothing', async () => {
    const page = await browser.context.newPage();
    try {
      const rebound = gw.url.replace('127.0.0.1', REBOUND);
      const doc = await page.goto(`${rebound}/healthz`);
      expect(doc?.status()).toBe(421);
      const got = await attack(page, rebound, gw.token);
      expect(got.models).toMatch(/^421 /);
      expect(got.chat).toMatch(/^421 /);
      expect(got.socket).toBe('closed 1006');
    } finally {
      await page.close();
    }
  }, 60_000);
});
