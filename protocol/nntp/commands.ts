/**
 * Command lines and their arguments (RFC 3977 section 3.1): a case-insensitive keyword and
 * arguments separated by spaces or tabs, at most 512 octets with the CRLF; article numbers and
 * ranges (`n`, `n-`, `n-m`); message-id arguments. Parsing never throws: a bad argument is
 * a reason the session turns into 501. Pure: no I/O.
 */
import { messageIdProblem } from '../message-id';

/** RFC 3977 section 3.1: a command line is at most 512 octets, CRLF included. */
export const COMMAND_LINE_MAX = 512;

/** Article numbers are 1..2^63-1 in RFC 3977; here they stay exact JavaScript integers. */
export const ARTICLE_NUMBER_MAX = Number.MAX_SAFE_INTEGER;

export interface CommandLine {
  /** The keyword in upper case. */
  verb: string;
  args: string[];
}

/** Splits a command line (without its CRLF). Null for an empty line. */
export function parseCommandLine(line: string): CommandLine | null {
  const words = line.split(/[ \t]+/).filter((w) => w.length > 0);
  if (words.length === 0) return null;
  return { verb: words[0].toUpperCase(), args: words.slice(1) };
}

export interface Range {
  low: number;
  /** Inclusive; ARTICLE_NUMBER_MAX for an open `n-`. */
  high: number;
}

const NUMBER_RE = /^\d{1,16}$/;

export function parseArticleNumber(s: string): number | null {
  if (!NUMBER_RE.test(s)) return null;
  const n = Number(s);
  return n <= ARTICLE_NUMBER_MAX ? n : null;
}

/** `n`, `n-` or `n-m` (an empty range when m < n, as the RFC says). */
export function parseRange(s: string): Range | null {
  const dash = s.indexOf('-');
  if (dash < 0) {
    const n = parseArticleNumber(s);
    return n === null ? null : { low: n, high: n };
  }
  const low = parseArticleNumber(s.slice(0, dash));
  if (low === null) return null;
  const rest = s.slice(dash + 1);
  if (rest === '') return { low, high: ARTICLE_NUMBER_MAX };
  const high = parseArticleNumber(rest);
  return high === null ? null : { low, high };
}

/** True when the argument is meant as a message-id (RFC 3977: it starts with "<"). */
export function looksLikeMessageId(s: string): boolean {
  return s.startsWith('<');
}

/** The message-id of an argument, or a reason it is not one. */
export function parseMessageIdArg(s: string): { id: string } | { problem: string } {
  const problem = messageIdProblem(s);
  return problem ? { problem: `message-id ${problem}` } : { id: s };
}
