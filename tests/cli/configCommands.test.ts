/** The OpenClaw CLI habits: config file|get|validate|schema, status, models list, dashboard, doctor, each with --json. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeProvider } from '../fixtures/fakeOpenAI.js';
import { freePort, spawnCli, writeConfig, type SpawnedCli } from '../helpers/gateway.js';
import { ROOT } from '../helpers/paths.js';

const STARTER = join(ROOT, 'tests/fixtures/openclaw-configs/starter.json5');
let dir: string;
let lab: FakeProvider;
const running: SpawnedCli[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'openclaw-cli-config-'));
  lab = await startFakeOpenAI();
});
afterEach(async () => {
  for (const cli of running.splice(0)) {
    if (cli.child.exitCode === null) {
      cli.child.kill('SIGKILL');
      await cli.exited;
    }
  }
});
afterAll(async () => {
  await lab.close();
  await rm(dir, { recursive: true, force: true });
});

function env(extra: Record<string, string> = {}): Record<string, string> {
  return {
    HOME: dir,
    OPENCLAW_STATE_DIR: join(dir, 'state'),
    OPENCLAW_GATEWAY_TOKEN: 'cli-token',
    LAB_BASE_URL: lab.url,
    LAB_API_KEY: 'lab-key',
    ...extra,
  };
}

async function run(
  args: string[],
  extra: Record<string, string> = {},
): Promise<{ code: number | null; out: string; err: string }> {
  const cli = spawnCli(args, env(extra));
  running.push(cli);
  const code = await cli.exited;
  return { code, out: cli.stdout(), err: cli.stderr() };
}

describe('openclaw config', () => {
  it('validate: a good file passes and lists what would be ignored; --json says the same', async () => {
    const text = await run(['config', 'validate', '--config', STARTER]);
    expect(text.code).toBe(0);
    expect(text.out).toContain(`valid: ${STARTER}`);
    expect(text.out).toMatch(/ignored \(not served by this gateway\): meta, wizard, .*channels, messages/);
    expect(text.out).toContain('\n  channels.telegram.dmPolicy\n');

    const json = await run(['config', 'validate', '--config', STARTER, '--json']);
    expect(json.code).toBe(0);
    const report = JSON.parse(json.out);
    expect(report).toMatchObject({ valid: true, path: STARTER, warnings: [] });
    expect(report.ignoredSections).toContain('channels');
    expect(report.ignored).toContain('channels.telegram.botToken');
  });

  it('validate: a bad file exits 78 with each problem, typo suggestions included', async () => {
    const file = await writeConfig(
      dir,
      '{\n  agents: { defaults: { modle: "lab/x" } },\n  gateway: { port: "high" },\n}',
      'bad.json5',
    );
    const text = await run(['config', 'validate', '--config', file]);
    expect(text.code).toBe(78);
    expect(text.err).toContain('agents.defaults.modle (line 2): unknown key');
    expect(text.err).toContain('did you mean "model"?');
    expect(text.err).toMatch(/gateway\.port \(line 3\): .*number/);

    const json = await run(['config', 'validate', '--config', file, '--json']);
    expect(json.code).toBe(78);
    expect(JSON.parse(json.out)).toMatchObject({
      valid: false,
      path: file,
      problems: expect.arrayContaining([expect.stringContaining('modle')]),
    });
  });

  it('file, get and schema', async () => {
    const file = await run(['config', 'file', '--json'], { OPENCLAW_CONFIG_PATH: STARTER });
    expect(JSON.parse(file.out)).toMatchObject({ path: STARTER, explicit: true });

    const get = await run(['config', 'get', 'agents.defaults.workspace', '--config', STARTER]);
    expect(get.out).toBe(`${join(dir, '.openclaw/workspace')}\n`);
    const token = await run(['config', 'get', 'gateway.auth', '--config', STARTER, '--json']);
    expect(JSON.parse(token.out)).toMatchObject({ mode: 'token', token: '[redacted]' });
    expect(token.out).not.toContain('cli-token');
    const ignored = await run(['config', 'get', 'channels.telegram', '--config', STARTER]);
    expect(ignored.code).toBe(1);
    expect(ignored.err).toContain('set but ignored');

    const schema = await run(['config', 'schema']);
    const parsed = JSON.parse(schema.out);
    expect(Object.keys(parsed.properties)).toEqual(
      expect.arrayContaining(['gateway', 'agents', 'models', 'logging', 'env']),
    );
    expect(parsed.properties.agents.properties.entries).toBeDefined();
  });
});

describe('openclaw models list', () => {
  it('lists provider models with their metadata and the agents using them', async () => {
    const json = await run(['models', 'list', '--config', STARTER, '--json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.out).models).toEqual([
      {
        ref: 'lab/lab-chat',
        provider: 'lab',
        api: 'openai-completions',
        name: 'Lab chat',
        contextWindow: 128000,
        maxTokens: 4096,
        input: ['text', 'image'],
        agents: ['main'],
        configured: true,
      },
    ]);
    const text = await run(['models', 'list', '--config', STARTER]);
    expect(text.out).toBe(
      'lab/lab-chat (Lab chat): openai-completions; context 128000; max out 4096; input text+image; agents main\n',
    );
  });
});

describe('openclaw status and dashboard', () => {
  it('status reports the running gateway, its agents, sessions and runs; dashboard says when there is no UI', async () => {
    const port = await freePort();
    const file = await writeConfig(
      dir,
      JSON.stringify({
        gateway: { port, http: { endpoints: { chatCompletions: { enabled: true } } } },
        agents: { ownership: 'explicit', entries: { home: { default: true }, work: {} } },
      }),
      'status.json',
    );
    const down = await run(['status', '--config', file, '--json']);
    expect(down.code).toBe(1);
    expect(JSON.parse(down.out)).toMatchObject({ running: false });

    const gateway = spawnCli(['gateway', '--config', file], env());
    running.push(gateway);
    await gateway.waitFor(/listening on/, 20_000);
    const up = await run(['status', '--config', file, '--json']);
    expect(up.code).toBe(0);
    expect(JSON.parse(up.out)).toMatchObject({
      running: true,
      defaultAgentId: 'home',
      agents: ['home', 'work'],
      activeRuns: [],
      sessions: { count: 0 },
    });
    const text = await run(['status', '--config', file]);
    expect(text.out).toContain('Agents: home (default), work');

    const dashboard = await run(['dashboard', '--config', file, '--json']);
    expect(dashboard.code).toBe(0);
    expect(JSON.parse(dashboard.out)).toEqual({
      running: true,
      controlUi: true,
      url: `http://127.0.0.1:${port}/?token=cli-token`,
    });
    const plain = await run(['dashboard', '--config', file]);
    expect(plain.out).toBe(`http://127.0.0.1:${port}/?token=cli-token\n`);
  });

  it('dashboard: no link when no gateway runs or the UI is switched off', async () => {
    const port = await freePort();
    const file = await writeConfig(
      dir,
      JSON.stringify({ gateway: { port, controlUi: { enabled: false } } }),
      'noui.json',
    );
    const down = await run(['dashboard', '--config', file]);
    expect(down.code).toBe(1);
    expect(down.err).toContain('no gateway running');
    const gateway = spawnCli(['gateway', '--config', file], env());
    running.push(gateway);
    await gateway.waitFor(/listening on/, 20_000);
    const off = await run(['dashboard', '--config', file, '--json']);
    expect(off.code).toBe(1);
    expect(JSON.parse(off.out)).toEqual({ running: true, controlUi: false, url: null });
  });
});

describe('openclaw doctor', () => {
  it('passes a healthy setup: config, free port, reachable provider, writable state dir', async () => {
    const port = await freePort();
    const file = await writeConfig(
      dir,
      `{ gateway: { port: ${port} }, models: { providers: { lab: { baseUrl: "\${LAB_BASE_URL}", apiKey: "\${LAB_API_KEY}", models: [{ id: "m" }] } } }, agents: { defaults: { model: "lab/m" } }, channels: { telegram: { enabled: false } } }`,
      'good.json5',
    );
    const json = await run(['doctor', '--config', file, '--json']);
    expect(json.code).toBe(0);
    const report = JSON.parse(json.out);
    expect(report.ok).toBe(true);
    expect(report.checks.map((c: { name: string }) => c.name)).toEqual([
      'config',
      `port ${port}`,
      'state dir',
      'provider lab',
    ]);
    expect(report.checks[0].detail).toContain('ignored (not served): channels');
    expect(report.checks[3].detail).toContain(lab.url);
    const text = await run(['doctor', '--config', file]);
    expect(text.out).toContain('No problems found.');
  });

  it('finds each problem: port taken, provider unreachable, key unset, state dir not writable; bad config is 78', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    const dead = await freePort();
    const notADir = join(dir, 'plain-file');
    await writeFile(notADir, 'x');
    try {
      const file = await writeConfig(
        dir,
        `{ gateway: { port: ${port} }, models: { providers: {
            gone: { baseUrl: "http://127.0.0.1:${dead}/v1", models: [{ id: "m" }] },
            keyless: { baseUrl: "\${LAB_BASE_URL}", apiKey: "\${UNSET_KEY_FOR_DOCTOR}", models: [{ id: "m" }] } } },
          agents: { defaults: { model: "gone/m" } } }`,
        'sick.json5',
      );
      const json = await run(['doctor', '--config', file, '--json'], { OPENCLAW_STATE_DIR: join(notADir, 'state') });
      expect(json.code).toBe(1);
      const checks = Object.fromEntries(
        JSON.parse(json.out).checks.map((c: { name: string; ok: boolean; detail: string }) => [c.name, c]),
      );
      expect(checks[`port ${port}`]).toMatchObject({ ok: false, detail: expect.stringContaining('EADDRINUSE') });
      expect(checks['provider gone']).toMatchObject({ ok: false, detail: expect.stringContaining('unreachable') });
      expect(checks['provider keyless']).toMatchObject({ ok: false, detail: 'no API key (set UNSET_KEY_FOR_DOCTOR)' });
      expect(checks['state dir']).toMatchObject({ ok: false });
      const text = await run(['doctor', '--config', file], { OPENCLAW_STATE_DIR: join(notADir, 'state') });
      expect(text.out).toContain('4 problem(s) found.');
    } finally {
      blocker.close();
    }
    const bad = await writeConfig(dir, '{ gatewy: {} }', 'typo.json5');
    const refused = await run(['doctor', '--config', bad, '--json']);
    expect(refused.code).toBe(78);
    expect(JSON.parse(refused.out).checks[0]).toMatchObject({ name: 'config', ok: false });
  });
});
