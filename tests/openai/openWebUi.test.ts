import { createOpenAI } from '@ai-sdk/openai';
import { streamText } from 'ai';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeProvider } from '../fixtures/fakeOpenAI.js';
import { chatConfig, startTestGateway, type TestGateway } from '../helpers/gateway.js';

const AGENT_PROMPT = 'You are the agent AGENT-PROMPT-7f3.';
const TITLE_PROMPT =
  '### Task:\nGenerate a concise, 3-5 word title with an emoji summarizing the chat history.\n### Output:\nJSON format: { "title": "your concise title here" }\n### Chat History:\n<chat_history>\nUSER: hello\n</chat_history>';

let provider: FakeProvider;
let gw: TestGateway;
let client: OpenAI;

function config(chatCompletions: Record<string, unknown> = {}, defaults: Record<string, unknown> = {}) {
  return chatConfig({
    gateway: { http: { endpoints: { chatCompletions } } },
    models: {
      providers: {
        fake: { baseUrl: provider.url, apiKey: 'k', api: 'openai-completions', models: [{ id: 'm' }, { id: 'cheap' }] },
      },
    },
    agents: { defaults: { model: 'fake/m', systemPrompt: AGENT_PROMPT, tools: ['current_time'], ...defaults } },
  });
}

/** Open WebUI's forwarded user headers (ENABLE_FORWARD_USER_INFO_HEADERS). */
const openWebUi = (chatId: string) => ({ 'X-OpenWebUI-Chat-Id': chatId, 'X-OpenWebUI-User-Id': 'u-1' });

beforeAll(async () => {
  provider = await startFakeOpenAI();
  gw = await startTestGateway(config());
  client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.token, maxRetries: 0 });
});

afterAll(async () => {
  await gw.stop();
  await provider.close();
});

beforeEach(() => {
  provider.requests.length = 0;
});

describe('Open WebUI task prompts', () => {
  it('answer a "### Task:" title request with one plain model call and leave the chat session alone', async () => {
    const chat = 'c-title-1';
    await client.chat.completions.create(
      { model: 'openclaw', messages: [{ role: 'user', content: 'hello' }] },
      { headers: openWebUi(chat) },
    );
    const key = `agent:main:openwebui:${chat}`;
    const session = await gw.ctx.store.load(key);
    expect(session?.messages).toHaveLength(2);
    const sessionsBefore = (await gw.ctx.store.list()).length;
    provider.requests.length = 0;
    provider.script({ text: '{ "title": "👋 Greeting" }' });

    const title = await client.chat.completions.create(
      { model: 'openclaw', stream: false, messages: [{ role: 'user', content: TITLE_PROMPT }] },
      { headers: openWebUi(chat) },
    );

    expect(title.choices[0]!.message.content).toBe('{ "title": "👋 Greeting" }');
    expect(provider.requests).toHaveLength(1);
    const sent = provider.requests[0]!.body;
    expect(sent.tools).toBeUndefined();
    expect(JSON.stringify(sent.messages)).not.toContain('AGENT-PROMPT-7f3');
    expect(sent.messages).toEqual([{ role: 'user', content: TITLE_PROMPT }]);
    const after = await gw.ctx.store.load(key);
    expect(after?.messages).toEqual(session?.messages);
    expect(after?.session.updatedAt).toBe(session?.session.updatedAt);
    expect((await gw.ctx.store.list()).length).toBe(sessionsBefore);
  });

  it('go to agents.defaults.utilityModel when it is set, and are ordinary runs once the patterns are cleared', async () => {
    const utility = await startTestGateway(config({}, { utilityModel: 'fake/cheap' }));
    const off = await startTestGateway(config({ openWebUi: { taskPatterns: [] } }));
    try {
      const ask = (g: TestGateway) =>
        g.request('/v1/chat/completions', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'openclaw', messages: [{ role: 'user', content: TITLE_PROMPT }] }),
        });
      expect((await ask(utility)).status).toBe(200);
      expect(provider.requests.at(-1)!.body.model).toBe('cheap');
      expect((await ask(off)).status).toBe(200);
      const agentRun = provider.requests.at(-1)!.body;
      expect(agentRun.model).toBe('m');
      expect(agentRun.messages[0]).toEqual({ role: 'system', content: expect.stringContaining('AGENT-PROMPT-7f3') });
      expect(agentRun.tools.map((t: { function: { name: string } }) => t.function.name)).toEqual(['current_time']);
    } finally {
      await utility.stop();
      await off.stop();
    }
  });
});

