/**
 * `newsmesh import FILE [--group GROUP]`: reads an mbox (MIME mail or news, any charset) or
 * JSON-lines file, format from its first bytes, as a stream; hands the articles to the sender
 * (import-sender.ts: batches to POST /api/import, the next one parsed while one is in flight)
 * and prints the counts of added, present and rejected articles. Idempotent: a second run adds nothing.
 * When fewer articles are held than the file lists, it says why and exits 1.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Command } from 'commander';
import { MboxReader, parseMboxMessage } from '../../protocol/mbox';
import { detectArticleFormat, JsonlReader } from '../../protocol/jsonl';
import { UserGroupNameSchema } from '../../protocol/group-name';
import { ApiClient } from './api-client';
import { ImportSender } from './import-sender';
import { apiOption } from './options';
import { CliError, fail } from './errors';

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
        const sender = new ImportSender(new ApiClient(opts.api));
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
