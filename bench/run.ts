/**
 * `npm run bench`: the gateway's cost over the model, measured against the floor (the fake provider
 * itself) and the practical limit (a bare node:http proxy), with the verdict of issue 11's budget (budget.ts).
 *
 * Flags: --quick (smoke run), --rounds N, --duration MS, --warmup MS, --levels 1,8,64,256,
 * --streams N, --tokens N, --skip-gateway, --cpu-prof (profile the load-matrix gateway into
 * .bench/prof/), --out DIR (default .bench), --soak DURATION (e.g. 10m: the soak mode alone, see soak.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Pool } from 'undici';
import { checkBudget } from './budget.js';
import {
  compare,
  GATEWAY_TARGETS,
  summarize,
  type BenchResults,
  type BenchSettings,
  type Machine,
} from './benchResults.js';
import { gatewayTarget, measureStartup, startGateway, type Gateway } from './gatewayProcess.js';
import { holdStreams } from './heldStreams.js';
import { openPool, runLoad, type CellResult, type Target } from './loadGenerator.js';
import { defaultReplyProfiles } from './replyProfiles.js';
import { renderReport } from './reportTable.js';
import { compileServers, directTarget, spawnBareProxy, spawnFakeProvider } from './compiledServers.js';
import type { ServerProcess } from './serverProcess.js';
import { parseDuration, renderSoak, runSoak } from './soak.js';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(benchDir, '..');

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    duration: { type: 'string' },
    warmup: { type: 'string' },
    levels: { type: 'string' },
    streams: { type: 'string' },
    tokens: { type: 'string' },
    'skip-gateway': { type: 'boolean', default: false },
    'cpu-prof': { type: 'boolean', default: false },
    out: { type: 'string', default: '.bench' },
    soak: { type: 'string' },
  },
});

const quick = flags.quick ?? false;
const settings: BenchSettings = {
  quick,
  rounds: Number(flags.rounds ?? (quick ? 1 : 3)),
  warmupMs: Number(flags.warmup ?? (quick ? 100 : 250)),
  durationMs: Number(flags.duration ?? (quick ? 400 : 1200)),
  levels: (flags.levels ?? '1,8,64,256').split(',').map(Number),
  tokens: Number(flags.tokens ?? 20),
  streams: Number(flags.streams ?? (quick ? 200 : 1000)),
};
const startupSpawns = quick ? 1 : 3;
const drainLimitMs = quick ? 2000 : 3000;
const throughputLevel = settings.levels.includes(64) ? 64 : Math.max(...settings.levels);

const progress = (message: string): void => {
  process.stderr.write(`[bench ${((performance.now() - benchStart) / 1000).toFixed(0).padStart(3)}s] ${message}\n`);
};
const benchStart = performance.now();

function machine(): Machine {
  return {
    nproc: os.availableParallelism(),
    cpu: os.cpus()[0]?.model ?? 'unknown',
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    loadavg: os.loadavg(),
    memTotalMB: Math.round(os.totalmem() / 2 ** 20),
  };
}

/** Each round and level starts with a different target, so no target always runs first or last. */
function rotate<T>(items: T[], by: number): T[] {
  const k = by % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}

const running: { stop(): Promise<void> }[] = [];
const stopAll = async (): Promise<void> => {
  await Promise.allSettled(running.splice(0).map((p) => p.stop()));
};
process.on('SIGINT', () => void stopAll().then(() => process.exit(130)));

