// courier — the courier's page, phone first: go online and offline, the
// position (the device's, or typed in), offers pushed by the server with
// their pay and its breakdown before accepting, the job step by step with
// a map, the shift's time and pay growing live (the guarantee's estimate on
// the time the server counts: online inside a service area, and inside a
// booked slot where slots are used), and the courier's booked slots.
//
// Live data: GET /v1/courier/events (Server-Sent Events, event `state`:
// {time_ms, online, offers, jobs, shift}); if the stream cannot be opened,
// the page polls offers, jobs and shift every 5 s instead and says so.
// Every clock shown is the server's (its time_ms, or the shift's start +
// online time) plus the time elapsed on this device since it was received.
import { get, post, ApiError } from '../api.js';
import { startPage, el, t, lang, onLangChange, showError, clearErrors, flash, errorText, ready } from '../shell.js';
import { money, moneyRounded, number, duration, clock, date } from '../fmt.js';
import { drawMap, clearMaps } from './courier-map.js';

const POLL_MS = 5000;
const $ = (id) => document.getElementById(id);

const S = {
  online: false, offers: [], jobs: [], shift: null, slots: null,
  base: Date.now(), perf: performance.now(),   // server time at `perf`
  pos: null,                                    // last position sent or known {lat, lon}
  mode: 'connecting',                           // 'sse' | 'poll' | 'connecting' | 'reconnecting'
  keys: { offers: null, jobs: null, shift: null, online: null },
};
let config = { tile_url: '', tile_attribution: '' };
let pollTimer = null;
let es = null;

const now = () => S.base + (performance.now() - S.perf);
const raw = (text, attrs = {}) => el('span', { 'data-raw': '', ...attrs }, text);

function setServerTime(ms) {
  if (typeof ms === 'number' && ms > 0) { S.base = ms; S.perf = performance.now(); }
}

// Messages that are redrawn in the new language when the person switches.
let lastFlash = null;
function say(make, kind) {
  lastFlash = { make, kind };
  flash(make(), kind);
}
let lastResult = null;

// ---- formatting helpers ----
function km(m) {
  return new Intl.NumberFormat(lang(), { style: 'unit', unit: 'kilometer', maximumFractionDigits: 1 }).format(m / 1000);
}
const coord = (x) => Number(x).toFixed(5);
const hm = (ms) => date(ms, { timeStyle: 'short' });
function factor(pm) {
  return '×' + new Intl.NumberFormat(lang(), { maximumFractionDigits: 3 }).format(pm / 1000);
}
function guaranteeSoFar(perHour, onlineMs) {   // disp_guarantee: per_hour × ms / 3.6e6, rounded half up
  if (perHour <= 0 || onlineMs <= 0) return 0n;
  return (BigInt(perHour) * BigInt(Math.floor(onlineMs)) + 1800000n) / 3600000n;
}
function geoLink(lat, lon) {
  return el('a', { href: `geo:${lat},${lon}`, class: 'geo' }, t('courier.place.open_map'));
}

// ---- applying a snapshot ----
function apply(snap) {
  if (snap.time_ms) setServerTime(snap.time_ms);
  S.online = !!snap.online;
  S.offers = snap.offers || [];
  S.jobs = snap.jobs || [];
  S.shift = snap.shift || null;
  render(false);
}

// what changes the shift's drawing (the figures that only grow with time
// are updated every second by tick())
function shiftKey(s) {
  if (!s) return 'null';
  const live = s.online;
  return JSON.stringify({ ...s, online_ms: live ? 0 : s.online_ms, total_micros: live ? 0 : s.total_micros,
    guarantee: { ...s.guarantee, guaranteed_micros: live ? 0 : s.guarantee.guaranteed_micros,
      topup_micros: live ? 0 : s.guarantee.topup_micros, counted_ms: live ? 0 : s.guarantee.counted_ms,
      online_ms: live ? 0 : s.guarantee.online_ms, explanation: live ? '' : s.guarantee.explanation } });
}

function render(force) {
  const k = {
    online: String(S.online) + '|' + JSON.stringify(offDuty()), offers: JSON.stringify(S.offers), jobs: JSON.stringify(S.jobs),
    shift: shiftKey(S.shift),
  };
  const focusId = document.activeElement && document.activeElement.id;
  if (force || k.online !== S.keys.online) drawStatus();
  if (force || k.offers !== S.keys.offers) drawOffers();
  if (force || k.jobs !== S.keys.jobs) drawJobs();
  if (force || k.shift !== S.keys.shift) drawShift();
  if (force || k.online !== S.keys.online || k.jobs !== S.keys.jobs) drawStatus();
  S.keys = k;
  if (focusId && document.activeElement !== $(focusId) && $(focusId)) $(focusId).focus();
  tick();
}

