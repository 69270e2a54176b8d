// client — the micro-work requester's console. Three views on one page:
//   /client            the batches with their progress and spend
//   /client?new        a new batch: template editor with the live preview as
//                      the worker will see it (the server renders it in the
//                      same sandboxed document as a worker's task: the
//                      template never runs in this page's origin), the
//                      implied hourly pay as the reward is typed
//   /client?batch=N    a draft: upload items (every bad row listed), the
//                      server's cost, publish; a published batch: progress,
//                      review (bulk too), appeals, per-hour pay, results with
//                      their provenance and downloads
import { get, post, ApiError } from '../api.js';
import { startPage, el, t, onLangChange, showError, clearErrors, errorText, flash, ready } from '../shell.js';
import * as fmt from '../fmt.js';
import { state, money, rate, parseMoney, templateVars, stateBadge } from './client-common.js';
import { drawBatch, loadBatch } from './client-batch.js';

const $ = (id) => document.getElementById(id);

// ---------------------------------------------------------------- the list

async function loadList() {
  const err = $('list-error');
  clearErrors(err);
  try {
    const [b, bal] = await Promise.all([get('/v1/batches'), get('/v1/me/balance')]);
    state.batches = b.batches;
    state.balance = bal;
  } catch (e) {
    showError(err, e);
    return;
  }
  drawList();
}

function drawList() {
  if (state.balance) {
    $('funds-available').textContent = money(state.balance.available_micros);
    $('funds-escrow').textContent = money(state.balance.escrow_micros);
  }
  $('funds-minimum').textContent = rate(state.config.minimum_hourly_micros);
  if (!state.batches) return;
  const body = $('batches').tBodies[0];
  body.textContent = '';
  $('batches-empty').hidden = state.batches.length > 0;
  $('batches-wrap').hidden = state.batches.length === 0;
  const list = [...state.batches].sort((a, b) => b.id - a.id);
  for (const b of list) {
    const p = b.progress;
    body.append(el('tr', { id: 'batch-row-' + b.id },
      el('th', { scope: 'row' }, el('a', { href: '/client?batch=' + b.id, 'data-raw': '' }, b.title)),
      el('td', {}, stateBadge(b.state)),
      el('td', { class: 'num', 'data-raw': '' }, fmt.number(p.answers) + ' / ' + fmt.number(p.answer_budget || (p.tasks * b.overlap))),
      el('td', { class: 'num', 'data-raw': '' }, fmt.number(p.answers_approved)),
      el('td', { class: 'num', 'data-raw': '' }, fmt.number(p.answers_pending_review)),
      el('td', { class: 'num', 'data-raw': '' }, money(p.spent_micros)),
      el('td', { class: 'num', 'data-raw': '' }, money(p.escrow_micros))));
  }
}

// ---------------------------------------------------------------- new batch

function hourlyFigures() {
  const reward = parseMoney($('f-reward').value);
  const secs = Number($('f-seconds').value);
  const min = state.config.minimum_hourly_micros;
  const okSecs = Number.isInteger(secs) && secs >= 1 && secs <= 86400;
  const minReward = okSecs && min !== null ? (BigInt(min) * BigInt(secs) + 3599n) / 3600n : null;
  const hourly = reward !== null && okSecs ? (reward * 3600n) / BigInt(secs) : null;
  return { reward, secs, okSecs, min, minReward, hourly };
}

function drawHourly() {
  const f = hourlyFigures();
  $('hourly').textContent = f.hourly === null ? '—' : rate(f.hourly);
  $('hourly-minimum').textContent = rate(f.min);
  $('min-reward').textContent = f.minReward === null ? '—' : money(f.minReward);
  const warn = $('hourly-warning');
  const box = $('hourly-box');
  let msg = '';
  if ($('f-reward').value.trim() && f.reward === null) msg = t('client.reward_unreadable');
  else if (f.hourly !== null && f.min !== null && f.hourly < BigInt(f.min)) {
    msg = t('client.below_minimum', { minimum: rate(f.min), reward: money(f.minReward), secs: fmt.number(f.secs) });
  }
  warn.textContent = msg;
  warn.hidden = !msg;
  box.classList.toggle('below', !!msg);
  box.classList.toggle('ok', !msg && f.hourly !== null);
}

function drawSamples() {
  const vars = templateVars($('f-template').value);
  const slot = $('samples');
  const have = [...slot.querySelectorAll('input')].map((i) => i.dataset.var);
  if (have.length === vars.length && have.every((v, i) => v === vars[i])) {
    for (const lab of slot.querySelectorAll('.sample-label')) lab.textContent = t('client.sample_for', { name: lab.dataset.var });
    return;
  }
  slot.textContent = '';
  if (!vars.length) return;
  const fs = el('fieldset', { class: 'samples' }, el('legend', {}, t('client.samples')));
  vars.forEach((v, i) => {
    if (state.samples[v] === undefined) state.samples[v] = t('client.sample_value', { name: v });
    const id = 'sample-' + i;
    const input = el('input', { id, 'data-var': v, value: state.samples[v] });
    input.addEventListener('input', () => { state.samples[v] = input.value; schedulePreview(); });
    fs.append(el('div', { class: 'row' },
      el('label', { for: id, class: 'sample-label', 'data-var': v }, t('client.sample_for', { name: v })), input));
  });
  slot.append(fs);
}

