// admin-more — the console's checks and reports: ledger and journal,
// the Art. 17 declaration, the DSA Art. 15 transparency report (figures and
// downloads), Transparency Database submissions, terms clauses, moderators.
import { el, showError, clearErrors, flash, errorText, t } from '../shell.js';
import { get, post, ApiError } from '../api.js';
import { has } from '../i18n.js';
import { money, date, duration, number, percent } from '../fmt.js';
import { raw, figureTable, download, verdict, redraw } from './admin-util.js';

const DAY = 86400000;
let state = null;
const m = { ledger: null, journal: null, decl: null, dsa: null, tdb: null, clauses: null, clausesMissing: false, confirm: null };

const errorBox = (e) => el('p', { class: 'form-error', role: 'alert' }, errorText(e));
const num = (x) => raw(x === null || x === undefined ? '—' : number(x));
const share = (x) => raw(x === null || x === undefined ? '—' : percent(x));
const dur = (ms) => raw(ms === null || ms === undefined ? '—' : duration(ms));

// ---- money and journal ----
function drawMoney() {
  const lb = document.querySelector('#ledger-check .result');
  const jb = document.querySelector('#journal-check .result');
  lb.textContent = '';
  jb.textContent = '';
  if (m.ledger instanceof Error) lb.append(errorBox(m.ledger));
  else if (m.ledger) {
    lb.append(verdict(m.ledger.balanced, 'admin.money.balanced', 'admin.money.unbalanced'),
      el('p', { class: 'stat' }, el('span', { class: 'label' }, t('admin.money.sum')),
        raw(money(m.ledger.sum_micros, state.currency), 'span', { class: 'value', id: 'ledger-sum' })));
  }
  if (m.journal instanceof Error) jb.append(errorBox(m.journal));
  else if (m.journal) {
    const j = m.journal;
    jb.append(verdict(j.ok, 'admin.money.intact', 'admin.money.broken'),
      el('p', { class: 'stat' }, el('span', { class: 'label' }, t('admin.money.rows')),
        raw(number(j.rows), 'span', { class: 'value', id: 'journal-rows' })));
    if (j.head_hash) jb.append(el('p', {}, t('admin.money.head'), ' ', raw(j.head_hash, 'code', { class: 'hash' })));
    if (!j.ok) jb.append(el('p', {}, t('admin.money.bad_row', { id: j.bad_row }), ' ', raw(j.why || '')));
    if (m.checkedAt) jb.append(el('p', { class: 'muted' }, t('admin.money.checked', { at: date(m.checkedAt) })));
  }
}

async function loadMoney() {
  const btn = document.getElementById('money-rerun');
  btn.disabled = true;
  const [l, j] = await Promise.allSettled([get('/v1/admin/ledger'), get('/v1/admin/journal/verify')]);
  m.ledger = l.status === 'fulfilled' ? l.value : l.reason;
  m.journal = j.status === 'fulfilled' ? j.value : j.reason;
  m.checkedAt = Date.now();
  btn.disabled = false;
  drawMoney();
}

// ---- declarations and transparency ----
function period() {
  const f = document.getElementById('period-form');
  const from = f.elements.from.valueAsNumber, to = f.elements.to.valueAsNumber;
  return { from, to };
}

function drawDecl() {
  const box = document.getElementById('declaration');
  box.textContent = '';
  const d = m.decl;
  if (!d) return;
  if (d instanceof Error) { box.append(errorBox(d)); return; }
  box.append(el('p', { class: 'muted' }, raw(d.legal_basis)),
    figureTable(t('admin.decl.figures'), [
      [t('admin.decl.persons'), num(d.persons_performing_platform_work)],
      [t('admin.decl.registered'), num(d.registered_worker_accounts)],
      [t('admin.decl.duration'), raw(d.average_duration_of_activity_days === null ? '—' : number(d.average_duration_of_activity_days, 1))],
      [t('admin.decl.weekly_hours'), raw(d.average_weekly_hours_per_person === null ? '—' : number(d.average_weekly_hours_per_person, 1))],
      [t('admin.decl.income'), raw(money(d.average_income_per_person_micros, d.currency))],
      ...(d.hourly_paid_time_micros !== undefined ? [[t('admin.decl.hourly_paid'), raw(money(d.hourly_paid_time_micros, d.currency))]] : []),
      ...(d.hourly_all_time_micros !== undefined ? [[t('admin.decl.hourly_all'), raw(money(d.hourly_all_time_micros, d.currency))]] : []),
      ...(d.by_level_of_activity || []).map((x, i) => [t('admin.decl.level' + i), num(x.persons)]),
      ...(d.by_contractual_status || []).map((x) => [has('admin.decl.cstatus.' + x.status) ? t('admin.decl.cstatus.' + x.status) : raw(x.status), num(x.persons)]),
      ...(d.by_family || []).map((x) => [t('admin.family.' + x.family), num(x.persons)]),
    ], 'decl-table'));
}

