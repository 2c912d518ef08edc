/**
 * The shape of one bench run (written as JSON so two runs can be compared) and the reductions
 * over its rounds: per-cell medians and per-round ratios against the floor and the bare proxy.
 */
import type { StartupSample } from './gatewayProcess.js';
import type { HeldStreamsResult } from './heldStreams.js';
import type { CellResult } from './loadGenerator.js';
import { median } from './stats.js';

export type TargetName = 'floor' | 'proxy' | 'gateway' | 'gateway-user';
export const GATEWAY_TARGETS: TargetName[] = ['gateway', 'gateway-user'];

export interface Machine {
  nproc: number;
  cpu: string;
  node: string;
  platform: string;
  /** 1, 5 and 15 min load averages at the start of the run, and at its end (the box is shared). */
  loadavg: number[];
  loadavgEnd?: number[];
  memTotalMB: number;
}

export interface BenchSettings {
  quick: boolean;
  rounds: number;
  warmupMs: number;
  durationMs: number;
  levels: number[];
  tokens: number;
  streams: number;
}

/** Medians across rounds of one (target, mode, concurrency) cell. */
export interface CellSummary {
  target: string;
  stream: boolean;
  concurrency: number;
  /** Requests finished inside the window. */
  requests: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  ttftP50?: number;
  ttftP99?: number;
  gapP50?: number;
  gapP99?: number;
  /** CPU ms per request of the target's own process (the fake for the floor) and of the load generator. */
  serverCpuMs: number;
  clientCpuMs: number;
  failures: number;
  /** Requests cut for running past the cell (see LoadSpec.drainLimitMs), summed over rounds. */
  stalled: number;
  /** The slowest single request of the cell, warm-up included; worst over rounds. */
  slowestMs: number;
}

/** Per-round comparisons of a gateway target, reduced to their median. */
export interface Comparison {
  target: string;
  stream: boolean;
  concurrency: number;
  /** rps / bare proxy rps. */
  vsProxy: number;
  /** rps / floor rps. */
  vsFloor: number;
  /** Latency minus the floor's, ms. */
  addedP50: number;
  addedP99: number;
  /** Time to first content token minus the floor's, ms (streams only). */
  addedTtftP50?: number;
  /** CPU ms per request / the bare proxy's. */
  cpuVsProxy: number;
  /** CPU ms per request / the stateless gateway's (targets other than `gateway`, when it ran). */
  cpuVsStateless?: number;
}

/** One line of the budget: the gateway's figure, the bare proxy's beside it, and the verdict. */
export interface BudgetLine {
  line: string;
  /** The gateway's and the bare proxy's own figures, in `figureUnit`; NaN when not measured. */
  gateway: number;
  proxy: number;
  figureUnit: string;
  /** The value judged against `limit`: a ratio (unit `x`) or the gateway's own figure. NaN: not measured. */
  measured: number;
  op: '<=' | '>=';
  limit: number;
  unit: string;
  pass: boolean;
  note?: string;
}

export interface BenchResults {
  startedAt: string;
  totalSeconds: number;
  machine: Machine;
  settings: BenchSettings;
  gatewayError?: string;
  startup: StartupSample[];
  /** The same start-up measure for fresh bare proxies, for scale. */
  proxyStartup: StartupSample[];
  /** 0 ms profile, one array of cells per round. */
  rounds: CellResult[][];
  /** 20 ms inter-token profile, streaming, one pass. */
  slowProfile: CellResult[];
  summary: CellSummary[];
  slowSummary: CellSummary[];
  comparisons: Comparison[];
  /** Bare proxy against the floor, for scale. */
  proxyComparisons: Comparison[];
  /** The held-streams test through a fresh gateway and through the bare proxy, same count and profile. */
  memory?: HeldStreamsResult;
  proxyMemory?: HeldStreamsResult;
  budget: BudgetLine[];
}

const key = (c: { target: string; stream: boolean; concurrency: number }): string =>
  `${c.target}|${c.stream}|${c.concurrency}`;

