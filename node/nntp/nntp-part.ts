/**
 * The NNTP NodePart: registers the nntp:// link kind with gossip (NNTP peers share its peer
 * table, queues and routing), and unless `--nntp off` runs the NNTP listener: the reader
 * commands for everyone (AUTHINFO needed to post, and to read when --public-read is not on,
 * if the listener is not on loopback), the transit commands for connections from an NNTP
 * peer's address. Its URL is bound into the node's identity (the ready line, GET /api/node).
 */
import { CODE, statusLine } from '../../protocol/nntp/replies';
import { isLoopback } from '../config';
import { GossipEngine } from '../gossip/gossip-engine';
import type { NodePart, PartFactory } from '../part';
import { INN_MAX_ARTICLE_BYTES, type NntpContext } from './context';
import { DEFAULT_NNTP_FEED_INIT, type NntpFeedInit } from './feed-link';
import { NntpPeers } from './nntp-peers';
import { articleCommands } from './reader-articles';
import { listCommands } from './reader-lists';
import { overviewCommands } from './reader-overview';
import { readyLine, sessionCommands } from './reader-session';
import { ReadModel } from './read-model';
import { DEFAULT_NNTP_SERVER_INIT, NntpServer, type NntpServerInit } from './server';
import type { CommandSpec } from './session';
import { transitCommands, transitRefusals } from './transit-commands';

export interface NntpPartOptions {
  server?: Partial<NntpServerInit>;
  feed?: Partial<NntpFeedInit>;
}

export function nntpPart(opts: NntpPartOptions = {}): PartFactory {
  return (components): NodePart => {
    const { config, store, ingest, clock, logger, metrics, features, identity } = components;
    const engine = features.get('peers');
    if (!(engine instanceof GossipEngine)) throw new Error('the nntp part needs the gossip part: NNTP peers share its peer table and queues');
    const log = logger.child({ component: 'nntp' });
    const read = new ReadModel(store, identity.name);
    const nntpPeers = new NntpPeers({ engine, read, clock, log, name: identity.name }, { ...DEFAULT_NNTP_FEED_INIT, ...opts.feed });
    engine.addLinkKind(nntpPeers);
    const listen = config.nntp;
    if (listen === 'off') return { name: 'nntp' };

    const exposed = !isLoopback(listen.host);
    const maxWireBytes = Math.max(INN_MAX_ARTICLE_BYTES, config.maxArticleBytes + 64 * 1024);
    const ctx: NntpContext = {
      name: identity.name,
      clock,
      log,
      metrics,
      store,
      ingest,
      read,
      engine,
      postNeedsAuth: exposed,
      readNeedsAuth: exposed && config.publicRead !== 'on',
      password: config.webPassword,
      maxWireBytes,
      maxBodyBytes: maxWireBytes,
      receiving: new Map(),
    };
    const common: [string, CommandSpec][] = [...sessionCommands(ctx), ...articleCommands(ctx), ...overviewCommands(ctx), ...listCommands(ctx)];
    const readers = new Map([...common, ...transitRefusals()]);
    const peers = new Map([...common, ...transitCommands(ctx)]);
    const server = new NntpServer({ clock, logger: log }, { ...DEFAULT_NNTP_SERVER_INIT, blockMax: maxWireBytes, ...opts.server }, {
      table: (s) => (s.peers.length > 0 ? peers : readers),
      mayRead: (s) => {
        if (!ctx.readNeedsAuth || s.authenticated || s.peers.length > 0) return true;
        return ctx.password !== undefined
          ? statusLine(CODE.AUTH_REQUIRED, 'authentication required (AUTHINFO USER/PASS)')
          : statusLine(CODE.NOT_PERMITTED, 'reading is closed on this port (--public-read is not on)');
      },
      open: async (s) => {
        s.peers = await nntpPeers.peersAt(s.remoteAddress);
        return readyLine(ctx, s);
      },
    });
    return {
      name: 'nntp',
      start: async () => {
        identity.bindNntp(await server.listen(listen));
      },
      stop: () => server.close(),
    };
  };
}

export const nntpPartFactory: PartFactory = nntpPart();
