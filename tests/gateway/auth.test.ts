import { afterEach, describe, expect, it } from 'vitest';
import { chatConfig, startTestGateway, TEST_TOKEN, type TestGateway } from '../helpers/gateway.js';

let gw: TestGateway | undefined;
afterEach(async () => {
  await gw?.stop();
  gw = undefined;
});

async function expectOpenAiError(res: Response, status: number, code: string | null) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  expect(res.headers.get('x-request-id')).toBeTruthy();
  const body = (await res.json()) as { error: Record<string, unknown> };
  expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type']);
  expect(body.error.code).toBe(code);
  return body.error;
}

describe('token mode', () => {
  it('answers 401 OpenAI-shaped for a missing or wrong bearer, 200 for the right one', async () => {
    gw = await startTestGateway(chatConfig());
    await expectOpenAiError(await gw.request('/v1/models', { auth: null }), 401, 'invalid_api_key');
    await expectOpenAiError(await gw.request('/v1/models', { auth: 'wrong' }), 401, 'invalid_api_key');
    await expectOpenAiError(
      await gw.request('/v1/models', { headers: { authorization: `Basic ${TEST_TOKEN}` } }),
      401,
      'invalid_api_key',
    );
    expect((await gw.request('/v1/models')).status).toBe(200);
    // The scheme is case-insensitive.
    expect((await gw.request('/v1/models', { headers: { authorization: `bEaReR   ${TEST_TOKEN}` } })).status).toBe(200);
  });

  it('takes the token from OPENCLAW_GATEWAY_TOKEN when config has none, config winning over env', async () => {
    gw = await startTestGateway(chatConfig({ gateway: { auth: { token: undefined } } }), {
      env: { OPENCLAW_GATEWAY_TOKEN: 'from-env' },
    });
    expect((await gw.request('/v1/models', { auth: 'from-env' })).status).toBe(200);
    await gw.stop();
    gw = await startTestGateway(chatConfig({ gateway: { auth: { token: 'from-config' } } }), {
      env: { OPENCLAW_GATEWAY_TOKEN: 'from-env' },
    });
    expect((await gw.request('/v1/models', { auth: 'from-env' })).status).toBe(401);
    expect((await gw.request('/v1/models', { auth: 'from-config' })).status).toBe(200);
  });

  it('generates a token for the process when none is configured', async () => {
    gw = await startTestGateway(chatConfig({ gateway: { auth: { token: undefined } } }));
    expect(gw.ctx.auth).toMatchObject({ mode: 'token', generated: true });
    expect(gw.token.length).toBeGreaterThanOrEqual(24);
    expect((await gw.request('/v1/models')).status).toBe(200);
    expect((await gw.request('/v1/models', { auth: TEST_TOKEN })).status).toBe(401);
  });
});

describe('password mode', () => {
  it('accepts the password as the bearer, including characters outside token68', async () => {
    const password = 'correct horse!battery "staple"';
    gw = await startTestGateway(chatConfig({ gateway: { auth: { mode: 'password', password, token: undefined } } }));
    expect((await gw.request('/v1/models', { auth: password })).status).toBe(200);
    expect((await gw.request('/v1/models', { auth: 'correct horse' })).status).toBe(401);
  });

  it('reads OPENCLAW_GATEWAY_PASSWORD', async () => {
    gw = await startTestGateway(chatConfig({ gateway: { auth: { mode: 'password', token: undefined } } }), {
      env: { OPENCLAW_GATEWAY_PASSWORD: 'pw-from-env' },
    });
    expect((await gw.request('/v1/models', { auth: 'pw-from-env' })).status).toBe(200);
  });

  it('refuses to start without a password', async () => {
    await expect(
      startTestGateway(chatConfig({ gateway: { auth: { mode: 'password', token: undefined } } })),
    ).rejects.toThrow(/password/);
  });
});

describe('none mode', () => {
  it('needs no credentials on loopback', async () => {
    gw = await startTestGateway(chatConfig({ gateway: { auth: { mode: 'none', token: undefined } } }));
    expect((await gw.request('/v1/models', { auth: null })).status).toBe(200);
  });
});

describe('failed-auth limiter', () => {
  it('locks an address out after 10 wrong tokens with 429 and Retry-After', async () => {
    gw = await startTestGateway(chatConfig({ gateway: { auth: { rateLimit: { exemptLoopback: false } } } }));
    for (let i = 0; i < 9; i++) expect((await gw.request('/v1/models', { auth: `bad-${i}` })).status).toBe(401);
    const tenth = await gw.request('/v1/models', { auth: 'bad-10' });
    const error = await expectOpenAiError(tenth, 429, 'auth_rate_limited');
    expect(error.message).toMatch(/Too many failed authentication attempts/);
    expect(Number(tenth.headers.get('retry-after'))).toBe(300);
    // Locked even with the right token now.
    const locked = await gw.request('/v1/models');
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(290);
  });

  it('does not count missing credentials, and exempts loopback by default', async () => {
    gw = await startTestGateway(
      chatConfig({ gateway: { auth: { rateLimit: { exemptLoopback: false, maxAttempts: 3 } } } }),
    );
    for (let i = 0; i < 5; i++) expect((await gw.request('/v1/models', { auth: null })).status).toBe(401);
    expect((await gw.request('/v1/models')).status).toBe(200);
    await gw.stop();
    gw = await startTestGateway(chatConfig({ gateway: { auth: { rateLimit: { maxAttempts: 3 } } } }));
    for (let i = 0; i < 5; i++) expect((await gw.request('/v1/models', { auth: 'bad' })).status).toBe(401);
    expect((await gw.request('/v1/models')).status).toBe(200);
  });
});

describe('secrets', () => {
  it('never reach a log line', async () => {
    gw = await startTestGateway(chatConfig({ gateway: { auth: { rateLimit: { exemptLoopback: false } } } }), {
      verbose: true,
    });
    for (let i = 0; i < 12; i++) await gw.request('/v1/models', { auth: `leaky-secret-${i}` });
    await gw.request('/v1/models');
    const text = JSON.stringify(gw.logs);
    expect(gw.logs.filter((l) => l.msg === 'request').length).toBe(13);
    expect(text).not.toContain(TEST_TOKEN);
    expect(text).not.toContain('leaky-secret');
  });
});
