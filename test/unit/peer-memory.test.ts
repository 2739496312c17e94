/**
 * The bounded per-peer memories of gossip: (peer, id) facts with a global LRU bound, a share
 * per peer, expiry on the node's clock and forgetting by peer; and the in-flight marks built
 * on the same LRU (a window not extended by its holder, strikes, the mark moving on).
 */
import { InFlight } from '../../node/gossip/in-flight';
import { PeerIdMemory } from '../../node/gossip/peer-memory';
import { PeerRateLimit } from '../../node/gossip/rate-limit';
import { ManualClock } from '../helpers/manual-clock';

describe('PeerIdMemory', () => {
  it('keeps a share per peer, evicts the least recently used over all, and counts right', () => {
    const clock = new ManualClock();
    const mem = new PeerIdMemory<true>(clock, { max: 10, perPeerMax: 6, ttlMs: 60_000 });
    for (let i = 0; i < 20; i++) mem.set('flood', `<${i}@x>`, true);
    expect(mem.count('flood')).toBe(6); // its share, not the whole memory
    for (let i = 0; i < 6; i++) mem.set('calm', `<${i}@y>`, true);
    expect(mem.size).toBe(10);
    expect(mem.count('calm')).toBe(6);
    expect(mem.count('flood')).toBe(4); // the oldest of the flood made room
    expect(mem.set('flood', '<again@x>', true)).toBe(true);
    expect(mem.count('flood') + mem.count('calm')).toBe(mem.size);
  });

  it('forgets by time and by peer', () => {
    const clock = new ManualClock();
    const mem = new PeerIdMemory<number>(clock, { max: 100, perPeerMax: 100, ttlMs: 1_000 });
    mem.set('a', '<1@x>', 1);
    mem.set('b', '<1@x>', 2);
    expect(mem.get('b', '<1@x>')).toBe(2);
    clock.advance(1_001);
    expect(mem.has('a', '<1@x>')).toBe(false);
    mem.sweep();
    expect(mem.size).toBe(0);
    expect([mem.count('a'), mem.count('b')]).toEqual([0, 0]);
    mem.set('a', '<2@x>', 3);
    mem.set('b', '<2@x>', 4);
    mem.forget('a');
    expect([mem.count('a'), mem.count('b'), mem.size]).toEqual([0, 1, 1]);
  });
});

