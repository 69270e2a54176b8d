// admin — the administrator's console: human review of automated decisions,
// accounts, couriers' approval, money and journal checks, declarations and
// transparency, the terms clauses of moderation, moderators' roles.
// One section at a time, chosen by the URL fragment (#reviews, #accounts, ...).
import { startPage, el, showError, clearErrors, flash, errorText, t, lang, onLangChange, ready } from '../shell.js';
import { get, post, api, ApiError } from '../api.js';
import { money, date, duration, number } from '../fmt.js';
import { raw, parseAmount, redraw } from './admin-util.js';
import { initMore, drawMore, loadMore } from './admin-more.js';

const SECTIONS = ['reviews', 'accounts', 'couriers', 'money', 'transparency', 'clauses', 'moderators'];
const state = { currency: 'EUR', reviews: null, accounts: null, accPages: [0], couriers: null, courierPages: [0] };

// ---- sections ----
function show(name) {
  if (!SECTIONS.includes(name)) name = 'reviews';
  for (const s of SECTIONS) {
    document.getElementById('sec-' + s).hidden = s !== name;
    const a = document.querySelector(`.admin-menu a[data-section="${s}"]`);
    if (s === name) a.setAttribute('aria-current', 'true'); else a.removeAttribute('aria-current');
  }
}

function route(focus) {
  const name = location.hash.slice(1) || 'reviews';
  show(name);
  if (focus) {
    const h = document.getElementById((SECTIONS.includes(name) ? name : 'reviews') + '-h');
    if (h) { h.setAttribute('tabindex', '-1'); h.focus(); }
  }
}

// ---- human review ----
const reasonsOf = (x) => (x.remedy && Array.isArray(x.remedy.actions) ? x.remedy.actions : []);

function left(x) {
  if (x.state !== 'open') return null;
  if (x.overdue) return el('span', { class: 'badge bad' }, t('admin.reviews.overdue_by', { d: longDur(-x.ms_left) }));
  return el('span', { class: 'badge warn' }, t('admin.reviews.left', { d: longDur(x.ms_left) }));
}

function statusBadge(x) {
  const cls = x.status === 'overdue' ? 'bad' : x.status === 'overturned' ? 'ok' : x.status === 'upheld' ? '' : 'warn';
  return el('span', { class: 'badge ' + cls }, t('admin.reviews.status.' + x.status));
}

// A figure as a person reads it: instants as dates, durations, amounts;
// the exact value stays in the title.
function figureValue(k, v) {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'object') return JSON.stringify(v);
  if (typeof v === 'number' && /_ms$/.test(k)) return v > 1e11 ? date(v) : duration(v, { seconds: true });
  if (typeof v === 'number' && /_micros$/.test(k)) return money(v, state.currency);
  return String(v);
}

// Time left or late: days when it is more than two days.
function longDur(ms) {
  if (ms >= 2 * 86400000) return new Intl.NumberFormat(lang(), { style: 'unit', unit: 'day', unitDisplay: 'long' }).format(Math.floor(ms / 86400000));
  return duration(ms);
}

function decisionBlock(d) {
  if (!d) return el('p', { class: 'muted' }, t('admin.reviews.no_decision'));
  const figs = Object.entries(d.figures || {});
  const rows = [
    [t('admin.reviews.system'), raw(d.system)],
    [t('admin.reviews.rule'), raw(d.rule)],
    [t('admin.reviews.decided_at'), raw(date(d.at_ms))],
    [t('admin.reviews.subject'), raw(d.subject || '—')],
  ];
  if (d.time) rows.push([t('admin.reviews.time'), raw(t('admin.reviews.span.' + d.time.kind) + ' · ' + duration(Math.max(0, d.time.end_ms - d.time.start_ms), { seconds: true }))]);
  if (d.amount_micros !== undefined) rows.push([t('admin.reviews.amount'), raw(money(d.amount_micros, state.currency))]);
  return el('div', { class: 'decision' },
    el('p', { class: 'explanation' }, raw(d.explanation)),
    el('dl', { class: 'facts' }, ...rows.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)])),
    figs.length ? el('div', { class: 'table-wrap' },
      el('table', { class: 'figures' },
        el('caption', {}, t('admin.reviews.figures')),
        el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, t('admin.reviews.figure')), el('th', { scope: 'col' }, t('admin.reviews.value')))),
        el('tbody', {}, ...figs.map(([k, v]) => el('tr', {}, el('th', { scope: 'row' }, raw(k)), el('td', { title: typeof v === 'object' ? null : String(v) }, raw(figureValue(k, v))))))))
      : el('p', { class: 'muted' }, t('admin.reviews.no_figures')));
}