// ---- status ----
// Taken off duty by the dispatcher (issue 15): {since_ms, reason} or null.
function offDuty() {
  const d = S.shift && S.shift.duty;
  return d && d.off_duty ? { since_ms: d.since_ms, reason: d.reason } : null;
}

function drawStatus() {
  const st = $('state');
  const onJob = S.jobs.length > 0;
  const off = offDuty();
  st.className = 'badge ' + (S.online && !off ? 'ok' : 'muted-badge');
  st.dataset.duty = off ? 'off' : 'on';
  st.textContent = !S.online ? t('courier.state.offline') : onJob ? t('courier.state.on_job')
    : off ? t('courier.state.off_duty') : t('courier.state.waiting');
  $('state-text').textContent = (!S.online ? t('courier.state.offline_text')
    : onJob ? t('courier.state.on_job_text') : t('courier.state.waiting_text'))
    + (off ? ' ' + t('courier.state.off_duty_text', { reason: off.reason }) : '');
  $('offline-actions').hidden = !S.online || onJob;   // going offline is refused with a job in hand
  $('pos-submit').textContent = S.online ? t('courier.pos.send') : t('courier.pos.go_online');
  $('offers').hidden = !S.offers.length && (!S.online || onJob);
  $('jobs').hidden = !S.jobs.length;
  $('shift').hidden = !S.shift;
  // while offline the position (needed to go online) comes first; online, last
  const box = $('courier'), pos = $('position');
  const want = S.online ? null : $('offers');
  if (pos.nextElementSibling !== want) {
    const had = pos.contains(document.activeElement) ? document.activeElement.id : null;
    box.insertBefore(pos, want);
    if (had && $(had)) $(had).focus();
  }
}

function drawMode() {
  const m = $('mode');
  m.dataset.mode = S.mode;
  m.className = 'mode mode-' + S.mode;
  m.textContent = t('courier.mode.' + S.mode);
}

// ---- offers ----
function breakdownTable(b, pay, cur, idp) {
  const rows = [['base', b.base_micros], ['distance', b.distance_micros], ['time', b.time_micros],
    ['waiting', b.waiting_micros]];
  return el('table', { class: 'breakdown' },
    el('caption', {}, t('courier.offer.breakdown')),
    el('tbody', {}, ...rows.map(([part, v]) => el('tr', {},
      el('th', { scope: 'row' }, t('courier.part.' + part)),
      el('td', { class: 'num', id: `${idp}-${part}`, 'data-micros': String(v) }, raw(money(v, cur))))),
    el('tr', {},
      el('th', { scope: 'row' }, t('courier.part.zone'), b.zone ? ' ' : null, b.zone ? raw(`(${b.zone})`) : null),
      el('td', { class: 'num' }, raw(factor(b.zone_factor_permille)))),
    el('tr', {},
      el('th', { scope: 'row' }, t('courier.part.time_of_day')),
      el('td', { class: 'num' }, raw(factor(b.time_factor_permille))))),
    el('tfoot', {}, el('tr', {},
      el('th', { scope: 'row' }, t('courier.part.total')),
      el('td', { class: 'num', id: `${idp}-total`, 'data-micros': String(pay) }, raw(money(pay, cur))))));
}

function stopsList(jobs) {
  return el('ol', { class: 'stops' }, ...jobs.flatMap((j) => [
    el('li', { class: 'stop pickup' },
      el('strong', {}, t('courier.place.pickup')), ' ', raw(j.pickup.name), el('br'),
      raw(`${coord(j.pickup.lat)}, ${coord(j.pickup.lon)}`, { class: 'coords' }), ' ', geoLink(j.pickup.lat, j.pickup.lon),
      el('br'), t('courier.place.ready_at'), ' ', raw(hm(j.ready_ms))),
    el('li', { class: 'stop dropoff' },
      el('strong', {}, t('courier.place.dropoff')), el('br'),
      raw(`${coord(j.dropoff.lat)}, ${coord(j.dropoff.lon)}`, { class: 'coords' }), ' ', geoLink(j.dropoff.lat, j.dropoff.lon)),
  ]));
}

