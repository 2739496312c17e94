/**
 * The web listener: the local JSON API and the owner's pages. Returned not listening.
 * Extra route plugins (peers, mirrors, pages) are registered by node/main.ts.
 */
import { createBaseApp, type BaseApp } from './http/base-app';
import type { Logger } from './logger';
import type { NodeService } from './service';
import { articlesRoutes } from './api/articles-routes';

export interface WebAppComponents {
  service: NodeService;
  logger: Logger;
}

/** Registers one encapsulated route plugin (with its options) on an app. */
export type RoutePlugin = (app: BaseApp) => void;

export function buildWebApp(components: WebAppComponents, plugins: RoutePlugin[] = []) {
  const app = createBaseApp({ logger: components.logger.child({ component: 'web' }) });
  app.register(articlesRoutes, { service: components.service });
  for (const register of plugins) register(app);
  return app;
}
