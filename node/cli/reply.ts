/**
 * `newsmesh reply ID --from FROM`: answers an article through the running node. The groups
 * are the parent's (its Followup-To when it names groups), the subject gets `Re: ` once, the
 * references are the parent's plus its id. The body comes from --body, else from stdin, else
 * from $VISUAL / $EDITOR on a file that quotes the parent; an empty body sends nothing.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { replyReferences, replySubject, type Article } from '../../protocol/article';
import { ApiClient } from './api-client';
import { apiOption } from './options';
import { asFlags, CliError, fail } from './errors';
import { POST_FLAGS } from './post';
import { readArticle } from './read';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The parent quoted for the editor, under a line that says who wrote it. */
export function quoteParent(parent: Article): string {
  const lines = parent.body.replace(/\n$/, '').split('\n');
  return `${parent.from} wrote:\n${lines.map((l) => (l.length > 0 ? `> ${l}` : '>')).join('\n')}\n\n`;
}

/** Runs the person's editor on a file holding the quoted parent; answers what they wrote. */
function fromEditor(parent: Article): string {
  const editor = process.env.VISUAL || process.env.EDITOR;
  if (!editor) throw new CliError('no body: give --body, pipe the text on stdin, or set $EDITOR', 2);
  const dir = mkdtempSync(join(tmpdir(), 'newsmesh-reply-'));
  const file = join(dir, 'reply.txt');
  const start = quoteParent(parent);
  try {
    writeFileSync(file, start);
    // Through the shell, as git and mail tools do: EDITOR may carry arguments ("code --wait").
    const run = spawnSync(`${editor} "${file}"`, { shell: true, stdio: 'inherit' });
    if (run.error || run.status !== 0) throw new CliError(`the editor (${editor}) failed${run.status !== null ? ` with exit code ${run.status}` : ''}; nothing was sent`);
    const text = readFileSync(file, 'utf8');
    return text === start ? '' : text;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Followup-To names the groups answers go to; "poster" means by mail, which a node cannot do. */
function replyGroups(parent: Article): string[] {
  const followup = Object.entries(parent.headers ?? {}).find(([k]) => k.toLowerCase() === 'followup-to')?.[1];
  const groups = followup?.split(',').map((g) => g.trim()).filter((g) => g.length > 0 && g.toLowerCase() !== 'poster');
  return groups && groups.length > 0 ? groups : parent.newsgroups;
}

export function replyCommand(): Command {
  return new Command('reply')
    .description('reply to an article: same groups, "Re: " subject, references set')
    .argument('<id>', 'the Message-ID to answer, with or without its angle brackets')
    .addOption(new Option('--from <from>', 'author').env('NEWSMESH_FROM').makeOptionMandatory())
    .option('--subject <subject>', 'subject line (default: "Re: " and the parent\'s)')
    .option('--body <text>', 'body text (default: stdin, or $EDITOR when stdin is a terminal or empty)')
    .addOption(apiOption())
    .addHelpText('after', "\nExamples:\n  echo 'Agreed.' | newsmesh reply '<m3k2.1a2b@node-a>' --from 'Zoë <zoe@example.org>'\n  EDITOR=nano newsmesh reply m3k2.1a2b@node-a --from zoe@example.org\n")
    .action(async (id: string, opts: { from: string; subject?: string; body?: string; api: string }) => {
      try {
        const api = new ApiClient(opts.api);
        const parent = await readArticle(api, id);
        let body = opts.body ?? (process.stdin.isTTY ? '' : await readStdin());
        if (body.trim().length === 0 && opts.body === undefined) body = fromEditor(parent);
        if (body.trim().length === 0) throw new CliError('the reply is empty; nothing was sent');
        const { id: newId } = await api.request<{ id: string }>('POST', '/api/articles', {
          newsgroups: replyGroups(parent),
          from: opts.from,
          subject: opts.subject ?? replySubject(parent.subject),
          body,
          references: replyReferences(parent),
        });
        process.stdout.write(`${newId}\n`);
      } catch (err) {
        fail(asFlags(err, POST_FLAGS));
      }
    });
}
