// api — the pages' only way to the server: same-origin fetch of the /v1 JSON
// API. The browser sends the HttpOnly session cookie by itself (the page never
// sees a token); every state-changing call carries X-CSRF-Token, read from the
// vis_csrf cookie (src/http/websess.h). Failures become ApiError with the
// server's code, message and field, so pages can show them next to the cause.

export class ApiError extends Error {
  constructor(status, code, message, field, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field || null;
    this.details = details || {}; // the whole error object (e.g. the rows of a refused upload)
  }
}

export function cookie(name) {
  for (const part of document.cookie.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return decodeURIComponent(v.join('='));
  }
  return '';
}

export async function api(method, path, body, { headers = {}, raw = false } = {}) {
  const h = { Accept: 'application/json', ...headers };
  if (method !== 'GET' && method !== 'HEAD') {
    const c = cookie('vis_csrf');
    if (c) h['X-CSRF-Token'] = c;
  }
  let data;
  if (body !== undefined && body !== null) {
    if (typeof body === 'string') data = body;
    else {
      data = JSON.stringify(body);
      h['Content-Type'] = 'application/json';
    }
  }
  let r;
  try {
    r = await fetch(path, { method, headers: h, body: data, credentials: 'same-origin', cache: 'no-store' });
  } catch (e) {
    throw new ApiError(0, 'network', e.message || 'network error');
  }
  if (raw && r.ok) return r;
  const text = await r.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { json = null; }
  if (!r.ok) {
    const e = (json && json.error) || {};
    throw new ApiError(r.status, e.code || 'http_' + r.status, e.message || r.statusText, e.field, e);
  }
  return json;
}

export const get = (path, opts) => api('GET', path, undefined, opts);
export const post = (path, body, opts) => api('POST', path, body === undefined ? {} : body, opts);
