// client-batch — one batch in the client console. A draft: add items (CSV
// or JSON lines, every bad row listed with its number, column and problem),
// the server's cost of publishing against the funds, publish. Published:
// progress, the answers to review (approve, reject with a reason, in bulk,
// by keyboard), appeals to decide, what the workers earned per hour, the
// results with their provenance and their downloads.
import { api, get, post, ApiError } from '../api.js';
import { has } from '../i18n.js';
import { el, t, showError, clearErrors, errorText, flash } from '../shell.js';
import * as fmt from '../fmt.js';
import { state, money, rate, templateVars, stateBadge } from './client-common.js';

const $ = (id) => document.getElementById(id);

const B = {
  id: 0,
  batch: null,
  cost: null,
  answers: [],
  results: null,
  appeals: [],
  pay: null,
  tasks: new Map(),      // task_id -> data
  selected: new Set(),
  rejecting: null,       // answer id whose reject form is open
  drafts: {},            // typed reasons and responses, kept across redraws
  confirmCancel: false,
  rowErrors: null,
};

// ---------------------------------------------------------------- loading

export async function loadBatch(id) {
  B.id = id;
  const err = $('batch-error');
  clearErrors(err);
  try {
    B.batch = await get('/v1/batches/' + id);
  } catch (e) {
    showError(err, e);
    return;
  }
  if (B.batch.state === 'draft') {
    B.cost = await get('/v1/batches/' + id + '/cost').catch((e) => { showError(err, e); return null; });
  } else {
    const [a, r, ap, pay] = await Promise.all([
      get('/v1/batches/' + id + '/answers'),
      get('/v1/batches/' + id + '/results'),
      get('/v1/appeals'),
      get('/v1/batches/' + id + '/pay'),
    ]).catch((e) => { showError(err, e); return []; });
    if (!a) return;
    B.answers = a.answers;
    B.results = r;
    B.appeals = ap.appeals.filter((x) => x.batch_id === id);
    B.pay = pay;
    B.tasks = new Map(r.tasks.map((x) => [x.task_id, x.data]));
    const known = new Set(B.answers.filter((x) => x.state === 'submitted').map((x) => x.id));
    for (const s of [...B.selected]) if (!known.has(s)) B.selected.delete(s);
  }
  drawBatch();
}

export function drawBatch() {
  const b = B.batch;
  if (!b) return;
  $('batch-title').textContent = b.title;
  const badge = $('batch-state');
  badge.replaceWith(Object.assign(stateBadge(b.state), { id: 'batch-state' }));
  document.title = b.title + ' — Visible';
  drawActions();
  const draft = b.state === 'draft';
  $('draft-section').hidden = !draft;
  $('live-section').hidden = draft;
  if (draft) {
    $('upload-vars').textContent = templateVars(b.template).map((v) => v).join(', ') || '—';
    drawRowErrors();
    drawCost();
  } else {
    drawProgress();
    drawAnswers();
    drawAppeals();
    drawPay();
    drawResults();
  }
}

// ---------------------------------------------------------------- batch actions

function drawActions() {
  const box = $('batch-actions');
  box.textContent = '';
  const s = B.batch.state;
  const act = async (what) => {
    clearErrors($('batch-error'));
    try {
      B.batch = await post('/v1/batches/' + B.id + '/' + what);
      B.confirmCancel = false;
      flash(t('client.done_' + what), 'ok');
      await loadBatch(B.id);
    } catch (e) { showError($('batch-error'), e); }
  };
  if (s === 'published') box.append(el('button', { type: 'button', class: 'secondary', id: 'pause', onclick: () => act('pause') }, t('client.pause')));
  if (s === 'paused') box.append(el('button', { type: 'button', class: 'secondary', id: 'resume', onclick: () => act('resume') }, t('client.resume')));
  if (s !== 'cancelled' && s !== 'completed') {
    if (!B.confirmCancel) {
      box.append(el('button', { type: 'button', class: 'secondary', id: 'cancel', onclick: () => { B.confirmCancel = true; drawActions(); $('cancel-confirm').focus(); } }, t('client.cancel')));
    } else {
      box.append(el('p', { class: 'warning', id: 'cancel-text' }, t('client.cancel_explain')),
        el('button', { type: 'button', class: 'danger', id: 'cancel-confirm', 'aria-describedby': 'cancel-text', onclick: () => act('cancel') }, t('client.cancel_confirm')),
        el('button', { type: 'button', class: 'secondary', onclick: () => { B.confirmCancel = false; drawActions(); } }, t('client.keep')));
    }
  }
}

