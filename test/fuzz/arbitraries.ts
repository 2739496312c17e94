/**
 * Shared fast-check arbitraries for the fuzz suites. Hostile text (CR/LF and other control
 * characters, lone surrogates, huge strings), wrong-typed values, tree mutations of a valid
 * body anywhere in it (over the JSON model of json-model.ts: duplicate and `__proto__` keys,
 * raw number tokens, deep nesting), byte edits (invalid UTF-8), content types, odd
 * percent-encodings of path parameters and hostile query strings; plus valid bodies of each
 * route to mutate. Only IP-literal URLs are generated: a host name would make
 * the node resolve it (a real DNS lookup of up to 3 s).
 */
import fc from 'fast-check';
import { Obj, Raw, editAt, jsonText, obj, toJV, type ByteEdit, type JV, type Op } from './json-model';

// ---- text ----------------------------------------------------------------------------

/** CR, LF, C0/C1 controls, DEL, Unicode separators and format characters, lone surrogates. */
export const CONTROL_CHARS = [
  '\r', '\n', '\r\n', '\0', '\x07', '\x08', '\x1b', '\x1b[2J', '\x7f', '\x85', '\x9b', '\t', '\v', '\f',
  '\u2028', '\u2029', '\ufeff', '\u202e', '\u200b', '\ud800', '\udfff', '\ud83d',
];
export const controlChar = fc.constantFrom(...CONTROL_CHARS);

export const SPECIAL_STRINGS = [
  '', ' ', '  x  ', '__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString', 'valueOf', 'null', 'undefined',
  'NaN', '-1', '0', '1e999', '%00', '%zz', '%', '../..', '/', '\\', '<a@b>', '<>', '<@>', '<a@b', 'a@b>', '<a@b@c>',
  '{{ 7*7 }}', '{% raw %}', '${7*7}', '<script>alert(1)</script>', '"><img src=x>', "' OR 1=1 --", 'ä', '😀', 'test.a',
  'TEST.A', ' test.a ', 'test..a', '.test', 'a'.repeat(121), 'http://127.0.0.1:9', 'x'.repeat(2049), '*', '!*', 'a,b',
];

export const insertAt = (s: string, piece: string, at: number): string => {
  const i = s.length === 0 ? 0 : at % (s.length + 1);
  return s.slice(0, i) + piece + s.slice(i);
};

export const withControl = (s: fc.Arbitrary<string>): fc.Arbitrary<string> =>
  fc.tuple(s, controlChar, fc.nat()).map(([x, c, i]) => insertAt(x, c, i));

/** Text that is not well-formed UTF-16 (no UTF-8 encoding exists for it): a lone surrogate inside. */
export const withLoneSurrogate = (s: fc.Arbitrary<string>): fc.Arbitrary<string> =>
  fc.tuple(s, fc.constantFrom('\ud800', '\udbff', '\udc00', '\udfff', '\ud83d'), fc.nat()).map(([x, c, i]) => insertAt(x, c, i));

/** From a kilobyte to most of a megabyte: past every field limit, some past body limits. */
export const hugeText = fc
  .tuple(fc.constantFrom('x', 'é', '😀', '\n', 'ab\r\n', '%', '"', '\\', '\u0000'), fc.integer({ min: 1_000, max: 150_000 }))
  .map(([unit, n]) => unit.repeat(n));

/** Any text a hostile client might put in a string field. */
export const nastyText: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 3, arbitrary: fc.constantFrom(...SPECIAL_STRINGS) },
  { weight: 3, arbitrary: withControl(fc.string({ maxLength: 20 })) },
  { weight: 1, arbitrary: hugeText },
);

/** Mostly plausible one-line text (some with control characters, which must be refused). */
export const lineText = (max = 60): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 6, arbitrary: fc.string({ minLength: 1, maxLength: max }) },
    { weight: 3, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: max }) },
    { weight: 1, arbitrary: withControl(fc.string({ minLength: 1, maxLength: max })) },
    { weight: 1, arbitrary: withLoneSurrogate(fc.string({ maxLength: max })) },
  );

