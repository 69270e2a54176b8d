// /moderate — the moderator's console: onboarding first, then queues to
// claim from, the held item with its notices (media blurred, greyscale and
// muted until a deliberate, journalled reveal of that one item), the
// decision that makes a complete statement of reasons (terms clause from
// the catalogue), skip, escalate, bulk decisions, appeals; wellbeing shown
// and enforced (exposure budget, break countdown and break screen,
// opt-outs), keyboard shortcuts.
import { get, post, ApiError } from '../api.js';
import { applyDom } from '../i18n.js';
import { startPage, el, t, ready, showError, clearErrors, flash, errorText, onLangChange } from '../shell.js';
import { duration, clock, number, percent } from '../fmt.js';
import { CATEGORIES, ACTIONS, catKey, typing } from './moderate-data.js';

const $ = (id) => document.getElementById(id);

const S = {
  me: null, offset: 0, queues: [], clauses: [], items: new Map(), order: [], current: null,
  revealed: null, textOpen: false, timer: null, formFor: null, mediaOrigins: [],
};

// Media the page's security policy lets in: stored on the platform, or from
// an origin the operator named (web.media_origins, GET /v1/web/config).
function mediaAllowed(url) {
  if (url.startsWith('/') && !url.startsWith('//')) return true;
  try { return S.mediaOrigins.includes(new URL(url).origin); } catch { return false; }
}

const serverNow = () => Date.now() + S.offset;

async function loadMe() {
  S.me = await get('/v1/moderation/me');
  S.offset = S.me.now_ms - Date.now();
}

// ---------- onboarding ----------

function optoutBoxes(box, chosen, prefix) {
  let grid = box.querySelector('.optgrid');
  if (!grid) { grid = el('div', { class: 'optgrid' }); box.append(grid); }
  grid.textContent = '';
  for (const c of CATEGORIES) {
    const id = prefix + c.toLowerCase();
    grid.append(el('label', { for: id },
      el('input', { type: 'checkbox', id, name: 'opt_outs', value: c, checked: chosen.includes(c) }),
      ' ', el('span', {}, t(catKey(c)))));
  }
}

function drawOnboarding() {
  const e = S.me.exposure, b = S.me.break, o = S.me.onboarding;
  $('onb-budget').textContent = t('moderate.onb_budget', { budget: duration(e.budget_ms) });
  $('onb-break').textContent = t('moderate.onb_break', { limit: duration(b.limit_ms), pause: duration(b.break_ms) });
  $('onb-gentle').textContent = t('moderate.onb_gentle', { n: number(o.gentle_items) });
  const chosen = [...$('onb-optouts').querySelectorAll('input:checked')].map((i) => i.value);
  optoutBoxes($('onb-optouts'), chosen, 'onb-');
}

async function submitOnboarding(ev) {
  ev.preventDefault();
  const f = $('onb-form');
  clearErrors(f);
  const langs = $('onb-langs').value.split(/[\s,;]+/).filter(Boolean);
  try {
    S.me = await post('/v1/moderation/onboarding', {
      languages: langs,
      opt_outs: [...f.querySelectorAll('input[name=opt_outs]:checked')].map((i) => i.value),
      briefing_read: $('onb-read').checked,
      exposure_acknowledged: $('onb-ack').checked,
    });
    S.offset = S.me.now_ms - Date.now();
    flash(t('moderate.onb_done'), 'ok');
    await show();
  } catch (e) { showError(f, e); }
}

// ---------- wellbeing ----------

