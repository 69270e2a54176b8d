// me — "My work": the worker's own truth. Earnings with the true hourly pay
// (active and waiting time, before and after declared costs, and over all
// time spent, unpaid time included), by client and kind of work, week by
// week; declared costs; the data export; the automated decisions about the
// worker and their human review (me-decisions.js). Every amount is integer
// micros from the API, computed on with BigInt only.
import { get, post, ApiError } from '../api.js';
import { has } from '../i18n.js';
import { money, moneyRounded, date, day, number } from '../fmt.js';
import { dur } from './me-fmt.js';
import { startPage, el, showError, clearErrors, flash, errorText, t, lang, onLangChange, ready } from '../shell.js';
import { initDecisions } from './me-decisions.js';

const DAY = 86400000;
const WEEK = 7 * DAY;

const state = {
  now: null,          // the server's "now" (to_ms of the first answer)
  currency: 'EUR',
  totals: null,       // GET /v1/me/earnings for the chosen period
  weeks: null,        // GET /v1/me/earnings?group_by=week for the last 12 weeks
  costs: null,        // GET /v1/me/costs
  chart: null,
};

// ---- exact figures ----

const cur = () => state.currency;
const rate = (micros) => (micros === null || micros === undefined) ? '—' : t('me.per_hour', { amount: moneyRounded(micros, cur()) });
const famName = (f) => (has('me.family.' + f) ? t('me.family.' + f) : f);

// A figure: its value (data, not text to translate) with the exact amount as title.
function raw(text, attrs = {}) { return el('span', { 'data-raw': '', ...attrs }, text); }
function rateEl(micros) {
  return raw(rate(micros), micros === null || micros === undefined ? {} : { title: money(micros, cur()), dataset: { micros: String(micros) } });
}
function badgeBelow(below, kind = 'bad') {
  return below ? el('span', { class: 'badge ' + kind + ' me-below' }, t('me.below')) : null;
}
function badgeMin(below, timed) {
  if (!timed) return null;
  return below ? el('span', { class: 'badge bad me-below' }, t('me.below'))
    : el('span', { class: 'badge ok' }, t('me.at_or_above'));
}

// ---- earnings for the chosen period ----

function periodQuery() {
  const v = document.getElementById('period').value;
  if (state.now === null) return '';
  const to = state.now;
  const from = v === 'all' ? 0 : Math.max(0, to - Number(v) * DAY);
  return `?from=${from}&to=${to}`;
}

async function loadTotals() {
  const q = periodQuery();
  const e = await get('/v1/me/earnings' + q);
  if (state.now === null) state.now = e.to_ms;
  state.currency = e.currency || 'EUR';
  state.totals = e;
  document.getElementById('totals').dataset.query = `?from=${e.from_ms}&to=${e.to_ms}`;
  drawTotals();
  drawBreakdown();
}

function stat(id, label, valueEl, ...extra) {
  return el('div', { class: 'stat', id }, el('span', { class: 'label' }, label), el('span', { class: 'value' }, valueEl), ...extra);
}

