/**
 * Requests a hostile client would send, over raw sockets. Each gets an OpenAI-shaped 4xx (or a
 * closed socket where HTTP allows nothing else), and the gateway then serves a normal request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI } from '../fixtures/fakeOpenAI.js';
import { chatConfig, startTestGateway, withFakeProvider, type TestGateway } from '../helpers/gateway.js';
import { postHead, rawConnect, rawRequest, type RawResponse } from '../helpers/rawHttp.js';

const LIMIT = 2 * 1024 * 1024;
const DEADLINES = { headersMs: 600, requestMs: 1500, checkEveryMs: 100 };
const PATH = '/v1/chat/completions';
let gw: TestGateway;

beforeAll(async () => {
  const limits = { enabled: true, maxBodyBytes: LIMIT };
  gw = await startTestGateway(
    { gateway: { http: { endpoints: { chatCompletions: limits, responses: limits } } } },
    { deadlines: DEADLINES },
  );
});
afterAll(() => gw.stop());

const hi = { model: 'openclaw', messages: [{ role: 'user', content: 'hi' }] };

function head(extra: Record<string, string | number> = {}): Record<string, string | number> {
  return { authorization: `Bearer ${gw.token}`, 'content-type': 'application/json', ...extra };
}

/** A whole request with a correct content-length. */
function post(body: string | Buffer, extra: Record<string, string | number> = {}): Buffer {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  return Buffer.concat([Buffer.from(postHead(PATH, head({ 'content-length': bytes.length, ...extra }))), bytes]);
}

function expectOpenAiError(res: RawResponse, status: number, param?: string | null): void {
  expect(res.status, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(res.headers['x-request-id']).toMatch(/^[\w-]{8,}$/);
  expect(res.headers['x-content-type-options']).toBe('nosniff');
  const { error } = JSON.parse(res.body);
  expect(Object.keys(error).sort()).toEqual(['code', 'message', 'param', 'type']);
  expect(typeof error.message).toBe('string');
  if (param !== undefined) expect(error.param).toBe(param);
}

/** The process is up and serves an ordinary request in full. */
async function expectServing(): Promise<void> {
  const res = await gw.request(PATH, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(hi),
  });
  expect(res.status).toBe(200);
  expect(((await res.json()) as any).choices[0].message.content).toMatch(/hi/);
}

async function send(body: string | Buffer, extra?: Record<string, string | number>): Promise<RawResponse> {
  return rawRequest(gw.url, post(body, extra));
}

describe('bodies that are not a chat request', () => {
  it('not JSON, JSON that is not an object, NUL bytes, invalid UTF-8: 400', async () => {
    const bodies: Array<string | Buffer> = [
      'hello',
      '{"messages": [',
      '',
      '{}}',
      '[]',
      '"text"',
      '42',
      'null',
      'true',
      '[{"role":"user","content":"hi"}]',
      '{"messages":[{"role":"user","content":"a\u0000b"}]}',
      '\u0000{"messages":[]}',
      Buffer.concat([
        Buffer.from('{"messages":[{"role":"user","content":"'),
        Buffer.from([0xff, 0xfe, 0xc3]),
        Buffer.from('"}]}'),
      ]),
      Buffer.from([0xc0, 0xaf, 0xed, 0xa0, 0x80]),
    ];
    for (const body of bodies) expectOpenAiError(await send(body), 400);
    await expectServing();
  });

  it('escaped NUL characters inside strings are ordinary text', async () => {
    const res = await send(
      JSON.stringify({ ...hi, messages: [{ role: 'user', content: 'a\u0000b hi' }], user: 'x\u0000y' }),
    );
    expect(res.status).toBe(200);
    await expectServing();
  });

  it('duplicate keys: the last one counts, as JSON.parse reads them', async () => {
    const bad = await send('{"messages":[{"role":"user","content":"hi"}],"messages":5}');
    expectOpenAiError(bad, 400, 'messages');
    const good = await send('{"messages":5,"messages":[{"role":"user","content":"hi"}]}');
    expect(good.status).toBe(200);
  });

  it('wrong content types are refused: text/plain, form, multipart, none', async () => {
    const body = JSON.stringify(hi);
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      expectOpenAiError(await send(body, { 'content-type': type }), 400, 'messages');
    }
    const bytes = Buffer.from(body);
    const noType = `POST ${PATH} HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer ${gw.token}\r\ncontent-length: ${bytes.length}\r\n\r\n${body}`;
    expectOpenAiError(await rawRequest(gw.url, noType), 400, 'messages');
    await expectServing();
  });
});

