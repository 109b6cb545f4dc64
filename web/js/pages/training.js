// Training records: who completed which campaign's training, and until when it is valid
// (/api/v1/training). Expired records are what keeps an agent off a campaign's floor.

import { api, ApiError, buildQuery } from '../api.js';
import {
  h, append, pageHeader, panel, button, badge, toast, createForm, createPagedTable, filterBar,
  filterControl, selectInput, textInput, debounce, todayIso, addDaysIso,
} from '../ui.js';

const EXPIRING_DAYS = 30;

// expired | expiring | valid | open (no expiry)
export function trainingState(record, today = todayIso()) {
  if (!record.expires_on) return 'open';
  if (record.expires_on < today) return 'expired';
  if (record.expires_on <= addDaysIso(today, EXPIRING_DAYS)) return 'expiring';
  return 'valid';
}

const STATE_BADGES = {
  expired: ['expired', 'danger'],
  expiring: ['expires soon', 'warning'],
  valid: ['valid', 'success'],
  open: ['no expiry', 'neutral'],
};

let pickerSeq = 0;

// A text input with a datalist of people matching what is typed; its value reads
// "#<id> · <name> · <number>", and parsePersonId() gets the id back.
export function personPicker(input) {
  const listId = `people-options-${++pickerSeq}`;
  const datalist = h('datalist', { id: listId });
  input.setAttribute('list', listId);
  input.placeholder = input.placeholder || 'Type a name or number';
  const search = debounce(async () => {
    const q = input.value.trim();
    if (!q || /^#\d+/.test(q)) return;
    try {
      const page = await api.list('/api/v1/people', { q, limit: 10 });
      datalist.replaceChildren(...page.items.map((p) => h('option', {
        value: `#${p.id} · ${p.name}${p.employee_number ? ` · ${p.employee_number}` : ''}`,
      })));
    } catch {
      // Suggestions are a convenience; typing "#<id>" still works.
    }
  }, 200);
  input.addEventListener('input', search);
  return datalist;
}

export function parsePersonId(value) {
  const match = /^\s*#?(\d+)\b/.exec(String(value ?? ''));
  return match ? Number(match[1]) : null;
}

export function render(root, ctx) {
  const canWrite = ctx.can('training.write');
  const filters = {
    person_id: ctx.params.get('person_id') || '',
    campaign_id: ctx.params.get('campaign_id') || '',
  };
  const campaigns = new Map();
  const people = new Map();

  const campaignLabel = (id) => {
    const c = campaigns.get(String(id));
    return c ? `${c.code} — ${c.name}` : `#${id}`;
  };
  const personCell = (id) => {
    const cell = h('span', { 'data-person-id': id }, `#${id}`);
    const p = people.get(String(id));
    if (p) cell.textContent = p.name;
    return cell;
  };

  async function resolvePeople(records) {
    const missing = [...new Set(records.map((r) => String(r.person_id)))].filter((id) => !people.has(id));
    await Promise.all(missing.map(async (id) => {
      try {
        people.set(id, await api.get(`/api/v1/people/${encodeURIComponent(id)}`));
      } catch {
        people.set(id, null);
      }
    }));
    for (const cell of root.querySelectorAll('[data-person-id]')) {
      const p = people.get(String(cell.dataset.personId));
      if (p) cell.textContent = p.name;
    }
  }

  // --- create ------------------------------------------------------------------------
  const createHost = h('div', { hidden: true, 'data-testid': 'training-create' });
  const form = canWrite ? createForm({
    testid: 'training-form',
    submitLabel: 'Record training',
    fields: [
      { name: 'person_id', label: 'Person', required: true, size: 'lg' },
      { name: 'campaign_id', label: 'Campaign', type: 'select', required: true, parse: 'int', size: 'md', options: [] },
      { name: 'completed_on', label: 'Completed on', type: 'date', value: todayIso(), required: true, size: 'sm' },
      { name: 'expires_on', label: 'Expires on', type: 'date', value: addDaysIso(todayIso(), 365), size: 'sm' },
    ],
    onCancel: () => {
      createHost.hidden = true;
    },
    onSubmit: async (values) => {
      const personId = parsePersonId(values.person_id);
      if (personId === null) {
        throw new ApiError(400, {
          title: 'Invalid input',
          errors: [{ field: 'person_id', message: 'pick a person from the suggestions (or type #id)' }],
        });
      }
      const created = await api.post('/api/v1/training', { ...values, person_id: personId });
      toast('Training recorded.', 'success');
      if (created) {
        list.prepend(created);
        resolvePeople([created]);
      }
      form.reset();
      createHost.hidden = true;
    },
  }) : null;
  if (form) {
    append(createHost, [panel({ title: 'Record training', body: [form.el, personPicker(form.input('person_id'))] })]);
  }

  // --- list --------------------------------------------------------------------------
  const list = createPagedTable({
    testid: 'training-table',
    rowTestid: 'training-row',
    columns: [
      { key: 'id', label: 'ID', className: 'col-id mono' },
      { key: 'person_id', label: 'Person', className: 'col-strong', render: (r) => personCell(r.person_id) },
      { key: 'campaign_id', label: 'Campaign', render: (r) => campaignLabel(r.campaign_id) },
      { key: 'completed_on', label: 'Completed', className: 'mono nowrap' },
      { key: 'expires_on', label: 'Expires', className: 'mono nowrap' },
      { key: 'state', label: 'State', render: (r) => badge(...STATE_BADGES[trainingState(r)]) },
    ],
    rowAttrs: (r) => ({ 'data-state': trainingState(r) }),
    rowClass: (r) => `row-${trainingState(r)}`,
    empty: 'No training records match.',
    load: async (cursor) => {
      const page = await api.list('/api/v1/training', { ...filters, cursor });
      resolvePeople(page.items);
      return page;
    },
  });

  // --- filters -----------------------------------------------------------------------
  const person = textInput({ value: filters.person_id ? `#${filters.person_id}` : '', placeholder: 'Any person', testid: 'training-filter-person' });
  const personList = personPicker(person);
  const campaign = selectInput([{ value: '', label: 'All campaigns' }], { value: filters.campaign_id, testid: 'training-filter-campaign' });
  const apply = () => {
    const pid = parsePersonId(person.value);
    filters.person_id = pid === null ? '' : String(pid);
    filters.campaign_id = campaign.value;
    history.replaceState(null, '', `#/training${buildQuery(filters)}`);
    list.reload();
  };
  campaign.addEventListener('change', apply);
  person.addEventListener('change', apply);

  append(root, [
    pageHeader('Training', `Completed training per person and campaign. Records that expire within ${EXPIRING_DAYS} days are flagged.`,
      canWrite ? button('Record training', {
        tone: 'primary',
        testid: 'training-new',
        onClick: () => {
          createHost.hidden = false;
          form.focus();
        },
      }) : null),
    createHost,
    panel({
      body: [
        filterBar({
          testid: 'training-filters',
          controls: [filterControl('Person', person), personList, filterControl('Campaign', campaign)],
          onApply: apply,
          onReset: () => {
            person.value = '';
            campaign.value = '';
            apply();
          },
        }),
        list.el,
      ],
      className: 'panel-flush',
    }),
  ]);

  api.all('/api/v1/campaigns').then(({ items }) => {
    for (const c of items) campaigns.set(String(c.id), c);
    const options = items.map((c) => ({ value: c.id, label: `${c.code} — ${c.name}` }));
    campaign.replaceChildren(...[{ value: '', label: 'All campaigns' }, ...options].map((o) =>
      h('option', { value: String(o.value), selected: String(o.value) === filters.campaign_id }, o.label)));
    if (form) form.setOptions('campaign_id', [{ value: '', label: 'Choose a campaign' }, ...options]);
    list.reload();
  }).catch(() => list.reload());
}
