import type { WSContext, WSMessageReceive } from 'hono/ws';
import type { GatewayContext } from '../context.js';
import { CloseCode, closeReason } from './errorCodes.js';
import {
  GATEWAY_EVENTS,
  requestFrameSchema,
  type GatewayEventName,
  type HelloOk,
  type OperatorScope,
  type ServerFrame,
} from './frames.js';
import type { BroadcastTarget, GatewayHub } from './gatewayHub.js';
import { invalidFrame, parseJson, utf8Length } from './inboundFrame.js';
import { evaluateConnect } from './handshake.js';
import { healthSnapshot } from './methods/health.js';
import { METHOD_NAMES } from './methods/table.js';
import { allows, dispatchRequest } from './requestDispatch.js';

/**
 * awaiting-connect: challenge sent, the first frame must be `connect` (64 KiB cap, deadline running).
 * connecting: `connect` is being judged; frames that arrive meanwhile wait their turn.
 * connected: requests served, events flow. closed: nothing is sent or read.
 */
type State = 'awaiting-connect' | 'connecting' | 'connected' | 'closed';

/** `WebSocket.OPEN`: the only ready state in which a frame may be sent. */
const OPEN = 1;

/** The parts of the `ws` socket we read, without importing it (the core stays runtime-neutral). */
interface RawSocket {
  bufferedAmount?: number;
  terminate?: () => void;
}

/** One WebSocket client of the gateway, from challenge to close. */
export class GatewayConnection implements BroadcastTarget {
  readonly connId = globalThis.crypto.randomUUID();
  private state: State = 'awaiting-connect';
  private seq = 0;
  private scopes: ReadonlySet<OperatorScope> = new Set();
  private readonly queued: string[] = [];
  private queuedBytes = 0;
  private connectTimer: ReturnType<typeof setTimeout> | undefined;
  private tickTimer: ReturnType<typeof setInterval> | undefined;
  private clientLabel = '';

  constructor(
    private readonly ws: WSContext,
    private readonly ctx: GatewayContext,
    private readonly hub: GatewayHub,
    private readonly ip: string,
    /** The upgrade's `Origin`: set when a web page opened the socket. */
    private readonly origin?: string,
    /** Told once the client has connected (the edge lifts its pre-connect frame cap). */
    private readonly onConnected: () => void = () => {},
  ) {}

  get connected(): boolean {
    return this.state === 'connected';
  }

  get receivesRunEvents(): boolean {
    return this.state === 'connected' && allows(this.scopes, 'read');
  }

  open(): void {
    const { connectTimeoutMs } = this.ctx.config.gateway.ws;
    this.connectTimer = setTimeout(() => this.close(CloseCode.policyViolation, 'connect timeout'), connectTimeoutMs);
    this.send({
      type: 'event',
      event: 'connect.challenge',
      payload: { nonce: globalThis.crypto.randomUUID(), ts: Date.now() },
    });
  }

  receive(data: WSMessageReceive): void {
    if (this.state === 'closed') return;
    const limits = this.ctx.config.gateway.ws;
    const preConnect = this.state !== 'connected';
    if (typeof data !== 'string') {
      if (preConnect) this.close(CloseCode.policyViolation, 'binary frames are not supported');
      else
        this.send({
          type: 'res',
          id: 'invalid',
          ok: false,
          error: invalidFrame('binary frames are not supported; send JSON text'),
        });
      return;
    }
    const size = utf8Length(data, preConnect ? limits.preAuthMaxBytes : limits.maxPayload);
    if (preConnect && size > limits.preAuthMaxBytes) {
      this.close(CloseCode.messageTooBig, 'pre-connect frame too large');
      return;
    }
    if (size > limits.maxPayload) {
      this.close(CloseCode.messageTooBig, 'frame too large');
      return;
    }

    switch (this.state) {
      case 'awaiting-connect':
        this.receiveConnect(data);
        return;
      case 'connecting':
        this.queuedBytes += size;
        if (this.queuedBytes > limits.preAuthMaxBytes)
          this.close(CloseCode.messageTooBig, 'pre-connect frames too large');
        else this.queued.push(data);
        return;
      case 'connected':
        this.receiveRequest(data);
        return;
    }
  }

  /** The socket closed (by either side); forget it. */
  closed(): void {
    if (this.state === 'connected') this.ctx.log.log('debug', 'ws: client disconnected', { connId: this.connId });
    this.state = 'closed';
    this.cleanup();
  }

  sendEvent(event: GatewayEventName, payload: unknown): void {
    if (this.state !== 'connected') return;
    this.send({ type: 'event', event, payload, seq: ++this.seq });
  }

  private receiveConnect(data: string): void {
    const frame = requestFrameSchema.safeParse(parseJson(data));
    if (!frame.success || frame.data.method !== 'connect') {
      if (frame.success) {
        this.send({
          type: 'res',
          id: frame.data.id,
          ok: false,
          error: invalidFrame('the first request must be connect'),
        });
      }
      this.close(CloseCode.policyViolation, 'first frame must be a connect request');
      return;
    }
    this.state = 'connecting';
    const { id, params } = frame.data;
    void this.completeConnect(id, params).catch((err) => {
      this.ctx.log.log('error', 'ws: connect failed', { connId: this.connId, error: String(err) });
      this.close(CloseCode.internalError, 'connect failed');
    });
  }

