// /restaurant — the restaurant's console (issue 16): pickup places, a quote
// as you type (the server's figures), posting a delivery with an
// Idempotency-Key, live tracking pushed by the server (GET
// /v1/delivery/events, Server-Sent Events; polling every 5 s only when the
// stream cannot be opened), cancellation with the refund the server
// reports, and the status callbacks' settings.
import { api, get, post, ApiError } from '../api.js';
import { startPage, ready, el, t, showError, clearErrors, flash, errorText, onLangChange } from '../shell.js';
import { applyDom } from '../i18n.js';
import { money, date, duration, number } from '../fmt.js';
import { drawJobs, historyRow, isLive, rememberRefund } from './restaurant-jobs.js';
import { startHooks } from './restaurant-hooks.js';

const $ = (id) => document.getElementById(id);
const POLL_MS = 5000;
const RECENT_MS = 30 * 60 * 1000;
const S = {
  config: { tile_url: '' },
  currency: 'EUR',
  places: [],
  balance: null,
  jobs: [],          // live and recently ended, as the stream sends them
  offset: 0,         // server clock - browser clock (the platform may run its own clock)
  mode: 'connecting',
  quote: null,       // {key, q}: the quote shown, for the inputs in key
  quoteSeq: 0,
  post: null,        // {body, key}: the Idempotency-Key of the posting in progress
};
const serverNow = () => Date.now() + S.offset;

// ---- the mode line: live, reconnecting, polling ----
function setMode(m) {
  S.mode = m;
  const b = $('mode');
  b.dataset.mode = m;
  b.textContent = t('restaurant.mode.' + m);
}

// ---- balance ----
async function loadBalance() {
  try {
    S.balance = await get('/v1/me/balance');
    S.currency = S.balance.currency || S.currency;
  } catch { /* shown as — */ }
  drawBalance();
}
function drawBalance() {
  const b = S.balance;
  $('bal-available').textContent = b ? money(b.available_micros, b.currency) : '—';
  $('bal-available').dataset.micros = b ? String(b.available_micros) : '';
  $('bal-escrow').textContent = b ? money(b.escrow_micros, b.currency) : '—';
  $('bal-escrow').dataset.micros = b ? String(b.escrow_micros) : '';
  drawQuote();
}

// ---- places ----
async function loadPlaces() {
  const r = await get('/v1/delivery/places');
  S.places = r.places || [];
  drawPlaces();
}
function drawPlaces() {
  const body = $('places-body');
  body.textContent = '';
  for (const p of S.places) {
    body.append(el('tr', { id: `place-${p.id}` },
      el('th', { scope: 'row', 'data-raw': '' }, p.name),
      el('td', { class: 'num', 'data-raw': '' }, p.lat.toFixed(5)),
      el('td', { class: 'num', 'data-raw': '' }, p.lon.toFixed(5))));
  }
  if (!S.places.length) body.append(el('tr', {}, el('td', { colspan: '3', class: 'muted' }, t('restaurant.places.none'))));
  const sel = $('job-place');
  const was = sel.value;
  sel.textContent = '';
  for (const p of S.places) sel.append(el('option', { value: String(p.id), 'data-raw': '' }, p.name));
  if (was && S.places.some((p) => String(p.id) === was)) sel.value = was;
  $('no-place').hidden = S.places.length > 0;
  $('job-form').hidden = S.places.length === 0;
}

function coord(input) {
  const s = input.value.trim().replace(',', '.');
  if (!/^[-+]?\d+(\.\d+)?$/.test(s)) return null;
  return Number(s);
}

function fieldErr(form, field, key) {
  const e = new ApiError(400, 'invalid_field', t(key), field);
  showError(form, e);
}

async function addPlace(ev) {
  ev.preventDefault();
  const f = $('place-form');
  clearErrors(f);
  const name = $('place-name').value.trim();
  const lat = coord($('place-lat')), lon = coord($('place-lon'));
  if (!name) return fieldErr(f, 'name', 'restaurant.err.name');
  if (lat === null) return fieldErr(f, 'lat', 'restaurant.err.number');
  if (lon === null) return fieldErr(f, 'lon', 'restaurant.err.number');
  const btn = $('place-submit');
  btn.disabled = true;
  try {
    if (!f.dataset.key) f.dataset.key = newKey();
    const p = await api('POST', '/v1/delivery/places', { name, lat, lon }, { headers: { 'Idempotency-Key': f.dataset.key } });
    delete f.dataset.key;
    f.reset();
    await loadPlaces();
    $('job-place').value = String(p.id);
    flash(t('restaurant.places.added', { name: p.name }), 'ok');
    scheduleQuote();
  } catch (e) {
    if (e instanceof ApiError && e.status !== 0) delete f.dataset.key;
    showError(f, e);
  } finally { btn.disabled = false; }
}