function drawWellbeing() {
  const e = S.me.exposure, b = S.me.break, o = S.me.onboarding;
  const pct = e.budget_ms ? Math.min(100, Math.round((100 * e.graphic_today_ms) / e.budget_ms)) : 100;
  const bar = $('exposure-bar');
  bar.value = pct;
  bar.classList.toggle('spent', !e.graphic_queues_open);
  $('exposure-label').textContent = t('moderate.exposure_label');
  $('exposure-text').textContent = e.graphic_queues_open
    ? t('moderate.exposure_text', { used: duration(e.graphic_today_ms), budget: duration(e.budget_ms),
      left: duration(e.remaining_ms) })
    : t('moderate.exposure_spent', { budget: duration(e.budget_ms) });
  $('exposure-text').classList.toggle('warn', !e.graphic_queues_open);
  const due = b.limit_ms - b.continuous_ms;
  $('streak-text').textContent = b.continuous_ms > 0
    ? t('moderate.streak', { done: duration(b.continuous_ms), due: duration(Math.max(0, due)),
      pause: duration(b.break_ms) })
    : t('moderate.streak_none', { limit: duration(b.limit_ms) });
  const g = $('gentle-text');
  g.hidden = !(o.gentle_items_left > 0);
  g.textContent = t('moderate.gentle_left', { n: number(o.gentle_items_left) });
  optoutBoxes($('optouts'), S.me.opt_outs, 'oo-');
}

// ---------- the enforced break ----------

function breakUntil() { return S.me.break.required ? S.me.break.until_ms : 0; }

function tickBreak() {
  const left = breakUntil() - serverNow();
  if (left <= 0) {
    clearInterval(S.timer);
    S.timer = null;
    show();
    return;
  }
  $('break-count').textContent = clock(left);
}

function drawBreak() {
  const b = S.me.break;
  $('break-text').textContent = t('moderate.break_text',
    { done: duration(b.continuous_ms), pause: duration(b.break_ms) });
  tickBreak();
  if (!S.timer) S.timer = setInterval(tickBreak, 1000);
}

// ---------- queues and claims ----------

function queueOpen(q) {
  if (q.senior && !S.me.senior) return false;
  if (q.child_safety && !S.me.child_safety) return false;
  return true;
}

function drawQueues() {
  const ul = $('queues');
  ul.textContent = '';
  const e = S.me.exposure, o = S.me.onboarding;
  for (const q of S.queues.filter(queueOpen)) {
    let why = '';
    if (q.graphic && o.gentle_items_left > 0) why = t('moderate.q_gentle');
    else if (q.graphic && !e.graphic_queues_open) why = t('moderate.q_spent');
    const name = el('span', { class: 'qname', 'data-raw': '' }, q.name);
    const btn = el('button', {
      type: 'button', class: 'claim', 'data-queue': q.name, disabled: !!why || q.open === 0,
      'aria-describedby': 'q-' + q.id + '-n', onclick: () => claim(q.name),
    }, t('moderate.claim'), ' ', name);
    ul.append(el('li', {},
      btn,
      el('span', { class: 'muted', id: 'q-' + q.id + '-n' }, ' ', t('moderate.waiting', { n: number(q.open) }),
        q.graphic ? el('span', { class: 'badge' }, t('moderate.graphic')) : null,
        why ? el('span', { class: 'why' }, ' — ', why) : null)));
  }
}

async function claim(queue) {
  const box = $('claim-error');
  clearErrors(box);
  try {
    const r = await post('/v1/moderation/claim', { queue, count: Number($('claim-count').value) });
    for (const it of r.items) S.items.set(it.id, it);
    await refresh();
    if (r.items.length) select(r.items[0].id);
  } catch (e) {
    if (e instanceof ApiError && e.code === 'break_required') { await show(); return; }
    showError(box, e);
    await refresh().catch(() => {});
  }
}

// ---------- held items ----------