function drawTotals() {
  const e = state.totals;
  if (!e) return;
  const box = document.getElementById('totals');
  box.textContent = '';
  document.getElementById('range').textContent = t('me.range', { from: day(e.from_ms), to: day(e.to_ms) });
  const worked = e.active_ms + e.waiting_ms;
  const all = worked + e.unpaid_ms;
  const timed = worked > 0;
  // pay per hour of all the time spent (unpaid included): the API's figures
  const spent = all > 0;
  const allHourly = spent ? e.hourly_all_time_micros : null;
  const allAfter = spent ? e.hourly_all_time_after_costs_micros : null;
  const min = e.minimum_hourly_micros;

  const before = el('div', { class: 'stat me-rate', id: 'rate-before' },
    el('span', { class: 'label' }, t('me.rate.before')),
    el('span', { class: 'value' }, timed ? rateEl(e.effective_hourly_micros) : raw('—')),
    el('span', { class: 'formula muted' }, t('me.rate.before_formula')),
    badgeMin(e.below_minimum, timed));
  const after = el('div', { class: 'stat me-rate me-key', id: 'rate-after' },
    el('span', { class: 'label' }, t('me.rate.after')),
    el('span', { class: 'value' }, timed ? rateEl(e.effective_hourly_after_costs_micros) : raw('—')),
    el('span', { class: 'formula muted' }, t('me.rate.after_formula')),
    el('span', { class: 'me-applies' }, t('me.rate.applies')),
    badgeMin(e.below_minimum_after_costs, timed));
  const allBelow = spent && e.below_minimum_all_time;
  const overall = el('div', { class: 'stat me-rate', id: 'rate-all' },
    el('span', { class: 'label' }, t('me.rate.all')),
    el('span', { class: 'value' }, allHourly === null ? raw('—') : rateEl(allHourly)),
    el('span', { class: 'formula muted' }, t('me.rate.all_formula')),
    allAfter === null ? null : el('span', { class: 'muted' }, t('me.rate.all_after'), ' ', rateEl(allAfter)),
    el('span', { class: 'formula muted me-all-note' }, t('me.rate.all_minimum')),
    allBelow ? el('span', { class: 'badge warn me-below-all' }, t('me.below_info')) : null);

  const notes = [];
  notes.push(el('p', { id: 'minimum-note' }, t('me.minimum', { min: rate(min) })));
  if (!timed) notes.push(el('p', { class: 'muted', id: 'no-time' }, t('me.no_time')));
  if (timed && (e.below_minimum || e.below_minimum_after_costs)) {
    const which = e.below_minimum ? t('me.below_text_before', { before: rate(e.effective_hourly_micros), min: rate(min) })
      : t('me.below_text_after', { after: rate(e.effective_hourly_after_costs_micros), min: rate(min) });
    notes.push(el('p', { class: 'me-alert', id: 'below-alert', role: 'note' },
      el('strong', {}, t('me.below_title')), ' ', which));
  }

  const figs = el('div', { class: 'me-stats' },
    stat('paid', t('me.paid'), raw(money(e.paid_micros, cur()), { dataset: { micros: String(e.paid_micros) } })),
    stat('costs-total', t('me.costs_total'), raw(money(e.costs_micros, cur()), { dataset: { micros: String(e.costs_micros) } }),
      e.costs_declared && e.costs_declared.length ? null : el('a', { href: '#costs-h', class: 'muted' }, t('me.costs_none'))),
    stat('active', t('me.active'), raw(dur(e.active_ms), { dataset: { ms: String(e.active_ms) } }),
      el('span', { class: 'formula muted' }, t('me.active_hint'))),
    stat('waiting', t('me.waiting'), raw(dur(e.waiting_ms), { dataset: { ms: String(e.waiting_ms) } }),
      el('span', { class: 'formula muted' }, t('me.waiting_hint'))),
    stat('unpaid', t('me.unpaid'), raw(dur(e.unpaid_ms), { dataset: { ms: String(e.unpaid_ms) } }),
      el('span', { class: 'formula muted' }, t('me.unpaid_hint'))),
    stat('total-time', t('me.total_time'), raw(dur(all), { dataset: { ms: String(all) } })),
    e.distance_m ? stat('distance', t('me.distance'), raw(t('me.km', { km: number(e.distance_m / 1000, 1) }))) : null);

  box.append(el('div', { class: 'grid three me-rates' }, before, after, overall), ...notes, figs);
}

