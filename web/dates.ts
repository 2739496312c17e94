/**
 * Dates for people: a short relative form ("5 min ago", "3 Mar") for the page, and the exact
 * UTC time for the hover title (`timeHtml` puts both in a <time>). `now` comes from the
 * node's Clock, never Date.now().
 */

import { escapeHtml } from './text';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export function humanDate(iso: string | null | undefined, now: number): string {
  if (!iso) return 'never';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const s = Math.round((now - t) / 1000);
  if (s < -60) return exactDate(iso);
  if (s < 45) return 'just now';
  if (s < 3600) return `${Math.max(1, Math.round(s / 60))} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  if (s < 7 * 86400) return `${Math.round(s / 86400)} d ago`;
  const d = new Date(t);
  const sameYear = d.getUTCFullYear() === new Date(now).getUTCFullYear();
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]}${sameYear ? '' : ` ${d.getUTCFullYear()}`}`;
}

/** "2026-03-01 14:05:09 UTC" */
const ISO_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

export function exactDate(iso: string | null | undefined): string {
  if (!iso) return '';
  // Article dates are already ISO UTC: slicing is much cheaper than a Date round trip, and lists call this per row.
  if (ISO_UTC.test(iso)) return `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  return `${new Date(t).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** `<time>` with the human form as text and the exact time on hover. */
export function timeHtml(iso: string | null | undefined, now: number): string {
  if (!iso) return 'never';
  return `<time datetime="${escapeHtml(iso)}" title="${escapeHtml(exactDate(iso))}">${escapeHtml(humanDate(iso, now))}</time>`;
}
