/**
 * Who a client is, for per-address limits (connections, password tries): the socket's
 * address, with IPv4-mapped IPv6 unwrapped and IPv6 cut to its /64, since one host or
 * subscriber usually holds a whole /64 and could otherwise use a fresh address per try.
 */
import { isIPv6 } from 'node:net';

/** The eight groups of an IPv6 address, "::" expanded (a trailing dotted quad stays one). */
function groups6(address: string): string[] {
  const [h, t] = address.split('::');
  const head = h ? h.split(':') : [];
  if (t === undefined) return head;
  const tail = t ? t.split(':') : [];
  return [...head, ...Array<string>(Math.max(0, 8 - head.length - tail.length)).fill('0'), ...tail];
}

export function clientKey(address: string | undefined): string {
  if (!address) return 'unknown';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1];
  if (!isIPv6(address) || address === '::1') return address;
  const prefix = groups6(address.toLowerCase().split('%')[0]).slice(0, 4);
  return `${prefix.map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

/** 127.0.0.0/8 or ::1, as returned by clientKey. */
export const isLoopbackAddress = (key: string): boolean => key.startsWith('127.') || key === '::1';
