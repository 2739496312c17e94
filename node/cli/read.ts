/**
 * Reading from the command line: `newsmesh groups`, `newsmesh threads GROUP` and `newsmesh
 * show ID [--json]`, through the running node's local API. Text from other nodes is printed
 * with its control characters made visible on a terminal, so an article cannot drive it.
 */
import { Command, Option } from 'commander';
import type { Article } from '../../protocol/article';
import { GROUPS_PAGE_MAX, type GroupInfo, type ThreadInfo } from '../../protocol/api';
import { ApiClient } from './api-client';
import { apiOption } from './options';
import { CliError, fail } from './errors';

/** A Message-ID as typed: angle brackets may be left out (`abc@host`). */
export function normalizeId(id: string): string {
  const t = id.trim();
  return t.startsWith('<') ? t : `<${t}>`;
}

const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;
/** On a terminal, control characters (ESC, BEL, CR...) print as U+FFFD. */
export const safe = (s: string): string => (process.stdout.isTTY ? s.replace(CONTROL, '\uFFFD') : s);

/** The article as a person reads it: its headers, a blank line, its body. */
export function formatArticle(a: Article): string {
  const lines = [`From: ${a.from}`, `Newsgroups: ${a.newsgroups.join(',')}`, `Subject: ${a.subject}`, `Date: ${a.date}`, `Message-ID: ${a.id}`];
  if (a.references.length > 0) lines.push(`References: ${a.references.join(' ')}`);
  if (a.path.length > 0) lines.push(`Path: ${a.path.join('!')}`);
  for (const [k, v] of Object.entries(a.headers ?? {})) lines.push(`${k}: ${v}`);
  return `${lines.join('\n')}\n\n${a.body}${a.body.endsWith('\n') || a.body.length === 0 ? '' : '\n'}`;
}

export const readArticle = (api: ApiClient, id: string) => api.request<Article>('GET', `/api/articles/${encodeURIComponent(normalizeId(id))}`);

/** Pages asked for at most (the node lists at most GROUPS_PAGE_MAX groups a page). */
const MAX_GROUP_PAGES = 1_000;

/** Every group, following the pages of GET /api/groups (`after` = the last name of a full page). */
export async function allGroups(api: ApiClient, pageSize = GROUPS_PAGE_MAX): Promise<GroupInfo[]> {
  const out: GroupInfo[] = [];
  let after: string | undefined;
  for (let page = 0; page < MAX_GROUP_PAGES; page++) {
    const query = new URLSearchParams({ limit: String(pageSize), ...(after !== undefined ? { after } : {}) });
    const groups = await api.request<GroupInfo[]>('GET', `/api/groups?${query.toString()}`);
    out.push(...groups);
    // A short page is the last; so is a longer one (a node from before paging lists every group at once).
    if (groups.length !== pageSize) break;
    after = groups[groups.length - 1].name;
  }
  return out;
}

export function groupsCommand(): Command {
  return new Command('groups')
    .description('list the groups this node holds, with article counts and last activity')
    .option('--json', 'print the JSON of GET /api/groups')
    .addOption(apiOption())
    .addHelpText('after', '\nExample:\n  newsmesh groups\n')
    .action(async (opts: { json?: boolean; api: string }) => {
      try {
        const groups = await allGroups(new ApiClient(opts.api));
        if (opts.json) return void process.stdout.write(`${JSON.stringify(groups, null, 2)}\n`);
        if (groups.length === 0) return void process.stdout.write('no groups yet\n');
        const width = Math.max(...groups.map((g) => g.name.length));
        for (const g of groups) process.stdout.write(`${g.name.padEnd(width)}  ${String(g.count).padStart(7)}  ${g.lastPostAt ?? 'never'}\n`);
      } catch (err) {
        fail(err);
      }
    });
}

export function threadsCommand(): Command {
  return new Command('threads')
    .description("list a group's threads, newest activity first")
    .argument('<group>', 'the group')
    .addOption(new Option('--limit <n>', 'how many threads').default('20'))
    .option('--json', 'print the JSON of GET /api/groups/GROUP/threads')
    .addOption(apiOption())
    .addHelpText('after', '\nExamples:\n  newsmesh threads comp.lang.c\n  newsmesh threads test.chat --limit 100\n')
    .action(async (group: string, opts: { limit: string; json?: boolean; api: string }) => {
      try {
        const limit = Number(opts.limit);
        if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new CliError(`--limit must be a whole number from 1 to 1000, got "${opts.limit}"`, 2);
        const threads = await new ApiClient(opts.api).request<ThreadInfo[]>('GET', `/api/groups/${encodeURIComponent(group)}/threads?limit=${limit}`);
        if (opts.json) return void process.stdout.write(`${JSON.stringify(threads, null, 2)}\n`);
        if (threads.length === 0) return void process.stdout.write(`no threads in ${group}\n`);
        for (const t of threads) {
          const replies = t.articles - (t.hasRoot === false ? 0 : 1);
          process.stdout.write(`${t.lastDate.slice(0, 16).replace('T', ' ')}  ${String(replies).padStart(4)} repl${replies === 1 ? 'y ' : 'ies'}  ${safe(t.subject)}  (${safe(t.from)})  ${t.root}\n`);
        }
      } catch (err) {
        fail(err);
      }
    });
}

export function showCommand(): Command {
  return new Command('show')
    .description('print one article: its headers and body (or its JSON)')
    .argument('<id>', 'the Message-ID, with or without its angle brackets')
    .option('--json', 'print the JSON of GET /api/articles/ID')
    .addOption(apiOption())
    .addHelpText('after', "\nExamples:\n  newsmesh show '<m3k2.1a2b@node-a>'\n  newsmesh show m3k2.1a2b@node-a --json\n")
    .action(async (id: string, opts: { json?: boolean; api: string }) => {
      try {
        const a = await readArticle(new ApiClient(opts.api), id);
        process.stdout.write(opts.json ? `${JSON.stringify(a, null, 2)}\n` : safe(formatArticle(a)));
      } catch (err) {
        fail(err);
      }
    });
}
