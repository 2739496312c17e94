/**
 * Group-name rules: dot-separated components of [a-z0-9+_-], at most 120 bytes. One rule for
 * case everywhere: group names are lower case, and what a person types (the pages, the CLI,
 * the local API's bodies and paths, an import's --group) is lowercased before the check, so
 * `Test.Chat` means `test.chat`. Articles from peers and files carry their Newsgroups as
 * signed and stored, so GroupNameSchema itself does not rewrite them.
 */
import { z } from 'zod';
import { LIMITS } from './limits';

const GROUP_RE = /^[a-z0-9+_-]+(\.[a-z0-9+_-]+)*$/;

/** Reason the string is not a group name, or null. */
export function groupNameProblem(name: string): string | null {
  if (name.length === 0) return 'must not be empty';
  if (name.length > LIMITS.groupNameMaxBytes) return `must be at most ${LIMITS.groupNameMaxBytes} bytes`;
  if (!GROUP_RE.test(name)) return 'must be dot-separated components of a-z 0-9 + _ -';
  return null;
}

/** The canonical spelling of a group name a person typed: trimmed, lower case. */
export function normalizeGroupName(name: string): string {
  return name.trim().toLowerCase();
}

/** A short, printable echo of a bad name for the message. */
const quoted = (name: string) => JSON.stringify(name.length > 40 ? `${name.slice(0, 40)}…` : name);

export const GroupNameSchema = z.string().superRefine((name, ctx) => {
  const problem = groupNameProblem(name);
  if (problem) ctx.addIssue({ code: 'custom', message: name.length > 0 ? `group name ${quoted(name)} ${problem}` : `group name ${problem}` });
});

/** A group name as a person gives it: normalized, then held to GroupNameSchema. */
export const UserGroupNameSchema = z.preprocess((v) => (typeof v === 'string' ? normalizeGroupName(v) : v), GroupNameSchema);

export type GroupName = z.infer<typeof GroupNameSchema>;
