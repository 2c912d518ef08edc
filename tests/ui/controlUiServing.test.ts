import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { ROOT } from '../helpers/paths.js';
import { openSocket, wsUrl } from '../ws/wsTestClient.js';

const built = existsSync(join(ROOT, 'dist/ui/index.html'));
const HTML = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };

async function assetPaths(gw: TestGateway, page: string): Promise<string[]> {
  const html = await (await fetch(`${gw.url}${page}`, { headers: HTML })).text();
  return [...html.matchAll(/(?:src|href)="\.\/(assets\/[^"]+)"/g)].map((m) => m[1]!);
}

describe.skipIf(!built)('Control UI serving', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway();
  });
  afterAll(() => gw.stop());

  it('serves the page to browsers on / with a strict CSP, nosniff, no-referrer and no caching', async () => {
    const res = await fetch(`${gw.url}/`, { headers: HTML });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    const html = await res.text();
    expect(html).toContain('<openclaw-app>');
    // No inline script: every script is a file from this origin.
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/https?:\/\//);
  });

  it('serves hashed assets for a year, precompressed, and 404s unknown ones', async () => {
    const assets = await assetPaths(gw, '/');
    expect(assets.some((a) => a.endsWith('.js'))).toBe(true);
    expect(assets.some((a) => a.endsWith('.css'))).toBe(true);
    for (const asset of assets) {
      const res = await fetch(`${gw.url}/${asset}`, { headers: { 'accept-encoding': 'gzip' } });
      expect(res.status, asset).toBe(200);
      expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      if (!asset.endsWith('.svg')) expect(res.headers.get('content-encoding'), asset).toBe('gzip');
      await res.arrayBuffer();
    }
    const js = assets.find((a) => a.endsWith('.js'))!;
    const res = await fetch(`${gw.url}/${js}`, { headers: { 'accept-encoding': 'br' } });
    expect(res.headers.get('content-encoding')).toBe('br');
    expect(res.headers.get('content-type')).toMatch(/javascript/);
    await res.arrayBuffer();
    const missing = await fetch(`${gw.url}/assets/nope-123.js`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('cache-control')).toBe('no-store');
    expect((await fetch(`${gw.url}/assets/..%2f..%2fpackage.json`)).status).toBe(404);
  });

  it('leaves / to the WebSocket protocol and non-browser clients', async () => {
    expect((await fetch(`${gw.url}/`, { headers: { accept: 'application/json' } })).status).toBe(404);
    expect((await fetch(`${gw.url}/`)).status).toBe(404);
    const socket = await openSocket(wsUrl(gw.url));
    const challenge = await socket.next((f) => f.event === 'connect.challenge');
    expect(challenge.payload.nonce).toEqual(expect.any(String));
    socket.close();
  });
});

describe.skipIf(!built)('Control UI config', () => {
  it('moves under gateway.controlUi.basePath, keeping ?token= through the redirect', async () => {
    const gw = await startTestGateway({ gateway: { controlUi: { basePath: '/ui' } } });
    try {
      const redirect = await fetch(`${gw.url}/ui?token=abc`, { headers: HTML, redirect: 'manual' });
      expect(redirect.status).toBe(308);
      expect(redirect.headers.get('location')).toBe('/ui/?token=abc');
      const page = await fetch(`${gw.url}/ui/`, { headers: HTML });
      expect(page.status).toBe(200);
      expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      for (const asset of await assetPaths(gw, '/ui/')) {
        expect((await fetch(`${gw.url}/ui/${asset}`)).status, asset).toBe(200);
      }
      expect((await fetch(`${gw.url}/`, { headers: HTML })).status).toBe(404);
    } finally {
      await gw.stop();
    }
  });

  it('serves no page when gateway.controlUi.enabled is false', async () => {
    const gw = await startTestGateway({ gateway: { controlUi: { enabled: false } } });
    try {
      expect((await fetch(`${gw.url}/`, { headers: HTML })).status).toBe(404);
      const assets = await fetch(`${gw.url}/assets/index.js`);
      expect(assets.status).toBe(404);
    } finally {
      await gw.stop();
    }
  });
});
