import type {
  ResponseFunctionToolCall,
  ResponseOutputItem,
  ResponseOutputMessage,
} from 'openai/resources/responses/responses';
import type { RunEvent, RunResult } from '../../agent/events.js';
import type { ChatMessage } from '../../messages.js';
import { splitDelta } from '../openai/chunkAdapter.js';
import type { ClientTools } from './clientTools.js';
import { newItemId, responseErrorOf, usageOf, type WireEvent, type WireResponse } from './responseObject.js';

/**
 * Turns one run's events into OpenAI Responses stream events, in the order the SDK's
 * accumulator requires: created, in_progress, then per output item added → (content part
 * added → text deltas → text done → part done | argument deltas → arguments done) → item
 * done, and last `response.completed` (or `.incomplete` / `.failed`) with the whole response.
 * The non-streaming route runs the same adapter and sends only the final response.
 */
export interface ResponseEventAdapter {
  start(): WireEvent[];
  onEvent(event: RunEvent): WireEvent[];
  /** The response as it stands: final once the run has ended. */
  readonly response: WireResponse;
  /** The output as run messages, with each item's id: for `previous_response_id` and `item_reference`. */
  outputMessages(): Array<{ id: string; message: ChatMessage }>;
}

interface OpenMessage {
  index: number;
  item: ResponseOutputMessage;
  text: string;
}

export function createResponseEventAdapter(
  shell: WireResponse,
  tools: Pick<ClientTools, 'clientName' | 'modelName'>,
): ResponseEventAdapter {
  let response = shell;
  const output: ResponseOutputItem[] = [];
  let message: OpenMessage | undefined;
  const calls = new Map<string, { index: number; item: ResponseFunctionToolCall }>();
  let ended = false;

  const snapshot = (patch: Partial<WireResponse>): WireResponse => {
    response = { ...response, ...patch, output: output.slice() };
    return response;
  };

  const openMessage = (out: WireEvent[]): OpenMessage => {
    if (message) return message;
    const item: ResponseOutputMessage = {
      id: newItemId('msg'),
      type: 'message',
      status: 'in_progress',
      role: 'assistant',
      content: [],
    };
    message = { index: output.length, item, text: '' };
    output.push(item);
    out.push({ type: 'response.output_item.added', output_index: message.index, item: { ...item, content: [] } });
    out.push({
      type: 'response.content_part.added',
      item_id: item.id,
      output_index: message.index,
      content_index: 0,
      part: { type: 'output_text', text: '', annotations: [] },
    });
    return message;
  };

  const closeMessage = (out: WireEvent[]): void => {
    if (!message) return;
    const { index, item, text } = message;
    const part = { type: 'output_text' as const, text, annotations: [] };
    const base = { item_id: item.id, output_index: index, content_index: 0 };
    out.push({ type: 'response.output_text.done', ...base, text, logprobs: [] });
    out.push({ type: 'response.content_part.done', ...base, part });
    output[index] = { ...item, status: 'completed', content: [part] };
    out.push({ type: 'response.output_item.done', output_index: index, item: output[index] });
    message = undefined;
  };

  const closeCalls = (out: WireEvent[]): void => {
    for (const { index, item } of calls.values()) {
      const base = { item_id: item.id!, output_index: index };
      out.push({ type: 'response.function_call_arguments.done', ...base, name: item.name, arguments: item.arguments });
      output[index] = { ...item, status: 'completed' };
      out.push({ type: 'response.output_item.done', output_index: index, item: output[index] });
    }
    calls.clear();
  };

  const finish = (result: RunResult): WireEvent[] => {
    const out: WireEvent[] = [];
    if (output.length === 0) openMessage(out);
    closeMessage(out);
    closeCalls(out);
    const usage = usageOf(result.usage);
    if (result.stopReason === 'length') {
      const final = snapshot({ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' }, usage });
      out.push({ type: 'response.incomplete', response: final });
    } else {
      out.push({ type: 'response.completed', response: snapshot({ status: 'completed', usage }) });
    }
    return out;
  };

  return {
    get response() {
      return response;
    },
    start: () => [
      { type: 'response.created', response },
      { type: 'response.in_progress', response },
    ],
    onEvent(event) {
      if (ended) return [];
      switch (event.type) {
        case 'assistant.delta': {
          if (event.delta === '') return [];
          const out: WireEvent[] = [];
          // Text after a function call opens a new message item, so items stay in the order they were said.
          if (calls.size > 0 && !message) closeCalls(out);
          const open = openMessage(out);
          open.text += event.delta;
          for (const delta of splitDelta(event.delta)) {
            out.push({
              type: 'response.output_text.delta',
              item_id: open.item.id,
              output_index: open.index,
              content_index: 0,
              delta,
              logprobs: [],
            });
          }
          return out;
        }
        case 'tool.start': {
          if (!event.client) return [];
          const out: WireEvent[] = [];
          closeMessage(out);
          const { name, namespace } = tools.clientName(event.name);
          const item: ResponseFunctionToolCall = {
            type: 'function_call',
            id: newItemId('fc'),
            call_id: event.callId,
            name,
            ...(namespace ? { namespace } : {}),
            arguments: '',
            status: 'in_progress',
          };
          calls.set(event.callId, { index: output.length, item });
          output.push(item);
          out.push({ type: 'response.output_item.added', output_index: output.length - 1, item: { ...item } });
          return out;
        }
        case 'tool.args': {
          const call = calls.get(event.callId);
          if (!call || event.delta === '') return [];
          call.item.arguments += event.delta;
          return splitDelta(event.delta).map((delta) => ({
            type: 'response.function_call_arguments.delta' as const,
            item_id: call.item.id!,
            output_index: call.index,
            delta,
          }));
        }
        case 'lifecycle.end':
          ended = true;
          return finish(event.result);
        case 'lifecycle.error': {
          ended = true;
          const incomplete = (item: ResponseOutputItem) =>
            item.type === 'message' || item.type === 'function_call'
              ? { ...item, status: 'incomplete' as const }
              : item;
          if (message)
            output[message.index] = {
              ...message.item,
              content: [{ type: 'output_text', text: message.text, annotations: [] }],
            };
          for (let i = 0; i < output.length; i++) output[i] = incomplete(output[i]!);
          const failed = snapshot({
            status: 'failed',
            error: responseErrorOf(event.error),
            usage: usageOf(event.result.usage),
          });
          return [{ type: 'response.failed', response: failed }];
        }
        case 'lifecycle.start':
        case 'tool.result':
        case 'usage':
          return [];
      }
    },
    outputMessages() {
      return output.flatMap((item): Array<{ id: string; message: ChatMessage }> => {
        if (item.type === 'message') {
          const text = item.content.map((p) => (p.type === 'output_text' ? p.text : p.refusal)).join('');
          return [{ id: item.id, message: { role: 'assistant', content: text } }];
        }
        if (item.type === 'function_call') {
          const call = {
            id: item.call_id,
            name: tools.modelName(item.name, item.namespace),
            arguments: item.arguments,
          };
          return [{ id: item.id!, message: { role: 'assistant', content: null, toolCalls: [call] } }];
        }
        return [];
      });
    },
  };
}