function drawHeld() {
  const ul = $('held');
  ul.textContent = '';
  S.order = [...S.items.keys()];
  $('held-empty').hidden = S.order.length > 0;
  for (const id of S.order) {
    const it = S.items.get(id);
    const cb = it.kind === 'review' && S.order.length > 1
      ? el('input', { type: 'checkbox', class: 'bulk', id: 'bulk-' + id, value: String(id),
        'aria-label': t('moderate.bulk_pick', { id }), onchange: drawBulk })
      : null;
    ul.append(el('li', { class: id === S.current ? 'current' : '' }, cb,
      el('button', { type: 'button', class: 'link', 'aria-current': id === S.current ? 'true' : null,
        onclick: () => select(id) },
      t('moderate.held_item', { id }), ' · ', t(catKey(it.category)),
      it.kind !== 'review' ? el('span', { class: 'badge' }, t('moderate.kind_' + it.kind)) : null,
      it.graphic ? el('span', { class: 'badge bad' }, t('moderate.graphic')) : null)));
  }
  drawBulk();
}

function bulkIds() { return [...document.querySelectorAll('#held input.bulk:checked')].map((i) => Number(i.value)); }

function drawBulk() {
  const n = bulkIds().length, b = $('bulk-btn');
  b.hidden = n < 2;
  b.textContent = t('moderate.bulk', { n: number(n) });
}

function select(id) {
  if (S.current !== id) {
    S.revealed = null; /* the next item is blurred again, whatever came before */
    S.textOpen = false;
  }
  S.current = id;
  drawHeld();
  drawItem();
}

// ---------- the item ----------

function mediaProtected(it) { return S.revealed !== it.id; }

function drawMedia(it) {
  const box = $('media-box'), frame = $('media-frame');
  box.hidden = !it.media;
  frame.textContent = '';
  $('reveal-confirm').hidden = true;
  if (!it.media) return;
  const prot = mediaProtected(it);
  frame.classList.toggle('protected', prot);
  const url = it.media.url;
  const shown = mediaAllowed(url);
  const label = t('moderate.media_alt', { kind: t('moderate.kind.' + it.media.kind) });
  let node;
  if (it.media.kind === 'image' && shown) {
    node = el('img', { src: url, alt: label, id: 'media' });
  } else if ((it.media.kind === 'video' || it.media.kind === 'audio') && shown) {
    /* muted, never autoplayed, nothing loaded until the moderator plays it;
       while protected it cannot be played at all */
    node = el(it.media.kind, { src: url, id: 'media', muted: true, preload: 'none', playsinline: true,
      controls: !prot, 'aria-label': label });
    node.muted = true;
  } else {
    /* from an origin the page's security policy does not let in: a
       placeholder names what is there */
    node = el('div', { class: 'placeholder', id: 'media', role: 'img',
      'aria-label': t('moderate.media_alt', { kind: t('moderate.kind.' + it.media.kind) }) },
    el('span', {}, t('moderate.kind.' + it.media.kind)));
  }
  node.classList.add('media');
  frame.append(node);
  $('media-note').textContent = (prot ? t('moderate.media_blurred') : t('moderate.media_revealed')) +
    (shown ? '' : ' ' + t('moderate.media_elsewhere'));
  $('reveal-btn').hidden = !prot;
}

function describeDecision(d) {
  if (!d) return '';
  return t('moderate.action.' + d.action) + (d.category ? ' · ' + t(catKey(d.category)) : '');
}

function drawItem() {
  const it = S.items.get(S.current);
  $('no-item').hidden = !!it;
  $('item-body').hidden = !it;
  if (!it) return;
  $('item-meta').textContent = t('moderate.meta', {
    id: it.id, kind: t('moderate.kind_' + it.kind), category: t(catKey(it.category)), severity: it.severity,
    notices: number(it.notices), trusted: number(it.trusted_notices),
  });
  const appeal = it.kind === 'appeal';
  $('appeal-box').hidden = !appeal;
  if (appeal) {
    $('appeal-decision').textContent = describeDecision(it.appealed_decision);
    $('appeal-text').textContent = (it.appeal && it.appeal.explanation) || '';
  }
  const text = $('content-text');
  text.textContent = it.content.text;
  text.classList.toggle('clipped', !S.textOpen);
  $('show-all').hidden = S.textOpen || it.content.text.length < 280;
  drawMedia(it);
  const nl = $('notices');
  nl.textContent = '';
  for (const n of it.notice_list) {
    nl.append(el('li', {}, el('strong', {}, t(catKey(n.category))),
      n.trusted_flagger ? el('span', { class: 'badge' }, t('moderate.trusted')) : null,
      ' ', el('span', { 'data-raw': '' }, n.explanation)));
  }
  if (!it.notice_list.length) nl.append(el('li', { class: 'muted' }, t('moderate.no_notices')));
  $('hint').textContent = it.hint
    ? t('moderate.hint', { label: it.hint.label === 'keep' ? t('moderate.action.keep') : t(catKey(it.hint.label)),
      score: percent(it.hint.score, 0) })
    : t('moderate.no_hint');
  drawForm(it);
}

