/**
 * Node configuration: the `start` flags of the contract as one zod schema, so flags and
 * environment variables are validated the same way and a bad value names its flag.
 */
import { RetentionRulesSchema } from '../protocol/retention';
import { z } from 'zod';
import { LIMITS } from '../protocol/limits';
import { NodeNameSchema } from '../protocol/node-name';
import { PeerUrlSchema } from '../protocol/peer-messages';
import { WILDMAT_MAX_CHARS, wildmatProblem } from '../protocol/wildmat';
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
  /** New groups (from peers, mirrors, imports and local posts) must match this wildmat (INN's active file). */
  acceptGroups: z
    .string()
    .max(WILDMAT_MAX_CHARS)
    .superRefine((v, ctx) => {
      const problem = wildmatProblem(v);
      if (problem) ctx.addIssue({ code: 'custom', message: `--accept-groups must be a wildmat such as "comp.*,!comp.test.*": ${problem}` });
    })
    .default('*'),
  /** Most groups the node carries; an article that would create one more is refused. */
  maxGroups: z.coerce.number().int().min(1, '--max-groups must be at least 1').max(1_000_000).default(10_000),
  /** Most entries in one peer's outbound queue; past it the oldest are dropped (and counted). */
  maxQueue: z.coerce.number().int().min(10, '--max-queue must be at least 10').max(100_000_000).default(1_000_000),
  /** Days a history record whose article is gone (a rejection, a tombstone) is kept. */
  historyDays: z.coerce.number().int().min(1, '--history-days must be at least 1').max(36_500).default(30),
  /** Retention rules (`--retain 'comp.*=90d,*=365d'`, protocol/retention.ts); '' keeps everything. */
  retain: z
    .string()
    .superRefine((v, ctx) => {
      const r = RetentionRulesSchema.safeParse(v);
      if (!r.success) ctx.addIssue({ code: 'custom', message: r.error.issues[0]?.message ?? '--retain is not valid' });
    })
    .default(''),
  /** Most archive bodies served per second over all SENDMEs (`--serve-rate`); 0: unlimited. */
  serveRate: z.coerce.number().int('--serve-rate must be a whole number of articles per second').min(0, '--serve-rate must be 0 (unlimited) or more').max(10_000_000).default(0),
  /** pino level of the node's log (NEWSMESH_LOG_LEVEL). */
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Knobs for benchmarks and tests, not flags: the CLI reads them from the environment (tuningFromEnv). */
  tuning: z
    .object({
      /** Rendered group pages kept (0: none, to measure the uncached path). NEWSMESH_WEB_PAGE_CACHE. */
      webPageCache: z.number().int().min(0).max(10_000).default(256),
      /** Index entries per page a mirror job reads. NEWSMESH_MIRROR_PAGE. */
      mirrorPageSize: z.number().int().min(1).max(LIMITS.indexPageMax).default(LIMITS.indexPageMax),
      /** Ids per SENDME of a mirror job. NEWSMESH_MIRROR_BATCH. */
      mirrorBatchIds: z.number().int().min(1).max(LIMITS.idsPerBatchMax).default(200),
      /** SENDMEs a mirror job keeps in flight. NEWSMESH_MIRROR_AHEAD. */
      mirrorFetchAhead: z.number().int().min(1).max(8).default(2),
      /** A mirror job without progress for this long fails. NEWSMESH_MIRROR_GIVE_UP_MS. */
      mirrorGiveUpMs: z.number().int().min(1).max(24 * 3600_000).default(15 * 60_000),
      /** Signature verification threads (0: on the main thread; default one per spare core, 1-4). NEWSMESH_VERIFY_WORKERS. */
      verifyWorkers: z.number().int().min(0).max(16).optional(),
      /** Pause between retention sweeps (node/takedown/retention-job.ts). NEWSMESH_RETAIN_SWEEP_MS. */
      retainSweepMs: z.number().int().min(10).max(24 * 3600_000).default(60_000),
      /** Articles per expiry commit. NEWSMESH_RETAIN_SLICE. */
      retainSlice: z.number().int().min(1).max(5_000).default(200),
      /** Pause between expiry commits (ms). NEWSMESH_RETAIN_PAUSE_MS. */
      retainPauseMs: z.number().int().min(0).max(60_000).default(10),
      /** 1: flood fill on one WebSocket per link (/v1/stream); 0: HTTP only, the upgrade refused (an older node). NEWSMESH_PEER_STREAM. */
      peerStream: z.number().int().min(0).max(1).default(1),
    })
    .prefault({}),
});

export type NodeConfigInput = z.input<typeof NodeConfigSchema>;
export type NodeConfig = z.infer<typeof NodeConfigSchema>;
export type Tuning = NodeConfig['tuning'];

/** Environment variables of the tuning knobs, each with the most it may be (larger values are capped). */
const TUNING_ENV: [keyof Tuning, string, number][] = [
  ['webPageCache', 'NEWSMESH_WEB_PAGE_CACHE', 10_000],
  ['mirrorPageSize', 'NEWSMESH_MIRROR_PAGE', LIMITS.indexPageMax],
  ['mirrorBatchIds', 'NEWSMESH_MIRROR_BATCH', LIMITS.idsPerBatchMax],
  ['mirrorFetchAhead', 'NEWSMESH_MIRROR_AHEAD', 8],
  ['mirrorGiveUpMs', 'NEWSMESH_MIRROR_GIVE_UP_MS', 24 * 3600_000],
  ['verifyWorkers', 'NEWSMESH_VERIFY_WORKERS', 16],
  ['retainSweepMs', 'NEWSMESH_RETAIN_SWEEP_MS', 24 * 3600_000],
  ['retainSlice', 'NEWSMESH_RETAIN_SLICE', 5_000],
  ['retainPauseMs', 'NEWSMESH_RETAIN_PAUSE_MS', 60_000],
  ['peerStream', 'NEWSMESH_PEER_STREAM', 1],
];

/**
 * The tuning knobs and log level set in the environment (read by the CLI only). As before
 * they became config, a value that is not a whole number in range is ignored and a larger
 * one is capped: they are for benchmarks and tests, and never stop a node from starting.
 */
export function configFromEnv(env: NodeJS.ProcessEnv): Pick<NodeConfigInput, 'tuning' | 'logLevel'> {
  const tuning: Partial<Tuning> = {};
  for (const [field, name, max] of TUNING_ENV) {
    const raw = env[name];
    const v = raw === undefined || raw.trim() === '' ? NaN : Number(raw);
    if (Number.isInteger(v) && v >= (field === 'webPageCache' || field === 'verifyWorkers' || field === 'peerStream' ? 0 : 1)) tuning[field] = Math.min(v, max);
  }
  const level = NodeConfigSchema.shape.logLevel.safeParse(env.NEWSMESH_LOG_LEVEL);
  return { tuning, ...(env.NEWSMESH_LOG_LEVEL !== undefined && level.success ? { logLevel: level.data } : {}) };
}

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

