// Personal-device violations: a phone, camera or storage device seen where it is not allowed.
// Recording one (admin, security, supervisor) opens an "access.device_violation" alert for
// security; the list shows each violation with that alert and its status. Live: new
// violations and alert changes on the event stream reload the list.

import { api } from '../api.js';
import {
  h, append, pageHeader, panel, badge, toast, createForm, createTable, filterBar, filterControl, selectInput,
  fmtDateTime, toRfc3339, errorMessage,
} from '../ui.js';
import { ACCESS_PATHS, streamStatus, watchAudit } from './site.js';
import { alertStatusBadge } from './alerts.js';

const KINDS = ['phone', 'camera', 'storage', 'other'];
const ALERT_RULE = 'access.device_violation';
const LIMIT = 200;

export function render(root, ctx) {
  const canWrite = ctx.can('violations.write');
  const status = streamStatus();
  let people = new Map();
  let zones = new Map();
  let alerts = new Map();
  const filters = { zone_id: ctx.params.get('zone_id') || '', person_id: ctx.params.get('person_id') || '' };

  const form = canWrite ? createForm({
    testid: 'violation-form',
    submitLabel: 'Record violation',
    fields: [
      { name: 'person_id', label: 'Person', type: 'select', required: true, parse: 'int', size: 'md', options: [{ value: '', label: 'Loading people…' }] },
      { name: 'zone_id', label: 'Zone', type: 'select', required: true, parse: 'int', size: 'md', options: [{ value: '', label: 'Loading zones…' }] },
      { name: 'kind', label: 'Device', type: 'select', required: true, size: 'sm', value: 'phone', options: KINDS },
      { name: 'time', label: 'When', type: 'datetime-local', size: 'md', hint: 'Default: now.' },
      { name: 'camera_ref', label: 'Camera reference', size: 'md', maxlength: 200, placeholder: 'CAM-07 14:02:10', hint: 'Where the footage is.' },
      { name: 'note', label: 'Note', size: 'full', maxlength: 1000, placeholder: 'What was seen and what was done' },
    ],
    onSubmit: async (values) => {
      const body = { person_id: values.person_id, zone_id: values.zone_id, kind: values.kind };
      if (values.time) body.time = toRfc3339(values.time);
      if (values.note) body.note = values.note;
      if (values.camera_ref) body.camera_ref = values.camera_ref;
      const v = await api.post(ACCESS_PATHS.violations, body);
      if (v.alert_error) {
        toast(`Violation #${v.id} recorded, but its alert failed: ${v.alert_error.message}`, 'warning');
      } else {
        toast(`Violation #${v.id} recorded; alert #${v.alert_id} opened for security.`, 'success');
      }
      form.reset();
      reload();
    },
  }) : null;

  function alertCell(v) {
    if (!v.alert_id) return badge('no alert', 'warning', 'violation-no-alert');
    const alert = alerts.get(v.alert_id);
    const q = new URLSearchParams({ status: '', rule: ALERT_RULE });
    return h('span', { class: 'violation-alert' },
      h('a', { href: `#/alerts?${q.toString()}`, class: 'mono', 'data-testid': 'violation-alert', 'data-alert-id': v.alert_id,
        title: alert ? alert.summary : undefined }, `#${v.alert_id}`),
      alert ? [' ', alertStatusBadge(alert.status)] : null);
  }

  const table = createTable({
    testid: 'violations-table',
    rowTestid: 'violation-row',
    columns: [
      { key: 'id', label: 'ID', className: 'col-id mono' },
      { key: 'time', label: 'When', className: 'mono nowrap', render: (v) => fmtDateTime(v.time) },
      { key: 'person', label: 'Person', className: 'col-strong', render: (v) => h('span', { 'data-testid': 'violation-person' }, people.get(v.person_id)?.name || `#${v.person_id}`) },
      { key: 'zone', label: 'Zone', render: (v) => zones.get(v.zone_id)?.name || `zone ${v.zone_id}` },
      { key: 'kind', label: 'Device', render: (v) => badge(v.kind, 'warning', 'violation-kind') },
      { key: 'note', label: 'Note', className: 'col-details' },
      { key: 'camera_ref', label: 'Camera', className: 'mono' },
      { key: 'recorded_by', label: 'Recorded by', className: 'mono' },
      { key: 'alert', label: 'Alert', className: 'nowrap', render: alertCell },
    ],
    rowAttrs: (v) => ({ 'data-person-id': v.person_id, 'data-zone-id': v.zone_id, 'data-kind': v.kind, 'data-alert-id': v.alert_id ?? '' }),
    empty: 'No violations recorded.',
  });

  const zoneFilter = selectInput([{ value: '', label: 'Any zone' }], { value: filters.zone_id, testid: 'violations-filter-zone' });
  zoneFilter.addEventListener('change', apply);
  function apply() {
    filters.zone_id = zoneFilter.value;
    const q = new URLSearchParams();
    if (filters.zone_id) q.set('zone_id', filters.zone_id);
    if (filters.person_id) q.set('person_id', filters.person_id);
    history.replaceState(null, '', `#/violations${q.toString() ? `?${q}` : ''}`);
    reload();
  }

  append(root, [
    pageHeader('Violations', 'Personal devices where they are not allowed. Each one opens an alert for security.', status.el),
    form ? panel({ title: 'Record a violation', testid: 'violation-record', body: [form.el] }) : null,
    panel({
      className: 'panel-flush',
      testid: 'violations-panel',
      body: [
        filterBar({
          testid: 'violations-filters',
          controls: [filterControl('Zone', zoneFilter)],
          onApply: apply,
          onReset: () => {
            zoneFilter.value = '';
            filters.person_id = '';
            apply();
          },
        }),
        table.el,
      ],
    }),
  ]);

  let closed = false;

  async function loadPickers() {
    try {
      const [p, z] = await Promise.all([api.all('/api/v1/people'), api.all('/api/v1/zones')]);
      if (closed) return;
      people = new Map(p.items.map((x) => [x.id, x]));
      zones = new Map(z.items.map((x) => [x.id, x]));
      const byName = (a, b) => String(a.name).localeCompare(String(b.name));
      const zoneOptions = z.items.slice().sort(byName).map((x) => ({ value: x.id, label: `${x.name} (${x.classification})` }));
      zoneFilter.replaceChildren(...[{ value: '', label: 'Any zone' }, ...zoneOptions].map((o) =>
        h('option', { value: String(o.value), selected: String(o.value) === filters.zone_id }, o.label)));
      if (form) {
        const candidates = p.items.filter((x) => x.status !== 'terminated').sort(byName);
        form.setOptions('person_id', [{ value: '', label: 'Choose the person…' },
          ...candidates.map((x) => ({ value: x.id, label: `${x.name} · ${x.employee_number || x.kind}` }))]);
        form.setOptions('zone_id', [{ value: '', label: 'Choose the zone…' }, ...zoneOptions]);
        form.input('person_id').dataset.loaded = 'true';
      }
    } catch (err) {
      if (form) form.showFormError(`People and zones could not be loaded: ${errorMessage(err)}`);
    }
  }

  // Reloads never overlap; a change during one asks for one more right after.
  let inFlight = false;
  let again = false;
  async function reload() {
    if (closed) return;
    if (inFlight) {
      again = true;
      return;
    }
    inFlight = true;
    table.loading(table.size === 0);
    try {
      const [list, raised] = await Promise.all([
        api.get(ACCESS_PATHS.violations, { ...filters, limit: LIMIT }),
        api.get('/api/v1/alerts', { rule: ALERT_RULE, status: '', limit: 500 }).catch(() => ({ items: [] })),
      ]);
      if (closed) return;
      alerts = new Map((raised.items || []).map((a) => [a.id, a]));
      const items = list.items || [];
      if (items.some((v) => !people.has(v.person_id))) await loadPickers();
      if (closed) return;
      table.loading(false);
      table.setRows(items);
      table.el.dataset.loaded = 'true';
    } catch (err) {
      if (closed) return;
      table.loading(false);
      table.error(err);
    } finally {
      inFlight = false;
      if (again && !closed) {
        again = false;
        reload();
      }
    }
  }

  const stop = watchAudit({
    accept: (action) => {
      const a = String(action || '');
      return a.startsWith('access.violation.') || a.startsWith('alert.');
    },
    onChange: reload,
    setStatus: status.set,
  });
  loadPickers().then(reload);
  return () => {
    closed = true;
    stop();
  };
}