describe('InFlight', () => {
  const setup = (perPeerMax = 100) => {
    const clock = new ManualClock();
    const missed: string[] = [];
    const f = new InFlight(clock, { max: 1_000, perPeerMax, keepMs: 30_000, outrankedAfterMs: 500 }, (peer, id) => missed.push(`${peer} ${id}`));
    return { clock, f, missed };
  };

  it('does not extend a mark for its holder, strikes it once, and moves the mark to a waiting peer', () => {
    const { clock, f, missed } = setup();
    expect(f.claim('<x@o>', 'm', 10_000)).toBe('sendme');
    expect(f.claim('<x@o>', 'h', 10_000)).toBe('later');
    clock.advance(9_000);
    expect(f.claim('<x@o>', 'm', 10_000)).toBe('sendme');
    clock.advance(1_001);
    expect(f.claim('<x@o>', 'm', 10_000)).toBe('later');
    expect(missed).toEqual(['m <x@o>']);
    expect(f.claim('<x@o>', 'h', 10_000)).toBe('sendme');
    expect(f.settle('<x@o>', 'h', true)).toBe(true);
    expect([f.openOf('m'), f.openOf('h'), f.size]).toEqual([0, 0, 0]);
  });

  it('lets a holder retake its expired mark when nobody else waits; a bad copy by another leaves the mark', () => {
    const { clock, f, missed } = setup();
    f.claim('<y@o>', 'm', 1_000);
    clock.advance(1_001);
    expect(f.claim('<y@o>', 'm', 1_000)).toBe('sendme');
    expect(missed).toHaveLength(1);
    expect(f.settle('<y@o>', 'other', false)).toBe(false);
    expect(f.claim('<y@o>', 'h', 1_000)).toBe('later');
    f.sweep(clock.now() + 2_000);
    expect(missed).toHaveLength(2);
  });

  it('gives an open mark to an offer that outranks its holder once the holder had its grace, without a strike, and to no other', () => {
    const { clock, f, missed } = setup();
    const ownersOverStrangers = (holder: string) => holder.startsWith('stranger');
    expect(f.claim('<z@o>', 'stranger', 10_000)).toBe('sendme');
    expect(f.claim('<z@o>', 'other', 10_000)).toBe('later');
    // An honest holder delivers within its grace: the body is not asked for twice.
    expect(f.claim('<z@o>', 'owners', 10_000, undefined, ownersOverStrangers)).toBe('later');
    clock.advance(500);
    expect(f.claim('<z@o>', 'other', 10_000)).toBe('later');
    expect(f.claim('<z@o>', 'owners', 10_000, undefined, ownersOverStrangers)).toBe('sendme');
    expect([f.openOf('stranger'), f.openOf('owners')]).toEqual([0, 1]);
    // The stranger is now the one that waits; an owner's peer does not take from another.
    expect(f.claim('<z@o>', 'stranger', 10_000)).toBe('later');
    expect(f.claim('<z@o>', 'owners2', 10_000, undefined, ownersOverStrangers)).toBe('later');
    expect(f.settle('<z@o>', 'owners', true)).toBe(true);
    expect(missed).toEqual([]);
  });

  it('keeps a mark whose body arrived: no retry, no takeover, no strike while it is being stored', () => {
    const { clock, f, missed } = setup();
    const anyone = () => true;
    expect(f.claim('<a@o>', 'stranger', 1_000)).toBe('sendme');
    clock.advance(400);
    f.arrived('<a@o>', 'stranger');
    clock.advance(5_000); // the store is slow: past the window and the grace
    expect(f.claim('<a@o>', 'stranger', 1_000)).toBe('later');
    expect(f.claim('<a@o>', 'owners', 1_000, undefined, anyone)).toBe('later');
    f.sweep();
    expect(missed).toEqual([]);
    expect(f.settle('<a@o>', 'stranger', true)).toBe(true);
    // A holder's bad copy ends its mark like any verdict; the next offer is asked.
    expect(f.claim('<a@o>', 'owners', 1_000)).toBe('sendme');
  });

  it('stretches the grace against an outranking offer while deliveries are slow, within bounds', () => {
    const { clock, f } = setup();
    expect(f.grace()).toBe(500);
    for (let i = 0; i < 200; i++) {
      f.claim(`<s${i}@o>`, 'p', 10_000);
      clock.advance(300);
      f.arrived(`<s${i}@o>`, 'p');
      f.settle(`<s${i}@o>`, 'p', true);
    }
    // Deliveries take 300 ms here now: a holder gets four times that before an owner's peer takes over.
    expect(f.grace()).toBeGreaterThan(1_100);
    expect(f.grace()).toBeLessThanOrEqual(1_200);
    expect(f.claim('<t@o>', 'stranger', 10_000)).toBe('sendme');
    clock.advance(800);
    expect(f.claim('<t@o>', 'owners', 10_000, undefined, () => true)).toBe('later');
    clock.advance(400);
    expect(f.claim('<t@o>', 'owners', 10_000, undefined, () => true)).toBe('sendme');
    for (let i = 0; i < 200; i++) {
      f.claim(`<u${i}@o>`, 'p', 60_000);
      clock.advance(9_000);
      f.arrived(`<u${i}@o>`, 'p');
      f.settle(`<u${i}@o>`, 'p', true);
    }
    expect(f.grace()).toBe(2_000); // four times the floor at most
  });

  it('acts as if no mark were left when the last one ends (it is kept dead, not deleted, to spare the cache a full clear)', () => {
    const { f } = setup();
    expect(f.claim('<l@o>', 'm', 1_000)).toBe('sendme');
    expect(f.claim('<l@o>', 'h', 1_000)).toBe('later');
    // A bad copy from its holder ends the mark: the holder may be asked again, nobody waits behind it.
    expect(f.settle('<l@o>', 'm', false)).toBe(true);
    expect(f.size).toBe(0);
    expect(f.claim('<l@o>', 'm', 1_000)).toBe('sendme');
    expect([f.size, f.openOf('m')]).toEqual([1, 1]);
    f.release('<l@o>', 'm');
    expect(f.claim('<k@o>', 'h', 1_000)).toBe('sendme');
    expect([f.size, f.settle('<l@o>', 'm', true)]).toEqual([1, false]);
  });

  it('caps the open marks of one peer', () => {
    const { f } = setup(3);
    expect(['<1@o>', '<2@o>', '<3@o>', '<4@o>'].map((id) => f.claim(id, 'p', 1_000))).toEqual(['sendme', 'sendme', 'sendme', 'later']);
    f.forget('p');
    expect([f.openOf('p'), f.size]).toEqual([0, 0]);
  });
});

describe('PeerRateLimit', () => {
  it('drops a bucket once it would be full again, and not before', () => {
    const clock = new ManualClock();
    const rl = new PeerRateLimit(clock, { articlesPerSec: 1_000, requestsPerSec: 10, burstSec: 1 });
    for (let i = 0; i < 10; i++) expect(rl.take('p', 0)).toBe(0);
    expect(rl.take('p', 0)).toBeGreaterThan(0); // empty: slowed down
    clock.advance(500);
    // Refilled by half: the bucket was kept (a fresh one would allow 10).
    for (let i = 0; i < 5; i++) expect(rl.take('p', 0)).toBe(0);
    expect(rl.take('p', 0)).toBeGreaterThan(0);
    clock.advance(10_000);
    for (let i = 0; i < 10; i++) expect(rl.take('p', 0)).toBe(0);
    expect(rl.take('p', 0)).toBeGreaterThan(0);
  });
});
