// index — the public home page: the observatory (workers, hours, pay
// deciles after costs, waiting and unpaid shares, share below the minimum,
// per family and period, as charts and tables), the share of "AI" output
// made or checked by humans, the platform-work declaration (Art. 17) and the
// register of automated systems. No sign-in needed; the same for everyone.
//
// Suppressed cells (fewer than k workers) are never shown or plotted as 0:
// tables say so in words and charts leave a gap (null). Amounts come as
// integer micros and are formatted by fmt.js (exact decimal, no float sums);
// charts plot micros / 1e6 only to place points, their tooltips and text
// summaries use fmt on the micros.
import { get } from '../api.js';
import { startPage, el, t, lang, onLangChange, errorText, ready } from '../shell.js';
import { has } from '../i18n.js';
import { money, moneyRounded, number, percent, date, day } from '../fmt.js';

const $ = (id) => document.getElementById(id);
const FAMILY_ORDER = ['all', 'microwork', 'dispatch', 'moderation'];
const COLOURS = { all: '#16324f', microwork: '#0b5cad', dispatch: '#a34700', moderation: '#6b3fa0' };
const EXTRA = ['#1e6b34', '#8a4b00', '#5a5a52', '#00707a'];
const MIN_COLOUR = '#b3261e';
const POINTS = ['circle', 'rect', 'triangle', 'rectRot', 'crossRot', 'star'];

const state = {
  me: null,
  group: 'month',
  family: '',
  obs: null,        // the observatory answer for the controls
  total: null,      // group_by=all over the same range: the headline
  decl: null,
  reg: null,
  families: [],     // every family seen, for the filter
  errors: {},
  seq: 0,
};
const charts = {};

// ---- labels ----

function famLabel(f) {
  if (has('index.family.' + f)) return t('index.family.' + f);
  return f;
}
const famKnown = (f) => has('index.family.' + f);

function famColour(f) {
  if (COLOURS[f]) return COLOURS[f];
  const extra = state.families.filter((x) => !COLOURS[x]);
  return EXTRA[Math.max(0, extra.indexOf(f)) % EXTRA.length];
}

const UTC = { timeZone: 'UTC' };

function periodLabel(p, short = false) {
  const w = /^(\d{4})-W(\d{2})$/.exec(p.period);
  if (w) return t(short ? 'index.period.week_short' : 'index.period.week', { week: Number(w[2]), year: w[1] });
  if (/^\d{4}-\d{2}$/.test(p.period)) return date(p.start_ms, { month: short ? 'short' : 'long', year: 'numeric', ...UTC });
  if (/^\d{4}-\d{2}-\d{2}$/.test(p.period)) return date(p.start_ms, { dateStyle: 'medium', ...UTC });
  return t('index.period.range', { from: date(p.start_ms, { dateStyle: 'medium', ...UTC }), to: date(p.end_ms - 1, { dateStyle: 'medium', ...UTC }) });
}

const suppressedText = () => t('index.suppressed', { k: number(state.obs ? state.obs.k : (state.decl ? state.decl.k : 10)) });

// A cell of a period: the API lists a family only when it has workers there.
function cellOf(p, f) {
  return p.families.find((c) => c.family === f) || null;
}

// The figure a chart or table shows for a cell: null when suppressed or when
// there is nothing to compute it over (never 0 in their place).
function figure(c, key) {
  if (!c) return (key === 'active_workers' || key === 'hours_worked') ? 0 : null;
  if (c.suppressed) return null;
  if (key === 'active_workers' || key === 'hours_worked') return c[key];
  if (key.startsWith('median_') || key.startsWith('share_below')) {
    // withheld over fewer than k workers, or when the difference would show a suppressed worker's figure
    if (c.quantiles_withheld) return null;
    if (key.includes('_all_time')) return c.active_workers > 0 ? c[key] : null;
    return c.workers_with_paid_time > 0 ? c[key] : null;
  }
  if (key === 'waiting_share' || key === 'unpaid_share') return c.active_workers > 0 ? c[key] : null;
  return c[key] === undefined ? null : c[key];
}

// ---- data ----

