import type { Logger } from '../log.js';
import {
  ProviderError,
  type ModelEvent,
  type ModelRegistry,
  type ModelRequest,
  type ResolvedModel,
} from '../providers/types.js';
import { RunFailure } from './events.js';

export interface RetryPolicy {
  /** Retries of a retryable failure per model, before its first event (a provider's `maxRetries` wins). */
  maxRetries: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxRetries: 2, baseDelayMs: 250, maxDelayMs: 2000 };

/** A model that has started answering: its first event, and the rest of its stream. */
export interface OpenedModelStream {
  model: ResolvedModel;
  first: ModelEvent;
  rest: AsyncIterator<ModelEvent>;
}

/** The agent's models that resolve, primary first; the others are reported once and skipped. */
export function resolveModels(
  registry: ModelRegistry,
  refs: readonly string[],
  log: Logger,
  agentId: string,
): ResolvedModel[] {
  const models: ResolvedModel[] = [];
  for (const ref of refs) {
    const model = registry.resolve(ref);
    if (model === undefined) log.log('warn', 'agent model is not configured; skipping it', { agentId, model: ref });
    else models.push(model);
  }
  return models;
}

/**
 * Opens a model stream, moving down the candidates. Until a model's first event,
 * retryable failures (429, 5xx, connection) are retried with bounded exponential
 * backoff and then, like any other failure, hand over to the next candidate.
 * Once this resolves the model has spoken: a later failure is the caller's to report.
 */
export async function openModelStream(
  registry: ModelRegistry,
  candidates: readonly ResolvedModel[],
  request: Omit<ModelRequest, 'model'>,
  policy: RetryPolicy,
  log: Logger,
): Promise<OpenedModelStream> {
  const { signal } = request;
  const failures: string[] = [];
  let last: unknown;
  for (const model of candidates) {
    const maxRetries = model.config.maxRetries ?? policy.maxRetries;
    for (let attempt = 0; ; attempt++) {
      let rest: AsyncIterator<ModelEvent> | undefined;
      try {
        rest = registry
          .stream(model)({ ...request, model })
          [Symbol.asyncIterator]();
        const first = await rest.next();
        if (first.done) throw new ProviderError('connection', 'model stream ended without any event');
        return { model, first: first.value, rest };
      } catch (err) {
        void rest?.return?.().catch(() => {});
        if (signal.aborted) throw err;
        last = err;
        const retryable = err instanceof ProviderError && err.retryable;
        const asked = err instanceof ProviderError ? err.retryAfterMs : undefined;
        // A provider asking for longer than the budget allows is not retried: on to the next model.
        if (retryable && attempt < maxRetries && (asked === undefined || asked <= policy.maxDelayMs)) {
          const delayMs = Math.max(backoff(policy, attempt), asked ?? 0);
          log.log('debug', 'model call failed; retrying', {
            model: model.ref,
            attempt: attempt + 1,
            delayMs,
            error: failureText(err),
          });
          await sleep(delayMs, signal);
          continue;
        }
        log.log('warn', 'model call failed; trying the next model', { model: model.ref, error: failureText(err) });
        failures.push(`${model.ref}: ${failureText(err)}`);
        break;
      }
    }
  }
  throw new RunFailure({
    code: 'provider',
    message:
      candidates.length === 0 ? 'no configured model for this agent' : `model call failed (${failures.join('; ')})`,
    status: last instanceof ProviderError ? last.status : undefined,
    retryAfterMs: last instanceof ProviderError ? last.retryAfterMs : undefined,
    afterFirstToken: false,
    retryable: last instanceof ProviderError && last.retryable,
  });
}

/** A failure once the model has started answering: never retried, since the client may have seen output. */
export function failureAfterFirstEvent(err: unknown, model: ResolvedModel): RunFailure {
  return new RunFailure({
    code: 'provider',
    message: `${model.ref} failed mid-answer: ${failureText(err)}`,
    status: err instanceof ProviderError ? err.status : undefined,
    afterFirstToken: true,
    retryable: false,
  });
}

function failureText(err: unknown): string {
  if (err instanceof ProviderError) return err.status === undefined ? err.message : `${err.status} ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}

/** Exponential, capped, with jitter in its upper half so retries of many runs spread out. */
function backoff(policy: RetryPolicy, attempt: number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
