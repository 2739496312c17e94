/**
 * Message-ID rules (RFC 5536 section 3.1.3, simplified to what newsmesh accepts) and
 * generation of fresh ids for local posts. Generation takes its randomness and time as
 * arguments so it stays pure.
 */
import { z } from 'zod';
import { LIMITS } from './limits';
import { isPrintableAsciiNoSpace, utf8Bytes } from './text-rules';

/** `<left@right>`: printable ASCII, no spaces, no further `<`, `>` or `@` outside the separator. */
const MESSAGE_ID_RE = /^<[\x21-\x3b\x3d\x3f\x41-\x7e]+@[\x21-\x3b\x3d\x3f\x41-\x7e]+>$/;

/** Reason the string is not a Message-ID, or null when it is one. */
export function messageIdProblem(id: string): string | null {
  if (utf8Bytes(id) > LIMITS.messageIdMaxBytes) return `must be at most ${LIMITS.messageIdMaxBytes} bytes`;
  if (!isPrintableAsciiNoSpace(id)) return 'must be printable ASCII without spaces';
  if (!MESSAGE_ID_RE.test(id)) return 'must look like <left@right>';
  return null;
}

export const MessageIdSchema = z.string().superRefine((id, ctx) => {
  const problem = messageIdProblem(id);
  if (problem) ctx.addIssue({ code: 'custom', message: `message-id ${problem}` });
});

export type MessageId = z.infer<typeof MessageIdSchema>;

/**
 * A fresh id for a local post: time and random parts keep it unique; the node name as the
 * right-hand side says where it was born.
 */
export function newMessageId(nodeName: string, nowMs: number, random: string): string {
  return `<${nowMs.toString(36)}.${random}@${nodeName}>`;
}
