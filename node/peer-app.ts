/**
 * The peer listener (--listen): /healthz and the /v1 peer protocol. Gossip and archive
 * routes arrive as plugins from node/main.ts. Returned not listening.
 */
import { z } from 'zod';
import { createBaseApp } from './http/base-app';
import type { Logger } from './logger';
import type { RoutePlugin } from './web-app';

export interface PeerAppComponents {
  name: string;
  logger: Logger;
}

export function buildPeerApp(components: PeerAppComponents, plugins: RoutePlugin[] = []) {
  const app = createBaseApp({ logger: components.logger.child({ component: 'peer-listener' }) });
  app.get('/healthz', { schema: { response: { 200: z.object({ ok: z.literal(true), name: z.string() }) } } }, async () => ({
    ok: true as const,
    name: components.name,
  }));
  for (const register of plugins) register(app);
  return app;
}
