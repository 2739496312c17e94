/**
 * A fastify instance with newsmesh's shared infrastructure: zod compilers, the error
 * handler, the JSON body parser (depth scan, prototype-poisoning refusal), per-route body
 * limits, and the listener's time and connection bounds. Both listeners (web and peer) start
 * from this; neither is listening when returned.
 */
import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { LIMITS } from '../../protocol/limits';
import { systemClock, type Clock } from '../clock';
import type { Logger } from '../logger';
import { bodyLimitsFor } from './body-limits';
import { errorHandlerPlugin } from './error-handler';
import { jsonBodyPlugin } from './json-body';
import { capConnections, DEFAULT_LISTENER_LIMITS, timeoutOptions, type ListenerLimits } from './listener-limits';

export interface BaseAppOptions {
  logger: Logger;
  clock?: Clock;
  /** --max-article-bytes: sizes the routes that take articles. */
  maxArticleBytes?: number;
  limits?: Partial<ListenerLimits>;
}

/**
 * Every schema is zod: handing fastify the zod compilers up front spares it loading ajv and
 * its serializer compiler at start-up (~100 ms of CPU) only to replace them. fastify types
 * these factories for ajv; at run time it just calls them and uses the compiler they return.
 */
const ZOD_COMPILERS = {
  compilersFactory: { buildValidator: () => validatorCompiler, buildSerializer: () => serializerCompiler },
} as unknown as FastifyServerOptions['schemaController'];

export function createBaseApp(opts: BaseAppOptions) {
  const limits: ListenerLimits = { ...DEFAULT_LISTENER_LIMITS, ...opts.limits };
  const bodyLimits = bodyLimitsFor(opts.maxArticleBytes ?? LIMITS.bodyMaxBytesDefault);
  const app = Fastify({
    loggerInstance: opts.logger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: bodyLimits.default,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    ...timeoutOptions(limits),
    forceCloseConnections: true,
    // A Message-ID may be 250 bytes, three times that url-encoded; fastify's default is 100.
    routerOptions: { maxParamLength: 2048 },
    schemaController: ZOD_COMPILERS,
  }).withTypeProvider<ZodTypeProvider>();
  app.decorate('bodyLimits', bodyLimits);
  capConnections(app.server, limits, { clock: opts.clock ?? systemClock, logger: opts.logger });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.register(errorHandlerPlugin);
  app.register(jsonBodyPlugin);
  return app;
}

export type BaseApp = ReturnType<typeof createBaseApp>;
/** Plain instance type, for plugins. */
export type AnyApp = FastifyInstance;
