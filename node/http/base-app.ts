/**
 * A fastify instance with newsmesh's shared infrastructure: zod compilers, the error
 * handler, body size limit, JSON depth limit and prototype-poisoning refusal. Both listeners
 * (web and peer) start from this; neither is listening when returned.
 */
import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { LIMITS } from '../../protocol/limits';
import { NmError } from '../errors';
import type { Logger } from '../logger';
import { errorHandlerPlugin } from './error-handler';
import { exceedsDepth } from './json-depth';
import { jsonBodyPlugin } from './json-body';

export interface BaseAppOptions {
  logger: Logger;
  bodyLimit?: number;
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
  const app = Fastify({
    loggerInstance: opts.logger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: opts.bodyLimit ?? LIMITS.requestMaxBytes,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    keepAliveTimeout: 65_000,
    forceCloseConnections: true,
    // A Message-ID may be 250 bytes, three times that url-encoded; fastify's default is 100.
    routerOptions: { maxParamLength: 2048 },
    schemaController: ZOD_COMPILERS,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.register(errorHandlerPlugin);
  app.register(jsonBodyPlugin, { bodyLimit: opts.bodyLimit ?? LIMITS.requestMaxBytes });
  app.addHook('preValidation', async (request) => {
    if (request.body !== undefined && exceedsDepth(request.body, LIMITS.jsonMaxDepth)) {
      throw new NmError('NM_ERR_TOO_DEEP', `body: JSON nesting deeper than ${LIMITS.jsonMaxDepth} levels`);
    }
  });
  return app;
}

export type BaseApp = ReturnType<typeof createBaseApp>;
/** Plain instance type, for plugins. */
export type AnyApp = FastifyInstance;
