// admin-util — small helpers shared by the administrator's console.
import { el, t } from '../shell.js';

// Data (names, numbers, amounts, server text) is marked data-raw: the
// translation check ignores it.
export const raw = (text, tag = 'span', attrs = {}) => el(tag, { ...attrs, 'data-raw': '' }, text);

// "2.50" or "2,50" -> 2500000n micros (exact, digits only); '' -> null; NaN if malformed.
export function parseAmount(text) {
  const s = String(text || '').trim().replace(/\s/g, '');
  if (!s) return null;
  const m = /^(\d{1,9})(?:[.,](\d{1,6}))?$/.exec(s);
  if (!m) return NaN;
  return BigInt(m[1]) * 1000000n + BigInt((m[2] || '').padEnd(6, '0'));
}

// Redraw a container, keeping what the person typed in its fields (by id)
// and where the focus was.
export function redraw(container, draw) {
  const kept = new Map();
  for (const f of container.querySelectorAll('input[id], textarea[id], select[id]')) {
    kept.set(f.id, f.type === 'checkbox' ? f.checked : f.value);
  }
  const focus = document.activeElement && container.contains(document.activeElement) ? document.activeElement.id : null;
  container.textContent = '';
  draw(container);
  for (const [id, v] of kept) {
    const f = document.getElementById(id);
    if (!f || !container.contains(f)) continue;
    if (f.type === 'checkbox') f.checked = v; else f.value = v;
  }
  if (focus) {
    const f = document.getElementById(focus);
    if (f) f.focus();
  }
}

// A two-column table of figures: [label, value] rows (value: node or text).
export function figureTable(caption, rows, id) {
  return el('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': caption, id },
    el('table', {},
      el('caption', {}, caption),
      el('tbody', {}, ...rows.map(([k, v, cls]) => el('tr', {},
        el('th', { scope: 'row' }, k),
        el('td', { class: cls || 'num' }, v))))));
}

// Trigger a download of text made in the page (a Blob URL: nothing inline).
export function download(name, type, text) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = el('a', { href: url, download: name, class: 'visually-hidden' }, name);
  document.body.append(a);
  a.click();
  setTimeout(() => { URL.revokeObjectURL(url); a.remove(); }, 1000);
}

// An ok / not ok badge in words (never colour alone).
export function verdict(ok, okKey, badKey) {
  return el('p', { class: 'verdict ' + (ok ? 'ok' : 'bad') },
    el('span', { class: 'badge ' + (ok ? 'ok' : 'bad') }, t(ok ? 'admin.ok' : 'admin.not_ok')), ' ', t(ok ? okKey : badKey));
}
