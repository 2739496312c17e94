/**
 * Dates as NNTP uses them: the `yyyymmddhhmmss` of DATE, the `date time [GMT]` arguments of
 * NEWGROUPS and NEWNEWS (RFC 3977 section 7.3, two-digit years included), and the RFC 5322
 * dates of article headers as real servers write them (`-0000 (UTC)`, comments, obsolete
 * zone names, two-digit years). This node keeps UTC, so "local time" arguments are UTC too.
 * Pure: no I/O.
 */

const two = (n: number) => n.toString().padStart(2, '0');

/** `yyyymmddhhmmss` (the DATE reply). */
export function nntpTimestamp(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}${two(d.getUTCMonth() + 1)}${two(d.getUTCDate())}${two(d.getUTCHours())}${two(d.getUTCMinutes())}${two(d.getUTCSeconds())}`;
}

/**
 * The instant of NEWGROUPS/NEWNEWS `date time`: date is yymmdd or yyyymmdd, time hhmmss.
 * A two-digit year is in the current century unless that would be in the future (RFC 3977
 * section 7.3.2). Returns ms, or a reason.
 */
export function parseNntpDateTime(date: string, time: string, nowMs: number): number | { problem: string } {
  const dm = /^(\d{2}|\d{4})(\d{2})(\d{2})$/.exec(date);
  if (!dm) return { problem: 'date must be yymmdd or yyyymmdd' };
  const tm = /^(\d{2})(\d{2})(\d{2})$/.exec(time);
  if (!tm) return { problem: 'time must be hhmmss' };
  let year = Number(dm[1]);
  if (dm[1].length === 2) {
    const now = new Date(nowMs).getUTCFullYear();
    const century = now - (now % 100);
    year += year <= now % 100 ? century : century - 100;
  }
  const [month, day, h, m, s] = [Number(dm[2]), Number(dm[3]), Number(tm[1]), Number(tm[2]), Number(tm[3])];
  if (month < 1 || month > 12 || day < 1 || day > 31 || h > 23 || m > 59 || s > 60) return { problem: 'date or time out of range' };
  return Date.UTC(year, month - 1, day, h, m, Math.min(s, 59));
}

const MONTHS: Record<string, number> = { jan: 0, feb: 1, mar: 2, apr: 3, may: 4, jun: 5, jul: 6, aug: 7, sep: 8, oct: 9, nov: 10, dec: 11 };

/** RFC 5322 section 4.3 obsolete zones, in minutes east of UTC. Military letters count as 0 ("-0000"). */
const ZONES: Record<string, number> = {
  ut: 0, gmt: 0, utc: 0, z: 0,
  edt: -240, est: -300, cdt: -300, cst: -360, mdt: -360, mst: -420, pdt: -420, pst: -480,
};

/** Removes RFC 5322 comments (nested parentheses, backslash escapes). */
function stripComments(s: string): string {
  let out = '';
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\\' && depth > 0) i++;
    else if (c === '(') depth++;
    else if (c === ')' && depth > 0) depth--;
    else if (depth === 0) out += c;
  }
  return out;
}

/**
 * ms of an RFC 5322 date-time, or null. Lenient as servers are: the day name is optional,
 * seconds are optional, the year may have two or three digits, the zone may be numeric
 * (`-0000` is UTC), a name, or missing (UTC), and comments may appear anywhere.
 */
export function parseRfc5322Date(value: string): number | null {
  const s = (value.includes('(') ? stripComments(value) : value).replace(/\s+/g, ' ').trim();
  const m = /^(?:[A-Za-z]{3,9} ?, ?)?(\d{1,2}) ([A-Za-z]{3})[a-z]* (\d{2,4}) (\d{1,2}):(\d{2})(?::(\d{2}))?(?: ?([+-]\d{4}|[A-Za-z]{1,5}))?$/.exec(s);
  if (!m) return null;
  const month = MONTHS[m[2].toLowerCase()];
  if (month === undefined) return null;
  let year = Number(m[3]);
  // RFC 5322 section 4.3: two-digit years below 50 are 20xx, others 19xx; three digits add 1900.
  if (m[3].length === 2) year += year < 50 ? 2000 : 1900;
  else if (m[3].length === 3) year += 1900;
  const [day, h, min, sec] = [Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6] ?? '0')];
  if (day < 1 || day > 31 || h > 23 || min > 59 || sec > 60) return null;
  let offset = 0;
  const zone = m[7];
  if (zone && /^[+-]\d{4}$/.test(zone)) {
    const sign = zone[0] === '-' ? -1 : 1;
    const hh = Number(zone.slice(1, 3));
    const mm = Number(zone.slice(3, 5));
    if (mm > 59) return null;
    offset = sign * (hh * 60 + mm);
  } else if (zone) {
    const z = zone.toLowerCase();
    if (z in ZONES) offset = ZONES[z];
    else if (!/^[a-z]$/.test(z)) return null;
  }
  const ms = Date.UTC(year, month, day, h, min, Math.min(sec, 59)) - offset * 60_000;
  return Number.isFinite(ms) ? ms : null;
}