function offerCard(o) {
  const idp = `offer-${o.id}`;
  const cur = o.currency;
  const noCons = `${idp}-nocons`;
  return el('article', { class: 'offer', id: idp, 'data-offer-id': String(o.id), 'aria-labelledby': `${idp}-h` },
    el('h3', { id: `${idp}-h` }, t('courier.offer.heading'), ' ', raw(`#${o.id}`)),
    el('p', { class: 'offer-pay' },
      el('span', { class: 'label' }, t('courier.offer.you_earn')), ' ',
      el('span', { class: 'pay', id: `${idp}-pay`, 'data-micros': String(o.pay_micros) }, raw(money(o.pay_micros, cur)))),
    el('p', { class: 'expiry' }, t('courier.offer.expires_in'), ' ',
      raw('', { class: 'countdown', 'data-until': String(o.expires_ms), id: `${idp}-countdown` })),
    el('ul', { class: 'facts' },
      el('li', {}, t('courier.offer.distance'), ' ', raw(km(o.distance_m))),
      el('li', {}, t('courier.offer.expected_time'), ' ', raw(duration(o.expected_ms))),
      el('li', {}, t('courier.offer.expected_wait'), ' ', raw(duration(o.expected_wait_ms))),
      o.plan && o.plan.dropoff_ms ? el('li', {}, t('courier.offer.dropoff_by'), ' ', raw(hm(o.plan.dropoff_ms))) : null),
    stopsList(o.jobs || []),
    breakdownTable(o.breakdown, o.pay_micros, cur, idp),
    el('div', { class: 'offer-actions' },
      el('button', { type: 'button', class: 'big accept', id: `${idp}-accept`, onclick: (ev) => accept(o, ev.currentTarget) },
        t('courier.offer.accept')),
      el('div', { class: 'decline-wrap' },
        el('button', { type: 'button', class: 'secondary decline', id: `${idp}-decline`, 'aria-describedby': noCons,
          onclick: (ev) => decline(o, ev.currentTarget) }, t('courier.offer.decline')),
        el('p', { class: 'no-consequence', id: noCons }, t('courier.offer.no_consequence')))),
    el('p', { class: 'form-error' }));
}

function drawOffers() {
  const list = $('offers-list');
  list.textContent = '';
  if (!S.offers.length) {
    list.append(el('p', { class: 'muted empty', id: 'no-offer' }, S.online ? t('courier.offers.none') : t('courier.offers.offline')));
    return;
  }
  for (const o of S.offers) list.append(offerCard(o));
}

async function accept(o, btn) {
  const card = btn.closest('article');
  clearErrors(card);
  btn.disabled = true;
  try {
    await post(`/v1/courier/offers/${o.id}/accept`);
    say(() => t('courier.offer.accepted', { pay: money(o.pay_micros, o.currency) }), 'ok');
    await refresh();
    const next = document.querySelector('#jobs-list .next-step');
    if (next) next.focus();
  } catch (e) {
    btn.disabled = false;
    showError(card, e);
    if (e instanceof ApiError && e.status === 409) refresh();
  }
}

async function decline(o, btn) {
  const card = btn.closest('article');
  clearErrors(card);
  btn.disabled = true;
  try {
    await post(`/v1/courier/offers/${o.id}/decline`);
    say(() => t('courier.offer.declined'), 'info');
    await refresh();
    $('courier-h').focus();
  } catch (e) {
    btn.disabled = false;
    showError(card, e);
    if (e instanceof ApiError && e.status === 409) refresh();
  }
}

// ---- jobs ----
const STEPS = ['accepted', 'arrived', 'picked_up', 'delivered'];

function stepOf(j) {   // index of the step to do now
  if (j.state === 'picked_up') return 3;
  if (j.state === 'assigned') return j.arrived_ms ? 2 : 1;
  return 4;
}

