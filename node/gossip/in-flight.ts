/**
 * Ids this node asked a peer for (answered `sendme`) and whose body has not arrived yet
 * (cf. INN's innd/wip.c). A second offer of such an id gets `later`, so each body crosses
 * each link at most once. A mark lasts a fixed window from when it was given: its holder's
 * re-offers (retries) are asked again but never extend it, so offering without sending
 * cannot keep an id away. Once the window passes undelivered the holder gets a strike and
 * the mark goes to the next other peer that offers the id; the holder gets it back only
 * when nobody else is waiting. An offer that outranks the holder (the receiver says which:
 * a peer the owner confirmed, over a stranger) takes the mark once the holder has had
 * `outrankedAfterMs` to deliver, without a strike for it: a stranger winning the race to
 * offer cannot hold back the owner's own peers, and one that delivers as honest peers do (in
 * milliseconds) never sees its body sent twice. That grace follows how long deliveries take
 * here lately (a starved machine is slow for everyone), within fixed bounds. A mark whose body
 * has arrived and is being stored is nobody's to take, nor its holder's to be asked again for.
 * Bounded: an LRU over all ids, and few open marks per peer.
 */
import type { LRUCache } from 'lru-cache';
import type { Clock } from '../clock';
import { clockedLru } from '../lru';

export type Claim = 'sendme' | 'later';

export interface InFlightInit {
  /** Marks over all peers. */
  max: number;
  /** Open marks of one peer: more than its batches in flight could ever need. */
  perPeerMax: number;
  /** How long a mark (and who waits for it) is kept after it was given, expired or not. */
  keepMs: number;
  /** How long a holder keeps its mark against an offer that outranks it, at least (deliveries here are fast). */
  outrankedAfterMs: number;
}

/** The grace against an outranking offer is this many times the recent delivery time... */
const GRACE_PER_DELIVERY = 4;
/** ...and at most this many times outrankedAfterMs (a slow-delivering stranger cannot stretch it further). */
const GRACE_MAX_FACTOR = 4;
/** Weight of the newest delivery in the running mean. */
const DELIVERY_WEIGHT = 0.05;

interface Mark {
  peer: string;
  /** When it was given, and until when its holder has to deliver. */
  at: number;
  until: number;
  /** Other peers that offered the id while it was marked (a few suffice). */
  waiting: string[];
  /** Still counting against its holder: not delivered, expired or dropped yet. */
  open: boolean;
  /** The holder's body is here, being stored: the mark ends with the commit's verdict. */
  arrived?: boolean;
}

const WAITING_MAX = 8;

export class InFlight {
  private readonly marks: LRUCache<string, Mark>;
  private readonly open = new Map<string, number>();
  /** Running mean of the time from sendme to the body's arrival, over every delivery. */
  private deliveryMs = 0;
  /**
   * A finished mark left in the cache because it was the last one: lru-cache answers the
   * delete of its last entry by refilling all of its preallocated arrays (O(max), ~60 µs at
   * the receiver's size), which in a quiet network was every delivery. Dead (closed, nobody
   * waiting), it acts as no mark at all and goes at the next mark or with its age.
   */
  private lone: string | null = null;

  constructor(
    private readonly clock: Clock,
    private readonly init: InFlightInit,
    /** A holder let its mark expire: told once per mark. */
    private readonly onMissed: (peer: string, id: string) => void,
  ) {
    this.marks = clockedLru<string, Mark>(clock, {
      max: init.max,
      ttl: init.keepMs,
      // Dropped for room ('evict') is no fault of the holder; past keepMs unswept ('expire') is.
      dispose: (m, id, reason) => {
        if (reason === 'expire') this.expire(id, m);
        else if (reason === 'evict') this.close(m);
      },
    });
  }