export const bodyText: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.string({ maxLength: 300 }) },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 300 }) },
  { weight: 2, arbitrary: withControl(fc.string({ maxLength: 100 })) },
  { weight: 1, arbitrary: withLoneSurrogate(fc.string({ maxLength: 100 })) },
  { weight: 1, arbitrary: hugeText },
);

// ---- numbers and other wrong values --------------------------------------------------

/** Number tokens, valid JSON, that JSON.parse turns into odd values (Infinity, -0, lost precision). */
export const oddNumberToken = fc.oneof(
  fc.integer().map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => JSON.stringify(d)),
  fc.constantFrom('1e999', '-1e999', '-0', '1e-999', '9007199254740993', '123456789012345678901234567890', '0.1e1', '1E2', '-1', '1.5', '4294967296', '1e21', '8.64e15', '8640000000000001'),
);
/** Tokens that are not JSON at all. */
export const invalidToken = fc.constantFrom('NaN', 'Infinity', '-Infinity', '0x10', '01', '+1', '.5', 'undefined', "'x'", '"\\x41"', '"\\u12"', '"\\ud800"', '"a\nb"', '[1,]', '{"a":1,}', '//x', '/*x*/1');

const deepNest = (depth: number, leaf: JV, asObject: boolean): JV => {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = asObject ? obj({ a: v }) : [v];
  return v;
};
export const nested = fc.tuple(fc.integer({ min: 2, max: 14 }), fc.boolean()).map(([d, o]) => deepNest(d, 'x', o));
/** Far past any depth limit, as raw text (no recursion to build or print it). */
export const veryDeep = fc
  .tuple(fc.integer({ min: 1_000, max: 200_000 }), fc.constantFrom('[', '{"a":'))
  .map(([d, open]) => new Raw(open.repeat(d) + '1' + (open === '[' ? ']' : '}').repeat(d)));

/** Keys that name prototype members or poison prototypes. */
export const dangerousKey = fc.constantFrom('__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString', 'valueOf', '__defineGetter__', 'then');
export const protoValue: fc.Arbitrary<JV> = fc.constantFrom<JV>(obj({ polluted: true }), obj({ prototype: obj({ polluted: true }) }), 'x', 1, null, []);

/** A value of some other type than the field wants. */
export const wrongValue: fc.Arbitrary<JV> = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom<JV>(null, true, false, 0, -1, '', [], obj({})) },
  { weight: 2, arbitrary: oddNumberToken.map((t) => new Raw(t)) },
  { weight: 4, arbitrary: nastyText },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }).map(toJV) },
  { weight: 1, arbitrary: nested },
  { weight: 1, arbitrary: fc.tuple(dangerousKey, protoValue).map(([k, v]) => new Obj([[k, v]])) },
  { weight: 1, arbitrary: fc.array(nastyText, { maxLength: 5 }) },
);

// ---- tree mutations ----------------------------------------------------------------

