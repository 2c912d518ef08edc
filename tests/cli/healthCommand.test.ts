import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnCli, startTestGateway, writeConfig, type TestGateway } from '../helpers/gateway.js';

let gw: TestGateway;
let dir: string;

beforeAll(async () => {
  gw = await startTestGateway({ agents: { list: [{ id: 'main' }, { id: 'beta' }] } });
  dir = await mkdtemp(join(tmpdir(), 'openclaw-health-cli-'));
});

afterAll(async () => {
  await gw.stop();
  await rm(dir, { recursive: true, force: true });
});

const env = () => ({ OPENCLAW_STATE_DIR: dir, HOME: dir });

describe('openclaw health', () => {
  it("prints the running gateway's health", async () => {
    const config = await writeConfig(
      dir,
      JSON.stringify({ gateway: { port: gw.port, auth: { token: gw.token } } }),
      'ok.json',
    );
    const text = spawnCli(['health', '--config', config], env());
    expect(await text.exited).toBe(0);
    expect(text.stdout()).toMatch(/^Gateway OK at ws:\/\/127\.0\.0\.1:\d+\/ \(version \d+\.\d+\.\d+/);
    expect(text.stdout()).toContain('main (default): 0 sessions; beta: 0 sessions');

    const json = spawnCli(['health', '--json', '--config', config], env());
    expect(await json.exited).toBe(0);
    const health = JSON.parse(json.stdout());
    expect(health).toMatchObject({ ok: true, version: gw.ctx.version, defaultAgentId: 'main' });
    expect(health.agents.map((a: { agentId: string }) => a.agentId)).toEqual(['main', 'beta']);
  });

  it('exits non-zero when no gateway is reachable', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const config = await writeConfig(dir, JSON.stringify({ gateway: { port } }), 'down.json');
    const cli = spawnCli(['health', '--config', config], env());
    expect(await cli.exited).toBe(1);
    expect(cli.stderr()).toMatch(/not reachable.*ECONNREFUSED/);
    expect(cli.stdout()).toBe('');
  });

  it('exits non-zero when the gateway refuses the credentials', async () => {
    const config = await writeConfig(
      dir,
      JSON.stringify({ gateway: { port: gw.port, auth: { token: 'nope' } } }),
      'bad.json',
    );
    const cli = spawnCli(['health', '--config', config], env());
    expect(await cli.exited).toBe(1);
    expect(cli.stderr()).toMatch(/token mismatch/);
  });
});