function drawForm(it) {
  const appeal = it.kind === 'appeal';
  $('outcome-row').hidden = !appeal;
  $('reasons-row').hidden = !appeal;
  const reversed = appeal && document.querySelector('input[name=outcome]:checked').value === 'reversed';
  $('decision-fields').hidden = appeal && !reversed;
  $('keep-btn').hidden = appeal;
  /* a new item starts from its own defaults; a redraw (language) keeps what was chosen */
  const fresh = S.formFor !== it.id;
  S.formFor = it.id;
  const act = $('f-action');
  const keepAct = fresh ? '' : act.value;
  act.textContent = '';
  for (const a of ACTIONS) act.append(el('option', { value: a }, t('moderate.action.' + a)));
  act.value = keepAct || 'remove';
  const cat = $('f-category'), keepCat = fresh ? '' : cat.value;
  cat.textContent = '';
  for (const c of CATEGORIES) cat.append(el('option', { value: c }, t(catKey(c))));
  cat.value = keepCat || it.category || CATEGORIES[0];
  const cl = $('f-clause'), keepClause = fresh ? '' : cl.value;
  cl.textContent = '';
  cl.append(el('option', { value: '' }, t('moderate.clause_pick')));
  for (const c of S.clauses.filter((x) => x.active)) {
    cl.append(el('option', { value: c.code, 'data-raw': '' }, c.code + ' — ' + c.title));
  }
  cl.value = keepClause;
  $('f-auto').value = it.hint
    ? t('moderate.auto_hint', { version: it.hint.model_version, score: percent(it.hint.score, 0) })
    : t('moderate.auto_none');
  if (!$('f-expl').value) $('f-expl').value = t('moderate.redress_default');
  syncFields();
}

function syncFields() {
  const keep = $('f-action').value === 'keep';
  const illegal = document.querySelector('input[name=ground]:checked').value === 'illegal';
  document.querySelectorAll('.restrict-only').forEach((n) => { n.hidden = keep; });
  document.querySelectorAll('.terms-only').forEach((n) => { n.hidden = keep || illegal; });
  document.querySelectorAll('.illegal-only').forEach((n) => { n.hidden = keep || !illegal; });
  const c = S.clauses.find((x) => x.code === $('f-clause').value);
  $('clause-text').textContent = c ? c.text : '';
}

function decisionBody(action) {
  const a = action || $('f-action').value;
  const body = { action: a, facts: $('f-facts').value.trim() || undefined };
  if (a !== 'keep') {
    body.category = $('f-category').value;
    body.ground = document.querySelector('input[name=ground]:checked').value;
    if (body.ground === 'terms') body.terms_clause = $('f-clause').value || undefined;
    else body.legal_ground = $('f-legal').value.trim() || undefined;
    body.explanation = $('f-expl').value.trim() || undefined;
  }
  return body;
}

function resetForm() {
  $('decide-form').reset();
  $('f-expl').value = '';
  $('f-reasons').value = '';
  $('f-esc').value = '';
}

async function afterDone(id, message) {
  S.items.delete(id);
  S.current = null;
  S.revealed = null;
  resetForm();
  flash(message, 'ok');
  await refresh();
  if (S.order.length) select(S.order[0]);
  else drawItem();
}