const GROW_MAX_BYTES = 4 * 1024 * 1024;
const repeatTo = <T>(items: T[], n: number): T[] => (items.length === 0 ? items : Array.from({ length: n }, (_, i) => items[i % items.length]));

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: wrongValue.map((w): Op => () => w) },
  { weight: 2, arbitrary: fc.constant<Op>(() => undefined) },
  { weight: 4, arbitrary: fc.tuple(controlChar, fc.nat()).map(([c, at]): Op => (v) => (typeof v === 'string' ? insertAt(v, c, at) : v)) },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 100, max: 5_000 }).map((n): Op => (v) => {
      if (typeof v === 'string') return v.repeat(Math.max(1, Math.ceil((n * 40) / Math.max(1, v.length))));
      // Past every batch limit, yet at most a few megabytes (the fuzzer's memory, not the node's, is the bound here).
      if (Array.isArray(v)) return repeatTo(v, Math.min(n, Math.floor(GROW_MAX_BYTES / Math.max(1, jsonText(v).length / Math.max(1, v.length)))));
      if (typeof v === 'number') return new Raw(`${v}${'0'.repeat(n % 400)}`);
      return v;
    }),
  },
  { weight: 2, arbitrary: fc.tuple(dangerousKey, protoValue).map(([k, x]): Op => (v) => (v instanceof Obj ? new Obj([[k, x], ...v.entries]) : v)) },
  { weight: 2, arbitrary: fc.tuple(nastyText, wrongValue).map(([k, x]): Op => (v) => (v instanceof Obj ? new Obj([...v.entries, [k, x]]) : v)) },
  {
    weight: 2,
    arbitrary: fc.tuple(fc.nat(), wrongValue).map(([i, x]): Op => (v) => (v instanceof Obj && v.entries.length > 0 ? new Obj([...v.entries, [v.entries[i % v.entries.length][0], x]]) : v)),
  },
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 1, max: 12 }), fc.boolean()).map(([d, o]): Op => (v) => deepNest(d, v, o)) },
  {
    weight: 2,
    arbitrary: fc.constant<Op>((v) => {
      if (typeof v === 'string') return /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : [v];
      if (typeof v === 'number') return String(v);
      if (Array.isArray(v)) return v.length > 0 ? v[0] : null;
      if (v instanceof Obj) return v.entries.map((e) => e[1]);
      return v;
    }),
  },
  { weight: 1, arbitrary: invalidToken.map((t): Op => () => new Raw(t)) },
);

export const mutation = fc.tuple(fc.array(fc.nat(), { maxLength: 4 }), opArb);

/** A valid body with one to three mutations anywhere in its tree. */
export const mutated = (valid: fc.Arbitrary<JV>): fc.Arbitrary<JV> =>
  fc.tuple(valid, fc.array(mutation, { minLength: 1, maxLength: 3 })).map(([v, ms]) => {
    let out: JV | undefined = v;
    for (const [path, op] of ms) out = out === undefined ? out : editAt(out, path, op);
    return out ?? new Raw('');
  });

/** Valid as is (often), mutated (mostly), or anything at all. */
export const bodyOf = (valid: fc.Arbitrary<JV>): fc.Arbitrary<JV> =>
  fc.oneof(
    { weight: 3, arbitrary: valid },
    { weight: 8, arbitrary: mutated(valid) },
    { weight: 1, arbitrary: wrongValue },
    { weight: 1, arbitrary: veryDeep },
    { weight: 1, arbitrary: invalidToken.map((t) => new Raw(t)) },
  );

// ---- bytes ------------------------------------------------------------------------------

/** Invalid UTF-8: stray continuation bytes, overlong forms, surrogates, truncated sequences. */
export const INVALID_UTF8: number[][] = [[0xff], [0xfe], [0x80], [0xc0, 0xaf], [0xe0, 0x80, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82], [0xc3], [0xf8, 0x88, 0x80, 0x80, 0x80]];

export const byteEdit: fc.Arbitrary<ByteEdit> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('inString' as const), at: fc.nat(), bytes: fc.constantFrom(...INVALID_UTF8) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('anywhere' as const), at: fc.nat(), bytes: fc.constantFrom(...INVALID_UTF8, [0x00], [0x0a]) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'bom' as const }) },
);

/** Mostly none; one time in six, one or two byte edits. */
export const byteEdits: fc.Arbitrary<ByteEdit[] | null> = fc.oneof({ weight: 5, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.array(byteEdit, { minLength: 1, maxLength: 2 }) });

// ---- HTTP: content types, path parameters, query strings ------------------------------

const JSON_TYPES = ['application/json', 'application/json; charset=utf-8', 'Application/JSON', 'application/json;charset=UTF-8', 'application/vnd.api+json', 'application/json; charset=latin1', 'application/json ; x=y'];
const OTHER_TYPES = ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'text/html', '', 'application/jsonx', 'json', '*/*', 'application/json, text/plain', 'text/json', 'application/xml'];

