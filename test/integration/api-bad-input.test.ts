/**
 * Bad input never reaches the store and never causes a 5xx: a table of malformed requests
 * against POST /api/articles and the GET routes, over real HTTP. Each must answer its 4xx with
 * `{ error: { code, message } }` whose message names the field and the rule, and afterwards
 * the node must hold exactly what it held before.
 */
import { LIMITS } from '../../protocol/limits';
import { startTestNode, type TestNode } from '../helpers/node';

interface Case {
  name: string;
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path?: string;
  /** A JSON value to send, or a raw string when `raw` is set. */
  body?: unknown;
  raw?: string;
  contentType?: string | null;
  status: number;
  code: string;
  /** What the message must say: the field and the rule. */
  message: RegExp;
}

const ok = { newsgroups: ['test.a'], from: 'ann@example', subject: 'hello', body: 'text' };
const post = (over: Record<string, unknown>, drop: string[] = []) => {
  const b: Record<string, unknown> = { ...ok, ...over };
  for (const k of drop) delete b[k];
  return b;
};
const nested = (depth: number): unknown => (depth === 0 ? 'x' : { a: nested(depth - 1) });

const CASES: Case[] = [
  // --- the body as a whole
  { name: 'malformed JSON', raw: '{"newsgroups": ["test.a"], "from": ', status: 400, code: 'NM_ERR_BAD_JSON', message: /body.*not valid JSON/i },
  { name: 'trailing garbage after JSON', raw: '{"from":"a"} x', status: 400, code: 'NM_ERR_BAD_JSON', message: /not valid JSON/i },
  { name: 'empty JSON body', raw: '', status: 400, code: 'NM_ERR_BAD_JSON', message: /body.*empty/i },
  { name: 'a JSON array', body: [ok], status: 400, code: 'NM_ERR_VALIDATION', message: /body: .*expected object/i },
  { name: 'a JSON string', body: 'hello', status: 400, code: 'NM_ERR_VALIDATION', message: /body: .*expected object/i },
  { name: 'JSON null', raw: 'null', status: 400, code: 'NM_ERR_VALIDATION', message: /body: .*expected object/i },
  { name: 'wrong content type', raw: JSON.stringify(ok), contentType: 'text/plain', status: 415, code: 'NM_ERR_MEDIA_TYPE', message: /content-type must be application\/json, got "text\/plain"/ },
  { name: 'form-encoded body', raw: 'from=a&subject=b', contentType: 'application/x-www-form-urlencoded', status: 415, code: 'NM_ERR_MEDIA_TYPE', message: /content-type/i },
  { name: 'oversized body (413)', raw: JSON.stringify(post({ body: 'x'.repeat(LIMITS.requestMaxBytes + 10) })), status: 413, code: 'NM_ERR_TOO_LARGE', message: /body is larger than the limit of \d+ bytes for POST \/api\/articles/ },
  { name: '__proto__ key', raw: '{"__proto__": {"admin": true}, "newsgroups": ["test.a"], "from": "a", "subject": "s", "body": "b"}', status: 400, code: 'NM_ERR_BAD_JSON', message: /body.*"__proto__".*not allowed/ },
  { name: 'constructor.prototype key', raw: '{"constructor": {"prototype": {"admin": true}}, "newsgroups": ["test.a"], "from": "a", "subject": "s", "body": "b"}', status: 400, code: 'NM_ERR_BAD_JSON', message: /body.*"constructor".*not allowed/ },
  { name: 'very deep nesting (100,000 levels)', raw: `{"headers":${'['.repeat(100_000)}${']'.repeat(100_000)}}`, status: 400, code: 'NM_ERR_TOO_DEEP', message: /body: JSON nesting deeper than 8/ },
  { name: 'deep nesting', body: post({ headers: nested(LIMITS.jsonMaxDepth + 2) }), status: 400, code: 'NM_ERR_TOO_DEEP', message: /body: JSON nesting deeper than 8/ },
  // --- newsgroups
  { name: 'newsgroups missing', body: post({}, ['newsgroups']), status: 400, code: 'NM_ERR_VALIDATION', message: /^newsgroups: .*expected array/i },
  { name: 'newsgroups a number', body: post({ newsgroups: 7 }), status: 400, code: 'NM_ERR_VALIDATION', message: /^newsgroups: .*expected array/i },
  { name: 'newsgroups empty', body: post({ newsgroups: [] }), status: 400, code: 'NM_ERR_VALIDATION', message: /^newsgroups: newsgroups needs at least one group/ },
  { name: 'eleven newsgroups', body: post({ newsgroups: Array.from({ length: 11 }, (_, i) => `g.${i}`) }), status: 400, code: 'NM_ERR_VALIDATION', message: /^newsgroups: .*at most 10 groups/ },
  { name: 'group name with a slash', body: post({ newsgroups: ['test/a'] }), status: 400, code: 'NM_ERR_VALIDATION', message: /^newsgroups: group name "test\/a" must be dot-separated components/ },
  { name: 'group name with empty component', body: post({ newsgroups: ['test..a'] }), status: 400, code: 'NM_ERR_VALIDATION', message: /^newsgroups: group name/ },
  { name: 'group name over 120 bytes', body: post({ newsgroups: ['a'.repeat(121)] }), status: 400, code: 'NM_ERR_VALIDATION', message: /^newsgroups: group name "a+…" must be at most 120 bytes/ },
  { name: 'comma list with a bad group', body: post({ newsgroups: 'test.a,B@D' }), status: 400, code: 'NM_ERR_VALIDATION', message: /^newsgroups: group name "b@d" must be/ },
  // --- from / subject
  { name: 'from missing', body: post({}, ['from']), status: 400, code: 'NM_ERR_VALIDATION', message: /^from: .*expected string/i },
  { name: 'from empty', body: post({ from: '' }), status: 400, code: 'NM_ERR_VALIDATION', message: /^from: from must not be empty/ },
  { name: 'from with CRLF', body: post({ from: 'a\r\nBcc: b' }), status: 400, code: 'NM_ERR_VALIDATION', message: /^from: from must not contain CR or LF/ },
  { name: 'from over 256 chars', body: post({ from: 'f'.repeat(257) }), status: 400, code: 'NM_ERR_VALIDATION', message: /^from: from must be at most 256 characters/ },
  { name: 'from a number', body: post({ from: 12 }), status: 400, code: 'NM_ERR_VALIDATION', message: /^from: .*expected string/i },
  { name: 'subject empty', body: post({ subject: '' }), status: 400, code: 'NM_ERR_VALIDATION', message: /^subject: subject must not be empty/ },
  { name: 'subject with a BEL', body: post({ subject: 'ring \x07 bell' }), status: 400, code: 'NM_ERR_VALIDATION', message: /^subject: subject contains the control character U\+0007 at character 6$/ },
  { name: 'subject with LF', body: post({ subject: 'a\nb' }), status: 400, code: 'NM_ERR_VALIDATION', message: /^subject: subject must not contain CR or LF/ },
  { name: 'subject over 998 chars', body: post({ subject: 's'.repeat(999) }), status: 400, code: 'NM_ERR_VALIDATION', message: /^subject: subject must be at most 998 characters/ },
  // --- body
  { name: 'body missing', body: post({}, ['body']), status: 400, code: 'NM_ERR_VALIDATION', message: /^body: .*expected string/i },
  { name: 'body an object', body: post({ body: { text: 'x' } }), status: 400, code: 'NM_ERR_VALIDATION', message: /^body: .*expected string/i },
  { name: 'body over 64 KiB', body: post({ body: 'b'.repeat(LIMITS.bodyMaxBytesDefault + 1) }), status: 400, code: 'NM_ERR_VALIDATION', message: /body: body is 65537 bytes, more than the limit of 65536/ },
  // --- references / headers / unknown fields
  { name: 'references a string', body: post({ references: '<a@b>' }), status: 400, code: 'NM_ERR_VALIDATION', message: /^references: .*expected array/i },
  { name: 'reference not a message-id', body: post({ references: ['<a@b>', 'nope'] }), status: 400, code: 'NM_ERR_VALIDATION', message: /^references: message-id must look like <left@right>/ },
  { name: '101 references', body: post({ references: Array.from({ length: 101 }, (_, i) => `<r${i}@x>`) }), status: 400, code: 'NM_ERR_VALIDATION', message: /^references: references takes at most 100 ids/ },
  { name: 'header name with a space', body: post({ headers: { 'X Bad': 'v' } }), status: 400, code: 'NM_ERR_VALIDATION', message: /^headers.X Bad: header names must be letters, digits and "-"/ },
  { name: 'header value with LF', body: post({ headers: { 'X-Note': 'a\nb' } }), status: 400, code: 'NM_ERR_VALIDATION', message: /^headers.X-Note: header values must not contain CR or LF/ },
  { name: 'unknown field', body: post({ xref: 'x' }), status: 400, code: 'NM_ERR_VALIDATION', message: /body: .*unrecognized key.*"xref"/i },
  { name: 'client-chosen id', body: post({ id: '<mine@x>' }), status: 400, code: 'NM_ERR_VALIDATION', message: /body: .*unrecognized key.*"id"/i },
  { name: 'client-chosen path', body: post({ path: ['evil'] }), status: 400, code: 'NM_ERR_VALIDATION', message: /body: .*unrecognized key.*"path"/i },
  // --- GET routes: params and query strings
  { name: 'bad group in the URL', method: 'GET', path: '/api/groups/Bad..Group/articles', status: 400, code: 'NM_ERR_VALIDATION', message: /^group: group name/ },
  { name: 'after negative', method: 'GET', path: '/api/groups/test.a/articles?after=-1', status: 400, code: 'NM_ERR_VALIDATION', message: /^after: must be at least 0/ },
  { name: 'after not a number', method: 'GET', path: '/api/groups/test.a/articles?after=abc', status: 400, code: 'NM_ERR_VALIDATION', message: /^after: .*number/i },
  { name: 'after a fraction', method: 'GET', path: '/api/groups/test.a/articles?after=1.5', status: 400, code: 'NM_ERR_VALIDATION', message: /^after: must be a whole number/ },
  { name: 'limit zero', method: 'GET', path: '/api/groups/test.a/articles?limit=0', status: 400, code: 'NM_ERR_VALIDATION', message: /^limit: must be at least 1/ },
  { name: 'limit too large', method: 'GET', path: '/api/groups/test.a/articles?limit=100000', status: 400, code: 'NM_ERR_VALIDATION', message: /^limit: must be at most 1000/ },
  { name: 'unknown query parameter', method: 'GET', path: '/api/groups/test.a/articles?offset=5', status: 400, code: 'NM_ERR_VALIDATION', message: /querystring: .*unrecognized key.*"offset"/i },
  { name: 'message-id without brackets in the URL', method: 'GET', path: '/api/articles/not-an-id', status: 400, code: 'NM_ERR_VALIDATION', message: /^id: message-id must look like <left@right>/ },
  { name: 'message-id with a space in the URL', method: 'GET', path: `/api/articles/${encodeURIComponent('<a b@c>')}`, status: 400, code: 'NM_ERR_VALIDATION', message: /^id: message-id must be printable ASCII without spaces/ },
  { name: 'message-id over 250 bytes in the URL', method: 'GET', path: `/api/articles/${encodeURIComponent(`<${'a'.repeat(250)}@c>`)}`, status: 400, code: 'NM_ERR_VALIDATION', message: /^id: message-id must be at most 250 bytes/ },
  { name: 'unknown article', method: 'GET', path: `/api/articles/${encodeURIComponent('<nobody@nowhere>')}`, status: 404, code: 'NM_ERR_NOT_FOUND', message: /article <nobody@nowhere> not found/ },
  { name: 'unknown group', method: 'GET', path: '/api/groups/no.such.group/articles', status: 404, code: 'NM_ERR_NOT_FOUND', message: /group no\.such\.group not found/ },
  { name: 'unknown route', method: 'GET', path: '/api/nothing', status: 404, code: 'NM_ERR_NOT_FOUND', message: /no route GET \/api\/nothing/ },
  { name: 'wrong method', method: 'PUT', path: '/api/articles', body: ok, status: 404, code: 'NM_ERR_NOT_FOUND', message: /no route PUT \/api\/articles/ },
];

