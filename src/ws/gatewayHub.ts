import type { GatewayContext } from '../context.js';
import { createSecretMatcher } from '../auth/secretMatch.js';
import type { AgentFinal } from './agentReply.js';
import type { GatewayEventName } from './frames.js';
import { IdempotencyCache } from './idempotencyCache.js';
import { RunEventPayloads } from './runEventPayloads.js';
import { RunTracker } from './runTracker.js';

/** What the hub needs from a connection to fan events out to it. */
export interface BroadcastTarget {
  readonly connId: string;
  /** Connected (past `hello-ok`) and allowed to see `agent`/`chat` events. */
  readonly receivesRunEvents: boolean;
  readonly connected: boolean;
  sendEvent(event: GatewayEventName, payload: unknown): void;
}

export interface AgentRunEntry {
  runId: string;
  sessionKey: string;
  agentId: string;
  acceptedAt: number;
  final: Promise<AgentFinal>;
  settled?: AgentFinal;
}

export interface ChatRunEntry {
  runId: string;
  done: boolean;
}

/**
 * State every connection of one gateway shares: the live connections (for broadcasts),
 * the dedupe caches, how recent runs ended, and the secret matcher built once from config.
 * One per GatewayContext; it watches the runtime from the first connection on.
 */
export class GatewayHub {
  readonly connections = new Set<BroadcastTarget>();
  readonly tracker = new RunTracker();
  readonly agentRuns = new IdempotencyCache<AgentRunEntry>();
  readonly chatRuns = new IdempotencyCache<ChatRunEntry>();
  readonly matchSecret: ((presented: string) => boolean) | undefined;
  private readonly payloads: RunEventPayloads;

  constructor(readonly ctx: GatewayContext) {
    this.matchSecret = ctx.auth.mode === 'none' ? undefined : createSecretMatcher(ctx.auth.secret);
    this.payloads = new RunEventPayloads((b) => this.broadcastRunEvent(b.event, b.payload));
    // Deferred a microtask: `runtime.start` emits lifecycle.start before it returns, and the
    // `agent` method's "accepted" response must reach the client ahead of the run's events.
    ctx.runtime.subscribe((event) =>
      queueMicrotask(() => {
        try {
          this.tracker.observe(event);
          this.payloads.handle(event);
        } catch (err) {
          ctx.log.log('error', 'ws: run event broadcast failed', { error: String(err) });
        }
      }),
    );
    ctx.onShutdown(({ reason }) => this.broadcast('shutdown', { reason }));
  }

  broadcast(event: GatewayEventName, payload: unknown): void {
    for (const target of this.connections) if (target.connected) target.sendEvent(event, payload);
  }

  private broadcastRunEvent(event: 'agent' | 'chat', payload: unknown): void {
    for (const target of this.connections) if (target.receivesRunEvents) target.sendEvent(event, payload);
  }
}

const hubs = new WeakMap<GatewayContext, GatewayHub>();

export function gatewayHub(ctx: GatewayContext): GatewayHub {
  let hub = hubs.get(ctx);
  if (!hub) {
    hub = new GatewayHub(ctx);
    hubs.set(ctx, hub);
  }
  return hub;
}
