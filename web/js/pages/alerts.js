// Alerts raised by the detectors (brute force, password spraying, impossible travel...).
// Lifecycle: open -> acknowledged -> resolved (with a note). #/alerts?status=open lists; a
// row opens its detail with the evidence. New alerts arrive live (their "alert.raise" audit
// entries on the event stream) when the list shows open alerts.

import { api } from '../api.js';
import {
  h, append, clear, pageHeader, panel, button, badge, toast, createForm, createPagedTable, filterBar,
  filterControl, selectInput, textInput, fmtDateTime, errorMessage, csvLink, summarizeDetails,
} from '../ui.js';

const STATUSES = ['open', 'acknowledged', 'resolved'];
const STATUS_TONES = { open: 'danger', acknowledged: 'warning', resolved: 'success' };
const SEVERITY_TONES = { low: 'neutral', medium: 'info', high: 'warning', critical: 'danger' };

export function severityBadge(severity) {
  return badge(severity || '?', SEVERITY_TONES[severity] || 'neutral', 'alert-severity');
}

export function alertStatusBadge(status) {
  return badge(status || '?', STATUS_TONES[status] || 'neutral', 'alert-status');
}

function field(label, value, testid) {
  return h('div', { class: 'kv' }, h('div', { class: 'kv-label' }, label),
    h('div', { class: 'kv-value', 'data-testid': testid }, value === undefined || value === null || value === '' ? h('span', { class: 'muted' }, '—') : value));
}