function obsQuery(group, family, extra = '') {
  const q = new URLSearchParams({ group_by: group });
  if (family) q.set('family', family);
  return '/v1/observatory?' + q.toString() + extra;
}

// Periods shown: from the first one with any work in the shown scope.
function shownPeriods() {
  const o = state.obs;
  if (!o) return [];
  const scope = state.family || 'all';
  const i = o.periods.findIndex((p) => {
    const c = cellOf(p, scope);
    return c && (c.suppressed || c.active_workers > 0);
  });
  return i < 0 ? [] : o.periods.slice(i);
}

function shownFamilies() {
  if (state.family) return [state.family];
  const seen = [];
  for (const p of state.obs ? state.obs.periods : []) for (const c of p.families) if (!seen.includes(c.family)) seen.push(c.family);
  return seen.sort((a, b) => order(a) - order(b));
}

function order(f) {
  const i = FAMILY_ORDER.indexOf(f);
  return i < 0 ? 100 + state.families.indexOf(f) : i;
}

function learnFamilies(o) {
  for (const p of (o && o.periods) || []) for (const c of p.families) {
    if (c.family !== 'all' && !state.families.includes(c.family)) state.families.push(c.family);
  }
  state.families.sort((a, b) => order(a) - order(b));
}

// ---- charts ----

function chartFont() {
  const C = window.Chart;
  C.defaults.color = '#1d1d1b';
  C.defaults.font.family = getComputedStyle(document.body).fontFamily;
  C.defaults.font.size = 13;
}

function fmtValue(kind, v, micros) {
  if (v === null || v === undefined) return suppressedOrNone(micros);
  if (kind === 'money') return moneyRounded(micros !== undefined && micros !== null ? micros : Math.round(v * 1e6));
  if (kind === 'percent') return percent(v, 1);
  if (kind === 'hours') return t('index.hours', { n: number(v, 1) });
  return number(v);
}

function suppressedOrNone(tag) {
  return tag === 'suppressed' ? suppressedText() : t('index.no_data');
}

// One chart: labels, series [{key, label, colour, values (numbers or null),
// micros?, why (per point: 'suppressed' | 'none' for nulls), dashed?}].
function drawChart(id, type, kind, labels, series, title) {
  const C = window.Chart;
  const canvas = $(id);
  if (charts[id]) { charts[id].destroy(); delete charts[id]; }
  const text = $(id + '-text');
  if (!C) {
    text.textContent = t('index.chart.unavailable');
    return;
  }
  chartFont();
  const datasets = series.map((s, i) => ({
    label: s.label,
    data: s.values,
    micros: s.micros,
    why: s.why,
    kind,
    borderColor: s.colour,
    backgroundColor: s.colour,
    borderWidth: s.dashed ? 2 : (type === 'bar' ? 0 : 2.5),
    borderDash: s.dashed ? [6, 4] : undefined,
    pointStyle: s.dashed ? 'line' : POINTS[i % POINTS.length],
    pointRadius: s.dashed ? 0 : 3.5,
    pointHoverRadius: s.dashed ? 0 : 5,
    spanGaps: false,
    tension: 0,
  }));
  const yTick = (v) => kind === 'money' ? moneyRounded(Math.round(v * 1e6)) : kind === 'percent' ? percent(v, 0) : number(v);
  charts[id] = new C(canvas, {
    type,
    data: { labels, datasets },
    options: {
      locale: lang(),
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      interaction: { mode: 'index', intersect: false },
      scales: {
        y: { beginAtZero: true, ticks: { callback: yTick, precision: kind === 'count' ? 0 : undefined }, grid: { color: '#e4e4de' },
          suggestedMax: kind === 'percent' ? 0.5 : undefined },
        x: { grid: { display: false } },
      },
      plugins: {
        legend: { position: 'bottom', labels: { usePointStyle: true, boxWidth: 10 } },
        tooltip: {
          callbacks: {
            label: (ctx) => {
              const d = ctx.dataset;
              const m = d.micros ? d.micros[ctx.dataIndex] : undefined;
              return d.label + ': ' + fmtValue(kind, ctx.raw, ctx.raw === null ? d.why[ctx.dataIndex] : m);
            },
          },
        },
      },
    },
  });
  // the text alternative: every value of every series
  const parts = series.map((s) => t('index.chart.series', {
    series: s.label,
    values: labels.map((l, i) => l + ' ' + fmtValue(kind, s.values[i], s.values[i] === null ? s.why[i] : (s.micros ? s.micros[i] : undefined))).join('; '),
  }));
  text.textContent = parts.join(' ');
  canvas.setAttribute('aria-label', title + '. ' + t('index.chart.see_text'));
  canvas.setAttribute('aria-describedby', id + '-text');
}