// A map to pick a point, only when a tile URL is configured (a blank map
// gives nothing to aim at): a click fills the two fields.
function pickMap(boxId, hintId, latId, lonId, onPick) {
  const L = window.L;
  if (!L || !S.config.tile_url) return;
  const box = $(boxId);
  box.hidden = false;
  $(hintId).hidden = false;
  const map = L.map(box, { scrollWheelZoom: false });
  L.tileLayer(S.config.tile_url, { attribution: S.config.tile_attribution || '', maxZoom: 19 }).addTo(map);
  const p = S.places[0];
  map.setView(p ? [p.lat, p.lon] : [48.8566, 2.3522], 13);
  box.setAttribute('role', 'region');
  box.setAttribute('aria-label', t('restaurant.pick_label'));
  let mk = null;
  map.on('click', (e) => {
    $(latId).value = e.latlng.lat.toFixed(6);
    $(lonId).value = e.latlng.lng.toFixed(6);
    if (mk) mk.setLatLng(e.latlng); else mk = L.circleMarker(e.latlng, { radius: 7, color: '#0b5cad' }).addTo(map);
    if (onPick) onPick();
  });
}

// ---- the quote, as you type ----
function newKey() {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return 'restaurant-' + Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

// The body of the job the form describes (null with what is missing).
function jobBody() {
  const place = Number($('job-place').value);
  const lat = coord($('job-lat')), lon = coord($('job-lon'));
  if (!place || lat === null || lon === null) return null;
  const b = { place_id: place, dropoff_lat: lat, dropoff_lon: lon };
  if ($('when-later').checked) {
    const v = $('job-at').value;
    if (!v) return null;
    b.ready_at_ms = new Date(v).getTime();  // the person's local time
    if (!Number.isFinite(b.ready_at_ms)) return null;
  } else {
    const m = $('job-ready').value.trim();
    const n = m === '' ? 0 : Number(m);
    if (!Number.isInteger(n) || n < 0) return null;
    b.ready_in_s = n * 60;
  }
  return b;
}

function contact() {
  const d = {};
  for (const [id, k] of [['job-address', 'address'], ['job-name', 'recipient_name'], ['job-phone', 'phone'], ['job-instr', 'instructions']]) {
    const v = $(id).value.trim();
    if (v) d[k] = v;
  }
  return Object.keys(d).length ? d : null;
}

let quoteTimer = null;
function scheduleQuote() {
  clearTimeout(quoteTimer);
  const b = jobBody();
  const key = b ? JSON.stringify(b) : null;
  if (S.quote && S.quote.key !== key) { S.quote = null; drawQuote(); }
  if (!b) { drawQuote(); return; }
  $('quote-busy').hidden = false;
  quoteTimer = setTimeout(() => fetchQuote(b, key), 300);
}

async function fetchQuote(b, key) {
  const seq = ++S.quoteSeq;
  const f = $('job-form');
  try {
    const q = await post('/v1/delivery/quote', b);
    if (seq !== S.quoteSeq) return;
    S.quote = { key, q };
    if (b.ready_in_s !== undefined) S.offset = q.ready_ms - b.ready_in_s * 1000 - Date.now();
    clearQuoteErrors(f);
  } catch (e) {
    if (seq !== S.quoteSeq) return;
    S.quote = null;
    const had = document.activeElement;
    showError(f, e);
    if (had && had !== document.activeElement && f.contains(had)) had.focus();   // typing goes on where it was
  } finally {
    if (seq === S.quoteSeq) { $('quote-busy').hidden = true; drawQuote(); }
  }
}

function clearQuoteErrors(f) {
  for (const n of ['place_id', 'dropoff_lat', 'dropoff_lon', 'ready_in_s', 'ready_at_ms']) {
    const i = f.querySelector(`[name="${n}"]`);
    if (i && i.getAttribute('aria-invalid')) clearErrors(i.parentElement);
  }
  f.querySelector('.form-error').textContent = '';
}

function drawQuote() {
  const sq = S.quote;
  const has = !!sq;
  $('quote-empty').hidden = has;
  $('quote-figures').hidden = !has;
  $('quote-escrow').hidden = !has;
  $('quote-pay-note').hidden = !has;
  $('job-submit').disabled = !has;
  if (!has) {
    for (const id of ['quote-price', 'quote-pay', 'quote-eta', 'quote-distance']) { $(id).textContent = ''; delete $(id).dataset.micros; delete $(id).dataset.ms; }
    return;
  }
  const q = sq.q, cur = q.currency;
  const set = (id, text, data) => { const e = $(id); e.textContent = text; for (const [k, v] of Object.entries(data || {})) e.dataset[k] = String(v); };
  set('quote-price', money(q.price_micros, cur), { micros: q.price_micros });
  set('quote-pay', money(q.courier_pay.total_micros, cur), { micros: q.courier_pay.total_micros });
  set('quote-eta', date(q.promised_ms) + ' · ' + t('restaurant.quote.eta_ride', { d: duration(q.expected_ms) }), { ms: q.promised_ms });
  set('quote-distance', number(q.distance_m / 1000, 2) + ' km', { m: q.distance_m });
  const avail = S.balance ? S.balance.available_micros : null;
  const p = $('quote-escrow');
  p.textContent = '';
  p.dataset.enough = avail === null ? '' : String(avail >= q.price_micros);
  if (avail !== null && avail < q.price_micros) {
    p.className = 'escrow short';
    p.append(t('restaurant.quote.short', { price: money(q.price_micros, cur), avail: money(avail, cur) }));
  } else {
    p.className = 'escrow';
    p.append(t('restaurant.quote.escrow', { price: money(q.price_micros, cur),
      avail: avail === null ? '—' : money(avail, cur) }));
  }
}

function drawWhen() {
  const later = $('when-later').checked;
  $('job-at').disabled = !later;
  $('job-ready').disabled = later;
  const now = serverNow();
  const until = S.quote ? S.quote.q.schedule_until_ms : now + 7 * 86400000;
  const local = (ms) => { const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60000); return d.toISOString().slice(0, 16); };
  $('job-at').min = local(now);
  $('job-at').max = local(until);
  $('job-at-hint').textContent = t('restaurant.new.horizon', { until: date(until) });
}

