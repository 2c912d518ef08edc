import type { ChatMessage, Usage } from '../messages.js';

export interface SessionRecord {
  key: string;
  agentId: string;
  /** Changes when the session is reset; the transcript belongs to it. */
  sessionId: string;
  createdAt: number;
  updatedAt: number;
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
  messageCount: number;
}

export interface StoredSession {
  session: SessionRecord;
  /** The transcript of the current sessionId, oldest first. */
  messages: ChatMessage[];
}

export interface ListOptions {
  agentId?: string;
  limit?: number;
}

/**
 * Where keyed sessions live. Every method is async so a networked store
 * (Redis, PostgreSQL) can replace the embedded one without touching callers.
 */
export interface SessionStore {
  load(key: string): Promise<StoredSession | null>;
  /**
   * Appends one finished turn atomically: creates the session if absent,
   * adds the messages in order and the usage to the counters. All or nothing.
   */
  appendTurn(key: string, agentId: string, messages: ChatMessage[], usage: Usage): Promise<SessionRecord>;
  list(options?: ListOptions): Promise<SessionRecord[]>;
  /** Starts a new sessionId with an empty transcript; false when the key is unknown. */
  reset(key: string): Promise<boolean>;
  /** Removes the session and its transcripts; false when the key is unknown. */
  delete(key: string): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * Thrown by a networked store (and its shared locks) when its server cannot be reached:
 * the run fails as `unavailable` (HTTP 503 with retry-after), not as an internal error.
 */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
}