function seriesFor(periods, fams, key, kind) {
  return fams.map((f) => {
    const cells = periods.map((p) => cellOf(p, f));
    const values = cells.map((c) => {
      const v = figure(c, key);
      return v === null ? null : (kind === 'money' ? Number(v) / 1e6 : v);
    });
    return {
      label: famLabel(f), colour: famColour(f), values,
      micros: kind === 'money' ? cells.map((c) => figure(c, key)) : undefined,
      why: cells.map((c) => (c && c.suppressed ? 'suppressed' : 'none')),
    };
  });
}

function minimumSeries(n) {
  const m = state.obs.minimum_hourly_micros;
  return { label: t('index.minimum'), colour: MIN_COLOUR, dashed: true, values: Array(n).fill(Number(m) / 1e6),
    micros: Array(n).fill(m), why: Array(n).fill('none') };
}

function drawCharts() {
  const periods = shownPeriods();
  const fams = shownFamilies();
  const labels = periods.map((p) => periodLabel(p, true));
  drawChart('chart-workers', 'bar', 'count', labels, seriesFor(periods, fams, 'active_workers', 'count'), t('index.chart.workers'));
  drawChart('chart-hours', 'bar', 'hours', labels, seriesFor(periods, fams, 'hours_worked', 'hours'), t('index.chart.hours'));
  drawChart('chart-median', 'line', 'money', labels,
    [...seriesFor(periods, fams, 'median_hourly_after_costs_micros', 'money'), minimumSeries(labels.length)], t('index.chart.median'));

  // deciles: the latest period with paid time in the scope
  const scope = state.family || 'all';
  const last = [...periods].reverse().find((p) => {
    const c = cellOf(p, scope);
    return c && !c.suppressed && c.workers_with_paid_time > 0;
  });
  const dh = last ? t('index.chart.deciles', { period: periodLabel(last) }) : t('index.chart.deciles_none');
  $('chart-deciles-h').textContent = dh;
  const dLabels = ['D1', 'D2', 'D3', 'D4', 'D5', 'D6', 'D7', 'D8', 'D9'];
  const dSeries = [];
  const hidden = [];
  for (const f of fams) {
    const c = last ? cellOf(last, f) : null;
    if (!c) continue;
    if (c.suppressed) { hidden.push(famLabel(f)); continue; }
    const d = c.deciles_hourly_after_costs_micros || [];
    if (d.length !== 9) continue;
    dSeries.push({ label: famLabel(f), colour: famColour(f), values: d.map((x) => Number(x) / 1e6), micros: d, why: d.map(() => 'none') });
  }
  if (dSeries.length) dSeries.push(minimumSeries(9));
  $('chart-deciles-note').textContent = hidden.length ? t('index.chart.not_shown', { families: hidden.join(', '), why: suppressedText() }) : '';
  drawChart('chart-deciles', 'line', 'money', dLabels, dSeries, dh);

  // shares in the scope
  const sh = t('index.chart.shares', { family: famLabel(scope) });
  $('chart-shares-h').textContent = sh;
  const cells = periods.map((p) => cellOf(p, scope));
  const why = cells.map((c) => (c && c.suppressed ? 'suppressed' : 'none'));
  const share = (key, label, colour) => ({ label, colour, values: cells.map((c) => figure(c, key)), why });
  drawChart('chart-shares', 'line', 'percent', labels, [
    share('share_below_minimum_after_costs', t('index.col.below'), MIN_COLOUR),
    share('share_below_minimum_all_time_after_costs', t('index.col.below_all'), '#6b2a8a'),
    share('waiting_share', t('index.col.waiting'), '#0b5cad'),
    share('unpaid_share', t('index.col.unpaid'), '#8a4b00'),
  ], sh);
}

