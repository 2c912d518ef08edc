import type { GatewayConfig } from '../../config/schema.js';

/** The HTTP base a command on this machine reaches the configured gateway at. */
export function localHttpBase(config: GatewayConfig): string {
  const { gateway } = config;
  const host = gateway.bind === 'custom' && gateway.customBindHost ? gateway.customBindHost : '127.0.0.1';
  return `http://${host}:${gateway.port}`;
}

/** Whether an openclaw gateway answers `/healthz` there (any other answer, or none, is false). */
export async function gatewayAnswers(base: string, timeoutMs = 2000): Promise<boolean> {
  try {
    const res = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(timeoutMs) });
    const body = (await res.json().catch(() => undefined)) as { ok?: unknown } | undefined;
    return res.ok && body?.ok === true;
  } catch {
    return false;
  }
}
