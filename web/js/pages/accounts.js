// Workforce accounts: the one account of each employee or contractor for logging on at
// workstations. Tabs: #/accounts (list; administrators create, reset passwords, disable and
// enable, enrol TOTP, set the work schedule) and #/accounts/locked (accounts locked now; admin and security unlock).
// Temporary passwords and recovery codes are shown once, right here.

import { api } from '../api.js';
import {
  h, append, clear, pageHeader, panel, button, badge, toast, createForm, createPagedTable, createTable,
  confirmDialog, secretPanel, fmtDateTime, errorMessage, csvLink, tabNav,
} from '../ui.js';
import { PATHS, itemsOf, totpEnrolment } from '../identity.js';

const TABS = [
  { id: 'list', label: 'Accounts', href: '#/accounts' },
  { id: 'locked', label: 'Locked accounts', href: '#/accounts/locked' },
  { id: 'bans', label: 'Banned sources', href: '#/accounts/bans' },
];

const USERNAME_HINT = 'Lower-case letters, digits, dot, dash and underscore; 3 to 64. Never reused.';
const SCHEDULE_HINT = 'Weekly windows in the site\'s local time, like "mon-fri 08:00-17:00; sat 09:00-13:00" '
  + '(22:00-06:00 crosses midnight). A logon outside them raises an off-shift alert; it is never refused. '
  + 'Empty: no schedule.';

// "Amara Okafor" -> "amara.okafor" (a suggestion; the server decides).
function suggestUsername(name) {
  return String(name || '').normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase()
    .replace(/[^a-z0-9]+/g, '.').replace(/^\.+|\.+$/g, '').slice(0, 64);
}

function stateBadges(a) {
  const locked = a.locked_until && new Date(a.locked_until).getTime() > Date.now();
  return h('span', { class: 'badges', 'data-testid': 'account-state' },
    a.disabled ? badge(a.disabled_reason ? `disabled: ${a.disabled_reason.replace(/_/g, ' ')}` : 'disabled', 'danger') : badge('enabled', 'success'),
    locked ? badge('locked', 'danger') : null,
    a.must_change_password ? badge('must change password', 'warning') : null,
    a.totp_enabled ? badge('TOTP', 'info') : null);
}