// ---- tables ----

// A table's scrolling box (phones): focusable so the keyboard can scroll it,
// named by the table's caption.
function place(wrap, table) {
  const cap = table.querySelector('caption');
  wrap.setAttribute('role', 'region');
  wrap.setAttribute('tabindex', '0');
  if (cap) wrap.setAttribute('aria-label', cap.textContent);
  wrap.append(table);
}

function th(text, attrs = {}) { return el('th', { scope: 'col', ...attrs }, text); }

function rowHead(p, f) {
  return [el('th', { scope: 'row' }, periodLabel(p)), el('td', famKnown(f) ? {} : { 'data-raw': '' }, famLabel(f))];
}

function suppressedCell(span) {
  return el('td', { colspan: String(span), class: 'suppressed', 'data-col': 'suppressed' }, suppressedText());
}

function numCell(col, text, attrs = {}) {
  return el('td', { class: 'num', 'data-col': col, 'data-raw': '', ...attrs }, text);
}

function moneyCell(col, micros) {
  if (micros === null || micros === undefined) return numCell(col, '—');
  return numCell(col, moneyRounded(micros), { title: money(micros), 'data-micros': String(micros) });
}

function drawTable() {
  const wrap = $('obs-table-wrap');
  const dwrap = $('obs-deciles-wrap');
  for (const w of [wrap, dwrap]) {
    w.textContent = '';
    for (const a of ['role', 'tabindex', 'aria-label']) w.removeAttribute(a);
  }
  const periods = shownPeriods();
  if (!periods.length) {
    wrap.append(el('p', { class: 'muted' }, t('index.obs.empty')));
    return;
  }
  const fams = shownFamilies();
  const cols = ['active_workers', 'hours_worked', 'median_after', 'median_before', 'below', 'median_all', 'below_all',
    'waiting', 'unpaid'];
  const table = el('table', { id: 'obs-table' },
    el('caption', {}, t('index.table.caption', { period: t(state.group === 'week' ? 'index.obs.by_week' : 'index.obs.by_month') })),
    el('thead', {}, el('tr', {},
      th(t('index.col.period')), th(t('index.col.family')),
      ...cols.map((c) => th(t('index.col.' + c), { class: 'num' })))));
  const dtable = el('table', { id: 'obs-deciles' },
    el('caption', {}, t('index.deciles.caption')),
    el('thead', {}, el('tr', {}, th(t('index.col.period')), th(t('index.col.family')),
      ...[1, 2, 3, 4, 5, 6, 7, 8, 9].map((d) => th('D' + d, { class: 'num', 'data-raw': '' })))));
  const body = el('tbody');
  const dbody = el('tbody');
  for (const p of [...periods].reverse()) {
    for (const f of fams) {
      const c = cellOf(p, f);
      const attrs = { 'data-period': p.period, 'data-family': f };
      if (c && c.suppressed) {
        body.append(el('tr', attrs, ...rowHead(p, f), suppressedCell(cols.length)));
        dbody.append(el('tr', attrs, ...rowHead(p, f), suppressedCell(9)));
        continue;
      }
      if (!c || c.active_workers === 0) {
        if (f !== 'all' && !state.family) continue; // a family without work that period: nothing to list
        body.append(el('tr', attrs, ...rowHead(p, f), numCell('active_workers', number(0)), numCell('hours_worked', number(0)),
          el('td', { colspan: String(cols.length - 2), class: 'muted' }, t('index.no_work'))));
        continue;
      }
      const q = !c.quantiles_withheld;
      const paid = q && c.workers_with_paid_time > 0;
      const withheld = q ? {} : { title: t('index.withheld') };
      body.append(el('tr', attrs, ...rowHead(p, f),
        numCell('active_workers', number(c.active_workers)),
        numCell('hours_worked', number(c.hours_worked, 1)),
        moneyCell('median_after', paid ? c.median_hourly_after_costs_micros : null),
        moneyCell('median_before', paid ? c.median_hourly_before_costs_micros : null),
        numCell('below', paid ? percent(c.share_below_minimum_after_costs) : '—', withheld),
        moneyCell('median_all', q ? c.median_hourly_all_time_after_costs_micros : null),
        numCell('below_all', q ? percent(c.share_below_minimum_all_time_after_costs) : '—', withheld),
        numCell('waiting', percent(c.waiting_share)),
        numCell('unpaid', percent(c.unpaid_share))));
      const d = c.deciles_hourly_after_costs_micros || [];
      if (d.length === 9) dbody.append(el('tr', attrs, ...rowHead(p, f), ...d.map((x, i) => moneyCell('d' + (i + 1), x))));
    }
  }
  table.append(body);
  dtable.append(dbody);
  place(wrap, table);
  place(dwrap, dtable);
}

