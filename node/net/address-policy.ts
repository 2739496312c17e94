/**
 * Whether this node may dial a URL that a stranger's hello named. Every address the host name
 * resolves to (with a timeout) must be public, unless --allow-private-peers is set or the
 * node's own peer listener (or public URL) sits in the same class: tests and LANs run nodes
 * on 127.0.0.1 or 192.168.x and must still peer there. Owner-given URLs never come here.
 */
import { lookup } from 'node:dns/promises';
import type { Clock } from '../clock';
import { bareHost, classifyIp, type AddressClass } from './address-class';

export type Resolver = (host: string) => Promise<string[]>;

export interface AddressPolicyComponents {
  clock: Clock;
  /** Host names to addresses (default: the system resolver, every address). */
  resolve?: Resolver;
}

export interface AddressPolicyInit {
  allowPrivate: boolean;
  /** The hosts this node listens on or is known by (bound address, public URL host). */
  ownHosts: () => string[];
  resolveTimeoutMs: number;
}

const systemResolve: Resolver = async (host) => (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);

/** Classes that a node's own address never opens: they are nobody's real address. */
const NEVER_OWN = new Set<AddressClass>(['public', 'unspecified', 'multicast']);

export class AddressPolicy {
  constructor(
    private readonly c: AddressPolicyComponents,
    private readonly init: AddressPolicyInit,
  ) {}

  /** Null when `url` may be dialled on a stranger's word, else why not (one sentence). */
  async refusal(url: string): Promise<string | null> {
    if (this.init.allowPrivate) return null;
    let host: string;
    try {
      host = bareHost(new URL(url).hostname);
    } catch {
      return `${url} is not a URL`;
    }
    const addresses = classifyIp(host) ? [host] : await this.resolve(host);
    if (typeof addresses === 'string') return addresses;
    const open = this.ownClasses();
    for (const ip of addresses) {
      const cls = classifyIp(ip) ?? 'reserved';
      if (cls !== 'public' && !open.has(cls)) {
        const via = ip === host ? '' : ` (${host} resolves to ${ip})`;
        return `${url} is a ${cls} address${via}; this node does not dial ${cls} addresses named by strangers (the owner may add it, or start with --allow-private-peers)`;
      }
    }
    return null;
  }

  private ownClasses(): Set<AddressClass> {
    const out = new Set<AddressClass>();
    for (const h of this.init.ownHosts()) {
      const host = bareHost(h);
      const cls = host === 'localhost' ? 'loopback' : classifyIp(host);
      if (cls && !NEVER_OWN.has(cls)) out.add(cls);
    }
    return out;
  }

  /** Every address of `host`, or a sentence saying why there are none. */
  private async resolve(host: string): Promise<string[] | string> {
    const stop = new AbortController();
    try {
      const res: string[] | Error | null = await Promise.race([
        (this.c.resolve ?? systemResolve)(host).catch((err: Error) => err),
        this.c.clock.sleep(this.init.resolveTimeoutMs, stop.signal).then(() => null),
      ]);
      if (res === null) return `${host} did not resolve within ${this.init.resolveTimeoutMs} ms`;
      if (res instanceof Error) return `${host} does not resolve (${(res as NodeJS.ErrnoException).code ?? res.message})`;
      if (res.length === 0) return `${host} resolves to no address`;
      return res;
    } finally {
      stop.abort();
    }
  }
}
