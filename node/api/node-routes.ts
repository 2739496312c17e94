/**
 * `GET /api/node` (contract addition): who this node is, for the owner's tools and pages:
 * name, key fingerprint, Ed25519 public key and the URLs it listens on.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { NodeInfoSchema, type NodeInfo } from '../../protocol/api';
import type { NodeIdentity } from '../identity/node-identity';

export interface NodeRoutesOptions {
  identity: NodeIdentity;
}

export const nodeRoutes: FastifyPluginAsyncZod<NodeRoutesOptions> = async (app, { identity }) => {
  app.get('/api/node', { schema: { response: { 200: NodeInfoSchema } } }, async (): Promise<NodeInfo> => {
    const { name, fingerprint, key, peerUrl, webUrl, nntpUrl } = identity;
    return { name, fingerprint, key, peerUrl, webUrl, ...(nntpUrl ? { nntpUrl } : {}) };
  });
};
