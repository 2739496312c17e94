/**
 * The fuzz suites' model of a request body: JSON values that can say what JSON.stringify
 * cannot (duplicate keys, `__proto__` keys, raw tokens such as 1e999 or deep nesting as
 * text), edits at any node of such a tree, and byte-level edits of the encoded text (invalid
 * UTF-8 inside a string, truncation, a BOM). Arbitraries over them are in arbitraries.ts.
 */

/** JSON text put in verbatim (a number token JSON.stringify cannot write, deep nesting). */
export class Raw {
  constructor(readonly text: string) {}
}
/** An object as its entries: keys may repeat and may be `__proto__`. */
export class Obj {
  constructor(readonly entries: [string, JV][]) {}
  get(key: string): JV | undefined {
    return this.entries.find(([k]) => k === key)?.[1];
  }
}
export type JV = null | boolean | number | string | JV[] | Raw | Obj;

export const obj = (o: Record<string, JV | undefined>): Obj => new Obj(Object.entries(o).filter((e): e is [string, JV] => e[1] !== undefined));

/** Any plain value (from JSON.parse or a literal) as a JV. */
export function toJV(v: unknown): JV {
  if (Array.isArray(v)) return v.map(toJV);
  if (v !== null && typeof v === 'object') return new Obj(Object.entries(v).map(([k, x]) => [k, toJV(x)]));
  return v as JV;
}

export function jsonText(v: JV): string {
  if (v instanceof Raw) return v.text;
  if (v instanceof Obj) return `{${v.entries.map(([k, x]) => `${JSON.stringify(k)}:${jsonText(x)}`).join(',')}}`;
  if (Array.isArray(v)) return `[${v.map(jsonText).join(',')}]`;
  return JSON.stringify(v) ?? 'null';
}

// ---- edits of a tree ----------------------------------------------------------------

/** An edit of one node: its replacement, or undefined to remove it from its parent. */
export type Op = (v: JV) => JV | undefined;

const children = (v: JV): JV[] | null => (v instanceof Obj ? v.entries.map((e) => e[1]) : Array.isArray(v) ? v : null);

/** Applies `op` at the node `path` leads to (each step picks a child, modulo the count). */
export function editAt(v: JV, path: number[], op: Op): JV | undefined {
  const kids = children(v);
  if (path.length === 0 || !kids || kids.length === 0) return op(v);
  const i = path[0] % kids.length;
  const child = editAt(kids[i], path.slice(1), op);
  if (v instanceof Obj) {
    const entries = v.entries.slice();
    if (child === undefined) entries.splice(i, 1);
    else entries[i] = [entries[i][0], child];
    return new Obj(entries);
  }
  const items = (v as JV[]).slice();
  if (child === undefined) items.splice(i, 1);
  else items[i] = child;
  return items;
}

// ---- bytes ------------------------------------------------------------------------------

export type ByteEdit =
  | { kind: 'inString'; at: number; bytes: number[] }
  | { kind: 'anywhere'; at: number; bytes: number[] }
  | { kind: 'truncate'; at: number }
  | { kind: 'bom' };

/** The edits applied to encoded text: right after an opening quote lands inside a string. */
export function applyByteEdits(buf: Buffer, edits: ByteEdit[]): Buffer {
  let out = buf;
  for (const e of edits) {
    if (e.kind === 'bom') out = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), out]);
    else if (e.kind === 'truncate') out = out.subarray(0, out.length === 0 ? 0 : e.at % out.length);
    else {
      let at = out.length === 0 ? 0 : e.at % (out.length + 1);
      if (e.kind === 'inString') {
        const quotes: number[] = [];
        for (let i = 0; i < out.length && quotes.length < 1000; i++) if (out[i] === 0x22) quotes.push(i + 1);
        if (quotes.length > 0) at = quotes[e.at % quotes.length];
      }
      out = Buffer.concat([out.subarray(0, at), Buffer.from(e.bytes), out.subarray(at)]);
    }
  }
  return out;
}

/** The bytes of a body: its JSON text, maybe edited. */
export const encodeBody = (body: JV, edits: ByteEdit[] | null): Buffer => applyByteEdits(Buffer.from(jsonText(body), 'utf8'), edits ?? []);
