import type { ConnectParams, ErrorShape, EventFrame, HelloOk, MethodName, Methods, ResponseFrame } from './protocol.js';

/** Where the page's link to the gateway stands. */
export type LinkState =
  | { kind: 'idle' }
  | { kind: 'connecting'; attempt: number }
  | { kind: 'connected'; hello: HelloOk }
  /** The gateway said no (token, password, rate limit); only the user can change that. */
  | { kind: 'refused'; error: ErrorShape }
  | { kind: 'reconnecting'; attempt: number; retryAt: number; reason: string };

/** A method answered `ok: false`. */
export class GatewayRequestError extends Error {
  override readonly name = 'GatewayRequestError';
  constructor(readonly shape: ErrorShape) {
    super(shape.message);
  }
}

export interface GatewayClientOptions {
  /** `ws://host:port/` of the gateway serving the page. */
  url: string;
  clientVersion: string;
  onState(state: LinkState): void;
  onEvent(frame: EventFrame): void;
}

type Auth = NonNullable<ConnectParams['auth']>;

interface Pending {
  resolve(payload: unknown): void;
  reject(err: Error): void;
}

const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 15_000;

/** 0.5 s, 1 s, 2 s... up to 15 s, each ±20% so a restarted gateway is not met by every tab at once. */
export function retryDelayMs(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.8 + 0.4 * random()));
}

function closeReason(event: CloseEvent, shutdown: string | undefined): string {
  if (shutdown !== undefined) return `the gateway stopped (${shutdown})`;
  if (event.code === 1012) return 'the gateway is restarting';
  if (event.code === 4000) return 'the gateway stopped answering';
  return 'the connection was lost';
}

/**
 * One operator connection to the gateway: answers the challenge with `connect`, matches responses
 * to requests, hands events on, watches the `tick` heartbeat and reconnects with backoff when the
 * link drops. A refused `connect` is final until `start` is called again with other credentials.
 */
export class GatewayClient {
  private socket: WebSocket | undefined;
  private auth: Auth | undefined;
  private readonly pending = new Map<string, Pending>();
  private nextId = 1;
  private attempt = 0;
  private generation = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private watchdog: ReturnType<typeof setInterval> | undefined;
  private state: LinkState = { kind: 'idle' };

  constructor(private readonly options: GatewayClientOptions) {}

  get link(): LinkState {
    return this.state;
  }

  /** Connects with these credentials (none: the gateway may not need any, or says which it wants). */
  start(auth: Auth | undefined): void {
    this.auth = auth;
    this.attempt = 0;
    this.open();
  }

  /** Skips the wait of a pending reconnect. */
  retryNow(): void {
    if (this.state.kind === 'reconnecting') this.open();
  }

  request<M extends MethodName>(method: M, params?: Methods[M]['params']): Promise<Methods[M]['result']> {
    const socket = this.socket;
    if (this.state.kind !== 'connected' || socket === undefined) {
      return Promise.reject(new Error('not connected to the gateway'));
    }
    const id = `ui-${this.nextId++}`;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (payload: unknown) => void, reject });
      socket.send(JSON.stringify({ type: 'req', id, method, ...(params !== undefined ? { params } : {}) }));
    });
  }

  private setState(state: LinkState): void {
    this.state = state;
    this.options.onState(state);
  }

  private open(): void {
    clearTimeout(this.retryTimer);
    this.stopWatchdog();
    const old = this.socket;
    this.socket = undefined;
    this.generation++;
    old?.close(1000, 'reconnecting');
    this.failPending('the connection was replaced');

    const generation = this.generation;
    this.attempt++;
    this.setState({ kind: 'connecting', attempt: this.attempt });
    const socket = new WebSocket(this.options.url);
    this.socket = socket;
    const connectId = `connect-${this.attempt}`;
    let lastFrameAt = Date.now();
    let shutdown: string | undefined;
    let refused = false;
    const current = () => generation === this.generation;

    socket.addEventListener('message', (message) => {
      if (!current() || typeof message.data !== 'string') return;
      lastFrameAt = Date.now();
      let frame: ResponseFrame | EventFrame;
      try {
        frame = JSON.parse(message.data) as ResponseFrame | EventFrame;
      } catch {
        return;
      }
      if (frame.type === 'event') {
        if (frame.event === 'connect.challenge') {
          socket.send(JSON.stringify({ type: 'req', id: connectId, method: 'connect', params: this.connectParams() }));
          return;
        }
        if (frame.event === 'shutdown') shutdown = (frame.payload as { reason?: string } | undefined)?.reason ?? '';
        this.options.onEvent(frame);
        return;
      }
      if (frame.id === connectId) {
        if (frame.ok) {
          const hello = frame.payload as HelloOk;
          this.attempt = 0;
          this.setState({ kind: 'connected', hello });
          this.startWatchdog(socket, hello.policy.tickIntervalMs, () => lastFrameAt);
        } else {
          refused = true;
          this.setState({ kind: 'refused', error: frame.error });
        }
        return;
      }
      const pending = this.pending.get(frame.id);
      if (!pending) return;
      // Two-stage methods answer twice on one id; the page only calls single-answer ones.
      this.pending.delete(frame.id);
      if (frame.ok) pending.resolve(frame.payload);
      else pending.reject(new GatewayRequestError(frame.error));
    });

    socket.addEventListener('close', (event) => {
      if (!current()) return;
      this.socket = undefined;
      this.stopWatchdog();
      this.failPending('the connection to the gateway was lost');
      if (refused) return;
      const delay = retryDelayMs(this.attempt);
      this.setState({
        kind: 'reconnecting',
        attempt: this.attempt,
        retryAt: Date.now() + delay,
        reason: closeReason(event, shutdown),
      });
      this.retryTimer = setTimeout(() => this.open(), delay);
    });
  }

  private connectParams(): ConnectParams {
    return {
      minProtocol: 3,
      maxProtocol: 4,
      client: {
        id: 'openclaw-control-ui',
        version: this.options.clientVersion,
        platform: navigator.platform || 'web',
        mode: 'ui',
        displayName: 'Control UI',
      },
      role: 'operator',
      scopes: ['operator.read', 'operator.write'],
      caps: ['tool-events'],
      ...(this.auth !== undefined ? { auth: this.auth } : {}),
      locale: navigator.language,
      userAgent: navigator.userAgent.slice(0, 512),
    };
  }

  /** Silence longer than two ticks means a dead link (OpenClaw's clients close with 4000). */
  private startWatchdog(socket: WebSocket, tickMs: number, lastFrameAt: () => number): void {
    this.watchdog = setInterval(
      () => {
        if (Date.now() - lastFrameAt() > 2 * tickMs) socket.close(4000, 'tick timeout');
      },
      Math.max(1000, tickMs / 2),
    );
  }

  private stopWatchdog(): void {
    clearInterval(this.watchdog);
    this.watchdog = undefined;
  }

  private failPending(message: string): void {
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) p.reject(new Error(message));
  }
}

/** The message to show a person for a failed request. */
export function errorText(err: unknown): string {
  if (err instanceof GatewayRequestError) return err.shape.message;
  return err instanceof Error ? err.message : String(err);
}
