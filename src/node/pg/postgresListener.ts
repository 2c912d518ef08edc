import pg from 'pg';
import type { Logger } from '../../log.js';
import { errorText, type PostgresHealth } from './postgresHealth.js';

/** Advisory-lock namespace of live replicas: one lock per process, held by its listener connection. */
export const REPLICA_LOCK_NAMESPACE = 0x0c1c;

/** Every channel a replica listens on, all taken at connect so nothing said meanwhile is missed. */
export const CHANNELS = {
  /** chat.abort, to every replica. */
  abort: 'openclaw_run_abort',
  /** A keyed run ended (payload: its id). */
  ended: 'openclaw_run_ended',
  /** A failed-auth count changed (payload: JSON notice). */
  auth: 'openclaw_auth',
} as const;

export type Channel = (typeof CHANNELS)[keyof typeof CHANNELS];

export type NotificationHandler = (payload: string) => void;

/**
 * The one connection a replica keeps for LISTEN, which also holds the replica's liveness lock:
 * while it is up, other replicas see this replica's runs as alive; when the process dies the
 * lock goes with the connection. It reconnects on its own; `onReconnect` handlers re-read
 * whatever they may have missed.
 */
export class PostgresListener {
  readonly #handlers = new Map<string, Set<NotificationHandler>>();
  readonly #onReconnect = new Set<() => void>();
  #client: pg.Client | undefined;
  #closed = false;
  #retry: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly config: pg.ClientConfig,
    /** This replica's id: random, positive int4. */
    readonly replica: number,
    private readonly health: PostgresHealth,
    private readonly log: Logger,
  ) {}

  on(channel: Channel, handler: NotificationHandler): void {
    const handlers = this.#handlers.get(channel) ?? new Set<NotificationHandler>();
    this.#handlers.set(channel, handlers);
    handlers.add(handler);
  }

  onReconnect(handler: () => void): void {
    this.#onReconnect.add(handler);
  }

  /** Connects, listens and takes the liveness lock; throws when PostgreSQL cannot be reached. */
  async start(): Promise<void> {
    const client = new pg.Client(this.config);
    client.on('error', (err) => this.#lost(client, err));
    client.on('end', () => this.#lost(client, new Error('Connection terminated')));
    client.on('notification', (n) => {
      if (n.payload === undefined) return;
      for (const handler of this.#handlers.get(n.channel) ?? []) {
        try {
          handler(n.payload);
        } catch (err) {
          this.log.log('warn', 'notification handler failed', { channel: n.channel, error: String(err) });
        }
      }
    });
    await client.connect();
    try {
      for (const channel of Object.values(CHANNELS)) await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
      await client.query('SELECT pg_advisory_lock($1, $2)', [REPLICA_LOCK_NAMESPACE, this.replica]);
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    this.#client = client;
  }

  #lost(client: pg.Client, err: unknown): void {
    if (this.#client !== client || this.#closed) return;
    this.#client = undefined;
    client.end().catch(() => undefined);
    this.health.markDown(err);
    this.log.log('warn', 'PostgreSQL listener connection lost; reconnecting', { error: errorText(err) });
    this.#schedule();
  }

  #schedule(): void {
    this.#retry = setTimeout(() => {
      this.start().then(
        () => {
          this.log.log('info', 'PostgreSQL listener reconnected', {});
          for (const handler of this.#onReconnect) handler();
        },
        () => {
          if (!this.#closed) this.#schedule();
        },
      );
    }, 1000);
    this.#retry.unref();
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#retry);
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => undefined);
  }
}
