/**
 * The peer listener (--listen): /healthz and the /v1 peer protocol. Gossip and archive
 * routes arrive as plugins from node/main.ts. Returned not listening. It is public: no Host
 * or Origin checks, but the same body, time and connection bounds as the web listener.
 */
import { z } from 'zod';
import type { Clock } from './clock';
import { createBaseApp } from './http/base-app';
import type { ListenerLimits } from './http/listener-limits';
import type { Logger } from './logger';
import type { RoutePlugin } from './web-app';

export interface PeerAppComponents {
  name: string;
  logger: Logger;
  clock?: Clock;
  maxArticleBytes?: number;
  limits?: Partial<ListenerLimits>;
}

export function buildPeerApp(components: PeerAppComponents, plugins: RoutePlugin[] = []) {
  const app = createBaseApp({
    logger: components.logger.child({ component: 'peer-listener' }),
    clock: components.clock,
    maxArticleBytes: components.maxArticleBytes,
    limits: components.limits,
  });
  app.get('/healthz', { schema: { response: { 200: z.object({ ok: z.literal(true), name: z.string() }) } } }, async () => ({
    ok: true as const,
    name: components.name,
  }));
  for (const register of plugins) register(app);
  return app;
}
