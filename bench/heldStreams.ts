/**
 * The memory test: open many streams at once through the gateway (20 ms inter-token profile),
 * sample its RSS while they are held, and require every one to complete. The fake provider
 * starts their tokens only once all of them are open, so they are truly held together.
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
  /** Gaps between content tokens as the client saw them; the provider sends one every 20 ms. */
  gap: Percentiles;
}

async function providerPeak(fakeOrigin: string, query: string): Promise<number> {
  const answer = await request(`${fakeOrigin}/stats${query}`);
  const stats = (await answer.body.json()) as { peakOpen: number };
  return stats.peakOpen;
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
  // The fake holds every stream after its first frame until all of them are open.
  await providerPeak(fakeOrigin, `?reset=1&barrier=${streams}`);
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
    providerPeakOpen: await providerPeak(fakeOrigin, '?barrier=0'),
    durationMs,
    ttft: percentiles(ok.filter((o) => o.firstContentAt >= 0).map((o) => o.firstContentAt - o.startedAt)),
    gap: percentiles(ok.flatMap((o) => o.gaps)),
  };
  if (failed?.error) result.firstError = failed.error;
  return result;
}