function jobCard(j, first) {
  const idp = `job-${j.id}`;
  const cur = j.currency;
  const at = stepOf(j);
  const action = ['', 'arrived', 'picked-up', 'delivered'][at];
  const steps = el('ol', { class: 'steps', 'aria-label': t('courier.job.steps') }, ...STEPS.map((s, i) => {
    const cls = i < at ? 'done' : i === at ? 'current' : 'later';
    return el('li', { class: 'step ' + cls, 'data-step': s, 'aria-current': i === at ? 'step' : null },
      el('span', { class: 'step-name' }, t('courier.step.' + s)), ' ',
      el('span', { class: 'step-state' }, t('courier.stepstate.' + cls)));
  }));
  const pay = j.courier_pay || {};
  const mapBox = el('div', { class: 'map', id: `${idp}-map` });
  const card = el('article', { class: 'job', id: idp, 'data-job-id': String(j.id), 'data-state': j.state,
    'aria-labelledby': `${idp}-h` },
    el('h3', { id: `${idp}-h` }, t('courier.job.heading'), ' ', raw(`#${j.id} · ${j.place.name}`)),
    steps,
    action ? el('button', { type: 'button', class: 'big next-step', id: `${idp}-next`, 'data-action': action,
      onclick: (ev) => step(j, action, ev.currentTarget) }, t('courier.action.' + action)) : null,
    j.state === 'assigned' ? el('button', { type: 'button', class: 'secondary hand-back', id: `${idp}-hand-back`,
      onclick: (ev) => reasonForm(ev.currentTarget.closest('article'), idp, 'handback',
        (why, b) => handBack(j, why, b)) }, t('courier.handback.button')) : null,
    j.arrived_ms && j.state === 'assigned' ? el('p', { class: 'waiting-at' }, t('courier.job.waiting_at_pickup'), ' ',
      raw('', { 'data-since': String(j.arrived_ms), id: `${idp}-waited` })) : null,
    el('p', { class: 'form-error' }),
    el('p', { class: 'job-pay' }, t('courier.job.pay'), ' ',
      raw(money(pay.total_micros, cur), { id: `${idp}-pay`, 'data-micros': String(pay.total_micros) }), ' ',
      el('span', { class: 'muted' }, t('courier.job.pay_parts'), ' '),
      raw(`${money(pay.base_micros, cur)} + ${money(pay.distance_micros, cur)} + ${money(pay.time_micros, cur)} + ${money(pay.waiting_micros, cur)}`,
        { class: 'muted' })),
    el('dl', { class: 'places' },
      el('dt', {}, t('courier.place.pickup')),
      el('dd', {}, raw(j.place.name), el('br'), raw(`${coord(j.place.lat)}, ${coord(j.place.lon)}`, { class: 'coords' }), ' ',
        geoLink(j.place.lat, j.place.lon)),
      el('dt', {}, t('courier.place.dropoff')),
      el('dd', {}, raw(`${coord(j.dropoff.lat)}, ${coord(j.dropoff.lon)}`, { class: 'coords' }), ' ',
        geoLink(j.dropoff.lat, j.dropoff.lon)),
      j.note ? el('dt', {}, t('courier.place.note')) : null,
      j.note ? el('dd', {}, raw(j.note)) : null),
    first ? el('figure', { class: 'map-fig' }, mapBox,
      el('figcaption', { class: 'muted' }, t('courier.map.caption'))) : null);
  return { card, mapBox: first ? mapBox : null, job: j };
}

function drawJobs() {
  clearMaps();
  const list = $('jobs-list');
  list.textContent = '';
  const drawn = S.jobs.map((j, i) => jobCard(j, i === 0));
  for (const d of drawn) list.append(d.card);
  for (const d of drawn) {
    if (!d.mapBox) continue;
    const j = d.job;
    const pts = [];
    if (S.pos) pts.push({ ...S.pos, kind: 'you', text: t('courier.map.you') });
    if (j.state === 'assigned') pts.push({ lat: j.place.lat, lon: j.place.lon, kind: 'pickup', text: t('courier.map.pickup') });
    pts.push({ lat: j.dropoff.lat, lon: j.dropoff.lon, kind: 'dropoff', text: t('courier.map.dropoff') });
    try { drawMap(d.mapBox, pts, config); } catch (e) { d.mapBox.hidden = true; console.warn('map', e); }
  }
}

const LOCATION_CODES = ['away_from_pickup', 'away_from_dropoff', 'too_soon_after_pickup'];

// A reason asked for in a job's card (a location exception, a hand-back):
// a text field and a button; submit(reason, button) does the request.
function reasonForm(card, idp, kind, submit) {
  const old = card.querySelector('.reason-form');
  if (old) old.remove();
  const input = el('input', { type: 'text', name: 'reason', id: `${idp}-${kind}-reason`, maxlength: '500',
    required: '' });
  const btn = el('button', { type: 'submit', id: `${idp}-${kind}-submit` }, t(`courier.${kind}.submit`));
  const form = el('form', { class: 'reason-form', 'data-kind': kind, novalidate: '' },
    el('label', { for: input.id }, t(`courier.${kind}.label`)), ' ', input, ' ', btn);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    if (!input.value.trim()) { input.focus(); return; }
    submit(input.value.trim(), btn);
  });
  card.querySelector('.form-error').insertAdjacentElement('afterend', form);
  input.focus();
}

