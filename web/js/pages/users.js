// Console users (admin only): create with a role, disable/enable, change role, reset the
// password. Generated passwords are shown once, right here, and never again.

import { api } from '../api.js';
import {
  h, append, clear, pageHeader, panel, button, badge, toast, createForm, createPagedTable,
  confirmDialog, secretPanel, fmtDateTime, errorMessage,
} from '../ui.js';
import { CONSOLE_ROLES, ROLE_LABELS } from '../roles.js';

export function render(root, ctx) {
  const secrets = h('div', { class: 'secrets', 'data-testid': 'user-secrets' });

  function showSecret(title, password) {
    clear(secrets);
    secrets.append(secretPanel({
      title,
      value: password,
      testid: 'user-secret',
      note: 'Temporary password, shown only once. The user must change it at first login.',
    }));
    secrets.scrollIntoView({ block: 'nearest' });
  }

  const host = h('div', { hidden: true, 'data-testid': 'user-create' });
  const form = createForm({
    testid: 'user-form',
    submitLabel: 'Create user',
    fields: [
      { name: 'username', label: 'Username', required: true, size: 'md', mono: true, placeholder: 'j.silva' },
      { name: 'role', label: 'Role', type: 'select', value: 'supervisor', size: 'md',
        options: CONSOLE_ROLES.map((r) => ({ value: r, label: ROLE_LABELS[r] || r })) },
      { name: 'password', label: 'Password', type: 'password', size: 'md', autocomplete: 'new-password',
        hint: 'Leave empty to generate a temporary password.' },
    ],
    onCancel: () => {
      host.hidden = true;
    },
    onSubmit: async (values) => {
      const created = await api.post('/api/v1/users', values);
      const { password, ...user } = created || {};
      toast(`Created ${user.username ?? values.username}.`, 'success');
      if (created) list.prepend(user);
      if (password) showSecret(`Password for ${user.username ?? values.username}`, password);
      form.reset();
      host.hidden = true;
    },
  });
  append(host, [panel({ title: 'New console user', body: [form.el] })]);

  async function patch(user, body, message) {
    try {
      const updated = await api.patch(`/api/v1/users/${encodeURIComponent(user.id)}`, body);
      list.update(updated || { ...user, ...body });
      toast(message, 'success');
    } catch (err) {
      toast(errorMessage(err), 'error');
      list.update(user);
    }
  }

  async function toggleDisabled(user) {
    if (!user.disabled) {
      const ok = await confirmDialog({
        title: `Disable ${user.username}?`,
        message: 'The user is logged out everywhere and cannot log in until enabled again.',
        confirmLabel: 'Disable',
      });
      if (!ok) return;
    }
    await patch(user, { disabled: !user.disabled }, `${user.username} ${user.disabled ? 'enabled' : 'disabled'}.`);
  }

  async function reset(user) {
    const ok = await confirmDialog({
      title: `Reset the password of ${user.username}?`,
      message: 'Their current password stops working now; you will see a temporary one, once.',
      confirmLabel: 'Reset password',
      tone: 'primary',
    });
    if (!ok) return;
    try {
      const result = await api.post(`/api/v1/users/${encodeURIComponent(user.id)}/reset`);
      if (result && result.password) showSecret(`New password for ${user.username}`, result.password);
      list.update({ ...user, must_change_password: true });
      toast(`Password of ${user.username} reset.`, 'success');
    } catch (err) {
      toast(errorMessage(err), 'error');
    }
  }

  function roleSelect(user) {
    const select = h('select', {
      class: 'input input-xs', 'data-testid': 'user-role', 'aria-label': `Role of ${user.username}`,
      disabled: user.id === ctx.user.id,
    }, CONSOLE_ROLES.map((r) => h('option', { value: r, selected: r === user.role }, ROLE_LABELS[r] || r)));
    select.addEventListener('change', () => patch(user, { role: select.value }, `${user.username} is now ${ROLE_LABELS[select.value] || select.value}.`));
    return select;
  }

  const list = createPagedTable({
    testid: 'users-table',
    rowTestid: 'user-row',
    columns: [
      { key: 'id', label: 'ID', className: 'col-id mono' },
      { key: 'username', label: 'Username', className: 'mono col-strong' },
      { key: 'role', label: 'Role', render: roleSelect },
      {
        key: 'state', label: 'State',
        render: (u) => h('span', { class: 'badges' },
          u.disabled ? badge('disabled', 'danger') : badge('enabled', 'success'),
          u.must_change_password ? badge('must change password', 'warning') : null),
      },
      { key: 'created_at', label: 'Created', className: 'mono nowrap', render: (u) => fmtDateTime(u.created_at) },
      {
        key: 'actions', label: '', className: 'col-actions',
        render: (u) => h('span', { class: 'row-actions' },
          u.id === ctx.user.id ? h('span', { class: 'muted' }, 'you') : [
            button(u.disabled ? 'Enable' : 'Disable', { size: 'xs', tone: 'ghost', testid: 'user-toggle', onClick: () => toggleDisabled(u) }),
            button('Reset password', { size: 'xs', tone: 'ghost', testid: 'user-reset', onClick: () => reset(u) }),
          ]),
      },
    ],
    rowAttrs: (u) => ({ 'data-username': u.username ?? '' }),
    rowClass: (u) => (u.disabled ? 'row-muted' : ''),
    empty: 'No console users.',
    load: (cursor) => api.list('/api/v1/users', { cursor }),
  });

  append(root, [
    pageHeader('Console users', 'Who may use this console, and with which role. Every change is audited.',
      button('New user', {
        tone: 'primary',
        testid: 'users-new',
        onClick: () => {
          host.hidden = false;
          form.focus();
        },
      })),
    secrets,
    host,
    panel({ body: [list.el], className: 'panel-flush' }),
    h('p', { class: 'footnote' },
      'Roles: administrators manage users and tokens; security officers manage people, zones and stations; ',
      'supervisors manage campaigns and training; auditors read everything, including the audit trail.'),
  ]);
  list.reload();
}
