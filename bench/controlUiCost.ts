/**
 * What the Control UI costs the gateway: start-up (spawn to first completion), RSS at idle, and
 * RSS after a browser-like load of the page and its assets. `--root DIR` measures another build of
 * the gateway (for a before/after), `--spawns N` repeats (default 5); medians are printed.
 *   node --import tsx bench/controlUiCost.ts [--root DIR] [--spawns N]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { GATEWAY_TOKEN, measureStartup } from './gatewayProcess.js';
import { readRss } from './rss.js';
import { spawnServer } from './serverProcess.js';

const { values } = parseArgs({ options: { root: { type: 'string' }, spawns: { type: 'string', default: '5' } } });
const root = path.resolve(values.root ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..'));
const spawns = Number(values.spawns);

async function loadPage(origin: string): Promise<number> {
  const html = await (await fetch(`${origin}/`, { headers: { accept: 'text/html', 'accept-encoding': 'br' } })).text();
  const assets = [...html.matchAll(/(?:src|href)="\.\/(assets\/[^"]+)"/g)].map((m) => m[1]!);
  for (const asset of assets)
    await (await fetch(`${origin}/${asset}`, { headers: { 'accept-encoding': 'br' } })).arrayBuffer();
  return assets.length;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rows: { listeningMs: number; firstCompletionMs: number; idleRssMB: number; afterPageRssMB?: number }[] = [];
for (let i = 0; i < spawns; i++) {
  const stateDir = mkdtempSync(path.join(tmpdir(), 'openclaw-uicost-'));
  const config = path.join(stateDir, 'config.json');
  writeFileSync(
    config,
    JSON.stringify({
      gateway: {
        auth: { mode: 'token', token: GATEWAY_TOKEN },
        http: { endpoints: { chatCompletions: { enabled: true } } },
      },
    }),
  );
  const spawnedAt = performance.now();
  const server = await spawnServer({
    name: 'gateway',
    args: [path.join(root, 'openclaw.mjs'), 'gateway', '--config', config, '--port', '0'],
    env: { ...process.env, OPENCLAW_STATE_DIR: stateDir },
    cwd: stateDir,
    spawnedAt,
  });
  try {
    const sample = await measureStartup(Object.assign(server, { stateDir, dispose: async () => undefined }), 1000);
    const assets = await loadPage(server.origin);
    await new Promise((r) => setTimeout(r, 1000));
    rows.push({
      listeningMs: sample.listeningMs,
      firstCompletionMs: sample.firstCompletionMs,
      idleRssMB: sample.idleRssMB,
      ...(assets > 0 ? { afterPageRssMB: readRss(server.pid).rssMB } : {}),
    });
  } finally {
    await server.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
}
const pick = (k: keyof (typeof rows)[number]) => rows.map((r) => r[k]).filter((v): v is number => v !== undefined);
const after = pick('afterPageRssMB');
process.stdout.write(
  `${root}: ${spawns} spawns, medians: listening ${median(pick('listeningMs')).toFixed(0)} ms, first completion ` +
    `${median(pick('firstCompletionMs')).toFixed(0)} ms, idle RSS ${median(pick('idleRssMB')).toFixed(1)} MB` +
    (after.length > 0 ? `, RSS after loading the Control UI ${median(after).toFixed(1)} MB` : ', no Control UI') +
    '\n',
);