function reviewForm(x) {
  const f = el('form', { class: 'decide', id: 'decide-' + x.id, novalidate: true, 'aria-label': t('admin.reviews.answer', { id: x.id }) },
    el('p', { class: 'form-error' }),
    el('div', { class: 'row' },
      el('label', { for: 'reasons-' + x.id }, t('admin.reviews.reasons')),
      el('textarea', { id: 'reasons-' + x.id, name: 'reasons', maxlength: '5000', 'aria-describedby': 'reasons-hint-' + x.id }),
      el('p', { class: 'muted', id: 'reasons-hint-' + x.id }, t('admin.reviews.reasons_hint'))),
    el('div', { class: 'row narrow' },
      el('label', { for: 'comp-' + x.id }, t('admin.reviews.compensation', { cur: state.currency })),
      el('input', { id: 'comp-' + x.id, name: 'compensation_micros', inputmode: 'decimal', autocomplete: 'off', 'aria-describedby': 'comp-hint-' + x.id }),
      el('p', { class: 'muted', id: 'comp-hint-' + x.id }, t('admin.reviews.compensation_hint'))),
    el('div', { class: 'actions' },
      el('button', { type: 'submit', id: 'overturn-' + x.id, value: 'overturned' }, t('admin.reviews.overturn')),
      el('button', { type: 'submit', class: 'secondary', id: 'uphold-' + x.id, value: 'upheld' }, t('admin.reviews.uphold'))));
  f.addEventListener('submit', (ev) => decide(ev, x));
  return f;
}

async function decide(ev, x) {
  ev.preventDefault();
  const form = ev.currentTarget;
  const outcome = (ev.submitter && ev.submitter.value) || 'upheld';
  clearErrors(form);
  const body = { outcome, reasons: form.elements.reasons.value.trim() };
  if (!body.reasons) return showError(form, new ApiError(400, 'reasons_missing', '', 'reasons'));
  const c = parseAmount(form.elements.compensation_micros.value);
  if (Number.isNaN(c)) return showError(form, new ApiError(400, 'invalid_amount', '', 'compensation_micros'));
  if (c !== null) body.compensation_micros = Number(c);
  for (const b of form.querySelectorAll('button')) b.disabled = true;
  try {
    await post(`/v1/admin/reviews/${x.id}/decide`, body);
    flash(t(outcome === 'overturned' ? 'admin.reviews.done_overturned' : 'admin.reviews.done_upheld', { id: x.id }), 'ok');
    await loadReviews();
  } catch (e) {
    for (const b of form.querySelectorAll('button')) b.disabled = false;
    showError(form, e);
  }
}

function reviewCard(x) {
  const head = el('h3', {},
    t('admin.reviews.item', { id: x.id }), ' ', raw(x.worker_name || '—'), ' ', raw('#' + x.worker_id, 'span', { class: 'muted' }));
  const meta = el('p', { class: 'meta' }, statusBadge(x), ' ', left(x), ' ',
    t('admin.reviews.asked', { at: date(x.created_ms) }), ' · ', t('admin.reviews.due', { at: date(x.due_ms) }));
  const body = [
    el('h4', {}, t('admin.reviews.message')),
    raw(x.message, 'blockquote'),
    el('h4', {}, t('admin.reviews.decision'), ' ', raw(x.event, 'code')),
    decisionBlock(x.decision),
  ];
  if (x.state === 'open') body.push(reviewForm(x));
  else {
    body.push(el('h4', {}, t('admin.reviews.outcome')),
      el('p', {}, t('admin.reviews.status.' + x.state), ' · ', raw(date(x.decided_ms)),
        x.answered_late ? el('span', { class: 'badge bad' }, t('admin.reviews.late')) : null),
      raw(x.reasons, 'blockquote'));
    const acts = reasonsOf(x);
    if (acts.length) body.push(el('ul', { class: 'remedy' }, ...acts.map((a) => el('li', {}, raw(a.action + (a.paid_micros !== undefined ? ' · ' + money(a.paid_micros, state.currency) : ''))))));
  }
  return el('article', { class: 'review' + (x.overdue ? ' overdue' : ''), id: 'review-' + x.id, 'aria-labelledby': 'review-h-' + x.id },
    Object.assign(head, { id: 'review-h-' + x.id }), meta, ...body);
}

