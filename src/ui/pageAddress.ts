import type { View } from './controlModel.js';

/** The view named by the address's hash (`#/sessions`, `#/status`, else the chat). */
export function viewFromHash(hash: string): View {
  if (hash === '#/sessions') return 'sessions';
  if (hash === '#/status') return 'status';
  return 'chat';
}

/** The gateway this page came from: its WebSocket is on `/` of the same origin. */
export function gatewaySocketUrl(): string {
  const url = new URL('/', location.href);
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.toString();
}
