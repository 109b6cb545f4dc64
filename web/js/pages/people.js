// People: employees, applicants, visitors and contractors (/api/v1/people).

import { api, buildQuery } from '../api.js';
import {
  h, append, pageHeader, panel, button, badge, toast, createForm, createPagedTable, filterBar,
  filterControl, selectInput, textInput, debounce, todayIso, clear,
} from '../ui.js';

export const KINDS = ['employee', 'applicant', 'visitor', 'contractor'];
export const STATUSES = ['hired', 'active', 'suspended', 'terminated'];
const STATUS_TONES = { hired: 'info', active: 'success', suspended: 'warning', terminated: 'danger' };

const cap = (s) => s.charAt(0).toUpperCase() + s.slice(1);

export function statusBadge(status) {
  return badge(status || 'unknown', STATUS_TONES[status] || 'neutral');
}

export function render(root, ctx) {
  const canWrite = ctx.can('people.write');
  const filters = {
    kind: ctx.params.get('kind') || '',
    status: ctx.params.get('status') || '',
    q: ctx.params.get('q') || '',
  };

  // --- create ------------------------------------------------------------------------
  const createHost = h('div', { hidden: true, 'data-testid': 'person-create' });
  const createForm_ = canWrite ? createForm({
    testid: 'person-form',
    submitLabel: 'Create person',
    fields: [
      { name: 'kind', label: 'Kind', type: 'select', value: 'employee', size: 'sm',
        options: KINDS.map((k) => ({ value: k, label: cap(k) })) },
      { name: 'employee_number', label: 'Employee number', mono: true, size: 'sm',
        required: (v) => v.kind === 'employee', placeholder: 'E-10042' },
      { name: 'name', label: 'Full name', required: true, size: 'lg', placeholder: 'First Last' },
      { name: 'status', label: 'Status', type: 'select', value: 'hired', size: 'sm',
        options: STATUSES.map((s) => ({ value: s, label: cap(s) })) },
      { name: 'hire_date', label: 'Hire date', type: 'date', value: todayIso(), size: 'sm' },
      { name: 'company', label: 'Company', size: 'md', placeholder: 'For visitors and contractors' },
      { name: 'email', label: 'Email', type: 'email', size: 'md' },
    ],
    onCancel: () => {
      createHost.hidden = true;
    },
    onSubmit: async (values) => {
      const created = await api.post('/api/v1/people', values);
      toast(`Created ${created?.name ?? values.name} (#${created?.id ?? '?'}).`, 'success');
      if (created) list.prepend(created);
      createForm_.reset();
      createHost.hidden = true;
    },
  }) : null;
  if (createForm_) {
    const employeeOnly = () => createForm_.showField('employee_number', createForm_.input('kind').value !== 'visitor');
    createForm_.input('kind').addEventListener('change', employeeOnly);
    append(createHost, [panel({ title: 'New person', body: [createForm_.el] })]);
  }

  // --- edit --------------------------------------------------------------------------
  const editHost = h('div', { hidden: true, 'data-testid': 'person-edit' });

  function openEdit(person) {
    clear(editHost);
    const form = createForm({
      testid: 'person-edit-form',
      submitLabel: 'Save changes',
      fields: [
        { name: 'status', label: 'Status', type: 'select', value: person.status, size: 'sm',
          options: STATUSES.map((s) => ({ value: s, label: cap(s) })) },
        { name: 'end_date', label: 'End date', type: 'date', value: person.end_date || '', size: 'sm',
          hint: 'Last day of access; set it when a person leaves.' },
      ],
      onCancel: () => {
        editHost.hidden = true;
      },
      onSubmit: async (values) => {
        const patch = {};
        if (values.status !== person.status) patch.status = values.status;
        const end = values.end_date ?? null;
        if (end !== (person.end_date || null)) patch.end_date = end;
        if (Object.keys(patch).length === 0) {
          editHost.hidden = true;
          return;
        }
        const updated = await api.patch(`/api/v1/people/${encodeURIComponent(person.id)}`, patch);
        list.update(updated || { ...person, ...patch });
        toast(`Updated ${person.name}.`, 'success');
        editHost.hidden = true;
      },
    });
    append(editHost, [panel({
      title: `Edit ${person.name}`,
      actions: [h('span', { class: 'muted mono' }, person.employee_number || `#${person.id}`)],
      body: [form.el],
    })]);
    editHost.hidden = false;
    createHost.hidden = true;
    form.focus();
  }

  // --- list --------------------------------------------------------------------------
  const columns = [
    { key: 'id', label: 'ID', className: 'col-id mono' },
    { key: 'employee_number', label: 'Number', className: 'mono' },
    { key: 'name', label: 'Name', className: 'col-strong' },
    { key: 'kind', label: 'Kind', render: (p) => cap(p.kind || '') },
    { key: 'status', label: 'Status', render: (p) => statusBadge(p.status) },
    { key: 'company', label: 'Company' },
    { key: 'hire_date', label: 'Hired', className: 'mono nowrap' },
    { key: 'end_date', label: 'Ends', className: 'mono nowrap' },
  ];
  if (canWrite) {
    columns.push({
      key: 'actions', label: '', className: 'col-actions',
      render: (p) => button('Edit', { size: 'xs', tone: 'ghost', testid: 'person-edit-open', onClick: () => openEdit(p) }),
    });
  }
  const list = createPagedTable({
    testid: 'people-table',
    rowTestid: 'people-row',
    columns,
    rowAttrs: (p) => ({ 'data-name': p.name ?? '' }),
    rowClass: (p) => (p.status === 'terminated' ? 'row-muted' : ''),
    empty: 'No people match these filters.',
    load: (cursor) => api.list('/api/v1/people', { ...filters, cursor }),
  });

  // --- filters -----------------------------------------------------------------------
  const kind = selectInput([{ value: '', label: 'All kinds' }, ...KINDS.map((k) => ({ value: k, label: cap(k) }))],
    { value: filters.kind, testid: 'people-filter-kind' });
  const status = selectInput([{ value: '', label: 'All statuses' }, ...STATUSES.map((s) => ({ value: s, label: cap(s) }))],
    { value: filters.status, testid: 'people-filter-status' });
  const q = textInput({ value: filters.q, placeholder: 'Name or number', testid: 'people-filter-q', type: 'search' });

  function apply() {
    filters.kind = kind.value;
    filters.status = status.value;
    filters.q = q.value.trim();
    history.replaceState(null, '', `#/people${buildQuery(filters)}`);
    list.reload();
  }
  kind.addEventListener('change', apply);
  status.addEventListener('change', apply);
  q.addEventListener('input', debounce(apply, 300));

  const bar = filterBar({
    testid: 'people-filters',
    controls: [filterControl('Search', q), filterControl('Kind', kind), filterControl('Status', status)],
    onApply: apply,
    onReset: () => {
      kind.value = '';
      status.value = '';
      q.value = '';
      apply();
    },
  });

  append(root, [
    pageHeader('People', 'Employees, applicants, visitors and contractors, and where they stand.',
      canWrite ? button('New person', {
        tone: 'primary',
        testid: 'people-new',
        onClick: () => {
          editHost.hidden = true;
          createHost.hidden = false;
          createForm_.focus();
        },
      }) : null),
    createHost,
    editHost,
    panel({ body: [bar, list.el], className: 'panel-flush' }),
  ]);
  list.reload();
}
