/**
 * CLI failure reporting: user mistakes and refusals print one line `newsmesh: reason` on
 * stderr and exit non-zero, without a stack trace. Only unexpected errors show a stack.
 */
import { ZodError } from 'zod';
import { StoreLockedError } from '../store/db';
import { ListenError } from '../http/listen';
import { NmError } from '../errors';

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export function describeFailure(err: unknown): { message: string; exitCode: number; stack?: string } {
  if (err instanceof CliError) return { message: err.message, exitCode: err.exitCode };
  if (err instanceof StoreLockedError || err instanceof ListenError || err instanceof NmError) return { message: err.message, exitCode: 1 };
  if (err instanceof ZodError) {
    const i = err.issues[0];
    // Config keys are flags to the user: maxArticleBytes is --max-article-bytes.
    const flag = typeof i.path[0] === 'string' ? `--${i.path[0].replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}` : '';
    const where = i.path.length && !i.message.startsWith('--') ? `${flag || i.path.join('.')}: ` : '';
    return { message: `${where}${i.message}`, exitCode: 2 };
  }
  const e = err as Error;
  return { message: e?.message ?? String(err), exitCode: 1, stack: e?.stack };
}

/**
 * A refusal of the local API names the field of the JSON body (`newsgroups: ...`); on the
 * command line the person wrote a flag, so the message names that (`--group: ...`).
 */
export function asFlags(err: unknown, flags: Record<string, string>): unknown {
  if (!(err instanceof CliError)) return err;
  const m = /^([A-Za-z]+): /.exec(err.message);
  const flag = m ? flags[m[1]] : undefined;
  return flag ? new CliError(`${flag}: ${err.message.slice(m![0].length)}`, err.exitCode) : err;
}

export function fail(err: unknown): never {
  const d = describeFailure(err);
  process.stderr.write(`newsmesh: ${d.message}\n`);
  if (d.stack && process.env.NEWSMESH_DEBUG) process.stderr.write(`${d.stack}\n`);
  process.exit(d.exitCode);
}
