/**
 * The web listener: the local JSON API and the owner's pages. Returned not listening.
 * It answers only its owner's browser and clients (node/http/owner-guard.ts), before any
 * other hook. Extra route plugins (peers, mirrors, pages) are registered by node/main.ts.
 */
import type { AddressInfo } from 'node:net';
import type { Clock } from './clock';
import type { NodeConfig } from './config';
import { createBaseApp, type BaseApp } from './http/base-app';
import type { ListenerLimits } from './http/listener-limits';
import { guardOwner } from './http/owner-guard';
import type { Logger } from './logger';
import type { NodeService } from './service';
import { articlesRoutes } from './api/articles-routes';
import { threadsRoutes } from './api/threads-routes';

export interface WebAppComponents {
  service: NodeService;
  logger: Logger;
  clock?: Clock;
  config: Pick<NodeConfig, 'web' | 'webHost' | 'maxArticleBytes'>;
  limits?: Partial<ListenerLimits>;
}

/** Registers one encapsulated route plugin (with its options) on an app. */
export type RoutePlugin = (app: BaseApp) => void;

export function buildWebApp(components: WebAppComponents, plugins: RoutePlugin[] = []) {
  const { config } = components;
  const app = createBaseApp({
    logger: components.logger.child({ component: 'web' }),
    clock: components.clock,
    maxArticleBytes: config.maxArticleBytes,
    limits: components.limits,
  });
  let port: number | undefined;
  guardOwner(app, {
    webHost: config.web.host,
    extraHosts: config.webHost,
    // Asked on every request: the port is read from the socket once (server.address() cost
    // about 1 % of a post's CPU), and again only while the app is not listening yet.
    boundPort: () => (port ??= (app.server.address() as AddressInfo | null)?.port),
  });
  app.register(articlesRoutes, { service: components.service });
  app.register(threadsRoutes, { service: components.service });
  for (const register of plugins) register(app);
  return app;
}
