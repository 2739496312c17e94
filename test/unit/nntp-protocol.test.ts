/**
 * protocol/nntp: command lines and ranges, dot-stuffing (round trip over random blocks),
 * RFC 3977 and RFC 5322 dates as real servers write them, encoded words, replies.
 */
import fc from 'fast-check';
import { parseArticleNumber, parseCommandLine, parseMessageIdArg, parseRange } from '../../protocol/nntp/commands';
import { dotStuff, undotStuff } from '../../protocol/nntp/dot-stuffing';
import { nntpTimestamp, parseNntpDateTime, parseRfc5322Date } from '../../protocol/nntp/dates';
import { asciiHeaderValue, decodeBytes, decodeEncodedWords, encodeWords } from '../../protocol/nntp/encoded-words';
import { isMultiLine, multiLine, statusLine } from '../../protocol/nntp/replies';

describe('command lines', () => {
  it('splits on spaces and tabs, upper-cases the keyword', () => {
    expect(parseCommandLine('list  active\tcomp.*')).toEqual({ verb: 'LIST', args: ['active', 'comp.*'] });
    expect(parseCommandLine('   ')).toBeNull();
  });

  it('parses article numbers and ranges as RFC 3977 writes them', () => {
    expect(parseRange('5')).toEqual({ low: 5, high: 5 });
    expect(parseRange('5-')).toEqual({ low: 5, high: Number.MAX_SAFE_INTEGER });
    expect(parseRange('5-9')).toEqual({ low: 5, high: 9 });
    expect(parseRange('9-5')).toEqual({ low: 9, high: 5 });
    for (const bad of ['', '-5', 'a', '5-x', '1.5', '99999999999999999']) expect(parseRange(bad)).toBeNull();
    expect(parseArticleNumber('0012')).toBe(12);
  });

  it('takes real servers\' message-ids and refuses malformed ones with a reason', () => {
    expect(parseMessageIdArg('<11efsc2$a31$1@host>')).toEqual({ id: '<11efsc2$a31$1@host>' });
    expect(parseMessageIdArg('<no-at-sign>')).toEqual({ problem: expect.stringMatching(/<left@right>/) });
  });
});

describe('dot-stuffing', () => {
  const block = (lines: string[]) => Buffer.from(lines.map((l) => `${l}\r\n`).join(''));

  it('doubles leading dots and adds the terminator', () => {
    expect(dotStuff(block(['.a', 'b', '.', '..c'])).toString()).toBe('..a\r\nb\r\n..\r\n...c\r\n.\r\n');
    expect(dotStuff(Buffer.from('no end')).toString()).toBe('no end\r\n.\r\n');
    expect(dotStuff(Buffer.alloc(0)).toString()).toBe('.\r\n');
  });

  it('round-trips any block of CRLF lines', () => {
    const line = fc.stringMatching(/^[.a-z ]{0,6}$/);
    fc.assert(
      fc.property(fc.array(line, { maxLength: 12 }), (lines) => {
        const b = block(lines);
        const wire = dotStuff(b);
        expect(wire.subarray(wire.length - 3).toString()).toBe('.\r\n');
        expect(undotStuff(wire.subarray(0, wire.length - 3)).equals(b)).toBe(true);
      }),
    );
  });

  it('returns the same buffer when there is nothing to undo', () => {
    const b = Buffer.from('a\r\nb\r\n');
    expect(undotStuff(b)).toBe(b);
  });
});

