// restaurant-jobs — one card per delivery under way: state, the steps so
// far, the courier's position and the ETA (the server's figures), alerts (no
// courier found, late), the map (courier-map.js, shared with /courier) and
// cancellation with the refund the server reports.
import { el, t } from '../shell.js';
import { money, date, duration } from '../fmt.js';
import { drawMap } from './courier-map.js';

const LIVE = new Set(['scheduled', 'open', 'offered', 'assigned', 'picked_up']);
const CANCELLABLE = new Set(['scheduled', 'open', 'offered', 'assigned']);

export const isLive = (j) => LIVE.has(j.state);

const maps = new Map();        // job id -> {map, key}
const cancelForms = new Map(); // job id -> form element (kept across redraws: nothing typed is lost)
const refunds = new Map();     // job id -> refund object from the cancel answer

export function rememberRefund(id, refund) { refunds.set(id, refund); }

const raw = (tag, attrs, text) => el(tag, Object.assign({ 'data-raw': '' }, attrs || {}), text);

function stateBadge(j) {
  const cls = j.state === 'delivered' ? 'ok' : j.state === 'cancelled' ? 'bad' : 'warn';
  return el('span', { class: 'badge ' + cls, id: `job-${j.id}-state`, 'data-state': j.state },
    t('restaurant.state.' + j.state));
}

// The steps: posted, a courier accepted, picked up, delivered (or cancelled).
// A job scheduled for later is not posted to couriers yet: its first step
// says so, with the time the food will be ready, and is the current one.
function timeline(j) {
  const steps = [
    j.state === 'scheduled' ? ['scheduled', null, j.ready_ms] : ['posted', j.placed_ms],
    ['accepted', j.accepted_ms],
    ['picked_up', j.picked_up_ms],
    ['delivered', j.delivered_ms],
  ];
  if (j.state === 'cancelled') {
    const upto = steps.filter(([, ms]) => ms !== null && ms !== undefined);
    upto.push(['cancelled', j.cancelled_ms]);
    return list(j, upto.map(([k, ms]) => [k, ms, 'done']));
  }
  let current = false;
  const out = steps.map(([k, ms, at]) => {
    if (ms !== null && ms !== undefined) return [k, ms, 'done'];
    if (!current) { current = true; return [k, at || null, 'current']; }
    return [k, null, 'later'];
  });
  return list(j, out);
}

