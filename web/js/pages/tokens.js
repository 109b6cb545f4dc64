// Device tokens (admin only): door controllers, workstations, the PBX and sensors
// authenticate with them. A new token is shown once; revoking is immediate.

import { api } from '../api.js';
import {
  h, append, clear, pageHeader, panel, button, badge, toast, createForm, createPagedTable,
  confirmDialog, secretPanel, fmtDateTime, errorMessage,
} from '../ui.js';
import { DEVICE_ROLES } from '../roles.js';

export function render(root) {
  const stations = new Map();
  const secrets = h('div', { class: 'secrets', 'data-testid': 'token-secrets' });
  const host = h('div', { hidden: true, 'data-testid': 'token-create' });
  const form = createForm({
    testid: 'token-form',
    submitLabel: 'Create token',
    fields: [
      { name: 'name', label: 'Name', required: true, size: 'md', placeholder: 'door-lobby-east' },
      { name: 'role', label: 'Role', type: 'select', value: 'door-controller', size: 'sm',
        options: DEVICE_ROLES.map((r) => ({ value: r, label: r })) },
      { name: 'station_id', label: 'Station', type: 'select', parse: 'int', size: 'md',
        options: [{ value: '', label: '— none —' }], hint: 'Workstation tokens are bound to one station.' },
    ],
    onCancel: () => {
      host.hidden = true;
    },
    onSubmit: async (values) => {
      const created = await api.post('/api/v1/tokens', values);
      const { token, ...record } = created || {};
      toast(`Created token ${record.name ?? values.name}.`, 'success');
      if (created) list.prepend(record);
      if (token) {
        clear(secrets);
        secrets.append(secretPanel({
          title: `Token for ${record.name ?? values.name}`,
          value: token,
          testid: 'token-secret',
          note: 'Shown only once. Configure the device with it now; only its hash is stored.',
        }));
      }
      form.reset();
      host.hidden = true;
    },
  });
  append(host, [panel({ title: 'New device token', body: [form.el] })]);

  async function revoke(token) {
    const ok = await confirmDialog({
      title: `Revoke ${token.name}?`,
      message: 'The device is refused from its next request on. This cannot be undone.',
      confirmLabel: 'Revoke',
    });
    if (!ok) return;
    try {
      await api.del(`/api/v1/tokens/${encodeURIComponent(token.id)}`);
      list.update({ ...token, revoked: true });
      toast(`${token.name} revoked.`, 'success');
    } catch (err) {
      toast(errorMessage(err), 'error');
    }
  }

  const stationLabel = (id) => (id ? stations.get(String(id))?.workstation_id ?? `#${id}` : '');
  const list = createPagedTable({
    testid: 'tokens-table',
    rowTestid: 'token-row',
    columns: [
      { key: 'id', label: 'ID', className: 'col-id mono' },
      { key: 'name', label: 'Name', className: 'col-strong' },
      { key: 'role', label: 'Role', className: 'mono' },
      { key: 'station_id', label: 'Station', className: 'mono', render: (t) => stationLabel(t.station_id) },
      { key: 'created_at', label: 'Created', className: 'mono nowrap', render: (t) => fmtDateTime(t.created_at) },
      { key: 'revoked', label: 'State', render: (t) => (t.revoked ? badge('revoked', 'danger') : badge('active', 'success')) },
      {
        key: 'actions', label: '', className: 'col-actions',
        render: (t) => (t.revoked ? null : button('Revoke', { size: 'xs', tone: 'ghost-danger', testid: 'token-revoke', onClick: () => revoke(t) })),
      },
    ],
    rowAttrs: (t) => ({ 'data-name': t.name ?? '' }),
    rowClass: (t) => (t.revoked ? 'row-muted' : ''),
    empty: 'No device tokens yet.',
    load: (cursor) => api.list('/api/v1/tokens', { cursor }),
  });

  append(root, [
    pageHeader('Device tokens', 'Credentials for door controllers, workstations, the PBX and sensors.',
      button('New token', {
        tone: 'primary',
        testid: 'tokens-new',
        onClick: () => {
          host.hidden = false;
          form.focus();
        },
      })),
    secrets,
    host,
    panel({ body: [list.el], className: 'panel-flush' }),
  ]);

  api.all('/api/v1/stations').then(({ items }) => {
    for (const s of items) stations.set(String(s.id), s);
    form.setOptions('station_id', [{ value: '', label: '— none —' },
      ...items.map((s) => ({ value: s.id, label: s.workstation_id }))]);
  }).catch((err) => {
    form.showFormError(`Stations could not be loaded: ${errorMessage(err)}`);
  }).finally(() => list.reload());
}
