import type { ChatMessage } from '../../messages.js';
import type { WireResponse } from './responseObject.js';

/** What `store: true` keeps of one response: enough to retrieve it and to continue from it. */
export interface StoredResponse {
  response: WireResponse;
  agentId: string;
  sessionKey: string;
  stateless: boolean;
  /**
   * Stateless conversations only (a keyed session has its own transcript): every message up
   * to and including this response's output, so `previous_response_id` can carry on.
   */
  history?: ChatMessage[];
  /** The output items by id, for `item_reference`. */
  items: Array<{ id: string; message: ChatMessage }>;
  /** Roughly what the entry holds, in bytes (request bodies and output text along its history). */
  approxBytes: number;
}

export interface ResponseStoreOptions {
  maxCount: number;
  /** Past this many bytes in all (by `approxBytes`), the oldest entries go too: images make histories large. */
  maxBytes: number;
  ttlMs: number;
  now?: () => number;
}

/**
 * Responses kept in memory, bounded by count and size (oldest dropped first) and by age. A replica
 * only knows its own responses; a shared store would sit behind this same interface.
 */
export class ResponseStore {
  readonly #entries = new Map<string, { stored: StoredResponse; expiresAt: number }>();
  readonly #items = new Map<string, ChatMessage>();
  readonly #now: () => number;
  #bytes = 0;

  constructor(private readonly options: ResponseStoreOptions) {
    this.#now = options.now ?? Date.now;
  }

  get(id: string): StoredResponse | undefined {
    const entry = this.#entries.get(id);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= this.#now()) {
      this.delete(id);
      return undefined;
    }
    return entry.stored;
  }

  put(stored: StoredResponse): void {
    const id = stored.response.id;
    this.delete(id);
    this.#entries.set(id, { stored, expiresAt: this.#now() + this.options.ttlMs });
    this.#bytes += stored.approxBytes;
    for (const item of stored.items) this.#items.set(item.id, item.message);
    this.#evict();
  }

  delete(id: string): boolean {
    const entry = this.#entries.get(id);
    if (entry === undefined) return false;
    this.#entries.delete(id);
    this.#bytes -= entry.stored.approxBytes;
    for (const item of entry.stored.items) this.#items.delete(item.id);
    return true;
  }

  /** An output item of a response still held. */
  item(id: string): ChatMessage | undefined {
    return this.#items.get(id);
  }

  get size(): number {
    return this.#entries.size;
  }

  #evict(): void {
    const now = this.#now();
    // Insertion order is age order: expired and surplus entries are all at the front.
    for (const [id, entry] of this.#entries) {
      const over = this.#entries.size > this.options.maxCount || this.#bytes > this.options.maxBytes;
      if (!over && entry.expiresAt > now) break;
      this.delete(id);
    }
  }
}
