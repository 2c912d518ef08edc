import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freePort, spawnCli } from '../helpers/gateway.js';

let home: string;
beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'openclaw-fresh-'));
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

describe('openclaw agent on a fresh install', () => {
  it('answers with the built-in echo model with no config file and no provider', async () => {
    expect(await readdir(home)).toEqual([]);
    // Only the port is steered, so a gateway someone runs on 18789 cannot answer instead.
    const cli = spawnCli(['agent', '--message', 'hello from a fresh box'], {
      HOME: home,
      OPENCLAW_GATEWAY_PORT: String(await freePort()),
    });
    expect(await cli.exited).toBe(0);
    expect(cli.stdout()).toMatch(/echo/i);
    expect(cli.stdout()).toContain('hello from a fresh box');
  });
});