describe('X-OpenWebUI-Chat-Id', () => {
  it('keys one session per chat: two requests of one chat share it, another chat does not', async () => {
    const first = await client.chat.completions.create(
      { model: 'openclaw', messages: [{ role: 'user', content: 'my name is Ada' }] },
      { headers: openWebUi('chat-a') },
    );
    const reply = first.choices[0]!.message.content!;
    // Open WebUI resends the whole history; the stored transcript keeps one copy.
    await client.chat.completions.create(
      {
        model: 'openclaw',
        messages: [
          { role: 'user', content: 'my name is Ada' },
          { role: 'assistant', content: reply },
          { role: 'user', content: 'what is my name?' },
        ],
      },
      { headers: openWebUi('chat-a') },
    );
    await client.chat.completions.create(
      { model: 'openclaw', messages: [{ role: 'user', content: 'something else' }] },
      { headers: openWebUi('chat-b') },
    );

    const a = await gw.ctx.store.load('agent:main:openwebui:chat-a');
    expect(a?.messages.map((m) => m.content)).toEqual([
      'my name is Ada',
      reply,
      'what is my name?',
      'echo: what is my name?',
    ]);
    const b = await gw.ctx.store.load('agent:main:openwebui:chat-b');
    expect(b?.messages.map((m) => m.content)).toEqual(['something else', 'echo: something else']);
    // The second request of chat-a reached the model with the first turn as history.
    expect(provider.requests[1]!.body.messages.slice(1).map((m: { content: string }) => m.content)).toEqual([
      'my name is Ada',
      reply,
      'what is my name?',
    ]);
  });

  it('gives way to x-openclaw-session-key and to `user`, and is ignored with sessionPerChat false', async () => {
    await client.chat.completions.create(
      { model: 'openclaw', user: 'Grace', messages: [{ role: 'user', content: 'hi' }] },
      { headers: openWebUi('chat-c') },
    );
    expect(await gw.ctx.store.load('agent:main:openai-user:grace')).not.toBeNull();
    expect(await gw.ctx.store.load('agent:main:openwebui:chat-c')).toBeNull();

    const off = await startTestGateway(config({ openWebUi: { sessionPerChat: false } }));
    try {
      const res = await off.request('/v1/chat/completions', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...openWebUi('chat-d') },
        body: JSON.stringify({ model: 'openclaw', messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(res.status).toBe(200);
      expect(await off.ctx.store.list()).toEqual([]);
    } finally {
      await off.stop();
    }
  });
});

describe('tool progress as reasoning_content', () => {
  const toolThenAnswer = () =>
    provider.script(
      { toolCalls: [{ id: 'call_t1', name: 'current_time', arguments: '{"timezone":"UTC"}' }] },
      { text: 'It is noon.' },
    );

  it('streams a server-side tool step before the content, and the openai SDK accepts it', async () => {
    toolThenAnswer();
    const stream = await client.chat.completions.create({
      model: 'openclaw',
      stream: true,
      messages: [{ role: 'user', content: 'what time is it?' }],
    });
    const kinds: string[] = [];
    let reasoning = '';
    let content = '';
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta as { content?: string; reasoning_content?: string } | undefined;
      if (delta?.reasoning_content) {
        kinds.push('reasoning');
        reasoning += delta.reasoning_content;
      }
      if (delta?.content) {
        kinds.push('content');
        content += delta.content;
      }
    }
    expect(content).toBe('It is noon.');
    expect(kinds.indexOf('content')).toBeGreaterThan(kinds.lastIndexOf('reasoning'));
    expect(reasoning).toMatch(/^Calling current_time…\n→ \d{4}-\d\d-\d\d/);
    // The tool result fed back to the model is the same the progress line shows.
    const fedBack = provider.requests[1]!.body.messages.find((m: { role: string }) => m.role === 'tool');
    expect(reasoning).toContain(String(fedBack.content).split('\n')[0]!.slice(0, 40));
  });

  it('is accepted by the Vercel AI SDK, reasoning chunks included', async () => {
    toolThenAnswer();
    const openai = createOpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.token });
    const result = streamText({
      model: openai.chat('openclaw'),
      prompt: 'what time is it?',
      maxRetries: 0,
      includeRawChunks: true,
    });
    const order: string[] = [];
    for await (const part of result.fullStream) {
      if (part.type === 'error') throw part.error;
      if (part.type === 'text-delta') order.push('text');
      const raw =
        part.type === 'raw' ? (part.rawValue as { choices?: Array<{ delta?: Record<string, unknown> }> }) : undefined;
      if (raw?.choices?.[0]?.delta?.reasoning_content !== undefined) order.push('reasoning');
    }
    // @ai-sdk/openai speaks to OpenAI itself, which sends no reasoning_content: it passes those
    // chunks through its schema and drops the field (@ai-sdk/openai-compatible shows it as reasoning).
    expect(await result.text).toBe('It is noon.');
    expect(await result.finishReason).toBe('stop');
    expect(order[0]).toBe('reasoning');
    expect(order.filter((k) => k === 'reasoning')).toHaveLength(2);
    expect(order.indexOf('text')).toBeGreaterThan(order.lastIndexOf('reasoning'));
  });

  it('leaves non-streaming answers unchanged, and is off with toolProgress false', async () => {
    toolThenAnswer();
    const whole = await client.chat.completions.create({
      model: 'openclaw',
      messages: [{ role: 'user', content: 'what time is it?' }],
    });
    expect(whole.choices[0]!.message).toEqual({ role: 'assistant', content: 'It is noon.', refusal: null });

    const quiet = await startTestGateway(config({ toolProgress: false }));
    try {
      toolThenAnswer();
      const res = await quiet.request('/v1/chat/completions', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'openclaw', stream: true, messages: [{ role: 'user', content: 'time?' }] }),
      });
      const deltas = (await res.text())
        .split('\n\n')
        .filter((frame) => frame.startsWith('data: {'))
        .map((frame) => JSON.parse(frame.slice(6)).choices[0]?.delta ?? {});
      expect(deltas.map((d) => d.content ?? '').join('')).toBe('It is noon.');
      expect(deltas.filter((d) => 'reasoning_content' in d)).toEqual([]);
    } finally {
      await quiet.stop();
    }
  });
});
