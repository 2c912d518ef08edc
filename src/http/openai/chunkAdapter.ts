import type { RunEvent, RunResult, StopReason } from '../../agent/events.js';
import type { FinishReason, Usage } from '../../messages.js';
import { streamErrorFrame } from './errors.js';
import { streamErrorOf } from './runErrors.js';

/**
 * Turns one run's events into the `data:` payloads of an OpenAI chat-completion stream
 * (contract point 3): role chunk, content and tool-call deltas, one finish chunk, an optional
 * usage chunk. Pure: the route writes what it returns, then `[DONE]`.
 * The chunk envelope is serialised once per request and reused for every delta.
 */
export interface ChunkAdapter {
  /** The role chunk, sent as soon as the headers go out. */
  start(): string;
  /** Payloads for one run event; empty when the event has nothing for the client. */
  onEvent(event: RunEvent): string[];
  /** True once a finish or error payload has been produced. */
  readonly finished: boolean;
}

export interface ChunkAdapterOptions {
  id: string;
  created: number;
  model: string;
  includeUsage: boolean;
  /** Server-side tool steps as `delta.reasoning_content` (UIs show it as a thinking block). */
  toolProgress?: boolean;
}

/** How much of a tool's output the progress line shows. */
const PROGRESS_RESULT_CHARS = 120;

/** The short line after "Calling <tool>…": the output's first line, clipped. */
export function progressResultLine(result: string, isError: boolean): string {
  const trimmed = result.trim();
  const newline = trimmed.indexOf('\n');
  let line = newline === -1 ? trimmed : `${trimmed.slice(0, newline)} …`;
  if (line.length > PROGRESS_RESULT_CHARS) line = `${line.slice(0, PROGRESS_RESULT_CHARS)}…`;
  return `${isError ? '✗' : '→'} ${line}\n\n`;
}

/**
 * No frame may exceed 32 KiB (Open WebUI's line reader). 4096 UTF-16 units stay below that
 * even if every unit is escaped as `\uXXXX` (6 bytes), with room for the envelope.
 */
export const MAX_DELTA_UNITS = 4096;

export function finishReasonOf(stop: StopReason): FinishReason {
  return stop === 'length' || stop === 'tool_calls' ? stop : 'stop';
}

export function usageBody(u: Usage) {
  return {
    prompt_tokens: u.promptTokens,
    completion_tokens: u.completionTokens,
    total_tokens: u.totalTokens,
    prompt_tokens_details: { cached_tokens: u.cachedTokens },
  };
}

/** Splits text into pieces of at most `max` UTF-16 units, never inside a surrogate pair. */
export function splitDelta(text: string, max = MAX_DELTA_UNITS): string[] {
  if (text.length <= max) return [text];
  const pieces: string[] = [];
  let i = 0;
  while (i < text.length) {
    let end = Math.min(i + max, text.length);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end--;
    pieces.push(text.slice(i, end));
    i = end;
  }
  return pieces;
}

export function createChunkAdapter(options: ChunkAdapterOptions): ChunkAdapter {
  const head = `{"id":${JSON.stringify(options.id)},"object":"chat.completion.chunk","created":${options.created},"model":${JSON.stringify(options.model)},"choices":`;
  const choice = (delta: string, finish: string | null) =>
    `${head}[{"index":0,"delta":${delta},"finish_reason":${finish === null ? 'null' : `"${finish}"`}}]}`;
  /** OpenAI indexes tool calls per choice; the run's own indexes count server-side calls too. */
  const toolIndex = new Map<string, number>();
  let finished = false;
  const reasoning = (text: string) => choice(`{"reasoning_content":${JSON.stringify(text)}}`, null);

  const finish = (result: RunResult): string[] => {
    finished = true;
    const out = [choice('{}', finishReasonOf(result.stopReason))];
    if (options.includeUsage) out.push(`${head}[],"usage":${JSON.stringify(usageBody(result.usage))}}`);
    return out;
  };

  return {
    get finished() {
      return finished;
    },
    start: () => choice('{"role":"assistant","content":""}', null),
    onEvent(event) {
      if (finished) return [];
      switch (event.type) {
        case 'assistant.delta':
          if (event.delta === '') return [];
          return splitDelta(event.delta).map((d) => choice(`{"content":${JSON.stringify(d)}}`, null));
        case 'tool.start': {
          if (!event.client) return options.toolProgress ? [reasoning(`Calling ${event.name}…\n`)] : [];
          const index = toolIndex.size;
          toolIndex.set(event.callId, index);
          const call = { index, id: event.callId, type: 'function', function: { name: event.name, arguments: '' } };
          return [choice(`{"tool_calls":[${JSON.stringify(call)}]}`, null)];
        }
        case 'tool.args': {
          const index = toolIndex.get(event.callId);
          if (index === undefined || event.delta === '') return [];
          return splitDelta(event.delta).map((d) =>
            choice(`{"tool_calls":[{"index":${index},"function":{"arguments":${JSON.stringify(d)}}}]}`, null),
          );
        }
        case 'lifecycle.end':
          return finish(event.result);
        case 'lifecycle.error':
          finished = true;
          return [streamErrorFrame(streamErrorOf(event.error))];
        case 'tool.result':
          // Only server-side calls have results in the run: a client's call is the client's to answer.
          return options.toolProgress ? [reasoning(progressResultLine(event.result, event.isError))] : [];
        case 'lifecycle.start':
        case 'usage':
          return [];
      }
    },
  };
}