export function summarize(rounds: CellResult[][]): CellSummary[] {
  const groups = new Map<string, CellResult[]>();
  for (const cell of rounds.flat()) {
    const k = key(cell);
    groups.set(k, [...(groups.get(k) ?? []), cell]);
  }
  return [...groups.values()].map((cells) => {
    const first = cells[0]!;
    const m = (pick: (c: CellResult) => number | undefined): number => median(cells.map((c) => pick(c) ?? NaN));
    const summary: CellSummary = {
      target: first.target,
      stream: first.stream,
      concurrency: first.concurrency,
      requests: m((c) => c.requests),
      rps: m((c) => c.rps),
      p50: m((c) => c.latency.p50),
      p95: m((c) => c.latency.p95),
      p99: m((c) => c.latency.p99),
      serverCpuMs: m((c) => c.serverCpuMs),
      clientCpuMs: m((c) => c.clientCpuMs),
      failures: cells.reduce((n, c) => n + c.failures, 0),
      stalled: cells.reduce((n, c) => n + c.stalled, 0),
      slowestMs: Math.max(...cells.map((c) => c.slowestMs)),
    };
    if (first.stream) {
      summary.ttftP50 = m((c) => c.ttft?.p50);
      summary.ttftP99 = m((c) => c.ttft?.p99);
      summary.gapP50 = m((c) => c.gap?.p50);
      summary.gapP99 = m((c) => c.gap?.p99);
    }
    return summary;
  });
}

interface PerRound {
  vsProxy: number[];
  vsFloor: number[];
  addedP50: number[];
  addedP99: number[];
  addedTtft: number[];
  cpuVsProxy: number[];
  cpuVsStateless: number[];
}

/**
 * For each round, compares `targets` with the floor, the bare proxy and (for CPU) the stateless gateway
 * cell of the same load; medians over rounds.
 */
export function compare(rounds: CellResult[][], targets: string[]): Comparison[] {
  const perCell = new Map<string, PerRound>();
  for (const cells of rounds) {
    const byKey = new Map(cells.map((c) => [key(c), c]));
    for (const cell of cells) {
      if (!targets.includes(cell.target)) continue;
      const floor = byKey.get(key({ ...cell, target: 'floor' }));
      const proxy = byKey.get(key({ ...cell, target: 'proxy' }));
      if (!floor || !proxy) continue;
      const k = key(cell);
      const acc = perCell.get(k) ?? {
        vsProxy: [],
        vsFloor: [],
        addedP50: [],
        addedP99: [],
        addedTtft: [],
        cpuVsProxy: [],
        cpuVsStateless: [],
      };
      acc.vsProxy.push(cell.rps / proxy.rps);
      acc.cpuVsProxy.push(cell.serverCpuMs / proxy.serverCpuMs);
      const stateless = byKey.get(key({ ...cell, target: 'gateway' }));
      if (stateless && cell.target !== 'gateway') acc.cpuVsStateless.push(cell.serverCpuMs / stateless.serverCpuMs);
      acc.vsFloor.push(cell.rps / floor.rps);
      acc.addedP50.push(cell.latency.p50 - floor.latency.p50);
      acc.addedP99.push(cell.latency.p99 - floor.latency.p99);
      if (cell.ttft && floor.ttft) acc.addedTtft.push(cell.ttft.p50 - floor.ttft.p50);
      perCell.set(k, acc);
    }
  }
  return [...perCell.entries()].map(([k, acc]) => {
    const [target, stream, concurrency] = k.split('|');
    const comparison: Comparison = {
      target: target!,
      stream: stream === 'true',
      concurrency: Number(concurrency),
      vsProxy: median(acc.vsProxy),
      vsFloor: median(acc.vsFloor),
      addedP50: median(acc.addedP50),
      addedP99: median(acc.addedP99),
      cpuVsProxy: median(acc.cpuVsProxy),
    };
    if (acc.addedTtft.length > 0) comparison.addedTtftP50 = median(acc.addedTtft);
    if (acc.cpuVsStateless.length > 0) comparison.cpuVsStateless = median(acc.cpuVsStateless);
    return comparison;
  });
}
