// client-common — what the client console's views share: state, money and
// rates in the platform's currency, the template's variables.
import { has } from '../i18n.js';
import { el, t } from '../shell.js';
import * as fmt from '../fmt.js';

export const state = {
  me: null,
  config: { currency: 'EUR', minimum_hourly_micros: null },
  view: 'list',
  balance: null,
  batches: null,
  samples: {},          // variable -> sample value typed in the preview
  previewTimer: 0,
  previewSeq: 0,
};

export const money = (m) => fmt.money(m, state.config.currency);
export const rate = (m) => (m === null || m === undefined ? '—'
  : t('client.per_hour', { amount: fmt.moneyRounded(m, state.config.currency) }));

// ---------------------------------------------------------------- helpers

// "0,05" or "0.05" (units of the currency) -> micros as a BigInt, or null.
export function parseMoney(text) {
  const s = String(text || '').replace(/[\s\u00a0\u202f]/g, '').replace(',', '.');
  if (!/^\d{1,7}(\.\d{0,6})?$/.test(s)) return null;
  const [u, f = ''] = s.split('.');
  return BigInt(u) * 1000000n + BigInt((f + '000000').slice(0, 6));
}

// The ${variables} of a template, in order, once each (as the server reads them).
export function templateVars(tpl) {
  const out = [];
  for (const m of String(tpl || '').matchAll(/\$\{([A-Za-z0-9_.-]{1,64})\}/g)) if (!out.includes(m[1])) out.push(m[1]);
  return out;
}

export function stateBadge(s) {
  const kind = { draft: 'warn', published: 'ok', paused: 'warn', cancelled: 'bad', completed: 'ok' }[s] || '';
  return el('span', { class: 'badge ' + kind }, has('client.state.' + s) ? t('client.state.' + s) : s);
}