// ---------------------------------------------------------------- draft: upload, cost, publish

function drawRowErrors() {
  const box = $('upload-errors');
  const body = $('row-errors').tBodies[0];
  body.textContent = '';
  box.hidden = !B.rowErrors;
  if (!B.rowErrors) return;
  for (const r of B.rowErrors) {
    body.append(el('tr', {},
      el('td', { class: 'num', 'data-raw': '' }, String(r.row)),
      el('td', { 'data-raw': '' }, r.field === null ? '—' : r.field),
      el('td', { 'data-raw': '', lang: 'en' }, r.message)));
  }
}

async function upload(ev) {
  ev.preventDefault();
  const form = $('upload-form');
  clearErrors(form);
  const file = $('upload-file').files[0];
  let text = $('upload-text').value;
  let name = '';
  if (file) { text = await file.text(); name = file.name.toLowerCase(); }
  if (!text.trim()) { showError(form, new ApiError(400, 'client', t('client.upload_empty'), 'tasks')); return; }
  let format = $('upload-format').value;
  if (format === 'auto') {
    format = name.endsWith('.csv') ? 'csv' : (name.endsWith('.jsonl') || name.endsWith('.ndjson')) ? 'jsonl'
      : text.trimStart().startsWith('{') ? 'jsonl' : 'csv';
  }
  const btn = $('upload-submit');
  btn.disabled = true;
  let body;
  try {
    body = await api('POST', '/v1/batches/' + B.id + '/tasks', text,
      { headers: { 'Content-Type': format === 'csv' ? 'text/csv' : 'application/x-ndjson' } });
  } catch (err) {
    btn.disabled = false;
    const rows = err instanceof ApiError ? err.details.rows : null;
    if (Array.isArray(rows) && rows.length) {
      B.rowErrors = rows;
      drawRowErrors();
      showError(form, new ApiError(err.status, 'client', t('client.rows_bad', { n: fmt.number(rows.length) })));
      $('upload-errors-h').setAttribute('tabindex', '-1');
      return;
    }
    B.rowErrors = null;
    drawRowErrors();
    showError(form, err);
    return;
  }
  btn.disabled = false;
  B.rowErrors = null;
  drawRowErrors(); /* the old rows' errors go at once, not when the batch has reloaded */
  $('upload-text').value = '';
  $('upload-file').value = '';
  flash(t('client.uploaded', { n: fmt.number(body.tasks), c: fmt.number(body.control_tasks) }), 'ok');
  await loadBatch(B.id);
}

function figure(id, label, value, strong = false) {
  return el('div', { id }, el('dt', {}, label), el('dd', { 'data-raw': '' }, strong ? el('strong', {}, value) : value));
}

function drawCost() {
  const c = B.cost;
  const dl = $('cost');
  dl.textContent = '';
  const refusal = $('cost-refusal');
  const btn = $('publish');
  if (!c) { btn.disabled = true; return; }
  dl.append(
    figure('cost-items', t('client.cost_items'), t('client.cost_items_v', { n: fmt.number(c.tasks), c: fmt.number(c.control_tasks) })),
    figure('cost-answers', t('client.cost_answers'), t('client.cost_answers_v', { n: fmt.number(c.answers), tasks: fmt.number(c.tasks), overlap: fmt.number(c.overlap), c: fmt.number(c.answers_control) })),
    figure('cost-rewards', t('client.cost_rewards', { reward: money(c.reward_micros) }), money(c.rewards_micros)),
    figure('cost-fees', t('client.cost_fees', { pct: fmt.percent(c.fee_ppm / 1e6, 1) }), money(c.fees_micros)));
  if (c.topups_micros) dl.append(figure('cost-topups', t('client.cost_topups'), money(c.topups_micros)));
  dl.append(
    figure('cost-escrow', t('client.cost_escrow'), c.escrow_micros === null ? '—' : money(c.escrow_micros), true),
    figure('cost-available', t('client.cost_available'), money(c.available_micros)),
    figure('cost-hourly', t('client.cost_hourly'), rate(c.hourly_micros) + ' · ' + t('client.minimum_short', { min: rate(c.minimum_hourly_micros) })));
  let msg = '';
  if (c.refusal) {
    const key = 'client.refusal.' + c.refusal;
    msg = has(key) ? t(key, { shortfall: money(c.shortfall_micros), reward: money(c.minimum_reward_micros), secs: fmt.number(c.expected_seconds) }) : c.refusal;
  }
  refusal.textContent = msg;
  refusal.hidden = !msg;
  btn.disabled = !c.publishable;
  btn.textContent = c.publishable ? t('client.publish_for', { amount: money(c.escrow_micros) }) : t('client.publish');
}

