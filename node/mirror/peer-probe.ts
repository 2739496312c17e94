/**
 * The check a new mirror job makes before it is kept: the URL must answer the peer protocol's
 * group list in bounded time and list the group. Each way it can go wrong becomes one clear
 * refusal: nothing answers, the URL is a newsmesh node's web port (the owner's page and local
 * API) rather than its peer port, the node refuses this reader, or the group is not there.
 */
import { GROUPS_PAGE_MAX } from '../../protocol/api';
import { NmError } from '../errors';
import { parseJson, type Transport } from '../net/transport';
import { ArchiveClient, MirrorFetchError } from './archive-client';

/** Bounds the whole check: a job against a black hole is refused in this time, not kept. */
export const PROBE_TIMEOUT_MS = 10_000;
/** Pages of a peer's group list read looking for the group (a peer lists 5,000 groups a page). */
const PROBE_GROUP_PAGES = 20;

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
  const groups = await groupsPage(client, transport, url, undefined, signal);
  let listed = groups.find((g) => g.name === group);
  // Full pages in name order: the group can only be on a later page if it sorts after this one's last.
  for (let page = groups, n = 1; !listed && page.length === GROUPS_PAGE_MAX && n < PROBE_GROUP_PAGES && page[page.length - 1].name < group; n++) {
    page = await groupsPage(client, transport, url, page[page.length - 1].name, signal);
    listed = page.find((g) => g.name === group);
  }
  if (!listed) {
    const names = groups.slice(0, 5).map((g) => g.name);
    const has = names.length === 0 ? 'it has no groups' : `it has ${names.join(', ')}${groups.length > names.length ? ', ...' : ''}`;
    throw new NmError('NM_ERR_NOT_FOUND', `peer ${url} has no group ${group} (${has})`);
  }
  return listed.count;
}

/** One page of the peer's group list; each way the call can fail becomes a clear refusal. */
async function groupsPage(client: ArchiveClient, transport: Transport, url: string, after: string | undefined, signal?: AbortSignal) {
  try {
    return await client.groups(after);
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
}
