/**
 * Group lists in pages, in name order (the key order of the store's `groups` sublevel): each
 * page is one bounded range read, whatever the number of groups a node carries. NodeService
 * (GET /api/groups, the home page) and the archive routes (GET /v1/groups) page through here.
 */
import type { GroupEntry, Store } from './store/store';

export interface GroupPageRequest {
  /** Groups named after this one (exclusive)... */
  after?: string;
  /** ...or, for a previous page, before this one (exclusive); the page is still in name order. */
  before?: string;
  limit: number;
}

/** `Link` header of the page after `last` (RFC 8288), for a full page of a paged list. */
export const nextPageLink = (path: string, last: string, limit: number): string => `<${path}?after=${encodeURIComponent(last)}&limit=${limit}>; rel="next"`;

export async function groupsPage(store: Store, req: GroupPageRequest): Promise<GroupEntry[]> {
  const out: GroupEntry[] = [];
  const range =
    req.before !== undefined
      ? { lt: req.before, reverse: true, limit: req.limit }
      : { ...(req.after !== undefined ? { gt: req.after } : {}), limit: req.limit };
  for await (const [name, meta] of store.subs.groups.iterator(range)) out.push({ name, ...meta });
  return req.before !== undefined ? out.reverse() : out;
}