function drawReviews() {
  const box = document.getElementById('reviews-list');
  const counts = document.getElementById('reviews-counts');
  const menu = document.getElementById('menu-overdue');
  const r = state.reviews;
  if (!r) return;
  counts.textContent = '';
  counts.append(t('admin.reviews.counts', { open: number(r.open), overdue: number(r.overdue), days: number(r.review_days) }));
  menu.textContent = r.overdue ? String(r.overdue) : '';
  menu.title = r.overdue ? t('admin.reviews.counts', { open: number(r.open), overdue: number(r.overdue), days: number(r.review_days) }) : '';
  menu.classList.toggle('bad', r.overdue > 0);
  redraw(box, (b) => {
    if (!r.reviews.length) b.append(el('p', { class: 'muted' }, t('admin.reviews.empty')));
    for (const x of r.reviews) b.append(reviewCard(x));
  });
}

async function loadReviews() {
  const st = document.getElementById('reviews-state').value;
  try {
    state.reviews = await get('/v1/admin/reviews' + (st ? '?state=' + encodeURIComponent(st) : ''));
    drawReviews();
  } catch (e) {
    const box = document.getElementById('reviews-list');
    box.textContent = '';
    box.append(el('p', { class: 'form-error', role: 'alert' }, errorText(e)));
  }
}

// ---- accounts ----
function accountQuery() {
  const f = document.getElementById('accounts-search');
  const p = new URLSearchParams();
  for (const n of ['q', 'role', 'status']) if (f.elements[n].value.trim()) p.set(n, f.elements[n].value.trim());
  p.set('limit', '25');
  const after = state.accPages[state.accPages.length - 1];
  if (after) p.set('after', String(after));
  return p.toString();
}

function drawAccounts() {
  const box = document.getElementById('accounts-table');
  const pager = document.getElementById('accounts-pager');
  const r = state.accounts;
  if (!r) return;
  box.textContent = '';
  pager.textContent = '';
  if (!r.accounts.length) {
    box.append(el('p', { class: 'muted' }, t('admin.accounts.empty')));
  } else {
    box.append(el('table', { id: 'accounts' },
      el('caption', { class: 'visually-hidden' }, t('admin.accounts.list')),
      el('thead', {}, el('tr', {}, ...['id', 'name', 'email', 'role', 'status', 'created', 'actions'].map((k) =>
        el('th', { scope: 'col', class: k === 'id' ? 'num' : null }, t('admin.accounts.col.' + k))))),
      el('tbody', {}, ...r.accounts.map((a) => el('tr', { dataset: { id: String(a.id) } },
        el('td', { class: 'num' }, raw(String(a.id))),
        el('th', { scope: 'row' }, raw(a.name)),
        el('td', {}, raw(a.email)),
        el('td', {}, t('admin.role.' + a.role)),
        el('td', {}, a.status === 'active' ? t('admin.status.active') : raw(a.status)),
        el('td', {}, raw(date(a.created_ms))),
        el('td', { class: 'row-actions' },
          a.id !== state.me.id ? el('button', { type: 'button', class: 'link', id: 'acc-st-' + a.id, onclick: () => openStatus(a) },
            t(a.status === 'active' ? 'admin.accounts.disable_it' : 'admin.accounts.enable_it'), el('span', { class: 'visually-hidden', 'data-raw': '' }, ' ' + a.name)) : null,
          a.role === 'worker'
            ? el('button', { type: 'button', class: 'link', onclick: () => openModerator(a) }, t('admin.accounts.moderator_roles'), el('span', { class: 'visually-hidden', 'data-raw': '' }, ' ' + a.name))
            : null))))));
  }
  if (state.accPages.length > 1) pager.append(el('button', { type: 'button', class: 'secondary', id: 'acc-prev', onclick: () => { state.accPages.pop(); loadAccounts(); } }, t('admin.prev')));
  if (r.next_after) pager.append(el('button', { type: 'button', class: 'secondary', id: 'acc-next', onclick: () => { state.accPages.push(r.next_after); loadAccounts(); } }, t('admin.next')));
}