function stat(label, value, attrs = {}) {
  return el('div', { class: 'card stat', ...attrs }, el('span', { class: 'value', 'data-raw': '' }, value), el('span', { class: 'label' }, label));
}

function drawHeadline() {
  const box = $('obs-headline');
  box.textContent = '';
  const o = state.total || state.obs;
  if (!o) return;
  const p = o.periods[o.periods.length - 1];
  const c = p ? cellOf(p, 'all') : null;
  box.append(stat(t('index.stat.minimum'), moneyRounded(o.minimum_hourly_micros), { id: 'stat-minimum', title: money(o.minimum_hourly_micros) }));
  if (!c) return;
  if (c.suppressed) {
    box.append(stat(t('index.stat.workers'), suppressedText(), { id: 'stat-workers' }));
    return;
  }
  const q = !c.quantiles_withheld;
  const paid = q && c.workers_with_paid_time > 0;
  box.append(
    stat(t('index.stat.workers'), number(c.active_workers), { id: 'stat-workers' }),
    stat(t('index.stat.median'), paid ? moneyRounded(c.median_hourly_after_costs_micros) : '—', { id: 'stat-median' }),
    stat(t('index.stat.below'), paid ? percent(c.share_below_minimum_after_costs) : '—', { id: 'stat-below' }),
    stat(t('index.stat.median_all'), q ? moneyRounded(c.median_hourly_all_time_after_costs_micros) : '—', { id: 'stat-median-all' }));
}

function drawIntro() {
  const o = state.obs || state.total;
  $('obs-intro').textContent = o ? t('index.obs.intro', {
    k: number(o.k),
    from: day(o.from_ms),
    // the periods are whole months or weeks; the data stop now (the total's end)
    to: day(Math.min(o.to_ms, state.total ? state.total.to_ms : o.to_ms) - 1),
  }) : '';
  $('obs-k-note').textContent = o ? t('index.obs.k_note', { k: number(o.k) }) : '';
  $('obs-method').textContent = o ? o.method : '';
}

function drawFamilySelect() {
  const sel = $('obs-family');
  const keep = state.family;
  sel.textContent = '';
  sel.append(el('option', { value: '' }, t('index.family.all')));
  for (const f of state.families) sel.append(el('option', { value: f }, famLabel(f)));
  sel.value = keep;
  $('obs-group').value = state.group;
}

function drawObservatory() {
  showSectionError('obs-error', state.errors.obs);
  drawIntro();
  drawHeadline();
  drawFamilySelect();
  if (!state.obs) return;
  drawCharts();
  drawTable();
}

// ---- human output ----