function drawDsa() {
  const box = document.getElementById('dsa');
  box.textContent = '';
  const r = m.dsa;
  for (const id of ['dsa-json', 'dsa-csv']) document.getElementById(id).disabled = !r || r instanceof Error;
  if (!r) return;
  if (r instanceof Error) { box.append(errorBox(r)); return; }
  const d = r.decisions, n = r.notices, c = r.classifier, a = r.appeals, h = r.human_review;
  box.append(el('div', { class: 'grid three dsa-stats' },
    el('div', { class: 'stat' }, el('span', { class: 'label' }, t('admin.dsa.notices')), raw(number(n.received), 'span', { class: 'value', id: 'dsa-notices' })),
    el('div', { class: 'stat' }, el('span', { class: 'label' }, t('admin.dsa.decisions')), raw(number(d.total), 'span', { class: 'value', id: 'dsa-decisions' })),
    el('div', { class: 'stat' }, el('span', { class: 'label' }, t('admin.dsa.median')), raw(r.median_time_to_decision_ms === null ? '—' : duration(r.median_time_to_decision_ms), 'span', { class: 'value' }))),
  el('div', { class: 'grid two' },
    figureTable(t('admin.dsa.by_automation'), [
      [t('admin.dsa.fully'), raw(number(d.fully_automated) + ' · ' + (d.share_fully_automated === null ? '—' : percent(d.share_fully_automated)))],
      [t('admin.dsa.partly'), raw(number(d.partly_automated) + ' · ' + (d.share_partly_automated === null ? '—' : percent(d.share_partly_automated)))],
      [t('admin.dsa.not'), raw(number(d.not_automated) + ' · ' + (d.share_not_automated === null ? '—' : percent(d.share_not_automated)))],
      ...Object.entries(d.by_action || {}).map(([k, v]) => [raw(k), num(v)]),
    ]),
    figureTable(t('admin.dsa.notices_by'), [
      [t('admin.dsa.trusted'), num(n.by_source.trusted_flagger)],
      [t('admin.dsa.users'), num(n.by_source.user)],
      ...Object.entries(n.by_category || {}).map(([k, v]) => [raw(k.replace(/^STATEMENT_CATEGORY_/, '').toLowerCase().replace(/_/g, ' ')), num(v)]),
    ]),
    figureTable(t('admin.dsa.classifier'), [
      [t('admin.dsa.audited'), num(c.audited)],
      [t('admin.dsa.audit_errors'), num(c.audit_errors)],
      [t('admin.dsa.audits_pending'), num(c.audits_pending)],
      [t('admin.dsa.error_rate'), share(c.audited_error_rate)],
    ]),
    figureTable(t('admin.dsa.appeals'), [
      [t('admin.dsa.appeals_received'), num(a.received)],
      [t('admin.dsa.appeals_decided'), num(a.decided)],
      [t('admin.dsa.appeals_reversed'), num(a.reversed)],
      [t('admin.dsa.appeals_upheld'), num(a.upheld)],
      [t('admin.dsa.appeals_median'), dur(a.median_time_to_decision_ms)],
    ]),
    figureTable(t('admin.dsa.human'), [
      [t('admin.dsa.hours'), raw(number(h.hours, 1))],
      [t('admin.dsa.moderators'), num(h.moderators)],
      ...Object.entries(h.moderators_by_language || {}).map(([k, v]) => [t('admin.dsa.language', { lang: k }), num(v)]),
    ])),
  el('p', { class: 'muted' }, t('admin.dsa.pay_basis'), ' ', raw(r.pay_basis)));
}