async function handBack(j, reason, btn) {
  const card = btn.closest('article');
  btn.disabled = true;
  try {
    await post(`/v1/courier/jobs/${j.id}/hand-back`, { reason });
    say(() => t('courier.handback.done'), 'ok');
    await refresh();
    $('courier-h').focus();
  } catch (e) {
    btn.disabled = false;
    showError(card, e);
  }
}

async function step(j, action, btn, reason) {
  const card = btn.closest('article');
  clearErrors(card);
  btn.disabled = true;
  try {
    const r = await post(`/v1/courier/jobs/${j.id}/${action}`, reason ? { reason } : undefined);
    if (action === 'delivered') {
      const p = r.courier_pay || {};
      say(() => t('courier.job.delivered', { pay: money(p.paid_micros || p.total_micros, r.currency) }), 'ok');
    } else {
      say(() => t('courier.action.done_' + action.replace('-', '_')), 'ok');
    }
    await refresh();
    const next = document.querySelector('#jobs-list .next-step');
    (next || $('courier-h')).focus();
  } catch (e) {
    btn.disabled = false;
    if (e instanceof ApiError && e.status === 409 && LOCATION_CODES.includes(e.code) && !reason) {
      // away from the place (or too soon): the courier may still report it, with a reason
      // the dispatcher sees
      showError(card, new ApiError(e.status, e.code, e.message, null));
      reasonForm(card, `job-${j.id}`, 'exception', (why, b) => step(j, action, b, why));
      return;
    }
    showError(card, e);
    if (e instanceof ApiError && e.status === 409) refresh();
  }
}

// ---- shift ----
function stat(id, label, extra) {
  return el('div', { class: 'stat' },
    el('span', { class: 'value', id, 'data-raw': '' }),
    el('span', { class: 'label' }, label),
    extra || null);
}

function drawShift() {
  const body = $('shift-body');
  body.textContent = '';
  const s = S.shift;
  if (!s) return;
  const cur = s.currency;
  const p = s.pay;
  body.append(
    el('p', { class: 'muted' }, s.online ? t('courier.shift.live_since') : t('courier.shift.ended'), ' ',
      raw(date(s.start_ms))),
    el('div', { class: 'stats' },
      stat('shift-online', t('courier.shift.online')),
      stat('shift-active', t('courier.shift.active')),
      stat('shift-waiting', t('courier.shift.waiting')),
      stat('shift-pay', t('courier.shift.pay')),
      stat('shift-counted', t('courier.shift.counted')),
      stat('shift-guarantee', t('courier.shift.guaranteed')),
      stat('shift-topup', s.online ? t('courier.shift.topup_expected') : t('courier.shift.topup_paid')),
      stat('shift-total', s.online ? t('courier.shift.total_if_now') : t('courier.shift.total')),
      stat('shift-orders', t('courier.shift.orders'))),
    el('p', { class: 'muted small' }, t('courier.shift.waiting_explained')),
    el('p', { class: 'muted small' }, t('courier.shift.guarantee_explained'), ' ',
      raw(moneyRounded(s.guarantee.per_hour_micros, cur))),
    el('details', {},
      el('summary', {}, t('courier.shift.pay_details')),
      el('table', { class: 'breakdown' },
        el('caption', { class: 'visually-hidden' }, t('courier.shift.pay_details')),
        el('tbody', {}, ...[['base', p.base_micros], ['distance', p.distance_micros], ['time', p.time_micros],
          ['waiting', p.waiting_micros], ['compensation', p.compensation_micros]].map(([k, v]) => el('tr', {},
          el('th', { scope: 'row' }, t('courier.part.' + k)),
          el('td', { class: 'num', 'data-micros': String(v) }, raw(money(v, cur)))))),
        el('tfoot', {}, el('tr', {}, el('th', { scope: 'row' }, t('courier.shift.pay')),
          el('td', { class: 'num' }, raw(money(p.orders_total_micros, cur))))))));
}