function renderList(root, ctx, header) {
  const isAdmin = ctx.can('accounts.admin');
  const secrets = h('div', { class: 'secrets', 'data-testid': 'account-secrets' });
  const totpHost = h('div', { hidden: true, 'data-testid': 'account-totp' });
  const scheduleHost = h('div', { hidden: true, 'data-testid': 'account-schedule' });

  function showSecret(title, password) {
    clear(secrets);
    secrets.append(secretPanel({
      title,
      value: password,
      testid: 'account-secret',
      note: 'Temporary password, shown only once. The agent must change it at the first logon.',
    }));
    secrets.scrollIntoView({ block: 'nearest' });
  }

  // --- create
  const host = h('div', { hidden: true, 'data-testid': 'account-create' });
  let people = [];
  const form = isAdmin ? createForm({
    testid: 'account-form',
    submitLabel: 'Create account',
    fields: [
      { name: 'person_id', label: 'Person', type: 'select', required: true, parse: 'int', size: 'lg',
        options: [{ value: '', label: 'Loading people…' }], hint: 'Employees and contractors who are hired or active.' },
      { name: 'username', label: 'Username', required: true, mono: true, size: 'md', placeholder: 'amara.okafor', hint: USERNAME_HINT },
      { name: 'password', label: 'Password', type: 'password', size: 'md', autocomplete: 'new-password',
        hint: 'Leave empty to generate a temporary password.' },
      { name: 'schedule', label: 'Work schedule', mono: true, size: 'lg', maxlength: 500,
        placeholder: 'mon-fri 08:00-17:00', hint: SCHEDULE_HINT },
    ],
    onCancel: () => {
      host.hidden = true;
    },
    onSubmit: async (values) => {
      const created = await api.post(PATHS.accounts, values);
      const { password, ...account } = created || {};
      toast(`Created account ${account.username ?? values.username}.`, 'success');
      if (created) list.prepend(account);
      if (password) showSecret(`Password for ${account.username ?? values.username}`, password);
      form.reset();
      host.hidden = true;
    },
  }) : null;
  if (form) {
    const personSelect = form.input('person_id');
    const username = form.input('username');
    let touched = false;
    username.addEventListener('input', () => {
      touched = username.value !== '';
    });
    personSelect.addEventListener('change', () => {
      const p = people.find((x) => String(x.id) === personSelect.value);
      if (p && !touched) username.value = suggestUsername(p.name);
    });
    append(host, [panel({ title: 'New workforce account', body: [form.el] })]);
    api.all('/api/v1/people').then(({ items }) => {
      people = items.filter((p) => (p.kind === 'employee' || p.kind === 'contractor') && (p.status === 'hired' || p.status === 'active'))
        .sort((a, b) => String(a.name).localeCompare(String(b.name)));
      form.setOptions('person_id', [{ value: '', label: 'Choose a person' },
        ...people.map((p) => ({ value: p.id, label: p.employee_number ? `${p.name} (${p.employee_number})` : p.name }))]);
    }).catch((err) => form.showFormError(`People could not be loaded: ${errorMessage(err)}`));
  }

  // --- actions
  async function toggleDisabled(account) {
    if (!account.disabled) {
      const ok = await confirmDialog({
        title: `Disable ${account.username}?`,
        message: 'Its sessions end now and it cannot log on at any station until enabled again.',
        confirmLabel: 'Disable',
      });
      if (!ok) return;
    }
    try {
      const updated = await api.patch(PATHS.account(account.id), { disabled: !account.disabled });
      list.update(updated || { ...account, disabled: !account.disabled });
      toast(`${account.username} ${account.disabled ? 'enabled' : 'disabled'}.`, 'success');
    } catch (err) {
      toast(errorMessage(err), 'error');
    }
  }

  // The schedule is edited in one form above the table, for the account last chosen.
  let scheduled = null;
  const scheduleForm = isAdmin ? createForm({
    testid: 'schedule-form',
    submitLabel: 'Save schedule',
    fields: [
      { name: 'schedule', label: 'Work schedule', mono: true, size: 'full', maxlength: 500, nullable: true,
        placeholder: 'mon-fri 08:00-17:00', hint: SCHEDULE_HINT },
    ],
    onCancel: () => {
      scheduleHost.hidden = true;
    },
    onSubmit: async (values) => {
      const account = scheduled;
      const updated = await api.patch(PATHS.account(account.id), { schedule: values.schedule ?? null });
      list.update(updated || { ...account, schedule: values.schedule ?? null });
      toast(updated && updated.schedule ? `Schedule of ${account.username}: ${updated.schedule}.`
        : `${account.username} has no schedule now.`, 'success');
      scheduleHost.hidden = true;
    },
  }) : null;
  const scheduleTitle = h('h2', { class: 'panel-title', 'data-testid': 'schedule-title' });
  if (scheduleForm) append(scheduleHost, [panel({ body: [scheduleTitle, scheduleForm.el] })]);

  function editSchedule(account) {
    scheduled = account;
    scheduleTitle.textContent = `Work schedule of ${account.username}`;
    scheduleForm.reset();
    scheduleForm.setValue('schedule', account.schedule ?? '');
    scheduleHost.hidden = false;
    scheduleForm.focus();
    scheduleHost.scrollIntoView({ block: 'nearest' });
  }

  async function reset(account) {
    const ok = await confirmDialog({
      title: `Reset the password of ${account.username}?`,
      message: 'The current password stops working and its sessions end now; you will see a temporary one, once.',
      confirmLabel: 'Reset password',
      tone: 'primary',
    });
    if (!ok) return;
    try {
      const result = await api.post(`${PATHS.account(account.id)}/reset-password`);
      if (result && result.password) showSecret(`New password for ${account.username}`, result.password);
      list.update({ ...account, must_change_password: true, locked_until: null });
      toast(`Password of ${account.username} reset.`, 'success');
    } catch (err) {
      toast(errorMessage(err), 'error');
    }
  }

  function enrolTotp(account) {
    const flow = totpEnrolment({
      host: totpHost,
      title: `TOTP for ${account.username}`,
      enrol: () => api.post(`${PATHS.account(account.id)}/totp/enrol`),
      confirm: (code) => api.post(`${PATHS.account(account.id)}/totp/confirm`, { code }),
      onConfirmed: () => {
        list.update({ ...account, totp_enabled: true });
        toast(`TOTP on for ${account.username}.`, 'success');
      },
    });
    flow.start().then(() => totpHost.scrollIntoView({ block: 'nearest' }));
  }

  async function disableTotp(account) {
    const ok = await confirmDialog({
      title: `Turn TOTP off for ${account.username}?`,
      message: 'For a lost phone: the account logs on with its password alone until enrolled again.',
      confirmLabel: 'Turn off',
    });
    if (!ok) return;
    try {
      await api.del(`${PATHS.account(account.id)}/totp`);
      list.update({ ...account, totp_enabled: false });
      toast(`TOTP off for ${account.username}.`, 'success');
    } catch (err) {
      toast(errorMessage(err), 'error');
    }
  }

  async function unlock(account) {
    try {
      await api.post(`${PATHS.account(account.id)}/unlock`);
      list.update({ ...account, locked_until: null });
      toast(`${account.username} unlocked.`, 'success');
    } catch (err) {
      toast(errorMessage(err), 'error');
    }
  }

  const columns = [
    { key: 'id', label: 'ID', className: 'col-id mono' },
    { key: 'username', label: 'Username', className: 'mono col-strong' },
    { key: 'name', label: 'Person', render: (a) => a.name || (a.person_id ? `#${a.person_id}` : '') },
    { key: 'state', label: 'State', render: stateBadges },
    { key: 'schedule', label: 'Schedule', className: 'mono', render: (a) => (a.schedule ? a.schedule : h('span', { class: 'muted' }, 'none')) },
    { key: 'created_at', label: 'Created', className: 'mono nowrap', render: (a) => fmtDateTime(a.created_at) },
    { key: 'password_changed_at', label: 'Password changed', className: 'mono nowrap', render: (a) => fmtDateTime(a.password_changed_at) },
  ];
  if (isAdmin || ctx.can('accounts.unlock')) {
    columns.push({
      key: 'actions', label: '', className: 'col-actions',
      render: (a) => {
        const locked = a.locked_until && new Date(a.locked_until).getTime() > Date.now();
        return h('span', { class: 'row-actions' },
          locked && ctx.can('accounts.unlock') ? button('Unlock', { size: 'xs', tone: 'primary', testid: 'account-unlock', onClick: () => unlock(a) }) : null,
          isAdmin ? [
            button(a.disabled ? 'Enable' : 'Disable', { size: 'xs', tone: 'ghost', testid: 'account-toggle', onClick: () => toggleDisabled(a) }),
            button('Reset password', { size: 'xs', tone: 'ghost', testid: 'account-reset', onClick: () => reset(a) }),
            button('Schedule', { size: 'xs', tone: 'ghost', testid: 'account-schedule-edit', onClick: () => editSchedule(a) }),
            a.totp_enabled
              ? button('TOTP off', { size: 'xs', tone: 'ghost-danger', testid: 'account-totp-off', onClick: () => disableTotp(a) })
              : button('Enrol TOTP', { size: 'xs', tone: 'ghost', testid: 'account-totp-enrol', onClick: () => enrolTotp(a) }),
          ] : null);
      },
    });
  }
  const list = createPagedTable({
    testid: 'accounts-table',
    rowTestid: 'account-row',
    columns,
    rowAttrs: (a) => ({ 'data-username': a.username ?? '', 'data-person-id': a.person_id ?? '' }),
    rowClass: (a) => (a.disabled ? 'row-muted' : ''),
    empty: 'No workforce accounts yet.',
    load: (cursor) => api.list(PATHS.accounts, { cursor }),
  });

  if (form) {
    header.append(button('New account', {
      tone: 'primary',
      testid: 'accounts-new',
      onClick: () => {
        host.hidden = false;
        form.focus();
      },
    }));
  }
  append(root, [secrets, host, totpHost, scheduleHost, panel({ body: [list.el], className: 'panel-flush' })]);
  list.reload();
}

