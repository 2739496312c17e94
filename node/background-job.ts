/**
 * The loop of a background sweep (history expiry, retention): one pass at start, then one every
 * `everyMs` on the Clock, until stop(). A pass that throws is logged and the loop goes on: the
 * jobs commit each slice on its own, so nothing half-done stays and the next pass resumes from
 * the store. Pauses between slices wait on the same stop signal, so stop() never waits them out.
 */
import type { Clock } from './clock';
import type { Logger } from './logger';

export interface BackgroundJobInit {
  /** Pause between passes. */
  everyMs: number;
  /** Logged (warn) with the error when a pass fails. */
  failed: string;
}

export class BackgroundJob {
  private readonly stopping = new AbortController();
  private loop: Promise<void> | null = null;

  constructor(
    private readonly c: { clock: Clock; logger: Logger },
    private readonly init: BackgroundJobInit,
    private readonly pass: () => Promise<void>,
  ) {}

  /** Whether stop() was called: long passes check it between slices. */
  get stopped(): boolean {
    return this.stopping.signal.aborted;
  }

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.loop;
  }

  /** Waits `ms` on the Clock, or less when the job stops meanwhile. */
  pause(ms: number): Promise<void> {
    return this.c.clock.sleep(ms, this.stopping.signal);
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.pass();
      } catch (err) {
        this.c.logger.warn({ err }, this.init.failed);
      }
      await this.pause(this.init.everyMs);
    }
  }
}