function list(j, steps) {
  return el('ol', { class: 'steps', id: `job-${j.id}-steps`, 'aria-label': t('restaurant.job.steps') },
    ...steps.map(([k, ms, cls]) => el('li', { class: 'step ' + cls, 'data-step': k, 'aria-current': cls === 'current' ? 'step' : null },
      el('span', {}, t('restaurant.step.' + k + (cls === 'current' && k === 'accepted' && j.state === 'offered' ? '_offered' : ''))),
      ms ? raw('span', { class: 'when' },
        date(ms, k === 'scheduled' ? { month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' }
          : { timeStyle: 'short' })) : null)));
}

function alertsBox(j) {
  const act = (j.alerts || []).filter((a) => a.active);
  if (!act.length) return null;
  return el('div', { class: 'alerts', id: `job-${j.id}-alerts`, role: 'alert' },
    ...act.map((a) => el('p', { class: 'alert alert-' + a.kind, 'data-kind': a.kind },
      el('strong', {}, t('restaurant.alert.' + a.kind)), ' ',
      a.kind === 'late'
        ? t('restaurant.alert.late_text', { time: date(j.ready_ms + j.expected_ms, { timeStyle: 'short' }) })
        : t('restaurant.alert.no_courier_text', { since: date(a.since_ms, { timeStyle: 'short' }) }),
      ' ', raw('span', { class: 'reason muted' }, '(' + a.reason + ')'))));
}

// ETA in words from the server's figure and the server's clock (offset).
function etaLine(j, serverNow) {
  const e = j.eta || {};
  if (j.state === 'delivered') {
    return el('p', { class: 'eta' }, t('restaurant.job.delivered_at'), ' ',
      raw('strong', { id: `job-${j.id}-eta`, 'data-ms': String(j.delivered_ms) }, date(j.delivered_ms, { timeStyle: 'short' })));
  }
  if (!LIVE.has(j.state) || e.dropoff_ms === null || e.dropoff_ms === undefined) return null;
  const left = e.dropoff_ms - serverNow;
  return el('p', { class: 'eta' }, t('restaurant.job.eta'), ' ',
    raw('strong', { id: `job-${j.id}-eta`, 'data-ms': String(e.dropoff_ms) }, date(e.dropoff_ms, { timeStyle: 'short' })),
    ' ', raw('span', { class: 'muted' }, '(' + (left > 0 ? t('restaurant.job.in', { d: duration(left) }) : t('restaurant.job.any_moment')) + ')'),
    el('span', { class: 'muted small basis' }, ' · ', t(j.courier_position ? 'restaurant.job.eta_courier' : 'restaurant.job.eta_ready')));
}

function courierLine(j, serverNow) {
  const p = j.courier_position;
  if (!p) return null;
  return el('p', { class: 'courier-pos' }, t('restaurant.job.courier_at'), ' ',
    raw('span', { id: `job-${j.id}-courier`, 'data-lat': String(p.lat), 'data-lon': String(p.lon) },
      p.lat.toFixed(5) + ', ' + p.lon.toFixed(5)),
    ' ', raw('span', { class: 'muted small' }, '(' + t('restaurant.job.seen', { d: duration(Math.max(0, serverNow - p.at_ms), { seconds: true }) }) + ')'));
}

function refundBox(j) {
  const r = refunds.get(j.id);
  if (!r) return null;
  const cur = j.currency;
  return el('div', { class: 'refund', id: `job-${j.id}-refund` },
    el('p', {}, t('restaurant.refund.back'), ' ',
      raw('strong', { id: `job-${j.id}-refunded`, 'data-micros': String(r.refunded_micros) }, money(r.refunded_micros, cur))),
    el('p', { class: 'muted' }, r.basis === 'accepted'
      ? t('restaurant.refund.why_accepted', { kept: money(r.courier_kept_micros, cur) })
      : t('restaurant.refund.why_open')));
}

function cancelForm(j, onCancel) {
  let f = cancelForms.get(j.id);
  if (f) return f;
  const reasonId = `job-${j.id}-reason`;
  const confirm = el('div', { class: 'confirm', hidden: true, id: `job-${j.id}-confirm` },
    el('div', { class: 'row' }, el('label', { for: reasonId }, t('restaurant.cancel.reason')),
      el('input', { id: reasonId, name: 'reason', maxlength: '500', autocomplete: 'off' })),
    el('p', { class: 'muted small', id: `job-${j.id}-cancel-terms` }),
    el('div', { class: 'actions' },
      el('button', { type: 'submit', class: 'danger', id: `job-${j.id}-cancel-confirm` }, t('restaurant.cancel.confirm')),
      el('button', { type: 'button', class: 'secondary', id: `job-${j.id}-cancel-keep`,
        onclick: () => { confirm.hidden = true; open.hidden = false; open.focus(); } }, t('restaurant.cancel.keep'))));
  const open = el('button', { type: 'button', class: 'secondary', id: `job-${j.id}-cancel`,
    onclick: () => { confirm.hidden = false; open.hidden = true; document.getElementById(reasonId).focus(); } },
  t('restaurant.cancel.open'));
  f = el('form', { class: 'cancel', novalidate: true, onsubmit: (ev) => { ev.preventDefault(); onCancel(j.id, f); } },
    el('p', { class: 'form-error' }), open, confirm);
  cancelForms.set(j.id, f);
  return f;
}

// Texts of a kept cancel form, redrawn with the job (and the language).
function cancelTerms(f, j) {
  const p = f.querySelector('.muted.small');
  const pay = j.courier_pay;
  p.textContent = j.state === 'assigned' && pay
    ? t('restaurant.cancel.terms_accepted', { kept: money(pay.base_micros, j.currency) })
    : t('restaurant.cancel.terms_open');
  f.querySelector('label').textContent = t('restaurant.cancel.reason');
  f.querySelector(`#job-${j.id}-cancel-confirm`).textContent = t('restaurant.cancel.confirm');
  f.querySelector(`#job-${j.id}-cancel-keep`).textContent = t('restaurant.cancel.keep');
  f.querySelector(`#job-${j.id}-cancel`).textContent = t('restaurant.cancel.open');
}

function mapPoints(j) {
  const pts = [
    { lat: j.place.lat, lon: j.place.lon, kind: 'pickup', text: t('restaurant.map.pickup') },
    { lat: j.dropoff.lat, lon: j.dropoff.lon, kind: 'dropoff', text: t('restaurant.map.dropoff') },
  ];
  if (j.courier_position) {
    const c = { lat: j.courier_position.lat, lon: j.courier_position.lon, kind: 'you', text: t('restaurant.map.courier') };
    if (j.state === 'picked_up') pts.splice(1, 0, c); else pts.unshift(c);
  }
  return pts;
}

function card(j, serverNow, onCancel) {
  const contact = j.dropoff_contact || {};
  const title = [j.place.name, contact.address].filter(Boolean).join(' → ');
  const c = el('article', { class: 'job card-in', id: `job-${j.id}`, 'data-job-id': String(j.id), 'aria-labelledby': `job-${j.id}-h` },
    el('header', { class: 'job-head' },
      el('h3', { id: `job-${j.id}-h` }, t('restaurant.job.title', { id: j.id }), ' ', raw('span', { class: 'job-where' }, title)),
      stateBadge(j)),
    alertsBox(j),
    timeline(j),
    etaLine(j, serverNow),
    courierLine(j, serverNow),
    el('p', { class: 'muted small' }, t('restaurant.job.price'), ' ',
      raw('span', { id: `job-${j.id}-price`, 'data-micros': String(j.price_micros) }, money(j.price_micros, j.currency)),
      contact.recipient_name ? [' · ', t('restaurant.job.for'), ' ', raw('span', {}, contact.recipient_name)] : null),
    refundBox(j));
  if (LIVE.has(j.state)) {
    const box = el('div', { class: 'map job-map', id: `job-${j.id}-map` });
    c.append(el('figure', { class: 'map-fig' }, box,
      el('figcaption', { class: 'muted small' }, t('restaurant.map.caption'))));
  }
  if (CANCELLABLE.has(j.state)) {
    const f = cancelForm(j, onCancel);
    cancelTerms(f, j);
    c.append(f);
  }
  return c;
}

// Draw the jobs (live first, then those ended in the last half hour).
export function drawJobs(container, jobs, serverNow, config, onCancel) {
  const keep = new Set();
  const focused = document.activeElement && container.contains(document.activeElement) ? document.activeElement.id : null;
  for (const m of maps.values()) { try { m.map.remove(); } catch { /* gone */ } }
  maps.clear();
  container.textContent = '';
  const sorted = [...jobs].sort((a, b) => (isLive(b) - isLive(a)) || (b.id - a.id));
  for (const j of sorted) {
    keep.add(j.id);
    container.append(card(j, serverNow, onCancel));
  }
  for (const j of sorted) {
    const box = document.getElementById(`job-${j.id}-map`);
    if (box) {
      const m = drawMap(box, mapPoints(j), config);
      if (m) {
        box.setAttribute('aria-label', t('restaurant.map.label', { id: j.id }));
        maps.set(j.id, { map: m });
      }
    }
  }
  for (const id of cancelForms.keys()) if (!keep.has(id)) cancelForms.delete(id);
  if (focused) { const e = document.getElementById(focused); if (e) e.focus(); }
  return sorted.length;
}

export function historyRow(j) {
  return el('tr', { id: `hist-${j.id}` },
    el('td', {}, t('restaurant.job.title', { id: j.id }), ' ', raw('span', { class: 'muted' }, j.place.name)),
    raw('td', {}, date(j.placed_ms)),
    el('td', {}, t('restaurant.state.' + j.state)),
    raw('td', { class: 'num', 'data-micros': String(j.price_micros) }, money(j.price_micros, j.currency)));
}

