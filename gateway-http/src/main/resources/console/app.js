// The console's shell: sign-in, the page for the location's #hash, and sign-out when the token expires.
import { ApiError, getJson, whenExpired } from './api.js';
import { h } from './dom.js';
import { serviceToken } from './sas.js';
import * as session from './session.js';
import * as overview from './overview.js';
import * as devices from './devices.js';
import * as messages from './messages.js';
import * as connection from './connection.js';

const PAGES = { overview, devices, messages, connection };
const TITLES = { overview: 'Overview', devices: 'Devices', messages: 'Messages', connection: 'Connection' };
const main = document.getElementById('main');
let unmount = () => {};
let expiryTimer;
/** Why the sign-in page is showing again, said once on it. */
let signOutReason = '';

function show() {
  unmount();
  unmount = () => {};
  main.replaceChildren();
  const current = session.current();
  document.getElementById('nav').hidden = !current;
  document.getElementById('who').hidden = !current;
  if (!current) {
    signInPage();
    return;
  }
  document.getElementById('who-text').textContent =
    `${current.policy} · until ${new Date(current.expiry * 1000).toLocaleTimeString()}`;
  clearTimeout(expiryTimer);
  expiryTimer = setTimeout(() => signOut('Your token expired: sign in again.'), current.expiry * 1000 - Date.now());
  const name = PAGES[location.hash.slice(1)] ? location.hash.slice(1) : 'overview';
  for (const link of document.querySelectorAll('#nav a')) {
    if (link.hash === `#${name}`) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  document.title = `${TITLES[name]} · Gatehouse console`;
  unmount = PAGES[name].mount(main) || (() => {});
}

function signOut(reason) {
  session.clear();
  clearTimeout(expiryTimer);
  signOutReason = reason;
  show();
}

function signInPage() {
  document.title = 'Sign in · Gatehouse console';
  const policy = h('input', { id: 'policy', name: 'policy', value: 'iothubowner', required: true, autocomplete: 'username' });
  const key = h('input', { id: 'key', name: 'key', type: 'password', required: true, autocomplete: 'current-password' });
  const lifetime = h('select', { id: 'lifetime' },
    h('option', { value: 3600 }, '1 hour'), h('option', { value: 8 * 3600 }, '8 hours'),
    h('option', { value: 24 * 3600 }, '24 hours'));
  const message = h('p', { id: 'sign-in-message', class: signOutReason ? 'error' : 'muted', role: 'alert' }, signOutReason);
  const button = h('button', { type: 'submit', id: 'sign-in' }, 'Sign in');
  signOutReason = '';

  async function submit(event) {
    event.preventDefault();
    button.disabled = true;
    message.className = 'muted';
    message.textContent = 'Signing in…';
    try {
      const { token, expiry } = await serviceToken(location.hostname, policy.value.trim(), key.value, Number(lifetime.value));
      await getJson('/gatehouse/connection-info', { token });
      session.save({ token, expiry, policy: policy.value.trim() });
      if (!PAGES[location.hash.slice(1)]) location.hash = '#overview';
      show();
    } catch (e) {
      message.className = 'error';
      message.textContent = e instanceof ApiError && e.status === 401
        ? `Sign-in refused: ${e.message}` : `Cannot sign in: ${e.message}`;
    } finally {
      key.value = '';
      button.disabled = false;
    }
  }

  main.append(h('section', { class: 'card sign-in' },
    h('h1', {}, 'Sign in'),
    h('p', { class: 'muted' }, 'With a shared access policy of this hub. Your browser signs a token with the key; the key is '
      + 'not sent and not stored, and the token is kept in this tab only.'),
    h('form', { id: 'sign-in-form', onSubmit: submit },
      h('label', { for: 'policy' }, 'Policy name'), policy,
      h('label', { for: 'key' }, 'Policy key'), key,
      h('label', { for: 'lifetime' }, 'Token valid for'), lifetime,
      button),
    message));
  policy.value ? key.focus() : policy.focus();
}

whenExpired(() => signOut('Your session ended: sign in again.'));
document.getElementById('sign-out').addEventListener('click', () => signOut(''));
window.addEventListener('hashchange', () => {
  show();
  main.focus({ preventScroll: true }); // screen readers start at the new page, not at the link
});
show();
