import { ADDED_TIME_BUCKETS, Histogram, PROVIDER_BUCKETS } from './histogram.js';
import { RequestRate } from './requestRate.js';

export interface HttpSeries {
  route: string;
  /** Gateway's own time per request, seconds. */
  added: Histogram;
  /** method -> status -> count */
  requests: Map<string, Map<number, number>>;
}

export interface ModelSeries {
  provider: string;
  model: string;
  firstToken: Histogram;
  latency: Histogram;
}

export interface TokenSeries {
  agent: string;
  model: string;
  input: number;
  output: number;
}

/** What the run path records: one call per model call and per finished run. */
export interface RunMetrics {
  modelCall(model: { provider: string; model: string; ref: string }, firstTokenMs: number, durationMs: number): void;
  tokens(agentId: string, model: string, input: number, output: number): void;
}

/** What the failed-auth limiter records. */
export interface AuthMetrics {
  authFailure(): void;
  authLockout(): void;
}

/**
 * The gateway's live figures, kept as plain numbers in maps keyed by bounded values (route
 * pattern, method, status, configured agent and model ids): recording a request is a few map
 * lookups and increments. The Node edge exposes them in Prometheus format; the WS `status`
 * method reads the same object. Web-standard code: no exporter here.
 */
export class GatewayMetrics implements RunMetrics, AuthMetrics {
  readonly http = new Map<string, HttpSeries>();
  readonly models = new Map<string, ModelSeries>();
  /** agent -> model -> tokens */
  readonly tokenSeries = new Map<string, Map<string, TokenSeries>>();
  authFailures = 0;
  authLockouts = 0;
  wsConnections = 0;
  sseStreams = 0;
  /** HTTP requests the edge's admission answered with 503 instead of queueing them. */
  admissionRefusals = 0;
  /** Requests admitted at the edge whose response head has not gone out (the queued ones included). */
  admissionPending = 0;
  /** Requests waiting at the edge for their turn to start. */
  admissionQueued = 0;
  readonly #rate = new RequestRate();

  /** One finished HTTP request; `route` is the matched route pattern, never the raw path. */
  httpRequest(route: string, method: string, status: number, addedMs: number, nowMs: number): void {
    let series = this.http.get(route);
    if (series === undefined) {
      series = { route, added: new Histogram(ADDED_TIME_BUCKETS), requests: new Map() };
      this.http.set(route, series);
    }
    series.added.observe(addedMs / 1000);
    let byStatus = series.requests.get(method);
    if (byStatus === undefined) {
      byStatus = new Map();
      series.requests.set(method, byStatus);
    }
    byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
    this.#rate.note(nowMs);
  }

  requestsPerMinute(nowMs: number): number {
    return this.#rate.perMinute(nowMs);
  }

  modelCall(model: { provider: string; model: string; ref: string }, firstTokenMs: number, durationMs: number): void {
    let series = this.models.get(model.ref);
    if (series === undefined) {
      series = {
        provider: model.provider,
        model: model.model,
        firstToken: new Histogram(PROVIDER_BUCKETS),
        latency: new Histogram(PROVIDER_BUCKETS),
      };
      this.models.set(model.ref, series);
    }
    series.firstToken.observe(firstTokenMs / 1000);
    series.latency.observe(durationMs / 1000);
  }

  tokens(agent: string, model: string, input: number, output: number): void {
    let byModel = this.tokenSeries.get(agent);
    if (byModel === undefined) {
      byModel = new Map();
      this.tokenSeries.set(agent, byModel);
    }
    let series = byModel.get(model);
    if (series === undefined) {
      series = { agent, model, input: 0, output: 0 };
      byModel.set(model, series);
    }
    series.input += input;
    series.output += output;
  }

  authFailure(): void {
    this.authFailures++;
  }

  authLockout(): void {
    this.authLockouts++;
  }
}

export const NO_RUN_METRICS: RunMetrics = { modelCall() {}, tokens() {} };
export const NO_AUTH_METRICS: AuthMetrics = { authFailure() {}, authLockout() {} };
