/**
 * NNTP response codes (RFC 3977, RFC 4643 AUTHINFO, RFC 4644 streaming) by name, and the
 * formatting of single-line and multi-line replies. A reply is always built whole, so a
 * session can hand it to the socket in one write. Pure: no I/O.
 */
import { dotStuffLine } from './dot-stuffing';

export const CODE = {
  HELP: 100,
  CAPABILITIES: 101,
  DATE: 111,
  READY_POSTING: 200,
  READY_NO_POSTING: 201,
  STREAMING_OK: 203,
  BYE: 205,
  GROUP_SELECTED: 211,
  LIST_FOLLOWS: 215,
  ARTICLE_FOLLOWS: 220,
  HEAD_FOLLOWS: 221,
  BODY_FOLLOWS: 222,
  ARTICLE_EXISTS: 223,
  OVERVIEW_FOLLOWS: 224,
  HEADERS_FOLLOW: 225,
  NEWNEWS_FOLLOWS: 230,
  NEWGROUPS_FOLLOW: 231,
  IHAVE_OK: 235,
  CHECK_SEND: 238,
  TAKETHIS_OK: 239,
  POST_OK: 240,
  AUTH_OK: 281,
  IHAVE_SEND: 335,
  POST_SEND: 340,
  PASSWORD_NEEDED: 381,
  UNAVAILABLE: 400,
  NO_SUCH_GROUP: 411,
  NO_GROUP_SELECTED: 412,
  NO_CURRENT_ARTICLE: 420,
  NO_NEXT_ARTICLE: 421,
  NO_PREVIOUS_ARTICLE: 422,
  NO_ARTICLE_NUMBER: 423,
  NO_ARTICLE_ID: 430,
  CHECK_LATER: 431,
  IHAVE_NOT_WANTED: 435,
  IHAVE_LATER: 436,
  IHAVE_REJECTED: 437,
  CHECK_NOT_WANTED: 438,
  TAKETHIS_REJECTED: 439,
  POST_NOT_PERMITTED: 440,
  POST_FAILED: 441,
  AUTH_REQUIRED: 480,
  AUTH_REJECTED: 481,
  AUTH_OUT_OF_SEQUENCE: 482,
  UNKNOWN_COMMAND: 500,
  SYNTAX_ERROR: 501,
  NOT_PERMITTED: 502,
  NOT_SUPPORTED: 503,
} as const;

export type ReplyCode = (typeof CODE)[keyof typeof CODE];

/** Text on a status line: one line, printable (a reason may quote hostile input). */
export function cleanText(text: string): string {
  return text.replace(/[\x00-\x1f\x7f]+/g, ' ').slice(0, 400);
}

/** `CODE text\r\n`. */
export function statusLine(code: number, text: string): string {
  return `${code} ${cleanText(text)}\r\n`;
}

/** A multi-line reply: status line, the lines (dot-stuffed), and the terminating `.`. */
export function multiLine(code: number, text: string, lines: readonly string[]): string {
  let out = statusLine(code, text);
  for (const l of lines) out += `${dotStuffLine(l)}\r\n`;
  return `${out}.\r\n`;
}

/** True when a reply with this code to this command carries a multi-line block (client side). */
export function isMultiLine(verb: string, code: number): boolean {
  switch (code) {
    case CODE.HELP:
    case CODE.CAPABILITIES:
    case CODE.LIST_FOLLOWS:
    case CODE.ARTICLE_FOLLOWS:
    case CODE.HEAD_FOLLOWS: // also XHDR's list
    case CODE.BODY_FOLLOWS:
    case CODE.OVERVIEW_FOLLOWS:
    case CODE.HEADERS_FOLLOW:
    case CODE.NEWNEWS_FOLLOWS:
    case CODE.NEWGROUPS_FOLLOW:
      return true;
    case CODE.GROUP_SELECTED:
      return verb === 'LISTGROUP';
    default:
      return false;
  }
}
