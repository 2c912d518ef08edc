import type { ToolCall } from '../messages.js';
import { StoreUnavailableError } from '../sessions/store.js';
import type { Permit } from './admission.js';
import type { AgentPlan } from './agentPlan.js';
import { EventStream } from './eventStream.js';
import {
  RunFailure,
  type RunError,
  type RunEvent,
  type RunEventBody,
  type RunResult,
  type StopReason,
} from './events.js';
import type { RunInput } from './runtime.js';
import { storeUnavailable } from './storeUnavailable.js';
import { TurnFold } from './turnFold.js';
import { runTurn, type TurnDeps, type TurnHost } from './turnLoop.js';

/** Everything a run uses besides its own input, handed in by the runtime. */
export interface RunDeps extends TurnDeps {
  /** Hears every event once the run's own stream has it (the runtime's subscribers). */
  publish(event: RunEvent): void;
}

type Outcome = { ok: true; stopReason: StopReason } | { ok: false; error: RunError };

/** One run, from admission to its last event: its lifecycle (arm, abort, commit, finish); the turn itself is `runTurn`. */
export class AgentRun implements TurnHost {
  readonly startedAt = Date.now();
  readonly stream = new EventStream<RunEvent>();
  readonly controller = new AbortController();
  readonly result: Promise<RunResult>;
  readonly fold: TurnFold;
  #resolve!: (result: RunResult) => void;
  #seq = 0;
  #abortError: RunError | undefined;
  /** Set once the turn is being written (or the run is over): from then on abort has no effect. */
  #committed = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #unlinkSignal: (() => void) | undefined;
  model: string | undefined;
  providerMs = 0;
  clientCalls: ToolCall[] = [];

  constructor(
    private readonly deps: RunDeps,
    readonly runId: string,
    readonly plan: AgentPlan,
    readonly input: RunInput,
  ) {
    this.fold = new TurnFold(new Set((input.clientTools ?? []).map((t) => t.name)));
    this.result = new Promise((resolve) => {
      this.#resolve = resolve;
    });
  }

  get sessionKey(): string {
    return this.input.sessionKey;
  }

  get agentId(): string {
    return this.plan.agent.id;
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  emit(body: RunEventBody): void {
    const event = body as RunEvent;
    event.runId = this.runId;
    event.seq = ++this.#seq;
    event.ts = Date.now();
    event.sessionKey = this.sessionKey;
    this.stream.push(event);
    this.deps.publish(event);
  }

  /** Links the caller's signal and the agent's timeout to this run. */
  arm(): void {
    const outer = this.input.signal;
    if (outer !== undefined) {
      const onAbort = (): void =>
        void this.abort({ code: 'aborted', message: reasonText(outer.reason) ?? 'run aborted' });
      if (outer.aborted) onAbort();
      else {
        outer.addEventListener('abort', onAbort, { once: true });
        this.#unlinkSignal = () => outer.removeEventListener('abort', onAbort);
      }
    }
    const seconds = this.plan.agent.timeoutSeconds;
    if (seconds > 0) {
      this.#timer = setTimeout(
        () => this.abort({ code: 'timeout', message: `run timed out after ${seconds} s` }),
        Math.min(seconds * 1000, 2 ** 31 - 1),
      );
    }
  }

  abort(error: RunError): boolean {
    if (this.#abortError !== undefined || this.#committed || this.signal.aborted) return false;
    this.#abortError = error;
    this.controller.abort(new RunFailure(error));
    return true;
  }

  throwIfAborted(): void {
    if (this.signal.aborted) throw this.signal.reason;
  }

  commit(): void {
    this.throwIfAborted();
    this.#committed = true;
  }

  /** Waits for admission, runs the turn, and ends with one lifecycle event; `leave` runs before that event. */
  async execute(admitted: Promise<Permit>, leave: () => void): Promise<void> {
    let permit: Permit | undefined;
    let outcome: Outcome;
    let unlinkLost: (() => void) | undefined;
    try {
      permit = await admitted;
      unlinkLost = this.#stopIfLockLost(permit.lost);
      this.throwIfAborted();
      outcome = { ok: true, stopReason: await runTurn(this, this.deps) };
    } catch (err) {
      outcome = { ok: false, error: this.#errorFrom(err) };
    } finally {
      this.#committed = true;
      unlinkLost?.();
      permit?.release();
      clearTimeout(this.#timer);
      this.#unlinkSignal?.();
      leave();
    }
    this.#finish(outcome);
  }

  /** A shared session lock lost mid-run (its PostgreSQL connection died) stops the run before it writes. */
  #stopIfLockLost(lost: AbortSignal | undefined): (() => void) | undefined {
    if (lost === undefined) return undefined;
    const onLost = (): void =>
      void this.abort(storeUnavailable('the session lock was lost with its PostgreSQL connection'));
    if (lost.aborted) onLost();
    lost.addEventListener('abort', onLost, { once: true });
    return () => lost.removeEventListener('abort', onLost);
  }

  #errorFrom(err: unknown): RunError {
    if (this.#abortError !== undefined) return this.#abortError;
    if (err instanceof RunFailure) return err.error;
    if (err instanceof StoreUnavailableError) return storeUnavailable(err.message);
    this.deps.log.log('error', 'run failed unexpectedly', {
      runId: this.runId,
      error: err instanceof Error ? (err.stack ?? err.message) : String(err),
    });
    return { code: 'internal', message: 'internal error' };
  }

  #finish(outcome: Outcome): void {
    const { fold } = this;
    const result: RunResult = {
      runId: this.runId,
      sessionKey: this.sessionKey,
      agentId: this.agentId,
      model: this.model,
      text: fold.text,
      toolCalls: this.clientCalls,
      usage: fold.usage,
      providerMs: this.providerMs,
      stopReason: outcome.ok ? outcome.stopReason : outcome.error.code === 'aborted' ? 'aborted' : 'error',
      startedAt: this.startedAt,
      endedAt: Date.now(),
    };
    if (outcome.ok) {
      this.emit({ type: 'usage', usage: fold.usage });
      this.emit({ type: 'lifecycle.end', result });
    } else {
      result.error = outcome.error;
      this.emit({ type: 'lifecycle.error', error: outcome.error, result });
    }
    if (this.model !== undefined)
      this.deps.metrics.tokens(this.agentId, this.model, fold.usage.promptTokens, fold.usage.completionTokens);
    this.stream.end();
    this.#resolve(result);
  }

  emitAll(bodies: readonly RunEventBody[]): void {
    for (const body of bodies) this.emit(body);
  }
}

function reasonText(reason: unknown): string | undefined {
  if (typeof reason === 'string') return reason;
  if (reason instanceof Error && reason.name !== 'AbortError') return reason.message;
  return undefined;
}
