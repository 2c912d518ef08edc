import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Socket } from 'node:net';
import { startFakeOpenAI, type FakeProvider } from '../fixtures/fakeOpenAI.js';
import { startTestGateway, withFakeProvider, type TestGateway } from '../helpers/gateway.js';
import { connectClient, wsUrl } from './wsTestClient.js';

let provider: FakeProvider;
let gw: TestGateway;

beforeAll(async () => {
  provider = await startFakeOpenAI();
  gw = await startTestGateway(withFakeProvider(provider.url, { gateway: { ws: { maxBufferedBytes: 256 * 1024 } } }));
});

afterAll(async () => {
  await gw.stop();
  await provider.close();
});

it('drops a client that stops reading while another is served in full', async () => {
  const url = wsUrl(gw.url);
  const slow = await connectClient(url, gw.token);
  const fast = await connectClient(url, gw.token);
  const raw = (slow.ws as unknown as { _socket: Socket })._socket;
  raw.pause();

  // Each assistant event repeats the text so far: 120 tokens of 4 KiB make several MB of events.
  const tokens = Array.from({ length: 120 }, (_, i) => ` t${i}-${'x'.repeat(4096)}`);
  provider.script({ tokens, delayMs: 15 });
  fast.send({ type: 'req', id: 'a1', method: 'agent', params: { message: 'flood', idempotencyKey: 'flood-1' } });

  const dropped = (): boolean => gw.logs.some((l) => l.msg === 'ws: dropping slow consumer');
  const final = await fast.next((f) => f.id === 'a1' && f.payload?.status === 'ok', 15_000);
  expect(final.payload.result.payloads[0].text).toBe(tokens.join(''));
  expect(dropped()).toBe(true);
  const drop = gw.logs.find((l) => l.msg === 'ws: dropping slow consumer')!;
  expect(drop.fields!.bufferedBytes as number).toBeGreaterThan(256 * 1024);
  // Bounded: the server stopped queueing at the limit plus one frame, not at the whole stream.
  expect(drop.fields!.bufferedBytes as number).toBeLessThan(256 * 1024 + 2 * 1024 * 1024);

  const status = await fast.request('status');
  expect(status.payload.connections).toBe(1);

  raw.resume();
  const closed = await slow.closed;
  expect(closed.code).toBe(1006);
  // The slow client saw only part of the run; the fast one all of it.
  const ended = (frames: typeof slow.frames) =>
    frames.some((f) => f.event === 'agent' && f.payload.runId === 'flood-1' && f.payload.data.phase === 'end');
  expect(ended(slow.frames)).toBe(false);
  expect(ended(fast.frames)).toBe(true);
}, 20_000);
