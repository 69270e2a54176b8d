// work — the micro-worker's page. The list shows each open batch with what
// an answer pays, how long answers take (measured, or the client's estimate:
// the page says which), the hourly pay that makes against the platform's
// minimum, and the batches the worker is blocked from with a way to ask a
// person to review the automated decision. Working: claim → the task in a
// sandboxed frame (the client's HTML never enters this page's DOM) → answer
// with Visible's own controls or the keyboard → submit → the next task at once.
import { api, get, post, ApiError } from '../api.js';
import { has } from '../i18n.js';
import { startPage, el, t, onLangChange, showError, clearErrors, errorText, flash, ready } from '../shell.js';
import * as fmt from '../fmt.js';

const $ = (id) => document.getElementById(id);

const state = {
  currency: 'EUR',
  list: null,            // GET /v1/work/batches
  decisions: [],         // GET /v1/me/decisions
  reviews: [],           // GET /v1/me/reviews
  view: 'list',
  batch: null,           // the batch being worked on (from the list)
  asg: null,             // the assignment shown
  leaseBase: 0,          // ms left on the lease when the assignment arrived
  leaseAt: 0,            // performance.now() when it arrived
  submitKey: null,       // Idempotency-Key of the current submission attempt
  claimKey: null,        // Idempotency-Key of the claim in flight (kept for a retry after a network failure)
  busy: false,
  sent: 0,
  expired: false,
  warned: false,
};

