// fmt — numbers, money, durations and dates for the page's language, from the
// API's exact integers. Money is integer micros: it is turned into an exact
// decimal string with integer arithmetic (BigInt) and formatted by Intl from
// that string, so no amount ever passes through a floating-point sum.
import { lang } from './i18n.js';

const big = (x) => BigInt(typeof x === 'bigint' ? x : Math.trunc(Number(x)));

// The exact decimal text of a micros amount: 83334 -> "0.083334".
export function microsDecimal(micros) {
  let m = big(micros);
  const neg = m < 0n;
  if (neg) m = -m;
  const units = m / 1000000n;
  const frac = (m % 1000000n).toString().padStart(6, '0');
  return (neg ? '-' : '') + units.toString() + '.' + frac;
}

// Add micros amounts exactly.
export function sumMicros(list) {
  let s = 0n;
  for (const x of list) s += big(x || 0);
  return s;
}

// Money: at least 2 decimals, up to 6 when the amount has fractions of a cent
// (micro-tasks pay those); never rounded.
export function money(micros, currency = 'EUR') {
  if (micros === null || micros === undefined) return '—';
  const f = new Intl.NumberFormat(lang(), { style: 'currency', currency, minimumFractionDigits: 2, maximumFractionDigits: 6 });
  return f.format(microsDecimal(micros));
}

// A rate such as 12.00 €/h, rounded to the cent for display (the exact
// figure is in the title attribute where pages need it).
export function moneyRounded(micros, currency = 'EUR') {
  if (micros === null || micros === undefined) return '—';
  const f = new Intl.NumberFormat(lang(), { style: 'currency', currency, minimumFractionDigits: 2, maximumFractionDigits: 2, roundingMode: 'halfExpand' });
  return f.format(microsDecimal(micros));
}

export function number(n, digits = 0) {
  if (n === null || n === undefined) return '—';
  return new Intl.NumberFormat(lang(), { maximumFractionDigits: digits }).format(n);
}

export function percent(x, digits = 1) {
  if (x === null || x === undefined) return '—';
  return new Intl.NumberFormat(lang(), { style: 'percent', minimumFractionDigits: digits, maximumFractionDigits: digits }).format(x);
}

// Durations in ms: "1 h 5 min", "42 s".
export function duration(ms, { seconds = false } = {}) {
  if (ms === null || ms === undefined) return '—';
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600), m = Math.floor((total % 3600) / 60), s = total % 60;
  const parts = {};
  if (h) parts.hours = h;
  if (m || (!h && !seconds)) parts.minutes = m;
  if (seconds && (s || (!h && !m))) parts.seconds = s;
  if (typeof Intl.DurationFormat === 'function') {
    const opts = { style: 'short' };
    if (!h && !m && !(seconds && s)) opts[seconds ? 'secondsDisplay' : 'minutesDisplay'] = 'always'; /* "0 min", not "" */
    return new Intl.DurationFormat(lang(), opts).format(parts);
  }
  const u = (n, unit) => new Intl.NumberFormat(lang(), { style: 'unit', unit, unitDisplay: 'short' }).format(n);
  return [parts.hours !== undefined && u(parts.hours, 'hour'), parts.minutes !== undefined && u(parts.minutes, 'minute'),
    parts.seconds !== undefined && u(parts.seconds, 'second')].filter(Boolean).join(' ');
}

// "mm:ss" for countdowns.
export function clock(ms) {
  const t = Math.max(0, Math.ceil(ms / 1000));
  const m = Math.floor(t / 60), s = t % 60;
  return `${m}:${String(s).padStart(2, '0')}`;
}

export function date(ms, opts = { dateStyle: 'medium', timeStyle: 'short' }) {
  if (ms === null || ms === undefined) return '—';
  return new Intl.DateTimeFormat(lang(), opts).format(new Date(Number(ms)));
}

export function day(ms) { return date(ms, { dateStyle: 'medium' }); }