/** Content-Type header lines to send: usually JSON, sometimes none, another, or two. */
export const jsonContentTypes: fc.Arbitrary<string[]> = fc.oneof(
  { weight: 20, arbitrary: fc.constant<string[]>(['application/json']) },
  { weight: 3, arbitrary: fc.constantFrom(...JSON_TYPES).map((t) => [t]) },
  { weight: 1, arbitrary: fc.constant<string[]>([]) },
  { weight: 2, arbitrary: fc.constantFrom(...OTHER_TYPES).map((t) => [t]) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...JSON_TYPES, ...OTHER_TYPES), fc.constantFrom(...JSON_TYPES, ...OTHER_TYPES)) },
);

const FORM_TYPE = 'application/x-www-form-urlencoded';
export const formContentTypes: fc.Arbitrary<string[]> = fc.oneof(
  { weight: 20, arbitrary: fc.constantFrom(FORM_TYPE, `${FORM_TYPE}; charset=UTF-8`, 'Application/X-WWW-Form-Urlencoded').map((t) => [t]) },
  { weight: 1, arbitrary: fc.constant<string[]>([]) },
  { weight: 2, arbitrary: fc.constantFrom(...OTHER_TYPES, ...JSON_TYPES).map((t) => [t]) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(FORM_TYPE, ...OTHER_TYPES), fc.constantFrom(FORM_TYPE, ...JSON_TYPES)) },
);

/** Percent-encodes every character outside printable ASCII (what a client must put on the wire). */
export function wireSafe(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    out += c > 0x20 && c < 0x7f ? ch : [...Buffer.from(ch, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
  }
  return out;
}

const pct = (s: string, all: boolean) => [...Buffer.from(s, 'utf8')].map((b) => (all || !/[A-Za-z0-9._~-]/.test(String.fromCharCode(b)) ? `%${b.toString(16).padStart(2, '0')}` : String.fromCharCode(b))).join('');
const BAD_ESCAPES = ['%zz', '%', '%2', '%G0', '%C0%AF', '%FF', '%00', '%0A', '%0D', '%0D%0A', '%2F', '%5C', '%25', '%E2%80%AE', '%ED%A0%80', '%F0%9F%98', '%3F', '%23', '/', '..', '%2e%2e'];

/** A path parameter as it goes on the wire: a valid value encoded oddly, or garbage. */
export const pathParam = (valid: fc.Arbitrary<string>): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 4, arbitrary: valid.map((v) => pct(v, false)) },
    { weight: 1, arbitrary: valid.map((v) => pct(v, true)) },
    { weight: 1, arbitrary: valid.map((v) => pct(v, false).replace(/%/g, '%25')) },
    { weight: 1, arbitrary: valid.map((v) => pct(v, false).toLowerCase()) },
    { weight: 1, arbitrary: valid },
    { weight: 3, arbitrary: fc.tuple(valid, fc.constantFrom(...BAD_ESCAPES), fc.nat()).map(([v, bad, at]) => insertAt(pct(v, false), bad, at)) },
    { weight: 2, arbitrary: nastyText.map((t) => pct(t.slice(0, 3000), false)) },
    { weight: 1, arbitrary: fc.constantFrom('.', '..', '%2e', 'a'.repeat(3000), '%41'.repeat(800), '%3C%3E', '%3C%40%3E', '%3Ca%40b%3E%00', ';', ',', '*') },
  );

const QUERY_VALUES = ['-1', 'NaN', 'Infinity', '-Infinity', '1e999', '0x10', '1.5', '', '%20', '9007199254740993', '1e21', '-0', '+5', '%205', '5abc', '0', '1', '1000', '1001', '00001', '1_000', '１２', 'null', 'true', '[]', '{}', '%00', '%zz', '%', 'mbox', 'jsonl', 'MBOX'];
export const queryValue: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...QUERY_VALUES) },
  { weight: 2, arbitrary: fc.integer().map(String) },
  { weight: 1, arbitrary: fc.double().map(String) },
  { weight: 2, arbitrary: nastyText.map((t) => pct(t.slice(0, 2000), false)) },
);

/** `?k=v&...` with the route's keys (repeated, bracketed, unknown, prototype names) and odd values. */
export const queryString = (keys: string[]): fc.Arbitrary<string> =>
  fc
    .array(
      fc.tuple(fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...keys) }, { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', 'x', `${keys[0]}[]`, `${keys[0]}[a]`, '', '__proto__[x]') }), queryValue),
      { maxLength: 4 },
    )
    .map((pairs) => (pairs.length === 0 ? '' : `?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}`));

