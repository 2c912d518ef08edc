/**
 * 200 streaming clients hanging up at random moments, some before their run has started, most
 * mid-stream: within a second of the last hang-up no run is active and no provider request open.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startFakeOpenAI } from '../fixtures/fakeOpenAI.js';
import type { FakeProvider } from '../fixtures/fakeProviderServer.js';
import { chatConfig, startTestGateway, withFakeProvider, type TestGateway } from '../helpers/gateway.js';

const CLIENTS = 200;
let provider: FakeProvider;
let gw: TestGateway;

beforeAll(async () => {
  // Long, slow replies: nothing ends by itself during the test.
  provider = await startFakeOpenAI({ delayMs: 20, default: { text: 'word '.repeat(500) } });
  gw = await startTestGateway(chatConfig(withFakeProvider(provider.url)));
});
afterAll(async () => {
  await gw.stop();
  await provider.close();
});

/** A deterministic stream of numbers in [0, 1), so a failure can be replayed. */
function seeded(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return x / 2 ** 31;
  };
}

it(`${CLIENTS} streaming clients hanging up at random leave no run and no provider request within 1 s`, async () => {
  const random = seeded(12);
  const { hostname, port } = new URL(gw.url);
  const body = JSON.stringify({ model: 'openclaw', stream: true, messages: [{ role: 'user', content: 'go' }] });
  const request =
    `POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer ${gw.token}\r\n` +
    `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  // Warm: the provider SDK and the stream path load with the first request.
  await (
    await gw.request('/v1/chat/completions', {
      method: 'POST',
      body: '{"messages":[{"role":"user","content":"w"}]}',
      headers: { 'content-type': 'application/json' },
    })
  ).text();
  const before = provider.requests.length;
  let sawStream = 0;
  const clients = Array.from({ length: CLIENTS }, (_, i) => {
    // A tenth hang up before their run can start; the rest at a random moment of their stream.
    const early = i % 10 === 0;
    const after = early ? random() * 5 : random() * 400;
    return new Promise<void>((resolve) => {
      const socket = connect(Number(port), hostname, () => socket.write(request));
      const hangUp = () => (random() < 0.5 ? socket.destroy() : socket.resetAndDestroy());
      let streaming = false;
      socket.on('data', (d: Buffer) => {
        if (streaming || !d.includes('data: ')) return;
        streaming = true;
        sawStream++;
        if (!early) setTimeout(hangUp, after);
      });
      socket.on('error', () => undefined);
      socket.on('close', () => resolve());
      if (early) setTimeout(hangUp, after);
      // However loaded the machine, nobody waits for ever for a first byte.
      else setTimeout(hangUp, 15_000);
    });
  });
  await Promise.all(clients);
  const lastHangUp = Date.now();
  // Most hung up mid-stream, their provider request under way.
  expect(sawStream).toBeGreaterThan(CLIENTS * 0.8);
  expect(provider.requests.length - before).toBeGreaterThan(CLIENTS / 2);

  let runs = -1;
  let open = -1;
  while (Date.now() - lastHangUp < 3000) {
    runs = [...gw.ctx.runtime.activeRuns()].length;
    open = provider.openResponses;
    if (runs === 0 && open === 0) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  const settledMs = Date.now() - lastHangUp;
  expect({ runs, open }).toEqual({ runs: 0, open: 0 });
  expect(settledMs).toBeLessThanOrEqual(1000);

  // And the gateway serves the next client in full.
  provider.setDefault({ text: 'after the storm' });
  const res = await gw.request('/v1/chat/completions', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] }),
  });
  expect(res.status).toBe(200);
  expect(((await res.json()) as any).choices[0].message.content).toBe('after the storm');
});