async function publish(ev) {
  ev.preventDefault();
  const form = $('publish-form');
  clearErrors(form);
  const btn = $('publish');
  btn.disabled = true;
  try {
    await post('/v1/batches/' + B.id + '/publish');
    flash(t('client.published'), 'ok');
    await loadBatch(B.id);
  } catch (e) {
    showError(form, e);
    B.cost = await get('/v1/batches/' + B.id + '/cost').catch(() => B.cost);
    drawCost();
    // the server's refusal stays readable even when the figures changed
    showError(form, e);
  }
}

// ---------------------------------------------------------------- progress

function stat(id, label, value, note) {
  return el('div', { class: 'card stat', id },
    el('span', { class: 'label' }, label), el('span', { class: 'value', 'data-raw': '' }, value),
    note ? el('span', { class: 'label' }, note) : null);
}

function drawProgress() {
  const p = B.batch.progress;
  const box = $('progress');
  box.textContent = '';
  const wanted = p.answer_budget;
  const pct = wanted ? Math.min(1, p.answers / wanted) : 0;
  const bar = el('div', { class: 'bar', 'aria-hidden': 'true' }, el('span', {}));
  bar.firstChild.style.width = (pct * 100).toFixed(1) + '%';
  const answers = stat('stat-answers', t('client.stat_answers'), fmt.number(p.answers) + ' / ' + fmt.number(wanted), fmt.percent(pct, 0));
  answers.append(bar);
  box.append(answers,
    stat('stat-approved', t('client.stat_approved'), fmt.number(p.answers_approved),
      t('client.stat_rejected', { n: fmt.number(p.answers_rejected) })),
    stat('stat-pending', t('client.stat_pending'), fmt.number(p.answers_pending_review),
      p.answers_leased ? t('client.stat_leased', { n: fmt.number(p.answers_leased) }) : null),
    stat('stat-spent', t('client.stat_spent'), money(p.spent_micros), t('client.stat_fees', { fees: money(p.fees_micros) })),
    stat('stat-escrow', t('client.stat_escrow'), money(p.escrow_micros)),
    stat('stat-time', t('client.stat_median'), p.median_answer_seconds === null ? '—' : fmt.duration(p.median_answer_seconds * 1000, { seconds: true }),
      t('client.stat_declared', { secs: fmt.number(B.batch.expected_seconds) })));
}

// ---------------------------------------------------------------- review

function itemText(taskId) {
  const d = B.tasks.get(taskId);
  if (!d) return '#' + taskId;
  return Object.entries(d).map(([k, v]) => k + ': ' + v).join(' · ');
}

function answerText(a) {
  if (a.answer === null || a.answer === undefined) return '—';
  return Array.isArray(a.answer) ? a.answer.join(', ') : String(a.answer);
}

function stateText(a) {
  return has('client.astate.' + a.state) ? t('client.astate.' + a.state) : a.state;
}

function shownAnswers() {
  const only = $('only-pending').checked;
  return B.answers.filter((a) => a.state !== 'leased' && (!only || a.state === 'submitted'));
}

async function review(ids, approve, reason) {
  let ok = 0;
  const failed = [];
  for (const id of ids) {
    try {
      await post('/v1/answers/' + id + '/' + (approve ? 'approve' : 'reject'), approve ? {} : { reason });
      ok++;
      B.selected.delete(id);
    } catch (e) { failed.push(e); }
  }
  return { ok, failed };
}

function reportReview(res, approve) {
  const key = approve ? 'client.approved_n' : 'client.rejected_n';
  if (res.failed.length) {
    flash(t(key, { n: fmt.number(res.ok) }) + ' ' + t('client.review_failed', { n: fmt.number(res.failed.length), why: errorText(res.failed[0]) }), 'error');
  } else {
    flash(t(key, { n: fmt.number(res.ok) }), 'ok');
  }
}

