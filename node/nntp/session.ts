/**
 * One NNTP connection on the server side: reads command lines and data blocks from the socket
 * (WireReader), runs each command from the session's command table, and writes the replies in
 * command order however they finish. Ordinary commands run one at a time (reading pauses while
 * one is busy, so state such as the current group is always up to date); commands marked
 * `concurrent` (CHECK, TAKETHIS) overlap, which is what makes a streaming feed fast. Replies
 * that are ready together go out in one socket write; long ones (OVER of a big range) are
 * produced piece by piece, waiting for the socket to drain. Reading pauses while too many
 * replies wait or the socket's buffer is full, so a client that does not read costs bounded
 * memory.
 */
import type { Socket } from 'node:net';
import { COMMAND_LINE_MAX, parseCommandLine } from '../../protocol/nntp/commands';
import { CODE, statusLine } from '../../protocol/nntp/replies';
import type { Logger } from '../logger';
import { WireReader, type BlockRead } from './wire-reader';

export type Out = string | Buffer;

/** Writes a piece of a long reply; resolves when the socket can take more. */
export type Emit = (chunk: Out) => Promise<void>;

export type Answer =
  | Out
  /** A long multi-line reply produced piece by piece. */
  | { stream: (emit: Emit) => Promise<void> }
  /** POST/IHAVE: `first` (340/335) goes out, then the block is read and `onBlock` answers it. */
  | { first: Out; onBlock: (r: BlockRead) => Promise<Out> | Out }
  /** The reply, then the connection closes (QUIT, fatal errors). */
  | { close: Out };

export interface CommandContext {
  session: Session;
  verb: string;
  args: string[];
}

export interface CommandSpec {
  /** Runs without waiting for earlier commands (state-free transit commands). */
  concurrent?: boolean;
  /** Who may use it: readers (default), anyone (CAPABILITIES, QUIT, AUTHINFO...). */
  access?: 'read' | 'any';
  /** TAKETHIS: a block always follows the command line, whatever the answer. */
  withBlock?: (ctx: CommandContext, block: BlockRead) => Promise<Out> | Out;
  run?: (ctx: CommandContext) => Answer | Promise<Answer>;
}

export type CommandTable = ReadonlyMap<string, CommandSpec>;

export interface SessionLimits {
  /** Largest data block (article) read; larger ones are dropped and refused. */
  blockMax: number;
  /** Replies waiting to be written before reading pauses. */
  maxPending: number;
  /** Bytes in the socket's write buffer before reading pauses. */
  writeHighWater: number;
  /** Bytes of articles handed to concurrent commands (TAKETHIS) and not answered yet, before reading pauses. */
  maxBlockBytesInFlight: number;
}

export interface SessionHooks {
  /** The commands this session may use now (they change with MODE, AUTHINFO, peer status). */
  table(session: Session): CommandTable;
  /** Whether reading commands (access 'read') are allowed now: true, or the refusal to send. */
  mayRead(session: Session): true | string;
  now(): number;
  log: Logger;
}

interface Slot {
  ready: boolean;
  answer: Answer | null;
}

export class Session {
  /** Set by the commands: selected group and current article number. */
  group: string | null = null;
  current: number | null = null;
  /** AUTHINFO state. */
  user: string | null = null;
  authenticated = false;
  /** NNTP peers whose address this connection comes from (transit is theirs to use). */
  peers: string[] = [];
  /** MODE READER was sent (a peer connection then reads like a reader). */
  readerMode = false;
  lastActive: number;
  closed = false;

  private readonly reader: WireReader;
  private readonly slots: Slot[] = [];
  private busy = false;
  private blockHandler: ((r: BlockRead) => void) | null = null;
  private flushing = false;
  private paused = false;
  private closeAfterFlush = false;
  private flushScheduled = false;
  /** Bytes of blocks whose command has not answered yet. */
  private blockBytes = 0;

