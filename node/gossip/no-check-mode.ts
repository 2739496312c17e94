/**
 * innfeed's "no-CHECK" mode for one link: while the peer asks for at least `HIGH` of what is
 * offered, offering first only costs a round trip, so bodies are pushed straight away
 * (TAKETHIS without IHAVE); once fewer than `LOW` of the pushed bodies are accepted, offers
 * resume. Decided per window of `WINDOW` ids, so a short run of duplicates cannot flip it,
 * and a link only enters it after a full window of offers (never in a small or busy mesh
 * where peers often have an article already).
 */
export class NoCheckMode {
  static readonly WINDOW = 2000;
  static readonly HIGH = 0.99;
  static readonly LOW = 0.97;
  active = false;
  private n = 0;
  private good = 0;

  offered(offered: number, wanted: number): void {
    // Batches of the other mode still in flight at a switch are not counted.
    if (!this.active) this.observe(offered, wanted, (r) => r >= NoCheckMode.HIGH);
  }

  pushed(sent: number, accepted: number): void {
    if (this.active) this.observe(sent, accepted, (r) => r >= NoCheckMode.LOW);
  }

  private observe(n: number, good: number, keepOrEnter: (ratio: number) => boolean): void {
    this.n += n;
    this.good += good;
    if (this.n < NoCheckMode.WINDOW) return;
    this.active = keepOrEnter(this.good / this.n);
    this.n = 0;
    this.good = 0;
  }
}
