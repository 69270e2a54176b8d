// dispatch — the dispatcher's board (admin): couriers, live jobs, alerts and
// scheduled orders on a map and in tables (the same data: the map is never
// the only way), refreshed every few seconds; actions with a required reason
// (reassign a job to a courier or back to the pool, off duty / on duty,
// approve / suspend an applicant), answered by the server and journalled
// there. Pricing rules and service areas: dispatch-setup.js.
import { get, post } from '../api.js';
import { startPage, el, t, ready, flash, showError, clearErrors, errorText, onLangChange } from '../shell.js';
import { money, duration, date, number } from '../fmt.js';
import { newMap, drawBoard } from './dispatch-map.js';
import { setupRules, setupAreas, areasShown } from './dispatch-setup.js';

const POLL_MS = 4000;
const $ = (id) => document.getElementById(id);
let board = null, config = {}, map = null, layer = null, fitted = false, sig = '';
let fleet = [];

const raw = (text) => el('span', { 'data-raw': '' }, text);
const ago = (ms) => duration(Math.max(0, ms), { seconds: ms < 60000 });

function courierState(c) { return c.off_duty ? 'off_duty' : c.state; }

// the courier an offered or assigned job is with (the pending offer's)
function holder(j) {
  if (j.courier_id) return j.courier_id;
  const o = (board.offers || []).find((x) => (x.job_ids || []).includes(j.id) && x.state === 'pending');
  return o ? o.courier_id : null;
}
const nameOf = (id) => { const c = (board.couriers || []).find((x) => x.courier_id === id); return c ? c.name : '#' + id; };

