// dispatch-setup — the dispatcher's settings: the pricing rule set as a form
// (each server refusal next to its field; the guarantee below the platform's
// minimum names the minimum), the service areas as polygons drawn on a map
// by clicking vertices or typed as "lat, lon" lines (checked here for what
// can be seen at once — too few points, a polygon crossing itself — and by
// the server for the rest), and booked slots per area when slots are on.
import { get, api, post, ApiError } from '../api.js';
import { el, t, flash, showError, clearErrors, onLangChange } from '../shell.js';
import { moneyRounded, date } from '../fmt.js';
import { newMap, drawAreas, fitAreas, selfIntersects } from './dispatch-map.js';

const $ = (id) => document.getElementById(id);

// ---- money as typed decimals <-> integer micros, without floats ----
export function toMicros(text) {
  const s = String(text).trim().replace(/\s/g, '').replace(',', '.');
  const m = /^(-?)(\d{1,12})(?:\.(\d{0,6}))?$/.exec(s);
  if (!m) return null;
  return Number(BigInt(m[1] + m[2]) * 1000000n + BigInt(m[1] + (m[3] || '').padEnd(6, '0')));
}
export function fromMicros(micros) {
  const neg = micros < 0, v = BigInt(Math.abs(micros));
  let frac = String(v % 1000000n).padStart(6, '0').replace(/0+$/, '');
  if (frac.length < 2) frac = frac.padEnd(2, '0');
  return (neg ? '-' : '') + String(v / 1000000n) + '.' + frac;
}

// ---- pricing rules ----
const TARIFF = ['base_micros', 'per_km_micros', 'per_min_micros', 'minimum_micros'];
let rules = null, currency = 'EUR', cfg = {};

function field(name, labelKey, value, { hint, unit, type = 'text', inputmode = 'decimal' } = {}) {
  const id = 'rule-' + name.replace('.', '-');
  return el('div', { class: 'row' },
    el('label', { for: id }, t(labelKey) + (unit ? '\u00a0(' + unit + ')' : '')),
    el('input', { id, name, type, inputmode, value, autocomplete: 'off', 'aria-describedby': hint ? id + '-hint' : null }),
    hint ? el('p', { class: 'muted small', id: id + '-hint' }, hint) : null);
}

function drawRules(box) {
  const r = rules;
  box.textContent = '';
  const tariff = (who) => el('fieldset', {}, el('legend', {}, t('dispatch.rules.' + who)),
    ...TARIFF.map((k) => field(who + '.' + k, 'dispatch.rules.' + k, fromMicros(r[who][k]), { unit: currency })));
  const form = el('form', { id: 'rules-form', novalidate: true },
    el('p', { class: 'form-error' }),
    el('div', { class: 'grid two' }, tariff('client'), tariff('courier')),
    el('fieldset', {}, el('legend', {}, t('dispatch.rules.courier_floor')), el('div', { class: 'grid two' },
      field('guarantee_per_hour_micros', 'dispatch.rules.guarantee', fromMicros(r.guarantee_per_hour_micros), {
        unit: currency + '/h', hint: t('dispatch.rules.guarantee_hint', { min: moneyRounded(cfg.minimum_hourly_micros, currency) }) }),
      field('wait_free_ms', 'dispatch.rules.wait_free', String(Math.round(r.wait_free_ms / 60000)), { unit: 'min', inputmode: 'numeric' }),
      field('wait_per_min_micros', 'dispatch.rules.wait_per_min', fromMicros(r.wait_per_min_micros), { unit: currency + '/min' }),
      field('tz_offset_min', 'dispatch.rules.tz', String(r.tz_offset_min), { unit: 'min', inputmode: 'numeric' }))),
    el('fieldset', {}, el('legend', {}, t('dispatch.rules.tod_legend')),
      el('p', { class: 'muted small', id: 'tod-hint' }, t('dispatch.rules.tod_hint')),
      el('div', { id: 'tod-rows' }),
      el('button', { type: 'button', class: 'secondary', id: 'tod-add', onclick: () => {
        tods = readTods(); tods.push({ from: '11:30', to: '14:00', factor_permille: 1100 }); drawTods();
        const f = $('tod-from-' + (tods.length - 1)); if (f) f.focus();
      } }, t('dispatch.rules.tod_add'))),
    el('h3', {}, t('dispatch.rules.zones')),
    r.zones.length ? el('ul', { class: 'factors' },
      ...r.zones.map((z) => el('li', {}, el('span', { 'data-raw': '' }, `${z.name} ×${fromPermille(z.factor_permille)}`))))
      : el('p', { class: 'muted' }, t('dispatch.rules.no_zones')),
    el('p', { class: 'muted small' }, t('dispatch.rules.zones_kept')),
    el('div', { class: 'actions' }, el('button', { type: 'submit', id: 'rules-save' }, t('dispatch.rules.save'))));
  form.addEventListener('submit', (e) => { e.preventDefault(); saveRules(form, box); });
  box.append(form);
  tods = r.time_of_day.map((d) => ({ ...d }));
  drawTods();
}