describe('nesting and size', () => {
  it('100,000 levels deep anywhere in the body: 400 naming where, no stack overflow', async () => {
    const deepArray = '['.repeat(100_000) + ']'.repeat(100_000);
    const deepObject = `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`;
    const cases: Array<[string, string]> = [
      [`{"messages":${deepArray}}`, 'messages[0]'],
      [`{"messages":[{"role":"user","content":"hi","extra":${deepObject}}]}`, 'messages[0].extra'],
      [`{"messages":[{"role":"user","content":"hi"}],"metadata":${deepObject}}`, 'metadata.a.a'],
      [`{"messages":[{"role":"user","content":[{"type":"text","text":"x","z":${deepArray}}]}]}`, 'messages[0].content'],
      [
        `{"messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f","parameters":${deepObject}}}]}`,
        'tools[0].function.parameters',
      ],
    ];
    for (const [body, param] of cases) expectOpenAiError(await send(body), 400, param);
    await expectServing();
  });

  it('huge strings and arrays in bounded fields: 400 naming the field', async () => {
    const long = 'x'.repeat(200_000);
    const cases: Array<[unknown, string]> = [
      [{ ...hi, model: long }, 'model'],
      [{ ...hi, user: long }, 'user'],
      [{ ...hi, stop: Array.from({ length: 5000 }, () => 'a') }, 'stop'],
      [
        { ...hi, tools: Array.from({ length: 129 }, (_, i) => ({ type: 'function', function: { name: `f${i}` } })) },
        'tools',
      ],
      [
        {
          ...hi,
          messages: [{ role: 'user', content: Array.from({ length: 1025 }, () => ({ type: 'text', text: 'a' })) }],
        },
        'messages[0].content',
      ],
      [{ ...hi, tools: [{ type: 'function', function: { name: long } }] }, 'tools[0].function.name'],
    ];
    for (const [body, param] of cases) expectOpenAiError(await send(JSON.stringify(body)), 400, param);
    await expectServing();
  });

  it('a huge string where any length is allowed is served', async () => {
    const res = await send(
      JSON.stringify({ ...hi, messages: [{ role: 'user', content: `hi ${'y'.repeat(200_000)}` }] }),
    );
    expect(res.status).toBe(200);
  });

  it('schemas too deep or too big: 400 naming the tool or response_format', async () => {
    let deep: unknown = { type: 'string' };
    for (let i = 0; i < 70; i++) deep = { type: 'object', properties: { a: deep } };
    const wide = {
      type: 'object',
      properties: Object.fromEntries(Array.from({ length: 100_001 }, (_, i) => [`p${i}`, 0])),
    };
    const fn = (parameters: unknown) => ({ type: 'function', function: { name: 'f', parameters } });
    const format = (schema: unknown) => ({ type: 'json_schema', json_schema: { name: 'out', schema } });
    const cases: Array<[unknown, string]> = [
      [{ ...hi, tools: [fn({ type: 'object' }), fn(deep)] }, 'tools[1].function.parameters'],
      [{ ...hi, tools: [fn(wide)] }, 'tools[0].function.parameters'],
      [{ ...hi, response_format: format(deep) }, 'response_format.json_schema.schema'],
      [{ ...hi, response_format: format(wide) }, 'response_format.json_schema.schema'],
      [{ ...hi, response_format: { type: 'yaml' } }, 'response_format.type'],
    ];
    for (const [body, param] of cases) {
      const res = await send(JSON.stringify(body));
      expectOpenAiError(res, 400, param);
    }
    // Just inside the limits: accepted.
    let ok: unknown = { type: 'string' };
    for (let i = 0; i < 30; i++) ok = { type: 'object', properties: { a: ok } };
    expect((await send(JSON.stringify({ ...hi, tools: [fn(ok)], response_format: format(ok) }))).status).toBe(200);
  });

  it('numbers out of range or of the wrong kind: 400 naming the field', async () => {
    const cases: Array<[string, string]> = [
      ['"temperature":1e308', 'temperature'],
      ['"temperature":-0.5', 'temperature'],
      ['"temperature":1e999', 'temperature'],
      ['"top_p":2', 'top_p'],
      ['"max_tokens":1e20', 'max_tokens'],
      ['"max_tokens":-1', 'max_tokens'],
      ['"max_tokens":1.5', 'max_tokens'],
      ['"max_completion_tokens":0', 'max_completion_tokens'],
      ['"seed":0.1', 'seed'],
      ['"presence_penalty":-3', 'presence_penalty'],
      ['"frequency_penalty":2.0001', 'frequency_penalty'],
      ['"n":2', 'n'],
      ['"n":-1e-400', 'n'],
    ];
    for (const [field, param] of cases) {
      expectOpenAiError(await send(`{"messages":[{"role":"user","content":"hi"}],${field}}`), 400, param);
    }
    await expectServing();
  });

  it('a wrong type in every field: 400 naming that field', async () => {
    const wrong: unknown[] = [1, 'x', true, [], {}, [1], { a: 1 }];
    const fields: Record<string, unknown[]> = {
      model: [1, true, [], {}],
      messages: [
        'x',
        1,
        true,
        {},
        null,
        [1],
        ['x'],
        [null],
        [{}],
        [{ role: 'root', content: 'x' }],
        [{ role: 'user' }],
        [{ role: 'user', content: 5 }],
      ],
      stream: [1, 'true', [], {}],
      stream_options: [1, 'x', [], { include_usage: 'yes' }],
      temperature: ['1', true, [], {}],
      top_p: ['1', true, [], {}],
      max_tokens: ['1', true, [], {}],
      stop: [1, true, {}, [1], ['']],
      tools: [
        1,
        'x',
        {},
        [1],
        [{}],
        [{ type: 'function' }],
        [{ type: 'function', function: { name: 'a b' } }],
        [{ type: 'function', function: { name: 'f', parameters: 'x' } }],
      ],
      tool_choice: [1, 'sometimes', [], { type: 'function' }],
      response_format: wrong,
    };
    let count = 0;
    for (const [field, values] of Object.entries(fields)) {
      for (const value of values) {
        const res = await send(JSON.stringify({ ...hi, [field]: value }));
        expectOpenAiError(res, 400);
        expect(JSON.parse(res.body).error.param, `${field}=${JSON.stringify(value)}`).toMatch(
          new RegExp(`^${field}\\b`),
        );
        count++;
      }
    }
    expect(count).toBeGreaterThan(50);
    await expectServing();
  });
});

