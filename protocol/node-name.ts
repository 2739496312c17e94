/**
 * Node names appear in `path` and as the right side of local Message-IDs, so they are
 * restricted to a safe subset: letters, digits, dot, dash, underscore.
 */
import { z } from 'zod';
import { LIMITS } from './limits';

const NODE_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export function nodeNameProblem(name: string): string | null {
  if (name.length === 0 || name.length > LIMITS.nodeNameMaxBytes) return `must be 1 to ${LIMITS.nodeNameMaxBytes} characters`;
  if (!NODE_NAME_RE.test(name)) return 'must be letters, digits, ".", "-" or "_" and start with a letter or digit';
  return null;
}

export const NodeNameSchema = z.string().superRefine((name, ctx) => {
  const problem = nodeNameProblem(name);
  if (problem) ctx.addIssue({ code: 'custom', message: `node name ${problem}` });
});
