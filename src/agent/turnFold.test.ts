import { describe, expect, it } from 'vitest';
import type { ModelEvent } from '../providers/types.js';
import { TurnFold } from './turnFold.js';

const usage = (prompt: number, completion: number) => ({
  promptTokens: prompt,
  completionTokens: completion,
  cachedTokens: 0,
  totalTokens: prompt + completion,
});

function foldAll(fold: TurnFold, events: ModelEvent[]) {
  fold.beginStep();
  return events.flatMap((e) => fold.apply(e));
}

describe('TurnFold', () => {
  it('turns text deltas into assistant deltas and ends the step on done', () => {
    const fold = new TurnFold(new Set());
    const out = foldAll(fold, [
      { type: 'text_delta', delta: 'Hel' },
      { type: 'text_delta', delta: '' },
      { type: 'text_delta', delta: 'lo' },
    ]);
    expect(out).toEqual([
      { type: 'assistant.delta', delta: 'Hel' },
      { type: 'assistant.delta', delta: 'lo' },
    ]);
    expect(fold.stepDone).toBe(false);
    expect(fold.step).toBeUndefined();
    expect(fold.apply({ type: 'done', reason: 'stop', usage: usage(3, 2) })).toEqual([]);
    expect(fold.step).toEqual({ text: 'Hello', calls: [], reason: 'stop' });
    expect(fold.text).toBe('Hello');
    expect(fold.usage).toEqual(usage(3, 2));
  });

  it('collects tool calls by index, marks client tools, and names calls the provider left without an id', () => {
    const fold = new TurnFold(new Set(['weather']), () => 'call_made_here');
    const out = foldAll(fold, [
      { type: 'toolcall_start', index: 0, id: 'call_a', name: 'current_time' },
      { type: 'toolcall_start', index: 1, id: '', name: 'weather' },
      { type: 'toolcall_delta', index: 1, delta: '{"city":' },
      { type: 'toolcall_delta', index: 0, delta: '{}' },
      { type: 'toolcall_delta', index: 1, delta: '"Paris"}' },
      { type: 'toolcall_delta', index: 7, delta: 'orphan' },
      { type: 'done', reason: 'tool_calls', usage: usage(1, 1) },
    ]);
    expect(out).toEqual([
      { type: 'tool.start', index: 0, callId: 'call_a', name: 'current_time', client: false },
      { type: 'tool.start', index: 1, callId: 'call_made_here', name: 'weather', client: true },
      { type: 'tool.args', index: 1, callId: 'call_made_here', delta: '{"city":' },
      { type: 'tool.args', index: 0, callId: 'call_a', delta: '{}' },
      { type: 'tool.args', index: 1, callId: 'call_made_here', delta: '"Paris"}' },
    ]);
    expect(fold.step).toEqual({
      text: '',
      reason: 'tool_calls',
      calls: [
        { id: 'call_a', name: 'current_time', args: '{}', client: false },
        { id: 'call_made_here', name: 'weather', args: '{"city":"Paris"}', client: true },
      ],
    });
  });

  it('starts a later step on a new paragraph, unless the text so far ends in white space', () => {
    const fold = new TurnFold(new Set());
    foldAll(fold, [
      { type: 'text_delta', delta: 'Let me look.' },
      { type: 'toolcall_start', index: 0, id: 'c1', name: 'current_time' },
      { type: 'done', reason: 'tool_calls', usage: usage(5, 1) },
    ]);
    const second = foldAll(fold, [
      { type: 'text_delta', delta: 'It is noon.' },
      { type: 'done', reason: 'stop', usage: usage(7, 3) },
    ]);
    expect(second).toEqual([
      { type: 'assistant.delta', delta: '\n\n' },
      { type: 'assistant.delta', delta: 'It is noon.' },
    ]);
    // The step holds only its own text; the turn holds all of it, as the client saw it streamed.
    expect(fold.step).toEqual({ text: 'It is noon.', calls: [], reason: 'stop' });
    expect(fold.text).toBe('Let me look.\n\nIt is noon.');
    expect(fold.usage).toEqual(usage(12, 4));

    const spaced = new TurnFold(new Set());
    foldAll(spaced, [{ type: 'text_delta', delta: 'First.\n' }]);
    expect(foldAll(spaced, [{ type: 'text_delta', delta: 'Second.' }])).toEqual([
      { type: 'assistant.delta', delta: 'Second.' },
    ]);
  });

  it("forgets the previous step's calls when the next one begins", () => {
    const fold = new TurnFold(new Set());
    foldAll(fold, [
      { type: 'toolcall_start', index: 0, id: 'c1', name: 'current_time' },
      { type: 'done', reason: 'tool_calls', usage: usage(1, 1) },
    ]);
    fold.beginStep();
    expect(fold.stepDone).toBe(false);
    expect(fold.apply({ type: 'toolcall_delta', index: 0, delta: '{}' })).toEqual([]);
    fold.apply({ type: 'done', reason: 'length', usage: usage(0, 0) });
    expect(fold.step).toEqual({ text: '', calls: [], reason: 'length' });
  });
});
