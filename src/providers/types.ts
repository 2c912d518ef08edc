import type { ChatMessage, FinishReason, SamplingParams, ToolChoice, ToolSpec, Usage } from '../messages.js';
import type { ProviderConfig } from '../config/schema.js';

/** A model resolved from a `"<provider>/<model>"` ref against the provider registry. */
export interface ResolvedModel {
  provider: string;
  model: string;
  /** `provider/model`, as written in config. */
  ref: string;
  config: ProviderConfig;
  /** The API key with `${ENV}` already read; undefined when none. */
  apiKey: string | undefined;
  /** From the model's metadata in config. */
  maxTokens?: number;
  contextWindow?: number;
  /** Input modalities; undefined means not stated (anything is sent). */
  input?: string[];
  reasoning?: boolean;
}

export interface ModelRequest {
  model: ResolvedModel;
  system: string;
  messages: ChatMessage[];
  tools: ToolSpec[];
  toolChoice?: ToolChoice;
  sampling: SamplingParams;
  signal: AbortSignal;
}

/**
 * One model turn, as every provider reports it (after pi-mono's AssistantMessageEvent).
 * The stream ends with exactly one `done`; failures are thrown as {@link ProviderError}.
 */
export type ModelEvent =
  | { type: 'text_delta'; delta: string }
  | { type: 'toolcall_start'; index: number; id: string; name: string }
  | { type: 'toolcall_delta'; index: number; delta: string }
  | { type: 'done'; reason: FinishReason; usage: Usage };

export type StreamFunction = (request: ModelRequest) => AsyncIterable<ModelEvent>;

export type ProviderErrorKind =
  /** 429 from the provider. */
  | 'rate_limited'
  /** 5xx from the provider. */
  | 'server'
  /** Could not connect, or the connection was cut. */
  | 'connection'
  /** No bytes for the provider's idle timeout. */
  | 'idle_timeout'
  /** 4xx other than 429: retrying will not help. */
  | 'client'
  /** The run's signal was aborted. */
  | 'aborted';

export class ProviderError extends Error {
  override readonly name = 'ProviderError';
  constructor(
    readonly kind: ProviderErrorKind,
    message: string,
    readonly status?: number,
    /** The provider's `retry-after`, when it sent one. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }

  get retryable(): boolean {
    return this.kind === 'rate_limited' || this.kind === 'server' || this.kind === 'connection';
  }
}

/** Built once from config: resolves `provider/model` refs and gives each its stream function. */
export interface ModelRegistry {
  /** undefined when the provider is not configured or built in. */
  resolve(ref: string): ResolvedModel | undefined;
  stream(model: ResolvedModel): StreamFunction;
}
