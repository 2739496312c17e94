/**
 * The byte-level reader under NNTP connections: lines and dot-terminated blocks however the
 * bytes are cut into chunks, the line length cap, and the block size cap (the rest of an
 * over-large block is dropped up to its terminator, and the connection stays in step).
 */
import fc from 'fast-check';
import { WireReader, type BlockRead, type LineRead } from '../../node/nntp/wire-reader';

type Item = LineRead | BlockRead;

/** Feeds `bytes` cut at `cuts`, reading lines, and a block after every line that says BLOCK. */
function readAll(reader: WireReader, bytes: Buffer, cuts: number[]): Item[] {
  const out: Item[] = [];
  let wantBlock = false;
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  let from = 0;
  for (const to of [...points, bytes.length]) {
    reader.push(bytes.subarray(from, to));
    from = to;
    for (;;) {
      const r: Item | null = wantBlock ? reader.readBlock() : reader.readLine();
      if (!r) break;
      out.push(r);
      wantBlock = !wantBlock && 'line' in r && r.line.startsWith('BLOCK');
    }
  }
  return out;
}

const simplify = (items: Item[]) => items.map((i) => ('line' in i ? i.line : 'block' in i ? `<${i.block.toString()}>` : 'tooLong' in i ? 'TOO LONG' : `TOO LARGE ${i.tooLarge}`));

describe('WireReader', () => {
  const stream = Buffer.from('GROUP a\r\nBLOCK 1\r\nx\r\n..y\r\n.\r\nBLOCK 2\r\n.\r\nQUIT\n');
  const expected = ['GROUP a', 'BLOCK 1', '<x\r\n..y\r\n>', 'BLOCK 2', '<>', 'QUIT'];

  it('reads lines and blocks in one chunk', () => {
    expect(simplify(readAll(new WireReader(512, 1000), stream, []))).toEqual(expected);
  });

  it('reads the same however the bytes are cut', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(stream.length), { maxLength: 10 }), (cuts) => {
        expect(simplify(readAll(new WireReader(512, 1000), stream, cuts))).toEqual(expected);
      }),
    );
  });

  it('answers an over-long line once and then reads the next line', () => {
    const long = Buffer.from(`${'A'.repeat(600)}\r\nNEXT\r\n`);
    expect(simplify(readAll(new WireReader(512, 1000), long, [100, 300, 550]))).toEqual(['TOO LONG', 'NEXT']);
    expect(simplify(readAll(new WireReader(512, 1000), long, []))).toEqual(['TOO LONG', 'NEXT']);
  });

  it('drops an over-large block up to its terminator, in bounded memory, and stays in step', () => {
    const body = 'z'.repeat(98) + '\r\n';
    const big = Buffer.from(`BLOCK\r\n${body.repeat(100)}.\r\nAFTER\r\n`);
    const reader = new WireReader(512, 1000);
    const cuts = Array.from({ length: 60 }, (_, i) => 7 + i * 173);
    let maxBuffered = 0;
    const out: Item[] = [];
    let wantBlock = false;
    let from = 0;
    for (const to of [...cuts, big.length]) {
      reader.push(big.subarray(from, to));
      from = to;
      maxBuffered = Math.max(maxBuffered, reader.buffered);
      for (;;) {
        const r: Item | null = wantBlock ? reader.readBlock() : reader.readLine();
        if (!r) break;
        out.push(r);
        wantBlock = !wantBlock && 'line' in r && r.line === 'BLOCK';
      }
    }
    expect(simplify(out)).toEqual(['BLOCK', 'TOO LARGE 10000', 'AFTER']);
    expect(maxBuffered).toBeLessThan(1000 + 200);
  });
});
