// me-fmt — figures of the "My work" page that fmt.js does not have:
// durations that say "0 min" (fmt.duration(0) is empty where
// Intl.DurationFormat omits zero units). Pay per hour comes from the API.
import { duration } from '../fmt.js';
import { lang } from '../i18n.js';

// Durations: seconds shown below an hour (micro-tasks last seconds).
export function dur(ms) {
  if (ms > 0) return duration(ms, { seconds: ms < 3600000 });
  return new Intl.NumberFormat(lang(), { style: 'unit', unit: 'minute', unitDisplay: 'short' }).format(0);
}