// live figures: the server's, plus what has elapsed since. The server's
// active and waiting totals already include the span running now (time.open)
// up to time.as_of_ms; only the time since then is added, to that span.
function shiftFigures(s) {
  const live = s.online;
  const n = now();
  const online = live ? Math.max(0, n - s.start_ms) : s.online_ms;
  let active = s.time.active_ms, waiting = s.time.waiting_ms;
  const open = s.time.open;
  if (live && open) {
    const asOf = s.time.as_of_ms ?? s.start_ms + s.online_ms;
    const d = Math.max(0, n - Math.max(asOf, open.since_ms));
    if (open.kind === 'active') active += d; else waiting += d;
  }
  const earned = BigInt(s.pay.orders_total_micros);
  // the time the guarantee counts: the server's (as of time.as_of_ms), plus
  // what has elapsed since while its last answer said the time counts (up
  // to the end of the booked slot running now)
  const g = s.guarantee;
  let counted = g.counted_ms ?? online;
  if (live && g.counted_ms !== undefined && g.counting) {
    const asOf = s.time.as_of_ms ?? s.start_ms + s.online_ms;
    const until = g.counting_until_ms ?? Infinity;
    counted += Math.max(0, Math.min(n, until) - asOf);
  }
  if (counted > online) counted = online;
  let guar, topup;
  if (live) {
    guar = guaranteeSoFar(s.guarantee.per_hour_micros, counted);
    topup = guar > earned ? guar - earned : 0n;
  } else {
    guar = BigInt(s.guarantee.guaranteed_micros);
    topup = BigInt(s.guarantee.topup_micros);
  }
  return { online, active, waiting, counted, earned, guar, topup, total: earned + topup };
}

function setText(id, text, attrs) {
  const e = $(id);
  if (!e) return;
  if (e.textContent !== text) e.textContent = text;
  if (attrs) for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
}

function tick() {
  const n = now();
  for (const c of document.querySelectorAll('[data-until]')) {
    const left = Number(c.dataset.until) - n;
    c.textContent = left > 0 ? clock(left) : t('courier.offer.expired');
    const art = c.closest('article');
    if (art) {
      const b = art.querySelector('button.accept');
      if (b && left <= 0) b.disabled = true;
      art.classList.toggle('urgent', left > 0 && left < 30000);
    }
  }
  for (const c of document.querySelectorAll('[data-since]')) c.textContent = duration(n - Number(c.dataset.since), { seconds: true });
  const s = S.shift;
  if (s && !$('shift').hidden) {
    const f = shiftFigures(s);
    const cur = s.currency;
    setText('shift-online', duration(f.online, { seconds: true }), { 'data-ms': String(Math.floor(f.online)) });
    setText('shift-active', duration(f.active, { seconds: true }), { 'data-ms': String(Math.floor(f.active)) });
    setText('shift-waiting', duration(f.waiting, { seconds: true }), { 'data-ms': String(Math.floor(f.waiting)) });
    setText('shift-pay', money(f.earned, cur), { 'data-micros': String(f.earned) });
    setText('shift-counted', duration(f.counted, { seconds: true }), { 'data-ms': String(Math.floor(f.counted)) });
    setText('shift-guarantee', money(f.guar, cur), { 'data-micros': String(f.guar) });
    setText('shift-topup', money(f.topup, cur), { 'data-micros': String(f.topup) });
    setText('shift-total', money(f.total, cur), { 'data-micros': String(f.total) });
    setText('shift-orders', number(s.orders));
  }
}

// ---- booked slots (when the platform uses them) ----
async function loadSlots() {
  try {
    S.slots = await get('/v1/courier/slots');
  } catch (e) {
    S.slots = null;
  }
  drawSlots();
}

function drawSlots() {
  const sec = $('slots');
  const L = S.slots;
  sec.hidden = !(L && L.enabled);
  if (sec.hidden) return;
  const list = $('slots-list');
  list.textContent = '';
  const n = now();
  const shown = L.slots.filter((x) => x.mine || x.end_ms > n).slice(0, 6);
  if (!shown.length) { list.append(el('p', { class: 'muted' }, t('courier.slots.none'))); return; }
  const ul = el('ul', { class: 'slot-list' });
  for (const x of shown) {
    const running = x.start_ms <= n && n < x.end_ms;
    const full = !x.mine && x.booked >= x.capacity;
    const btn = el('button', { type: 'button', class: x.mine ? 'secondary slot-cancel' : 'slot-book',
      'data-slot': String(x.id), disabled: full ? '' : null },
    x.mine ? t('courier.slots.cancel') : full ? t('courier.slots.full') : t('courier.slots.book'));
    if (!full) btn.addEventListener('click', () => slotAction(x, btn));
    ul.append(el('li', { class: 'slot' + (x.mine ? ' mine' : ''), 'data-slot': String(x.id) },
      el('span', { class: 'slot-when' }, raw(t('courier.slots.when', { start: hm(x.start_ms), end: hm(x.end_ms), area: x.area }))),
      el('span', { class: 'muted small' },
        x.mine ? t('courier.slots.yours') + (running ? ' · ' + t('courier.slots.now') : '')
          : t('courier.slots.places', { booked: number(x.booked), capacity: number(x.capacity) })),
      btn));
  }
  list.append(ul);
}

