/**
 * The memory test: open many streams at once through the gateway (20 ms inter-token profile),
 * sample its RSS while they are held, and require every one to complete.
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
  /** Most streams that were open together: seen by the client, and by the fake provider. */
  clientPeakOpen: number;
  providerPeakOpen: number;
  durationMs: number;
  ttft: Percentiles;
}

async function providerPeak(fakeOrigin: string, reset: boolean): Promise<number> {
  const answer = await request(`${fakeOrigin}/stats${reset ? '?reset=1' : ''}`);
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
  for (const [, delta] of edges) peak = Math.max(peak, (open += delta));
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
  await providerPeak(fakeOrigin, true);
  const rssBeforeMB = readRss(pid).rssMB;
  const sampler = sampleRss(pid, 10);
  const started = performance.now();
  const outcomes = await Promise.all(Array.from({ length: streams }, (_, i) => send(pool, target, true, i, expectTokens)));
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
    clientPeakOpen: peakOverlap(ok.filter((o) => o.firstContentAt >= 0).map((o) => [o.firstContentAt, o.endedAt])),
    providerPeakOpen: await providerPeak(fakeOrigin, false),
    durationMs,
    ttft: percentiles(ok.filter((o) => o.firstContentAt >= 0).map((o) => o.firstContentAt - o.startedAt)),
  };
  if (failed?.error) result.firstError = failed.error;
  return result;
}
