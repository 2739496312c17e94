/**
 * The streaming feed's framing (node/nntp/stream-framing.ts): the CHECK lines of a batch,
 * TAKETHIS commands dot-stuffed and gathered into write chunks by the articles' bytes, and
 * what each reply code means (anything else fails the link with the reply quoted).
 */
import { checkAnswer, checkLines, FeedError, TakethisChunk, takethisAnswer } from '../../node/nntp/stream-framing';

const reply = (code: number, text = '') => ({ code, text });

describe('stream framing', () => {
  it('writes one CHECK line per id', () => {
    expect(checkLines(['<a@x>', '<b@x>'])).toBe('CHECK <a@x>\r\nCHECK <b@x>\r\n');
    expect(checkLines([])).toBe('');
  });

  it('reads CHECK and TAKETHIS replies, and refuses codes that do not belong', () => {
    expect([238, 431, 438].map((code) => checkAnswer(reply(code, '<a@x>')))).toEqual(['send', 'later', 'refused']);
    expect(() => checkAnswer(reply(502, 'no permission'))).toThrow(new FeedError('CHECK answered 502 no permission'));
    expect(takethisAnswer(reply(239, '<a@x>'))).toBe('accepted');
    expect(takethisAnswer(reply(439, '<a@x> Duplicate'))).toBe('duplicate');
    expect(takethisAnswer(reply(439, '<a@x> already have it'))).toBe('duplicate');
    expect(takethisAnswer(reply(439, '<a@x> bad Date'))).toBe('rejected');
    expect(() => takethisAnswer(reply(238, '<a@x>'))).toThrow(FeedError);
    // A long reply is quoted only in part (300 characters in all).
    expect(() => takethisAnswer(reply(400, 'x'.repeat(400)))).toThrow(/^TAKETHIS answered 400 x{278}$/);
  });

  it('gathers dot-stuffed TAKETHIS commands until a chunk holds its bytes', () => {
    const chunk = new TakethisChunk(40);
    expect(chunk.empty).toBe(true);
    expect(chunk.add('<a@x>', Buffer.from('Subject: a\r\n\r\n.dot\r\n'))).toBe(false);
    expect(chunk.add('<b@x>', Buffer.from('Subject: b\r\n\r\nbody'))).toBe(true);
    const { data, verbs } = chunk.take();
    expect(verbs).toEqual(['TAKETHIS', 'TAKETHIS']);
    expect(data.toString()).toBe('TAKETHIS <a@x>\r\nSubject: a\r\n\r\n..dot\r\n.\r\nTAKETHIS <b@x>\r\nSubject: b\r\n\r\nbody\r\n.\r\n');
    expect(chunk.empty).toBe(true);
    expect(chunk.take()).toEqual({ data: Buffer.alloc(0), verbs: [] });
  });
});