// An Idempotency-Key: 128 random bits (getRandomValues works on plain http too).
function newKey(prefix) {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return prefix + '-' + Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

const money = (m) => fmt.money(m, state.currency);
const rate = (m) => t('work.per_hour', { amount: fmt.moneyRounded(m, state.currency) });
const atLeast = (a, b) => BigInt(a) >= BigInt(b);

// ---------------------------------------------------------------- the list

async function loadList() {
  const err = $('list-error');
  clearErrors(err);
  try {
    state.list = await get('/v1/work/batches');
  } catch (e) {
    $('batches-loading').hidden = true;
    showError(err, e);
    return;
  }
  if (state.list.blocked.length) {
    const [d, r] = await Promise.all([
      get('/v1/me/decisions').catch(() => ({ decisions: [] })),
      get('/v1/me/reviews').catch(() => ({ reviews: [] })),
    ]);
    state.decisions = d.decisions || [];
    state.reviews = r.reviews || [];
  }
  drawList();
}

function drawMinimum() {
  const line = $('minimum-line');
  line.textContent = '';
  if (!state.list) return;
  line.append(t('work.minimum_is') + ' ',
    el('strong', { 'data-raw': '' }, rate(state.list.minimum_hourly_micros)), ' ',
    t('work.minimum_note'));
}

function figure(label, ...value) {
  return el('div', {}, el('dt', {}, label), el('dd', {}, ...value));
}

function batchCard(b) {
  const min = state.list.minimum_hourly_micros;
  const ok = atLeast(b.hourly_micros, min);
  const measured = b.hourly_basis === 'measured median' && b.median_answer_seconds !== null;
  const secs = measured ? b.median_answer_seconds : b.expected_seconds;
  const hid = 'batch-h-' + b.id;
  return el('li', { class: 'card batch', id: 'batch-' + b.id, dataset: { batch: String(b.id) } },
    el('h3', { id: hid, 'data-raw': '' }, b.title),
    el('p', { class: 'client' }, t('work.by') + ' ', el('span', { class: 'client-name', 'data-raw': '' }, b.client_name || '—')),
    el('dl', { class: 'figures' },
      figure(t('work.reward'), el('span', { class: 'reward', 'data-raw': '' }, money(b.reward_micros))),
      figure(t('work.time_per_answer'),
        el('span', { class: 'secs', 'data-raw': '' }, fmt.duration(Math.round(secs * 1000), { seconds: true })), ' ',
        el('span', { class: 'basis muted' }, measured ? t('work.basis_measured') : t('work.basis_estimate'))),
      figure(t('work.hourly'),
        el('strong', { class: 'hourly', 'data-raw': '' }, rate(b.hourly_micros)), ' ',
        el('span', { class: 'badge ' + (ok ? 'ok' : 'bad') + ' vs-minimum' },
          ok ? t('work.above_minimum') : t('work.below_minimum'))),
      figure(t('work.answers_left'), el('span', { class: 'left', 'data-raw': '' }, fmt.number(b.answers_left)))),
    el('div', { class: 'actions' },
      el('button', {
        type: 'button', class: 'start', 'aria-describedby': hid,
        onclick: () => startBatch(b),
      }, t('work.start'))));
}

// The automated decision behind a block: the latest 'blocked' event about this batch.
function decisionFor(batchId) {
  let best = null;
  for (const d of state.decisions) {
    if (d.event === 'blocked' && d.subject === 'batch:' + batchId && (!best || d.id > best.id)) best = d;
  }
  return best;
}

function reviewFor(d) {
  if (!d) return null;
  return state.reviews.find((r) => r.decision_id === d.id) || d.review || null;
}

// The reason in the page's language when the decision's figures allow it,
// else as the platform recorded it.
function reasonText(d) {
  const f = d && d.figures;
  if (f && d.system === 'quality_control' && f.skill !== undefined && f.min_skill !== undefined) {
    return t('work.reason_qc', {
      skill: fmt.percent(f.skill, 0), correct: fmt.number(f.control_correct), n: fmt.number(f.control_answers),
      min: fmt.percent(f.min_skill, 0),
    });
  }
  return null;
}

function reviewBlock(d, rv, keep) {
  if (rv) {
    const status = rv.status || rv.state;
    const kind = status === 'overturned' ? 'ok' : (status === 'overdue' || status === 'upheld') ? 'bad' : 'warn';
    const out = el('div', { class: 'review-state' },
      el('p', {}, t('work.review_sent', { date: fmt.date(rv.created_ms) }), ' ',
        el('span', { class: 'badge ' + kind + ' review-status', dataset: { status } }, t('work.review_status.' + status))));
    if (rv.state === 'open') {
      out.append(el('p', {}, status === 'overdue'
        ? t('work.review_overdue', { date: fmt.date(rv.due_ms) })
        : t('work.review_due', { date: fmt.date(rv.due_ms), left: fmt.duration(rv.ms_left) })));
    } else {
      out.append(el('p', {}, t('work.review_answer') + ' ', el('span', { 'data-raw': '' }, rv.reasons || '')));
    }
    return out;
  }
  if (!d) return el('p', { class: 'muted' }, t('work.no_decision'));
  if (d.can_request_review === false) return el('p', { class: 'muted' }, t('work.review_unavailable'));
  const fid = 'review-msg-' + d.id;
  const form = el('form', { class: 'review-form', novalidate: true, dataset: { decision: String(d.id) } },
    el('p', { class: 'form-error' }),
    el('div', { class: 'row' },
      el('label', { for: fid }, t('work.review_label')),
      el('textarea', { id: fid, name: 'message', required: true, maxlength: '5000', rows: '3' })),
    el('button', { type: 'submit' }, t('work.review_submit')));
  if (keep) form.elements.message.value = keep;
  form.addEventListener('submit', (ev) => { ev.preventDefault(); requestReview(form, d); });
  return form;
}

function blockedCard(blk) {
  const d = decisionFor(blk.id);
  const rv = reviewFor(d);
  const keep = d ? (document.getElementById('review-msg-' + d.id) || {}).value : '';
  const translated = reasonText(d);
  return el('li', { class: 'card blocked', id: 'blocked-' + blk.id, dataset: { batch: String(blk.id) } },
    el('h3', { 'data-raw': '' }, blk.title),
    el('p', { class: 'reason' }, el('strong', {}, t('work.reason') + ' '),
      translated ? el('span', {}, translated) : el('span', { 'data-raw': '' }, blk.reason)),
    d ? el('p', { class: 'muted' }, t('work.decided_by', { date: fmt.date(d.at_ms) }), ' ',
      has('work.system.' + d.system) ? t('work.system.' + d.system) : el('span', { 'data-raw': '' }, d.system)) : null,
    reviewBlock(d, rv, keep));
}

function drawList() {
  $('batches-loading').hidden = true;
  drawMinimum();
  const ul = $('batches');
  ul.textContent = '';
  if (!state.list) return;
  for (const b of state.list.batches) ul.append(batchCard(b));
  $('batches-empty').hidden = state.list.batches.length > 0;
  const bl = $('blocked');
  // keep what was typed in review requests across a redraw
  const kept = [...bl.querySelectorAll('li')];
  const fresh = state.list.blocked.map(blockedCard);
  for (const k of kept) k.remove();
  bl.append(...fresh);
  $('blocked-section').hidden = state.list.blocked.length === 0;
}

async function requestReview(form, d) {
  clearErrors(form);
  const msg = form.elements.message.value.trim();
  if (!msg) {
    showError(form, new ApiError(400, 'work_local', t('work.review_empty'), 'message'));
    return;
  }
  const btn = form.querySelector('button');
  btn.disabled = true;
  if (!form.dataset.key) form.dataset.key = newKey('review');
  try {
    const rv = await api('POST', `/v1/me/decisions/${d.id}/review`, { message: msg },
      { headers: { 'Idempotency-Key': form.dataset.key } });
    state.reviews = state.reviews.filter((r) => r.decision_id !== d.id).concat([rv]);
    d.can_request_review = false;
    d.review = rv;
    form.replaceWith(reviewBlock(d, rv));
    flash(t('work.review_done', { date: fmt.date(rv.due_ms) }), 'ok');
  } catch (e) {
    if (e instanceof ApiError && e.status) delete form.dataset.key;
    btn.disabled = false;
    showError(form, e);
  }
}

// ---------------------------------------------------------------- working

function showView(v) {
  state.view = v;
  $('list-view').hidden = v !== 'list';
  $('task-view').hidden = v !== 'task';
  window.scrollTo(0, 0);
}

async function backToList(message, kind = 'info') {
  stopTimer();
  state.asg = null;
  state.batch = null;
  $('frame-slot').textContent = '';
  showView('list');
  if (message) flash(message, kind);
  await loadList();
  $('main').focus({ preventScroll: true });
}

function startBatch(b) {
  state.batch = b;
  state.sent = 0;
  claim(true);
}

// Claim the next task of the batch; a worker's live lease comes back as is.
async function claim(first) {
  if (state.busy) return;
  state.busy = true;
  setBusy(true);
  const b = state.batch;
  if (!state.claimKey) state.claimKey = newKey('claim');
  try {
    const a = await api('POST', `/v1/work/batches/${b.id}/claim`, {}, { headers: { 'Idempotency-Key': state.claimKey } });
    state.claimKey = null;
    state.busy = false;
    showTask(a, first);
  } catch (e) {
    state.busy = false;
    setBusy(false);
    if (!(e instanceof ApiError) || e.status === 0) {   // network: the same key retries the same claim
      flash(errorText(e), 'error');
      if (first) showView('list');
      return;
    }
    state.claimKey = null;
    const done = ['no_task', 'batch_exhausted', 'batch_not_open', 'batch_expired'].includes(e.code);
    if (done) await backToList(t('work.batch_done', { title: b.title }), state.sent ? 'ok' : 'info');
    else await backToList(errorText(e), 'error');
  }
}

function setBusy(on) {
  for (const id of ['submit-answer', 'skip-task', 'stop-work']) $(id).disabled = on;
  $('answer-form').setAttribute('aria-busy', on ? 'true' : 'false');
}

function answerControls(a) {
  const slot = $('answer-slot');
  slot.textContent = '';
  const type = a.answer_type;
  if (type === 'single' || type === 'multiple') {
    const fs = el('fieldset', { class: 'choices', id: 'choices' },
      el('legend', {}, type === 'single' ? t('work.choose_one') : t('work.choose_many')));
    a.labels.forEach((label, i) => {
      const id = 'choice-' + i;
      fs.append(el('div', { class: 'choice' },
        el('input', {
          type: type === 'single' ? 'radio' : 'checkbox', name: 'answer', id, value: label,
          'aria-keyshortcuts': i < 9 ? String(i + 1) : null,
        }),
        el('label', { for: id },
          i < 9 ? el('kbd', { 'aria-hidden': 'true' }, String(i + 1)) : null,
          el('span', { 'data-raw': '' }, label))));
    });
    slot.append(fs);
  } else {
    const id = 'answer-input';
    slot.append(el('div', { class: 'row' },
      el('label', { for: id }, type === 'number' ? t('work.answer_number') : t('work.answer_text')),
      type === 'number'
        ? el('input', { id, name: 'answer', type: 'number', step: 'any', inputmode: 'decimal', autocomplete: 'off' })
        : el('input', { id, name: 'answer', type: 'text', autocomplete: 'off', maxlength: '10000' })));
  }
}

function showTask(a, first) {
  state.asg = a;
  state.expired = false;
  state.warned = false;
  state.submitKey = null;
  const serverNow = a.now_ms !== undefined ? a.now_ms : a.claimed_ms;
  state.leaseBase = a.deadline_ms - serverNow;
  state.leaseAt = performance.now();
  clearErrors($('answer-form'));
  $('task-title').textContent = a.batch_title;
  drawTaskMeta();
  // a fresh frame per task: no history entries, nothing kept from the last task
  const slot = $('frame-slot');
  slot.textContent = '';
  const frame = el('iframe', {
    sandbox: '', id: 'task-frame', class: 'task-frame', title: t('work.frame_title'),
    'data-i18n-attr': 'title:work.frame_title', referrerpolicy: 'no-referrer', loading: 'eager',
    src: `/v1/work/assignments/${a.id}/frame`,
  });
  slot.append(frame);
  answerControls(a);
  $('expired-box').hidden = true;
  $('answer-form').hidden = false;
  setBusy(false);
  if (state.view !== 'task') showView('task');
  startTimer();
  const firstControl = $('answer-slot').querySelector('input');
  if (firstControl) firstControl.focus({ preventScroll: !first });
  document.body.dataset.assignment = String(a.id);
}

function drawTaskMeta() {
  const a = state.asg;
  if (!a) return;
  $('task-reward').textContent = money(a.reward_micros);
  $('task-count').textContent = fmt.number(state.sent);
  tick();
}

// ---- the lease countdown (from the platform's clock, not the browser's)
let timer = null;
function leaseLeft() { return state.leaseBase - (performance.now() - state.leaseAt); }
function startTimer() { stopTimer(); tick(); timer = setInterval(tick, 250); }
function stopTimer() { if (timer) clearInterval(timer); timer = null; }
function tick() {
  if (!state.asg) return;
  const left = leaseLeft();
  const out = $('lease-left');
  const text = fmt.clock(left);
  if (out.textContent !== text) out.textContent = text;
  $('lease-box').classList.toggle('low', left < 60000);
  if (left < 60000 && !state.warned && state.leaseBase > 60000) {
    state.warned = true;
    flash(t('work.one_minute'), 'info');
  }
  if (left <= 0 && !state.expired) leaseExpired();
}

function leaseExpired() {
  state.expired = true;
  stopTimer();
  $('lease-left').textContent = fmt.clock(0);
  $('answer-form').hidden = true;
  $('expired-box').hidden = false;
  $('expired-next').focus();
  flash(t('work.expired'), 'error');
}

function currentAnswer() {
  const a = state.asg;
  const form = $('answer-form');
  if (a.answer_type === 'single') {
    const c = form.querySelector('input[name=answer]:checked');
    return c ? { ok: true, value: c.value } : { ok: false, msg: t('work.choose_first') };
  }
  if (a.answer_type === 'multiple') {
    const v = [...form.querySelectorAll('input[name=answer]:checked')].map((x) => x.value);
    return v.length ? { ok: true, value: v } : { ok: false, msg: t('work.choose_first') };
  }
  const raw = form.elements.answer.value.trim();
  if (!raw) return { ok: false, msg: t('work.type_first') };
  if (a.answer_type === 'number') {
    const n = Number(raw);
    if (!Number.isFinite(n)) return { ok: false, msg: t('work.number_first') };
    return { ok: true, value: n };
  }
  return { ok: true, value: form.elements.answer.value };
}

// Errors about a choice go above the choices (not between a radio and its label).
function answerError(e) {
  const type = state.asg && state.asg.answer_type;
  if (e instanceof ApiError && e.field === 'answer' && (type === 'single' || type === 'multiple'))
    return new ApiError(e.status, e.code, e.message, null);
  return e;
}

async function submitAnswer() {
  const a = state.asg;
  if (!a || state.busy || state.expired) return;
  const form = $('answer-form');
  clearErrors(form);
  const ans = currentAnswer();
  if (!ans.ok) {
    showError(form, answerError(new ApiError(400, 'work_local', ans.msg, 'answer')));
    const first = form.querySelector('input[name=answer]');
    if (first) first.focus();
    return;
  }
  // one key per answer: a retry after a lost response cannot answer twice
  const body = JSON.stringify({ answer: ans.value });
  if (!state.submitKey || state.submitKey.body !== body) state.submitKey = { key: newKey('submit-' + a.id), body };
  state.busy = true;
  setBusy(true);
  try {
    await api('POST', `/v1/assignments/${a.id}/submit`, { answer: ans.value },
      { headers: { 'Idempotency-Key': state.submitKey.key } });
  } catch (e) {
    state.busy = false;
    setBusy(false);
    if (e instanceof ApiError && e.code === 'lease_expired') { leaseExpired(); return; }
    if (e instanceof ApiError && e.code === 'not_leased') {
      flash(errorText(e), 'error');
      state.asg = null;
      claim(false);
      return;
    }
    if (e instanceof ApiError && e.code === 'blocked') { await backToList(errorText(e), 'error'); return; }
    showError(form, answerError(e));
    return;
  }
  state.sent += 1;
  state.busy = false;
  stopTimer();
  flash(t('work.sent_next', { n: fmt.number(state.sent) }), 'ok');
  claim(false);
}

// Give the task back (unpaid time, the task returns to the pool).
async function giveBack(then) {
  const a = state.asg;
  if (!a || state.busy) return;
  state.busy = true;
  setBusy(true);
  stopTimer();
  try {
    if (!state.expired) await post(`/v1/assignments/${a.id}/return`);
  } catch (e) {
    if (!(e instanceof ApiError) || e.status === 0) {
      state.busy = false;
      setBusy(false);
      startTimer();
      flash(errorText(e), 'error');
      return;
    }
    // already expired or gone: nothing to give back
  }
  state.busy = false;
  state.asg = null;
  if (then === 'next') {
    flash(t('work.returned_next'), 'info');
    claim(false);
  } else {
    await backToList(t('work.returned'), 'info');
  }
}

// ---- keyboard: 1–9 choose, Enter sends, R gives back and goes on, Esc stops
function typing(target) {
  if (!target || !target.closest) return false;
  if (target.isContentEditable) return true;
  if (target.tagName === 'TEXTAREA' || target.tagName === 'SELECT') return true;
  if (target.tagName === 'INPUT') return !['radio', 'checkbox', 'button', 'submit', 'reset'].includes(target.type);
  return false;
}

function onKey(ev) {
  if (state.view !== 'task' || !state.asg) return;
  if (ev.ctrlKey || ev.metaKey || ev.altKey || ev.isComposing) return;
  if (ev.repeat && (ev.key === 'Enter' || ev.key === 'Escape' || ev.key === 'r' || ev.key === 'R')) {
    ev.preventDefault();   // a held key acts once
    return;
  }
  const tgt = ev.target;
  const inForm = tgt && tgt.closest && tgt.closest('#answer-form');
  if (ev.key === 'Enter') {
    if (state.expired) return;
    // a focused button or link outside the answer does what it says
    if (tgt && tgt.closest && tgt.closest('button, a, summary, [role=button]') && !(tgt.id === 'submit-answer')) return;
    if (typing(tgt) && !inForm) return;
    ev.preventDefault();
    submitAnswer();
    return;
  }
  if (typing(tgt)) return;
  if (/^[1-9]$/.test(ev.key) && !state.expired) {
    const inputs = [...document.querySelectorAll('#answer-slot input[name=answer]')];
    const i = Number(ev.key) - 1;
    if (inputs[i] && (inputs[i].type === 'radio' || inputs[i].type === 'checkbox')) {
      ev.preventDefault();
      if (inputs[i].type === 'radio') inputs[i].checked = true;
      else inputs[i].checked = !inputs[i].checked;
      inputs[i].focus();
      clearErrors($('answer-form'));
    }
    return;
  }
  if (ev.key === 'r' || ev.key === 'R') {
    ev.preventDefault();
    if (state.expired) claim(false);
    else giveBack('next');
    return;
  }
  if (ev.key === 'Escape') {
    ev.preventDefault();
    if (state.expired) backToList();
    else giveBack('list');
  }
}

// ---------------------------------------------------------------- start

const { me } = await startPage({ catalogues: ['work'], auth: 'required' });
try {
  const cfg = await get('/v1/web/config');
  if (cfg && cfg.currency) state.currency = cfg.currency;
} catch { /* older servers: the default currency */ }

$('answer-form').addEventListener('submit', (ev) => { ev.preventDefault(); submitAnswer(); });
$('skip-task').addEventListener('click', () => giveBack('next'));
$('stop-work').addEventListener('click', () => giveBack('list'));
$('expired-next').addEventListener('click', () => { state.asg = null; claim(false); });
$('expired-back').addEventListener('click', () => backToList());
document.addEventListener('keydown', onKey);
onLangChange(() => {
  if (state.list) drawList();
  if (state.asg) {
    drawTaskMeta();
    const legend = document.querySelector('#choices legend');
    if (legend) legend.textContent = state.asg.answer_type === 'single' ? t('work.choose_one') : t('work.choose_many');
    const lab = document.querySelector('#answer-slot .row label');
    if (lab) lab.textContent = state.asg.answer_type === 'number' ? t('work.answer_number') : t('work.answer_text');
  }
});

if (me.role !== 'worker') {
  $('not-worker').hidden = false;
  $('batches-loading').hidden = true;
  $('batches-h').hidden = true;
} else {
  await loadList();
}
ready();
