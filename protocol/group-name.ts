/**
 * Group-name rules: dot-separated components of [a-z0-9+_-], at most 120 bytes.
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

export const GroupNameSchema = z.string().superRefine((name, ctx) => {
  const problem = groupNameProblem(name);
  if (problem) ctx.addIssue({ code: 'custom', message: `group name ${problem}` });
});

export type GroupName = z.infer<typeof GroupNameSchema>;