// A table of figures per client or per family.
function figuresTable(id, caption, rows, firstHead, first) {
  const head = el('tr', {},
    el('th', { scope: 'col' }, firstHead),
    el('th', { scope: 'col', class: 'num' }, t('me.paid')),
    el('th', { scope: 'col', class: 'num' }, t('me.active')),
    el('th', { scope: 'col', class: 'num' }, t('me.waiting')),
    el('th', { scope: 'col', class: 'num' }, t('me.unpaid')),
    el('th', { scope: 'col', class: 'num' }, t('me.costs_total')),
    el('th', { scope: 'col', class: 'num' }, t('me.rate.before_short')),
    el('th', { scope: 'col', class: 'num' }, t('me.rate.after_short')),
    el('th', { scope: 'col', class: 'num' }, t('me.rate.all_short')));
  const body = rows.map((r) => {
    const timed = r.active_ms + r.waiting_ms > 0;
    const spent = timed || r.unpaid_ms > 0;
    return el('tr', {},
      el('th', { scope: 'row' }, first(r)),
      el('td', { class: 'num' }, raw(money(r.paid_micros, cur()))),
      el('td', { class: 'num' }, raw(dur(r.active_ms))),
      el('td', { class: 'num' }, raw(dur(r.waiting_ms))),
      el('td', { class: 'num' }, raw(dur(r.unpaid_ms))),
      el('td', { class: 'num' }, raw(money(r.costs_micros, cur()))),
      el('td', { class: 'num' }, timed ? rateEl(r.effective_hourly_micros) : raw('—'), ' ', timed ? badgeBelow(r.below_minimum) : null),
      el('td', { class: 'num' }, timed ? rateEl(r.effective_hourly_after_costs_micros) : raw('—'), ' ',
        timed ? badgeBelow(r.below_minimum_after_costs) : null),
      el('td', { class: 'num me-all-time' }, spent ? rateEl(r.hourly_all_time_micros) : raw('—')));
  });
  return el('table', { id }, el('caption', { class: 'visually-hidden' }, caption), el('thead', {}, head),
    el('tbody', {}, ...(body.length ? body : [el('tr', {}, el('td', { colspan: '9', class: 'muted' }, t('me.nothing_period')))])));
}

function drawBreakdown() {
  const e = state.totals;
  if (!e) return;
  const bc = document.getElementById('by-client');
  bc.textContent = '';
  bc.append(figuresTable('by-client-table', t('me.by_client'), e.by_client, t('me.client'),
    (r) => (r.client_id === null ? t('me.no_client') : raw(r.client_name || '#' + r.client_id))));
  const bf = document.getElementById('by-family');
  bf.textContent = '';
  bf.append(figuresTable('by-family-table', t('me.by_family'), e.by_family, t('me.family'), (r) => famName(r.family)));
}

// ---- week by week ----

// Monday 00:00 UTC of the ISO week holding ms.
function weekStart(ms) {
  const d = Math.floor(ms / DAY) * DAY;
  const dow = (new Date(d).getUTCDay() + 6) % 7;
  return d - dow * DAY;
}

async function loadWeeks() {
  const to = state.now;
  const from = Math.max(0, weekStart(to) - 11 * WEEK);
  const q = `?group_by=week&from=${from}&to=${to}`;
  state.weeks = await get('/v1/me/earnings' + q);
  document.getElementById('weeks').dataset.query = q;
  drawWeeks();
}