  constructor(
    readonly socket: Socket,
    readonly remoteAddress: string,
    private readonly hooks: SessionHooks,
    private readonly limits: SessionLimits,
  ) {
    this.reader = new WireReader(COMMAND_LINE_MAX, limits.blockMax);
    this.lastActive = hooks.now();
    socket.on('data', (chunk: Buffer) => {
      this.lastActive = this.hooks.now();
      this.reader.push(chunk);
      this.pump();
    });
    socket.on('drain', () => {
      this.lastActive = this.hooks.now();
      this.drained?.();
      this.flowControl();
    });
    socket.on('close', () => this.onClosed());
    socket.on('error', () => this.onClosed());
  }

  /** Waiting replies and work: a session with any is not idle. */
  get pending(): number {
    return this.slots.length + (this.busy ? 1 : 0);
  }

  /** Sends the greeting (or a refusal, then closes). */
  greet(text: string, thenClose = false): void {
    this.slots.push({ ready: true, answer: thenClose ? { close: text } : text });
    this.scheduleFlush();
  }

  /** Closes at once (idle timeout, server shutdown), after a last line when given. */
  end(lastLine?: string): void {
    if (this.closed) return;
    if (lastLine) this.socket.end(lastLine);
    else this.socket.end();
    this.onClosed();
  }

  private onClosed(): void {
    if (this.closed) return;
    this.closed = true;
    this.slots.length = 0;
    this.blockHandler = null;
    this.drained?.();
    this.onClose?.();
  }

  /** Set by the server to release the connection's accounting. */
  onClose: (() => void) | null = null;
  private drained: (() => void) | null = null;

  // ---- reading -------------------------------------------------------------------------

  private pump(): void {
    while (!this.closed && !this.paused) {
      // A block that was announced is read even while its command is busy (POST, IHAVE).
      if (this.blockHandler) {
        const r = this.reader.readBlock();
        if (!r) break;
        const h = this.blockHandler;
        this.blockHandler = null;
        h(r);
        continue;
      }
      if (this.busy) break;
      const r = this.reader.readLine();
      if (!r) break;
      if ('tooLong' in r) this.push(statusLine(CODE.SYNTAX_ERROR, `command line longer than ${COMMAND_LINE_MAX} octets`));
      else this.dispatch(r.line);
    }
    this.flowControl();
  }

  private dispatch(line: string): void {
    const cmd = parseCommandLine(line);
    if (!cmd) return; // blank lines are ignored, as INN does
    const spec = this.hooks.table(this).get(cmd.verb);
    if (!spec) return void this.push(statusLine(CODE.UNKNOWN_COMMAND, `unknown command ${cmd.verb.slice(0, 20)}`));
    const ctx: CommandContext = { session: this, verb: cmd.verb, args: cmd.args };
    const may = spec.access === 'any' || this.hooks.mayRead(this);
    if (may !== true) {
      if (spec.withBlock) this.blockHandler = () => undefined; // the article still follows: drop it
      return void this.push(may);
    }
    const slot: Slot = { ready: false, answer: null };
    this.slots.push(slot);
    if (spec.withBlock) {
      const withBlock = spec.withBlock;
      this.blockHandler = (r) => {
        const size = 'block' in r ? r.block.length : 0;
        this.blockBytes += size;
        this.settle(slot, () => withBlock(ctx, r), () => {
          this.blockBytes -= size;
          this.flowControl();
        });
      };
      return;
    }
    const run = spec.run!;
    if (spec.concurrent) return void this.settle(slot, () => run(ctx));
    this.busy = true;
    this.settle(slot, () => run(ctx), () => {
      this.busy = false;
      this.pump();
    });
  }