async function decide(action) {
  const it = S.items.get(S.current);
  if (!it) return;
  const f = $('decide-form');
  clearErrors(f);
  let body;
  if (it.kind === 'appeal') {
    const outcome = document.querySelector('input[name=outcome]:checked').value;
    body = { outcome, reasons: $('f-reasons').value.trim() || undefined };
    if (outcome === 'reversed') Object.assign(body, decisionBody());
  } else {
    body = decisionBody(action);
    if (action === 'keep' && !body.facts) body.facts = t('moderate.keep_facts');
  }
  try {
    const r = await post(`/v1/moderation/items/${it.id}/decide`, body);
    const d = r.decision;
    await afterDone(it.id, d ? t('moderate.decided', { id: d.id, action: t('moderate.action.' + d.action) })
      : t('moderate.decided_none'));
  } catch (e) { showError(f, e); }
}

async function bulk() {
  const ids = bulkIds(), f = $('decide-form');
  clearErrors(f);
  try {
    const r = await post('/v1/moderation/decisions/bulk', { items: ids, ...decisionBody() });
    for (const id of ids) S.items.delete(id);
    S.current = null;
    resetForm();
    flash(t('moderate.bulk_done', { n: number(r.count) }), 'ok');
    await refresh();
    if (S.order.length) select(S.order[0]); else drawItem();
  } catch (e) { showError(f, e); }
}

async function skip() {
  const it = S.items.get(S.current);
  if (!it) return;
  try {
    await post(`/v1/moderation/items/${it.id}/skip`);
    await afterDone(it.id, t('moderate.skipped'));
  } catch (e) { showError($('decide-form'), e); }
}

async function escalate(ev) {
  if (ev) ev.preventDefault();
  const it = S.items.get(S.current), f = $('escalate-form');
  if (!it) return;
  clearErrors(f);
  try {
    await post(`/v1/moderation/items/${it.id}/escalate`, { reason: $('f-esc').value.trim() || undefined });
    await afterDone(it.id, t('moderate.escalated'));
  } catch (e) { showError(f, e); }
}

function askReveal() {
  const it = S.items.get(S.current);
  if (!it || !it.media || !mediaProtected(it)) return;
  $('reveal-confirm').hidden = false;
  $('reveal-no').focus();
}

async function reveal() {
  const it = S.items.get(S.current);
  if (!it) return;
  try {
    const r = await post(`/v1/moderation/items/${it.id}/unblur`);
    S.items.set(it.id, r);
    S.revealed = it.id;
    drawMedia(r);
    flash(t('moderate.revealed'), 'info');
    $('media-frame').focus();
  } catch (e) { flash(errorText(e), 'error'); }
}

// ---------- opt-outs ----------

async function saveOptouts(ev) {
  ev.preventDefault();
  const f = $('optout-form');
  clearErrors(f);
  try {
    const r = await post('/v1/moderation/me', {
      opt_outs: [...f.querySelectorAll('input[name=opt_outs]:checked')].map((i) => i.value) });
    for (const id of r.released || []) S.items.delete(id);
    flash(r.released && r.released.length ? t('moderate.optouts_released', { n: number(r.released.length) })
      : t('moderate.optouts_saved'), 'ok');
    if (!S.items.has(S.current)) { S.current = null; S.revealed = null; }
    await refresh();
    if (!S.current && S.order.length) select(S.order[0]); else drawItem();
  } catch (e) { showError(f, e); }
}

// ---------- keyboard ----------

function onKey(ev) {
  if (ev.ctrlKey || ev.metaKey || ev.altKey || typing(ev.target)) return;
  if ($('console').hidden) return;
  const k = ev.key;
  const act = {
    '?': () => { const d = $('keys-box'); d.open = !d.open; if (d.open) d.querySelector('summary').focus(); },
    r: askReveal,
    a: () => decide('keep'),
    d: () => {
      $('f-action').value = 'remove';
      syncFields();
      const b = decisionBody('remove');
      if (!b.facts) $('f-facts').focus();
      else if (b.ground === 'terms' && !b.terms_clause) $('f-clause').focus();
      else decide();
    },
    s: skip,
    e: () => $('f-esc').focus(),
    j: () => move(1),
    k: () => move(-1),
  }[k];
  if (!act) return;
  ev.preventDefault();
  act();
}

