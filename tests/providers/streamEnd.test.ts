import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { createUndiciFetch } from '../../src/node/undiciFetch.js';
import { createModelRegistry } from '../../src/providers/registry.js';
import type { ModelEvent, ModelRegistry } from '../../src/providers/types.js';

// What the provider does after `[DONE]`: the body's end is the provider's business, the turn is over at `[DONE]`.
const HOLD_AFTER_DONE_MS = 600;
const frame = (delta: object, finish: string | null = null) =>
  `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;

let server: Server;
let registry: ModelRegistry;
let connections = 0;
let bodiesEnded = 0;

beforeAll(async () => {
  server = createServer((req, res: ServerResponse) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`${frame({ role: 'assistant', content: '' })}${frame({ content: 'hel' })}${frame({ content: 'lo' })}`);
      res.write(`${frame({}, 'stop')}data: [DONE]\n\n`);
      setTimeout(() => {
        bodiesEnded++;
        res.end();
      }, HOLD_AFTER_DONE_MS);
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const config = configSchema.parse({
    models: {
      providers: { fake: { api: 'openai-completions', baseUrl: `http://127.0.0.1:${port}/v1`, models: [{ id: 'm' }] } },
    },
  });
  registry = createModelRegistry(config, {}, { idleTimeoutMs: 5000, fetch: createUndiciFetch() });
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

async function turn(): Promise<{ events: ModelEvent[]; doneAfterMs: number }> {
  const model = registry.resolve('fake/m')!;
  const started = performance.now();
  const events: ModelEvent[] = [];
  let doneAfterMs = Number.NaN;
  const stream = registry.stream(model)({
    model,
    system: '',
    messages: [{ role: 'user', content: 'hi' }],
    tools: [],
    toolChoice: undefined,
    sampling: {},
    signal: new AbortController().signal,
  });
  for await (const event of stream) {
    events.push(event);
    if (event.type === 'done') {
      doneAfterMs = performance.now() - started;
      break;
    }
  }
  return { events, doneAfterMs };
}

describe('openai-completions provider at the end of a stream', () => {
  it('finishes the turn at [DONE] without waiting for the body to end, and still reuses the connection', async () => {
    const first = await turn();
    expect(first.events.map((e) => e.type)).toEqual(['text_delta', 'text_delta', 'done']);
    expect(first.events.at(-1)).toMatchObject({ type: 'done', reason: 'stop' });
    expect(first.doneAfterMs).toBeLessThan(HOLD_AFTER_DONE_MS);
    expect(bodiesEnded, 'the provider was still holding its body when the turn ended').toBe(0);

    // The rest of the body is read in the background, so the next call goes over the same connection.
    await expect.poll(() => bodiesEnded, { timeout: 5000 }).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const second = await turn();
    expect(second.events.at(-1)).toMatchObject({ type: 'done', reason: 'stop' });
    expect(connections).toBe(1);
  });
});