// time-of-day windows: "HH:MM" to "HH:MM", a factor typed as 1.15 (kept in permille)
let tods = [];
const fromPermille = (p) => (p / 1000).toFixed(p % 10 ? 3 : 2);
function toPermille(text) {
  const m = /^(\d{1,3})(?:[.,](\d{0,3}))?$/.exec(String(text).trim());
  return m ? Number(m[1]) * 1000 + Number((m[2] || '').padEnd(3, '0')) : null;
}
function readTods() {
  return tods.map((_, i) => ({ from: $('tod-from-' + i).value, to: $('tod-to-' + i).value,
    factor_text: $('tod-factor-' + i).value }));
}
function drawTods() {
  const box = $('tod-rows');
  box.textContent = '';
  if (!tods.length) box.append(el('p', { class: 'muted' }, t('dispatch.rules.no_tod')));
  tods.forEach((d, i) => {
    const n = `time_of_day[${i}].`;
    box.append(el('div', { class: 'tod-row', role: 'group', 'aria-label': t('dispatch.rules.tod_n', { n: i + 1 }) },
      el('div', { class: 'row' }, el('label', { for: 'tod-from-' + i }, t('dispatch.rules.tod_from')),
        el('input', { id: 'tod-from-' + i, name: n + 'from', type: 'time', value: d.from })),
      el('div', { class: 'row' }, el('label', { for: 'tod-to-' + i }, t('dispatch.rules.tod_to')),
        el('input', { id: 'tod-to-' + i, name: n + 'to', type: 'time', value: d.to })),
      el('div', { class: 'row' }, el('label', { for: 'tod-factor-' + i }, t('dispatch.rules.tod_factor')),
        el('input', { id: 'tod-factor-' + i, name: n + 'factor_permille', inputmode: 'decimal', autocomplete: 'off',
          value: d.factor_text !== undefined ? d.factor_text : fromPermille(d.factor_permille), 'aria-describedby': 'tod-hint' })),
      el('button', { type: 'button', class: 'secondary', id: 'tod-remove-' + i,
        'aria-label': t('dispatch.rules.tod_remove_n', { n: i + 1 }),
        onclick: () => { tods = readTods(); tods.splice(i, 1); drawTods(); $('tod-add').focus(); } }, t('dispatch.rules.tod_remove'))));
  });
}