async function loadAccounts() {
  try {
    state.accounts = await get('/v1/admin/accounts?' + accountQuery());
    drawAccounts();
  } catch (e) {
    showError(document.getElementById('accounts-search'), e);
  }
}

function openStatus(a) {
  const f = document.getElementById('acc-status-form');
  clearErrors(f);
  f.elements.account_id.value = String(a.id);
  f.elements.reason.focus();
}

async function setStatus(ev) {
  ev.preventDefault();
  const form = ev.currentTarget;
  const status = (ev.submitter && ev.submitter.value) || 'disabled';
  clearErrors(form);
  const id = form.elements.account_id.value.trim();
  const reason = form.elements.reason.value.trim();
  if (!/^\d{1,15}$/.test(id)) return showError(form, new ApiError(400, 'invalid_account_id', '', 'account_id'));
  if (!reason) return showError(form, new ApiError(400, 'missing_field', '', 'reason'));
  try {
    const a = await post(`/v1/admin/accounts/${id}/status`, { status, reason });
    flash(t(status === 'disabled' ? 'admin.accounts.disabled_ok' : 'admin.accounts.enabled_ok', { name: a.name, id: a.id }), 'ok');
    form.reset();
    await loadAccounts();
  } catch (e) {
    showError(form, e.status === 404 ? Object.assign(e, { field: 'account_id' }) : e);
  }
}

function openModerator(a) {
  const f = document.getElementById('mod-form');
  f.elements.worker_id.value = String(a.id);
  location.hash = '#moderators';
  f.elements.worker_id.focus();
}

async function createAccount(ev) {
  ev.preventDefault();
  const form = ev.currentTarget;
  clearErrors(form);
  const body = { name: form.elements.name.value.trim(), email: form.elements.email.value.trim(), role: form.elements.role.value };
  if (form.elements.password.value) body.password = form.elements.password.value;
  const btn = document.getElementById('acc-create-submit');
  btn.disabled = true;
  try {
    const r = await api('POST', '/v1/admin/accounts', body, { headers: { 'Idempotency-Key': 'acc-' + crypto.randomUUID() } });
    const a = r.account;
    flash(t('admin.accounts.created', { name: a.name, id: a.id, role: t('admin.role.' + a.role) }), 'ok');
    form.reset();
    state.accPages = [0];
    await loadAccounts();
  } catch (e) {
    showError(form, e);
  } finally {
    btn.disabled = false;
  }
}

// ---- couriers ----
function courierRow(c) {
  const f = el('form', { class: 'courier-act', novalidate: true, 'aria-label': t('admin.couriers.decide_for', { name: c.name }) },
    el('p', { class: 'form-error' }),
    el('label', { for: 'why-' + c.courier_id, class: 'visually-hidden' }, t('admin.couriers.reason')),
    el('input', { id: 'why-' + c.courier_id, name: 'reason', autocomplete: 'off', maxlength: '500', placeholder: t('admin.couriers.reason') }),
    el('div', { class: 'actions' },
      c.state !== 'approved' ? el('button', { type: 'submit', value: 'approve', id: 'approve-' + c.courier_id }, t('admin.couriers.approve')) : null,
      c.state !== 'suspended' ? el('button', { type: 'submit', value: 'suspend', class: 'danger', id: 'suspend-' + c.courier_id }, t('admin.couriers.suspend')) : null));
  f.addEventListener('submit', (ev) => courierDecide(ev, c));
  return el('tr', { id: 'courier-' + c.courier_id },
    el('th', { scope: 'row' }, raw(c.name), el('br'), raw(c.email, 'span', { class: 'muted' })),
    el('td', {}, el('span', { class: 'badge ' + (c.state === 'approved' ? 'ok' : c.state === 'suspended' ? 'bad' : 'warn') }, t('admin.courier.' + c.state)),
      c.since_ms ? el('div', { class: 'muted' }, raw(date(c.since_ms))) : null,
      c.reason ? raw(c.reason, 'div') : null),
    el('td', {}, f));
}