function drawWeeks() {
  const w = state.weeks;
  if (!w) return;
  const min = w.minimum_hourly_micros;
  const periods = w.periods;
  const label = (p) => t('me.weeks.week_of', { date: day(p.start_ms) });
  // table (the chart's figures, for everyone)
  const rows = periods.map((p) => {
    const worked = p.active_ms + p.waiting_ms;
    const timed = worked > 0;
    return el('tr', {},
      el('th', { scope: 'row' }, raw(label(p), { title: p.period })),
      el('td', { class: 'num' }, raw(money(p.paid_micros, cur()))),
      el('td', { class: 'num' }, raw(dur(worked))),
      el('td', { class: 'num' }, raw(dur(p.unpaid_ms))),
      el('td', { class: 'num' }, raw(money(p.costs_micros, cur()))),
      el('td', { class: 'num' }, timed ? rateEl(p.effective_hourly_after_costs_micros) : raw('—')),
      el('td', { class: 'num me-all-time' }, p.all_time_ms > 0 ? rateEl(p.hourly_all_time_after_costs_micros) : raw('—')),
      el('td', {}, timed ? badgeMin(p.below_minimum_after_costs, true) : el('span', { class: 'muted' }, t('me.weeks.no_work'))));
  });
  const table = el('table', { id: 'weeks-figures' },
    el('caption', {}, t('me.weeks.table_caption', { min: rate(min) })),
    el('thead', {}, el('tr', {},
      el('th', { scope: 'col' }, t('me.weeks.week')),
      el('th', { scope: 'col', class: 'num' }, t('me.paid')),
      el('th', { scope: 'col', class: 'num' }, t('me.weeks.worked')),
      el('th', { scope: 'col', class: 'num' }, t('me.unpaid')),
      el('th', { scope: 'col', class: 'num' }, t('me.costs_total')),
      el('th', { scope: 'col', class: 'num' }, t('me.rate.after_short')),
      el('th', { scope: 'col', class: 'num' }, t('me.rate.all_after_short')),
      el('th', { scope: 'col' }, t('me.weeks.vs_min')))),
    el('tbody', {}, ...rows));
  const box = document.getElementById('weeks-table');
  box.textContent = '';
  box.append(table);

  // chart: pay per hour after costs against the minimum (display only: the
  // exact figures are in the table)
  const canvas = document.getElementById('weeks-chart');
  const worked = periods.filter((p) => p.active_ms + p.waiting_ms > 0);
  const below = worked.filter((p) => p.below_minimum_after_costs).length;
  const last = worked.length ? worked[worked.length - 1] : null;
  canvas.setAttribute('aria-label', t('me.weeks.chart_label', {
    n: periods.length, worked: worked.length, below, min: rate(min),
    last: last ? t('me.weeks.chart_last', { week: label(last), rate: rate(last.effective_hourly_after_costs_micros) }) : t('me.weeks.chart_none'),
  }));
  if (state.chart) { state.chart.destroy(); state.chart = null; }
  const Chart = window.Chart;
  if (!Chart) {
    canvas.hidden = true;
    return;
  }
  const unit = (micros) => Number(BigInt(micros) / 10000n) / 100; // to the cent, for drawing only
  const fmtAxis = new Intl.NumberFormat(lang(), { style: 'currency', currency: cur(), maximumFractionDigits: 0 });
  state.chart = new Chart(canvas, {
    type: 'bar',
    data: {
      labels: periods.map((p) => day(p.start_ms)),
      datasets: [
        {
          type: 'bar', label: t('me.weeks.series_after'), order: 2,
          data: periods.map((p) => (p.active_ms + p.waiting_ms > 0 ? unit(p.effective_hourly_after_costs_micros) : null)),
          backgroundColor: '#0b5cad',
        },
        {
          type: 'line', label: t('me.weeks.series_min', { min: rate(min) }), order: 1,
          data: periods.map(() => unit(min)), borderColor: '#1d1d1b', borderDash: [6, 4], borderWidth: 2,
          pointRadius: 0, fill: false,
        },
      ],
    },
    options: {
      animation: false, responsive: true, maintainAspectRatio: false, locale: lang(),
      scales: { y: { beginAtZero: true, ticks: { callback: (v) => fmtAxis.format(v) } } },
      plugins: { legend: { position: 'bottom' }, tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${fmtAxis.format(c.parsed.y)}` } } },
    },
  });
}

// ---- declared costs ----

async function loadCosts() {
  state.costs = await get('/v1/me/costs');
  drawCosts();
}

function drawCosts() {
  const c = state.costs;
  if (!c) return;
  const box = document.getElementById('costs-list');
  box.textContent = '';
  if (!c.costs.length) {
    box.append(el('p', { class: 'muted', id: 'costs-empty' }, t('me.costs.none')));
    return;
  }
  box.append(el('table', { id: 'costs-table' },
    el('caption', {}, t('me.costs.current')),
    el('thead', {}, el('tr', {},
      el('th', { scope: 'col' }, t('me.costs.family')),
      el('th', { scope: 'col', class: 'num' }, t('me.costs.per_hour')),
      el('th', { scope: 'col', class: 'num' }, t('me.costs.per_km')),
      el('th', { scope: 'col' }, t('me.costs.from')),
      el('th', { scope: 'col' }, t('me.costs.note')),
      el('th', { scope: 'col' }, t('me.costs.declared')))),
    el('tbody', {}, ...c.costs.slice().reverse().map((x) => el('tr', {},
      el('th', { scope: 'row' }, x.family ? famName(x.family) : t('me.costs.family_all')),
      el('td', { class: 'num' }, raw(money(x.per_hour_micros, c.currency))),
      el('td', { class: 'num' }, raw(money(x.per_km_micros, c.currency))),
      el('td', {}, x.from_ms ? raw(day(x.from_ms)) : t('me.costs.from_always')),
      el('td', {}, raw(x.note || '')),
      el('td', {}, raw(date(x.created_ms))))))));
}

// "2.50" or "2,50" -> 2500000 micros (exact: digits only, no float); '' -> null.
export function parseAmount(text) {
  const s = text.trim().replace(/\s/g, '');
  if (!s) return null;
  const m = /^(\d{1,9})(?:[.,](\d{1,6}))?$/.exec(s);
  if (!m) return NaN;
  return BigInt(m[1]) * 1000000n + BigInt((m[2] || '').padEnd(6, '0'));
}

const MAX_COST = 1000000000n; // the API's limit: 1,000.00 per hour or per km

async function submitCost(ev) {
  ev.preventDefault();
  const form = ev.currentTarget;
  clearErrors(form);
  const body = {};
  for (const name of ['per_hour_micros', 'per_km_micros']) {
    const input = form.elements[name];
    const v = parseAmount(input.value);
    if (Number.isNaN(v)) return showError(form, new ApiError(400, 'invalid_amount', '', name));
    if (v !== null && v > MAX_COST) return showError(form, new ApiError(400, 'amount_too_large', '', name));
    if (v !== null) body[name] = Number(v);
  }
  if (!('per_hour_micros' in body) && !('per_km_micros' in body)) {
    return showError(form, new ApiError(400, 'cost_missing', '', 'per_hour_micros'));
  }
  body.family = form.elements.family.value;
  if (form.elements.from_ms.value) {
    const [y, mo, d] = form.elements.from_ms.value.split('-').map(Number);
    body.from_ms = Date.UTC(y, mo - 1, d);
  }
  if (form.elements.note.value.trim()) body.note = form.elements.note.value.trim();
  const button = document.getElementById('cost-submit');
  button.disabled = true;
  try {
    const r = await post('/v1/me/costs', body);
    state.costs = r;
    drawCosts();
    form.reset();
    await Promise.all([loadTotals(), loadWeeks()]);
    flash(t('me.costs.saved'), 'ok');
  } catch (e) {
    showError(form, e);
  } finally {
    button.disabled = false;
  }
}

// ---- start ----

function sectionError(id, err, retry) {
  const box = document.getElementById(id);
  box.textContent = '';
  box.append(el('p', { class: 'form-error', role: 'alert' }, errorText(err)),
    el('button', { type: 'button', class: 'secondary', onclick: retry }, t('common.retry')));
}

async function guarded(id, fn) {
  try { await fn(); } catch (e) { sectionError(id, e, () => guarded(id, fn)); }
}

const { me } = await startPage({ catalogues: ['me'], auth: 'required' });
const worker = me.role === 'worker';
const stamp = new Date().toISOString().slice(0, 10);
document.getElementById('export-json').setAttribute('download', `visible-export-${me.id}-${stamp}.json`);
document.getElementById('export-tar').setAttribute('download', `visible-export-${me.id}-${stamp}.tar`);

if (worker) {
  await guarded('totals', loadTotals);
  await Promise.all([guarded('weeks-table', loadWeeks), guarded('costs-list', loadCosts), initDecisions()]);
} else {
  // time, pay, costs and decisions are a worker's; everyone has their data export
  for (const s of document.querySelectorAll('main > section:not(#export), .me-toc')) s.hidden = true;
  flash(t('me.not_worker'), 'info');
}

document.getElementById('period').addEventListener('change', () => guarded('totals', loadTotals));
document.getElementById('period-form').addEventListener('submit', (ev) => ev.preventDefault());
document.getElementById('cost-form').addEventListener('submit', submitCost);
onLangChange(() => {
  if (!worker) flash(t('me.not_worker'), 'info');
  drawTotals(); drawBreakdown(); drawWeeks(); drawCosts();
});
ready();
