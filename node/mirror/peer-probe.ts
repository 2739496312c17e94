/**
 * The check a new mirror job makes before it is kept: the URL must answer the peer protocol's
 * group list in bounded time and list the group. Each way it can go wrong becomes one clear
 * refusal: nothing answers, the URL is a newsmesh node's web port (the owner's page and local
 * API) rather than its peer port, the node refuses this reader, or the group is not there.
 */
import { NmError } from '../errors';
import { parseJson, type Transport } from '../gossip/transport';
import { ArchiveClient, MirrorFetchError } from './archive-client';

/** Bounds the whole check: a job against a black hole is refused in this time, not kept. */
export const PROBE_TIMEOUT_MS = 10_000;

/** Whether `url` answers like a newsmesh web listener: /healthz is there, /v1 is not. */
async function isWebPort(transport: Transport, url: string, signal?: AbortSignal): Promise<boolean> {
  try {
    const res = await transport.request({ url, method: 'GET', path: '/healthz', timeoutMs: PROBE_TIMEOUT_MS, signal });
    const body = parseJson(res.text) as { ok?: unknown } | undefined;
    return res.status === 200 && body?.ok === true;
  } catch {
    return false;
  }
}

/** Resolves with how many articles the peer lists for the group (the job's first `total`). */
export async function probePeer(transport: Transport, url: string, group: string, token: string | undefined, signal?: AbortSignal): Promise<number> {
  const client = new ArchiveClient(transport, { url, token, timeoutMs: PROBE_TIMEOUT_MS, signal });
  let groups;
  try {
    groups = await client.groups();
  } catch (err) {
    if (!(err instanceof MirrorFetchError)) throw err;
    if (err.status === undefined) throw new NmError('NM_ERR_PEER_UNREACHABLE', err.message.replace(/^peer (\S+) unreachable: /, 'peer $1 cannot be reached: '));
    if (err.status === 404 && (await isWebPort(transport, url, signal))) {
      throw new NmError(
        'NM_ERR_PEER_REFUSED',
        `${url} is a newsmesh node's web port (its owner's page and local API), not its peer port: use the peer URL, the peer= address of its ready line (--listen or --public-url, 9119 by default)`,
      );
    }
    if (err.status === 401 || err.status === 403) throw new NmError('NM_ERR_PEER_REFUSED', err.message);
    throw new NmError('NM_ERR_PEER_REFUSED', `${url} does not answer as a newsmesh peer: ${err.message}`);
  }
  const listed = groups.find((g) => g.name === group);
  if (!listed) {
    const names = groups.slice(0, 5).map((g) => g.name);
    const has = names.length === 0 ? 'it has no groups' : `it has ${names.join(', ')}${groups.length > names.length ? ', ...' : ''}`;
    throw new NmError('NM_ERR_NOT_FOUND', `peer ${url} has no group ${group} (${has})`);
  }
  return listed.count;
}
