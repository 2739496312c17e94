/**
 * `newsmesh import FILE`: reads an mbox or JSON-lines file (format from its first bytes) as
 * a stream, sends the articles to the running node in batches (POST /api/import), and prints
 * the counts of added, present and rejected articles. Idempotent: a second run adds nothing.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Command } from 'commander';
import { LIMITS } from '../../protocol/limits';
import { MboxReader, parseMboxMessage } from '../../protocol/mbox';
import { detectArticleFormat, JsonlReader } from '../../protocol/jsonl';
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
  const fh = await open(file, 'r');
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
    .description('import articles from an mbox or JSON-lines file (format from the content)')
    .argument('<file>', 'the file to read')
    .addOption(apiOption())
    .action(async (file: string, opts: { api: string }) => {
      try {
        const format = await sniff(file);
        const api = new ApiClient(opts.api);
        const total: ImportResult = { added: 0, present: 0, rejected: 0, problems: [] };
        let batch: unknown[] = [];
        let chars = 0;
        const send = async () => {
          if (batch.length === 0) return;
          const r = await api.request<ImportResult>('POST', '/api/import', { articles: batch });
          total.added += r.added;
          total.present += r.present;
          total.rejected += r.rejected;
          for (const p of r.problems) if (total.problems.length < SHOW_PROBLEMS) total.problems.push(p);
          batch = [];
          chars = 0;
        };
        const add = async (item: unknown, size: number) => {
          batch.push(item);
          chars += size;
          if (batch.length >= BATCH_ARTICLES || chars >= BATCH_CHARS) await send();
        };
        const mbox = new MboxReader();
        const jsonl = new JsonlReader();
        const drain = async (final: boolean) => {
          if (format === 'mbox') {
            for (const text of final ? mbox.end() : mbox.take()) await add(parseMboxMessage(text), text.length);
          } else {
            for (const item of final ? jsonl.end() : jsonl.take()) {
              if (item.ok) await add(item.value, item.size);
              else {
                total.rejected++;
                if (total.problems.length < SHOW_PROBLEMS) total.problems.push({ id: '(no valid id)', reason: item.problem.reason });
              }
            }
          }
        };
        for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: 256 * 1024 })) {
          if (format === 'mbox') mbox.push(chunk as string);
          else jsonl.push(chunk as string);
          await drain(false);
        }
        await drain(true);
        await send();
        for (const p of total.problems) process.stderr.write(`rejected ${p.id}: ${p.reason}\n`);
        process.stdout.write(`imported ${file} (${format}): ${total.added} added, ${total.present} present, ${total.rejected} rejected\n`);
      } catch (err) {
        fail(err);
      }
    });
}