async function saveRules(form, box) {
  clearErrors(form);
  const val = (n) => form.querySelector(`[name="${n}"]`).value;
  const body = { client: {}, courier: {}, zones: rules.zones, time_of_day: [] };
  tods = readTods();
  for (let i = 0; i < tods.length; i++) {
    const pm = toPermille(tods[i].factor_text);
    if (pm === null) { showError(form, { field: `time_of_day[${i}].factor_permille`, message: t('dispatch.rules.bad_factor') }); return; }
    body.time_of_day.push({ from: tods[i].from, to: tods[i].to, factor_permille: pm });
  }
  const money = [...TARIFF.flatMap((k) => ['client.' + k, 'courier.' + k]), 'guarantee_per_hour_micros', 'wait_per_min_micros'];
  for (const n of money) {
    const m = toMicros(val(n));
    if (m === null) { showError(form, { field: n, message: t('dispatch.rules.bad_amount') }); return; }
    const [a, b] = n.split('.');
    if (b) body[a][b] = m; else body[a] = m;
  }
  for (const [n, mult] of [['wait_free_ms', 60000], ['tz_offset_min', 1]]) {
    const s = val(n).trim();
    if (!/^-?\d{1,6}$/.test(s)) { showError(form, { field: n, message: t('dispatch.rules.bad_integer') }); return; }
    body[n] = Number(s) * mult;
  }
  try {
    const r = await api('PUT', '/v1/admin/dispatch/rules', body);
    rules = r.rules;
    drawRules(box);
    flash(t('dispatch.rules.saved'), 'ok');
  } catch (e) {
    if (e instanceof ApiError && e.code === 'below_minimum')
      showError(form, { field: e.field, message: t('dispatch.rules.below_minimum', { min: moneyRounded(cfg.minimum_hourly_micros, currency) }) });
    else showError(form, e);
  }
}

export async function setupRules(box, config) {
  cfg = config || {};
  try {
    const r = await get('/v1/admin/dispatch/rules');
    rules = r.rules; currency = r.currency || 'EUR';
    drawRules(box);
  } catch (e) { showError(box, e); return; }
  onLangChange(() => {
    const f = $('rules-form');
    const typed = f ? [...f.querySelectorAll('input')].map((i) => [i.name, i.value]) : [];
    drawRules(box);
    for (const [n, v] of typed) { const i = box.querySelector(`[name="${n}"]`); if (i) i.value = v; }
  });
}

// ---- service areas ----
let areas = [], current = 0, amap = null, alayer = null, slots = null;

function parsePoints(text) {
  const pts = [], bad = [];
  text.split('\n').forEach((line, i) => {
    const s = line.trim();
    if (!s) return;
    const m = /^(-?\d+(?:\.\d+)?)\s*[,;\s]\s*(-?\d+(?:\.\d+)?)$/.exec(s);
    if (!m) bad.push(i + 1); else pts.push([Number(m[1]), Number(m[2])]);
  });
  return { pts, bad };
}
const fmtPts = (pts) => pts.map((p) => `${p[0].toFixed(6)}, ${p[1].toFixed(6)}`).join('\n');

function redrawMap() { alayer = drawAreas(amap, alayer, areas, current); }

function areaCard(a, i) {
  const name = el('input', { id: 'area-name-' + i, name: 'name', value: a.name, maxlength: 100, autocomplete: 'off' });
  const pts = el('textarea', { id: 'area-points-' + i, name: 'points', rows: 5, spellcheck: 'false',
    'aria-describedby': 'area-points-hint' }, fmtPts(a.points));
  name.addEventListener('input', () => { a.name = name.value; redrawMap(); });
  pts.addEventListener('input', () => { a.points = parsePoints(pts.value).pts; redrawMap(); });
  const on = i === current;
  return el('fieldset', { class: 'area' + (on ? ' current' : ''), id: 'area-' + i },
    el('legend', {}, t('dispatch.areas.area', { n: i + 1 })),
    el('div', { class: 'row' }, el('label', { for: name.id }, t('dispatch.areas.name')), name),
    el('div', { class: 'row' }, el('label', { for: pts.id }, t('dispatch.areas.points')), pts),
    el('div', { class: 'actions' },
      el('button', { type: 'button', class: 'secondary', 'aria-pressed': String(on), id: 'area-edit-' + i,
        onclick: () => { syncAreas(); current = i; drawAreaForm(); } }, t(on ? 'dispatch.areas.drawing' : 'dispatch.areas.draw')),
      el('button', { type: 'button', class: 'secondary', id: 'area-undo-' + i,
        onclick: () => { syncAreas(); a.points.pop(); drawAreaForm(); } }, t('dispatch.areas.undo')),
      el('button', { type: 'button', class: 'danger', id: 'area-remove-' + i,
        onclick: () => { syncAreas(); areas.splice(i, 1); current = Math.max(0, Math.min(current, areas.length - 1)); drawAreaForm(); } },
      t('dispatch.areas.remove'))));
}

