/**
 * What the NNTP command tables share: the node's parts they use and the access rules of
 * this listener. Built once by the nntp part; sessions only add their own state.
 */
import type { Clock } from '../clock';
import type { GossipEngine } from '../gossip/gossip-engine';
import type { Ingest } from '../ingest/ingest';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';
import type { Store } from '../store/store';
import type { ReadModel } from './read-model';

export interface NntpContext {
  /** This node's name: greeting, Path, Xref, Injection-Info. */
  name: string;
  clock: Clock;
  log: Logger;
  metrics: Metrics;
  store: Store;
  ingest: Ingest;
  read: ReadModel;
  /** Peers (NNTP ones included), the offer decisions (CHECK, IHAVE) and link counters. */
  engine: GossipEngine;
  /** POST needs AUTHINFO: the listener is not on loopback. */
  postNeedsAuth: boolean;
  /** Reading needs AUTHINFO too: not on loopback and --public-read is not `on`. */
  readNeedsAuth: boolean;
  /** The password AUTHINFO PASS must give (the owner's --web-password); none: no AUTHINFO. */
  password: string | undefined;
  /** Largest article taken in (INN's default maxartsize, or more when --max-article-bytes is larger). */
  maxWireBytes: number;
  maxBodyBytes: number;
  /** Ids whose body is being stored from an NNTP transfer now: a CHECK for them gets 431. */
  receiving: Map<string, number>;
}

/** INN's default `maxartsize`: articles up to this size are taken by NNTP whatever the JSON limit. */
export const INN_MAX_ARTICLE_BYTES = 1_000_000;
