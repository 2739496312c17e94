/**
 * The ingest's own vetting rules, written as commit hooks (commit-hook.ts) like any other
 * part's: the loop rule (gossip whose path holds this node) and the rule for the groups a node
 * carries (INN's active file: new groups must match `--accept-groups`, and no more than
 * `--max-groups` groups in all). Both run after the duplicate check, before numbering.
 */
import { parseWildmat, type Wildmat } from '../../protocol/wildmat';
import type { CommitHook } from './commit-hook';

export const LOOP_REASON = 'loop: path already holds this node';

/**
 * A gossiped copy whose path holds this node went round a loop (or names us to keep the article
 * away). It guards gossip only: the owner's import or mirror of an article that once passed
 * through here (a restore from an export) is taken.
 */
export function loopRule(name: string): CommitHook {
  return { name: 'loop', vet: (article, origin) => (origin.kind === 'peer' && article.path.includes(name) ? LOOP_REASON : null) };
}

export interface GroupRuleInit {
  /** Wildmat new groups must match (`*`: any). */
  acceptGroups: string;
  /** Most groups the node carries. */
  maxGroups: number;
}

/** What the rule reads of the writer's group metadata (the map it updates as it numbers). */
export interface CarriedGroups {
  has(group: string): boolean;
  readonly size: number;
}

/**
 * Groups the node already carries always take articles; an article that would create a group
 * is refused when that group is outside `--accept-groups` or the node is at `--max-groups`
 * (a crosspost is taken whole or not at all, so every one of its new groups must pass).
 */
export function groupRule(init: GroupRuleInit, carried: CarriedGroups): CommitHook {
  const accept: Wildmat = parseWildmat(init.acceptGroups);
  const all = accept.source === '*';
  return {
    name: 'groups',
    vet: (article) => {
      const groups = article.newsgroups;
      // The common case costs no Set: one group, already carried.
      if (groups.length === 1 && carried.has(groups[0])) return null;
      let fresh = 0;
      for (const g of new Set(groups)) {
        if (carried.has(g)) continue;
        if (!all && !accept.matches(g)) return `newsgroups: this node does not carry ${g} (new groups must match --accept-groups ${accept.source})`;
        fresh++;
        if (carried.size + fresh > init.maxGroups) {
          return `newsgroups: this node carries ${carried.size} groups, its limit (--max-groups ${init.maxGroups}); the new group ${g} is refused`;
        }
      }
      return null;
    },
  };
}
