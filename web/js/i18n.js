// i18n — every string the pages show comes from a catalogue per language:
// /i18n/<lang>/<name>.json, flat objects of key -> text with {name}
// placeholders. "common" holds what every page shares; each page adds its own.
// The language is the one the person chose (cookie vis_lang, set by the
// switch), else the first of the browser's languages (its Accept-Language)
// that Visible speaks, else English. Switching re-renders in place: nothing
// typed is lost.

export const LANGS = ['en', 'fr'];
let current = 'en';
let names = ['common'];
let cat = {};
const listeners = [];

export const lang = () => current;

export function chosenLang() {
  const m = document.cookie.match(/(?:^|;\s*)vis_lang=([a-z]{2})/);
  if (m && LANGS.includes(m[1])) return m[1];
  for (const l of navigator.languages || [navigator.language || 'en']) {
    const p = String(l).toLowerCase().split('-')[0];
    if (LANGS.includes(p)) return p;
  }
  return 'en';
}

async function load(l) {
  const parts = await Promise.all(names.map(async (n) => {
    const r = await fetch(`/i18n/${l}/${n}.json`, { cache: 'no-cache' });
    if (!r.ok) throw new Error(`catalogue ${l}/${n} missing`);
    return r.json();
  }));
  return Object.assign({}, ...parts);
}

// Load the catalogues of these pages (plus common) in the chosen language.
export async function initI18n(pageNames = []) {
  names = ['common', ...pageNames];
  current = chosenLang();
  cat = await load(current);
  document.documentElement.lang = current;
  applyDom();
}

// The text of key in the current language, {x} replaced from vars. A key
// missing from the catalogue shows as ⟦key⟧, which the browser tests catch.
export function t(key, vars = {}) {
  const s = cat[key];
  if (s === undefined) return `⟦${key}⟧`;
  return s.replace(/\{(\w+)\}/g, (_, k) => (vars[k] !== undefined ? String(vars[k]) : `{${k}}`));
}

export const has = (key) => cat[key] !== undefined;

// Elements with data-i18n="key" get the text; data-i18n-attr="attr:key;attr2:key2"
// set attributes (placeholder, aria-label, title, alt).
export function applyDom(root = document) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-attr]')) {
    for (const pair of el.dataset.i18nAttr.split(';')) {
      const [a, k] = pair.split(':').map((x) => x.trim());
      if (a && k) el.setAttribute(a, t(k));
    }
  }
  if (cat['page.title']) document.title = t('page.title') + ' — Visible';
}

// Pages register what to redraw when the language changes.
export function onLangChange(fn) { listeners.push(fn); }

export async function setLang(l) {
  if (!LANGS.includes(l) || l === current) return;
  document.cookie = `vis_lang=${l}; Path=/; Max-Age=31536000; SameSite=Lax`;
  cat = await load(l);
  current = l;
  document.documentElement.lang = l;
  applyDom();
  for (const fn of listeners) fn(l);
}
