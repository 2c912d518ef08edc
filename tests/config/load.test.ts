import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfigText } from '../../src/node/config/load.js';

async function writeConfig(d: string, text: string, name = 'openclaw.json'): Promise<string> {
  const file = join(d, name);
  await writeFile(file, text);
  return file;
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'openclaw-config-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function problemsOf(text: string): string[] {
  try {
    parseConfigText(text, 'x.json', {});
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('config file', () => {
  it('applies defaults when no file exists', async () => {
    const loaded = await loadConfig({ env: { OPENCLAW_STATE_DIR: dir, HOME: dir } });
    expect(loaded.path).toBeUndefined();
    expect(loaded.stateDir).toBe(dir);
    expect(loaded.config.gateway.port).toBe(18789);
    expect(loaded.config.gateway.bind).toBe('loopback');
    expect(loaded.config.gateway.http.endpoints.chatCompletions.enabled).toBe(false);
    expect(loaded.config.agents.defaults.maxConcurrent).toBe(1024);
  });

  it('takes --config over OPENCLAW_CONFIG_PATH over the state dir file', async () => {
    const stateFile = await writeConfig(dir, '{gateway: {port: 1001}}');
    const envFile = await writeConfig(dir, '{gateway: {port: 1002}}', 'env.json5');
    const flagFile = await writeConfig(dir, '{gateway: {port: 1003}}', 'flag.json5');
    const env = { OPENCLAW_STATE_DIR: dir, HOME: dir };
    expect((await loadConfig({ env })).path).toBe(stateFile);
    expect((await loadConfig({ env })).config.gateway.port).toBe(1001);
    expect((await loadConfig({ env: { ...env, OPENCLAW_CONFIG_PATH: envFile } })).config.gateway.port).toBe(1002);
    expect(
      (await loadConfig({ env: { ...env, OPENCLAW_CONFIG_PATH: envFile }, configPath: flagFile })).config.gateway.port,
    ).toBe(1003);
  });

  it('falls back to ~/.openclaw/openclaw.json', async () => {
    await mkdir(join(dir, '.openclaw'));
    await writeConfig(join(dir, '.openclaw'), '{gateway: {port: 1004}}');
    const loaded = await loadConfig({ env: { HOME: dir, OPENCLAW_STATE_DIR: join(dir, 'state') } });
    expect(loaded.config.gateway.port).toBe(1004);
  });

  it('lets OPENCLAW_GATEWAY_PORT override the file', async () => {
    await writeConfig(dir, '{gateway: {port: 1001}}');
    const loaded = await loadConfig({ env: { OPENCLAW_STATE_DIR: dir, OPENCLAW_GATEWAY_PORT: '2002' } });
    expect(loaded.config.gateway.port).toBe(2002);
  });

  it('refuses a missing explicit file', async () => {
    await expect(loadConfig({ env: {}, configPath: join(dir, 'nope.json') })).rejects.toBeInstanceOf(ConfigError);
  });

  it('accepts JSON5 comments and trailing commas', () => {
    const config = parseConfigText('// hi\n{ gateway: { port: 1234, }, }', 'x', {});
    expect(config.gateway.port).toBe(1234);
  });

  it('names the line of a syntax error', () => {
    const problems = problemsOf('{\n  gateway: {\n    port: 12,,\n  }\n}');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/syntax error \(line 3, column \d+\)/);
  });

  it('names the key path and line of an unknown key', () => {
    const problems = problemsOf('{\n  gateway: {\n    port: 1,\n    prot: 2,\n  },\n}');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^gateway\.prot \(line 4\): unknown key .*did you mean "port"\?$/);
  });

  it('gives one message per problem for wrong types', () => {
    const problems = problemsOf(
      '{\n  gateway: {\n    port: "x",\n    bind: "moon",\n  },\n  agents: { list: [{ id: "a", model: "" }] },\n}',
    );
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/^gateway\.port \(line 3\): .*number/);
    expect(problems[1]).toMatch(/^gateway\.bind \(line 4\): /);
    expect(problems[2]).toMatch(/^agents\.list\.0\.model \(line 6\): /);
  });

  it('never repeats a secret value in its messages', () => {
    const problems = problemsOf('{ gateway: { auth: { token: 12345678, password: ["hunter2-secret"] } } }');
    expect(problems.join('\n')).not.toMatch(/hunter2|12345678/);
    expect(problems.some((p) => p.startsWith('gateway.auth.token'))).toBe(true);
  });
});