async function slotAction(x, btn) {
  btn.disabled = true;
  try {
    if (x.mine) {
      const r = await post(`/v1/courier/slots/${x.id}/cancel`);
      say(() => t(r.cancelled_late ? 'courier.slots.cancelled_late' : 'courier.slots.cancelled_ok'), 'ok');
    } else {
      await post(`/v1/courier/slots/${x.id}/book`);
      say(() => t('courier.slots.booked_ok'), 'ok');
    }
  } catch (e) {
    say(() => errorText(e), 'error');
  } finally {
    await loadSlots();
    refresh();
  }
}

// ---- live data: push, else polling ----
async function fetchAll() {
  const [o, j, s] = await Promise.all([
    get('/v1/courier/offers'), get('/v1/courier/jobs'),
    get('/v1/courier/shift').catch((e) => { if (e instanceof ApiError && e.code === 'no_shift') return null; throw e; })]);
  const snap = { online: o.online, offers: o.offers, jobs: j.jobs, shift: s };
  if (s && s.online) snap.time_ms = s.start_ms + s.online_ms;
  return snap;
}

async function refresh() {
  try {
    apply(await fetchAll());
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) { location.href = '/login?next=/courier'; return; }
    say(() => errorText(e), 'error');
  }
}

function setMode(m) {
  S.mode = m;
  drawMode();
}

function startPolling() {
  if (es) { es.close(); es = null; }
  setMode('poll');
  if (pollTimer) return;
  pollTimer = setInterval(refresh, POLL_MS);
  refresh();
}

function startPush() {
  if (typeof window.EventSource !== 'function') { startPolling(); return; }
  let got = false;
  es = new EventSource('/v1/courier/events');
  es.addEventListener('state', (ev) => {
    got = true;
    if (S.mode !== 'sse') setMode('sse');
    try { apply(JSON.parse(ev.data)); } catch (e) { console.warn('bad event', e); }
  });
  es.addEventListener('error', () => {
    if (!got || es.readyState === EventSource.CLOSED) startPolling();   // never worked, or given up: poll
    else setMode('reconnecting');                                      // the browser reconnects by itself
  });
}

// ---- position: the device's, or typed in ----
const geo = { watch: null, manual: false, last: null, sentAt: 0, sent: null, timer: null, state: 'off' };

function drawGeo() {
  const p = $('geo-status');
  p.dataset.state = geo.state;
  p.textContent = t('courier.geo.' + geo.state);
  $('pos-device').hidden = !navigator.geolocation || geo.state === 'on';
}

function distM(a, b) {
  const R = 6371008.8, r = Math.PI / 180;
  const x = (b.lon - a.lon) * r * Math.cos(((a.lat + b.lat) / 2) * r), y = (b.lat - a.lat) * r;
  return Math.sqrt(x * x + y * y) * R;
}

function fillFields(p) {
  $('pos-lat').value = p.lat.toFixed(6);
  $('pos-lon').value = p.lon.toFixed(6);
}

// send the device's position while online: at most every 10 s, and only
// when it moved 20 m or more (or a minute has passed)
function maybeSend() {
  if (!S.online || geo.manual || !geo.last) return;
  const wait = 10000 - (Date.now() - geo.sentAt);
  if (wait > 0) {
    if (!geo.timer) geo.timer = setTimeout(() => { geo.timer = null; maybeSend(); }, wait);
    return;
  }
  if (geo.sent && distM(geo.sent, geo.last) < 20 && Date.now() - geo.sentAt < 60000) return;
  const p = geo.last;
  geo.sentAt = Date.now();
  geo.sent = p;
  post('/v1/courier/position', { lat: p.lat, lon: p.lon }).then(() => { S.pos = p; }).catch((e) => {
    if (!(e instanceof ApiError && e.code === 'offline')) say(() => errorText(e), 'error');
  });
}

