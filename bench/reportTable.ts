/** Renders a run as plain-text tables for stdout (and for docs/benchmarks.md). */
import type { BenchResults, BudgetLine, CellSummary, Comparison } from './benchResults.js';
import { median } from './stats.js';

const TARGET_ORDER = ['floor', 'proxy', 'gateway', 'gateway-user'];

function num(value: number | undefined, digits = 2): string {
  if (value === undefined || Number.isNaN(value)) return '-';
  if (!Number.isFinite(value)) return String(value);
  return value.toFixed(digits);
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function loadTable(summary: CellSummary[], comparisons: Comparison[], stream: boolean): string {
  const cells = summary
    .filter((s) => s.stream === stream)
    .sort((a, b) => a.concurrency - b.concurrency || TARGET_ORDER.indexOf(a.target) - TARGET_ORDER.indexOf(b.target));
  const header = stream
    ? [
        'c',
        'target',
        'req/s',
        'x proxy',
        'x floor',
        'p50',
        'p95',
        'p99',
        '+p50',
        'ttft p50',
        '+ttft',
        'ttft p99',
        'gap p50',
        'gap p99',
        'cpu/req',
        'slowest',
        'fail',
        'stall',
      ]
    : [
        'c',
        'target',
        'req/s',
        'x proxy',
        'x floor',
        'p50',
        'p95',
        'p99',
        '+p50',
        '+p99',
        'cpu/req',
        'slowest',
        'fail',
        'stall',
      ];
  // CPU time is read in 10 ms ticks: too coarse to divide among a handful of requests.
  const cpu = (s: CellSummary): string => (s.requests >= 100 ? num(s.serverCpuMs, 3) : '-');
  const rows = cells.map((s) => {
    const cmp = comparisons.find(
      (c) => c.target === s.target && c.stream === s.stream && c.concurrency === s.concurrency,
    );
    const base = [
      String(s.concurrency),
      s.target,
      num(s.rps, 0),
      num(cmp?.vsProxy),
      num(cmp?.vsFloor),
      num(s.p50),
      num(s.p95),
      num(s.p99),
      num(cmp?.addedP50),
    ];
    return stream
      ? [
          ...base,
          num(s.ttftP50),
          num(cmp?.addedTtftP50),
          num(s.ttftP99),
          num(s.gapP50),
          num(s.gapP99),
          cpu(s),
          num(s.slowestMs, 0),
          String(s.failures),
          String(s.stalled),
        ]
      : [...base, num(cmp?.addedP99), cpu(s), num(s.slowestMs, 0), String(s.failures), String(s.stalled)];
  });
  return table(header, rows);
}

const loads = (averages: number[]): string => averages.map((l) => l.toFixed(2)).join(' ');

export function renderReport(results: BenchResults): string {
  const out: string[] = [];
  const { machine, settings } = results;
  out.push(
    `machine: ${machine.nproc} x ${machine.cpu}, node ${machine.node}, load ${loads(machine.loadavg)}${machine.loadavgEnd ? ` (at the end: ${loads(machine.loadavgEnd)})` : ''}`,
    `settings: ${settings.rounds} round(s) x ${settings.durationMs} ms per cell (+${settings.warmupMs} ms warm-up), ${settings.tokens} tokens per reply${settings.quick ? ', QUICK' : ''}`,
    'times in ms; medians over rounds; x proxy / x floor = req/s ratio; +p50 / +ttft = added over the floor;',
    'slowest = slowest single request of the cell, warm-up included; stall = requests cut 3 s after the window',
    "cpu/req = CPU ms per request of the target's own process (floor: the fake; proxy: the proxy alone; gateway: the gateway)",
    '',
  );
  const comparisons = [...results.comparisons, ...results.proxyComparisons];
  out.push('non-streaming, 0 ms profile', loadTable(results.summary, comparisons, false), '');
  out.push('streaming, 0 ms profile', loadTable(results.summary, comparisons, true), '');
  if (results.slowSummary.length > 0) {
    out.push(`streaming, 20 ms inter-token profile (one pass)`, loadTable(results.slowSummary, [], true), '');
  }
  if (results.startup.length > 0) {
    const s = results.startup;
    out.push(
      `start-up (${s.length} spawns, median): listening ${num(median(s.map((x) => x.listeningMs)), 0)} ms, first completion ${num(median(s.map((x) => x.firstCompletionMs)), 0)} ms; ` +
        `RSS at listen ${num(median(s.map((x) => x.rssAtListenMB)), 1)} MB, idle after first completion ${num(median(s.map((x) => x.idleRssMB)), 1)} MB`,
    );
  }
  if (results.proxyStartup.length > 0) {
    const s = results.proxyStartup;
    out.push(
      `bare proxy start-up (${s.length} spawns, median): first completion ${num(median(s.map((x) => x.firstCompletionMs)), 0)} ms; RSS at listen ${num(median(s.map((x) => x.rssAtListenMB)), 1)} MB, idle after first completion ${num(median(s.map((x) => x.idleRssMB)), 1)} MB`,
    );
  }
  for (const [who, m] of [
    ['gateway', results.memory],
    ['bare proxy', results.proxyMemory],
  ] as const) {
    if (!m) continue;
    out.push(
      `open streams through the ${who}: ${m.streams} at 20 ms/token, ${m.completed} completed, ${m.failures} failed, open together ${m.clientPeakOpen} (client) / ${m.providerPeakOpen} (provider); ` +
        `RSS before ${num(m.rssBeforeMB, 1)} MB, peak ${num(m.peakRssMB, 1)} MB (VmHWM ${num(m.vmHwmMB, 1)}), all done in ${num(m.durationMs, 0)} ms; ttft p50 ${num(m.ttft.p50, 0)} p99 ${num(m.ttft.p99, 0)}, ` +
        `worst gap per stream p50 ${num(m.worstGap.p50, 1)} p99 ${num(m.worstGap.p99, 1)}, all gaps p50 ${num(m.gap.p50, 1)} p99 ${num(m.gap.p99, 1)} (sent every 20)` +
        (m.providerOpenBefore > 0
          ? `; ${m.providerOpenBefore} streams of an earlier test still open at the fake`
          : '') +
        (m.firstError ? `; first error: ${m.firstError}` : ''),
    );
  }
  if (results.gatewayError) out.push(`gateway unavailable: ${results.gatewayError}`);
  out.push('', renderBudget(results.budget));
  return out.join('\n');
}

/** A figure in its unit: ratios and small times with two decimals, counts and large times without. */
function figure(value: number, unit: string): string {
  if (Number.isNaN(value)) return '-';
  if (unit === 'ms') return `${num(value, Math.abs(value) < 10 ? 2 : Math.abs(value) < 100 ? 1 : 0)} ms`;
  if (unit === 'MB') return `${num(value, 1)} MB`;
  if (unit === 'x') return `${num(value)}x`;
  return `${num(value, 0)} ${unit}`;
}

export function renderBudget(budget: BudgetLine[]): string {
  const rows = budget.map((b) => [
    b.pass ? 'PASS' : 'MISS',
    b.line,
    figure(b.gateway, b.figureUnit),
    figure(b.proxy, b.figureUnit),
    Number.isNaN(b.measured) ? 'not measured' : figure(b.measured, b.unit),
    `${b.op} ${b.limit}${b.unit === 'x' ? 'x' : ` ${b.unit}`}`,
  ]);
  const body = table(['', 'budget (issue 11)', 'gateway', 'bare proxy', 'measured', 'limit'], rows).split('\n');
  const notes = budget.map((b) => (b.note ? `  ${b.note}` : ''));
  return [
    ...body.slice(0, 2),
    ...body.slice(2).map((row, i) => `${row}${notes[i]}`),
    'measured = the ratio the line names (x: median over rounds of per-round gateway / bare proxy) or the gateway figure',
  ].join('\n');
}