export function render(root, ctx) {
  const canWrite = ctx.can('alerts.write');
  const filters = {
    status: ctx.params.has('status') ? ctx.params.get('status') : 'open',
    rule: ctx.params.get('rule') || '',
    account: ctx.params.get('account') || '',
  };
  const detailHost = h('div', { hidden: true, 'data-testid': 'alert-detail' });
  const csv = csvLink('/api/v1/alerts', 'alerts-csv');

  function showDetail(alert) {
    clear(detailHost);
    detailHost.hidden = false;
    detailHost.dataset.alertId = String(alert.id);
    const actions = [];
    if (canWrite && alert.status === 'open') {
      actions.push(button('Acknowledge', {
        tone: 'primary',
        size: 'sm',
        testid: 'alert-ack',
        onClick: async () => {
          try {
            const updated = await api.post(`/api/v1/alerts/${encodeURIComponent(alert.id)}/acknowledge`);
            const next = updated || { ...alert, status: 'acknowledged' };
            list.update(next);
            showDetail(next);
            toast(`Alert #${alert.id} acknowledged.`, 'success');
          } catch (err) {
            toast(errorMessage(err), 'error');
          }
        },
      }));
    }
    let resolveForm = null;
    if (canWrite && alert.status !== 'resolved') {
      resolveForm = createForm({
        testid: 'alert-resolve',
        submitLabel: 'Resolve',
        fields: [{ name: 'note', label: 'Resolution note', required: true, size: 'full',
          placeholder: 'What was found and what was done' }],
        onSubmit: async (values) => {
          const updated = await api.post(`/api/v1/alerts/${encodeURIComponent(alert.id)}/resolve`, { note: values.note });
          const next = updated || { ...alert, status: 'resolved', resolution_note: values.note };
          list.update(next);
          showDetail(next);
          toast(`Alert #${alert.id} resolved.`, 'success');
        },
      });
    }
    actions.push(button('Close', { size: 'sm', tone: 'ghost', testid: 'alert-close', onClick: () => { detailHost.hidden = true; } }));
    append(detailHost, [panel({
      title: `Alert #${alert.id}: ${alert.summary || alert.rule || ''}`,
      actions,
      body: [
        h('div', { class: 'kv-grid' },
          field('Rule', h('span', { class: 'mono' }, alert.rule), 'alert-rule'),
          field('Severity', severityBadge(alert.severity)),
          field('Status', alertStatusBadge(alert.status), 'alert-detail-status'),
          field('Account', alert.account, 'alert-account'),
          field('Source', alert.source, 'alert-source'),
          field('Raised', fmtDateTime(alert.created_at)),
          field('Updated', fmtDateTime(alert.updated_at)),
          alert.acknowledged_by ? field('Acknowledged', `${alert.acknowledged_by} · ${fmtDateTime(alert.acknowledged_at)}`) : null,
          alert.resolved_by ? field('Resolved', `${alert.resolved_by} · ${fmtDateTime(alert.resolved_at)}`) : null),
        alert.resolution_note ? h('div', { class: 'notice notice-info', 'data-testid': 'alert-note' }, alert.resolution_note) : null,
        h('div', { class: 'field-label' }, 'Evidence'),
        h('pre', { class: 'details-json', 'data-testid': 'alert-evidence' }, JSON.stringify(alert.details ?? {}, null, 2)),
        resolveForm ? resolveForm.el : null,
      ],
    })]);
    detailHost.scrollIntoView({ block: 'nearest' });
  }

  async function open(alert) {
    try {
      showDetail(await api.get(`/api/v1/alerts/${encodeURIComponent(alert.id)}`));
    } catch (err) {
      toast(errorMessage(err), 'error');
    }
  }

  const list = createPagedTable({
    testid: 'alerts-table',
    rowTestid: 'alert-row',
    columns: [
      { key: 'id', label: 'ID', className: 'col-id mono' },
      { key: 'created_at', label: 'Raised', className: 'mono nowrap', render: (a) => fmtDateTime(a.created_at) },
      { key: 'severity', label: 'Severity', render: (a) => severityBadge(a.severity) },
      { key: 'rule', label: 'Rule', className: 'mono' },
      { key: 'summary', label: 'Summary', className: 'col-strong col-details', render: (a) => h('span', { title: summarizeDetails(a.details, 400) }, a.summary || '') },
      { key: 'account', label: 'Account', className: 'mono' },
      { key: 'source', label: 'Source', className: 'mono' },
      { key: 'status', label: 'Status', render: (a) => alertStatusBadge(a.status) },
      {
        key: 'actions', label: '', className: 'col-actions',
        render: (a) => button('Open', { size: 'xs', tone: 'ghost', testid: 'alert-open', onClick: () => open(a) }),
      },
    ],
    rowAttrs: (a) => ({ 'data-rule': a.rule ?? '', 'data-status': a.status ?? '', 'data-severity': a.severity ?? '' }),
    rowClass: (a) => (a.status === 'resolved' ? 'row-muted' : ''),
    empty: 'No alerts match these filters.',
    load: (cursor) => api.list('/api/v1/alerts', { ...filters, cursor }),
  });

  const status = selectInput([{ value: '', label: 'Any status' }, ...STATUSES.map((s) => ({ value: s, label: s }))],
    { value: filters.status, testid: 'alerts-filter-status' });
  const rule = textInput({ value: filters.rule, placeholder: 'brute_force', testid: 'alerts-filter-rule' });
  const account = textInput({ value: filters.account, placeholder: 'username', testid: 'alerts-filter-account' });

  function apply() {
    filters.status = status.value;
    filters.rule = rule.value.trim();
    filters.account = account.value.trim();
    // status stays in the URL even when empty: "any status" is not the default (open).
    const q = new URLSearchParams({ status: filters.status });
    if (filters.rule) q.set('rule', filters.rule);
    if (filters.account) q.set('account', filters.account);
    history.replaceState(null, '', `#/alerts?${q.toString()}`);
    csv.set(filters);
    list.reload();
  }
  status.addEventListener('change', apply);

  append(root, [
    pageHeader('Alerts', 'What the detectors found. Acknowledge what you are looking at; resolve with a note.', csv.el),
    detailHost,
    panel({
      className: 'panel-flush',
      body: [
        filterBar({
          testid: 'alerts-filters',
          controls: [filterControl('Status', status), filterControl('Rule', rule), filterControl('Account', account)],
          onApply: apply,
          onReset: () => {
            status.value = 'open';
            rule.value = '';
            account.value = '';
            apply();
          },
        }),
        list.el,
      ],
    }),
  ]);
  csv.set(filters);
  list.reload();

  // New alerts, live.
  let closed = false;
  const source = new EventSource('/api/v1/events/stream');
  source.addEventListener('audit', (event) => {
    let entry;
    try {
      entry = JSON.parse(event.data);
    } catch {
      return;
    }
    if (closed || !entry || !String(entry.action || '').startsWith('alert.')) return;
    list.reload();
  });
  return () => {
    closed = true;
    source.close();
  };
}