async function approveOne(id) {
  const res = await review([id], true);
  await loadBatch(B.id);
  reportReview(res, true);
  focusAfter(id);
}

function openReject(id) {
  B.rejecting = id;
  drawAnswers();
  const box = $('reject-reason-' + id);
  if (box) box.focus();
}

async function rejectOne(id) {
  const form = $('bulk-form');
  clearErrors(form);
  const reason = (B.drafts['reject-' + id] || '').trim();
  if (!reason) {
    showError(form, new ApiError(400, 'client', t('client.reason_required'), 'reject-reason-' + id));
    return;
  }
  const res = await review([id], false, reason);
  if (res.failed.length) { showError(form, res.failed[0]); return; }
  delete B.drafts['reject-' + id];
  B.rejecting = null;
  await loadBatch(B.id);
  reportReview(res, false);
  focusAfter(id);
}

// after a review, keep the keyboard where the person was: the next row
function focusAfter(id) {
  const rows = [...document.querySelectorAll('#answers tbody tr.answer')];
  const next = rows.find((r) => Number(r.dataset.id) > id) || rows[rows.length - 1];
  const target = next ? next.querySelector('button, input') : $('only-pending');
  if (target) target.focus();
}

function drawAnswers() {
  const body = $('answers').tBodies[0];
  const focusId = document.activeElement && document.activeElement.id;
  body.textContent = '';
  const list = shownAnswers();
  $('answers-empty').hidden = list.length > 0;
  for (const a of list) {
    const pending = a.state === 'submitted';
    const cb = pending ? el('input', { type: 'checkbox', id: 'sel-' + a.id, class: 'sel', checked: B.selected.has(a.id) }) : null;
    if (cb) cb.addEventListener('change', () => { if (cb.checked) B.selected.add(a.id); else B.selected.delete(a.id); drawSelected(); });
    const flags = [];
    if (a.flagged_fast) flags.push(el('span', { class: 'badge warn', title: t('client.fast_title') }, t('client.fast')));
    if (a.control) flags.push(el('span', { class: 'badge ' + (a.correct ? 'ok' : 'bad') }, t(a.correct ? 'client.control_ok' : 'client.control_wrong')));
    const actions = pending ? el('div', { class: 'row-actions' },
      el('button', { type: 'button', class: 'approve', id: 'approve-' + a.id, 'aria-keyshortcuts': 'A', onclick: () => approveOne(a.id) },
        t('client.approve'), el('span', { class: 'visually-hidden' }, ' ' + t('client.answer_n', { n: a.id }))),
      el('button', { type: 'button', class: 'secondary reject', id: 'reject-' + a.id, 'aria-keyshortcuts': 'R', 'aria-expanded': B.rejecting === a.id ? 'true' : 'false', onclick: () => openReject(a.id) },
        t('client.reject'), el('span', { class: 'visually-hidden' }, ' ' + t('client.answer_n', { n: a.id }))))
      : (a.review_reason ? el('span', { class: 'muted reason', 'data-raw': '' }, a.review_reason) : null);
    const selLabel = cb ? el('label', { for: 'sel-' + a.id, class: 'visually-hidden' }, t('client.select_answer', { n: a.id })) : null;
    const tr = el('tr', { class: 'answer', id: 'answer-' + a.id, dataset: { id: String(a.id) } },
      el('td', {}, cb, selLabel),
      el('td', { class: 'item', 'data-raw': '' }, itemText(a.task_id)),
      el('td', { 'data-raw': '' }, t('client.worker_n', { n: a.worker_id })),
      el('td', { 'data-raw': '' }, answerText(a)),
      el('td', { class: 'num', 'data-raw': '' }, a.seconds === undefined ? '—' : fmt.duration(a.seconds * 1000, { seconds: true })),
      el('td', {}, el('span', { class: 'badge ' + ({ approved: 'ok', rejected: 'bad', submitted: 'warn' }[a.state] || '') }, stateText(a)), ...flags),
      el('td', {}, actions));
    tr.addEventListener('keydown', (ev) => {
      if (!pending || ev.target.tagName === 'TEXTAREA' || ev.ctrlKey || ev.metaKey || ev.altKey) return;
      if (ev.key === 'a' || ev.key === 'A') { ev.preventDefault(); approveOne(a.id); }
      if (ev.key === 'r' || ev.key === 'R') { ev.preventDefault(); openReject(a.id); }
    });
    body.append(tr);
    if (pending && B.rejecting === a.id) {
      const id = 'reject-reason-' + a.id;
      const ta = el('textarea', { id, name: id, rows: '2', maxlength: '2000', required: true });
      ta.value = B.drafts['reject-' + a.id] || '';
      ta.addEventListener('input', () => { B.drafts['reject-' + a.id] = ta.value; });
      ta.addEventListener('keydown', (ev) => {
        if (ev.key === 'Escape') { B.rejecting = null; drawAnswers(); const b = $('reject-' + a.id); if (b) b.focus(); }
        if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) { ev.preventDefault(); rejectOne(a.id); }
      });
      body.append(el('tr', { class: 'reject-row' }, el('td', { colspan: '7' },
        el('div', { class: 'row' }, el('label', { for: id }, t('client.reject_reason', { n: a.id })), ta),
        el('div', { class: 'actions' },
          el('button', { type: 'button', class: 'danger', id: 'reject-confirm-' + a.id, onclick: () => rejectOne(a.id) }, t('client.reject_send')),
          el('button', { type: 'button', class: 'secondary', onclick: () => { B.rejecting = null; drawAnswers(); } }, t('client.keep'))))));
    }
  }
  drawSelected();
  if (focusId && $(focusId) && document.activeElement === document.body) $(focusId).focus();
}