// what is typed is the truth: read it back before redrawing
function syncAreas() {
  areas.forEach((a, i) => {
    if ($('area-name-' + i)) a.name = $('area-name-' + i).value;
    if ($('area-points-' + i)) a.points = parsePoints($('area-points-' + i).value).pts;
  });
}

function drawAreaForm() {
  const f = $('areas-form');
  clearErrors(f);
  const list = $('area-list');
  list.textContent = '';
  if (!areas.length) list.append(el('p', { class: 'muted' }, t('dispatch.areas.none')));
  areas.forEach((a, i) => list.append(areaCard(a, i)));
  redrawMap();
}

function checkAreas(f) {
  for (let i = 0; i < areas.length; i++) {
    const { pts, bad } = parsePoints($('area-points-' + i).value);
    const a = areas[i];
    a.name = $('area-name-' + i).value.trim();
    a.points = pts;
    const fail = (input, key, vars) => {
      const id = input.id + '-error';
      input.setAttribute('aria-invalid', 'true');
      input.setAttribute('aria-describedby', [input.getAttribute('aria-describedby'), id].filter(Boolean).join(' '));
      input.insertAdjacentElement('afterend', el('p', { class: 'field-error', id, role: 'alert' }, t(key, vars)));
      input.focus();
    };
    const P = $('area-points-' + i);
    if (!a.name) { fail($('area-name-' + i), 'dispatch.areas.need_name', { n: i + 1 }); return false; }
    if (bad.length) { fail(P, 'dispatch.areas.bad_line', { n: i + 1, line: bad[0] }); return false; }
    if (pts.length < 3) { fail(P, 'dispatch.areas.too_few', { n: i + 1 }); return false; }
    if (selfIntersects(pts)) { fail(P, 'dispatch.areas.crosses', { n: i + 1 }); return false; }
  }
  return true;
}

async function saveAreas(e) {
  e.preventDefault();
  const f = $('areas-form');
  clearErrors(f);
  if (!checkAreas(f)) return;
  try {
    const r = await api('PUT', '/v1/admin/dispatch/areas', { areas: areas.map((a) => ({ name: a.name, points: a.points })) });
    areas = r.areas.map((a) => ({ name: a.name, points: a.points }));
    drawAreaForm();
    flash(t('dispatch.areas.saved', { n: areas.length }), 'ok');
    await loadSlots();
  } catch (err) {
    if (err instanceof ApiError && err.code === 'invalid_area' && err.message)
      showError(f, { message: t('error.invalid_area') + ' (' + err.message + ')' });
    else showError(f, err);
  }
}

async function loadSlots() {
  const box = $('slots-body');
  if (!box) return;
  try { slots = await get('/v1/admin/dispatch/slots'); } catch (e) { showError(box, e); return; }
  drawSlots();
}

function drawSlots() {
  const box = $('slots-body');
  box.textContent = '';
  if (!slots) return;
  if (!slots.enabled) { box.append(el('p', { class: 'muted' }, t('dispatch.slots.off'))); return; }
  const rows = slots.slots.map((s) => el('tr', {},
    el('th', { scope: 'row' }, el('span', { 'data-raw': '' }, s.area)), el('td', {}, date(s.start_ms)), el('td', {}, date(s.end_ms)),
    el('td', { class: 'num', 'data-raw': '' }, `${s.booked} / ${s.capacity}`)));
  box.append(rows.length ? el('div', { class: 'table-wrap' }, el('table', {},
    el('caption', { class: 'visually-hidden' }, t('dispatch.slots')),
    el('thead', {}, el('tr', {}, ...['area', 'start', 'end', 'booked'].map((k) => el('th', { scope: 'col' }, t('dispatch.slots.' + k))))),
    el('tbody', {}, ...rows))) : el('p', { class: 'muted' }, t('dispatch.slots.none')));
  const form = el('form', { id: 'slot-form', novalidate: true }, el('p', { class: 'form-error' }),
    el('div', { class: 'grid three' },
      el('div', { class: 'row' }, el('label', { for: 'slot-area' }, t('dispatch.slots.area')),
        el('select', { id: 'slot-area', name: 'area' }, ...areas.map((a) => el('option', { value: a.name }, a.name)))),
      el('div', { class: 'row' }, el('label', { for: 'slot-start' }, t('dispatch.slots.start')),
        el('input', { id: 'slot-start', name: 'start_ms', type: 'datetime-local' })),
      el('div', { class: 'row' }, el('label', { for: 'slot-hours' }, t('dispatch.slots.hours')),
        el('input', { id: 'slot-hours', name: 'end_ms', type: 'number', min: 1, max: 24, value: 2 })),
      el('div', { class: 'row' }, el('label', { for: 'slot-cap' }, t('dispatch.slots.capacity')),
        el('input', { id: 'slot-cap', name: 'capacity', type: 'number', min: 1, value: 5 }))),
    el('button', { type: 'submit' }, t('dispatch.slots.publish')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    const start = new Date($('slot-start').value).getTime();
    if (!Number.isFinite(start)) { showError(form, { field: 'start_ms', message: t('dispatch.slots.need_start') }); return; }
    try {
      await post('/v1/admin/dispatch/slots', { area: $('slot-area').value, start_ms: start,
        end_ms: start + Number($('slot-hours').value) * 3600000, capacity: Number($('slot-cap').value) });
      flash(t('dispatch.slots.published'), 'ok');
      await loadSlots();
    } catch (err) { showError(form, err); }
  });
  box.append(form);
}

