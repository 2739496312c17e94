/**
 * A small pipelining NNTP client: outgoing feeds (CHECK/TAKETHIS, IHAVE), peer probing, tests
 * and the bench use it. Commands are written as they are given and their replies matched in
 * order; a reply is multi-line when its code says so for that command. Blocks (articles) are
 * dot-stuffed here. A connection that owes replies and hears nothing for `timeoutMs` is
 * dropped, failing everything pending; so is a connect that does not complete.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { dotStuff, undotStuff } from '../../protocol/nntp/dot-stuffing';
import { isMultiLine } from '../../protocol/nntp/replies';
import { systemClock, type Clock } from '../clock';
import { takethisFrame } from './stream-framing';
import { WireReader } from './wire-reader';

export interface ClientReply {
  code: number;
  text: string;
  /** The multi-line block, dot-stuffing undone, CRLF line ends (multi-line replies only). */
  block?: Buffer;
}

export interface ClientOptions {
  host: string;
  port: number;
  /** Local address to connect from (servers that know peers by address). */
  localAddress?: string;
  timeoutMs?: number;
  clock?: Clock;
  /** Largest multi-line reply read (default 64 MiB). */
  blockMax?: number;
}

interface Expect {
  verb: string;
  resolve: (r: ClientReply) => void;
  reject: (e: Error) => void;
  head?: { code: number; text: string };
}

export class NntpClientError extends Error {}

export class NntpClient {
  greeting!: ClientReply;
  private readonly reader: WireReader;
  private readonly queue: Expect[] = [];
  private closedWith: Error | null = null;
  private lastHeard: number;
  private readonly stop = new AbortController();
  private readonly clock: Clock;

  private constructor(
    private readonly socket: Socket,
    private readonly timeoutMs: number,
    clock: Clock,
    blockMax: number,
  ) {
    this.clock = clock;
    this.reader = new WireReader(64 * 1024, blockMax);
    this.lastHeard = clock.now();
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.lastHeard = this.clock.now();
      this.reader.push(chunk);
      this.read();
    });
    socket.on('error', (err) => this.fail(err));
    socket.on('close', () => this.fail(new NntpClientError('connection closed by the server')));
  }

  static async connect(opts: ClientOptions): Promise<NntpClient> {
    const clock = opts.clock ?? systemClock;
    const timeoutMs = opts.timeoutMs ?? 30_000;
    const socket = netConnect({ host: opts.host, port: opts.port, ...(opts.localAddress ? { localAddress: opts.localAddress } : {}) });
    const client = new NntpClient(socket, timeoutMs, clock, opts.blockMax ?? 64 * 1024 * 1024);
    const greeting = client.expect('');
    void client.watch();
    client.greeting = await greeting;
    return client;
  }

  /** Replies still owed. */
  get pending(): number {
    return this.queue.length;
  }

  get closed(): boolean {
    return this.closedWith !== null;
  }

  /** Sends one command line; resolves with its reply. */
  command(line: string): Promise<ClientReply> {
    const verb = line.split(' ', 1)[0].toUpperCase();
    const p = this.expect(verb);
    this.socket.write(`${line}\r\n`);
    return p;
  }

  /** Sends an article after a 340/335 go-ahead; resolves with the final reply. */
  sendBlock(article: Buffer, verb = 'POST'): Promise<ClientReply> {
    const p = this.expect(verb);
    this.socket.write(dotStuff(article));
    return p;
  }

  /** TAKETHIS: the command line and the article in one write. */
  takethis(id: string, article: Buffer): Promise<ClientReply> {
    const p = this.expect('TAKETHIS');
    this.socket.write(Buffer.concat(takethisFrame(id, article)));
    return p;
  }

  /** Writes pre-built bytes that carry `verbs.length` commands (one reply each). */
  writeMany(data: Buffer | string, verbs: string[]): Promise<ClientReply>[] {
    const ps = verbs.map((v) => this.expect(v));
    this.socket.write(data);
    return ps;
  }

  /** Resolves once the socket's write buffer has drained below `bytes` (or the connection is gone). */
  async writable(bytes = 1024 * 1024): Promise<void> {
    while (!this.closedWith && this.socket.writableLength > bytes) {
      await new Promise<void>((r) => {
        const done = () => {
          this.socket.off('drain', done);
          this.socket.off('close', done);
          r();
        };
        this.socket.on('drain', done);
        this.socket.on('close', done);
      });
    }
  }

  /** QUIT, politely, then close. */
  async quit(): Promise<void> {
    if (this.closed) return;
    await this.command('QUIT').catch(() => undefined);
    this.close();
  }

  close(): void {
    this.fail(new NntpClientError('connection closed'));
    this.socket.destroy();
  }

  private expect(verb: string): Promise<ClientReply> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    if (this.queue.length === 0) this.lastHeard = this.clock.now();
    return new Promise((resolve, reject) => this.queue.push({ verb, resolve, reject }));
  }

  private read(): void {
    while (this.queue.length > 0) {
      const head = this.queue[0];
      if (head.head) {
        const r = this.reader.readBlock();
        if (!r) return;
        this.queue.shift();
        if ('tooLarge' in r) return this.fail(new NntpClientError(`reply to ${head.verb} larger than the client takes (${r.tooLarge} bytes)`));
        head.resolve({ ...head.head, block: undotStuff(r.block) });
        continue;
      }
      const r = this.reader.readLine();
      if (!r) return;
      if ('tooLong' in r) return this.fail(new NntpClientError('status line too long'));
      const m = /^(\d{3})(?: (.*))?$/.exec(r.line);
      if (!m) return this.fail(new NntpClientError(`not an NNTP reply: ${r.line.slice(0, 80)}`));
      const code = Number(m[1]);
      const text = m[2] ?? '';
      if (head.verb !== '' && isMultiLine(head.verb, code)) head.head = { code, text };
      else {
        this.queue.shift();
        head.resolve({ code, text });
      }
    }
  }

  private fail(err: Error): void {
    if (this.closedWith) return;
    this.closedWith = err;
    this.stop.abort();
    for (const e of this.queue.splice(0)) e.reject(err);
    this.socket.destroy();
  }

  /** Drops a connection that owes replies and has been silent for timeoutMs. */
  private async watch(): Promise<void> {
    while (!this.closedWith) {
      await this.clock.sleep(Math.max(50, this.timeoutMs / 4), this.stop.signal);
      if (this.closedWith) return;
      if (this.queue.length > 0 && this.clock.now() - this.lastHeard > this.timeoutMs) {
        this.fail(new NntpClientError(`no reply within ${this.timeoutMs} ms`));
      }
    }
  }
}
