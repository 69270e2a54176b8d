// me-fmt — figures of the "My work" page that fmt.js does not have: exact
// pay per hour (BigInt on integer micros and ms) and durations that say
// "0 min" (fmt.duration(0) is empty where Intl.DurationFormat omits zero units).
import { duration } from '../fmt.js';
import { lang } from '../i18n.js';

// floor(a / b) for BigInt, b > 0.
function floorDiv(a, b) {
  const q = a / b;
  return (a % b !== 0n && a < 0n) ? q - 1n : q;
}

// Pay per hour over a span of ms, exact to the micro (rounded down), or null
// when there is no time.
export function hourly(micros, ms) {
  const m = BigInt(ms);
  if (m <= 0n) return null;
  return floorDiv(BigInt(micros) * 3600000n, m);
}

// Durations: seconds shown below an hour (micro-tasks last seconds).
export function dur(ms) {
  if (ms > 0) return duration(ms, { seconds: ms < 3600000 });
  return new Intl.NumberFormat(lang(), { style: 'unit', unit: 'minute', unitDisplay: 'short' }).format(0);
}
