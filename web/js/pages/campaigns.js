// Campaigns: the client programs agents work on (/api/v1/campaigns).

import { api, buildQuery } from '../api.js';
import {
  h, append, pageHeader, panel, button, badge, toast, createForm, createPagedTable, filterBar,
  filterControl, selectInput, errorMessage,
} from '../ui.js';

export function render(root, ctx) {
  const canWrite = ctx.can('campaigns.write');
  const filters = { active: ctx.params.get('active') || '' };

  const createHost = h('div', { hidden: true, 'data-testid': 'campaign-create' });
  const form = canWrite ? createForm({
    testid: 'campaign-form',
    submitLabel: 'Create campaign',
    fields: [
      { name: 'code', label: 'Code', required: true, mono: true, size: 'sm', placeholder: 'ACME-RET' },
      { name: 'name', label: 'Name', required: true, size: 'lg', placeholder: 'Acme retention' },
      { name: 'client', label: 'Client', size: 'md', placeholder: 'Acme Corp.' },
      { name: 'active', label: 'Active', type: 'checkbox', value: true, size: 'sm' },
    ],
    onCancel: () => {
      createHost.hidden = true;
    },
    onSubmit: async (values) => {
      const created = await api.post('/api/v1/campaigns', values);
      toast(`Created campaign ${created?.code ?? values.code}.`, 'success');
      if (created) list.prepend(created);
      form.reset();
      createHost.hidden = true;
    },
  }) : null;
  if (form) append(createHost, [panel({ title: 'New campaign', body: [form.el] })]);

  async function setActive(campaign, active) {
    try {
      const updated = await api.patch(`/api/v1/campaigns/${encodeURIComponent(campaign.id)}`, { active });
      list.update(updated || { ...campaign, active });
      toast(`${campaign.code} is now ${active ? 'active' : 'inactive'}.`, 'success');
    } catch (err) {
      toast(errorMessage(err), 'error');
    }
  }

  const columns = [
    { key: 'id', label: 'ID', className: 'col-id mono' },
    { key: 'code', label: 'Code', className: 'mono col-strong' },
    { key: 'name', label: 'Name' },
    { key: 'client', label: 'Client' },
    { key: 'active', label: 'State', render: (c) => (c.active ? badge('active', 'success') : badge('inactive', 'neutral')) },
    {
      key: 'training', label: '', className: 'col-actions',
      render: (c) => h('a', { class: 'btn btn-ghost btn-xs', href: `#/training?campaign_id=${encodeURIComponent(c.id)}` }, 'Training'),
    },
  ];
  if (canWrite) {
    columns.push({
      key: 'actions', label: '', className: 'col-actions',
      render: (c) => button(c.active ? 'Deactivate' : 'Activate', {
        size: 'xs', tone: 'ghost', testid: 'campaign-toggle', onClick: () => setActive(c, !c.active),
      }),
    });
  }
  const list = createPagedTable({
    testid: 'campaigns-table',
    rowTestid: 'campaign-row',
    columns,
    rowClass: (c) => (c.active ? '' : 'row-muted'),
    empty: 'No campaigns yet.',
    load: (cursor) => api.list('/api/v1/campaigns', { ...filters, cursor }),
  });

  const active = selectInput([
    { value: '', label: 'All' }, { value: 'true', label: 'Active' }, { value: 'false', label: 'Inactive' },
  ], { value: filters.active, testid: 'campaigns-filter-active' });
  const apply = () => {
    filters.active = active.value;
    history.replaceState(null, '', `#/campaigns${buildQuery(filters)}`);
    list.reload();
  };
  active.addEventListener('change', apply);

  append(root, [
    pageHeader('Campaigns', 'Client programs: each has its own floor zones, stations, allowlists and training.',
      canWrite ? button('New campaign', {
        tone: 'primary',
        testid: 'campaigns-new',
        onClick: () => {
          createHost.hidden = false;
          form.focus();
        },
      }) : null),
    createHost,
    panel({
      body: [filterBar({ testid: 'campaigns-filters', controls: [filterControl('State', active)], onApply: apply }), list.el],
      className: 'panel-flush',
    }),
  ]);
  list.reload();
}