interface Snapshot {
  stats: { articles: number; groups: number; articlesAccepted: number };
  groups: unknown;
}

describe('bad input to the local API', () => {
  let node: TestNode;
  let before: Snapshot;

  const snapshot = async (): Promise<Snapshot> => ({
    stats: (await (await fetch(`${node.webUrl}/api/stats`)).json()) as Snapshot['stats'],
    groups: await (await fetch(`${node.webUrl}/api/groups`)).json(),
  });

  beforeAll(async () => {
    node = await startTestNode();
    // One good article, so "nothing changed" is measured against a non-empty store.
    const res = await fetch(`${node.webUrl}/api/articles`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ok) });
    expect(res.status).toBe(201);
    before = await snapshot();
    expect(before.stats.articles).toBe(1);
  });
  afterAll(() => node.destroy());

  it('has at least 30 cases', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(30);
  });

  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const method = c.method ?? (c.body !== undefined || c.raw !== undefined ? 'POST' : 'GET');
    const hasBody = c.body !== undefined || c.raw !== undefined;
    const headers: Record<string, string> = {};
    if (hasBody && c.contentType !== null) headers['content-type'] = c.contentType ?? 'application/json';
    const res = await fetch(`${node.webUrl}${c.path ?? '/api/articles'}`, {
      method,
      headers,
      body: hasBody ? (c.raw ?? JSON.stringify(c.body)) : undefined,
    });
    const text = await res.text();
    expect({ status: res.status, type: res.headers.get('content-type') }).toEqual({ status: c.status, type: expect.stringMatching(/^application\/json/) });
    const data = JSON.parse(text) as { error: { code: string; message: string } };
    expect(Object.keys(data)).toEqual(['error']);
    expect(data.error.code).toBe(c.code);
    expect(data.error.message).toMatch(c.message);
    // Messages are for people: no stack traces or internal codes.
    expect(data.error.message).not.toMatch(/FST_ERR|\n\s+at /);
  });

  it('stored nothing and counted no acceptance', async () => {
    expect(await snapshot()).toEqual(before);
  });
});
