/**
 * Property-based fuzzing of `/v1/chat/completions` and `/v1/responses` bodies over real sockets:
 * request-shaped JSON with every field sometimes replaced by arbitrary JSON. Whatever arrives,
 * no 5xx, no unhandled rejection, every 400 OpenAI-shaped and naming its `param`, and the gateway
 * still serves a plain request afterwards. Seeded, and bounded to a few seconds.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';

// FUZZ_SEED / FUZZ_RUNS widen a local hunt; CI runs the fixed seed.
const SEED = Number(process.env.FUZZ_SEED ?? 20261130);
const RUNS = Number(process.env.FUZZ_RUNS ?? 150);

let gw: TestGateway;
const rejections: unknown[] = [];
const onRejection = (reason: unknown) => rejections.push(reason);

beforeAll(async () => {
  process.on('unhandledRejection', onRejection);
  const on = { enabled: true };
  gw = await startTestGateway({ gateway: { http: { endpoints: { chatCompletions: on, responses: on } } } });
});
afterAll(async () => {
  process.off('unhandledRejection', onRejection);
  await gw.stop();
});

const json = fc.jsonValue({ maxDepth: 3 });
/** A field's plausible value, or sometimes anything at all. */
const or = <T>(plausible: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 3, arbitrary: plausible }, { weight: 1, arbitrary: json });
const text = fc.string({ maxLength: 40 });
const name = fc.oneof(fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/), text);
const schema = fc.oneof(
  fc.constant({ type: 'object', properties: { a: { type: 'string' } } }),
  fc.dictionary(text, json, { maxKeys: 4 }),
);
const extras = fc.dictionary(text, json, { maxKeys: 2 });

const part = or(
  fc.record(
    {
      type: or(fc.constantFrom('text', 'input_text', 'image_url', 'input_image', 'refusal')),
      text: or(text),
      image_url: or(
        fc.oneof(
          text,
          fc.record({ url: or(fc.constantFrom('data:image/png;base64,iVBORw0K', 'https://x.test/a.png')) }),
        ),
      ),
    },
    { requiredKeys: ['type'] },
  ),
);
const content = or(fc.oneof(text, fc.array(part, { maxLength: 3 })));

const chatMessage = or(
  fc.record(
    {
      role: or(fc.constantFrom('system', 'developer', 'user', 'assistant', 'tool', 'function')),
      content,
      name: or(name),
      tool_call_id: or(text),
      tool_calls: or(
        fc.array(
          fc.record({
            id: or(text),
            type: or(fc.constant('function')),
            function: or(fc.record({ name: or(name), arguments: or(text) })),
          }),
          { maxLength: 2 },
        ),
      ),
    },
    { requiredKeys: ['role'] },
  ),
);

const chatBody = fc
  .tuple(
    fc.record(
      {
        model: or(fc.constantFrom('openclaw', 'openclaw/default', 'agent:main', 'openclaw:nobody', 'gpt-4o')),
        messages: or(fc.array(chatMessage, { maxLength: 4 })),
        stream: or(fc.boolean()),
        stream_options: or(fc.record({ include_usage: or(fc.boolean()) })),
        temperature: or(fc.double({ min: -1, max: 3 })),
        top_p: or(fc.double({ min: -1, max: 2 })),
        max_tokens: or(fc.integer({ min: -5, max: 100_000 })),
        max_completion_tokens: or(fc.double()),
        stop: or(fc.oneof(text, fc.array(text, { maxLength: 6 }))),
        seed: or(fc.integer()),
        n: or(fc.integer({ min: -1, max: 3 })),
        presence_penalty: or(fc.double({ min: -3, max: 3 })),
        tools: or(
          fc.array(
            fc.record({
              type: or(fc.constant('function')),
              function: or(
                fc.record(
                  { name: or(name), description: or(text), parameters: or(schema) },
                  { requiredKeys: ['name'] },
                ),
              ),
            }),
            { maxLength: 3 },
          ),
        ),
        tool_choice: or(
          fc.oneof(
            fc.constantFrom('auto', 'none', 'required'),
            fc.record({ type: fc.constant('function'), function: fc.record({ name }) }),
          ),
        ),
        response_format: or(
          fc.oneof(
            fc.record({ type: fc.constantFrom('text', 'json_object') }),
            fc.record({
              type: fc.constant('json_schema'),
              json_schema: or(fc.record({ name: or(name), schema: or(schema) })),
            }),
          ),
        ),
        user: or(text),
      },
      { requiredKeys: [] },
    ),
    extras,
  )
  .map(([body, extra]) => ({ ...extra, ...body }));