function drawSelected() {
  const n = B.selected.size;
  $('selected-count').textContent = t('client.selected', { n: fmt.number(n) });
  $('bulk-approve').disabled = n === 0;
  $('bulk-reject').disabled = n === 0;
  const all = $('select-all');
  const pend = shownAnswers().filter((a) => a.state === 'submitted');
  all.checked = pend.length > 0 && pend.every((a) => B.selected.has(a.id));
  all.indeterminate = n > 0 && !all.checked;
}

async function bulk(approve) {
  const form = $('bulk-form');
  clearErrors(form);
  const ids = [...B.selected].sort((a, b) => a - b);
  if (!ids.length) return;
  const reason = $('bulk-reason').value.trim();
  if (!approve && !reason) { showError(form, new ApiError(400, 'client', t('client.reason_required'), 'reason')); return; }
  $('bulk-approve').disabled = $('bulk-reject').disabled = true;
  const res = await review(ids, approve, reason);
  if (!approve && !res.failed.length) $('bulk-reason').value = '';
  await loadBatch(B.id);
  reportReview(res, approve);
}

// ---------------------------------------------------------------- appeals

function drawAppeals() {
  const ul = $('appeals');
  ul.textContent = '';
  $('appeals-empty').hidden = B.appeals.length > 0;
  const sorted = [...B.appeals].sort((a, b) => (a.state === 'open' ? 0 : 1) - (b.state === 'open' ? 0 : 1) || a.id - b.id);
  for (const ap of sorted) {
    const ans = B.answers.find((x) => x.id === ap.assignment_id);
    const li = el('li', { class: 'card appeal', id: 'appeal-' + ap.id },
      el('h3', {}, t('client.appeal_h', { worker: t('client.worker_n', { n: ap.worker_id }), n: ap.assignment_id }), ' ',
        el('span', { class: 'badge ' + (ap.state === 'open' ? 'warn' : ap.state === 'overturned' ? 'ok' : '') },
          has('client.appeal_state.' + ap.state) ? t('client.appeal_state.' + ap.state) : ap.state)),
      el('dl', { class: 'figures' },
        ans ? el('div', {}, el('dt', {}, t('client.col_item')), el('dd', { 'data-raw': '' }, itemText(ans.task_id))) : null,
        ans ? el('div', {}, el('dt', {}, t('client.col_answer')), el('dd', { 'data-raw': '' }, answerText(ans))) : null,
        ap.state === 'open' && ans && ans.review_reason ? el('div', {}, el('dt', {}, t('client.your_reason')), el('dd', { 'data-raw': '' }, ans.review_reason)) : null),
      el('p', {}, el('strong', {}, t('client.worker_says')) ),
      el('blockquote', { class: 'worker-text', 'data-raw': '' }, ap.message));
    if (ap.state === 'open') {
      const id = 'appeal-response-' + ap.id;
      const ta = el('textarea', { id, name: 'response', rows: '3', maxlength: '5000', required: true });
      ta.value = B.drafts[id] || '';
      ta.addEventListener('input', () => { B.drafts[id] = ta.value; });
      const form = el('form', { class: 'appeal-form', novalidate: true },
        el('p', { class: 'form-error' }),
        el('div', { class: 'row' }, el('label', { for: id }, t('client.appeal_response')), ta),
        el('div', { class: 'actions' },
          el('button', { type: 'button', class: 'overturn', id: 'overturn-' + ap.id, onclick: () => decide(ap.id, 'overturned', form) }, t('client.overturn')),
          el('button', { type: 'button', class: 'secondary uphold', id: 'uphold-' + ap.id, onclick: () => decide(ap.id, 'upheld', form) }, t('client.uphold'))));
      form.addEventListener('submit', (ev) => ev.preventDefault());
      li.append(form);
    } else if (ap.response) {
      li.append(el('p', {}, el('strong', {}, t('client.your_answer')), ' ', el('span', { 'data-raw': '' }, ap.response)));
    }
    ul.append(li);
  }
}