function drawHuman() {
  showSectionError('human-error', state.errors.human);
  const head = $('human-headline');
  const wrap = $('human-table-wrap');
  const how = $('human-counts');
  head.textContent = '';
  wrap.textContent = '';
  for (const a of ['role', 'tabindex', 'aria-label']) wrap.removeAttribute(a);
  how.textContent = '';
  const total = state.total;
  if (total && total.periods.length) {
    for (const h of total.periods[total.periods.length - 1].human_output || []) {
      const label = t('index.human.stat', { family: famLabel(h.family) });
      let value;
      let sub = '';
      if (h.suppressed) value = suppressedText();
      else if (!h.items) value = t('index.human.none');
      else {
        value = percent(h.human_share);
        sub = t('index.human.of', { human: number(h.made_or_checked_by_humans), items: number(h.items) });
      }
      head.append(el('div', { class: 'card stat', 'data-family': h.family, id: 'human-' + h.family },
        el('span', { class: 'value', 'data-raw': '' }, value),
        el('span', { class: 'label' }, label),
        sub ? el('span', { class: 'sub muted' }, sub) : null));
      how.append(el('p', {}, el('strong', {}, famLabel(h.family) + ' — '), el('span', { 'data-raw': '', lang: 'en' }, h.counts)));
    }
  }
  const periods = shownPeriods();
  if (!state.obs || !periods.length) return;
  const table = el('table', { id: 'human-table' },
    el('caption', {}, t('index.human.caption')),
    el('thead', {}, el('tr', {}, th(t('index.col.period')), th(t('index.col.family')),
      th(t('index.col.items'), { class: 'num' }), th(t('index.col.human'), { class: 'num' }), th(t('index.col.share'), { class: 'num' }))));
  const body = el('tbody');
  for (const p of [...periods].reverse()) {
    for (const h of p.human_output || []) {
      if (state.family && h.family !== state.family) continue;
      const attrs = { 'data-period': p.period, 'data-family': h.family };
      if (h.suppressed) body.append(el('tr', attrs, ...rowHead(p, h.family), suppressedCell(3)));
      else if (!h.items) body.append(el('tr', attrs, ...rowHead(p, h.family), el('td', { colspan: '3', class: 'muted' }, t('index.human.none'))));
      else body.append(el('tr', attrs, ...rowHead(p, h.family), numCell('items', number(h.items)),
        numCell('human', number(h.made_or_checked_by_humans)), numCell('share', percent(h.human_share))));
    }
  }
  if (!body.children.length) return;
  table.append(body);
  place(wrap, table);
}

// ---- declaration ----

const LEVELS = ['under 10 hours a week', '10 to 20 hours a week', '20 to 35 hours a week', '35 hours a week or more'];

function levelLabel(l) {
  const i = LEVELS.indexOf(l);
  return i < 0 ? l : t('index.decl.level' + i);
}

function statusLabel(s) {
  return has('index.decl.status.' + s) ? t('index.decl.status.' + s) : s;
}

function countText(n, sup) {
  if (sup || n === null || n === undefined) return suppressedText();
  return number(n);
}