// The report as CSV: one row per figure, its path in the JSON and its value.
function csvOf(obj) {
  const rows = [['figure', 'value']];
  const walk = (o, path) => {
    for (const [k, v] of Object.entries(o)) {
      const p = path ? path + '.' + k : k;
      if (v && typeof v === 'object' && !Array.isArray(v)) walk(v, p);
      else rows.push([p, v === null ? '' : Array.isArray(v) ? JSON.stringify(v) : String(v)]);
    }
  };
  walk(obj, '');
  const q = (s) => (/[",\n\r]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s);
  return rows.map((r) => r.map(q).join(',')).join('\r\n') + '\r\n';
}

function reportName(ext) {
  const iso = (ms) => new Date(ms).toISOString().slice(0, 10);
  return `dsa-transparency-${iso(m.dsa.from_ms)}_${iso(m.dsa.to_ms)}.${ext}`;
}

function drawTdb() {
  const box = document.getElementById('tdb');
  box.textContent = '';
  const r = m.tdb;
  if (!r) return;
  if (r instanceof Error) { box.append(errorBox(r)); return; }
  box.append(el('p', {}, r.configured
    ? [t('admin.tdb.configured'), ' ', raw(r.endpoint, 'code')]
    : t('admin.tdb.not_configured')),
  el('div', { class: 'grid three' },
    ...['pending', 'submitted', 'rejected'].map((k) => el('div', { class: 'stat' },
      el('span', { class: 'label' }, t('admin.tdb.' + k)), raw(number(r.counts[k]), 'span', { class: 'value', id: 'tdb-' + k })))));
  if (!r.statements.length) { box.append(el('p', { class: 'muted' }, t('admin.tdb.empty'))); return; }
  box.append(el('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': t('admin.tdb.title') },
    el('table', { id: 'tdb-table' },
      el('caption', { class: 'visually-hidden' }, t('admin.tdb.title')),
      el('thead', {}, el('tr', {}, ...['decision', 'state', 'attempts', 'last', 'next', 'submitted'].map((k) =>
        el('th', { scope: 'col' }, t('admin.tdb.col.' + k))))),
      el('tbody', {}, ...r.statements.map((s) => el('tr', { class: s.state === 'rejected' || s.last_error ? 'failing' : null },
        el('th', { scope: 'row' }, raw('#' + s.decision_id)),
        el('td', {}, el('span', { class: 'badge ' + (s.state === 'submitted' ? 'ok' : s.state === 'rejected' ? 'bad' : 'warn') }, t('admin.tdb.' + s.state))),
        el('td', { class: 'num' }, raw(String(s.attempts))),
        el('td', {}, raw((s.last_status ? 'HTTP ' + s.last_status + ' ' : '') + (s.last_error || ''))),
        el('td', {}, raw(s.next_attempt_ms ? date(s.next_attempt_ms) : '—')),
        el('td', {}, raw(s.submitted_ms ? date(s.submitted_ms) + (s.uuid ? ' · ' + s.uuid : '') : '—'))))))));
}

async function loadReports() {
  let { from, to } = period();
  if (!Number.isFinite(from) || !Number.isFinite(to)) {
    // the default period ends with the platform's today (its clock, not the browser's)
    try {
      const now = (await get('/v1/admin/declaration')).to_ms;
      to = Math.floor(now / DAY) * DAY + DAY;
      from = to - 182 * DAY;
      const f = document.getElementById('period-form');
      f.elements.to.valueAsNumber = to;
      f.elements.from.valueAsNumber = from;
    } catch { /* the reports below say what failed */ }
  }
  const q = Number.isFinite(from) && Number.isFinite(to) ? `?from=${from}&to=${to}` : '';
  const [d, r, b] = await Promise.allSettled([get('/v1/admin/declaration' + q), get('/v1/moderation/transparency' + q), get('/v1/admin/moderation/tdb')]);
  m.decl = d.status === 'fulfilled' ? d.value : d.reason;
  m.dsa = r.status === 'fulfilled' ? r.value : r.reason;
  m.tdb = b.status === 'fulfilled' ? b.value : b.reason;
  drawDecl();
  drawDsa();
  drawTdb();
}

// ---- terms clauses ----
function drawClauses() {
  const box = document.getElementById('clauses-list');
  const form = document.getElementById('clause-form');
  form.hidden = m.clausesMissing;
  if (m.clausesMissing) {
    box.textContent = '';
    box.append(el('p', { class: 'muted', id: 'clauses-missing' }, t('admin.clauses.missing')));
    return;
  }
  if (m.clauses instanceof Error) { box.textContent = ''; box.append(errorBox(m.clauses)); return; }
  if (!m.clauses) return;
  redraw(box, (b) => {
    if (!m.clauses.length) { b.append(el('p', { class: 'muted', id: 'clauses-empty' }, t('admin.clauses.empty'))); return; }
    b.append(el('div', { class: 'table-wrap' }, el('table', { id: 'clauses' },
      el('caption', { class: 'visually-hidden' }, t('admin.clauses.title')),
      el('thead', {}, el('tr', {}, ...['code', 'title', 'text', 'state'].map((k) => el('th', { scope: 'col' }, t('admin.clauses.col.' + k))))),
      el('tbody', {}, ...m.clauses.map((c) => el('tr', { id: 'clause-' + c.id, class: c.active ? null : 'retired' },
        el('th', { scope: 'row' }, raw(c.code)),
        el('td', {}, raw(c.title)),
        el('td', { class: 'clause-text' }, raw(c.text)),
        el('td', {}, c.active ? retireControl(c) : el('span', { class: 'badge' }, t('admin.clauses.retired')))))))));
  });
}

function retireControl(c) {
  if (m.confirm !== c.id) {
    return el('button', { type: 'button', class: 'secondary', id: 'retire-' + c.id, onclick: () => { m.confirm = c.id; drawClauses(); document.getElementById('retire-yes-' + c.id).focus(); } },
      t('admin.clauses.retire'), el('span', { class: 'visually-hidden', 'data-raw': '' }, ' ' + c.code));
  }
  return el('div', { class: 'confirm', role: 'group', 'aria-label': t('admin.clauses.confirm', { code: c.code }) },
    el('p', {}, t('admin.clauses.confirm', { code: c.code })),
    el('div', { class: 'actions' },
      el('button', { type: 'button', class: 'danger', id: 'retire-yes-' + c.id, onclick: () => retire(c) }, t('admin.clauses.retire_yes')),
      el('button', { type: 'button', class: 'secondary', id: 'retire-no-' + c.id, onclick: () => { m.confirm = null; drawClauses(); document.getElementById('retire-' + c.id).focus(); } }, t('admin.clauses.retire_no'))));
}

async function retire(c) {
  try {
    await post(`/v1/admin/moderation/clauses/${c.id}/retire`, {});
    m.confirm = null;
    flash(t('admin.clauses.retired_ok', { code: c.code }), 'ok');
    await loadClauses();
  } catch (e) {
    flash(errorText(e), 'error');
  }
}

async function loadClauses() {
  try {
    m.clauses = (await get('/v1/moderation/clauses')).clauses;
    m.clausesMissing = false;
  } catch (e) {
    if (e instanceof ApiError && (e.status === 404 || e.status === 405)) m.clausesMissing = true;
    else m.clauses = e;
  }
  drawClauses();
}

async function addClause(ev) {
  ev.preventDefault();
  const form = ev.currentTarget;
  clearErrors(form);
  const body = {};
  for (const k of ['code', 'title', 'text']) {
    body[k] = form.elements[k].value.trim();
  }
  for (const k of ['code', 'title', 'text']) {
    if (!body[k]) return showError(form, new ApiError(400, 'missing_field', '', k));
  }
  try {
    const c = await post('/v1/admin/moderation/clauses', body);
    flash(t('admin.clauses.added', { code: c.code }), 'ok');
    form.reset();
    await loadClauses();
  } catch (e) {
    showError(form, e);
  }
}

// ---- moderators ----
async function saveModerator(ev) {
  ev.preventDefault();
  const form = ev.currentTarget;
  clearErrors(form);
  const out = document.getElementById('mod-result');
  const id = form.elements.worker_id.value.trim();
  if (!/^\d{1,15}$/.test(id)) return showError(form, new ApiError(400, 'invalid_account_id', '', 'worker_id'));
  try {
    const r = await post(`/v1/admin/moderation/moderators/${id}`, { child_safety: form.elements.child_safety.checked, senior: form.elements.senior.checked });
    out.textContent = t('admin.moderators.saved', {
      id: r.worker_id,
      cs: t(r.child_safety ? 'admin.yes' : 'admin.no'),
      senior: t(r.senior ? 'admin.yes' : 'admin.no'),
    });
  } catch (e) {
    showError(form, e.field ? e : Object.assign(e, { field: 'worker_id' }));
  }
}

// ---- wiring ----
export function initMore(s) {
  state = s;
  const f = document.getElementById('period-form');
  f.addEventListener('submit', (ev) => { ev.preventDefault(); loadReports(); });
  document.getElementById('money-rerun').addEventListener('click', async () => { await loadMoney(); flash(t('admin.money.rechecked'), 'info'); });
  document.getElementById('dsa-json').addEventListener('click', () => download(reportName('json'), 'application/json', JSON.stringify(m.dsa, null, 2) + '\n'));
  document.getElementById('dsa-csv').addEventListener('click', () => download(reportName('csv'), 'text/csv', csvOf(m.dsa)));
  document.getElementById('clause-form').addEventListener('submit', addClause);
  document.getElementById('mod-form').addEventListener('submit', saveModerator);
}

export async function loadMore() {
  await Promise.all([loadMoney(), loadReports(), loadClauses()]);
}

export function drawMore() {
  drawMoney();
  drawDecl();
  drawDsa();
  drawTdb();
  drawClauses();
}


