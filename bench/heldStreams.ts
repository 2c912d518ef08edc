/**
 * The held-streams test: open many streams at once through a server (the gateway, or the bare proxy
 * for reference; 20 ms inter-token profile), sample its RSS while they are held, and require every one
 * to complete. The fake provider starts their tokens only once all of them are open, so they are truly
 * held together, and it is idle (no stream left open from an earlier test) before each test starts.
 */
import { request } from 'undici';
import { openPool, send, type Target } from './loadGenerator.js';
import { readRss, sampleRss } from './rss.js';
import { percentiles, type Percentiles } from './stats.js';

export interface HeldStreamsResult {
  streams: number;
  completed: number;
  failures: number;
  firstError?: string;
  /** Gateway RSS just before the streams were opened. */
  rssBeforeMB: number;
  /** Highest VmRSS sampled every 10 ms while the streams were open. */
  peakRssMB: number;
  /** The gateway's own VmHWM after the test (its lifetime peak). */
  vmHwmMB: number;
  /** Most streams open together: requests in flight at the client, streams open at the fake provider. */
  clientPeakOpen: number;
  providerPeakOpen: number;
  durationMs: number;
  ttft: Percentiles;
  /** Gaps between content tokens as the client saw them, all streams pooled; the provider sends one every 20 ms. */
  gap: Percentiles;
  /** Each completed stream's largest gap between two content tokens, percentiles over the streams. */
  worstGap: Percentiles;
  /** Streams still open at the fake provider when the test began (after waiting up to 5 s for none). */
  providerOpenBefore: number;
}

interface ProviderStats {
  open: number;
  peakOpen: number;
}

async function providerStats(fakeOrigin: string, query = ''): Promise<ProviderStats> {
  const answer = await request(`${fakeOrigin}/stats${query}`);
  return (await answer.body.json()) as ProviderStats;
}

/** Waits until the fake holds no stream (an earlier test's may still be closing); returns how many remain. */
async function providerIdle(fakeOrigin: string, timeoutMs: number): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const { open } = await providerStats(fakeOrigin);
    if (open === 0 || performance.now() > deadline) return open;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Most intervals [start, end] overlapping at one moment. */
function peakOverlap(intervals: [number, number][]): number {
  const edges = intervals.flatMap(([start, end]) => [
    [start, 1],
    [end, -1],
  ]) as [number, number][];
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let open = 0;
  let peak = 0;
  for (const [, delta] of edges) {
    open += delta;
    peak = Math.max(peak, open);
  }
  return peak;
}

export async function holdStreams(
  pid: number,
  target: Target,
  fakeOrigin: string,
  streams: number,
  expectTokens: number,
): Promise<HeldStreamsResult> {
  const pool = openPool(target.origin, streams);
  const providerOpenBefore = await providerIdle(fakeOrigin, 5_000);
  // The fake holds every stream after its first frame until all of them are open.
  await providerStats(fakeOrigin, `?reset=1&barrier=${streams}`);
  const rssBeforeMB = readRss(pid).rssMB;
  const sampler = sampleRss(pid, 10);
  const started = performance.now();
  const outcomes = await Promise.all(
    Array.from({ length: streams }, (_, i) => send(pool, target, true, i, expectTokens)),
  );
  const durationMs = performance.now() - started;
  const peakRssMB = sampler.stop();
  let vmHwmMB = NaN;
  try {
    vmHwmMB = readRss(pid).peakMB;
  } catch {
    // Reported through the failures: the gateway died.
  }
  await pool.close();
  const ok = outcomes.filter((o) => o.ok);
  const failed = outcomes.find((o) => !o.ok);
  const result: HeldStreamsResult = {
    streams,
    completed: ok.length,
    failures: streams - ok.length,
    rssBeforeMB,
    peakRssMB,
    vmHwmMB,
    clientPeakOpen: peakOverlap(outcomes.map((o) => [o.startedAt, o.endedAt])),
    providerPeakOpen: (await providerStats(fakeOrigin, '?barrier=0')).peakOpen,
    durationMs,
    ttft: percentiles(ok.filter((o) => o.firstContentAt >= 0).map((o) => o.firstContentAt - o.startedAt)),
    gap: percentiles(ok.flatMap((o) => o.gaps)),
    worstGap: percentiles(ok.filter((o) => o.gaps.length > 0).map((o) => Math.max(...o.gaps))),
    providerOpenBefore,
  };
  if (failed?.error) result.firstError = failed.error;
  return result;
}
