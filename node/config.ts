/**
 * Node configuration: the `start` flags of the contract as one zod schema, so flags and
 * environment variables are validated the same way and a bad value names its flag.
 */
import { z } from 'zod';
import { LIMITS } from '../protocol/limits';
import { NodeNameSchema } from '../protocol/node-name';
import { PeerUrlSchema } from '../protocol/peer-messages';
import { NmError } from './errors';

export interface HostPort {
  host: string;
  port: number;
}

export function parseHostPort(value: string): HostPort | null {
  const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(value.trim());
  if (!m) return null;
  const port = Number(m[2]);
  if (port > 65535) return null;
  return { host: m[1].replace(/^\[|\]$/g, ''), port };
}

const HostPortSchema = (flag: string) =>
  z.string().transform((v, ctx) => {
    const hp = parseHostPort(v);
    if (!hp) {
      ctx.addIssue({ code: 'custom', message: `${flag} must be HOST:PORT (port 0 picks a free one), got "${v}"` });
      return z.NEVER;
    }
    return hp;
  });

/** `--nntp HOST:PORT|off`. */
const NntpListenSchema = z.string().transform((v, ctx): HostPort | 'off' => {
  if (v.trim() === 'off') return 'off';
  const hp = parseHostPort(v);
  if (!hp) {
    ctx.addIssue({ code: 'custom', message: `--nntp must be HOST:PORT or off (port 0 picks a free one), got "${v}"` });
    return z.NEVER;
  }
  return hp;
});

export const AcceptPeersSchema = z.enum(['open', 'approve', 'closed']);
export type AcceptPeers = z.infer<typeof AcceptPeersSchema>;

export const PublicReadSchema = z.enum(['on', 'peers', 'off']);
export type PublicRead = z.infer<typeof PublicReadSchema>;

export const NodeConfigSchema = z.object({
  data: z.string().min(1).default('./data'),
  name: NodeNameSchema.optional(),
  web: HostPortSchema('--web').prefault('127.0.0.1:8080'),
  listen: HostPortSchema('--listen').prefault('0.0.0.0:9119'),
  /** The NNTP listener (readers, and transit from NNTP peers); `off` runs none. */
  nntp: NntpListenSchema.prefault('127.0.0.1:1119'),
  publicUrl: PeerUrlSchema.optional(),
  peer: z.array(PeerUrlSchema).default([]),
  acceptPeers: AcceptPeersSchema.default('open'),
  publicRead: PublicReadSchema.default('on'),
  maxArticleBytes: z.coerce.number().int().min(1024).max(16 * 1024 * 1024).default(LIMITS.bodyMaxBytesDefault),
  webPassword: z.string().min(8, '--web-password must be at least 8 characters').optional(),
  /** Extra names the web listener answers to (Host allow-list), beyond loopback and --web. */
  webHost: z.array(z.string().regex(/^[A-Za-z0-9.-]{1,253}(:\d{1,5})?$/, '--web-host must be a host name (optionally :port)')).default([]),
  /** Most peers this node keeps (active and pending together). */
  maxPeers: z.coerce.number().int().min(1, '--max-peers must be at least 1').max(10_000).default(64),
  /** Most peering requests waiting for the owner's approval (or from strangers not yet active). */
  maxPendingPeers: z.coerce.number().int().min(0).max(10_000).default(16),
  /** Lets strangers' hellos name loopback, link-local or private addresses. */
  allowPrivatePeers: z.boolean().default(false),
});

export type NodeConfigInput = z.input<typeof NodeConfigSchema>;
export type NodeConfig = z.infer<typeof NodeConfigSchema>;

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|::1)$/;
export const isLoopback = (host: string) => LOOPBACK.test(host);

/** Throws when the web listener would be reachable from elsewhere without a password. */
export function checkWebAccess(config: Pick<NodeConfig, 'web' | 'webPassword'>): void {
  if (!isLoopback(config.web.host) && !config.webPassword) {
    throw new NmError(
      'NM_ERR_VALIDATION',
      `--web ${config.web.host}:${config.web.port} is not a loopback address, so anyone who reaches it could post, peer and mirror: ` +
        'set --web-password (or NEWSMESH_WEB_PASSWORD), or bind --web to 127.0.0.1',
      'web-password',
    );
  }
}

