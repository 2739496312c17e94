/**
 * Incremental line splitting shared by the file codecs: chunks go in, whole lines come out
 * through `line()`, items accumulate in `ready` until taken. Memory holds one partial line
 * plus whatever the subclass keeps. Pure.
 */
export abstract class LineSplitter<T> {
  private buf = '';
  protected readonly ready: T[] = [];

  push(chunk: string): void {
    this.buf += chunk;
    let nl: number;
    let start = 0;
    while ((nl = this.buf.indexOf('\n', start)) >= 0) {
      this.line(this.buf.slice(start, nl));
      start = nl + 1;
    }
    this.buf = this.buf.slice(start);
  }

  /** Items completed so far. */
  take(): T[] {
    return this.ready.splice(0, this.ready.length);
  }

  /** Flushes the last partial line and lets the subclass close its last item. */
  end(): T[] {
    if (this.buf.length > 0) this.line(this.buf);
    this.buf = '';
    this.finish();
    return this.take();
  }

  protected abstract line(raw: string): void;

  protected finish(): void {}
}
