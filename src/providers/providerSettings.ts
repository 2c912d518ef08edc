/** What a wire-protocol module needs to build its one SDK client for a provider. */
export interface ProviderSettings {
  /** Provider id, e.g. `openai`. */
  id: string;
  baseUrl: string;
  /** undefined: send no credentials (local servers such as Ollama). */
  apiKey: string | undefined;
  headers: Record<string, string> | undefined;
  /** No bytes for this long fails the request with `idle_timeout`. */
  idleTimeoutMs: number;
  /** The SDK's fetch; the global one when unset. */
  fetch?: typeof fetch;
}

/**
 * The SDKs' own request timeout, kept far out of the way: stalls are the idle watchdog's job
 * and the run's `timeoutSeconds` bounds the whole turn.
 */
export const SDK_TIMEOUT_MS = 24 * 60 * 60 * 1000;
