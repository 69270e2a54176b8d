// shell — what every page shares: catalogues, the signed-in person, the
// header (navigation, language switch, sign-out), and errors shown in plain
// words next to what caused them.
import { get, post, ApiError, cookie } from './api.js';
import { initI18n, t, has, lang, setLang, LANGS, onLangChange } from './i18n.js';

export { t, lang, onLangChange };

// el('button', {class: 'x', onclick: f}, 'text', child...) — small DOM builder
// (text is always set as text, never parsed as HTML).
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') e.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(e.dataset, v);
    else if (k === 'text') e.textContent = v;
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

// The message for an API error, in the page's language when the code is known.
// Codes whose server message says more than a generic sentence can: the
// message is kept (it is English; other languages get the sentence first).
const DETAILED = new Set(['invalid_field', 'missing_field', 'invalid_parameter', 'invalid_body']);

export function errorText(err) {
  if (err instanceof ApiError) {
    if (DETAILED.has(err.code) && err.message) {
      if (lang() === 'en' || !has('error.' + err.code)) return err.message;
      return t('error.' + err.code) + ' (' + err.message + ')';
    }
    if (has('error.' + err.code)) return t('error.' + err.code);
    if (err.status === 0) return t('error.network');
    return err.message || t('error.unknown');
  }
  return (err && err.message) || t('error.unknown');
}

// Show an error next to what caused it: the form field the server named (if
// it is in this form), else the form's own error slot. Inputs keep their text.
export function showError(where, err) {
  clearErrors(where);
  const msg = errorText(err);
  let target = null;
  if (err && err.field && where.querySelector) target = where.querySelector(`[name="${CSS.escape(err.field)}"]`);
  if (target) {
    const id = (target.id || target.name) + '-error';
    target.setAttribute('aria-invalid', 'true');
    const described = (target.getAttribute('aria-describedby') || '').split(' ').filter((x) => x && x !== id);
    target.setAttribute('aria-describedby', [...described, id].join(' '));
    target.insertAdjacentElement('afterend', el('p', { class: 'field-error', id, role: 'alert' }, msg));
    target.focus();
    return;
  }
  let slot = where.querySelector ? where.querySelector('.form-error') : null;
  if (!slot) {
    slot = el('p', { class: 'form-error' });
    where.prepend(slot);
  }
  slot.setAttribute('role', 'alert');
  slot.textContent = msg;
}

export function clearErrors(where) {
  if (!where.querySelectorAll) return;
  for (const e of where.querySelectorAll('[aria-invalid]')) {
    e.removeAttribute('aria-invalid');
    const keep = (e.getAttribute('aria-describedby') || '').split(' ')
      .filter((x) => x && !(document.getElementById(x) || { classList: { contains: () => false } }).classList.contains('field-error'));
    if (keep.length) e.setAttribute('aria-describedby', keep.join(' ')); else e.removeAttribute('aria-describedby');
  }
  for (const e of where.querySelectorAll('.field-error')) e.remove();
  for (const e of where.querySelectorAll('.form-error')) e.textContent = '';
}

// A polite announcement for screen readers and sighted people alike.
export function flash(text, kind = 'info') {
  const f = document.getElementById('flash');
  if (!f) return;
  f.className = 'flash ' + kind;
  f.textContent = text;
}

// The pages of each role: a console refuses every other role (startPage's
// `role`), and the server refuses their API calls whatever the page does.
const NAV = [
  { href: '/', key: 'nav.observatory', who: 'all' },
  { href: '/work', key: 'nav.work', who: 'worker' },
  { href: '/courier', key: 'nav.courier', who: 'worker' },
  { href: '/moderate', key: 'nav.moderate', who: 'worker' },
  { href: '/me', key: 'nav.me', who: 'worker' },
  { href: '/client', key: 'nav.client', who: 'client' },
  { href: '/restaurant', key: 'nav.restaurant', who: 'client' },
  { href: '/dispatch', key: 'nav.dispatch', who: 'admin' },
  { href: '/admin', key: 'nav.admin', who: 'admin' },
];

// Where a signed-in person lands: the first page of their role.
export function homeOf(account) {
  if (!account) return '/';
  const first = NAV.find((n) => n.who === account.role && n.href !== '/');
  return account.role === 'worker' ? '/me' : (first ? first.href : '/');
}

function drawHeader(me) {
  const top = document.getElementById('top');
  if (!top) return;
  top.textContent = '';
  const here = location.pathname.replace(/\/$/, '') || '/';
  const links = NAV.filter((n) => n.who === 'all' || (me && me.role === n.who)).map((n) =>
    el('li', {}, el('a', { href: n.href, 'aria-current': (n.href === here) ? 'page' : null }, t(n.key))));
  const langs = el('div', { class: 'langs', role: 'group', 'aria-label': t('nav.language') },
    ...LANGS.map((l) => el('button', {
      type: 'button', lang: l, class: 'lang', 'aria-pressed': String(l === lang()),
      onclick: () => setLang(l),
    }, t('lang.' + l))));
  let account;
  if (me) {
    account = el('div', { class: 'account' },
      el('span', { class: 'who' }, me.name),
      el('button', { type: 'button', class: 'link', id: 'logout', onclick: logout }, t('nav.logout')));
  } else {
    account = el('div', { class: 'account' }, el('a', { href: '/login', id: 'login-link' }, t('nav.login')));
  }
  top.append(
    el('a', { class: 'brand', href: '/' }, 'Visible'),
    el('nav', { 'aria-label': t('nav.main') }, el('ul', {}, ...links)),
    langs, account);
  const foot = document.getElementById('foot');
  if (foot) foot.textContent = t('foot.text');
}

async function logout() {
  try { await post('/v1/logout'); } catch { /* the session may already be gone */ }
  location.href = '/login';
}

// A console opened by another role: say whose page it is and where theirs
// is, draw nothing else (the page's own code never runs).
function refuse(me, role) {
  const main = document.getElementById('main');
  const home = homeOf(me);
  const box = el('section', { class: 'card refused', id: 'refused', 'aria-labelledby': 'refused-h' },
    el('h1', { id: 'refused-h' }, t('refused.title')),
    el('p', {}, t('refused.text', { role: t('role.' + role), mine: t('role.' + me.role) })),
    el('p', {}, el('a', { href: home }, t('refused.home'))));
  if (main) { main.textContent = ''; main.append(box); }
  document.title = t('refused.title') + ' — Visible';
  ready();
  return new Promise(() => {});
}

// Start a page: catalogues, the signed-in account (auth: 'none', 'optional'
// or 'required' — required sends to /login and back), then the header.
// role: the one role this console is for ('worker', 'client', 'admin').
export async function startPage({ catalogues = [], auth = 'optional', role = null } = {}) {
  await initI18n(catalogues);
  let me = null;
  /* no vis_csrf cookie: nobody is signed in in this browser, no need to ask */
  if (auth !== 'none' && cookie('vis_csrf')) {
    try { me = await get('/v1/me'); } catch (e) {
      if (!(e instanceof ApiError) || e.status !== 401) throw e;
    }
  }
  if (auth !== 'none') {
    if (!me && auth === 'required') {
      location.href = '/login?next=' + encodeURIComponent(location.pathname + location.search);
      return new Promise(() => {});
    }
  }
  drawHeader(me);
  onLangChange(() => drawHeader(me));
  if (role && me && me.role !== role) return refuse(me, role);
  return { me };
}

// The page has drawn what it shows (browser tests wait for this).
export function ready() { document.body.dataset.ready = '1'; }