async function postJob(ev) {
  ev.preventDefault();
  const f = $('job-form');
  const b = jobBody();
  if (!b || !S.quote || S.quote.key !== JSON.stringify(b)) return;
  const c = contact();
  const body = Object.assign({}, b, c ? { dropoff: c } : {});
  const text = JSON.stringify(body);
  if (!S.post || S.post.body !== text) S.post = { body: text, key: newKey() };   // a retry of the same job reuses its key
  clearErrors(f);
  const btn = $('job-submit');
  btn.disabled = true;
  try {
    const j = await api('POST', '/v1/delivery/jobs', body, { headers: { 'Idempotency-Key': S.post.key } });
    S.post = null;
    flash(t('restaurant.new.posted', { id: j.id, price: money(j.price_micros, j.currency) }), 'ok');
    for (const id of ['job-lat', 'job-lon', 'job-address', 'job-name', 'job-phone', 'job-instr']) $(id).value = '';
    S.quote = null;
    drawQuote();
    upsert(j);
    loadBalance();
    loadHistory();
  } catch (e) {
    if (e instanceof ApiError && e.status !== 0) S.post = null;   // refused: a corrected form is a new job
    showError(f, e);
  } finally { btn.disabled = !S.quote; }
}

// ---- live jobs ----
function upsert(j) {
  const i = S.jobs.findIndex((x) => x.id === j.id);
  if (i >= 0) S.jobs[i] = Object.assign({}, S.jobs[i], j); else S.jobs.unshift(j);
  drawLive();
}

function drawLive() {
  const n = drawJobs($('jobs-list'), S.jobs, serverNow(), S.config, cancelJob);
  $('live-empty').hidden = n > 0;
}

