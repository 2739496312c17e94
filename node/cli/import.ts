/**
 * `newsmesh import FILE [--group GROUP]`: reads an mbox (MIME mail or news, any charset) or
 * JSON-lines file, format from its first bytes, as a stream; sends the articles to the running
 * node in batches (POST /api/import, the next batch parsed while one is in flight) and prints
 * the counts of added, present and rejected articles. Idempotent: a second run adds nothing.
 * When fewer articles are held than the file lists, it says why and exits 1.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Command } from 'commander';
import { LIMITS } from '../../protocol/limits';
import { MboxReader, parseMboxMessage } from '../../protocol/mbox';
import { detectArticleFormat, JsonlReader } from '../../protocol/jsonl';
import { UserGroupNameSchema } from '../../protocol/group-name';
import type { ImportResult } from '../../protocol/archive-messages';
import { ApiClient } from './api-client';
import { apiOption } from './options';
import { CliError, fail } from './errors';

/** A batch is sent at this many articles or this many characters, whichever comes first. */
const BATCH_ARTICLES = 500;
const BATCH_CHARS = LIMITS.requestMaxBytes / 4;
/** Reasons printed for rejected articles (the count is always complete). */
const SHOW_PROBLEMS = 20;

async function sniff(file: string): Promise<'mbox' | 'jsonl'> {
  const fh = await open(file, 'r').catch((err: NodeJS.ErrnoException) => {
    throw new CliError(`cannot read ${file}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`);
  });
  try {
    const buf = Buffer.alloc(4096);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    const format = detectArticleFormat(buf.subarray(0, bytesRead).toString('utf8'));
    if (!format) throw new CliError(`${file}: neither an mbox file (starts with "From ") nor JSON lines (starts with "{")`);
    return format;
  } finally {
    await fh.close();
  }
}

/** Requests in flight: the node commits one batch while the next one travels and is parsed. */
const IN_FLIGHT = 2;

/** Batches articles to the node, a few requests in flight while the caller parses the next. */
class Sender {
  readonly total: ImportResult = { added: 0, present: 0, rejected: 0, problems: [] };
  /** Articles the file listed (sent or refused before sending). */
  listed = 0;
  private batch: unknown[] = [];
  private chars = 0;
  private readonly inFlight: Promise<void>[] = [];

  constructor(private readonly api: ApiClient) {}

  async add(item: unknown, size: number): Promise<void> {
    this.listed++;
    this.batch.push(item);
    this.chars += size;
    if (this.batch.length >= BATCH_ARTICLES || this.chars >= BATCH_CHARS) await this.flush();
  }

  /** An article of the file that could not even be sent (unreadable message, not JSON). */
  refuse(id: string, reason: string): void {
    this.listed++;
    this.rejected(id, reason);
  }

  async flush(): Promise<void> {
    if (this.batch.length === 0) return;
    while (this.inFlight.length >= IN_FLIGHT) await this.inFlight.shift();
    const articles = this.batch;
    this.batch = [];
    this.chars = 0;
    const sent = this.api.request<ImportResult>('POST', '/api/import', { articles }).then((r) => {
      this.total.added += r.added;
      this.total.present += r.present;
      for (const p of r.problems) this.rejected(p.id, p.reason);
    });
    // Raised when awaited (a later flush or done()); marked handled meanwhile.
    sent.catch(() => undefined);
    this.inFlight.push(sent);
  }

  private rejected(id: string, reason: string): void {
    this.total.rejected++;
    if (this.total.problems.length < SHOW_PROBLEMS) this.total.problems.push({ id, reason });
  }

  async done(): Promise<void> {
    await this.flush();
    while (this.inFlight.length > 0) await this.inFlight.shift();
  }
}

export function importCommand(): Command {
  return new Command('import')
    .description('import articles from an mbox (mail or news, MIME) or JSON-lines file; the format is read from the content')
    .argument('<file>', 'the file to read')
    .option('--group <group>', 'the group for messages that have no Newsgroups header (a mailing-list archive)')
    .addOption(apiOption())
    .addHelpText('after', '\nExamples:\n  newsmesh import backup.mbox\n  newsmesh import list-archive.mbox --group lists.tools\n')
    .action(async (file: string, opts: { group?: string; api: string }) => {
      try {
        let group: string | undefined;
        if (opts.group !== undefined) {
          const g = UserGroupNameSchema.safeParse(opts.group);
          if (!g.success) throw new CliError(`--group: ${g.error.issues[0].message}`, 2);
          group = g.data;
        }
        const format = await sniff(file);
        const sender = new Sender(new ApiClient(opts.api));
        const mbox = new MboxReader();
        const jsonl = new JsonlReader();
        const drain = async (final: boolean) => {
          if (format === 'mbox') {
            for (const item of final ? mbox.end() : mbox.take()) {
              if (!item.ok) {
                sender.refuse(`(message ${item.index})`, item.reason);
                continue;
              }
              const r = await parseMboxMessage(item.raw, { group });
              if (r.ok) await sender.add(r.article, item.raw.length);
              else sender.refuse(r.id ?? `(message ${item.index})`, r.reason);
            }
          } else {
            for (const item of final ? jsonl.end() : jsonl.take()) {
              if (!item.ok) sender.refuse('(no valid id)', item.problem.reason);
              else await sender.add(withGroup(item.value, group), item.size);
            }
          }
        };
        for await (const chunk of createReadStream(file, { highWaterMark: 256 * 1024 })) {
          if (format === 'mbox') mbox.pushBytes(chunk as Buffer);
          else jsonl.pushBytes(chunk as Buffer);
          await drain(false);
        }
        await drain(true);
        await sender.done();
        const { total } = sender;
        for (const p of total.problems) process.stderr.write(`rejected ${p.id}: ${p.reason}\n`);
        if (total.rejected > total.problems.length) process.stderr.write(`... and ${total.rejected - total.problems.length} more rejected\n`);
        process.stdout.write(`imported ${file} (${format}): ${total.added} added, ${total.present} present, ${total.rejected} rejected\n`);
        const held = total.added + total.present;
        if (held < sender.listed) throw new CliError(`only ${held} of the ${sender.listed} articles in ${file} are on the node; ${total.rejected} were rejected (reasons above)`);
      } catch (err) {
        fail(err);
      }
    });
}

/** A JSON-lines article without newsgroups takes --group. */
function withGroup(value: unknown, group: string | undefined): unknown {
  if (group === undefined || !value || typeof value !== 'object' || Array.isArray(value) || 'newsgroups' in value) return value;
  return { ...value, newsgroups: [group] };
}
