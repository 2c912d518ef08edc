import type { MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { GatewayConfig } from '../config/schema.js';

/** Names that only ever reach this machine: a page at one of them is on the user's own host, not a rebound name. */
const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];

export interface HostRules {
  bind: GatewayConfig['gateway']['bind'];
  customBindHost?: string;
  allowedHosts: readonly string[];
  /** The machine's IP addresses (from the runtime); read again when an unknown IP literal shows up. */
  localAddresses?: () => readonly string[];
}

/**
 * Decides whether a `Host` header names this gateway. DNS rebinding points a name the attacker owns at
 * 127.0.0.1: the browser then treats the gateway as that name's origin, and only the `Host` it sends gives it
 * away. Bound to loopback, loopback names and `gateway.allowedHosts` are served; bound to LAN (or a custom
 * address), the machine's IP literals as well. Any port is accepted: port forwards and proxies change it.
 * A request without `Host` is not from a browser (browsers always send one) and is served.
 */
export function createHostCheck(rules: HostRules): (hostHeader: string | undefined) => boolean {
  const exact = new Set<string>(LOOPBACK_NAMES);
  const suffixes: string[] = [];
  for (const entry of rules.allowedHosts) {
    if (entry.startsWith('.')) suffixes.push(entry);
    else exact.add(entry);
  }
  const lanBound = rules.bind === 'lan' || (rules.bind === 'custom' && rules.customBindHost === '0.0.0.0');
  if (rules.bind === 'custom' && rules.customBindHost && !lanBound) exact.add(rules.customBindHost);
  const machine = new Set<string>();
  const readMachine = () => {
    machine.clear();
    for (const address of rules.localAddresses?.() ?? []) machine.add(ipLiteral(address));
  };
  if (lanBound) readMachine();

  // Nearly every request repeats the Host of the one before: remember the last one served.
  let lastServed: string | undefined;
  return (hostHeader) => {
    if (hostHeader === undefined || hostHeader === lastServed) return true;
    if (!allowedName(hostHeader)) return false;
    lastServed = hostHeader;
    return true;
  };

  function allowedName(hostHeader: string): boolean {
    const name = hostnameOf(hostHeader);
    if (name === undefined) return false;
    if (exact.has(name)) return true;
    for (const suffix of suffixes) if (name === suffix.slice(1) || name.endsWith(suffix)) return true;
    if (!lanBound || !isIpLiteral(name)) return false;
    if (machine.has(name)) return true;
    // An address the machine gained after start-up (DHCP, a VPN coming up).
    readMachine();
    return machine.has(name);
  }
}

/** 421 for a request whose `Host` is not this gateway; the WebSocket edge turns it into a refused upgrade. */
export function hostAllowList(isAllowed: (hostHeader: string | undefined) => boolean): MiddlewareHandler {
  return async function hostAllowListMiddleware(c, next) {
    const host = c.req.header('host');
    if (!isAllowed(host)) {
      throw new HTTPException(421, {
        message: `Host "${host}" is not served by this gateway; add it to gateway.allowedHosts to allow it.`,
      });
    }
    await next();
  };
}

/** Lowercased host of a `Host` header without its port (IPv6 kept in brackets), or undefined when malformed. */
export function hostnameOf(hostHeader: string): string | undefined {
  const value = hostHeader.trim().toLowerCase();
  if (value.startsWith('[')) {
    const end = value.indexOf(']');
    if (end < 0) return undefined;
    const rest = value.slice(end + 1);
    return rest === '' || /^:\d*$/.test(rest) ? value.slice(0, end + 1) : undefined;
  }
  const colon = value.indexOf(':');
  const name = colon < 0 ? value : value.slice(0, colon);
  if (colon >= 0 && !/^\d*$/.test(value.slice(colon + 1))) return undefined;
  return name === '' ? undefined : name;
}

function isIpLiteral(name: string): boolean {
  return name.startsWith('[') || /^\d{1,3}(\.\d{1,3}){3}$/.test(name);
}

/** An interface address as it appears in `Host`: IPv6 in brackets, without a zone id. */
function ipLiteral(address: string): string {
  const lower = address.toLowerCase();
  return lower.includes(':') ? `[${lower.split('%')[0]}]` : lower;
}