function drawAnswerPreview() {
  const box = $('preview-answer');
  box.textContent = '';
  const type = $('f-type').value;
  $('labels-row').hidden = !(type === 'single' || type === 'multiple');
  if (type === 'single' || type === 'multiple') {
    const labels = $('f-labels').value.split('\n').map((x) => x.trim()).filter(Boolean);
    labels.forEach((l, i) => box.append(el('span', { class: 'fake-choice', 'data-raw': '' }, (i < 9 ? (i + 1) + ' · ' : '') + l)));
  } else {
    box.append(el('span', { class: 'fake-input' }, t(type === 'text' ? 'client.answer_text' : 'client.answer_number')));
  }
}

function schedulePreview() {
  clearTimeout(state.previewTimer);
  state.previewTimer = setTimeout(sendPreview, 250);
}

async function sendPreview() {
  const seq = ++state.previewSeq;
  const vars = templateVars($('f-template').value);
  const data = {};
  for (const v of vars) data[v] = state.samples[v] ?? '';
  try {
    const r = await post('/v1/batches/preview', { template: $('f-template').value, data });
    if (seq !== state.previewSeq) return;
    let frame = $('preview-frame');
    if (!frame) {
      // sandbox="": no script, no forms, no navigation, an opaque origin —
      // and the document itself is served with CSP sandbox (as a worker's task)
      frame = el('iframe', { id: 'preview-frame', sandbox: '', title: t('client.preview_frame'), referrerpolicy: 'no-referrer' });
      $('preview-slot').append(frame);
    }
    frame.src = r.frame_url;
    document.body.dataset.preview = String(seq);
  } catch (e) {
    if (seq === state.previewSeq) showError($('new-form'), e);
  }
}

async function createBatch(ev) {
  ev.preventDefault();
  const form = $('new-form');
  clearErrors(form);
  const f = hourlyFigures();
  const bad = (name, key) => showError(form, new ApiError(400, 'client', t(key), name));
  if (!$('f-title').value.trim()) return bad('title', 'client.required');
  if (!$('f-template').value.trim()) return bad('template', 'client.required');
  if (f.reward === null || f.reward <= 0n) return bad('reward_micros', 'client.reward_unreadable');
  if (!f.okSecs) return bad('expected_seconds', 'client.seconds_invalid');
  const type = $('f-type').value;
  const spec = {
    title: $('f-title').value.trim(),
    description: $('f-description').value,
    template: $('f-template').value,
    answer_type: type,
    reward_micros: Number(f.reward),
    expected_seconds: f.secs,
    overlap: Number($('f-overlap').value || 1),
    control_ratio: Number($('f-control').value || 0) / 100,
  };
  if (type === 'single' || type === 'multiple') spec.labels = $('f-labels').value.split('\n').map((x) => x.trim()).filter(Boolean);
  const btn = $('create-batch');
  btn.disabled = true;
  try {
    const b = await post('/v1/batches', spec);
    location.href = '/client?batch=' + b.id + '&created=1';
  } catch (e) {
    btn.disabled = false;
    showError(form, e);
  }
}

function setupNew() {
  $('reward-currency').textContent = state.config.currency;
  if (!$('f-seconds').value) $('f-seconds').value = '30';
  for (const id of ['f-reward', 'f-seconds']) $(id).addEventListener('input', drawHourly);
  $('f-template').addEventListener('input', () => { drawSamples(); schedulePreview(); });
  $('f-type').addEventListener('change', drawAnswerPreview);
  $('f-labels').addEventListener('input', drawAnswerPreview);
  $('new-form').addEventListener('submit', createBatch);
  drawHourly();
  drawSamples();
  drawAnswerPreview();
  sendPreview();
}

// ---------------------------------------------------------------- start

function show(view) {
  state.view = view;
  for (const v of ['list', 'new', 'batch']) $(v + '-view').hidden = v !== view;
}

async function main() {
  const { me } = await startPage({ catalogues: ['client'], auth: 'required', role: 'client' });
  state.me = me;
  try {
    const c = await get('/v1/web/config');
    state.config = { ...state.config, ...c };
  } catch { /* defaults */ }
  const q = new URLSearchParams(location.search);
  if (q.has('batch')) {
    show('batch');
    await loadBatch(Number(q.get('batch')));
    if (q.get('created')) flash(t('client.created'), 'ok');
  } else if (q.has('new')) {
    show('new');
    setupNew();
  } else {
    show('list');
    await loadList();
  }
  onLangChange(() => {
    if (state.view === 'list') drawList();
    else if (state.view === 'new') { drawHourly(); drawSamples(); drawAnswerPreview(); }
    else drawBatch();
  });
  ready();
}

main().catch((e) => {
  const m = $('main');
  if (m) m.prepend(el('p', { class: 'form-error', role: 'alert' }, errorText(e)));
  ready();
});

