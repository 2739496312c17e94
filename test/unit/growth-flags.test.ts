/**
 * The bounded-growth flags of `newsmesh start` (--accept-groups, --max-groups, --max-queue,
 * --history-days): each has its environment variable, a default, and a bad value names its
 * flag and the rule.
 */
import { startCommand } from '../../node/cli/start';
import { NodeConfigSchema } from '../../node/config';

const FLAGS: [string, string][] = [
  ['--accept-groups', 'NEWSMESH_ACCEPT_GROUPS'],
  ['--max-groups', 'NEWSMESH_MAX_GROUPS'],
  ['--max-queue', 'NEWSMESH_MAX_QUEUE'],
  ['--history-days', 'NEWSMESH_HISTORY_DAYS'],
];

it('each flag has its environment variable', () => {
  const options = startCommand().options;
  for (const [flag, env] of FLAGS) expect([flag, options.find((o) => o.long === flag)?.envVar]).toEqual([flag, env]);
});

it('defaults: every group, 10,000 groups, 1,000,000 queued a peer, 30 days', () => {
  expect(NodeConfigSchema.parse({})).toMatchObject({ acceptGroups: '*', maxGroups: 10_000, maxQueue: 1_000_000, historyDays: 30 });
  expect(NodeConfigSchema.parse({ acceptGroups: 'comp.*,!comp.test.*', maxGroups: '5', maxQueue: '100', historyDays: '90' })).toMatchObject({
    acceptGroups: 'comp.*,!comp.test.*',
    maxGroups: 5,
    maxQueue: 100,
    historyDays: 90,
  });
});

it('refuses bad values, naming the flag', () => {
  const problem = (input: Record<string, unknown>) => {
    const r = NodeConfigSchema.safeParse(input);
    return r.success ? null : r.error.issues[0].message;
  };
  expect(problem({ acceptGroups: 'comp.[' })).toMatch(/^--accept-groups must be a wildmat such as/);
  expect(problem({ maxGroups: 0 })).toBe('--max-groups must be at least 1');
  expect(problem({ maxQueue: 5 })).toBe('--max-queue must be at least 10');
  expect(problem({ historyDays: 0 })).toBe('--history-days must be at least 1');
});