function startDevice() {
  if (!navigator.geolocation) { geo.state = 'unsupported'; drawGeo(); return; }
  if (geo.watch !== null) navigator.geolocation.clearWatch(geo.watch);
  geo.manual = false;
  geo.state = 'asking';
  drawGeo();
  geo.watch = navigator.geolocation.watchPosition((pos) => {
    geo.last = { lat: pos.coords.latitude, lon: pos.coords.longitude };
    if (!geo.manual) {
      geo.state = 'on';
      fillFields(geo.last);
      maybeSend();
    }
    drawGeo();
  }, (err) => {
    if (err.code === 1) {   // refused: stop asking
      geo.state = 'denied';
      if (geo.watch !== null) navigator.geolocation.clearWatch(geo.watch);
      geo.watch = null;
    } else if (!geo.last) {
      geo.state = 'unavailable';   // no fix yet; the watch goes on and may still get one
    }
    drawGeo();
  }, { enableHighAccuracy: true, maximumAge: 10000, timeout: 30000 });
}

function parseDeg(s) {
  const v = String(s).trim().replace(',', '.');
  return /^[-+]?\d+(\.\d+)?$/.test(v) ? Number(v) : NaN;
}

async function submitPosition(ev) {
  ev.preventDefault();
  const form = $('pos-form');
  clearErrors(form);
  const lat = parseDeg(form.lat.value), lon = parseDeg(form.lon.value);
  if (!(lat >= -85 && lat <= 85)) { showError(form, { field: 'lat', message: t('courier.pos.bad_lat') }); return; }
  if (!(lon >= -180 && lon <= 180)) { showError(form, { field: 'lon', message: t('courier.pos.bad_lon') }); return; }
  const btn = $('pos-submit');
  btn.disabled = true;
  try {
    if (!S.online) {
      await post('/v1/courier/online', { lat, lon });
      S.pos = { lat, lon };
      $('offline-result').hidden = true;
      lastResult = null;
      say(() => t('courier.now_online'), 'ok');
      await refresh();
      $('courier-h').focus();
    } else {
      await post('/v1/courier/position', { lat, lon });
      S.pos = { lat, lon };
      say(() => t('courier.pos.sent'), 'ok');
      drawJobs();
    }
  } catch (e) {
    showError(form, e);
    if (e instanceof ApiError && e.code === 'already_online') refresh();
  } finally {
    btn.disabled = false;
  }
}

async function goOffline() {
  const btn = $('go-offline');
  btn.disabled = true;
  try {
    const s = await post('/v1/courier/offline');
    const cur = s.currency;
    const res = $('offline-result');
    lastResult = () => t('courier.offline_result', {
      online: duration(s.online_ms), orders: number(s.orders), pay: money(s.pay.orders_total_micros, cur),
      topup: money(s.guarantee.topup_micros, cur), total: money(s.total_micros, cur),
    });
    res.textContent = lastResult();
    res.hidden = false;
    say(() => t('courier.now_offline'), 'ok');
    await refresh();
    $('courier-h').focus();
  } catch (e) {
    say(() => errorText(e), 'error');
  } finally {
    btn.disabled = false;
  }
}

// ---- start ----
const { me } = await startPage({ catalogues: ['courier'], auth: 'required' });
drawMode();
if (me.role !== 'worker') {
  $('courier').textContent = '';
  $('courier').append(el('p', { class: 'card', id: 'not-courier' }, t('courier.not_worker')));
  ready();
} else {
  try { config = await get('/v1/web/config'); } catch { /* no settings: no tiles */ }
  $('pos-form').addEventListener('submit', submitPosition);
  for (const id of ['pos-lat', 'pos-lon']) {
    $(id).addEventListener('input', () => {
      if (geo.state === 'on') { geo.manual = true; geo.state = 'manual'; drawGeo(); }
    });
  }
  $('pos-device').addEventListener('click', startDevice);
  $('go-offline').addEventListener('click', goOffline);
  geo.state = navigator.geolocation ? 'off' : 'unsupported';
  drawGeo();
  if (navigator.geolocation && navigator.permissions) {
    navigator.permissions.query({ name: 'geolocation' }).then((p) => {
      if (p.state === 'granted') startDevice();
      else if (p.state === 'denied') { geo.state = 'denied'; drawGeo(); }
    }, () => {});
  }
  await refresh();
  render(true);
  await loadSlots();
  setInterval(loadSlots, 60000);
  onLangChange(() => {
    drawMode(); drawGeo(); render(true); drawSlots();
    const f = $('flash');
    if (lastFlash && f.textContent) flash(lastFlash.make(), lastFlash.kind);
    if (lastResult && !$('offline-result').hidden) $('offline-result').textContent = lastResult();
  });
  setInterval(tick, 1000);
  startPush();
  ready();
}