function drawDeclaration() {
  showSectionError('decl-error', state.errors.decl);
  const d = state.decl;
  const stats = $('decl-stats');
  stats.textContent = '';
  for (const id of ['decl-levels-wrap', 'decl-status-wrap', 'decl-family-wrap']) $(id).textContent = '';
  $('decl-period').textContent = '';
  if (!d) return;
  $('decl-period').textContent = t('index.decl.period', { from: day(d.from_ms), to: day(d.to_ms), k: number(d.k) });
  const avg = (v, f) => (v === null || v === undefined ? suppressedText() : f(v));
  stats.append(
    stat(t('index.decl.persons'), countText(d.persons_performing_platform_work, d.persons_suppressed), { id: 'decl-persons' }),
    stat(t('index.decl.registered'), countText(d.registered_worker_accounts), { id: 'decl-registered' }),
    stat(t('index.decl.weekly_hours'), avg(d.average_weekly_hours_per_person, (v) => t('index.hours', { n: number(v, 1) })), { id: 'decl-hours' }),
    stat(t('index.decl.income'), avg(d.average_income_per_person_micros, (v) => moneyRounded(v)), {
      id: 'decl-income', title: d.average_income_per_person_micros === null ? null : money(d.average_income_per_person_micros) }),
    stat(t('index.decl.duration'), avg(d.average_duration_of_activity_days, (v) => t('index.days', { n: number(v, 1) })), { id: 'decl-duration' }),
    stat(t('index.decl.hourly_paid'), avg(d.hourly_paid_time_micros, (v) => moneyRounded(v)), { id: 'decl-hourly-paid' }),
    stat(t('index.decl.hourly_all'), avg(d.hourly_all_time_micros, (v) => moneyRounded(v)), { id: 'decl-hourly-all' }));

  const count = (n, sup, col) => (sup || n === null
    ? el('td', { class: 'suppressed', 'data-col': col }, suppressedText())
    : numCell(col, number(n)));
  place($('decl-levels-wrap'), el('table', { id: 'decl-levels' },
    el('caption', {}, t('index.decl.levels')),
    el('thead', {}, el('tr', {}, th(t('index.decl.level')), th(t('index.decl.persons_col'), { class: 'num' }))),
    el('tbody', {}, ...d.by_level_of_activity.map((l) => el('tr', { 'data-level': l.level },
      el('th', { scope: 'row' }, levelLabel(l.level)), count(l.persons, l.suppressed, 'persons'))))));
  place($('decl-status-wrap'), el('table', { id: 'decl-status' },
    el('caption', {}, t('index.decl.statuses')),
    el('thead', {}, el('tr', {}, th(t('index.decl.status')), th(t('index.decl.persons_col'), { class: 'num' }))),
    el('tbody', {}, ...d.by_contractual_status.map((s) => el('tr', {},
      el('th', { scope: 'row', ...(has('index.decl.status.' + s.status) ? {} : { 'data-raw': '' }) }, statusLabel(s.status)),
      count(s.persons, s.suppressed, 'persons'))))));
  if (d.by_family.length) {
    place($('decl-family-wrap'), el('table', { id: 'decl-family' },
      el('caption', {}, t('index.decl.families')),
      el('thead', {}, el('tr', {}, th(t('index.col.family')), th(t('index.decl.persons_col'), { class: 'num' }),
        th(t('index.decl.weekly_hours'), { class: 'num' }), th(t('index.decl.income'), { class: 'num' }))),
      el('tbody', {}, ...d.by_family.map((f) => el('tr', { 'data-family': f.family },
        el('th', { scope: 'row', ...(famKnown(f.family) ? {} : { 'data-raw': '' }) }, famLabel(f.family)),
        ...(f.suppressed ? [suppressedCell(3)] : [
          numCell('persons', number(f.persons)),
          numCell('hours', t('index.hours', { n: number(f.average_weekly_hours_per_person, 1) })),
          moneyCell('income', f.average_income_per_person_micros)]))))));
  }
}

// ---- register ----

function paramText(v) {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'object' && 'platform_default' in v) {
    return t('index.reg.per_batch', { d: String(v.platform_default), min: String(v.min), max: String(v.max) });
  }
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function drawRegister() {
  showSectionError('reg-error', state.errors.reg);
  const list = $('reg-list');
  list.textContent = '';
  $('reg-meta').textContent = '';
  const r = state.reg;
  if (!r) return;
  $('reg-meta').append(
    t('index.reg.meta', { n: number(r.systems.length), when: date(r.generated_ms) }), ' ',
    t('index.reg.fingerprint'), ' ', el('code', { 'data-raw': '' }, r.config_fingerprint), '. ',
    t('index.reg.english'));
  const fields = [
    ['decides', 'index.reg.decides'],
    ['uses_worker_data', 'index.reg.uses'],
    ['does_not_use', 'index.reg.does_not_use'],
    ['human_oversight', 'index.reg.oversight'],
    ['how_to_contest', 'index.reg.contest'],
    ['journal_events', 'index.reg.events'],
    ['parameters_set_per_case', 'index.reg.per_case'],
    ['parameters_note', 'index.reg.params_note'],
    ['status', 'index.reg.status'],
  ];
  for (const s of r.systems) {
    const dl = el('dl');
    for (const [key, label] of fields) {
      if (!s[key] || (key === 'status' && s.active)) continue;
      dl.append(el('dt', {}, t(label)), el('dd', { 'data-raw': '', lang: 'en', 'data-field': key }, s[key]));
    }
    const params = Object.entries(s.parameters || {});
    dl.append(el('dt', {}, t('index.reg.parameters')), params.length
      ? el('dd', {}, el('ul', { class: 'params' }, ...params.map(([k, v]) => el('li', {}, el('code', { 'data-raw': '' }, k), ' = ',
        v === '' ? el('em', {}, t('index.reg.empty')) : el('code', { 'data-raw': '' }, paramText(v))))))
      : el('dd', { class: 'muted' }, t('index.reg.no_parameters')));
    const hid = 'sys-' + s.id.replace(/[^a-z0-9_-]/gi, '-');
    list.append(el('article', { class: 'card system', 'data-system': s.id, 'aria-labelledby': hid },
      el('h3', { id: hid },
        el('span', { 'data-raw': '', lang: 'en', class: 'system-name' }, s.name), ' ',
        el('span', { class: 'badge ' + (s.active ? 'ok' : 'warn') }, t(s.active ? 'index.reg.active' : 'index.reg.inactive'))),
      el('p', { class: 'muted system-family' }, t('index.reg.family', { family: famLabel(s.family) }), ' · ',
        el('code', { 'data-raw': '' }, s.id)),
      dl));
  }
}

