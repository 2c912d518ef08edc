import { existsSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { chatConfig, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { ROOT } from '../helpers/paths.js';
import { connectClient, connectParams, openSocket, upgradeStatus, wsUrl, type TestSocket } from '../ws/wsTestClient.js';

/**
 * What a web page (or a DNS-rebound name) can do against a gateway on loopback, in each auth mode, with
 * `Origin` and `Host` forged over real sockets the way a browser would send them.
 */

let gw: TestGateway | undefined;
const sockets: TestSocket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.ws.terminate();
  await gw?.stop();
  gw = undefined;
});

const PASSWORD = 'correct horse battery';
const MODES = {
  none: { mode: 'none', token: undefined },
  token: {},
  password: { mode: 'password', password: PASSWORD, token: undefined },
} as const;
type Mode = keyof typeof MODES;

async function start(mode: Mode, gateway: Record<string, unknown> = {}): Promise<TestGateway> {
  const auth = { ...MODES[mode], ...((gateway.auth as object) ?? {}) };
  gw = await startTestGateway(chatConfig({ gateway: { ...gateway, auth } }));
  return gw;
}

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** node:http, because fetch will not send a forged `Host`. */
function raw(
  g: TestGateway,
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: string; auth?: boolean } = {},
): Promise<RawResponse> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.auth !== false && g.token) headers.authorization = `Bearer ${g.token}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${g.url}${path}`, { method: init.method ?? 'GET', headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

const CHAT = JSON.stringify({ model: 'openclaw', messages: [{ role: 'user', content: 'hi' }] });

async function open(url: string, options: Parameters<typeof openSocket>[1]): Promise<TestSocket> {
  const s = await connectClient(url, gw!.token || undefined, {}, options);
  sockets.push(s);
  return s;
}

describe.each(Object.keys(MODES) as Mode[])('auth mode %s', (mode) => {
  it('serves loopback Host names (any port) and gateway.allowedHosts; any other Host gets 421, WS upgrades too', async () => {
    const g = await start(mode, { allowedHosts: ['gw.internal', '.corp.example'] });
    const port = new URL(g.url).port;
    for (const host of [
      `127.0.0.1:${port}`,
      `localhost:${port}`,
      `[::1]:${port}`,
      'localhost:1',
      'gw.internal:8443',
      'corp.example',
      `a.b.corp.example:${port}`,
    ]) {
      expect((await raw(g, '/v1/models', { headers: { host } })).status, host).toBe(200);
    }
    for (const host of [
      `evil.example:${port}`,
      'evil.example',
      `127.0.0.1.nip.io:${port}`,
      `localhost.evil.example:${port}`,
      `gw.internal.evil.example:${port}`,
      `evilcorp.example:${port}`,
      `0.0.0.0:${port}`,
      `[::2]:${port}`,
    ]) {
      const res = await raw(g, '/v1/chat/completions', { method: 'POST', headers: { host }, body: CHAT });
      expect(res.status, host).toBe(421);
      const error = JSON.parse(res.body).error;
      expect(error).toMatchObject({ type: 'invalid_request_error', code: 'host_not_allowed', param: null });
      expect(error.message).toMatch(/gateway\.allowedHosts/);
      expect(res.headers['x-request-id']).toBeTruthy();
    }
    const health = await raw(g, '/healthz', { headers: { host: 'evil.example' } });
    expect(health.status).toBe(421);
    expect(health.headers['content-type']).toMatch(/^text\/plain/);

    const url = wsUrl(g.url);
    expect(await upgradeStatus(url, { headers: { host: `evil.example:${port}` } })).toBe(421);
    expect(await upgradeStatus(url, { headers: { host: `rebind.evil.example:${port}` } })).toBe(421);
    await open(url, { headers: { host: `localhost:${port}` } });
    await open(url, { headers: { host: `gw.internal:${port}` } });
  });

  it('refuses a WebSocket upgrade from a foreign Origin with 403; own origin, allowed origins and no Origin connect', async () => {
    const g = await start(mode, { controlUi: { allowedOrigins: ['https://ui.example'] } });
    const port = Number(new URL(g.url).port);
    const url = wsUrl(g.url);
    for (const origin of [
      'https://evil.example',
      'null',
      `http://127.0.0.1:${port + 1}`,
      `http://localhost:${port}`, // not the origin of a page at 127.0.0.1:<port>
      `http://127.0.0.1:${port}.evil.example`,
      'https://ui.example.evil',
      'chrome-extension://abcdef',
    ]) {
      expect(await upgradeStatus(url, { origin }), origin).toBe(403);
    }
    // A page the gateway served itself, over http or behind a TLS proxy that keeps Host.
    const own = await open(url, { origin: `http://127.0.0.1:${port}` });
    expect((await own.request('health')).ok).toBe(true);
    await open(url, { origin: `https://127.0.0.1:${port}` });
    await open(url, { origin: `http://localhost:${port}`, headers: { host: `localhost:${port}` } });
    await open(url, { origin: 'https://ui.example' });
    // CLIs and SDKs send no Origin.
    await open(url, {});
  });

  it('grants CORS only to gateway.http.cors.allowedOrigins; a foreign origin gets no grant, and 403 in none mode', async () => {
    const g = await start(mode, { http: { cors: { allowedOrigins: ['https://app.example'] } } });
    const port = new URL(g.url).port;
    const preflight = (origin: string) =>
      raw(g, '/v1/chat/completions', {
        method: 'OPTIONS',
        auth: false,
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization, content-type',
        },
      });

    const evilPreflight = await preflight('https://evil.example');
    expect(evilPreflight.headers['access-control-allow-origin']).toBeUndefined();
    const evilPost = await raw(g, '/v1/chat/completions', {
      method: 'POST',
      headers: { origin: 'https://evil.example' },
      body: CHAT,
    });
    expect(evilPost.headers['access-control-allow-origin']).toBeUndefined();
    const evilHealth = await raw(g, '/healthz', { headers: { origin: 'https://evil.example' } });
    if (mode === 'none') {
      expect(evilPreflight.status).toBe(403);
      expect(evilPost.status).toBe(403);
      expect(JSON.parse(evilPost.body).error).toMatchObject({ type: 'request_forbidden', code: 'forbidden' });
      expect(JSON.parse(evilPost.body).error.message).toMatch(/gateway\.http\.cors\.allowedOrigins/);
      expect(evilHealth.status).toBe(403);
    } else {
      // No grant: the browser withholds the answer. A non-browser client that adds Origin still needs the secret.
      expect(evilPreflight.status).toBe(204);
      expect(evilPost.status).toBe(200);
      expect(evilHealth.status).toBe(200);
      expect((await raw(g, '/v1/models', { auth: false, headers: { origin: 'https://evil.example' } })).status).toBe(
        401,
      );
    }

    const appPreflight = await preflight('https://app.example');
    expect(appPreflight.status).toBe(204);
    expect(appPreflight.headers['access-control-allow-origin']).toBe('https://app.example');
    expect(appPreflight.headers['access-control-allow-methods']).toContain('POST');
    const appPost = await raw(g, '/v1/chat/completions', {
      method: 'POST',
      headers: { origin: 'https://app.example' },
      body: CHAT,
    });
    expect(appPost.status).toBe(200);
    expect(appPost.headers['access-control-allow-origin']).toBe('https://app.example');
    expect(appPost.headers.vary).toMatch(/Origin/);

    // Same-origin requests (the gateway's own pages) and requests without Origin are served, with no grant needed.
    const same = await raw(g, '/v1/chat/completions', {
      method: 'POST',
      headers: { origin: `http://127.0.0.1:${port}` },
      body: CHAT,
    });
    expect(same.status).toBe(200);
    const plain = await raw(g, '/v1/chat/completions', { method: 'POST', body: CHAT });
    expect(plain.status).toBe(200);
    expect(plain.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('takes ["*"] only with a token or password, and says so at start', async () => {
    const wildcard = { http: { cors: { allowedOrigins: ['*'] } } };
    if (mode === 'none') {
      await expect(start(mode, wildcard)).rejects.toThrow(/gateway\.http\.cors\.allowedOrigins.*token or password/);
      await expect(start(mode, { controlUi: { allowedOrigins: ['*'] } })).rejects.toThrow(/controlUi/);
      return;
    }
    const g = await start(mode, wildcard);
    expect(g.logs.find((l) => l.level === 'warn' && /allow any origin/.test(l.msg))).toBeTruthy();
    const res = await raw(g, '/v1/models', { headers: { origin: 'https://evil.example' } });
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    // The wildcard is for CORS only: the WebSocket still checks Origin.
    expect(await upgradeStatus(wsUrl(g.url), { origin: 'https://evil.example' })).toBe(403);
  });
});

describe('every route', () => {
  it('guards /v1/responses, /metrics and the Control UI page as it guards chat completions (none mode)', async () => {
    const g = await start('none', {
      http: { endpoints: { responses: { enabled: true } } },
      metrics: { public: true },
    });
    const port = new URL(g.url).port;
    const evilOrigin = { origin: 'https://evil.example' };
    const evilHost = { host: `evil.example:${port}` };
    const responses = (headers: Record<string, string>) =>
      raw(g, '/v1/responses', { method: 'POST', headers, body: JSON.stringify({ model: 'openclaw', input: 'hi' }) });
    expect((await responses({})).status).toBe(200);
    expect((await responses(evilOrigin)).status).toBe(403);
    expect((await responses(evilHost)).status).toBe(421);
    // The Control UI page is there once `npm run build` has built dist/ui.
    const paths = existsSync(join(ROOT, 'dist/ui/index.html')) ? ['/metrics', '/'] : ['/metrics'];
    for (const path of paths) {
      const get = (headers: Record<string, string>) => raw(g, path, { headers: { accept: 'text/html', ...headers } });
      expect((await get({})).status, path).toBe(200);
      expect((await get(evilOrigin)).status, path).toBe(403);
      expect((await get(evilHost)).status, path).toBe(421);
      expect((await get({ origin: `http://127.0.0.1:${port}` })).status, path).toBe(200);
    }
  });
});

describe('Host allow-list by bind', () => {
  const machineIps = Object.values(networkInterfaces())
    .flatMap((list) => list ?? [])
    .filter((i) => !i.internal && !i.address.startsWith('fe80'))
    .map((i) => (i.family === 'IPv6' ? `[${i.address}]` : i.address));

  it('bound to LAN, also serves the IP literals of the machine; bound to loopback, not them', async () => {
    const g = await start('token', { bind: 'lan', allowedHosts: ['gw.internal'] });
    const port = new URL(g.url).port;
    for (const ip of ['127.0.0.1', 'localhost', '[::1]', 'gw.internal', ...machineIps]) {
      expect((await raw(g, '/v1/models', { headers: { host: `${ip}:${port}` } })).status, ip).toBe(200);
    }
    for (const host of ['192.0.2.254', '10.99.99.99', '[fd00::dead]', 'evil.example', '0.0.0.0']) {
      expect((await raw(g, '/v1/models', { headers: { host: `${host}:${port}` } })).status, host).toBe(421);
    }
    // Reached over the LAN address itself, with the Host a browser would send.
    const lanIp = machineIps.find((ip) => !ip.startsWith('['));
    if (lanIp) {
      const res = await fetch(`http://${lanIp}:${port}/v1/models`, { headers: { authorization: `Bearer ${g.token}` } });
      expect(res.status).toBe(200);
    }
    await g.stop();
    gw = undefined;

    const local = await start('token');
    const localPort = new URL(local.url).port;
    for (const ip of machineIps) {
      expect((await raw(local, '/v1/models', { headers: { host: `${ip}:${localPort}` } })).status, ip).toBe(421);
    }
  });
});

describe.each(['token', 'password'] as const)('browser failed-auth limiter, %s mode', (mode) => {
  it('locks an origin out at this address after 10 wrong credentials over HTTP, loopback included', async () => {
    const g = await start(mode, { http: { cors: { allowedOrigins: ['https://app.example'] } } });
    const port = new URL(g.url).port;
    const attempt = (origin: string | undefined, secret: string) =>
      raw(g, '/v1/models', {
        auth: false,
        headers: { authorization: `Bearer ${secret}`, ...(origin ? { origin } : {}) },
      });
    // Non-browser clients on loopback stay exempt, as before.
    for (let i = 0; i < 12; i++) expect((await attempt(undefined, `guess-${i}`)).status).toBe(401);
    for (let i = 0; i < 9; i++) expect((await attempt('https://app.example', `guess-${i}`)).status).toBe(401);
    const tenth = await attempt('https://app.example', 'guess-9');
    expect(tenth.status).toBe(429);
    expect(Number(tenth.headers['retry-after'])).toBe(300);
    expect(JSON.parse(tenth.body).error.code).toBe('auth_rate_limited');
    // Locked for that origin even with the right secret; others are not.
    expect((await attempt('https://app.example', g.token)).status).toBe(429);
    expect((await attempt(undefined, g.token)).status).toBe(200);
    expect((await attempt(`http://127.0.0.1:${port}`, g.token)).status).toBe(200);
  });

  it('locks an origin out after 10 wrong WebSocket connects, then refuses its upgrade with 429', async () => {
    const g = await start(mode);
    const url = wsUrl(g.url);
    const origin = `http://127.0.0.1:${new URL(g.url).port}`;
    const codes: string[] = [];
    for (let i = 0; i < 10; i++) {
      const s = await openSocket(url, { origin });
      sockets.push(s);
      await s.next((f) => f.event === 'connect.challenge');
      const res = await s.request('connect', connectParams(`guess-${i}`));
      expect(res.ok).toBe(false);
      codes.push(res.error!.details.code);
    }
    expect(codes.at(-1)).toBe('AUTH_RATE_LIMITED');
    expect(codes.slice(0, 9).every((c) => c.endsWith('_MISMATCH'))).toBe(true);
    expect(await upgradeStatus(url, { origin })).toBe(429);
    // Without Origin (a CLI on loopback) the right secret still connects.
    await open(url, {});
  });

  it('keeps counting against the address, so a fresh Origin per guess does not escape the address limiter', async () => {
    const g = await start(mode, {
      auth: { rateLimit: { exemptLoopback: false } },
      http: { cors: { allowedOrigins: ['*'] } },
    });
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) {
      const res = await raw(g, '/v1/models', {
        auth: false,
        headers: { authorization: `Bearer guess-${i}`, origin: `https://o${i}.example` },
      });
      statuses.push(res.status);
    }
    expect(statuses.slice(0, 9)).toEqual(Array(9).fill(401));
    expect(statuses.slice(9)).toEqual([429, 429]);
  });
});

describe('browser-safety config', () => {
  it('stores origins as browsers send them and refuses paths, ports in hosts and junk', () => {
    const parsed = configSchema.parse({
      gateway: {
        allowedHosts: ['GW.Internal', '::1', '.corp.example'],
        controlUi: { allowedOrigins: ['HTTPS://UI.example:443/', 'chrome-extension://abc'] },
        http: { cors: { allowedOrigins: ['http://app.example:8080', '*'] } },
      },
    });
    expect(parsed.gateway.allowedHosts).toEqual(['gw.internal', '[::1]', '.corp.example']);
    expect(parsed.gateway.controlUi.allowedOrigins).toEqual(['https://ui.example', 'chrome-extension://abc']);
    expect(parsed.gateway.http.cors.allowedOrigins).toEqual(['http://app.example:8080', '*']);
    for (const bad of ['https://app.example/path', 'app.example', 'https://', '*.example.com']) {
      expect(configSchema.safeParse({ gateway: { http: { cors: { allowedOrigins: [bad] } } } }).success, bad).toBe(
        false,
      );
    }
    for (const bad of ['gw.internal:8080', 'http://gw.internal', 'a b']) {
      expect(configSchema.safeParse({ gateway: { allowedHosts: [bad] } }).success, bad).toBe(false);
    }
  });
});