describe('dates', () => {
  const now = Date.UTC(2026, 10, 29, 12, 0, 0);

  it('formats DATE as yyyymmddhhmmss', () => {
    expect(nntpTimestamp(Date.UTC(2026, 0, 2, 3, 4, 5))).toBe('20260102030405');
  });

  it('reads NEWNEWS dates with two- and four-digit years (RFC 3977 7.3.2)', () => {
    expect(parseNntpDateTime('20260102', '030405', now)).toBe(Date.UTC(2026, 0, 2, 3, 4, 5));
    expect(parseNntpDateTime('260102', '030405', now)).toBe(Date.UTC(2026, 0, 2, 3, 4, 5));
    expect(parseNntpDateTime('990102', '000000', now)).toBe(Date.UTC(1999, 0, 2));
    expect(parseNntpDateTime('2026010', '000000', now)).toEqual({ problem: expect.any(String) });
    expect(parseNntpDateTime('20261301', '000000', now)).toEqual({ problem: expect.any(String) });
  });

  it.each([
    ['Sun, 29 Nov 2026 02:21:07 -0000 (UTC)', Date.UTC(2026, 10, 29, 2, 21, 7)],
    ['29 Nov 2026 02:21:07 +0100', Date.UTC(2026, 10, 29, 1, 21, 7)],
    ['Sun,29 Nov 2026 02:21 GMT', Date.UTC(2026, 10, 29, 2, 21)],
    ['Sun, 29 Nov 26 02:21:07 EST', Date.UTC(2026, 10, 29, 7, 21, 7)],
    ['Thu, 1 Jan 98 00:00:00 (no zone) ', Date.UTC(1998, 0, 1)],
    ['Tue, 03 Mar 2026 10:00:00 +0000 (Coordinated (nested) Time)', Date.UTC(2026, 2, 3, 10)],
  ])('reads %j', (text, ms) => {
    expect(parseRfc5322Date(text)).toBe(ms);
  });

  it.each(['yesterday', '32 Nov 2026 00:00:00 +0000', 'Sun, 29 Foo 2026 02:21:07 +0000', '29 Nov 2026 02:21:07 +0099'])('refuses %j', (text) => {
    expect(parseRfc5322Date(text)).toBeNull();
  });
});

describe('encoded words and 8-bit text', () => {
  it('decodes B and Q words, joining adjacent ones', () => {
    expect(decodeEncodedWords('=?UTF-8?B?aGVsbMO2?= =?iso-8859-1?Q?w=F6rld_!?=')).toBe('hellöwörld !');
    expect(decodeEncodedWords('plain =?utf-8?q?caf=C3=A9?= text')).toBe('plain café text');
    expect(decodeEncodedWords('=?x-unknown?Q?abc?=')).toBe('=?x-unknown?Q?abc?=');
  });

  it('encodes non-ASCII values so they decode back, keeping addresses readable', () => {
    const long = 'Ünïcödé '.repeat(20);
    const enc = encodeWords(long);
    expect(enc).toMatch(/^[\x20-\x7e]+$/);
    for (const w of enc.split(' ')) expect(w.length).toBeLessThanOrEqual(75);
    expect(decodeEncodedWords(enc)).toBe(long);
    expect(asciiHeaderValue('From', 'Jörg <j@example.org>')).toMatch(/^=\?UTF-8\?B\?[^ ]+\?= <j@example\.org>$/);
    expect(asciiHeaderValue('Subject', 'plain')).toBe('plain');
  });

  it('decodes 8-bit bytes as UTF-8, else the declared charset, else windows-1252', () => {
    expect(decodeBytes(Buffer.from('grüß', 'utf8'))).toBe('grüß');
    expect(decodeBytes(Buffer.from([0x67, 0x72, 0xfc, 0xdf]), 'iso-8859-1')).toBe('grüß');
    expect(decodeBytes(Buffer.from([0x80]))).toBe('€');
  });
});

describe('replies', () => {
  it('keeps a status line on one line', () => {
    expect(statusLine(441, 'bad\r\nthing')).toBe('441 bad thing\r\n');
  });

  it('dot-stuffs multi-line replies and knows which codes carry one', () => {
    expect(multiLine(215, 'list', ['.x', 'y'])).toBe('215 list\r\n..x\r\ny\r\n.\r\n');
    expect(isMultiLine('GROUP', 211)).toBe(false);
    expect(isMultiLine('LISTGROUP', 211)).toBe(true);
    expect(isMultiLine('XHDR', 221)).toBe(true);
    expect(isMultiLine('CHECK', 238)).toBe(false);
  });
});
