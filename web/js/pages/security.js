// My security (#/me/security): the console user's own second factor. Enrolment shows a QR
// code and the otpauth URI, asks for a first code, then shows the recovery codes once.
// Turning it off needs the password.

import { request, session } from '../api.js';
import { h, append, clear, pageHeader, panel, button, badge, toast, createForm, errorMessage } from '../ui.js';
import { totpEnrolment } from '../identity.js';

export function render(root, ctx) {
  const statusHost = h('div', { 'data-testid': 'me-totp-status' }, h('div', { class: 'table-status table-status-loading' }, 'Loading…'));
  const flowHost = h('div', { hidden: true, 'data-testid': 'me-totp-flow' });
  let alive = true;

  function drawStatus(enabled) {
    clear(statusHost);
    statusHost.dataset.enabled = String(Boolean(enabled));
    if (!enabled) {
      const start = button('Set up an authenticator app', {
        tone: 'primary',
        testid: 'me-totp-enrol',
        onClick: () => {
          start.disabled = true;
          totpEnrolment({
            host: flowHost,
            title: 'Set up TOTP',
            enrol: () => request('POST', '/api/v1/me/totp/enrol', { body: {} }),
            confirm: (code) => request('POST', '/api/v1/me/totp/confirm', { body: { code } }),
            onConfirmed: () => {
              ctx.totpEnrolled();
              drawStatus(true);
            },
            onCancel: () => { start.disabled = false; },
          }).start();
        },
      });
      append(statusHost, [panel({
        title: 'Two-step logon',
        actions: [badge('off', 'neutral', 'me-totp-badge')],
        body: [
          h('p', null, 'With TOTP on, logging in to the console asks for a 6-digit code from an app on your phone ',
            '(any RFC 6238 authenticator) after your password.'),
          start,
        ],
      })]);
      return;
    }
    const form = createForm({
      testid: 'me-totp-disable',
      submitLabel: 'Turn TOTP off',
      fields: [{ name: 'password', label: 'Your password', type: 'password', required: true, size: 'md', autocomplete: 'current-password' }],
      onSubmit: async (values) => {
        await request('DELETE', '/api/v1/me/totp', { body: { password: values.password } });
        toast('TOTP is off. Your other sessions were logged out.', 'success');
        clear(flowHost);
        flowHost.hidden = true;
        drawStatus(false);
      },
    });
    append(statusHost, [panel({
      title: 'Two-step logon',
      actions: [badge('on', 'success', 'me-totp-badge')],
      body: [
        h('p', null, 'Logging in asks for a code from your authenticator app, or one of your recovery codes.'),
        h('details', { class: 'details' }, h('summary', null, 'Lost the phone? Turn TOTP off'), form.el),
      ],
    })]);
  }

  append(root, [
    pageHeader('My security', `Second factor for ${ctx.user.username}.`),
    ctx.mustEnrollTotp ? h('div', { class: 'notice notice-warning', 'data-testid': 'me-totp-required' },
      h('strong', null, 'Your role must use TOTP. '), 'Set it up to continue; the rest of the console opens once it is confirmed.') : null,
    statusHost,
    flowHost,
  ]);

  session.current().then((data) => {
    if (!alive) return;
    const user = data && data.user ? data.user : data;
    drawStatus(!ctx.mustEnrollTotp && Boolean(user && user.totp_enabled));
  }).catch((err) => {
    if (!alive) return;
    clear(statusHost);
    statusHost.append(h('div', { class: 'notice notice-error' }, errorMessage(err)));
  });
  return () => {
    alive = false;
  };
}
