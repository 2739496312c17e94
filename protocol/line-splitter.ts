/**
 * Incremental line splitting shared by the file codecs: chunks go in, whole lines come out
 * through `line()`, items accumulate in `ready` until taken. Memory holds one partial line
 * (at most `maxLineChars`: the rest of a longer line is dropped and `overlong()` says so)
 * plus whatever the subclass keeps. Pure.
 */
export abstract class LineSplitter<T> {
  private buf = '';
  /** Inside a line that grew past maxLineChars: drop until its newline. */
  private skipping = false;
  protected readonly ready: T[] = [];
  protected readonly maxLineChars: number = Number.POSITIVE_INFINITY;

  push(chunk: string): void {
    this.buf += chunk;
    let nl: number;
    let start = 0;
    while ((nl = this.buf.indexOf('\n', start)) >= 0) {
      if (this.skipping) this.skipping = false;
      else this.line(this.buf.slice(start, nl));
      start = nl + 1;
    }
    this.buf = this.buf.slice(start);
    if (this.buf.length > this.maxLineChars) {
      if (!this.skipping) this.overlong();
      this.skipping = true;
      this.buf = '';
    }
  }

  /** Items completed so far. */
  take(): T[] {
    return this.ready.splice(0, this.ready.length);
  }

  /** Flushes the last partial line and lets the subclass close its last item. */
  end(): T[] {
    if (this.buf.length > 0 && !this.skipping) this.line(this.buf);
    this.buf = '';
    this.skipping = false;
    this.finish();
    return this.take();
  }

  protected abstract line(raw: string): void;

  /** A line longer than maxLineChars began; its text is dropped. */
  protected overlong(): void {}

  protected finish(): void {}
}