function renderLocked(root, ctx) {
  const canUnlock = ctx.can('accounts.unlock');
  const csv = csvLink(PATHS.lockedAccounts, 'locked-csv');
  csv.set({});
  const columns = [
    { key: 'username', label: 'Username', className: 'mono col-strong' },
    { key: 'person_id', label: 'Person', className: 'mono', render: (a) => (a.person_id ? h('a', { href: `#/logons/person?person_id=${encodeURIComponent(a.person_id)}` }, `#${a.person_id}`) : '') },
    { key: 'locked_at', label: 'Locked', className: 'mono nowrap', render: (a) => fmtDateTime(a.locked_at) },
    { key: 'until', label: 'Until', className: 'mono nowrap', render: (a) => fmtDateTime(a.until) },
    { key: 'reason', label: 'Reason' },
    { key: 'locked_by', label: 'By', className: 'mono' },
  ];
  if (canUnlock) {
    columns.push({
      key: 'actions', label: '', className: 'col-actions',
      render: (a) => button('Unlock', { size: 'xs', tone: 'primary', testid: 'locked-unlock', onClick: () => unlock(a) }),
    });
  }
  const table = createTable({
    testid: 'locked-table',
    rowTestid: 'locked-row',
    columns,
    rowKey: (a) => a.account_id,
    rowAttrs: (a) => ({ 'data-username': a.username ?? '' }),
    empty: 'No account is locked.',
  });

  async function unlock(a) {
    const ok = await confirmDialog({
      title: `Unlock ${a.username}?`,
      message: 'The lockout is lifted now; the next failed logons count from zero.',
      confirmLabel: 'Unlock',
      tone: 'primary',
    });
    if (!ok) return;
    try {
      await api.post(`${PATHS.account(a.account_id)}/unlock`);
      table.removeRow(a.account_id);
      toast(`${a.username} unlocked.`, 'success');
    } catch (err) {
      toast(errorMessage(err), 'error');
    }
  }

  async function load() {
    table.setRows([]);
    table.loading(true);
    try {
      const data = await api.get(PATHS.lockedAccounts);
      table.loading(false);
      table.setRows(itemsOf(data, 'items'));
    } catch (err) {
      table.loading(false);
      table.error(err);
    }
  }

  append(root, [panel({
    className: 'panel-flush',
    body: [
      h('div', { class: 'report-bar' },
        h('span', { class: 'muted' }, 'Accounts locked after repeated failures or by an operator.'),
        h('span', { class: 'row-actions' }, button('Refresh', { size: 'sm', tone: 'ghost', testid: 'locked-refresh', onClick: load }), csv.el)),
      table.el,
    ],
  })]);
  load();
}