/** `arb` one time in `oneIn`, else null. */
export const sometimes = <T>(arb: fc.Arbitrary<T>, oneIn: number): fc.Arbitrary<T | null> => fc.oneof({ weight: oneIn - 1, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: arb });

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'];

// ---- valid values ------------------------------------------------------------------

/** When the arbitraries were built: dates are generated around it. */
const NOW = Date.now();

/** Group names, some of them prototype member names (valid by the group-name rule). */
export const groupName: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.stringMatching(/^[a-z0-9+_-]{1,8}(\.[a-z0-9+_-]{1,8}){0,2}$/) },
  { weight: 2, arbitrary: fc.constantFrom('test.a', 'test.b', 'fuzz.x') },
  { weight: 2, arbitrary: fc.constantFrom('__proto__', 'constructor', 'prototype', 'hasownproperty', 'tostring', 'a.__proto__', '__proto__.x', 'valueof') },
);

/** Message-ids with the characters the rule allows, including URL-hostile ones. */
export const messageId: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.stringMatching(/^[A-Za-z0-9.$_-]{1,16}$/), fc.stringMatching(/^[a-z0-9.-]{1,10}$/)).map(([l, r]) => `<${l}@${r}>`) },
  { weight: 2, arbitrary: fc.tuple(fc.stringMatching(/^[\x21-\x3b\x3d\x3f\x41-\x7e]{1,12}$/), fc.stringMatching(/^[\x21-\x3b\x3d\x3f\x41-\x7e]{1,8}$/)).map(([l, r]) => `<${l}@${r}>`) },
  { weight: 1, arbitrary: fc.constantFrom('<a?b#c@x>', '<a/b@c>', '<..@..>', '<%2F@x>', '<a"b@c>', '<a\\b@c>', '<__proto__@x>', '<a&b;c@x>', '<{{x}}@y>', `<${'a'.repeat(240)}@b>`) },
);

export const nodeName: fc.Arbitrary<string> = fc.oneof(
  { weight: 5, arbitrary: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,15}$/) },
  { weight: 1, arbitrary: fc.constantFrom('constructor', 'hasOwnProperty', 'toString', 'prototype', 'valueOf') },
);

export const headerName: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.stringMatching(/^[A-Za-z0-9-]{1,16}$/) },
  { weight: 2, arbitrary: fc.constantFrom('constructor', 'prototype', 'hasOwnProperty', 'toString', 'valueOf', 'Path', 'Message-ID', 'Content-Type', 'Newsgroups', 'Organization') },
);
export const headers: fc.Arbitrary<Obj> = fc.uniqueArray(fc.tuple(headerName, lineText(80)), { maxLength: 4, selector: (e) => e[0] }).map((e) => new Obj(e));

const dateAround = fc.integer({ min: -30 * 86_400_000, max: 23 * 3_600_000 }).map((d) => new Date(NOW + d).toISOString());
export const date: fc.Arbitrary<string> = fc.oneof(
  { weight: 8, arbitrary: dateAround },
  { weight: 1, arbitrary: dateAround.map((d) => d.replace(/\.\d{3}Z$/, 'Z')) },
  { weight: 1, arbitrary: fc.constantFrom('2026-02-30T00:00:00Z', '2026-01-01T00:00:00+01:00', '1970-01-01T00:00:00Z', '0000-01-01T00:00:00Z', '9999-12-31T23:59:59Z', '2026-01-01', new Date(NOW + 2 * 86_400_000).toISOString(), '2026-13-01T00:00:00Z', '+275760-09-13T00:00:00.000Z') },
);

/** A `newsgroups` value as POST /api/articles takes it: a list, or a comma string in any case. */
export const newsgroupsInput: fc.Arbitrary<JV> = fc.oneof(
  { weight: 4, arbitrary: fc.array(groupName, { minLength: 1, maxLength: 3 }) },
  { weight: 1, arbitrary: fc.array(fc.mixedCase(groupName), { minLength: 1, maxLength: 3 }).map((gs) => gs.map((g) => ` ${g}`).join(',')) },
);