describe('framing', () => {
  it('a content-length shorter than the body: the cut body is a 400, the leftover closes the connection', async () => {
    const body = JSON.stringify(hi);
    const conn = await rawConnect(gw.url);
    await conn.write(postHead(PATH, head({ 'content-length': 10 })) + body);
    expectOpenAiError(await conn.response(), 400);
    await conn.closed;
    // Leftover that is not a request, sent on its own: a malformed-request answer.
    expectOpenAiError(await rawRequest(gw.url, 'openclaw","messages":[]}\r\n\r\n'), 400);
    await expectServing();
  });

  it('a content-length longer than the body: 408 once the request deadline passes, then closed', async () => {
    const conn = await rawConnect(gw.url);
    await conn.write(postHead(PATH, head({ 'content-length': 1000 })) + JSON.stringify(hi));
    expectOpenAiError(await conn.response(DEADLINES.requestMs + 3000), 408);
    await conn.closed;
    await expectServing();
  });

  it('content-length and transfer-encoding both, or two content-lengths: 400, closed', async () => {
    const body = JSON.stringify(hi);
    for (const extra of [
      `transfer-encoding: chunked\r\ncontent-length: ${body.length}`,
      `content-length: ${body.length}\r\ncontent-length: 5`,
      'content-length: -1',
      'content-length: 1e3',
      'transfer-encoding: gzip, chunked, identity',
    ]) {
      const res = await rawRequest(gw.url, `POST ${PATH} HTTP/1.1\r\nhost: 127.0.0.1\r\n${extra}\r\n\r\n${body}`);
      expectOpenAiError(res, 400);
    }
    await expectServing();
  });

  it('a chunked body that never ends: 408 at the request deadline', async () => {
    const conn = await rawConnect(gw.url);
    await conn.write(postHead(PATH, head({ 'transfer-encoding': 'chunked' })));
    await conn.write('5\r\n{"mes\r\n');
    expectOpenAiError(await conn.response(DEADLINES.requestMs + 3000), 408);
    await conn.closed;
    await expectServing();
  });

  it('a body over the limit is refused with 413 before it is read: by content-length, or counted when chunked', async () => {
    const conn = await rawConnect(gw.url);
    await conn.write(postHead(PATH, head({ 'content-length': 50 * 1024 * 1024 })));
    expectOpenAiError(await conn.response(), 413);
    await conn.closed;

    // A chunked body that would go on for ever: answered once the limit is passed, then cut.
    const chunked = await rawConnect(gw.url);
    await chunked.write(postHead(PATH, head({ 'transfer-encoding': 'chunked' })));
    const piece = `${(16 * 1024).toString(16)}\r\n${'a'.repeat(16 * 1024)}\r\n`;
    let sent = 0;
    const pump = (async () => {
      while (!chunked.isClosed() && sent < 64 * 1024 * 1024) {
        await chunked.write(piece);
        sent += 16 * 1024;
        await new Promise((r) => setImmediate(r));
      }
    })();
    expectOpenAiError(await chunked.response(), 413);
    await chunked.closed;
    await pump;
    expect(sent).toBeLessThan(16 * 1024 * 1024);
    await expectServing();
  });
});

