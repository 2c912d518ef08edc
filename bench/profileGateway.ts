/**
 * Profiles the gateway under the bench's load: starts the fake provider and a gateway under
 * `node --cpu-prof`, drives non-streaming and streaming requests at one concurrency, stops the
 * gateway so it writes its profile, and prints where the time went.
 *
 * `node --import tsx bench/profileGateway.ts [--concurrency 64] [--seconds 4] [--user] [--out .bench]`
 * The .cpuprofile lands in <out>/prof/ and opens in Chrome DevTools or speedscope as a flame graph.
 */
import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { compileServers, spawnFakeProvider } from './compiledServers.js';
import { gatewayTarget, measureStartup, startGateway } from './gatewayProcess.js';
import { openPool, runLoad } from './loadGenerator.js';
import { summarizeProfile } from './profileSummary.js';

const { values } = parseArgs({
  options: {
    concurrency: { type: 'string', default: '64' },
    seconds: { type: 'string', default: '4' },
    user: { type: 'boolean', default: false },
    top: { type: 'string', default: '25' },
    out: { type: 'string', default: '.bench' },
  },
});
const benchDir = path.dirname(fileURLToPath(import.meta.url));
const out = path.resolve(values.out!);
const profDir = path.join(out, 'prof');
rmSync(profDir, { recursive: true, force: true });

const buildDir = compileServers(benchDir, out);
const fake = await spawnFakeProvider(buildDir);
try {
  const gateway = await startGateway({ fakeOrigin: fake.origin, cpuProfDir: profDir });
  try {
    await measureStartup(gateway, 0);
    const target = gatewayTarget(gateway, values.user ? 'gateway-user' : 'gateway', undefined, values.user!);
    const concurrency = Number(values.concurrency);
    const pool = openPool(gateway.origin, concurrency);
    for (const stream of [false, true]) {
      const cell = await runLoad(pool, target, {
        stream,
        concurrency,
        warmupMs: 1000,
        durationMs: Number(values.seconds) * 1000,
        expectTokens: 20,
        drainLimitMs: 5000,
      });
      console.log(
        `${stream ? 'streaming' : 'non-streaming'} c=${concurrency}: ${cell.rps.toFixed(0)} req/s, p50 ${cell.latency.p50.toFixed(2)} ms, ` +
          `gateway CPU ${cell.serverCpuMs.toFixed(3)} ms/request, ${cell.failures} failed`,
      );
    }
    await pool.close();
  } finally {
    await gateway.dispose();
  }
} finally {
  await fake.stop();
}
const [profile] = readdirSync(profDir).filter((f) => f.endsWith('.cpuprofile'));
if (!profile) throw new Error(`no profile in ${profDir}: did the gateway exit cleanly on SIGTERM?`);
console.log(summarizeProfile(path.join(profDir, profile), Number(values.top)));
