// login — sign in and sign up. The server answers with session cookies (the
// page never holds a token), then the person goes where they were heading.
import { post } from '../api.js';
import { startPage, showError, clearErrors, t, ready, homeOf } from '../shell.js';

function next(account) {
  const n = new URLSearchParams(location.search).get('next');
  if (n && n.startsWith('/') && !n.startsWith('//')) return n;
  return homeOf(account);
}

async function submit(form, path, body, button) {
  clearErrors(form);
  button.disabled = true;
  try {
    const r = await post(path, { ...body, session: true });
    location.href = next(r.account);
  } catch (e) {
    showError(form, e);
    button.disabled = false;
  }
}

const { me } = await startPage({ catalogues: ['login'] });
if (me) document.getElementById('flash').textContent = t('login.already', { name: me.name });

const lf = document.getElementById('login-form');
lf.addEventListener('submit', (ev) => {
  ev.preventDefault();
  submit(lf, '/v1/login', { email: lf.email.value.trim(), password: lf.password.value }, document.getElementById('login-submit'));
});
const sf = document.getElementById('signup-form');
sf.addEventListener('submit', (ev) => {
  ev.preventDefault();
  submit(sf, '/v1/signup', {
    name: sf.elements.name.value.trim(), email: sf.email.value.trim(), password: sf.password.value,
    role: sf.querySelector('input[name=role]:checked').value,
  }, document.getElementById('signup-submit'));
});
ready();