  private async completeConnect(id: string, params: unknown): Promise<void> {
    const verdict = await evaluateConnect(params, this.ctx, this.hub, this.ip, this.origin);
    if (this.state === 'closed') return;
    if (verdict.kind === 'refused') {
      this.ctx.log.log('info', 'ws: connect refused', {
        connId: this.connId,
        ip: this.ip,
        reason: verdict.error.details?.code ?? verdict.error.code,
      });
      this.send({ type: 'res', id, ok: false, error: verdict.error });
      return this.close(verdict.close.code, verdict.close.reason);
    }
    const health = await healthSnapshot(this.ctx);
    if (this.isClosed()) return;
    clearTimeout(this.connectTimer);
    this.scopes = new Set(verdict.scopes);
    this.clientLabel = `${verdict.client.id}/${verdict.client.mode}`;
    const { ws: limits } = this.ctx.config.gateway;
    const defaultAgentId = this.ctx.agents.defaultId;
    const hello: HelloOk = {
      type: 'hello-ok',
      protocol: verdict.protocol,
      server: { version: this.ctx.version, connId: this.connId },
      features: { methods: METHOD_NAMES, events: [...GATEWAY_EVENTS] },
      snapshot: {
        presence: [],
        health,
        stateVersion: { presence: 0, health: 0 },
        uptimeMs: Date.now() - this.ctx.startedAt,
        sessionDefaults: {
          defaultAgentId,
          mainKey: 'main',
          mainSessionKey: `agent:${defaultAgentId}:main`,
          scope: 'per-sender',
        },
      },
      auth: { method: this.ctx.auth.mode, role: 'operator', scopes: verdict.scopes },
      policy: {
        maxPayload: limits.maxPayload,
        maxBufferedBytes: limits.maxBufferedBytes,
        tickIntervalMs: limits.tickIntervalMs,
      },
    };
    this.state = 'connected';
    this.onConnected();
    this.hub.connections.add(this);
    this.ctx.log.log('info', 'ws: client connected', {
      connId: this.connId,
      ip: this.ip,
      client: this.clientLabel,
      protocol: verdict.protocol,
    });
    this.send({ type: 'res', id, ok: true, payload: hello });
    this.tickTimer = setInterval(() => this.sendEvent('tick', { ts: Date.now() }), limits.tickIntervalMs);
    const pending = this.queued.splice(0);
    this.queuedBytes = 0;
    for (const data of pending) this.receiveRequest(data);
  }

  private receiveRequest(data: string): void {
    const json = parseJson(data);
    const frame = requestFrameSchema.safeParse(json);
    if (!frame.success) {
      const id =
        typeof (json as { id?: unknown } | undefined)?.id === 'string' ? (json as { id: string }).id : 'invalid';
      this.send({
        type: 'res',
        id,
        ok: false,
        error: invalidFrame(json === undefined ? 'frame is not valid JSON' : 'invalid request frame'),
      });
      return;
    }
    void dispatchRequest(frame.data, {
      ctx: this.ctx,
      hub: this.hub,
      connId: this.connId,
      scopes: this.scopes,
      respond: (res) => this.send(res),
    });
  }

  private send(frame: ServerFrame): void {
    if (this.state === 'closed' || this.ws.readyState !== OPEN) return;
    const limit = this.ctx.config.gateway.ws.maxBufferedBytes;
    if (this.bufferedAmount() > limit) {
      this.dropSlowConsumer();
      return;
    }
    this.ws.send(JSON.stringify(frame));
    if (this.bufferedAmount() > limit) this.dropSlowConsumer();
  }

  private bufferedAmount(): number {
    return (this.ws.raw as RawSocket | undefined)?.bufferedAmount ?? 0;
  }

  /**
   * A client that does not read would make the server queue without bound. A close frame would
   * only queue behind the backlog, so the socket is cut at once where the runtime allows it.
   */
  private dropSlowConsumer(): void {
    this.ctx.log.log('warn', 'ws: dropping slow consumer', {
      connId: this.connId,
      ip: this.ip,
      bufferedBytes: this.bufferedAmount(),
    });
    const raw = this.ws.raw as RawSocket | undefined;
    this.state = 'closed';
    this.cleanup();
    if (typeof raw?.terminate === 'function') raw.terminate();
    else this.ws.close(CloseCode.policyViolation, 'slow consumer');
  }

  /** Read through a call so the compiler does not keep a narrowing across awaits. */
  private isClosed(): boolean {
    return this.state === 'closed';
  }

  private close(code: number, reason: string): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.cleanup();
    this.ws.close(code, closeReason(reason));
  }

  private cleanup(): void {
    clearTimeout(this.connectTimer);
    clearInterval(this.tickTimer);
    this.hub.connections.delete(this);
    this.queued.length = 0;
  }
}
