// Login, and the forced password change that follows when the account must_change_password.

import { session, setCsrfFallback, ApiError } from '../api.js';
import { h, append, clear, createForm, errorMessage, brandMark } from '../ui.js';

let current = null; // {card, onLoggedIn}

function brand() {
  return h('div', { class: 'login-brand' },
    brandMark('login-logo'),
    h('div', null,
      h('div', { class: 'login-name' }, 'floorguard'),
      h('div', { class: 'login-sub' }, 'Security control plane')));
}

export function render(root, { notice, onLoggedIn }) {
  const card = h('div', { class: 'login-card', 'data-testid': 'login' });
  const page = h('div', { class: 'login-page' }, card,
    h('p', { class: 'login-foot' }, 'Access is logged. Unauthorised use is prohibited.'));
  append(root, [page]);
  current = { card, onLoggedIn };
  showLoginForm(notice);
}

function showLoginForm(notice) {
  const { card } = current;
  clear(card);
  const error = h('div', { class: 'form-error', role: 'alert', hidden: true, 'data-testid': 'login-error' });
  const username = h('input', {
    class: 'input', id: 'login-username', name: 'username', autocomplete: 'username',
    'data-testid': 'login-username', required: true, autofocus: true, spellcheck: 'false',
  });
  const password = h('input', {
    class: 'input', id: 'login-password', name: 'password', type: 'password',
    autocomplete: 'current-password', 'data-testid': 'login-password', required: true,
  });
  // Always offered: the server does not say whether an account has TOTP (a missing code gets
  // the same answer as a wrong password), so the page cannot ask only when needed.
  const totp = h('input', {
    class: 'input input-mono', id: 'login-totp', name: 'totp', autocomplete: 'one-time-code',
    inputmode: 'numeric', 'data-testid': 'login-totp', spellcheck: 'false', maxlength: '32',
    placeholder: 'Only if you set up TOTP',
  });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-block', 'data-testid': 'login-submit' }, 'Log in');
  const form = h('form', { class: 'login-form', novalidate: true, 'data-testid': 'login-form' },
    h('div', { class: 'field field-full' }, h('label', { class: 'field-label', for: 'login-username' }, 'Username'), username),
    h('div', { class: 'field field-full' }, h('label', { class: 'field-label', for: 'login-password' }, 'Password'), password),
    h('div', { class: 'field field-full' }, h('label', { class: 'field-label', for: 'login-totp' }, 'Authenticator code'), totp),
    error,
    submit);

  const showError = (message) => {
    error.textContent = message;
    error.hidden = false;
  };

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.hidden = true;
    if (!username.value.trim() || !password.value) {
      showError('Enter your username and password.');
      return;
    }
    submit.disabled = true;
    submit.textContent = 'Logging in…';
    try {
      const data = await session.login(username.value.trim(), password.value, totp.value.trim());
      const user = data && data.user ? data.user : data;
      setCsrfFallback(data && data.csrf);
      if (user && user.must_change_password) {
        showPasswordChange(user, password.value);
        return;
      }
      current.onLoggedIn(user, data && data.csrf, Boolean(data && data.must_enroll_totp));
    } catch (err) {
      const hadCode = totp.value !== '';
      password.value = '';
      totp.value = '';
      if (err instanceof ApiError && err.status === 401) {
        showError(hadCode ? 'Wrong username, password or code.' : 'Wrong username or password.');
      } else if (err instanceof ApiError && err.status === 403) {
        showError(err.detail || 'This account may not log in.');
      } else if (err instanceof ApiError && err.status === 429) {
        showError('Too many attempts. Wait a moment and try again.');
      } else {
        showError(errorMessage(err));
      }
      password.focus();
    } finally {
      submit.disabled = false;
      submit.textContent = 'Log in';
    }
  });

  append(card, [
    brand(),
    h('h1', { class: 'login-title' }, 'Log in to the console'),
    notice ? h('div', { class: 'notice notice-info', 'data-testid': 'login-notice' }, notice) : null,
    form,
  ]);
  setTimeout(() => username.focus(), 0);
}

// The account must choose a new password before it can do anything else.
export function showPasswordChange(user, knownCurrent = '') {
  const { card } = current;
  clear(card);
  const form = createForm({
    testid: 'password-form',
    submitLabel: 'Change password',
    fields: [
      { name: 'current_password', label: 'Current password', type: 'password', required: true,
        size: 'full', value: knownCurrent, autocomplete: 'current-password' },
      { name: 'new_password', label: 'New password', type: 'password', required: true, size: 'full',
        autocomplete: 'new-password', hint: 'A long passphrase is best; the server checks it against the password policy.' },
      { name: 'confirm_password', label: 'Repeat new password', type: 'password', required: true,
        size: 'full', autocomplete: 'new-password' },
    ],
    onSubmit: async (values) => {
      if (values.new_password !== values.confirm_password) {
        throw new ApiError(400, {
          title: 'Invalid input',
          errors: [{ field: 'confirm_password', message: 'does not match the new password' }],
        });
      }
      await session.changePassword(values.current_password, values.new_password);
      let fresh = { ...user, must_change_password: false };
      let csrf;
      let mustEnroll = false;
      try {
        const data = await session.current();
        fresh = data && data.user ? data.user : data;
        csrf = data && data.csrf;
        mustEnroll = Boolean(data && (data.must_enroll_totp || data.user?.must_enroll_totp));
      } catch {
        // Some servers end the session on a password change: log in again then.
        showLoginForm('Password changed. Log in with your new password.');
        return;
      }
      current.onLoggedIn(fresh, csrf, mustEnroll);
    },
  });
  append(card, [
    brand(),
    h('h1', { class: 'login-title' }, 'Choose a new password'),
    h('p', { class: 'login-text', 'data-testid': 'password-required' },
      `${user.username}, your password was set by an administrator or has expired. Choose a new one to continue.`),
    form.el,
    h('button', {
      type: 'button',
      class: 'btn btn-ghost btn-block',
      'data-testid': 'password-cancel',
      onclick: async () => {
        try {
          await session.logout();
        } catch {
          // Already gone.
        }
        showLoginForm();
      },
    }, 'Log in as someone else'),
  ]);
  form.input(knownCurrent ? 'new_password' : 'current_password').focus();
}