describe('headers', () => {
  it('huge: 431 with the usual body and headers', async () => {
    const res = await rawRequest(gw.url, postHead(PATH, head({ 'x-big': 'b'.repeat(64 * 1024) })));
    expectOpenAiError(res, 431);
    await expectServing();
  });

  it('many of them, or repeated: refused or read as one, never a 5xx', async () => {
    const many = Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`x-h${i}`, '1']));
    const body = JSON.stringify(hi);
    const res = await rawRequest(gw.url, postHead(PATH, head({ ...many, 'content-length': body.length })) + body);
    expect([200, 431]).toContain(res.status);

    const repeated = (name: string, values: string[]) =>
      `POST ${PATH} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n` +
      `authorization: Bearer ${gw.token}\r\n${values.map((v) => `${name}: ${v}`).join('\r\n')}\r\n\r\n${body}`;
    // Joined with ", ": not a valid session key.
    expectOpenAiError(await rawRequest(gw.url, repeated('x-openclaw-session-key', ['a', 'b'])), 400);
    const ids = await rawRequest(gw.url, repeated('x-request-id', ['one', 'two']));
    expect(ids.status).toBe(200);
    expect(ids.headers['x-request-id']).not.toMatch(/,/);
    // Read as one header joined with ", " (fetch semantics), so no longer the token.
    expectOpenAiError(await rawRequest(gw.url, repeated('authorization', ['Bearer wrong'])), 401);
    const twoHosts = await rawRequest(gw.url, `GET /healthz HTTP/1.1\r\nhost: a\r\nhost: b\r\n\r\n`);
    expect(twoHosts.status).toBeLessThan(500);
    const nul = await rawRequest(gw.url, `GET /healthz HTTP/1.1\r\nhost: a\r\nx-nul: a\u0000b\r\n\r\n`);
    expectOpenAiError(nul, 400);
    await expectServing();
  });
});

