/**
 * Message-ID syntax and generation, group-name and node-name syntax, and the limits of
 * DESIGN.md's Article table as protocol/limits.ts states them.
 */
import { randomBytes } from 'node:crypto';
import { LIMITS } from '../../protocol/limits';
import { MessageIdSchema, messageIdProblem, newMessageId } from '../../protocol/message-id';
import { GroupNameSchema, groupNameProblem } from '../../protocol/group-name';
import { nodeNameProblem } from '../../protocol/node-name';
import { isSingleLine, utf8Bytes } from '../../protocol/text-rules';

describe('message-id syntax', () => {
  it.each(['<a@b>', '<1234.5678@news.example.org>', '<x$y%z!{}@[127.0.0.1]>', '<a.b-c_d+e=f?g@h>'])('accepts %s', (id) => {
    expect(messageIdProblem(id)).toBeNull();
  });

  it.each([
    ['', /<left@right>/],
    ['a@b', /<left@right>/],
    ['<a@b', /<left@right>/],
    ['<ab>', /<left@right>/],
    ['<@b>', /<left@right>/],
    ['<a@>', /<left@right>/],
    ['<a@b@c>', /<left@right>/],
    ['<a<b@c>', /<left@right>/],
    ['<a@b>c>', /<left@right>/],
    ['<a b@c>', /without spaces/],
    ['<a\t@c>', /without spaces/],
    ['<é@c>', /printable ASCII/],
    ['<a@b>\n', /printable ASCII/],
  ])('rejects %j', (id, reason) => {
    expect(messageIdProblem(id)).toMatch(reason);
    expect(MessageIdSchema.safeParse(id).success).toBe(false);
  });

  it('allows exactly 250 bytes', () => {
    const id = (n: number) => `<${'a'.repeat(n - 4)}@b>`;
    expect(utf8Bytes(id(250))).toBe(250);
    expect(messageIdProblem(id(250))).toBeNull();
    expect(messageIdProblem(id(251))).toMatch(/at most 250 bytes/);
  });
});

describe('message-id generation', () => {
  it('makes valid ids that end in @NODE', () => {
    const id = newMessageId('alice', 1_780_000_000_000, 'a1b2c3d4e5f6');
    expect(messageIdProblem(id)).toBeNull();
    expect(id.endsWith('@alice>')).toBe(true);
  });

  it('never repeats itself, even within one millisecond', () => {
    const ids = new Set(Array.from({ length: 10_000 }, () => newMessageId('n', 1_780_000_000_000, randomBytes(6).toString('hex'))));
    expect(ids.size).toBe(10_000);
  });

  it('fits the limit with the longest node name', () => {
    const id = newMessageId('n'.repeat(LIMITS.nodeNameMaxBytes), Number.MAX_SAFE_INTEGER, 'f'.repeat(12));
    expect(messageIdProblem(id)).toBeNull();
  });
});

describe('group names', () => {
  it.each(['comp.lang.c', 'test.a', 'alt.c++', 'de.comp.lang.java_script', 'a-b.c_d.e+f', 'x', '0.1'])('accepts %s', (name) => {
    expect(groupNameProblem(name)).toBeNull();
    expect(GroupNameSchema.safeParse(name).success).toBe(true);
  });

  it.each(['', 'Comp.lang', 'comp..lang', '.comp', 'comp.', 'comp lang', 'comp/lang', 'comp*', 'comp,lang', 'çomp', 'a'.repeat(121)])('rejects %j', (name) => {
    expect(groupNameProblem(name)).not.toBeNull();
  });

  it('allows exactly 120 bytes', () => {
    expect(groupNameProblem('a'.repeat(120))).toBeNull();
  });
});

describe('node names', () => {
  it.each(['alice', 'node-1f2e', 'news.example.org', 'A_1'])('accepts %s', (name) => expect(nodeNameProblem(name)).toBeNull());
  it.each(['', '-lead', '.dot', 'has space', 'a!b', 'n'.repeat(65)])('rejects %j', (name) => expect(nodeNameProblem(name)).not.toBeNull());
});

describe('text rules', () => {
  it('counts UTF-8 bytes, not characters', () => {
    expect(utf8Bytes('é')).toBe(2);
    expect(utf8Bytes('😀')).toBe(4);
  });
  it('finds CR and LF anywhere', () => {
    expect(isSingleLine('a b\tc')).toBe(true);
    for (const s of ['a\r', '\nb', 'a\r\nb']) expect(isSingleLine(s)).toBe(false);
  });
});

describe('limits', () => {
  it('are the values of the Article table', () => {
    expect(LIMITS).toMatchObject({
      messageIdMaxBytes: 250,
      groupNameMaxBytes: 120,
      newsgroupsMin: 1,
      newsgroupsMax: 10,
      fromMaxChars: 256,
      subjectMaxChars: 998,
      referencesMax: 100,
      bodyMaxBytesDefault: 64 * 1024,
      futureSkewMs: 24 * 60 * 60 * 1000,
    });
  });
  it('let the largest valid article fit the request limit', () => {
    const worst = LIMITS.bodyMaxBytesDefault * 6 + LIMITS.subjectMaxChars * 3 + LIMITS.referencesMax * LIMITS.messageIdMaxBytes;
    expect(worst).toBeLessThan(LIMITS.requestMaxBytes);
  });
});