const responsesItem = or(
  fc.oneof(
    fc.record(
      {
        type: or(fc.constant('message')),
        role: or(fc.constantFrom('user', 'assistant', 'system', 'developer')),
        content,
      },
      { requiredKeys: ['role'] },
    ),
    fc.record({ type: fc.constant('function_call'), call_id: or(text), name: or(name), arguments: or(text) }),
    fc.record({ type: fc.constant('function_call_output'), call_id: or(text), output: content }),
    fc.record({ type: fc.constant('item_reference'), id: or(text) }),
    fc.record({ type: text }),
  ),
);

const responsesBody = fc
  .tuple(
    fc.record(
      {
        model: or(fc.constantFrom('openclaw', 'agent:main', 'openclaw:nobody')),
        input: or(fc.oneof(text, fc.array(responsesItem, { maxLength: 4 }))),
        instructions: or(text),
        tools: or(
          fc.array(
            fc.oneof(
              fc.record({ type: fc.constant('function'), name: or(name), parameters: or(schema) }),
              fc.record({
                type: fc.constant('namespace'),
                name: or(name),
                tools: or(fc.array(json, { maxLength: 2 })),
              }),
              fc.record({ type: text }),
            ),
            { maxLength: 3 },
          ),
        ),
        tool_choice: or(fc.constantFrom('auto', 'none', 'required')),
        stream: or(fc.boolean()),
        store: or(fc.boolean()),
        previous_response_id: or(text),
        max_output_tokens: or(fc.integer({ min: -5, max: 100_000 })),
        temperature: or(fc.double({ min: -1, max: 3 })),
        metadata: or(fc.dictionary(text, text, { maxKeys: 3 })),
        text: or(
          fc.record({
            format: or(
              fc.record({
                type: fc.constantFrom('text', 'json_object', 'json_schema'),
                name: or(name),
                schema: or(schema),
              }),
            ),
          }),
        ),
        user: or(text),
      },
      { requiredKeys: [] },
    ),
    extras,
  )
  .map(([body, extra]) => ({ ...extra, ...body }));

/** A valid request with up to two of its fields, or unknown ones, replaced by arbitrary JSON. */
function mutated(valid: fc.Arbitrary<Record<string, unknown>>, keys: string[]) {
  return fc
    .tuple(valid, fc.array(fc.tuple(fc.oneof(fc.constantFrom(...keys), text), json), { maxLength: 2 }))
    .map(([body, changes]) => {
      const out = { ...body };
      for (const [key, value] of changes) out[key] = value;
      return out;
    });
}

