/**
 * `Idempotency-Key` (OpenAI's and Stripe's semantics): the first answer under a key is kept, and
 * a retry with the same key and the same request gets it again instead of a second run; while
 * the first is still running, the retry follows it. The same key with another request conflicts.
 *
 * The store is an interface so that a shared one (PostgreSQL...) can replace the in-memory
 * default; following a run still in flight stays with the process that runs it.
 */

/** A finished JSON answer, kept as sent. */
export interface JsonAnswer {
  status: number;
  body: string;
  headers: Record<string, string>;
}

/** What the first request writes while it answers. */
export interface AnswerRecorder {
  /** One SSE `data:` payload of a streamed answer. */
  frame(payload: string): void;
  /** The streamed answer is complete; `kept` false forgets it (a failed run is run again on retry). */
  endStream(kept: boolean): void;
  /** The whole non-streaming answer; only a 2xx answer is kept for later retries. */
  json(answer: JsonAnswer): void;
}

/** What a retry replays: a finished answer, or one still being written. */
export interface RecordedAnswer {
  /** Resolves with the JSON answer once there is one; undefined for a streamed answer. */
  whenAnswered(): Promise<JsonAnswer | undefined>;
  /** Every payload of a streamed answer from the first, waiting for those not yet written. */
  frames(): AsyncIterable<string>;
  readonly stream: boolean;
}

export type IdempotencyClaim =
  | { kind: 'first'; recorder: AnswerRecorder }
  | { kind: 'replay'; answer: RecordedAnswer }
  | { kind: 'conflict' };

export interface IdempotencyStore {
  /** `fingerprint` identifies the request (route, body, session headers); `stream` its answer's form. */
  claim(key: string, fingerprint: string, stream: boolean): IdempotencyClaim;
}

export interface IdempotencyLimits {
  ttlMs: number;
  maxEntries: number;
}

class Recording implements AnswerRecorder, RecordedAnswer {
  readonly payloads: string[] = [];
  answer: JsonAnswer | undefined;
  ended = false;
  #wake: Array<() => void> = [];

  constructor(
    readonly fingerprint: string,
    readonly stream: boolean,
    readonly createdAt: number,
    private readonly forget: () => void,
  ) {}

  frame(payload: string): void {
    this.payloads.push(payload);
    this.#notify();
  }

  endStream(kept: boolean): void {
    this.ended = true;
    if (!kept) this.forget();
    this.#notify();
  }

  json(answer: JsonAnswer): void {
    this.answer = answer;
    this.ended = true;
    if (answer.status < 200 || answer.status > 299) this.forget();
    this.#notify();
  }

  whenAnswered(): Promise<JsonAnswer | undefined> {
    return this.#settled().then(() => this.answer);
  }

  async *frames(): AsyncIterable<string> {
    let next = 0;
    for (;;) {
      while (next < this.payloads.length) yield this.payloads[next++]!;
      if (this.ended) return;
      await new Promise<void>((resolve) => this.#wake.push(resolve));
    }
  }

  #settled(): Promise<void> {
    return this.ended ? Promise.resolve() : new Promise((resolve) => this.#wake.push(resolve));
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = [];
    for (const resolve of wake) resolve();
  }
}

/** The default store: this process's memory, bounded in age and in count (oldest out first). */
export class MemoryIdempotencyStore implements IdempotencyStore {
  readonly #entries = new Map<string, Recording>();

  constructor(
    private readonly limits: IdempotencyLimits,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.#entries.size;
  }

  claim(key: string, fingerprint: string, stream: boolean): IdempotencyClaim {
    const now = this.now();
    this.#expire(now);
    const existing = this.#entries.get(key);
    if (existing !== undefined) {
      return existing.fingerprint === fingerprint && existing.stream === stream
        ? { kind: 'replay', answer: existing }
        : { kind: 'conflict' };
    }
    const recording = new Recording(fingerprint, stream, now, () => {
      if (this.#entries.get(key) === recording) this.#entries.delete(key);
    });
    this.#entries.set(key, recording);
    if (this.#entries.size > this.limits.maxEntries) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
    }
    return { kind: 'first', recorder: recording };
  }

  /** Entries are kept in insertion order, so the expired ones are at the front. */
  #expire(now: number): void {
    for (const [key, entry] of this.#entries) {
      if (now - entry.createdAt < this.limits.ttlMs) return;
      this.#entries.delete(key);
    }
  }
}

/** SHA-256 of the parts that make two requests the same request, hex. */
export async function requestFingerprint(parts: readonly string[]): Promise<string> {
  const bytes = new TextEncoder().encode(parts.join('\u0000'));
  const digest = await crypto.subtle.digest('SHA-256', bytes);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}
