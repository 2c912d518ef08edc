/**
 * `ws` checks each frame's declared length against its receiver's cap as soon as the frame
 * header is read, before buffering any payload, and closes with 1009 when it is over. The
 * server option sets that cap for every new socket; this moves it on one live socket, which
 * `ws` has no public call for. Returns false when the socket is not shaped as `ws` 8 builds it
 * (the protocol's own size check then still applies, after buffering).
 */
export function setFrameCap(raw: unknown, bytes: number): boolean {
  const receiver = (raw as { _receiver?: { _maxPayload?: unknown } } | undefined)?._receiver;
  if (!receiver || typeof receiver._maxPayload !== 'number') return false;
  receiver._maxPayload = bytes;
  return true;
}