const userTurn = fc.record({
  role: fc.constant('user'),
  content: fc.oneof(text, fc.array(fc.record({ type: fc.constant('text'), text }), { minLength: 1, maxLength: 2 })),
});
const validChat = fc.record(
  {
    model: fc.constantFrom('openclaw', 'openclaw/default', 'agent:main'),
    messages: fc.array(userTurn, { minLength: 1, maxLength: 3 }),
    stream: fc.boolean(),
    temperature: fc.double({ min: 0, max: 2, noNaN: true }),
    max_tokens: fc.integer({ min: 1, max: 1000 }),
    stop: fc.array(fc.string({ minLength: 1, maxLength: 5 }), { maxLength: 4 }),
    tools: fc.array(
      fc.record({
        type: fc.constant('function'),
        function: fc.record({ name: fc.stringMatching(/^[a-z_]{1,10}$/), parameters: schema }),
      }),
      { maxLength: 2 },
    ),
    user: fc.stringMatching(/^[a-z0-9]{1,12}$/),
  },
  { requiredKeys: ['messages'] },
);
const validResponses = fc.record(
  {
    model: fc.constantFrom('openclaw', 'agent:main'),
    input: fc.oneof(text, fc.array(userTurn, { minLength: 1, maxLength: 3 })),
    instructions: text,
    stream: fc.boolean(),
    store: fc.boolean(),
    max_output_tokens: fc.integer({ min: 1, max: 1000 }),
    tools: fc.array(
      fc.record({ type: fc.constant('function'), name: fc.stringMatching(/^[a-z_]{1,10}$/), parameters: schema }),
      { maxLength: 2 },
    ),
  },
  { requiredKeys: ['input'] },
);
const chatKeys = [
  'model',
  'messages',
  'stream',
  'stream_options',
  'temperature',
  'top_p',
  'max_tokens',
  'stop',
  'seed',
  'n',
  'tools',
  'tool_choice',
  'response_format',
  'user',
];
const responsesKeys = [
  'model',
  'input',
  'instructions',
  'tools',
  'tool_choice',
  'stream',
  'store',
  'previous_response_id',
  'max_output_tokens',
  'temperature',
  'metadata',
  'text',
  'user',
];

interface Tally {
  statuses: Map<number, number>;
}

async function check(path: string, body: unknown, tally: Tally): Promise<void> {
  const res = await gw.request(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  tally.statuses.set(res.status, (tally.statuses.get(res.status) ?? 0) + 1);
  const raw = await res.text();
  const what = `${res.status} ${raw.slice(0, 300)} for ${JSON.stringify(body).slice(0, 300)}`;
  expect(res.status, what).toBeLessThan(500);
  expect(res.headers.get('x-request-id'), what).toBeTruthy();
  if (res.status >= 400) {
    expect(res.headers.get('content-type'), what).toMatch(/^application\/json/);
    const { error } = JSON.parse(raw);
    expect(Object.keys(error).sort(), what).toEqual(['code', 'message', 'param', 'type']);
    if (res.status === 400) expect(typeof error.param, what).toBe('string');
  } else if (res.headers.get('content-type')?.startsWith('text/event-stream')) {
    expect(raw.trimEnd().endsWith('[DONE]') || /event: response\.(completed|failed|incomplete)/.test(raw), what).toBe(
      true,
    );
  }
}

describe('fuzzed request bodies', () => {
  for (const [path, arbitrary] of [
    ['/v1/chat/completions', fc.oneof(mutated(validChat, chatKeys), chatBody)],
    ['/v1/responses', fc.oneof(mutated(validResponses, responsesKeys), responsesBody)],
  ] as const) {
    it(
      `${path}: no 5xx, no unhandled rejection, every 400 names its param (${RUNS} runs, seed ${SEED})`,
      async () => {
        const tally: Tally = { statuses: new Map() };
        await fc.assert(
          fc.asyncProperty(arbitrary as fc.Arbitrary<unknown>, (body) => check(path, body, tally)),
          { seed: SEED, numRuns: RUNS, endOnFailure: true },
        );
        expect(rejections).toEqual([]);
        // The generator reaches both sides of the validator.
        expect(tally.statuses.get(400) ?? 0).toBeGreaterThan(RUNS / 10);
        expect(tally.statuses.get(200) ?? 0).toBeGreaterThan(0);
        const plain = await gw.request(path, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(
            path.endsWith('responses') ? { input: 'hi' } : { messages: [{ role: 'user', content: 'hi' }] },
          ),
        });
        expect(plain.status).toBe(200);
        console.log(`${path}: ${JSON.stringify(Object.fromEntries([...tally.statuses].sort()))}`);
      },
      10_000 + RUNS * 100,
    );
  }
});