let statesSeen = '';
function apply(d) {
  S.offset = d.time_ms - Date.now();
  S.jobs = d.jobs || [];
  const states = S.jobs.map((j) => j.id + ':' + j.state).join(',');
  if (states !== statesSeen) {   // a state changed: the balance and the list follow
    if (statesSeen) { loadHistory(); loadBalance(); }
    statesSeen = states;
  }
  drawLive();
  drawWhen();
}

async function cancelJob(id, form) {
  clearErrors(form);
  const reason = form.querySelector('input[name=reason]').value.trim();
  const btn = form.querySelector('button[type=submit]');
  btn.disabled = true;
  try {
    const j = await post(`/v1/delivery/jobs/${id}/cancel`, reason ? { reason } : {});
    rememberRefund(id, j.refund);
    flash(t('restaurant.refund.flash', { id, amount: money(j.refund.refunded_micros, j.currency) }), 'ok');
    delete j.refund;
    upsert(j);
    loadBalance();
    loadHistory();
    const r = document.getElementById(`job-${id}-refund`);
    if (r) { r.tabIndex = -1; r.focus(); }
  } catch (e) {
    btn.disabled = false;
    showError(form, e);
  }
}

async function loadHistory() {
  let r;
  try { r = await get('/v1/delivery/jobs'); } catch { return; }
  const jobs = (r.jobs || []).slice(0, 20);
  const body = $('history-body');
  body.textContent = '';
  for (const j of jobs) body.append(historyRow(j));
  $('history-table').hidden = !jobs.length;
  $('history-empty').hidden = jobs.length > 0;
  S.history = r.jobs || [];
}

// Polling (no EventSource, or the stream never opened): the list, then
// each live or recently ended job's tracking.
let pollTimer = null;
async function refresh() {
  try {
    const r = await get('/v1/delivery/jobs');
    const now = serverNow();
    const pick = (r.jobs || []).filter((j) => isLive(j) || (j.delivered_ms || j.cancelled_ms || 0) >= now - RECENT_MS).slice(0, 50);
    const tracked = await Promise.all(pick.map((j) => get(`/v1/delivery/jobs/${j.id}`).catch(() => j)));
    S.jobs = tracked;
    drawLive();
  } catch { /* next time */ }
}
function startPolling() {
  if (pollTimer) return;
  setMode('poll');
  pollTimer = setInterval(refresh, POLL_MS);
  refresh();
}
function startPush() {
  if (typeof window.EventSource !== 'function') { startPolling(); return; }
  let got = false;
  const es = new EventSource('/v1/delivery/events');
  es.addEventListener('jobs', (ev) => {
    got = true;
    if (S.mode !== 'sse') setMode('sse');
    try { apply(JSON.parse(ev.data)); } catch (e) { console.warn('bad event', e); }
  });
  es.addEventListener('error', () => {
    if (!got || es.readyState === EventSource.CLOSED) { es.close(); startPolling(); } else setMode('reconnecting');
  });
}

// ---- start ----
async function main() {
  await startPage({ catalogues: ['courier', 'restaurant'], auth: 'required', role: 'client' });
  document.title = t('page.title');
  try { S.config = await get('/v1/web/config'); } catch { S.config = { tile_url: '' }; }
  setMode('connecting');
  try {
    await Promise.all([loadPlaces(), loadBalance(), loadHistory()]);
  } catch (e) {
    flash(errorText(e), 'error');
  }
  pickMap('place-pick', 'place-pick-hint', 'place-lat', 'place-lon');
  pickMap('job-pick', 'job-pick-hint', 'job-lat', 'job-lon', scheduleQuote);
  const form = $('job-form');
  form.addEventListener('input', (e) => { if (!/^dropoff\.|^job-(address|name|phone|instr)$/.test(e.target.name || e.target.id)) scheduleQuote(); });
  form.addEventListener('change', (e) => { if (e.target.name === 'when') { drawWhen(); scheduleQuote(); } });
  form.addEventListener('submit', postJob);
  $('place-form').addEventListener('submit', addPlace);
  drawWhen();
  startHooks();
  startPush();
  setInterval(() => { if (S.jobs.some(isLive)) refreshEtaWords(); }, 30000);
  onLangChange(() => { document.title = t('page.title'); setMode(S.mode); drawPlaces(); drawBalance(); drawWhen(); drawLive(); loadHistory(); applyDom(); });
  ready();
}

// the "(in 12 min)" words follow the clock between pushes
function refreshEtaWords() { drawLive(); }

main();
