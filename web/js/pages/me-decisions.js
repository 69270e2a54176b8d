// me-decisions — the automated decisions about the worker, in plain
// language, and human review: ask for it, see its deadline, its outcome and
// the reviewer's written reasons.
import { get, post, ApiError } from '../api.js';
import { has } from '../i18n.js';
import { money, date } from '../fmt.js';
import { dur } from './me-fmt.js';
import { el, showError, clearErrors, flash, errorText, t, lang, onLangChange } from '../shell.js';

const st = { decisions: null, reviews: null, reviewDays: 14, open: new Map() /* decision id -> typed text */ };

// Time left before a deadline: whole days when there are two or more.
function left(ms) {
  const days = Math.floor(Math.max(0, ms) / 86400000);
  if (days >= 2) return new Intl.NumberFormat(lang(), { style: 'unit', unit: 'day', unitDisplay: 'long' }).format(days);
  return dur(Math.max(0, ms));
}

const raw = (text, attrs = {}) => el('span', { 'data-raw': '', ...attrs }, text);

async function load() {
  const [d, r] = await Promise.all([get('/v1/me/decisions'), get('/v1/me/reviews')]);
  st.decisions = d.decisions;
  st.reviewDays = d.review_days;
  st.reviews = new Map(r.reviews.map((x) => [x.decision_id, x]));
  draw();
}

// What the worker typed in open review forms survives a redraw.
function keepTyped() {
  for (const f of document.querySelectorAll('form.review-form')) {
    st.open.set(Number(f.dataset.decision), f.elements.message.value);
  }
}

function draw() {
  const list = document.getElementById('decisions-list');
  if (!st.decisions) return;
  keepTyped();
  document.getElementById('decisions-intro').textContent = t('me.decisions.intro', { days: st.reviewDays });
  list.textContent = '';
  if (!st.decisions.length) {
    list.append(el('p', { class: 'muted', id: 'decisions-empty' }, t('me.decisions.none')));
    return;
  }
  // newest first
  for (const d of st.decisions.slice().reverse()) list.append(decision(d));
  for (const [id, text] of st.open) {
    const f = document.querySelector(`form.review-form[data-decision="${id}"]`);
    if (f) f.elements.message.value = text;
  }
}

function explanation(d) {
  const key = `me.explain.${d.family}.${d.event}`;
  // the platform writes its explanations in English; other languages use the
  // catalogue's translation of the standard text when there is one
  if (lang() !== 'en' && has(key)) return el('p', { class: 'explanation' }, t(key));
  return el('p', { class: 'explanation', 'data-raw': '', lang: 'en' }, d.explanation);
}

function howDecided(d) {
  const items = [
    el('dt', {}, t('me.decisions.system')), el('dd', {}, raw(d.system, { lang: 'en' })),
    el('dt', {}, t('me.decisions.rule')), el('dd', {}, raw(d.rule, { lang: 'en' })),
  ];
  if (lang() !== 'en') items.push(el('dt', {}, t('me.decisions.original')), el('dd', {}, raw(d.explanation, { lang: 'en' })));
  // (a payload's 'why' is already shown as the explanation)
  const figs = Object.entries(d.figures || {}).filter(([k, v]) => !(k === 'why' && v === d.explanation));
  if (figs.length) {
    items.push(el('dt', {}, t('me.decisions.figures')),
      el('dd', {}, el('ul', { class: 'figures' }, ...figs.map(([k, v]) =>
        el('li', {}, raw(`${k}: ${typeof v === 'object' ? JSON.stringify(v) : v}`, { lang: 'en' }))))));
  }
  items.push(el('dt', {}, t('me.decisions.subject')), el('dd', {}, raw(d.subject)));
  return el('details', { class: 'how' }, el('summary', {}, t('me.decisions.how')), el('dl', {}, ...items));
}

function statusBadge(r) {
  const s = r.status; // open, overdue, upheld, overturned
  const kind = s === 'overturned' ? 'ok' : s === 'overdue' ? 'bad' : s === 'upheld' ? 'warn' : '';
  return el('span', { class: `badge review-status ${kind}`, dataset: { status: s } }, t('me.review.status.' + s));
}

