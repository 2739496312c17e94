/**
 * The byte-level reader under an NNTP connection (both ends): it collects socket chunks and
 * hands out either CRLF lines (command or status lines, capped in length) or, in data mode,
 * whole dot-terminated blocks (capped in size: past the cap the bytes are dropped while the
 * terminator is still looked for, so the connection stays in step). Resumes its search where
 * the last one stopped, and appends into a buffer that doubles, so a block arriving in many
 * chunks is scanned and copied a bounded number of times.
 */

const END = Buffer.from('\r\n.\r\n');
const EMPTY = Buffer.alloc(0);

export type LineRead = { line: string } | { tooLong: true };
export type BlockRead = { block: Buffer } | { tooLarge: number };

export class WireReader {
  /** The bytes received and not consumed are buf[pos..]; buf may be a view of `store`. */
  private buf: Buffer = EMPTY;
  private pos = 0;
  /** Owned storage with room to append in place (it doubles, so a long block is copied O(1) times per byte). */
  private store: Buffer = EMPTY;
  private owned = false;
  /** Where the terminator search resumes (relative to pos), for the block being read. */
  private scanned = 0;
  /** Discarding an over-long line up to its LF. */
  private skippingLine = false;
  /** Bytes of an over-large block already dropped. */
  private dropped = 0;

  constructor(
    private readonly lineMax: number,
    private readonly blockMax: number,
  ) {}

  push(chunk: Buffer): void {
    const end = this.buf.length;
    if (this.pos >= end) {
      this.buf = chunk;
      this.pos = 0;
      this.owned = false;
      return;
    }
    // Blocks handed out are views of bytes before `end`: appending past it never touches them.
    if (this.owned && end + chunk.length <= this.store.length) {
      chunk.copy(this.store, end);
      this.buf = this.store.subarray(0, end + chunk.length);
      return;
    }
    const rest = end - this.pos;
    const next = Buffer.allocUnsafe(Math.max(2 * (rest + chunk.length), 64 * 1024));
    this.buf.copy(next, 0, this.pos, end);
    chunk.copy(next, rest);
    this.store = next;
    this.owned = true;
    this.buf = next.subarray(0, rest + chunk.length);
    this.pos = 0;
  }

  /** Bytes received but not handed out yet. */
  get buffered(): number {
    return this.buf.length - this.pos;
  }

  /** The next line (without CRLF; a bare LF ends a line too), null when none is complete. */
  readLine(): LineRead | null {
    const nl = this.buf.indexOf(0x0a, this.pos);
    if (nl < 0) {
      if (this.buffered > this.lineMax) {
        // Keep nothing of it; answer once, then drop the rest of the line when it ends.
        this.pos = this.buf.length;
        const first = !this.skippingLine;
        this.skippingLine = true;
        return first ? { tooLong: true } : null;
      }
      return null;
    }
    const start = this.pos;
    this.pos = nl + 1;
    if (this.skippingLine) {
      this.skippingLine = false;
      return this.readLine();
    }
    if (nl + 1 - start > this.lineMax) return { tooLong: true };
    const end = nl > start && this.buf[nl - 1] === 0x0d ? nl - 1 : nl;
    return { line: this.buf.toString('latin1', start, end) };
  }

  /**
   * The next dot-terminated block: its bytes without the final ".\r\n" and still dot-stuffed,
   * null when it is not complete yet.
   */
  readBlock(): BlockRead | null {
    const start = this.pos;
    // An empty block is just ".\r\n".
    if (this.dropped === 0 && this.buffered >= 3 && this.buf[start] === 0x2e && this.buf[start + 1] === 0x0d && this.buf[start + 2] === 0x0a) {
      this.pos += 3;
      this.scanned = 0;
      return { block: EMPTY };
    }
    const from = start + Math.max(0, this.scanned - 4);
    const at = this.buf.indexOf(END, from);
    if (at < 0) {
      this.scanned = this.buffered;
      if (this.dropped + this.buffered > this.blockMax) {
        // Over the cap: drop what is here but the last 4 bytes (a terminator may straddle chunks).
        const keep = Math.min(4, this.buffered);
        this.dropped += this.buffered - keep;
        this.pos = this.buf.length - keep;
        this.scanned = keep;
      }
      return null;
    }
    this.pos = at + END.length;
    this.scanned = 0;
    const size = this.dropped + (at + 2 - start);
    if (this.dropped > 0 || size > this.blockMax) {
      this.dropped = 0;
      return { tooLarge: size };
    }
    return { block: this.buf.subarray(start, at + 2) };
  }
}

