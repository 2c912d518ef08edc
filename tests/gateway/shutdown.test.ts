import { afterEach, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeProvider } from '../fixtures/fakeOpenAI.js';
import { chatConfig, startTestGateway, withFakeProvider, type TestGateway } from '../helpers/gateway.js';

let fake: FakeProvider | undefined;
let gw: TestGateway | undefined;
afterEach(async () => {
  await gw?.stop();
  await fake?.close();
  gw = undefined;
  fake = undefined;
});

const ask = (g: TestGateway) =>
  g.request('/v1/chat/completions', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'openclaw', messages: [{ role: 'user', content: 'slow please' }] }),
  });

describe('graceful stop', () => {
  it('lets a request in flight finish, refuses new connections, then closes', async () => {
    fake = await startFakeOpenAI({ delayMs: 40 });
    fake.setDefault({ text: 'one two three four five six seven eight' });
    gw = await startTestGateway(chatConfig(withFakeProvider(fake.url)));
    const inFlight = ask(gw);
    await new Promise((r) => setTimeout(r, 100));
    const stopping = gw.close('test');
    expect(gw.ctx.shuttingDown()).toBe(true);
    const res = await inFlight;
    expect(res.status).toBe(200);
    const body = (await res.json()) as { choices: Array<{ message: { content: string } }> };
    expect(body.choices[0]!.message.content).toBe('one two three four five six seven eight');
    await stopping;
    await expect(fetch(`${gw.url}/healthz`)).rejects.toThrow();
  });

  it('aborts work still running when the grace period ends', async () => {
    fake = await startFakeOpenAI({ delayMs: 1000 });
    fake.setDefault({ text: 'a b c d e f g h i j' });
    gw = await startTestGateway(chatConfig(withFakeProvider(fake.url, { gateway: { shutdownGraceMs: 200 } })));
    const inFlight = ask(gw).catch((err: unknown) => err);
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    await gw.close('test');
    expect(Date.now() - started).toBeLessThan(3000);
    await fake.waitForClose(1, 3000);
    await inFlight;
  });
});