  /**
   * Decides an offer of `id` by `peer`: `sendme` (the peer holds the mark for `windowMs`, or
   * already did) or `later` (another peer is expected to deliver it). `outranks(holder)`:
   * whether this peer's offer may take an open mark from its holder (after outrankedAfterMs).
   */
  claim(id: string, peer: string, windowMs: number, now = this.clock.monotonic(), outranks?: (holder: string) => boolean): Claim {
    const m = this.marks.get(id);
    const full = (this.open.get(peer) ?? 0) >= this.init.perPeerMax;
    if (m?.open && (m.until > now || m.arrived)) {
      // A retry is asked again (the window unchanged), unless its first copy is being stored.
      if (m.peer === peer) return m.arrived ? 'later' : 'sendme';
      if (full || m.arrived || now - m.at < this.grace() || !outranks?.(m.peer)) {
        if (!m.waiting.includes(peer) && m.waiting.length < WAITING_MAX) m.waiting.push(peer);
        return 'later';
      }
      this.close(m); // taken over: the holder's window is not over, so no strike
    } else if (m?.open) this.expire(id, m);
    const waiting = m ? m.waiting.filter((p) => p !== peer) : [];
    // The holder that let it expire waits for the others that are waiting for it.
    if (m && m.peer === peer && waiting.length > 0) return 'later';
    if (full) return 'later';
    this.marks.set(id, { peer, at: now, until: now + windowMs, waiting, open: true });
    this.open.set(peer, (this.open.get(peer) ?? 0) + 1);
    if (this.lone !== null && this.lone !== id) this.drop(this.lone);
    else this.lone = null;
    return 'sendme';
  }

  /** `peer`'s body of `id` is here and goes to the store now (its verdict comes to settle or release). */
  arrived(id: string, peer: string, now = this.clock.monotonic()): void {
    const m = this.marks.peek(id);
    if (!m?.open || m.peer !== peer || m.arrived) return;
    m.arrived = true;
    this.deliveryMs += DELIVERY_WEIGHT * (now - m.at - this.deliveryMs);
  }

  /** How long a holder keeps its mark against an outranking offer now. */
  grace(): number {
    const base = this.init.outrankedAfterMs;
    return Math.min(GRACE_MAX_FACTOR * base, Math.max(base, GRACE_PER_DELIVERY * this.deliveryMs));
  }

  /**
   * `peer` sent the body of `id` (`stored`: it is held here now, accepted or duplicate).
   * True when that fulfilled the peer's own open mark. The mark ends when its holder
   * delivered or the article is stored; someone else's bad copy leaves it in place.
   */
  settle(id: string, peer: string, stored: boolean): boolean {
    const m = this.marks.peek(id);
    if (!m) return false;
    const fulfilled = m.open && m.peer === peer;
    if (fulfilled || stored) {
      this.close(m);
      this.drop(id);
    }
    return fulfilled;
  }

  /** Frees the peer's mark without a verdict (its batch could not be committed). */
  release(id: string, peer: string): void {
    const m = this.marks.peek(id);
    if (m?.peer !== peer) return;
    this.close(m);
    this.drop(id);
  }

  /** Open marks of the peer. */
  openOf(peer: string): number {
    return this.open.get(peer) ?? 0;
  }

  /** Marks held (a dead lone entry is none). */
  get size(): number {
    return this.marks.size - (this.lone !== null && this.marks.peek(this.lone)?.open === false ? 1 : 0);
  }

  /** Strikes the holders of marks past their window and drops marks past keepMs. */
  sweep(now = this.clock.monotonic()): void {
    this.marks.purgeStale();
    for (const [id, m] of this.marks.entries()) if (m.open && !m.arrived && m.until <= now) this.expire(id, m);
  }

  /** Drops the peer's marks (it was forgotten); the ids go to whoever offers them next. */
  forget(peer: string): void {
    for (const [id, m] of [...this.marks.entries()]) {
      if (m.peer !== peer) continue;
      this.close(m);
      this.drop(id);
    }
    this.open.delete(peer);
  }

  /** Removes a closed mark's entry, or leaves it dead when it is the last (see `lone`). */
  private drop(id: string): void {
    if (this.lone === id) this.lone = null;
    const m = this.marks.peek(id);
    if (this.marks.size > 1 || !m) {
      this.marks.delete(id);
      return;
    }
    m.waiting = [];
    this.lone = id;
  }

  private expire(id: string, m: Mark): void {
    if (!m.open) return;
    this.close(m);
    // Delivered, and our store is what is slow: no fault of the holder's.
    if (!m.arrived) this.onMissed(m.peer, id);
  }

  private close(m: Mark): void {
    if (!m.open) return;
    m.open = false;
    const n = (this.open.get(m.peer) ?? 0) - 1;
    if (n > 0) this.open.set(m.peer, n);
    else this.open.delete(m.peer);
  }
}