// Stations and addresses the detectors banned from logging on; admin and security lift them.
function renderBans(root, ctx) {
  const canLift = ctx.can('accounts.unlock');
  const columns = [
    { key: 'source', label: 'Source', className: 'mono col-strong' },
    { key: 'banned_at', label: 'Banned', className: 'mono nowrap', render: (b) => fmtDateTime(b.banned_at) },
    { key: 'until', label: 'Until', className: 'mono nowrap', render: (b) => fmtDateTime(b.until) },
    { key: 'repeats', label: 'Ban #', className: 'mono' },
    { key: 'reason', label: 'Reason' },
    { key: 'banned_by', label: 'By', className: 'mono' },
  ];
  if (canLift) {
    columns.push({
      key: 'actions', label: '', className: 'col-actions',
      render: (b) => button('Lift', { size: 'xs', tone: 'primary', testid: 'ban-lift', onClick: () => lift(b) }),
    });
  }
  const table = createTable({
    testid: 'bans-table',
    rowTestid: 'ban-row',
    columns,
    rowKey: (b) => b.source,
    rowAttrs: (b) => ({ 'data-source': b.source ?? '' }),
    empty: 'No station or address is banned.',
  });

  async function lift(b) {
    const ok = await confirmDialog({
      title: `Lift the ban on ${b.source}?`,
      message: 'Logons from it are decided again at once; its failures count from zero.',
      confirmLabel: 'Lift',
      tone: 'primary',
    });
    if (!ok) return;
    try {
      await api.post('/api/v1/bans/lift', { source: b.source });
      table.removeRow(b.source);
      toast(`Ban on ${b.source} lifted.`, 'success');
    } catch (err) {
      toast(errorMessage(err), 'error');
    }
  }

  async function load() {
    table.setRows([]);
    table.loading(true);
    try {
      const data = await api.get('/api/v1/bans');
      table.loading(false);
      table.setRows(itemsOf(data, 'items'));
    } catch (err) {
      table.loading(false);
      table.error(err);
    }
  }

  append(root, [panel({
    className: 'panel-flush',
    body: [
      h('div', { class: 'report-bar' },
        h('span', { class: 'muted' }, 'Stations and addresses refused at logon after repeated failures or password spraying.'),
        h('span', { class: 'row-actions' }, button('Refresh', { size: 'sm', tone: 'ghost', testid: 'bans-refresh', onClick: load }))),
      table.el,
    ],
  })]);
  load();
}

export function render(root, ctx) {
  const tab = ['locked', 'bans'].includes(ctx.segments[0]) ? ctx.segments[0] : 'list';
  const actions = h('div', { class: 'page-actions-slot' });
  const body = h('div', { class: 'tab-body', 'data-testid': `accounts-${tab}` });
  append(root, [
    pageHeader('Workforce accounts', 'The accounts agents log on with at their workstations: one per person, never reused.', actions),
    tabNav(TABS, tab, 'Accounts'),
    body,
  ]);
  if (tab === 'locked') renderLocked(body, ctx);
  else if (tab === 'bans') renderBans(body, ctx);
  else renderList(body, ctx, actions);
}