export const newPost: fc.Arbitrary<JV> = fc
  .record(
    {
      newsgroups: newsgroupsInput,
      from: lineText(80),
      subject: lineText(120),
      body: bodyText,
      references: fc.array(messageId, { maxLength: 3 }),
      headers,
    },
    { requiredKeys: ['newsgroups', 'from', 'subject', 'body'] },
  )
  .map((r) => obj(r as Record<string, JV>));

/** A peer-protocol article (takethis, import, sendme round trips). */
export const article: fc.Arbitrary<JV> = fc
  .record(
    {
      id: messageId,
      newsgroups: fc.array(groupName, { minLength: 1, maxLength: 3 }),
      from: lineText(80),
      subject: lineText(120),
      date,
      references: fc.array(messageId, { maxLength: 3 }),
      path: fc.array(nodeName, { maxLength: 3 }),
      headers,
      body: bodyText,
    },
    { requiredKeys: ['id', 'newsgroups', 'from', 'subject', 'date', 'body'] },
  )
  .map((r) => obj(r as Record<string, JV>));

export const articleBatch: fc.Arbitrary<JV> = fc.array(article, { minLength: 1, maxLength: 4 }).map((articles) => obj({ articles }));

export const idBatch: fc.Arbitrary<JV> = fc.array(messageId, { minLength: 1, maxLength: 8 }).map((ids) => obj({ ids }));

/**
 * URLs with IP-literal hosts only (no DNS): a closed port, the given reachable URLs, odd
 * schemes, ports and paths.
 */
export const ipUrl = (reachable: string[], opts: { unroutable?: boolean } = {}): fc.Arbitrary<string> => {
  const choices = [
    { weight: 3, arbitrary: fc.constantFrom('http://127.0.0.1:9', 'http://127.0.0.1:1', 'http://[::1]:9', ...reachable) },
    { weight: 1, arbitrary: fc.constantFrom(...reachable.map((u) => `${u}/`), ...reachable.map((u) => u.toUpperCase()), ...reachable.map((u) => `${u}/v1/../`)) },
    { weight: 1, arbitrary: fc.constantFrom('ftp://127.0.0.1:9', 'http://127.0.0.1:99999', 'http://127.0.0.1:0', 'http://0.0.0.0:9', 'javascript:alert(1)', 'http://', 'http://[::1', '//127.0.0.1:9', 'http://127.0.0.1:9#x', 'http://user:pw@127.0.0.1:9', 'http://127.1:9', 'http://0x7f000001:9', 'http://2130706433:9', 'file:///etc/passwd', 'data:,x') },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom('http://127.0.0.1:9', ...reachable), controlChar).map(([u, c]) => u + c) },
  ];
  // Addresses where nothing answers (a connect waits for its timeout): only where the node refuses them before dialling.
  if (opts.unroutable) choices.push({ weight: 1, arbitrary: fc.constantFrom('http://10.0.0.1:9', 'http://169.254.169.254:80', 'http://[fe80::1]:9', 'http://192.168.1.1:9') });
  return fc.oneof(...choices);
};

/** Wildmats: plausible ones, long ones, and backtracking bait. */
export const wildmat: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.array(fc.tuple(fc.boolean(), fc.stringMatching(/^[a-z*?.[\]!-]{1,10}$/)), { minLength: 1, maxLength: 4 }).map((ps) => ps.map(([neg, p]) => (neg ? `!${p}` : p)).join(',')) },
  { weight: 1, arbitrary: fc.constantFrom('*', 'test.*', 'comp.*,!comp.test.*', `${'*a'.repeat(40)}`, `${'a*'.repeat(300)}`, 'x'.repeat(2049), '[', '[]', '[!', '\\', ',', ',,', '!', '**********************************b', Array.from({ length: 120 }, (_, i) => `g${i}`).join(',')) },
  { weight: 1, arbitrary: nastyText },
);
