import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteSessionStore } from '../../src/node/sessions/sqliteStore.js';
import { startFakeOpenAI, type FakeProvider } from '../fixtures/fakeOpenAI.js';
import {
  freePort,
  spawnCli,
  startTestGateway,
  withFakeProvider,
  writeConfig,
  type TestGateway,
} from '../helpers/gateway.js';

const WORDS = Array.from({ length: 12 }, (_, i) => `word${i}`).join(' ');

let provider: FakeProvider;
let gw: TestGateway;
let dir: string;

beforeAll(async () => {
  provider = await startFakeOpenAI({ default: { text: WORDS, delayMs: 40 } });
  gw = await startTestGateway(withFakeProvider(provider.url));
  dir = await mkdtemp(join(tmpdir(), 'openclaw-agent-cli-'));
});

afterAll(async () => {
  await gw.stop();
  await provider.close();
  await rm(dir, { recursive: true, force: true });
});

async function cliConfig(name: string, gateway: Record<string, unknown>): Promise<string> {
  return writeConfig(dir, JSON.stringify(withFakeProvider(provider.url, { gateway })), name);
}

describe('openclaw agent', () => {
  it('runs the turn through the running gateway, streaming the reply', async () => {
    const config = await cliConfig('through.json', { port: gw.port, auth: { token: gw.token } });
    const stateDir = join(dir, 'through-state');
    const before = provider.requests.length;
    const cli = spawnCli(
      ['agent', '--message', 'hello there', '--session-key', 'agent:main:cli-test', '--config', config],
      {
        OPENCLAW_STATE_DIR: stateDir,
        HOME: dir,
      },
    );
    await cli.waitFor(/word0/);
    // Streaming: the first words are out while the model is still answering.
    expect(cli.stdout()).not.toContain('word11');
    expect(await cli.exited).toBe(0);
    expect(cli.stdout()).toBe(`${WORDS}\n`);
    expect(cli.stderr()).toBe('');
    expect(provider.requests.length - before).toBe(1);
    // The gateway ran it: the session is in the gateway's store, and the run went over WS.
    const stored = await gw.ctx.store.load('agent:main:cli-test');
    expect(stored?.messages.map((m) => m.role)).toEqual(['user', 'assistant']);
    expect(gw.logs.some((l) => l.msg === 'ws: client connected' && l.fields?.client === 'cli/cli')).toBe(true);
  });

  it('prints the final result as JSON with --json', async () => {
    const config = await cliConfig('json.json', { port: gw.port });
    const cli = spawnCli(['agent', '-m', 'json please', '--json', '--config', config], {
      OPENCLAW_STATE_DIR: join(dir, 'json-state'),
      HOME: dir,
      OPENCLAW_GATEWAY_TOKEN: gw.token,
    });
    expect(await cli.exited).toBe(0);
    const payload = JSON.parse(cli.stdout());
    expect(payload).toMatchObject({ status: 'ok', result: { payloads: [{ text: WORDS }] } });
    expect(payload.result.meta.agentMeta.sessionKey).toBe('agent:main:main');
  });

  it('fails with the reason when the gateway refuses its token, without running locally', async () => {
    const config = await cliConfig('badtoken.json', { port: gw.port, auth: { token: 'not-the-token' } });
    const before = provider.requests.length;
    const cli = spawnCli(['agent', '-m', 'hi', '--config', config], {
      OPENCLAW_STATE_DIR: join(dir, 'bad-state'),
      HOME: dir,
    });
    expect(await cli.exited).toBe(1);
    expect(cli.stderr()).toMatch(/unauthorized: gateway token mismatch/);
    expect(cli.stdout()).toBe('');
    expect(provider.requests.length).toBe(before);
  });

  it('runs locally when no gateway is reachable, and with --local', async () => {
    const config = await cliConfig('local.json', { port: await freePort() });
    const stateDir = join(dir, 'local-state');
    const env = { OPENCLAW_STATE_DIR: stateDir, HOME: dir };
    const before = provider.requests.length;
    const fallback = spawnCli(['agent', '-m', 'offline', '--session-key', 'agent:main:local', '--config', config], env);
    expect(await fallback.exited).toBe(0);
    expect(fallback.stdout()).toBe(`${WORDS}\n`);
    expect(fallback.stderr()).toMatch(/no gateway reachable at ws:\/\/127\.0\.0\.1:\d+\/; running the agent locally/);

    const explicit = spawnCli(
      ['agent', '-m', 'again', '--session-key', 'agent:main:local', '--local', '--json', '--config', config],
      env,
    );
    expect(await explicit.exited).toBe(0);
    expect(JSON.parse(explicit.stdout())).toMatchObject({ status: 'ok', result: { payloads: [{ text: WORDS }] } });
    expect(explicit.stderr()).toBe('');
    expect(provider.requests.length - before).toBe(2);

    // Both turns landed in the CLI's own state dir, not the gateway's.
    const store = openSqliteSessionStore(stateDir);
    try {
      expect((await store.load('agent:main:local'))?.messages).toHaveLength(4);
    } finally {
      await store.close();
    }
    expect(await gw.ctx.store.load('agent:main:local')).toBeNull();
  });

  it('reports an unknown agent with a non-zero exit', async () => {
    const config = await cliConfig('unknown.json', { port: gw.port, auth: { token: gw.token } });
    const cli = spawnCli(['agent', '-m', 'hi', '--agent', 'ghost', '--config', config], {
      OPENCLAW_STATE_DIR: join(dir, 'ghost'),
      HOME: dir,
    });
    expect(await cli.exited).toBe(1);
    expect(cli.stderr()).toMatch(/unknown agent id "ghost"/);
  });
});