// the areas' map was drawn while hidden: size it and frame the areas
let framed = false;
export function areasShown() {
  if (!amap) return;
  amap.invalidateSize();
  if (!framed) { fitAreas(amap, areas); framed = areas.length > 0; }
}

export async function setupAreas(box, config) {
  box.textContent = '';
  const mapBox = el('div', { id: 'area-map', class: 'map area-map' });
  const form = el('form', { id: 'areas-form', novalidate: true },
    el('p', { class: 'form-error' }),
    el('p', { class: 'muted small', id: 'area-points-hint' }, t('dispatch.areas.hint')),
    el('div', { id: 'area-list' }),
    el('div', { class: 'actions' },
      el('button', { type: 'button', class: 'secondary', id: 'area-add', onclick: () => {
        syncAreas(); areas.push({ name: '', points: [] }); current = areas.length - 1; drawAreaForm();
        $('area-name-' + current).focus();
      } }, t('dispatch.areas.add')),
      el('button', { type: 'submit', id: 'areas-save' }, t('dispatch.areas.save'))));
  form.addEventListener('submit', saveAreas);
  box.append(el('p', { class: 'muted', id: 'areas-help' }, t('dispatch.areas.help')),
    el('div', { class: 'areas-grid' }, el('div', {}, mapBox, el('p', { class: 'muted small', id: 'areas-click' }, t('dispatch.areas.click'))), form),
    el('h3', { id: 'slots-h' }, t('dispatch.slots')), el('div', { id: 'slots-body' }));
  amap = newMap(mapBox, config, t('dispatch.areas.map_label'), { zoomIn: t('dispatch.map.zoom_in'), zoomOut: t('dispatch.map.zoom_out') });
  if (amap) amap.on('click', (e) => {
    syncAreas();
    if (!areas.length) { areas.push({ name: '', points: [] }); current = 0; }
    areas[current].points.push([Number(e.latlng.lat.toFixed(6)), Number(e.latlng.lng.toFixed(6))]);
    drawAreaForm();
  });
  try {
    const r = await get('/v1/admin/dispatch/areas');
    areas = r.areas.map((a) => ({ name: a.name, points: a.points }));
  } catch (e) { showError(form, e); }
  drawAreaForm();
  fitAreas(amap, areas);
  await loadSlots();
  onLangChange(() => {
    syncAreas();
    for (const [id, key] of [['areas-help', 'dispatch.areas.help'], ['area-points-hint', 'dispatch.areas.hint'],
      ['areas-click', 'dispatch.areas.click'], ['area-add', 'dispatch.areas.add'], ['areas-save', 'dispatch.areas.save'],
      ['slots-h', 'dispatch.slots']]) $(id).textContent = t(key);
    mapBox.setAttribute('aria-label', t('dispatch.areas.map_label'));
    drawAreaForm();
    drawSlots();
  });
}

