/**
 * The flood-fill calls as data: per path, the zod schema of the body, its size limit, what it
 * costs in the peer's rate limit, and the receiver method that answers it. The peer stream
 * (stream-routes.ts) dispatches frames through this table, so a call on the stream meets the
 * same schema, limit, rate limit and handler as the HTTP route of the same path
 * (peer-routes.ts).
 */
import type { z } from 'zod';
import { IhaveSchema, TakethisSchema } from '../../protocol/peer-messages';
import type { StreamPath } from '../../protocol/stream-frames';
import type { BodyLimits } from '../http/body-limits';
import type { NmError } from '../errors';
import type { PeerRateLimit } from './rate-limit';
import type { Receiver } from './receiver';

/** What the flood-fill calls need of the gossip engine. */
export interface FloodEngine {
  authenticate(authorization: string | undefined): { peer: string } | { error: NmError };
  tokenOutOf(peer: string): string | undefined;
  urlOf(peer: string): string | undefined;
  readonly limiter: Pick<PeerRateLimit, 'take'>;
  readonly receiver: Pick<Receiver, 'ihave' | 'takethis'>;
}

export interface FloodCall<S extends z.ZodType> {
  schema: S;
  bodyLimit: (limits: BodyLimits) => number;
  /** Articles taken from the peer's bucket (one request is always taken). */
  articles: (body: z.infer<S>) => number;
  handle: (engine: FloodEngine, peer: string, body: z.infer<S>) => Promise<unknown>;
}

const call = <S extends z.ZodType>(c: FloodCall<S>): FloodCall<S> => c;

export const FLOOD_CALLS: Record<StreamPath, FloodCall<z.ZodType>> = {
  '/v1/ihave': call({
    schema: IhaveSchema,
    bodyLimit: (l) => l.ids,
    articles: () => 0,
    handle: (engine, peer, body) => engine.receiver.ihave(peer, body.ids),
  }),
  '/v1/takethis': call({
    schema: TakethisSchema,
    bodyLimit: (l) => l.takethis,
    articles: (body) => body.articles.length,
    handle: async (engine, peer, body) => ({ results: await engine.receiver.takethis(peer, body.articles) }),
  }),
} as Record<StreamPath, FloodCall<z.ZodType>>;
