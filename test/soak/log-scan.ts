/**
 * Reads the stderr of node processes after a soak: pino JSON lines by level and message, and
 * anything else a process printed there. Error lines (level 50 and up, or not JSON at all)
 * must each be explained by a rule with its reason, or the soak fails; warnings are counted
 * by message for the report.
 */

export interface ExplainedError {
  /** Matched against the line's `msg` (and the raw line for non-JSON text). */
  pattern: RegExp;
  why: string;
}

export interface LogScan {
  /** Error lines no rule explains (raw, first 50). */
  unexplained: string[];
  /** Explained error lines per reason. */
  explained: Record<string, number>;
  /** Warnings per message. */
  warnings: Record<string, number>;
  lines: number;
}

/**
 * Error lines that a soak causes on purpose. Empty on purpose: a kill, a restart or a cut
 * link is expected to show at most as warnings; add a rule only with the reason it is fine.
 */
export const EXPLAINED: ExplainedError[] = [];

export function scanLogs(texts: { node: string; text: string }[], explained: ExplainedError[] = EXPLAINED): LogScan {
  const out: LogScan = { unexplained: [], explained: {}, warnings: {}, lines: 0 };
  for (const { node, text } of texts) {
    for (const raw of text.split('\n')) {
      if (raw.trim() === '') continue;
      out.lines++;
      let level = 60;
      let msg = raw;
      try {
        const rec = JSON.parse(raw) as { level?: number; msg?: string };
        level = typeof rec.level === 'number' ? rec.level : 60;
        msg = rec.msg ?? '';
      } catch {
        // Not a log record: a crash trace or a stray print, treated as an error line.
      }
      if (level < 40) continue;
      if (level < 50) {
        out.warnings[msg] = (out.warnings[msg] ?? 0) + 1;
        continue;
      }
      const rule = explained.find((e) => e.pattern.test(msg));
      if (rule) out.explained[rule.why] = (out.explained[rule.why] ?? 0) + 1;
      else if (out.unexplained.length < 50) out.unexplained.push(`${node}: ${raw.slice(0, 2000)}`);
    }
  }
  return out;
}
