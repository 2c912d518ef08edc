/**
 * A/B of two gateway builds under the same load, beside the bare proxy, in one run: CPU per request
 * and req/s at one concurrency, rounds alternating their order, medians. What a speed-up's commit
 * message quotes: on a shared machine only a comparison taken in the same run means anything.
 *
 * `node --import tsx bench/compareBuilds.ts --base DIR [--cand DIR] [--rounds 5] [--concurrency 64] [--ms 1500] [--user]`
 * A build DIR holds `openclaw.mjs` and a built `dist/` (copy them aside before changing the tree:
 * `mkdir /tmp/base && cp -r dist openclaw.mjs package.json /tmp/base && ln -s $PWD/node_modules /tmp/base/`).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { compileServers, directTarget, spawnBareProxy, spawnFakeProvider } from './compiledServers.js';
import { gatewayTarget, startGateway } from './gatewayProcess.js';
import { openPool, runLoad, type Target } from './loadGenerator.js';
import { median } from './stats.js';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    base: { type: 'string' },
    cand: { type: 'string', default: path.resolve(benchDir, '..') },
    rounds: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '64' },
    ms: { type: 'string', default: '1500' },
    user: { type: 'boolean', default: false },
  },
});
if (!values.base) throw new Error('usage: compareBuilds.ts --base DIR [--cand DIR] (see the file header)');

const buildDir = compileServers(benchDir, path.resolve('.bench'));
const running: { stop(): Promise<void> }[] = [];
const fake = await spawnFakeProvider(buildDir);
running.push(fake);

try {
  const proxy = await spawnBareProxy(buildDir, fake.origin);
  running.push(proxy);
  const base = await startGateway({ fakeOrigin: fake.origin, root: values.base });
  running.push({ stop: () => base.dispose() });
  const cand = await startGateway({ fakeOrigin: fake.origin, root: values.cand! });
  running.push({ stop: () => cand.dispose() });
  const targets: Target[] = [
    directTarget('proxy', proxy, 'fast'),
    gatewayTarget(base, 'base', undefined, values.user!),
    gatewayTarget(cand, 'cand', undefined, values.user!),
  ];
  const concurrency = Number(values.concurrency);
  const pools = new Map(targets.map((t) => [t.name, openPool(t.origin, concurrency)]));
  const spec = { concurrency, expectTokens: 20, drainLimitMs: 3000 };
  for (const stream of [false, true])
    for (const t of targets) await runLoad(pools.get(t.name)!, t, { ...spec, stream, warmupMs: 0, durationMs: 600 });

  const cells = new Map<string, { cpu: number[]; rps: number[] }>();
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const stream of [false, true]) {
      for (const t of round % 2 === 0 ? targets : [...targets].reverse()) {
        const cell = await runLoad(pools.get(t.name)!, t, {
          ...spec,
          stream,
          warmupMs: 200,
          durationMs: Number(values.ms),
        });
        if (cell.failures > 0) process.stderr.write(`${t.name}: ${cell.failures} failed: ${cell.firstError}\n`);
        const key = `${t.name} ${stream ? 'streaming' : 'non-streaming'}`;
        const acc = cells.get(key) ?? { cpu: [], rps: [] };
        acc.cpu.push(cell.serverCpuMs);
        acc.rps.push(cell.rps);
        cells.set(key, acc);
      }
    }
  }
  await Promise.all([...pools.values()].map((p) => p.close()));

  const cpu = (key: string): number => median(cells.get(key)!.cpu);
  for (const [key, acc] of cells)
    process.stdout.write(
      `${key.padEnd(22)} cpu/req ${cpu(key).toFixed(3)} ms [${acc.cpu.map((x) => x.toFixed(2)).join(' ')}]  req/s ${median(acc.rps).toFixed(0)}\n`,
    );
  for (const mode of ['non-streaming', 'streaming']) {
    const [b, c, p] = [cpu(`base ${mode}`), cpu(`cand ${mode}`), cpu(`proxy ${mode}`)];
    process.stdout.write(
      `${mode}: cand/base CPU ${(c / b).toFixed(3)}; vs proxy: base ${(b / p).toFixed(2)}x, cand ${(c / p).toFixed(2)}x\n`,
    );
  }
} finally {
  await Promise.allSettled(running.map((s) => s.stop()));
}
