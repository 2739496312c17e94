/**
 * The pieces node/main.ts wires with: the feature registry (parts register before start, not
 * after; once each), the node identity (URLs bound once), and the configuration the CLI reads
 * from the environment (tuning knobs and log level: lenient, capped, never a failed start).
 */
import { configFromEnv, NodeConfigSchema } from '../../node/config';
import { FeatureRegistry, type MirrorService } from '../../node/feature-services';
import { NodeIdentity } from '../../node/identity/node-identity';

const mirrors = {} as MirrorService;

describe('feature registry', () => {
  it('answers null for a feature no part provides, and the service once provided', () => {
    const r = new FeatureRegistry();
    expect(r.get('mirrors')).toBeNull();
    r.provide('mirrors', mirrors);
    expect(r.get('mirrors')).toBe(mirrors);
  });

  it('refuses a second registration and one after the node started', () => {
    const r = new FeatureRegistry();
    r.provide('mirrors', mirrors);
    expect(() => r.provide('mirrors', mirrors)).toThrow(/registered twice/);
    r.seal();
    expect(() => r.provide('peers', {} as never)).toThrow(/after the node started/);
  });
});

describe('node identity', () => {
  it('has no URLs before the listeners are bound, and keeps the first binding', () => {
    const id = new NodeIdentity('n', 'key', 'fp');
    expect(id.webUrl).toBe('');
    id.bindListeners({ webUrl: 'http://127.0.0.1:1', peerUrl: 'http://127.0.0.1:2' });
    expect(() => id.bindListeners({ webUrl: 'x', peerUrl: 'y' })).toThrow(/already bound/);
    expect({ web: id.webUrl, peer: id.peerUrl, nntp: id.nntpUrl }).toEqual({ web: 'http://127.0.0.1:1', peer: 'http://127.0.0.1:2', nntp: undefined });
    id.bindNntp('nntp://127.0.0.1:3');
    expect(() => id.bindNntp('nntp://127.0.0.1:4')).toThrow(/already bound/);
    expect(id.nntpUrl).toBe('nntp://127.0.0.1:3');
  });
});

describe('configuration from the environment', () => {
  it('reads the tuning knobs and the log level', () => {
    const env = { NEWSMESH_WEB_PAGE_CACHE: '0', NEWSMESH_MIRROR_GIVE_UP_MS: '1500', NEWSMESH_MIRROR_BATCH: '25', NEWSMESH_PEER_STREAM: '0', NEWSMESH_LOG_LEVEL: 'warn' };
    const config = NodeConfigSchema.parse(configFromEnv(env));
    expect(config.tuning).toEqual({ webPageCache: 0, mirrorPageSize: 1000, mirrorBatchIds: 25, mirrorFetchAhead: 2, mirrorGiveUpMs: 1500, retainSweepMs: 60_000, retainSlice: 200, retainPauseMs: 10, peerStream: 0 });
    expect(config.logLevel).toBe('warn');
  });

  it('ignores values that are not whole numbers in range, and caps large ones', () => {
    const env = { NEWSMESH_WEB_PAGE_CACHE: '-1', NEWSMESH_MIRROR_GIVE_UP_MS: 'soon', NEWSMESH_MIRROR_PAGE: '99999', NEWSMESH_MIRROR_AHEAD: '0', NEWSMESH_LOG_LEVEL: 'loud' };
    const config = NodeConfigSchema.parse(configFromEnv(env));
    expect(config.tuning).toEqual({ webPageCache: 256, mirrorPageSize: 1000, mirrorBatchIds: 200, mirrorFetchAhead: 2, mirrorGiveUpMs: 15 * 60_000, retainSweepMs: 60_000, retainSlice: 200, retainPauseMs: 10, peerStream: 1 });
    expect(config.logLevel).toBe('info');
  });
});