async function withGateway<T>(
  fakeOrigin: string,
  use: (gateway: Gateway) => Promise<T>,
  cpuProfDir?: string,
): Promise<T> {
  const gateway = await startGateway(cpuProfDir ? { fakeOrigin, cpuProfDir } : { fakeOrigin });
  const handle = { stop: () => gateway.dispose() };
  running.push(handle);
  try {
    return await use(gateway);
  } finally {
    running.splice(running.indexOf(handle), 1);
    await gateway.dispose();
  }
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const profiles = defaultReplyProfiles(settings.tokens);
  const buildDir = compileServers(benchDir, path.resolve(flags.out!));
  const fake = await spawnFakeProvider(buildDir, profiles, repoRoot);
  running.push(fake);
  const proxy = await spawnBareProxy(buildDir, fake.origin, repoRoot);
  running.push(proxy);
  progress(`fake provider ${fake.origin}, bare proxy ${proxy.origin}`);

  const results: BenchResults = {
    startedAt: startedAt.toISOString(),
    totalSeconds: 0,
    machine: machine(),
    settings,
    startup: [],
    proxyStartup: [],
    rounds: [],
    slowProfile: [],
    summary: [],
    slowSummary: [],
    comparisons: [],
    proxyComparisons: [],
    budget: [],
  };

  /** A fresh bare proxy, measured from spawn to its first completion like a fresh gateway, then `use`d. */
  const withFreshProxy = async <T>(use: (fresh: ServerProcess) => Promise<T>): Promise<T> => {
    const fresh = await spawnBareProxy(buildDir, fake.origin, repoRoot);
    running.push(fresh);
    try {
      results.proxyStartup.push(await measureStartup(fresh, quick ? 300 : 1000, directTarget('proxy', fresh, 'fast')));
      return await use(fresh);
    } finally {
      running.splice(running.indexOf(fresh), 1);
      await fresh.stop();
    }
  };
  for (let i = 0; i < startupSpawns; i++) await withFreshProxy(async () => {});

  let gateway: Gateway | undefined;
  if (!flags['skip-gateway']) {
    try {
      for (let i = 0; i < startupSpawns; i++) {
        await withGateway(fake.origin, async (g) => {
          results.startup.push(await measureStartup(g, quick ? 300 : 1000));
        });
      }
      progress(`start-up: ${results.startup.map((s) => `${s.firstCompletionMs.toFixed(0)} ms`).join(', ')}`);
      gateway = await startGateway(
        flags['cpu-prof']
          ? { fakeOrigin: fake.origin, cpuProfDir: path.resolve(flags.out!, 'prof') }
          : { fakeOrigin: fake.origin },
      );
      running.push({ stop: () => gateway!.dispose() });
      await measureStartup(gateway, 0);
    } catch (error) {
      results.gatewayError = error instanceof Error ? error.message : String(error);
      progress(`gateway unavailable, measuring floor and proxy only: ${results.gatewayError.split('\n')[0]}`);
      gateway = undefined;
    }
  }

  const fastTargets: Target[] = [directTarget('floor', fake, 'fast'), directTarget('proxy', proxy, 'fast')];
  const slowTargets: Target[] = [directTarget('floor', fake, 'slow'), directTarget('proxy', proxy, 'slow')];
  if (gateway) {
    fastTargets.push(
      gatewayTarget(gateway, 'gateway', undefined, false),
      gatewayTarget(gateway, 'gateway-user', undefined, true),
    );
    slowTargets.push(
      gatewayTarget(gateway, 'gateway', 'slow', false),
      gatewayTarget(gateway, 'gateway-user', 'slow', true),
    );
  }
  const pools = new Map<string, Pool>();
  const poolFor = (origin: string): Pool => {
    let pool = pools.get(origin);
    if (!pool) {
      pool = openPool(origin, Math.max(...settings.levels));
      pools.set(origin, pool);
    }
    return pool;
  };
  const note = (cell: CellResult): void => {
    if (cell.failures > 0 || cell.stalled > 0 || cell.requests === 0) {
      progress(
        `  ${cell.target} ${cell.stream ? 'stream' : 'json'} c=${cell.concurrency}: ${cell.requests} ok, ${cell.failures} failed, ${cell.stalled} stalled: ${cell.firstError ?? 'no request finished'}`,
      );
    }
  };

  for (const target of fastTargets) {
    for (const stream of [false, true]) {
      await runLoad(poolFor(target.origin), target, {
        stream,
        concurrency: 16,
        warmupMs: 0,
        durationMs: quick ? 200 : 500,
        expectTokens: settings.tokens,
        drainLimitMs,
      });
    }
  }

  for (let round = 0; round < settings.rounds; round++) {
    const cells: CellResult[] = [];
    for (const stream of [false, true]) {
      for (const [index, concurrency] of settings.levels.entries()) {
        for (const target of rotate(fastTargets, round + index)) {
          const cell = await runLoad(poolFor(target.origin), target, {
            stream,
            concurrency,
            warmupMs: settings.warmupMs,
            durationMs: settings.durationMs,
            expectTokens: settings.tokens,
            drainLimitMs,
          });
          note(cell);
          cells.push(cell);
        }
      }
      progress(`round ${round + 1}/${settings.rounds} ${stream ? 'streaming' : 'non-streaming'} done`);
    }
    results.rounds.push(cells);
  }

  const slowLevels = settings.levels.filter((c) => c === 1 || c === throughputLevel);
  for (const [index, concurrency] of slowLevels.entries()) {
    for (const target of rotate(slowTargets, index)) {
      const cell = await runLoad(poolFor(target.origin), target, {
        stream: true,
        concurrency,
        warmupMs: profiles.slow.tokens * profiles.slow.delayMs + 50,
        durationMs: quick ? 800 : 2000,
        expectTokens: settings.tokens,
        drainLimitMs,
      });
      note(cell);
      results.slowProfile.push(cell);
    }
  }
  progress('20 ms profile done');
  await Promise.all([...pools.values()].map((p) => p.close()));

  if (gateway) {
    await gateway.dispose();
    running.pop();
    try {
      results.memory = await withGateway(fake.origin, async (g) => {
        results.startup.push(await measureStartup(g, quick ? 300 : 1000));
        return holdStreams(
          g.pid,
          gatewayTarget(g, 'gateway', 'hold', false),
          fake.origin,
          settings.streams,
          settings.tokens,
        );
      });
      progress(
        `open streams: ${results.memory.completed}/${results.memory.streams} completed, peak RSS ${results.memory.peakRssMB.toFixed(1)} MB`,
      );
    } catch (error) {
      results.gatewayError ??= error instanceof Error ? error.message : String(error);
    }
  }
  // The same test through a fresh bare proxy, as through a fresh gateway: same stream count, same `hold`
  // profile, the fake idle again first.
  try {
    results.proxyMemory = await withFreshProxy((fresh) =>
      holdStreams(fresh.pid, directTarget('proxy', fresh, 'hold'), fake.origin, settings.streams, settings.tokens),
    );
    progress(
      `proxy open streams: ${results.proxyMemory.completed}/${results.proxyMemory.streams} completed, peak RSS ${results.proxyMemory.peakRssMB.toFixed(1)} MB`,
    );
  } catch (error) {
    progress(`proxy open streams failed: ${error instanceof Error ? error.message : String(error)}`);
  }

  results.summary = summarize(results.rounds);
  results.slowSummary = summarize([results.slowProfile]);
  results.comparisons = compare(results.rounds, GATEWAY_TARGETS);
  results.proxyComparisons = compare(results.rounds, ['proxy']);
  results.budget = checkBudget(results, throughputLevel);
  results.totalSeconds = (performance.now() - benchStart) / 1000;
  results.machine.loadavgEnd = os.loadavg();
  const report = renderReport(results);

  mkdirSync(flags.out!, { recursive: true });
  const file = path.resolve(flags.out!, `bench-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(
    `\n${report}\n\nfigures: ${path.relative(process.cwd(), file)} (${results.totalSeconds.toFixed(0)} s)\n`,
  );
}

async function soak(duration: string): Promise<void> {
  const report = await runSoak(
    { durationMs: parseDuration(duration), outDir: path.resolve(flags.out!), benchDir, repoRoot },
    progress,
  );
  process.stdout.write(`\n${renderSoak(report)}\nfigures: ${path.join(flags.out!, 'soak.json')}\n`);
}

try {
  if (flags.soak !== undefined) await soak(flags.soak);
  else await main();
} finally {
  await stopAll();
}
