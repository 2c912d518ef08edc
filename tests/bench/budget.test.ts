import { describe, expect, it } from 'vitest';
import type { CellSummary, Comparison } from '../../bench/benchResults.js';
import { BUDGET, type BudgetFigures, checkBudget } from '../../bench/budget.js';
import type { StartupSample } from '../../bench/gatewayProcess.js';
import type { HeldStreamsResult } from '../../bench/heldStreams.js';
import { renderBudget } from '../../bench/reportTable.js';
import { percentiles } from '../../bench/stats.js';

function cell(target: string, stream: boolean, concurrency: number, rps: number, serverCpuMs: number): CellSummary {
  return {
    target,
    stream,
    concurrency,
    requests: rps,
    rps,
    p50: 1,
    p95: 1,
    p99: 1,
    serverCpuMs,
    clientCpuMs: 0.1,
    failures: 0,
    stalled: 0,
    slowestMs: 5,
  };
}

function comparison(target: string, stream: boolean, concurrency: number, extra: Partial<Comparison>): Comparison {
  return {
    target,
    stream,
    concurrency,
    vsProxy: 1,
    vsFloor: 1,
    addedP50: 0,
    addedP99: 0,
    cpuVsProxy: 1,
    ...extra,
  };
}

function held(streams: number, failures: number, ttftP50: number, worstGaps: number[]): HeldStreamsResult {
  return {
    streams,
    completed: streams - failures,
    failures,
    rssBeforeMB: 60,
    peakRssMB: 150,
    vmHwmMB: 150,
    clientPeakOpen: streams,
    providerPeakOpen: streams,
    durationMs: 1000,
    ttft: { n: streams, p50: ttftP50, p95: ttftP50, p99: ttftP50, max: ttftP50 },
    gap: percentiles(worstGaps),
    worstGap: percentiles(worstGaps),
    providerOpenBefore: 0,
  };
}

const startup = (firstCompletionMs: number, idleRssMB: number): StartupSample => ({
  listeningMs: firstCompletionMs - 50,
  firstCompletionMs,
  rssAtListenMB: idleRssMB - 5,
  idleRssMB,
  attempts: 1,
});

/** A run where the gateway meets every line. */
function passingRun(): BudgetFigures {
  const summary: CellSummary[] = [];
  const comparisons: Comparison[] = [];
  const proxyComparisons: Comparison[] = [];
  for (const stream of [false, true]) {
    summary.push(
      cell('proxy', stream, 64, 4000, 0.2),
      cell('gateway', stream, 64, 2400, 0.4),
      cell('gateway-user', stream, 64, 2000, 0.48),
    );
    comparisons.push(
      comparison('gateway', stream, 64, { vsProxy: 0.6, cpuVsProxy: 2 }),
      comparison('gateway-user', stream, 64, { vsProxy: 0.5, cpuVsProxy: 2.4, cpuVsStateless: 1.2 }),
      comparison('gateway', stream, 1, { addedP50: 0.3, addedP99: 1.5, ...(stream ? { addedTtftP50: 0.4 } : {}) }),
    );
    proxyComparisons.push(
      comparison('proxy', stream, 1, { addedP50: 0.2, addedP99: 1, ...(stream ? { addedTtftP50: 0.25 } : {}) }),
    );
  }
  return {
    summary,
    comparisons,
    proxyComparisons,
    startup: [startup(250, 60)],
    proxyStartup: [startup(60, 45)],
    memory: held(1000, 0, 700, [30, 40, 50]),
    proxyMemory: held(1000, 0, 600, [25, 30, 40]),
  };
}

const lineOf = (lines: ReturnType<typeof checkBudget>, starts: string) => {
  const found = lines.find((l) => l.line.startsWith(starts));
  if (!found) throw new Error(`no budget line starting "${starts}" in ${lines.map((l) => l.line).join(' | ')}`);
  return found;
};

