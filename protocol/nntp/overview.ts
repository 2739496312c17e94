/**
 * Overview lines (RFC 3977 section 8.3, LIST OVERVIEW.FMT) and Xref values. The fields come from
 * the store's group index, so OVER never reads an article. Tabs, CR and LF inside a field
 * become spaces, as the RFC asks. Pure: no I/O.
 */
import { rfc5322Date } from '../rfc5536';

/** LIST OVERVIEW.FMT: the seven standard fields, then the full Xref. */
export const OVERVIEW_FMT = ['Subject:', 'From:', 'Date:', 'Message-ID:', 'References:', ':bytes', ':lines', 'Xref:full'];

/** Fields HDR serves from the overview (lower case, as asked for). */
export const OVERVIEW_HEADERS = new Set(['subject', 'from', 'date', 'message-id', 'references', ':bytes', ':lines', 'xref', 'bytes', 'lines']);

export interface OverviewFields {
  n: number;
  subject: string;
  from: string;
  /** ISO 8601 (as stored). */
  date: string;
  id: string;
  references: readonly string[];
  bytes: number;
  lines: number;
  xref: string;
}

const flat = (s: string) => s.replace(/[\t\r\n]/g, ' ');

/** `Xref` value: this server's name, then `group:number` for each group the article is in here. */
export function xrefValue(host: string, nums: Iterable<[string, number]>): string {
  let out = host;
  for (const [g, n] of nums) out += ` ${g}:${n}`;
  return out;
}

export function overviewLine(o: OverviewFields): string {
  return `${o.n}\t${flat(o.subject)}\t${flat(o.from)}\t${rfc5322Date(o.date)}\t${o.id}\t${o.references.join(' ')}\t${o.bytes}\t${o.lines}\tXref: ${o.xref}`;
}

/** One overview field by header name (for HDR); undefined when it is not an overview field. */
export function overviewField(o: OverviewFields, lower: string): string | undefined {
  switch (lower) {
    case 'subject':
      return flat(o.subject);
    case 'from':
      return flat(o.from);
    case 'date':
      return rfc5322Date(o.date);
    case 'message-id':
      return o.id;
    case 'references':
      return o.references.join(' ');
    case ':bytes':
    case 'bytes':
      return String(o.bytes);
    case ':lines':
    case 'lines':
      return String(o.lines);
    case 'xref':
      return o.xref;
    default:
      return undefined;
  }
}
