/**
 * Which kind of address an IP is: public, or one of the classes a node never dials on a
 * stranger's word (loopback, link-local, private, CGNAT, unspecified, multicast, reserved),
 * IPv4 and IPv6, IPv4-mapped IPv6 included (node:net BlockList checks those against the IPv4
 * rules). Pure lookups, no resolution.
 */
import { BlockList, isIP } from 'node:net';

export type AddressClass = 'public' | 'loopback' | 'link-local' | 'private' | 'cgnat' | 'unspecified' | 'multicast' | 'reserved';

const RULES: [Exclude<AddressClass, 'public'>, string, number][] = [
  ['unspecified', '0.0.0.0', 8],
  ['unspecified', '::', 128],
  ['loopback', '127.0.0.0', 8],
  ['loopback', '::1', 128],
  ['link-local', '169.254.0.0', 16],
  ['link-local', 'fe80::', 10],
  ['private', '10.0.0.0', 8],
  ['private', '172.16.0.0', 12],
  ['private', '192.168.0.0', 16],
  ['private', 'fc00::', 7],
  ['private', 'fec0::', 10],
  ['cgnat', '100.64.0.0', 10],
  ['multicast', '224.0.0.0', 4],
  ['multicast', 'ff00::', 8],
  ['reserved', '240.0.0.0', 4],
  ['reserved', '192.0.0.0', 24],
  ['reserved', '192.0.2.0', 24],
  ['reserved', '198.18.0.0', 15],
  ['reserved', '198.51.100.0', 24],
  ['reserved', '203.0.113.0', 24],
  ['reserved', '100::', 64],
  ['reserved', '2001:db8::', 32],
];

const LISTS = new Map<AddressClass, BlockList>();
for (const [cls, net, prefix] of RULES) {
  let list = LISTS.get(cls);
  if (!list) LISTS.set(cls, (list = new BlockList()));
  list.addSubnet(net, prefix, net.includes(':') ? 'ipv6' : 'ipv4');
}

/** The class of an IP literal (without brackets); null when it is not an IP. */
export function classifyIp(ip: string): AddressClass | null {
  const family = isIP(ip);
  if (family === 0) return null;
  const type = family === 4 ? 'ipv4' : 'ipv6';
  for (const [cls, list] of LISTS) if (list.check(ip, type)) return cls;
  return 'public';
}

/** A URL's hostname without the brackets of an IPv6 literal. */
export const bareHost = (hostname: string): string => hostname.replace(/^\[|\]$/g, '');