async function decide(id, outcome, form) {
  clearErrors(form);
  const key = 'appeal-response-' + id;
  const response = (B.drafts[key] || '').trim();
  if (!response) { showError(form, new ApiError(400, 'client', t('client.reason_required'), 'response')); return; }
  try {
    await post('/v1/appeals/' + id + '/decide', { outcome, response });
  } catch (e) { showError(form, e); return; }
  delete B.drafts[key];
  flash(t(outcome === 'overturned' ? 'client.appeal_overturned' : 'client.appeal_upheld'), 'ok');
  await loadBatch(B.id);
  const h = document.querySelector('#appeal-' + id + ' h3');
  if (h) { h.setAttribute('tabindex', '-1'); h.focus(); }
}

// ---------------------------------------------------------------- pay per hour

function drawPay() {
  const box = $('pay');
  box.textContent = '';
  const p = B.pay;
  if (!p || !p.workers_paid) { box.append(el('p', { class: 'muted' }, t('client.pay_none'))); return; }
  const min = BigInt(p.minimum_hourly_micros);
  const ok = p.median_hourly_micros !== null && BigInt(p.median_hourly_micros) >= min;
  box.append(el('div', { class: 'grid three' },
    stat('pay-median', t('client.pay_median'), rate(p.median_hourly_micros), t('client.minimum_short', { min: rate(p.minimum_hourly_micros) })),
    stat('pay-workers', t('client.pay_workers'), fmt.number(p.workers_paid)),
    stat('pay-below', t('client.pay_below'), fmt.number(p.below_minimum), p.below_minimum ? t('client.pay_below_note') : null)));
  box.querySelector('#pay-median .value').append(' ', el('span', { class: 'badge ' + (ok ? 'ok' : 'bad') }, t(ok ? 'client.at_minimum' : 'client.under_minimum')));
  if (p.quantiles) {
    box.append(el('p', { id: 'pay-spread' }, t('client.pay_spread'), ' ',
      el('span', { 'data-raw': '' }, [rate(p.quantiles.min), rate(p.quantiles.p25), rate(p.quantiles.median), rate(p.quantiles.p75), rate(p.quantiles.max)].join(' · ')),
      ' ', el('span', { class: 'muted' }, t('client.pay_spread_note'))));
  }
  const max = p.workers.reduce((m, w) => (BigInt(w.hourly_micros) > m ? BigInt(w.hourly_micros) : m), min);
  const rows = [...p.workers].sort((a, b) => a.hourly_micros - b.hourly_micros).map((w) => {
    const bar = el('span', { class: 'hbar' + (w.below_minimum ? ' below' : ''), 'aria-hidden': 'true' });
    bar.style.width = (Number((BigInt(w.hourly_micros) * 1000n) / (max || 1n)) / 10).toFixed(1) + '%';
    const mark = el('span', { class: 'hmin', 'aria-hidden': 'true' });
    mark.style.left = (Number((min * 1000n) / (max || 1n)) / 10).toFixed(1) + '%';
    return el('tr', {},
      el('th', { scope: 'row', 'data-raw': '' }, t('client.worker_n', { n: w.worker_id })),
      el('td', { class: 'num', 'data-raw': '' }, fmt.number(w.approved_answers)),
      el('td', { class: 'num', 'data-raw': '' }, fmt.duration(w.active_ms, { seconds: true })),
      el('td', { class: 'num', 'data-raw': '' }, money(w.paid_micros)),
      el('td', { class: 'num', 'data-raw': '' }, rate(w.hourly_micros)),
      el('td', { class: 'bar-cell' }, el('span', { class: 'htrack' }, bar, mark),
        el('span', { class: 'badge ' + (w.below_minimum ? 'bad' : 'ok') }, t(w.below_minimum ? 'client.under_minimum' : 'client.at_minimum'))));
  });
  box.append(el('div', { class: 'table-wrap' }, el('table', { id: 'pay-table' },
    el('caption', {}, t('client.pay_caption')),
    el('thead', {}, el('tr', {},
      el('th', { scope: 'col' }, t('client.col_worker')),
      el('th', { scope: 'col', class: 'num' }, t('client.col_approved')),
      el('th', { scope: 'col', class: 'num' }, t('client.col_active')),
      el('th', { scope: 'col', class: 'num' }, t('client.col_paid')),
      el('th', { scope: 'col', class: 'num' }, t('client.col_hourly')),
      el('th', { scope: 'col' }, t('client.col_vs_minimum')))),
    el('tbody', {}, rows))));
}