// ---- errors, signed-in note ----

function showSectionError(id, err) {
  const p = $(id);
  if (!err) { p.textContent = ''; p.removeAttribute('role'); return; }
  p.setAttribute('role', 'alert');
  p.textContent = t('index.section_error', { error: errorText(err) });
}

function drawMe() {
  const p = $('index-me');
  p.textContent = '';
  if (!state.me) { p.hidden = true; return; }
  p.hidden = false;
  p.append(t('index.signed_in'), ' ', el('strong', { 'data-raw': '' }, state.me.name), '. ');
  if (state.me.role === 'worker') p.append(el('a', { href: '/me' }, t('index.own_figures')));
}

function drawAll() {
  drawMe();
  drawObservatory();
  drawHuman();
  drawDeclaration();
  drawRegister();
}

// ---- loading ----

async function settle(key, promise) {
  try {
    const v = await promise;
    state.errors[key] = null;
    return v;
  } catch (e) {
    state.errors[key] = e;
    return null;
  }
}

async function loadObservatory(announce) {
  const seq = ++state.seq;
  $('obs-status').textContent = t('common.loading');
  document.body.dataset.obsLoading = '1';
  const o = await settle('obs', get(obsQuery(state.group, state.family)));
  if (seq !== state.seq) return;
  state.errors.human = state.errors.obs;
  if (o) {
    state.obs = o;
    learnFamilies(o);
  }
  drawObservatory();
  drawHuman();
  $('obs-status').textContent = announce && o ? t('index.obs.showing', {
    grain: t(state.group === 'week' ? 'index.obs.by_week' : 'index.obs.by_month'),
    family: state.family ? famLabel(state.family) : t('index.family.all'),
  }) : '';
  delete document.body.dataset.obsLoading;
}

async function main() {
  const { me } = await startPage({ catalogues: ['index'], auth: 'optional' });
  state.me = me;
  const [obs, total, decl, reg] = await Promise.all([
    settle('obs', get(obsQuery(state.group, ''))),
    settle('total', get('/v1/observatory?group_by=all')),
    settle('decl', get('/v1/declaration')),
    settle('reg', get('/v1/register')),
  ]);
  state.obs = obs;
  state.total = total;
  state.decl = decl;
  state.reg = reg;
  state.errors.human = state.errors.total || state.errors.obs;
  learnFamilies(obs);
  learnFamilies(total);
  drawAll();

  const form = $('obs-controls');
  form.addEventListener('submit', (ev) => ev.preventDefault());
  $('obs-group').addEventListener('change', (ev) => { state.group = ev.target.value; loadObservatory(true); });
  $('obs-family').addEventListener('change', (ev) => { state.family = ev.target.value; loadObservatory(true); });
  onLangChange(() => drawAll());
  ready();
}

main().catch((e) => {
  const f = $('flash');
  if (f) { f.className = 'flash error'; f.textContent = errorText(e); }
  ready();
});
