import type pg from 'pg';
import type { Logger } from '../../log.js';
import { StoreUnavailableError } from '../../sessions/store.js';

/** libpq/socket failures meaning "the server is not there", as opposed to a bad query. */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
]);

export function isConnectionError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && (CONNECTION_CODES.has(code) || code.startsWith('08'))) return true;
  const message = err instanceof Error ? err.message : '';
  return /Connection terminated|connection timeout|timeout expired|Client has encountered a connection error|not queryable/i.test(
    message,
  );
}

const PROBE_EVERY_MS = 1000;

/**
 * Whether PostgreSQL is reachable, as far as this process knows: a connection failure marks it
 * down at once (keyed requests then get 503 without waiting on a socket), and a probe every
 * second marks it up again. Stateless requests never ask.
 */
export class PostgresHealth {
  #up = true;
  #probe: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly pool: pg.Pool,
    private readonly log: Logger,
    private readonly where: string,
  ) {}

  get available(): boolean {
    return this.#up;
  }

  /** Classifies a failure: connection losses mark the server down and become StoreUnavailableError. */
  failure(err: unknown): unknown {
    if (!isConnectionError(err)) return err;
    this.markDown(err);
    return new StoreUnavailableError(`PostgreSQL is unreachable (${errorText(err)})`);
  }

  markDown(err: unknown): void {
    if (!this.#up) return;
    this.#up = false;
    this.log.log('warn', 'PostgreSQL unreachable; keyed requests answer 503 until it is back', {
      server: this.where,
      error: errorText(err),
    });
    this.#probe = setInterval(() => void this.#check(), PROBE_EVERY_MS);
    this.#probe.unref();
  }

  async #check(): Promise<void> {
    try {
      await this.pool.query('SELECT 1');
    } catch {
      return;
    }
    if (this.#up) return;
    this.#up = true;
    clearInterval(this.#probe);
    this.log.log('info', 'PostgreSQL reachable again', { server: this.where });
  }

  close(): void {
    clearInterval(this.#probe);
  }
}

export function errorText(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  const message = err instanceof Error ? err.message : String(err);
  return typeof code === 'string' && !message.includes(code) ? `${code}: ${message}` : message;
}
