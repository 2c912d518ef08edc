import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteSessionStore } from '../../src/node/sessions/sqliteStore.js';
import { startFakeOpenAI, type FakeProvider } from '../fixtures/fakeOpenAI.js';
import { chatConfig, spawnCli, startTestGateway, withFakeProvider, type SpawnedCli } from '../helpers/gateway.js';

let dir: string;
let fake: FakeProvider;
let cli: SpawnedCli | undefined;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'openclaw-durable-'));
  fake = await startFakeOpenAI({ delayMs: 5 });
});
afterEach(async () => {
  if (cli && cli.child.exitCode === null) cli.child.kill('SIGKILL');
  cli = undefined;
  await fake.close();
  await rm(dir, { recursive: true, force: true });
});

async function snapshot(root: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(root, { recursive: true })) {
    const s = await stat(join(root, entry));
    out.push(`${entry} ${s.isDirectory() ? 'dir' : `${s.size} ${s.mtimeMs}`}`);
  }
  return out.sort();
}

describe('sessions on disk', () => {
  it('survive a gateway killed with SIGKILL in the middle of concurrent keyed runs', async () => {
    const config = join(dir, 'openclaw.json');
    await writeFile(
      config,
      JSON.stringify(chatConfig(withFakeProvider(fake.url, { gateway: { auth: { token: 't' } } }))),
    );
    cli = spawnCli(['gateway', '--port', '0', '--config', config], { OPENCLAW_STATE_DIR: dir, HOME: dir });
    const [, url] = await cli.waitFor(/listening on (http:\/\/[\d.:]+)/);
    const keys = Array.from({ length: 6 }, (_, i) => `kill-test-${i}`);
    let completed = 0;
    const loops = keys.map(async (key) => {
      for (let turn = 0; ; turn++) {
        const res = await fetch(`${url}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: 'Bearer t', 'content-type': 'application/json', 'x-openclaw-session-key': key },
          body: JSON.stringify({ model: 'openclaw', messages: [{ role: 'user', content: `turn ${turn}` }] }),
        }).catch(() => undefined);
        if (!res) return;
        if (res.ok) completed++;
        await res.text().catch(() => undefined);
      }
    });
    while (completed < 30) await new Promise((r) => setTimeout(r, 10));
    cli.child.kill('SIGKILL');
    await cli.exited;
    await Promise.all(loops);

    const store = openSqliteSessionStore(dir);
    try {
      const sessions = await store.list();
      expect(sessions.length).toBe(keys.length);
      let turns = 0;
      for (const s of sessions) {
        const loaded = (await store.load(s.key))!;
        expect(loaded.messages.length).toBe(s.messageCount);
        expect(loaded.messages.length % 2).toBe(0);
        for (const [i, m] of loaded.messages.entries()) expect(m.role).toBe(i % 2 === 0 ? 'user' : 'assistant');
        turns += loaded.messages.length / 2;
      }
      expect(turns).toBeGreaterThanOrEqual(30);
    } finally {
      await store.close();
    }
  });

  it('are untouched by stateless runs', async () => {
    const gw = await startTestGateway(chatConfig(withFakeProvider(fake.url)), { stateDir: dir });
    try {
      const before = await snapshot(dir);
      for (let i = 0; i < 5; i++) {
        const res = await gw.request('/v1/chat/completions', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            model: 'openclaw',
            stream: i % 2 === 0,
            messages: [{ role: 'user', content: `stateless ${i}` }],
          }),
        });
        expect(res.status).toBe(200);
        await res.text();
      }
      expect(await snapshot(dir)).toEqual(before);
      expect(await gw.ctx.store.list()).toEqual([]);
    } finally {
      await gw.stop();
    }
  });
});