// ---------------------------------------------------------------- results

const SHOW_RESULTS = 200;

function drawResults() {
  $('download-csv').href = '/v1/batches/' + B.id + '/results?format=csv&download=1';
  $('download-json').href = '/v1/batches/' + B.id + '/results?format=json&download=1';
  const box = $('results');
  box.textContent = '';
  const r = B.results;
  if (!r) return;
  const tasks = r.tasks.filter((x) => !x.control);
  if (r.totals) {
    box.append(el('p', { id: 'results-totals' }, t('client.results_totals', {
      answers: fmt.number(r.totals.answers), time: fmt.duration((r.totals.human_seconds || 0) * 1000, { seconds: true }), paid: money(r.totals.paid_micros) })));
  }
  const rows = tasks.slice(0, SHOW_RESULTS).map((x) => el('tr', { id: 'result-' + x.task_id },
    el('th', { scope: 'row', class: 'item', 'data-raw': '' }, Object.entries(x.data || {}).map(([k, v]) => k + ': ' + v).join(' · ')),
    el('td', { 'data-raw': '' }, x.answers ? (Array.isArray(x.label) ? x.label.join(', ') : String(x.label ?? '—')) : '—'),
    el('td', { class: 'num', 'data-raw': '' }, x.answers ? fmt.percent(x.confidence, 0) : '—'),
    el('td', { class: 'num', 'data-raw': '' }, fmt.number(x.provenance.workers)),
    el('td', { class: 'num', 'data-raw': '' }, fmt.duration(x.provenance.human_seconds * 1000, { seconds: true })),
    el('td', { class: 'num', 'data-raw': '' }, money(x.provenance.paid_micros))));
  box.append(el('div', { class: 'table-wrap' }, el('table', { id: 'results-table' },
    el('caption', {}, t('client.results_caption', { method: r.method })),
    el('thead', {}, el('tr', {},
      el('th', { scope: 'col' }, t('client.col_item')),
      el('th', { scope: 'col' }, t('client.col_label')),
      el('th', { scope: 'col', class: 'num' }, t('client.col_confidence')),
      el('th', { scope: 'col', class: 'num' }, t('client.col_people')),
      el('th', { scope: 'col', class: 'num' }, t('client.col_human_time')),
      el('th', { scope: 'col', class: 'num' }, t('client.col_money')))),
    el('tbody', {}, rows))));
  if (tasks.length > SHOW_RESULTS) box.append(el('p', { class: 'muted' }, t('client.results_more', { n: fmt.number(SHOW_RESULTS), total: fmt.number(tasks.length) })));
}

// ---------------------------------------------------------------- wiring

$('upload-form').addEventListener('submit', upload);
$('publish-form').addEventListener('submit', publish);
$('only-pending').addEventListener('change', drawAnswers);
$('select-all').addEventListener('change', () => {
  const pend = shownAnswers().filter((a) => a.state === 'submitted');
  if ($('select-all').checked) for (const a of pend) B.selected.add(a.id);
  else for (const a of pend) B.selected.delete(a.id);
  drawAnswers();
});
$('bulk-approve').addEventListener('click', () => bulk(true));
$('bulk-reject').addEventListener('click', () => bulk(false));