function move(step) {
  if (!S.order.length) return;
  const i = S.order.indexOf(S.current);
  select(S.order[(i + step + S.order.length) % S.order.length]);
}

// ---------- page ----------

async function refresh() {
  await loadMe();
  const [q] = await Promise.all([get('/v1/moderation/queues')]);
  S.queues = q.queues;
  /* what the server says is held: drop what is gone, fetch what is new */
  const held = new Set(S.me.leases);
  for (const id of [...S.items.keys()]) if (!held.has(id)) S.items.delete(id);
  for (const id of S.me.leases) if (!S.items.has(id)) S.items.set(id, await get('/v1/moderation/items/' + id));
  if (breakUntil() > serverNow() && S.items.size === 0) { await show(); return; }
  drawWellbeing();
  drawQueues();
  drawHeld();
}

async function show() {
  if (!S.me) await loadMe();
  const onb = !S.me.onboarding.done;
  const onBreak = !onb && breakUntil() > serverNow() && S.me.leases.length === 0;
  $('onboarding').hidden = !onb;
  $('break-view').hidden = !onBreak;
  $('console').hidden = onb || onBreak;
  if (onb) { drawOnboarding(); return; }
  if (onBreak) { drawBreak(); return; }
  if (!S.clauses.length) S.clauses = (await get('/v1/moderation/clauses')).clauses;
  await loadMe();
  if (breakUntil() > serverNow() && S.me.leases.length === 0) { await show(); return; }
  await refresh();
  if (!S.current && S.order.length) select(S.order[0]); else drawItem();
}

function redraw() {
  applyDom();
  if (!S.me) return;
  if (!$('onboarding').hidden) drawOnboarding();
  else if (!$('break-view').hidden) drawBreak();
  else { drawWellbeing(); drawQueues(); drawHeld(); drawItem(); }
}

async function main() {
  await startPage({ catalogues: ['moderate'], auth: 'required', role: 'worker' });
  try { S.mediaOrigins = (await get('/v1/web/config')).media_origins || []; } catch { S.mediaOrigins = []; }
  $('onb-form').addEventListener('submit', submitOnboarding);
  $('optout-form').addEventListener('submit', saveOptouts);
  $('decide-form').addEventListener('submit', (ev) => { ev.preventDefault(); decide(); });
  $('escalate-form').addEventListener('submit', escalate);
  $('keep-btn').addEventListener('click', () => decide('keep'));
  $('skip-btn').addEventListener('click', skip);
  $('bulk-btn').addEventListener('click', bulk);
  $('reveal-btn').addEventListener('click', askReveal);
  $('reveal-yes').addEventListener('click', reveal);
  $('reveal-no').addEventListener('click', () => { $('reveal-confirm').hidden = true; $('reveal-btn').focus(); });
  $('show-all').addEventListener('click', () => {
    S.textOpen = true;
    $('content-text').classList.remove('clipped');
    $('show-all').hidden = true;
  });
  $('f-action').addEventListener('change', syncFields);
  $('f-clause').addEventListener('change', syncFields);
  document.querySelectorAll('input[name=ground]').forEach((r) => r.addEventListener('change', syncFields));
  document.querySelectorAll('input[name=outcome]').forEach((r) => r.addEventListener('change', () => {
    const it = S.items.get(S.current);
    if (it) drawForm(it);
  }));
  document.addEventListener('keydown', onKey);
  onLangChange(redraw);
  $('media-frame').setAttribute('tabindex', '-1');
  try { await show(); } catch (e) { flash(errorText(e), 'error'); }
  ready();
}

main();
