import { connect as netConnect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { connectClient, openSocket, wsUrl } from './wsTestClient.js';

let gateway: TestGateway | undefined;
const cleanups: Array<() => void> = [];

afterEach(async () => {
  for (const c of cleanups.splice(0)) c();
  await gateway?.stop();
  gateway = undefined;
});

/** Upgrades a raw TCP socket by hand, so the test controls every byte of the frames it sends. */
async function rawUpgrade(url: string): Promise<{ socket: Socket; received: () => Buffer; ended: Promise<void> }> {
  const { hostname, port } = new URL(url);
  const socket = netConnect(Number(port), hostname);
  cleanups.push(() => socket.destroy());
  let data = Buffer.alloc(0);
  const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('data', (d: Buffer) => (data = Buffer.concat([data, d])));
  socket.on('error', () => undefined);
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.write(
    'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
  );
  const deadline = Date.now() + 5000;
  while (!data.includes('\r\n\r\n') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  expect(data.toString('latin1')).toMatch(/^HTTP\/1\.1 101/);
  return { socket, received: () => data, ended };
}

/** A masked client text frame header announcing `length` bytes (64-bit length form). */
function frameHeader(length: number): Buffer {
  const head = Buffer.alloc(14);
  head[0] = 0x81;
  head[1] = 0x80 | 127;
  head.writeBigUInt64BE(BigInt(length), 2);
  head.writeUInt32BE(0x01020304, 10);
  return head;
}

/** The close code of the server's close frame, if one was received after the handshake. */
function closeCode(bytes: Buffer): number | undefined {
  let at = bytes.indexOf('\r\n\r\n') + 4;
  while (at + 2 <= bytes.length) {
    const opcode = bytes[at]! & 0x0f;
    let len = bytes[at + 1]! & 0x7f;
    let off = at + 2;
    if (len === 126) {
      len = bytes.readUInt16BE(off);
      off += 2;
    }
    if (opcode === 0x8) return bytes.readUInt16BE(off);
    at = off + len;
  }
  return undefined;
}

describe('WS frames before connect', () => {
  it('are refused at the frame header: a 20 MiB announcement closes 1009 after 64 KiB + 1 sent, nothing buffered', async () => {
    gateway = await startTestGateway();
    const { socket, received, ended } = await rawUpgrade(wsUrl(gateway.url));
    const rssBefore = process.memoryUsage().rss;
    socket.write(frameHeader(20 * 1024 * 1024));
    // Only the header and a few bytes are ever sent: the server cannot be waiting for the payload.
    socket.write(Buffer.alloc(64 * 1024 + 1, 0x61));
    await ended;
    expect(closeCode(received())).toBe(1009);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(16 * 1024 * 1024);
  });

  it('of exactly the cap are read; one byte over closes 1009, with the ws client too', async () => {
    gateway = await startTestGateway();
    const url = wsUrl(gateway.url);
    const over = await openSocket(url);
    cleanups.push(() => over.ws.terminate());
    await over.next((f) => f.event === 'connect.challenge');
    over.send('x'.repeat(64 * 1024 + 1));
    expect((await over.closed).code).toBe(1009);

    const at = await openSocket(url);
    cleanups.push(() => at.ws.terminate());
    await at.next((f) => f.event === 'connect.challenge');
    at.send('x'.repeat(64 * 1024));
    // Read and judged by the protocol: not JSON, so a policy close, not a size close.
    expect((await at.closed).code).toBe(1008);
  });

  it('are capped only until connect: a connected client may send frames up to maxPayload', async () => {
    gateway = await startTestGateway({ gateway: { ws: { maxPayload: 2 * 1024 * 1024 } } });
    const s = await connectClient(wsUrl(gateway.url), gateway.token);
    cleanups.push(() => s.ws.terminate());
    const res = await s.request('health', { pad: 'p'.repeat(1024 * 1024) });
    expect(res.type).toBe('res');
    s.send('y'.repeat(2 * 1024 * 1024 + 1));
    expect((await s.closed).code).toBe(1009);
  });
});
