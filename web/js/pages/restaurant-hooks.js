// restaurant-hooks — the status callbacks' settings: the address, the
// signing secret (hidden until asked for; a new one is shown once, when it
// is made), and the recent delivery failures.
import { api, get } from '../api.js';
import { el, t, showError, clearErrors, flash, onLangChange } from '../shell.js';
import { date, number } from '../fmt.js';

const $ = (id) => document.getElementById(id);
const H = { data: null, shown: false, fresh: false };

function mask(s) { return s ? s.slice(0, 6) + '•'.repeat(12) : '—'; }

function draw() {
  const d = H.data;
  if (!d) return;
  const sec = $('hook-secret');
  sec.textContent = H.shown ? d.signing_secret : mask(d.signing_secret);
  sec.dataset.shown = String(H.shown);
  const rv = $('hook-reveal');
  rv.hidden = !d.signing_secret;
  $('hook-rotate').hidden = !d.signing_secret;
  rv.setAttribute('aria-expanded', String(H.shown));
  rv.textContent = t(H.shown ? 'restaurant.hooks.hide' : 'restaurant.hooks.reveal');
  $('hook-secret-note').textContent = !d.signing_secret ? t('restaurant.hooks.no_secret')
    : H.fresh ? t('restaurant.hooks.fresh') : t('restaurant.hooks.secret_note', { header: d.signature_header });
  const body = $('hook-failures-body');
  body.textContent = '';
  for (const c of d.last_failures || []) {
    body.append(el('tr', {},
      el('td', { 'data-raw': '' }, c.event),
      el('td', { 'data-raw': '' }, date(c.created_ms)),
      el('td', { class: 'num', 'data-raw': '' }, number(c.attempts)),
      el('td', { 'data-raw': '' }, (c.last_status ? c.last_status + ' · ' : '') + c.last_error)));
  }
  const n = (d.last_failures || []).length;
  $('hook-failures').hidden = n === 0;
  $('hook-failures-empty').hidden = n > 0;
}

async function save(body, form, okKey) {
  clearErrors(form);
  try {
    H.data = await api('PUT', '/v1/delivery/callbacks', body);
    flash(t(okKey), 'ok');
    return true;
  } catch (e) {
    showError(form, e);
    return false;
  }
}

export async function startHooks() {
  try {
    H.data = await get('/v1/delivery/callbacks');
  } catch (e) {
    showError($('hook-form'), e);
    return;
  }
  $('hook-url').value = H.data.callback_url;
  draw();
  $('hook-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const btn = $('hook-save');
    btn.disabled = true;
    if (await save({ callback_url: $('hook-url').value.trim() }, $('hook-form'), 'restaurant.hooks.saved')) {
      $('hook-url').value = H.data.callback_url;
      draw();
    }
    btn.disabled = false;
  });
  $('hook-reveal').addEventListener('click', () => { H.shown = !H.shown; H.fresh = false; draw(); });
  $('hook-rotate').addEventListener('click', async () => {
    const btn = $('hook-rotate');
    btn.disabled = true;
    /* the saved address, not what is being typed: rotating changes only the secret */
    if (await save({ callback_url: H.data.callback_url, rotate_secret: true }, $('hook-form'), 'restaurant.hooks.rotated')) {
      H.shown = true;
      H.fresh = true;
      draw();
      $('hook-secret').parentElement.tabIndex = -1;
      $('hook-secret').parentElement.focus();
    }
    btn.disabled = false;
  });
  onLangChange(draw);
}
