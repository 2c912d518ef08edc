import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VERSION } from '../../src/version.js';
import { spawnCli, type SpawnedCli } from '../helpers/gateway.js';
import { ROOT } from '../helpers/paths.js';

let dir: string;
let running: SpawnedCli | undefined;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'openclaw-cli-'));
});
afterEach(async () => {
  if (running && running.child.exitCode === null) {
    running.child.kill('SIGKILL');
    await running.exited;
  }
  running = undefined;
  await rm(dir, { recursive: true, force: true });
});

const env = () => ({ OPENCLAW_STATE_DIR: dir, HOME: dir });

describe('openclaw CLI', () => {
  it('keeps its version in step with package.json', () => {
    expect(VERSION).toBe(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
  });

  it('prints help and version for the program and each command', async () => {
    const help = spawnCli(['--help'], env());
    expect(await help.exited).toBe(0);
    expect(help.stdout()).toMatch(/Usage: openclaw/);
    for (const cmd of ['gateway', 'agent', 'health', 'sessions']) expect(help.stdout()).toContain(cmd);

    const version = spawnCli(['--version'], env());
    expect(await version.exited).toBe(0);
    expect(version.stdout().trim()).toBe(VERSION);

    for (const cmd of ['gateway', 'agent', 'health', 'sessions']) {
      const sub = spawnCli([cmd, '--help'], env());
      expect(await sub.exited, cmd).toBe(0);
      expect(sub.stdout(), cmd).toMatch(new RegExp(`Usage: openclaw ${cmd}`));
      const subVersion = spawnCli([cmd, '--version'], env());
      expect(await subVersion.exited, cmd).toBe(0);
      expect(subVersion.stdout().trim(), cmd).toBe(VERSION);
    }
  });

  it('starts on embedded defaults, prints its URL and a generated token once, and stops on SIGTERM with 0', async () => {
    running = spawnCli(['gateway', '--port', '0'], env());
    const [, url] = await running.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
    const [, token] = await running.waitFor(/generated for this run: (\S+)/);
    expect(running.stdout()).toMatch(/model local\/echo \(the built-in echo model/);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect(running.stderr()).not.toContain(token!);
    running.child.kill('SIGTERM');
    expect(await running.exited).toBe(0);
    // Once as the token, once in the ready Control UI link; nowhere else.
    expect(running.stdout().split(token!).length - 1).toBe(2);
    expect(running.stdout()).toContain(`control ui: ${url}/?token=${token}`);
  });

  it('takes --port over OPENCLAW_GATEWAY_PORT and the config', async () => {
    await writeFile(join(dir, 'openclaw.json'), '{ gateway: { port: 1 } }');
    running = spawnCli(['gateway', '--port', '0'], { ...env(), OPENCLAW_GATEWAY_PORT: '2' });
    const [, port] = await running.waitFor(/listening on http:\/\/127\.0\.0\.1:(\d+)/);
    expect(Number(port)).toBeGreaterThan(1024);
  });

  it('refuses a bad config with exit code 78 and one message per problem', async () => {
    const file = join(dir, 'bad.json5');
    await writeFile(
      file,
      '{\n  gateway: {\n    port: "x",\n    auth: { token: "s3cret-value", colour: 1 },\n  },\n}\n',
    );
    const cli = spawnCli(['gateway', '--config', file], env());
    expect(await cli.exited).toBe(78);
    expect(cli.stderr()).toMatch(/gateway\.port \(line 3\)/);
    expect(cli.stderr()).toMatch(/gateway\.auth\.colour \(line 4\): unknown key/);
    expect(cli.stderr()).not.toContain('s3cret-value');

    await writeFile(file, '{ gateway: { port: 1,, } }');
    const syntax = spawnCli(['gateway', '--config', file], env());
    expect(await syntax.exited).toBe(78);
    expect(syntax.stderr()).toMatch(/syntax error \(line 1/);
  });

  it('says at start which web pages may use it, refusing "*" without a secret', async () => {
    const file = join(dir, 'cors.json5');
    await writeFile(file, "{ gateway: { auth: { token: 't0k' }, http: { cors: { allowedOrigins: ['*'] } } } }");
    running = spawnCli(['gateway', '--port', '0', '--config', file], env());
    await running.waitFor(/browser pages: CORS for ANY origin/);
    expect(running.stderr()).toMatch(/allow any origin .*; web pages still need the token/);

    await writeFile(file, "{ gateway: { auth: { mode: 'none' }, http: { cors: { allowedOrigins: ['*'] } } } }");
    const refused = spawnCli(['gateway', '--port', '0', '--config', file], env());
    expect(await refused.exited).toBe(78);
    expect(refused.stderr()).toMatch(/gateway\.http\.cors\.allowedOrigins: "\*" .*needs token or password auth/);
  });
});
