/**
 * The pure parts of the listeners' guards: the raw-JSON depth scan, client address keys and
 * the web listener's Host allow-list.
 */
import fc from 'fast-check';
import { firstTooDeep } from '../../node/http/json-depth';
import { parseJsonBody } from '../../node/http/json-body';
import { clientKey, isLoopbackAddress } from '../../node/http/client-address';
import { hostAllowed } from '../../node/http/owner-guard';
import { bodyLimitsFor } from '../../node/http/body-limits';
import { LIMITS } from '../../protocol/limits';

describe('raw JSON depth scan', () => {
  it('counts brackets outside strings only', () => {
    expect(firstTooDeep('{"a":[1,{"b":[]}]}', 4)).toBe(-1);
    expect(firstTooDeep('{"a":[1,{"b":[]}]}', 3)).toBe(13);
    expect(firstTooDeep('{"a":"[[[[[[[[[[{{{{{{"}', 1)).toBe(-1);
    // An escaped quote does not end the string; an escaped backslash does not escape the quote.
    expect(firstTooDeep('{"a":"\\"[[[[[["}', 1)).toBe(-1);
    expect(firstTooDeep('{"a":"\\\\",  "b":[[]]}', 2)).toBe(17);
    expect(firstTooDeep('[]'.repeat(1000), 1)).toBe(-1);
  });

  it('agrees with a walk of the parsed value', () => {
    const depth = (v: unknown): number => (v !== null && typeof v === 'object' ? 1 + Math.max(0, ...Object.values(v as object).map(depth)) : 0);
    const samples = ['{}', '[[[]]]', '{"a":{"b":{"c":[1,2,{"d":"}}}"}]}}}', '[1,[2,[3,[4,[5]]]]]', '"[[["', '{"x":"\\\\\\"{"}'];
    for (const text of samples) {
      const d = depth(JSON.parse(text));
      expect({ text, ok: firstTooDeep(text, d) }).toEqual({ text, ok: -1 });
      if (d > 0) expect({ text, over: firstTooDeep(text, d - 1) >= 0 }).toEqual({ text, over: true });
    }
  });

  it('agrees with the depth of any JSON value, strings with quotes and backslashes included', () => {
    const depth = (v: unknown): number => (v !== null && typeof v === 'object' ? 1 + Math.max(0, ...Object.values(v as object).map(depth)) : 0);
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 12 }), fc.boolean(), (v, pretty) => {
        const text = JSON.stringify(v, null, pretty ? 1 : undefined);
        const d = depth(v);
        expect(firstTooDeep(text, d)).toBe(-1);
        if (d > 0) expect(firstTooDeep(text, d - 1)).toBeGreaterThanOrEqual(0);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses megabytes of nesting in the parser without parsing, at once', () => {
    const text = `{"ids":${'['.repeat(4_000_000)}${']'.repeat(4_000_000)}}`;
    // Not timed (machines are shared): the proof of "without parsing" is that JSON.parse is never reached.
    const parse = jest.spyOn(JSON, 'parse');
    try {
      expect(() => parseJsonBody(text)).toThrow(/nesting deeper than 8 levels/);
      expect(parse).not.toHaveBeenCalled();
    } finally {
      parse.mockRestore();
    }
  });

  it('still refuses prototype keys', () => {
    expect(() => parseJsonBody('{"__proto__":{"x":1}}')).toThrow(/"__proto__" is not allowed/);
    expect(() => parseJsonBody('{"a":{"constructor":{"prototype":{}}}}')).toThrow(/"constructor"/);
  });
});

describe('client address keys', () => {
  it('unwraps mapped IPv4 and groups IPv6 by /64', () => {
    expect(clientKey('127.0.0.1')).toBe('127.0.0.1');
    expect(clientKey('::ffff:10.1.2.3')).toBe('10.1.2.3');
    expect(clientKey('2001:db8:1:2:3:4:5:6')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:db8:1:2::9')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(clientKey('2001:0db8:0001:0002::ffff')).toBe('2001:db8:1:2::/64');
    expect(clientKey(undefined)).toBe('unknown');
    expect(isLoopbackAddress(clientKey('::1'))).toBe(true);
    expect(isLoopbackAddress(clientKey('::ffff:127.0.0.5'))).toBe(true);
    expect(isLoopbackAddress(clientKey('::2'))).toBe(false);
    expect(isLoopbackAddress(clientKey('10.0.0.1'))).toBe(false);
  });
});

describe('web Host allow-list', () => {
  const opts = { webHost: '127.0.0.1', extraHosts: ['news.example.org', 'lan.example:8443'], boundPort: () => 8080 };
  it.each([
    ['127.0.0.1:8080', true],
    ['localhost:8080', true],
    ['[::1]:8080', true],
    ['192.168.1.5:8080', true],
    ['news.example.org', true],
    ['news.example.org:443', true],
    ['lan.example:8443', true],
    ['lan.example', false],
    ['localhost:8081', false],
    ['localhost', false],
    ['evil.example:8080', false],
    ['127.0.0.1.nip.io:8080', false],
    ['localhost.:8080', false],
    ['', false],
    ['a b:8080', false],
  ])('%s -> %s', (host, ok) => {
    expect(hostAllowed(host, opts)).toBe(ok);
  });
  it('answers a named --web host and port 80 without a port', () => {
    expect(hostAllowed('mybox:80', { webHost: 'mybox', extraHosts: [], boundPort: () => 80 })).toBe(true);
    expect(hostAllowed('mybox', { webHost: 'mybox', extraHosts: [], boundPort: () => 80 })).toBe(true);
    expect(hostAllowed(undefined, opts)).toBe(false);
  });
});

describe('body limits', () => {
  it('fit the largest valid article and batch, and keep the default small', () => {
    const l = bodyLimitsFor(LIMITS.bodyMaxBytesDefault);
    expect(l.default).toBeLessThanOrEqual(16 * 1024);
    expect(l.article).toBeGreaterThan(6 * LIMITS.bodyMaxBytesDefault);
    expect(l.article).toBeLessThan(LIMITS.requestMaxBytes);
    expect(l.ids).toBeGreaterThan(LIMITS.idsPerBatchMax * (2 * LIMITS.messageIdMaxBytes + 3));
    expect(l.takethis).toBeGreaterThan(LIMITS.takethisBatchBytes + 6 * LIMITS.bodyMaxBytesDefault);
    expect(bodyLimitsFor(1024 * 1024).article).toBeGreaterThan(6 * 1024 * 1024);
  });
});
