import { collectDefaultMetrics, type Metric, Registry } from 'prom-client';
import type { GatewayContext } from '../context.js';
import type { MetricsExporter } from '../http/metricsRoute.js';
import type { Histogram } from '../metrics/histogram.js';

type Labels = Record<string, string | number>;
interface Sample {
  metricName?: string;
  labels: Labels;
  value: number;
}
type MetricType = 'counter' | 'gauge' | 'histogram';

/**
 * The gateway's figures in Prometheus text format, through prom-client: its registry writes the
 * exposition and its default collectors add the Node process metrics. The gateway's own figures
 * are read from `ctx.metrics` at scrape time, so recording them costs no label hashing per request.
 */
export function createPrometheusExporter(ctx: GatewayContext): MetricsExporter {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const m = ctx.metrics;

  const add = (name: string, help: string, type: MetricType, samples: () => Sample[]): void => {
    // prom-client formats any metric whose get() returns this shape; its own classes would hash labels per update.
    const metric = {
      name,
      help,
      type,
      aggregator: 'sum',
      get: async () => ({ name, help, type, aggregator: 'sum', values: samples() }),
      reset() {},
    };
    registry.registerMetric(metric as unknown as Metric);
  };

  add('openclaw_http_requests_total', 'HTTP requests by route pattern, method and status.', 'counter', () => {
    const out: Sample[] = [];
    for (const s of m.http.values())
      for (const [method, byStatus] of s.requests)
        for (const [status, value] of byStatus) out.push({ labels: { route: s.route, method, status }, value });
    return out;
  });
  add(
    'openclaw_gateway_added_seconds',
    "The gateway's own time per HTTP request: total minus time waiting on the provider (streams: time to headers).",
    'histogram',
    () =>
      [...m.http.values()].flatMap((s) =>
        histogramSamples('openclaw_gateway_added_seconds', s.added, { route: s.route }),
      ),
  );
  add(
    'openclaw_model_first_token_seconds',
    'Time from a model call to its first streamed event, by provider and model.',
    'histogram',
    () =>
      [...m.models.values()].flatMap((s) =>
        histogramSamples('openclaw_model_first_token_seconds', s.firstToken, { provider: s.provider, model: s.model }),
      ),
  );
  add(
    'openclaw_model_call_seconds',
    'Provider latency: a whole model call, from request to the end of its stream, by provider and model.',
    'histogram',
    () =>
      [...m.models.values()].flatMap((s) =>
        histogramSamples('openclaw_model_call_seconds', s.latency, { provider: s.provider, model: s.model }),
      ),
  );
  add('openclaw_model_tokens_total', 'Tokens by agent, model and direction (input, output).', 'counter', () => {
    const out: Sample[] = [];
    for (const byModel of m.tokenSeries.values())
      for (const s of byModel.values()) {
        out.push({ labels: { agent: s.agent, model: s.model, type: 'input' }, value: s.input });
        out.push({ labels: { agent: s.agent, model: s.model, type: 'output' }, value: s.output });
      }
    return out;
  });
  add('openclaw_runs_active', 'Agent runs started and not yet ended (queued ones included).', 'gauge', () => [
    { labels: {}, value: ctx.runtime.counts().active },
  ]);
  add('openclaw_runs_queued', 'Agent runs waiting for their session or a free slot.', 'gauge', () => [
    { labels: {}, value: ctx.runtime.counts().queued },
  ]);
  add('openclaw_ws_connections', 'Open WebSocket connections.', 'gauge', () => [
    { labels: {}, value: m.wsConnections },
  ]);
  add('openclaw_sse_streams', 'Open Server-Sent Events responses.', 'gauge', () => [
    { labels: {}, value: m.sseStreams },
  ]);
  add(
    'openclaw_http_admission_refusals_total',
    'HTTP requests refused with 503 by admission at the edge (gateway overloaded).',
    'counter',
    () => [{ labels: {}, value: m.admissionRefusals }],
  );
  add(
    'openclaw_http_admission_pending',
    'HTTP requests admitted whose response head has not gone out (streams stop counting once they stream).',
    'gauge',
    () => [{ labels: {}, value: m.admissionPending }],
  );
  add('openclaw_http_admission_queued', 'HTTP requests waiting at the edge for their turn to start.', 'gauge', () => [
    { labels: {}, value: m.admissionQueued },
  ]);
  add('openclaw_auth_failures_total', 'Requests and handshakes that presented a wrong credential.', 'counter', () => [
    { labels: {}, value: m.authFailures },
  ]);
  add('openclaw_auth_lockouts_total', 'Client addresses locked out after too many failed attempts.', 'counter', () => [
    { labels: {}, value: m.authLockouts },
  ]);

  return async () => ({ contentType: registry.contentType, body: await registry.metrics() });
}

function histogramSamples(name: string, h: Histogram, labels: Labels): Sample[] {
  const out: Sample[] = [];
  let cumulative = 0;
  for (let i = 0; i < h.bounds.length; i++) {
    cumulative += h.counts[i]!;
    out.push({ metricName: `${name}_bucket`, labels: { ...labels, le: h.bounds[i]! }, value: cumulative });
  }
  out.push({ metricName: `${name}_bucket`, labels: { ...labels, le: '+Inf' }, value: h.count });
  out.push({ metricName: `${name}_sum`, labels, value: h.sum });
  out.push({ metricName: `${name}_count`, labels, value: h.count });
  return out;
}
