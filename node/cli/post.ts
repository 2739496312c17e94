/**
 * `newsmesh post`: posts one article through the running node's local API; the body comes
 * from --body or, when absent, from stdin. Prints the new Message-ID.
 */
import { Command } from 'commander';
import { ApiClient } from './api-client';
import { apiOption } from './options';
import { asFlags, fail } from './errors';

/** The body fields of POST /api/articles as this command's flags. */
export const POST_FLAGS = { newsgroups: '--group', from: '--from', subject: '--subject', body: '--body', references: '--references' };

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export function postCommand(): Command {
  return new Command('post')
    .description('post an article to a group')
    .requiredOption('--group <group>', 'newsgroup(s), comma-separated')
    .requiredOption('--from <from>', 'author')
    .requiredOption('--subject <subject>', 'subject line')
    .option('--body <text>', 'body text (read from stdin when absent)')
    .option('--references <ids>', 'message-ids this replies to, space-separated, oldest first')
    .addOption(apiOption())
    .action(async (opts: { group: string; from: string; subject: string; body?: string; references?: string; api: string }) => {
      try {
        const body = opts.body ?? (await readStdin());
        const references = opts.references ? opts.references.split(/\s+/).filter(Boolean) : undefined;
        const api = new ApiClient(opts.api);
        const { id } = await api.request<{ id: string }>('POST', '/api/articles', {
          newsgroups: opts.group,
          from: opts.from,
          subject: opts.subject,
          body,
          ...(references ? { references } : {}),
        });
        process.stdout.write(`${id}\n`);
      } catch (err) {
        fail(asFlags(err, POST_FLAGS));
      }
    });
}