describe('slow clients', () => {
  it('a head sent byte by byte and never finished: 408 at the header deadline, then closed', async () => {
    const conn = await rawConnect(gw.url);
    const started = Date.now();
    const text = postHead(PATH, head({ 'content-length': 2 }));
    const drip = (async () => {
      for (const ch of text.slice(0, -4)) {
        if (conn.isClosed()) return;
        await conn.write(ch);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    expectOpenAiError(await conn.response(DEADLINES.headersMs + 3000), 408);
    await conn.closed;
    expect(Date.now() - started).toBeLessThan(DEADLINES.headersMs + 3000);
    await drip;
    await expectServing();
  });

  it('a body sent a byte every 100 ms: 408 at the request deadline, then closed', async () => {
    const conn = await rawConnect(gw.url);
    const body = JSON.stringify(hi);
    await conn.write(postHead(PATH, head({ 'content-length': body.length })));
    const drip = (async () => {
      for (const ch of body) {
        if (conn.isClosed()) return;
        await conn.write(ch);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    expectOpenAiError(await conn.response(DEADLINES.requestMs + 3000), 408);
    await conn.closed;
    await drip;
    await expectServing();
  });

  it('many idle half-open connections do not stop the next client', async () => {
    const conns = await Promise.all(Array.from({ length: 50 }, () => rawConnect(gw.url)));
    for (const c of conns) await c.write('POST /v1/chat/comp');
    await expectServing();
    await Promise.all(conns.map((c) => c.closed));
  });
});

describe('/v1/responses', () => {
  const RESPONSES = '/v1/responses';
  const ok = { model: 'openclaw', input: 'hi' };
  const sendTo = (body: string) => {
    const bytes = Buffer.from(body);
    return rawRequest(
      gw.url,
      Buffer.concat([Buffer.from(postHead(RESPONSES, head({ 'content-length': bytes.length }))), bytes]),
    );
  };

  it('not JSON, not an object, invalid UTF-8: 400; a plain request still served', async () => {
    for (const body of ['nope', '[]', '7', 'null', '{"input": ', '{"input":"a\u0000\udc00"}x']) {
      expectOpenAiError(await sendTo(body), 400);
    }
    expect((await sendTo(JSON.stringify(ok))).status).toBe(200);
  });

  it('deep or huge where it is free-form: 400 naming the param', async () => {
    const deepArray = '['.repeat(100_000) + ']'.repeat(100_000);
    let deep: unknown = { type: 'string' };
    for (let i = 0; i < 70; i++) deep = { type: 'object', properties: { a: deep } };
    const cases: Array<[string, string]> = [
      [`{"input":${deepArray}}`, 'input[0]'],
      [`{"input":"hi","extra":${deepArray}}`, 'extra[0][0]'],
      [JSON.stringify({ ...ok, tools: [{ type: 'function', name: 'f', parameters: deep }] }), 'tools[0].parameters'],
      [
        JSON.stringify({ ...ok, text: { format: { type: 'json_schema', name: 'out', schema: deep } } }),
        'text.format.schema',
      ],
      [
        JSON.stringify({
          ...ok,
          input: [{ role: 'user', content: Array.from({ length: 1025 }, () => ({ type: 'input_text', text: 'a' })) }],
        }),
        'input[0].content',
      ],
      [
        JSON.stringify({ ...ok, tools: Array.from({ length: 129 }, (_, i) => ({ type: 'function', name: `f${i}` })) }),
        'tools',
      ],
    ];
    for (const [body, param] of cases) expectOpenAiError(await sendTo(body), 400, param);
    expect((await sendTo(JSON.stringify(ok))).status).toBe(200);
  });

  it('a wrong type in every field: 400 naming that field', async () => {
    const fields: Record<string, unknown[]> = {
      model: [1, [], {}],
      input: [1, true, {}, null, [1], [{ role: 'root', content: 'x' }], [{ role: 'user', content: 5 }]],
      instructions: [1, [], {}],
      tools: [1, 'x', {}, [{ type: 'function', name: 'a b' }], [{ type: 'function', name: 'f', parameters: 'x' }]],
      tool_choice: [1, 'sometimes', []],
      stream: [1, 'yes'],
      store: [1, 'no'],
      max_output_tokens: [0, -1, 1.5, 1e20, '9'],
      temperature: [3, -1, '1'],
      top_p: [2, '1'],
      metadata: ['x', [1], { a: 1 }],
      text: ['x', { format: { type: 'yaml' } }, { format: { type: 'json_schema', name: 'x', schema: 1 } }],
    };
    let count = 0;
    for (const [field, values] of Object.entries(fields)) {
      for (const value of values) {
        const res = await sendTo(JSON.stringify({ ...ok, [field]: value }));
        expectOpenAiError(res, 400);
        expect(JSON.parse(res.body).error.param, `${field}=${JSON.stringify(value)}`).toMatch(
          new RegExp(`^${field}\\b`),
        );
        count++;
      }
    }
    expect(count).toBeGreaterThan(30);
    await expectServing();
  });
});

describe('a tool schema nested thousands of levels deep, with a real provider behind', () => {
  it('is refused up front: 400 naming the param, and the provider is never called', async () => {
    const provider = await startFakeOpenAI();
    const gw2 = await startTestGateway(chatConfig(withFakeProvider(provider.url)));
    try {
      // Built as text: JSON.stringify itself overflows at this depth.
      const deep = `${'{"type":"object","properties":{"a":'.repeat(5000)}{"type":"string"}${'}}'.repeat(5000)}`;
      const body = `{"messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f","parameters":${deep}}}]}`;
      for (const stream of [false, true]) {
        const text = body.replace(/}$/, `,"stream":${stream}}`);
        const bytes = Buffer.from(text);
        const raw = `POST ${PATH} HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer ${gw2.token}\r\ncontent-type: application/json\r\ncontent-length: ${bytes.length}\r\n\r\n`;
        const res = await rawRequest(gw2.url, Buffer.concat([Buffer.from(raw), bytes]));
        expectOpenAiError(res, 400, 'tools[0].function.parameters');
        expect(JSON.parse(res.body).error.message).toMatch(/64 levels/);
      }
      expect(provider.requests).toHaveLength(0);
    } finally {
      await gw2.stop();
      await provider.close();
    }
  });
});