async function courierDecide(ev, c) {
  ev.preventDefault();
  const form = ev.currentTarget;
  const what = (ev.submitter && ev.submitter.value) || 'approve';
  clearErrors(form);
  const reason = form.elements.reason.value.trim();
  if (what === 'suspend' && !reason) return showError(form, new ApiError(400, 'reason_missing', '', 'reason'));
  try {
    await post(`/v1/admin/dispatch/couriers/${c.courier_id}/${what}`, reason ? { reason } : {});
    flash(t(what === 'approve' ? 'admin.couriers.approved' : 'admin.couriers.suspended', { name: c.name }), 'ok');
    await loadCouriers();
  } catch (e) {
    showError(form, e);
  }
}

function drawCouriers() {
  const box = document.getElementById('couriers-list');
  const pager = document.getElementById('couriers-pager');
  const r = state.couriers;
  if (!r) return;
  pager.textContent = '';
  redraw(box, (b) => {
    if (!r.couriers.length) { b.append(el('p', { class: 'muted' }, t('admin.couriers.empty'))); return; }
    b.append(el('div', { class: 'table-wrap' }, el('table', { id: 'couriers' },
      el('caption', { class: 'visually-hidden' }, t('admin.couriers.title')),
      el('thead', {}, el('tr', {}, ...['who', 'state', 'decide'].map((k) => el('th', { scope: 'col' }, t('admin.couriers.col.' + k))))),
      el('tbody', {}, ...r.couriers.map(courierRow)))));
  });
  if (state.courierPages.length > 1) pager.append(el('button', { type: 'button', class: 'secondary', onclick: () => { state.courierPages.pop(); loadCouriers(); } }, t('admin.prev')));
  if (r.next_after) pager.append(el('button', { type: 'button', class: 'secondary', onclick: () => { state.courierPages.push(r.next_after); loadCouriers(); } }, t('admin.next')));
}

async function loadCouriers() {
  const st = document.getElementById('couriers-state').value;
  const after = state.courierPages[state.courierPages.length - 1];
  try {
    state.couriers = await get(`/v1/admin/dispatch/couriers?limit=25&state=${encodeURIComponent(st)}` + (after ? '&after=' + after : ''));
    drawCouriers();
  } catch (e) {
    const box = document.getElementById('couriers-list');
    box.textContent = '';
    box.append(el('p', { class: 'form-error', role: 'alert' }, errorText(e)));
  }
}

// ---- start ----
async function main() {
  const { me } = await startPage({ catalogues: ['admin'], auth: 'required', role: 'admin' });
  state.me = me;
  try { state.currency = (await get('/v1/web/config')).currency || 'EUR'; } catch { /* default */ }
  window.addEventListener('hashchange', () => route(true));
  route(false);
  document.getElementById('reviews-state').addEventListener('change', loadReviews);
  document.getElementById('accounts-search').addEventListener('submit', (ev) => { ev.preventDefault(); clearErrors(ev.currentTarget); state.accPages = [0]; loadAccounts(); });
  for (const id of ['acc-role', 'acc-status']) document.getElementById(id).addEventListener('change', () => { state.accPages = [0]; loadAccounts(); });
  document.getElementById('acc-create').addEventListener('submit', createAccount);
  document.getElementById('acc-status-form').addEventListener('submit', setStatus);
  document.getElementById('couriers-state').addEventListener('change', () => { state.courierPages = [0]; loadCouriers(); });
  initMore(state);
  await Promise.all([loadReviews(), loadAccounts(), loadCouriers(), loadMore()]);
  onLangChange(() => { drawReviews(); drawAccounts(); drawCouriers(); drawMore(); });
  ready();
}

main();
