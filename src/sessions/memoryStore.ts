import type { ChatMessage, Usage } from '../messages.js';
import type { ListOptions, SessionRecord, SessionStore, StoredSession } from './store.js';

export interface MemorySessionStoreOptions {
  /** Most sessions kept; past it the least recently updated is dropped (default 10_000). */
  maxSessions?: number;
  /** Clock for created/updated timestamps, in epoch milliseconds (tests pin it). */
  now?: () => number;
}

interface Entry {
  session: SessionRecord;
  messages: ChatMessage[];
}

/**
 * A SessionStore that lives and dies with the process: for stateless runs and
 * tests. Values are copied in and out so callers can never alias its state.
 */
export class MemorySessionStore implements SessionStore {
  readonly maxSessions: number;
  readonly #now: () => number;
  /** Map order is update order: the first entry is the least recently updated. */
  readonly #entries = new Map<string, Entry>();

  constructor(options: MemorySessionStoreOptions = {}) {
    const max = options.maxSessions ?? 10_000;
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`maxSessions must be a positive integer, got ${max}`);
    this.maxSessions = max;
    this.#now = options.now ?? Date.now;
  }

  get size(): number {
    return this.#entries.size;
  }

  async load(key: string): Promise<StoredSession | null> {
    const entry = this.#entries.get(key);
    return entry ? structuredClone(entry) : null;
  }

  async appendTurn(key: string, agentId: string, messages: ChatMessage[], usage: Usage): Promise<SessionRecord> {
    const now = this.#now();
    const entry = this.#entries.get(key) ?? { session: freshSession(key, agentId, now), messages: [] };
    // Clone before touching the entry, so a message that cannot be cloned
    // leaves the store as it was (all or nothing, like the SQLite store).
    const copies = structuredClone(messages);
    const s = entry.session;
    entry.messages.push(...copies);
    s.updatedAt = now;
    s.inputTokens += usage.promptTokens;
    s.outputTokens += usage.completionTokens;
    s.cachedTokens += usage.cachedTokens;
    s.messageCount += copies.length;
    this.#touch(key, entry);
    return { ...s };
  }

  async list(options: ListOptions = {}): Promise<SessionRecord[]> {
    const limit = options.limit === undefined ? Infinity : Math.max(0, Math.floor(options.limit));
    const sessions: SessionRecord[] = [];
    for (const { session } of this.#entries.values()) {
      if (options.agentId === undefined || session.agentId === options.agentId) sessions.push({ ...session });
    }
    sessions.sort(byUpdatedDesc);
    return sessions.slice(0, limit);
  }

  async reset(key: string): Promise<boolean> {
    const entry = this.#entries.get(key);
    if (!entry) return false;
    const now = this.#now();
    entry.messages = [];
    entry.session = freshSession(key, entry.session.agentId, now);
    this.#touch(key, entry);
    return true;
  }

  async delete(key: string): Promise<boolean> {
    return this.#entries.delete(key);
  }

  async close(): Promise<void> {
    this.#entries.clear();
  }

  #touch(key: string, entry: Entry): void {
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    for (const oldest of this.#entries.keys()) {
      if (this.#entries.size <= this.maxSessions) break;
      this.#entries.delete(oldest);
    }
  }
}

/** Newest first; the key breaks ties so both stores list in the same order. */
function byUpdatedDesc(a: SessionRecord, b: SessionRecord): number {
  return b.updatedAt - a.updatedAt || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}

/** A session with a new id, empty counters and its clock at `now`: on first write and on reset. */
function freshSession(key: string, agentId: string, now: number): SessionRecord {
  return {
    key,
    agentId,
    sessionId: globalThis.crypto.randomUUID(),
    createdAt: now,
    updatedAt: now,
    inputTokens: 0,
    outputTokens: 0,
    cachedTokens: 0,
    messageCount: 0,
  };
}
