import type { WSContext, WSEvents } from 'hono/ws';
import type { GatewayContext } from '../context.js';
import { GatewayConnection } from './connection.js';
import { gatewayHub } from './gatewayHub.js';

/**
 * The OpenClaw gateway protocol for one upgraded socket, as Hono WebSocket handlers.
 * The Node edge mounts it with `upgradeWebSocket(c => createGatewaySocket(ctx, { remoteAddress, origin }))`.
 */
export interface SocketPeer {
  remoteAddress: string;
  /** The upgrade's `Origin`, when a web page opened the socket. */
  origin?: string;
  /**
   * Lifts the runtime's per-frame cap from the pre-connect size to `maxPayload` once the client
   * has connected, where the runtime enforces one before buffering a frame.
   */
  liftFrameCap?: (ws: WSContext) => void;
}

export function createGatewaySocket(ctx: GatewayContext, peer: SocketPeer): WSEvents {
  const hub = gatewayHub(ctx);
  let connection: GatewayConnection | undefined;
  let counted = false;
  const closed = (): void => {
    if (counted) ctx.metrics.wsConnections--;
    counted = false;
    connection?.closed();
  };
  return {
    onOpen(_evt, ws) {
      ctx.metrics.wsConnections++;
      counted = true;
      connection = new GatewayConnection(ws, ctx, hub, peer.remoteAddress, peer.origin, () => peer.liftFrameCap?.(ws));
      connection.open();
    },
    onMessage(evt, _ws) {
      connection?.receive(evt.data);
    },
    onClose: closed,
    onError(evt) {
      ctx.log.log('debug', 'ws: socket error', {
        connId: connection?.connId,
        error: String((evt as { error?: unknown }).error ?? evt.type),
      });
      closed();
    },
  };
}