  /** Runs a handler and files its answer in the slot; `after` runs once the answer is known. */
  private settle(slot: Slot, work: () => Answer | Promise<Answer>, after?: () => void): void {
    let result: Answer | Promise<Answer>;
    try {
      result = work();
    } catch (err) {
      result = this.fault(err);
    }
    if (result instanceof Promise) {
      result.then(
        (a) => this.fill(slot, a, after),
        (err: unknown) => this.fill(slot, this.fault(err), after),
      );
    } else this.fill(slot, result, after);
  }

  private fault(err: unknown): Out {
    this.hooks.log.error({ err }, 'nntp command failed');
    return statusLine(403, 'internal fault');
  }

  private fill(slot: Slot, answer: Answer, after?: () => void): void {
    if (this.closed) return;
    if (typeof answer === 'object' && 'first' in answer) {
      // The go-ahead goes out in order; the block that follows is read next (no command line
      // is parsed before it: `busy` holds), and its answer takes the slot right after this one.
      slot.answer = answer.first;
      slot.ready = true;
      const next: Slot = { ready: false, answer: null };
      this.slots.push(next);
      this.blockHandler = (r) => this.settle(next, () => answer.onBlock(r), after);
      this.scheduleFlush();
      this.pump();
      return;
    }
    slot.answer = answer;
    slot.ready = true;
    this.scheduleFlush();
    after?.();
  }

  /** A reply that needs no work, in order. */
  private push(out: Out): void {
    this.slots.push({ ready: true, answer: out });
    this.scheduleFlush();
  }

  /**
   * Flushes once the current turn of the event loop is done: the replies of a whole group
   * commit (hundreds of TAKETHIS) resolve in one turn and then go out in one write, not one
   * syscall each. setImmediate is ordering, not time, so it is not the Clock's business.
   */
  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  // ---- writing ---------------------------------------------------------------------------

  /** Writes every ready reply at the head, in one write where it can. */
  private flush(): void {
    if (this.flushing || this.closed) return;
    this.flushing = true;
    let batch: Out[] = [];
    const writeBatch = () => {
      if (batch.length === 0) return;
      const data = batch.length === 1 ? batch[0] : batch.every((b) => typeof b === 'string') ? batch.join('') : Buffer.concat(batch.map((b) => (typeof b === 'string' ? Buffer.from(b) : b)));
      batch = [];
      this.socket.write(data);
    };
    while (this.slots.length > 0 && this.slots[0].ready && !this.closed) {
      const { answer } = this.slots.shift()!;
      if (typeof answer === 'string' || Buffer.isBuffer(answer)) batch.push(answer);
      else if (answer && 'close' in answer) {
        batch.push(answer.close);
        writeBatch();
        this.closeAfterFlush = true;
        this.socket.end();
        this.onClosed();
        break;
      } else if (answer && 'stream' in answer) {
        writeBatch();
        void this.stream(answer.stream);
        return; // stream() resumes flushing when it is done
      }
    }
    writeBatch();
    this.flushing = false;
    this.flowControl();
  }

  private async stream(produce: (emit: Emit) => Promise<void>): Promise<void> {
    const emit: Emit = async (chunk) => {
      if (this.closed) throw new Error('connection closed');
      if (!this.socket.write(chunk)) await new Promise<void>((r) => (this.drained = r));
      this.drained = null;
      this.lastActive = this.hooks.now();
    };
    try {
      await produce(emit);
    } catch (err) {
      if (!this.closed) {
        this.hooks.log.error({ err }, 'nntp reply failed half way');
        this.end();
      }
    }
    this.flushing = false;
    this.flush();
  }

  /** Pauses reading while replies pile up or the client does not read them; resumes after. */
  private flowControl(): void {
    if (this.closed || this.closeAfterFlush) return;
    const full = this.slots.length >= this.limits.maxPending || this.socket.writableLength >= this.limits.writeHighWater || this.blockBytes >= this.limits.maxBlockBytesInFlight;
    if (full && !this.paused) {
      this.paused = true;
      this.socket.pause();
    } else if (!full && this.paused) {
      this.paused = false;
      this.socket.resume();
      this.pump();
    }
  }
}