describe('budget of issue 11', () => {
  it('passes every line of a run within budget and shows both figures on each', () => {
    const lines = checkBudget(passingRun());
    expect(lines).toHaveLength(15);
    expect(lines.filter((l) => !l.pass).map((l) => l.line)).toEqual([]);
    const cpu = lineOf(lines, 'CPU per request, c=64, non-streaming');
    expect(cpu).toMatchObject({ gateway: 0.4, proxy: 0.2, measured: 2, limit: BUDGET.cpuVsProxy, unit: 'x' });
    const ttft = lineOf(lines, '1000 streams opened together: first-token p50');
    expect(ttft.measured).toBeCloseTo(700 / 600);
    expect(ttft).toMatchObject({ gateway: 700, proxy: 600 });
    expect(lineOf(lines, 'added time to first token').proxy).toBe(0.25);
    expect(lineOf(lines, 'throughput, c=64, streaming').note).toBe('goal 0.8x: MISS');
    expect(lineOf(lines, 'user-keyed CPU per request x stateless gateway, c=64, streaming').measured).toBe(1.2);
  });

  it('misses a line over its limit and a throughput under it', () => {
    const run = passingRun();
    run.comparisons[0] = comparison('gateway', false, 64, { vsProxy: 0.3, cpuVsProxy: 3.1 });
    run.startup = [startup(420, 75)];
    const lines = checkBudget(run);
    expect(lineOf(lines, 'CPU per request, c=64, non-streaming')).toMatchObject({ pass: false, measured: 3.1 });
    expect(lineOf(lines, 'throughput, c=64, non-streaming')).toMatchObject({ pass: false, measured: 0.3 });
    expect(lineOf(lines, 'start-up')).toMatchObject({ pass: false, gateway: 420, proxy: 60 });
    expect(lineOf(lines, 'idle RSS')).toMatchObject({ pass: false, gateway: 75, proxy: 45 });
    expect(lineOf(lines, 'CPU per request, c=64, streaming').pass).toBe(true);
  });

  it('misses a line whose figure was not measured, and prints it as such', () => {
    const run = passingRun();
    run.comparisons = run.comparisons.filter((c) => c.concurrency !== 1);
    run.proxyMemory = undefined;
    const lines = checkBudget(run);
    const added = lineOf(lines, 'added latency over the floor, c=1, non-streaming, p50');
    expect(added.pass).toBe(false);
    expect(added.measured).toBeNaN();
    expect(added.proxy).toBe(0.2);
    expect(lineOf(lines, '1000 streams opened together: worst token gap p99').pass).toBe(false);
    expect(renderBudget(lines)).toMatch(/MISS\s+added latency over the floor, c=1, non-streaming, p50\s.*not measured/);
  });

  it('misses the held-stream lines when a stream failed, whatever the figures', () => {
    const run = passingRun();
    run.memory = held(1000, 3, 700, [30, 40, 50]);
    const lines = checkBudget(run);
    expect(lineOf(lines, '1000 streams opened together: all complete')).toMatchObject({
      pass: false,
      gateway: 997,
      proxy: 1000,
    });
    expect(lineOf(lines, '1000 streams opened together: first-token p50')).toMatchObject({
      pass: false,
      note: 'gateway: 3/1000 failed',
    });
    expect(lineOf(lines, '1000 open streams, peak RSS').pass).toBe(false);
  });

  it('names the stream count of a quick run on the held-stream lines', () => {
    const run = passingRun();
    run.memory = held(200, 0, 700, [30]);
    run.proxyMemory = held(200, 0, 600, [25]);
    const peak = lineOf(checkBudget(run), '200 open streams, peak RSS');
    expect(peak.note).toBe('the limit is for 1000 streams; this run held 200');
  });

  it('marks every missed line when the gateway did not start', () => {
    const lines = checkBudget({ ...passingRun(), summary: [], comparisons: [], gatewayError: 'spawn failed\nstack' });
    const cpu = lineOf(lines, 'CPU per request, c=64, non-streaming');
    expect(cpu.pass).toBe(false);
    expect(cpu.note).toBe('gateway unavailable: spawn failed');
  });
});