function table(caption, heads, rows, empty) {
  if (!rows.length) return el('p', { class: 'muted' }, empty);
  // on a phone each row becomes a card: every cell shows its column's name
  for (const r of rows) [...r.children].forEach((c, i) => c.setAttribute('data-label', heads[i] || ''));
  return el('table', { class: 'stack' },
    el('caption', { class: 'visually-hidden' }, caption),
    el('thead', {}, el('tr', {}, ...heads.map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, ...rows));
}

// ---- the action dialog: one reason, the server's answer ----
let pending = null;
function openAction({ title, what, extra, send, ok, id }) {
  const d = $('act'), f = $('act-form');
  clearErrors(f);
  $('act-h').textContent = title;
  $('act-what').textContent = what || '';
  $('act-extra').textContent = '';
  if (extra) $('act-extra').append(extra);
  $('act-reason').value = '';
  pending = { send, ok, back: id };
  d.showModal();
  (f.querySelector('#act-extra select') || $('act-reason')).focus();
}

async function submitAction(ev) {
  ev.preventDefault();
  const f = $('act-form');
  clearErrors(f);
  const reason = $('act-reason').value.trim();
  if (!reason) { showError(f, { field: 'reason', message: t('dispatch.reason_required') }); return; }
  const btn = $('act-submit');
  btn.disabled = true;
  try {
    const res = await pending.send(reason, f);
    $('act').close();
    flash(pending.ok(res), 'ok');
    await refresh(true);
    await loadFleet();
    const back = pending.back && document.getElementById(pending.back);
    if (back) back.focus();
  } catch (e) {
    showError(f, e);
  } finally {
    btn.disabled = false;
  }
}

function reassign(j) {
  const online = (board.couriers || []).filter((c) => !c.off_duty);
  const sel = el('select', { id: 'act-courier', name: 'courier_id' },
    el('option', { value: '' }, t('dispatch.to_pool')),
    ...online.map((c) => el('option', { value: String(c.courier_id) },
      `${c.name} — ${t('dispatch.state.' + c.state)}, ${t('dispatch.vehicle.' + (c.vehicle || 'bicycle'))}`)));
  openAction({
    id: 'reassign-' + j.id,
    title: t('dispatch.reassign_title', { id: j.id }),
    what: `${j.place.name} — ${t('dispatch.jstate.' + j.state)}` + (holder(j) ? ` (${nameOf(holder(j))})` : ''),
    extra: el('div', { class: 'row' }, el('label', { for: 'act-courier' }, t('dispatch.reassign_to')), sel),
    send: (reason) => {
      const body = { reason };
      if (sel.value) body.courier_id = Number(sel.value);
      return post(`/v1/admin/dispatch/jobs/${j.id}/reassign`, body);
    },
    ok: (r) => r.offer ? t('dispatch.reassigned', { id: j.id, name: nameOf(r.offer.courier_id) })
      : t('dispatch.pooled', { id: j.id }),
  });
}

function duty(c, off) {
  openAction({
    id: (off ? 'offduty-' : 'onduty-') + c.courier_id,
    title: t(off ? 'dispatch.offduty_title' : 'dispatch.onduty_title', { name: c.name }),
    what: off ? t('dispatch.offduty_what') : t('dispatch.onduty_what'),
    send: (reason) => post(`/v1/admin/dispatch/couriers/${c.courier_id}/${off ? 'off-duty' : 'on-duty'}`, { reason }),
    ok: () => t(off ? 'dispatch.offduty_done' : 'dispatch.onduty_done', { name: c.name }),
  });
}

function onboard(c, approve) {
  openAction({
    id: (approve ? 'approve-' : 'suspend-') + c.courier_id,
    title: t(approve ? 'dispatch.approve_title' : 'dispatch.suspend_title', { name: c.name }),
    what: c.email,
    send: (reason) => post(`/v1/admin/dispatch/couriers/${c.courier_id}/${approve ? 'approve' : 'suspend'}`, { reason }),
    ok: () => t(approve ? 'dispatch.approved' : 'dispatch.suspended', { name: c.name }),
  });
}

// ---- drawing ----
function drawCounts() {
  const n = board.counts;
  const alerts = (board.alerts || []).length;
  const stat = (v, k, cls) => el('div', { class: 'stat ' + (cls || '') }, el('span', { class: 'value', 'data-raw': '' }, String(v)),
    el('span', { class: 'label' }, t(k)));
  $('counts').textContent = '';
  $('counts').append(stat((board.couriers || []).length, 'dispatch.count.couriers'), stat(n.open, 'dispatch.count.open'),
    stat(n.offered, 'dispatch.count.offered'), stat(n.assigned + n.picked_up, 'dispatch.count.moving'),
    stat(n.scheduled + (board.jobs || []).filter((j) => j.state === 'scheduled').length, 'dispatch.count.scheduled'),
    stat(alerts, 'dispatch.count.alerts', alerts ? 'alarm' : ''));
}

function drawExceptions(box) {
  const list = board.location_exceptions || [];
  if (!list.length) return;
  box.append(el('h3', {}, t('dispatch.locex')), el('ul', { class: 'alerts' }, ...list.map((x) => el('li', { class: 'alert alert-locex' },
    el('p', {}, el('strong', {}, t('dispatch.locex.' + x.kind)), ' ', raw('#' + x.job_id + ' · ' + nameOf(x.courier_id))),
    el('p', {}, x.distance_m < 0 ? t('dispatch.locex.no_position') : t('dispatch.locex.away', { d: number(x.distance_m), limit: number(x.limit_m) })),
    el('p', { class: 'muted' }, t('dispatch.locex.reason'), ' ', raw(x.reason)),
    el('p', { class: 'muted small' }, date(x.at_ms))))));
}

function drawAlerts() {
  const box = $('alert-list');
  box.textContent = '';
  const list = (board.alerts || []).slice().sort((a, b) => (b.kind === 'late') - (a.kind === 'late'));
  if (!list.length) { box.append(el('p', { class: 'muted' }, t('dispatch.no_alerts'))); drawExceptions(box); return; }
  box.append(el('ul', { class: 'alerts' }, ...list.map((a) => {
    const j = (board.jobs || []).find((x) => x.id === a.job_id);
    const how = a.kind === 'late' ? t('dispatch.alert.late_by', { d: ago((a.late_by_s || 0) * 1000) })
      : t('dispatch.alert.unassigned_for', { d: ago((a.unassigned_for_s || 0) * 1000) });
    return el('li', { class: 'alert alert-' + a.kind, id: 'alert-' + a.kind + '-' + a.job_id },
      el('p', {}, el('strong', {}, t('dispatch.alert.' + a.kind)), ' ', raw('#' + a.job_id + (j ? ' · ' + j.place.name : ''))),
      el('p', {}, how),
      a.reason ? el('p', { class: 'muted' }, t('dispatch.alert.why'), ' ', raw(a.reason)) : null,
      j && ['open', 'offered', 'assigned'].includes(j.state)
        ? el('button', { type: 'button', class: 'secondary', onclick: () => reassign(j),
          'aria-label': t('dispatch.reassign_job', { id: j.id }) }, t('dispatch.reassign')) : null);
  })));
  drawExceptions(box);
}

// an offered job: how long the courier has left to answer
function offerDue(j) {
  if (j.state !== 'offered') return null;
  const o = (board.offers || []).find((x) => (x.job_ids || []).includes(j.id) && x.state === 'pending');
  if (!o) return null;
  return el('span', { class: 'muted small due' }, ' ', t('dispatch.answer_due', { d: ago(o.expires_ms - board.at_ms) }),
    o.source === 'admin' ? ' · ' + t('dispatch.by_hand') : null);
}

function drawJobs() {
  const live = (board.jobs || []).filter((j) => j.state !== 'scheduled');
  const alerts = new Map((board.alerts || []).map((a) => [a.job_id + a.kind, a]));
  const rows = live.map((j) => {
    const h = holder(j);
    const flag = alerts.has(j.id + 'late') ? 'late' : alerts.has(j.id + 'no_courier_found') ? 'no_courier_found' : null;
    return el('tr', { id: 'job-' + j.id, 'data-state': j.state },
      el('th', { scope: 'row' }, raw('#' + j.id)),
      el('td', {}, raw(j.place.name)),
      el('td', {}, el('span', { class: 'badge s-' + j.state }, t('dispatch.jstate.' + j.state)),
        flag ? el('span', { class: 'badge bad' }, t('dispatch.alert.' + flag)) : null),
      el('td', { class: 'courier-cell' }, h ? raw(nameOf(h)) : '—', offerDue(j)),
      el('td', {}, ago(board.at_ms - j.placed_ms)),
      el('td', { class: 'num' }, raw(money(j.price_micros, j.currency))),
      el('td', {}, ['open', 'offered', 'assigned'].includes(j.state)
        ? el('button', { type: 'button', class: 'secondary', id: 'reassign-' + j.id, onclick: () => reassign(j),
          'aria-label': t('dispatch.reassign_job', { id: j.id }) }, t('dispatch.reassign')) : null));
  });
  $('job-list').textContent = '';
  $('job-list').append(table(t('dispatch.jobs'), [t('dispatch.col.job'), t('dispatch.col.place'), t('dispatch.col.state'),
    t('dispatch.col.courier'), t('dispatch.col.since'), t('dispatch.col.price'), t('dispatch.col.action')], rows, t('dispatch.no_jobs')));
}

function drawCouriers() {
  const rows = (board.couriers || []).map((c) => {
    const st = courierState(c);
    return el('tr', { id: 'courier-' + c.courier_id, 'data-state': st },
      el('th', { scope: 'row' }, raw(c.name)),
      el('td', {}, el('span', { class: 'badge c-' + st }, t('dispatch.state.' + st)),
        c.off_duty ? el('span', { class: 'muted small' }, ' ', raw(c.off_duty.reason)) : null),
      el('td', {}, t('dispatch.vehicle.' + (c.vehicle || 'bicycle'))),
      el('td', {}, t('dispatch.ago', { d: ago(board.at_ms - c.position.at_ms) })),
      el('td', { class: 'num' }, raw(String(c.active_jobs))),
      el('td', {}, c.off_duty
        ? el('button', { type: 'button', class: 'secondary', id: 'onduty-' + c.courier_id, onclick: () => duty(c, false),
          'aria-label': t('dispatch.onduty_of', { name: c.name }) }, t('dispatch.onduty'))
        : el('button', { type: 'button', class: 'secondary', id: 'offduty-' + c.courier_id, onclick: () => duty(c, true),
          'aria-label': t('dispatch.offduty_of', { name: c.name }) }, t('dispatch.offduty_btn'))));
  });
  $('courier-list').textContent = '';
  $('courier-list').append(table(t('dispatch.couriers'), [t('dispatch.col.name'), t('dispatch.col.state'), t('dispatch.col.vehicle'),
    t('dispatch.col.position'), t('dispatch.col.jobs'), t('dispatch.col.action')], rows, t('dispatch.no_couriers')));
}

function drawScheduled() {
  const list = [...(board.jobs || []).filter((j) => j.state === 'scheduled'), ...(board.scheduled || [])]
    .sort((a, b) => a.ready_ms - b.ready_ms);
  const rows = list.map((j) => el('tr', { id: 'sched-' + j.id },
    el('th', { scope: 'row' }, raw('#' + j.id)), el('td', {}, raw(j.place.name)),
    el('td', {}, date(j.placed_ms > board.at_ms ? j.placed_ms : (j.offered_from_ms || j.ready_ms))),
    el('td', {}, date(j.ready_ms)), el('td', { class: 'num' }, raw(money(j.price_micros, j.currency)))));
  $('sched-list').textContent = '';
  $('sched-list').append(table(t('dispatch.scheduled'), [t('dispatch.col.job'), t('dispatch.col.place'), t('dispatch.col.from'),
    t('dispatch.col.ready'), t('dispatch.col.price')], rows, t('dispatch.no_scheduled')));
}

function drawMap() {
  const pts = [];
  for (const c of board.couriers || []) {
    const st = courierState(c);
    pts.push({ lat: c.position.lat, lon: c.position.lon, kind: st === 'off_duty' ? 'off' : st, text: c.name });
  }
  // jobs waiting at the same restaurant share one point: "#1, #2"
  const at = new Map();
  for (const j of board.jobs || []) {
    if (j.state !== 'open' && j.state !== 'offered') continue;
    const k = j.place.lat + ',' + j.place.lon;
    if (!at.has(k)) at.set(k, { lat: j.place.lat, lon: j.place.lon, kind: 'job', ids: [] });
    at.get(k).ids.push('#' + j.id);
  }
  for (const p of at.values()) pts.push({ ...p, text: p.ids.join(', ') });
  ({ layer, fitted } = drawBoard(map, layer, pts, fitted));
}

function drawOffDuty() {
  const rows = (board.off_duty || []).map((o) => el('tr', {},
    el('th', { scope: 'row' }, raw(o.name)), el('td', {}, date(o.since_ms)), el('td', {}, raw(o.reason)),
    el('td', {}, t(o.online ? 'dispatch.online' : 'dispatch.offline')),
    el('td', {}, el('button', { type: 'button', class: 'secondary', id: 'onduty2-' + o.courier_id,
      'aria-label': t('dispatch.onduty_of', { name: o.name }), onclick: () => duty(o, false) }, t('dispatch.onduty')))));
  $('offduty-list').textContent = '';
  $('offduty-list').append(table(t('dispatch.offduty'), [t('dispatch.col.name'), t('dispatch.col.since'), t('dispatch.col.reason'),
    t('dispatch.col.online'), t('dispatch.col.action')], rows, t('dispatch.no_offduty')));
}

function draw() {
  if (!board) return;
  const focus = document.activeElement && document.activeElement.id;
  drawCounts(); drawAlerts(); drawJobs(); drawCouriers(); drawScheduled(); drawOffDuty(); drawMap();
  $('updated').textContent = t('dispatch.updated', { at: date(board.at_ms, { timeStyle: 'medium' }) });
  if (focus && !$('act').open) { const f = document.getElementById(focus); if (f && f !== document.activeElement) f.focus(); }
}

async function refresh(force) {
  let b;
  try { b = await get('/v1/admin/dispatch/board'); } catch (e) {
    $('updated').textContent = errorText(e);
    return;
  }
  const { at_ms: _at, ...rest } = b;
  const s = JSON.stringify(rest);
  board = b;
  if (force || s !== sig) { sig = s; draw(); }
}

// ---- courier accounts (onboarding) ----
async function loadFleet() {
  const st = $('fleet-state').value;
  try { fleet = (await get('/v1/admin/dispatch/couriers?state=' + st + '&limit=200')).couriers; } catch (e) {
    $('fleet-list').textContent = errorText(e);
    return;
  }
  drawFleet();
}

function drawFleet() {
  const rows = fleet.map((c) => el('tr', { id: 'acct-' + c.courier_id },
    el('th', { scope: 'row' }, raw(c.name)), el('td', {}, raw(c.email)),
    el('td', {}, t('dispatch.onb.' + c.state)), el('td', {}, c.reason ? raw(c.reason) : '—'),
    el('td', { class: 'actions' },
      c.state !== 'approved' ? el('button', { type: 'button', id: 'approve-' + c.courier_id, onclick: () => onboard(c, true),
        'aria-label': t('dispatch.approve_of', { name: c.name }) }, t('dispatch.approve')) : null,
      c.state !== 'suspended' ? el('button', { type: 'button', class: 'danger', id: 'suspend-' + c.courier_id,
        onclick: () => onboard(c, false), 'aria-label': t('dispatch.suspend_of', { name: c.name }) }, t('dispatch.suspend')) : null)));
  $('fleet-list').textContent = '';
  $('fleet-list').append(table(t('dispatch.fleet'), [t('dispatch.col.name'), t('dispatch.col.email'), t('dispatch.col.state'),
    t('dispatch.col.reason'), t('dispatch.col.action')], rows, t('dispatch.no_accounts')));
}

// ---- sections: one at a time, chosen by the tabs (the address keeps it) ----
const SECTIONS = ['board', 'fleet', 'rules', 'areas'];
function showSection() {
  const want = SECTIONS.includes(location.hash.slice(1)) ? location.hash.slice(1) : 'board';
  for (const s of SECTIONS) $(s).hidden = s !== want;
  for (const a of document.querySelectorAll('.tabs a')) {
    if (a.getAttribute('href') === '#' + want) a.setAttribute('aria-current', 'true'); else a.removeAttribute('aria-current');
  }
  $('counts').hidden = want !== 'board';
  if (want === 'board' && map) map.invalidateSize();
  if (want === 'areas') areasShown();
  if (want === 'fleet' && started) loadFleet(); // applicants may have signed up since
}
let started = false;

async function main() {
  await startPage({ catalogues: ['dispatch'], auth: 'required', role: 'admin' });
  try { config = await get('/v1/web/config'); } catch { config = {}; }
  map = newMap($('map'), config, t('dispatch.map.label'), { zoomIn: t('dispatch.map.zoom_in'), zoomOut: t('dispatch.map.zoom_out') });
  $('act-form').addEventListener('submit', submitAction);
  $('act-cancel').addEventListener('click', () => $('act').close());
  $('fleet-state').addEventListener('change', loadFleet);
  await refresh(true);
  await loadFleet();
  await Promise.all([setupRules($('rules-body'), config), setupAreas($('areas-body'), config)]);
  window.addEventListener('hashchange', showSection);
  showSection();
  started = true;
  onLangChange(() => { draw(); drawFleet(); if (map) $('map').setAttribute('aria-label', t('dispatch.map.label')); });
  setInterval(() => { if (!document.hidden) refresh(false); }, POLL_MS);
  ready();
}

main();
