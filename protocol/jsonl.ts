/**
 * JSON lines codec for article files: one article object per line. The reader is
 * incremental like MboxReader, so an import of any size streams in flat memory, and a line
 * over LIMITS.fileMessageMaxBytes is skipped with a reason. Pure.
 */
import type { Article } from './article';
import { LIMITS } from './limits';
import { LineSplitter } from './line-splitter';

export function renderJsonLine(a: Article): string {
  return `${JSON.stringify(a)}\n`;
}

/** A line that is not JSON: kept as a problem so the import can count and report it. */
export interface JsonlProblem {
  line: number;
  reason: string;
}

/** `size`: characters of the line, so callers can bound their batches. */
export type JsonlItem = { ok: true; value: unknown; size: number } | { ok: false; problem: JsonlProblem };

export class JsonlReader extends LineSplitter<JsonlItem> {
  private lineNo = 0;
  protected override readonly maxLineChars = LIMITS.fileMessageMaxBytes;

  /** Feeds raw file bytes (UTF-8); a character split across chunks is kept whole. */
  private readonly decoder = new TextDecoder('utf-8');
  pushBytes(chunk: Uint8Array): void {
    this.push(this.decoder.decode(chunk, { stream: true }));
  }

  protected override overlong(): void {
    this.lineNo++;
    this.ready.push({ ok: false, problem: { line: this.lineNo, reason: `line ${this.lineNo} is larger than ${LIMITS.fileMessageMaxBytes} bytes; skipped` } });
  }

  protected line(raw: string): void {
    this.lineNo++;
    const text = raw.trim();
    if (text.length === 0) return;
    try {
      this.ready.push({ ok: true, value: JSON.parse(text), size: text.length });
    } catch (err) {
      this.ready.push({ ok: false, problem: { line: this.lineNo, reason: `line ${this.lineNo} is not JSON: ${(err as Error).message}` } });
    }
  }
}

/** Which codec a file's first bytes call for, or null when neither fits. */
export function detectArticleFormat(head: string): 'mbox' | 'jsonl' | null {
  const start = head.replace(/^\uFEFF/, '').trimStart();
  if (start.startsWith('From ')) return 'mbox';
  if (start.startsWith('{')) return 'jsonl';
  return null;
}
