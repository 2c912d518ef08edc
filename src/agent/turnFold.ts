import { addUsage, type FinishReason, newToolCallId, type Usage, ZERO_USAGE } from '../messages.js';
import type { ModelEvent } from '../providers/types.js';
import type { RunEventBody } from './events.js';

/** A tool call as the model writes it. `client`: a client-declared tool, left for the client to run. */
export interface PendingCall {
  id: string;
  name: string;
  /** JSON text, as streamed so far. */
  args: string;
  client: boolean;
}

/** What one model call said, once it was done. */
export interface ModelStep {
  text: string;
  calls: PendingCall[];
  reason: FinishReason;
}

const NOTHING: RunEventBody[] = [];

/**
 * Folds the events of a turn's model calls into the turn's text, tool calls and usage, and
 * says which run events each one makes. Pure, like the providers' tool indexes: no I/O and no
 * clock, so it is tested with plain event lists; the run emits what `apply` returns.
 */
export class TurnFold {
  /** The turn's assistant text so far, as streamed: every step's text, a paragraph apart. */
  text = '';
  usage: Usage = ZERO_USAGE;
  #stepText = '';
  #calls: PendingCall[] = [];
  #byIndex = new Map<number, PendingCall>();
  #reason: FinishReason | undefined;

  constructor(
    /** Names of the client-declared tools: calls to them are the client's to run. */
    readonly clientTools: ReadonlySet<string>,
    private readonly newId: () => string = newToolCallId,
  ) {}

  /** Starts the next model call of the turn. */
  beginStep(): void {
    this.#stepText = '';
    this.#calls = [];
    this.#byIndex = new Map();
    this.#reason = undefined;
  }

  /** True once the current model call has sent `done`. */
  get stepDone(): boolean {
    return this.#reason !== undefined;
  }

  /** The step, once its model call sent `done`; undefined while it is still answering. */
  get step(): ModelStep | undefined {
    if (this.#reason === undefined) return undefined;
    return { text: this.#stepText, calls: this.#calls, reason: this.#reason };
  }

  /** Takes one model event; returns the run events it makes, in order. */
  apply(event: ModelEvent): RunEventBody[] {
    switch (event.type) {
      case 'text_delta': {
        if (event.delta === '') return NOTHING;
        const out: RunEventBody[] = [];
        // Text of a later step starts a new paragraph, so the reply reads the same streamed or whole.
        if (this.#stepText === '' && this.text !== '' && !/\s$/.test(this.text)) out.push(this.#say('\n\n'));
        this.#stepText += event.delta;
        out.push(this.#say(event.delta));
        return out;
      }
      case 'toolcall_start': {
        const call: PendingCall = {
          id: event.id || this.newId(),
          name: event.name,
          args: '',
          client: this.clientTools.has(event.name),
        };
        this.#byIndex.set(event.index, call);
        this.#calls.push(call);
        return [{ type: 'tool.start', index: event.index, callId: call.id, name: call.name, client: call.client }];
      }
      case 'toolcall_delta': {
        const call = this.#byIndex.get(event.index);
        if (call === undefined || event.delta === '') return NOTHING;
        call.args += event.delta;
        return [{ type: 'tool.args', index: event.index, callId: call.id, delta: event.delta }];
      }
      case 'done':
        this.usage = addUsage(this.usage, event.usage);
        this.#reason = event.reason;
        return NOTHING;
    }
  }

  #say(delta: string): RunEventBody {
    this.text += delta;
    return { type: 'assistant.delta', delta };
  }
}