function reviewBlock(d, r) {
  const hid = `review-h-${d.id}`;
  const parts = [
    el('h4', { id: hid }, t('me.review.title'), ' ', statusBadge(r)),
    el('p', { class: 'asked' }, t('me.review.asked', { date: date(r.created_ms) })),
    el('blockquote', { class: 'message' }, raw(r.message)),
  ];
  if (r.state === 'open') {
    parts.push(el('p', { class: 'deadline', dataset: { due: String(r.due_ms) } },
      r.overdue ? t('me.review.overdue', { due: date(r.due_ms) })
        : t('me.review.due', { due: date(r.due_ms), left: left(r.ms_left) })));
  } else {
    parts.push(el('p', { class: 'outcome' }, t('me.review.outcome.' + r.state, { date: date(r.decided_ms) }),
      r.answered_late ? ' ' + t('me.review.late', { due: date(r.due_ms) }) : ''));
    parts.push(el('p', { class: 'deadline', dataset: { due: String(r.due_ms) } }, t('me.review.was_due', { due: date(r.due_ms) })));
    parts.push(el('div', { class: 'reasons' }, el('strong', {}, t('me.review.reasons')), ' ', raw(r.reasons)));
    const acts = (r.remedy && r.remedy.actions) || [];
    if (acts.length) {
      parts.push(el('div', { class: 'remedy' }, el('strong', {}, t('me.review.remedy')),
        el('ul', {}, ...acts.map((a) => el('li', {}, raw(a.action, { lang: 'en' }),
          a.paid_micros ? raw(' — ' + money(a.paid_micros)) : '')))));
    }
  }
  return el('div', { class: 'review' }, ...parts);
}

function requestForm(d) {
  const id = `review-msg-${d.id}`;
  const form = el('form', { class: 'review-form', novalidate: true, dataset: { decision: String(d.id) } },
    el('p', { class: 'form-error' }),
    el('div', { class: 'row' },
      el('label', { for: id }, t('me.review.message')),
      el('textarea', { id, name: 'message', maxlength: '5000', required: true, 'aria-describedby': id + '-hint' }),
      el('p', { class: 'muted', id: id + '-hint' }, t('me.review.hint', { days: st.reviewDays }))),
    el('div', { class: 'actions' },
      el('button', { type: 'submit', class: 'send' }, t('me.review.send')),
      el('button', { type: 'button', class: 'secondary cancel' }, t('me.review.cancel'))));
  form.addEventListener('submit', (ev) => { ev.preventDefault(); send(d, form); });
  form.querySelector('.cancel').addEventListener('click', () => {
    st.open.delete(d.id);
    form.remove();
    const b = document.getElementById(`ask-${d.id}`);
    if (b) { b.hidden = false; b.setAttribute('aria-expanded', 'false'); b.focus(); }
  });
  return form;
}

async function send(d, form) {
  clearErrors(form);
  const msg = form.elements.message.value.trim();
  if (!msg) return showError(form, new ApiError(400, 'review_message_missing', '', 'message'));
  const btn = form.querySelector('.send');
  btn.disabled = true;
  try {
    const r = await post(`/v1/me/decisions/${d.id}/review`, { message: msg });
    st.open.delete(d.id);
    form.remove();
    await load();
    flash(t('me.review.sent', { due: date(r.due_ms) }), 'ok');
    const block = document.querySelector(`#decision-${d.id} .review`);
    if (block) { block.setAttribute('tabindex', '-1'); block.focus(); }
  } catch (e) {
    btn.disabled = false;
    showError(form, e);
  }
}

function decision(d) {
  const hid = `decision-h-${d.id}`;
  const title = has('me.event.' + d.event) ? t('me.event.' + d.event) : raw(d.event);
  const fam = has('me.family.' + d.family) ? t('me.family.' + d.family) : d.family;
  const concerns = d.concerns === 'you' ? t('me.concerns.you') : t('me.concerns.work');
  const art = el('article', { class: 'decision', id: `decision-${d.id}`, 'aria-labelledby': hid, dataset: { event: d.event, id: String(d.id) } },
    el('h3', { id: hid }, title),
    el('p', { class: 'meta muted' }, raw(date(d.at_ms)), ' · ', fam, ' · ', concerns),
    explanation(d));
  if (d.time) {
    art.append(el('p', { class: 'time' }, t('me.decisions.time.' + d.time.kind, {
      duration: dur(d.time.end_ms - d.time.start_ms), from: date(d.time.start_ms), to: date(d.time.end_ms),
    })));
  }
  if (d.amount_micros) art.append(el('p', {}, t('me.decisions.amount', { amount: money(d.amount_micros) })));
  art.append(howDecided(d));
  const r = st.reviews.get(d.id) || d.review;
  if (r) {
    art.append(reviewBlock(d, r));
  } else if (d.can_request_review) {
    const ask = el('button', { type: 'button', class: 'secondary ask', id: `ask-${d.id}`, 'aria-expanded': 'false' }, t('me.review.ask'));
    ask.addEventListener('click', () => {
      ask.hidden = true;
      ask.setAttribute('aria-expanded', 'true');
      st.open.set(d.id, '');
      const f = requestForm(d);
      art.append(f);
      f.elements.message.focus();
    });
    art.append(el('div', { class: 'actions' }, ask));
    if (st.open.has(d.id)) {
      ask.hidden = true;
      ask.setAttribute('aria-expanded', 'true');
      art.append(requestForm(d));
    }
  }
  return art;
}

export async function initDecisions() {
  try {
    await load();
  } catch (e) {
    const list = document.getElementById('decisions-list');
    list.textContent = '';
    list.append(el('p', { class: 'form-error', role: 'alert' }, errorText(e)));
  }
  onLangChange(draw);
}
