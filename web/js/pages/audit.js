// Audit trail: the hash-chained log, newest first, with filters (/api/v1/audit).

import { api, buildQuery } from '../api.js';
import {
  h, append, pageHeader, panel, badge, createPagedTable, filterBar, filterControl, textInput,
  fmtDateTime, shortHash, summarizeDetails,
} from '../ui.js';
import { actionTone } from './dashboard.js';

// datetime-local value (local time) <-> RFC 3339 (UTC) for the API.
function toRfc3339(local) {
  if (!local) return '';
  const d = new Date(local);
  return Number.isNaN(d.getTime()) ? '' : d.toISOString();
}

function toLocalInput(rfc3339) {
  if (!rfc3339) return '';
  const d = new Date(rfc3339);
  if (Number.isNaN(d.getTime())) return '';
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function detailsCell(details) {
  const summary = summarizeDetails(details, 90);
  if (!details || typeof details !== 'object' || Object.keys(details).length === 0) {
    return summary ? h('span', null, summary) : null;
  }
  return h('details', { class: 'details' },
    h('summary', null, summary),
    h('pre', { class: 'details-json' }, JSON.stringify(details, null, 2)));
}

export function render(root, ctx) {
  const filters = {};
  for (const key of ['from', 'to', 'actor', 'action', 'subject']) filters[key] = ctx.params.get(key) || '';

  const from = textInput({ type: 'datetime-local', value: toLocalInput(filters.from), testid: 'audit-filter-from' });
  const to = textInput({ type: 'datetime-local', value: toLocalInput(filters.to), testid: 'audit-filter-to' });
  const actor = textInput({ value: filters.actor, placeholder: 'user:admin', testid: 'audit-filter-actor' });
  const action = textInput({ value: filters.action, placeholder: 'person.create', testid: 'audit-filter-action' });
  const subject = textInput({ value: filters.subject, placeholder: 'person:42', testid: 'audit-filter-subject' });

  const list = createPagedTable({
    testid: 'audit-table',
    rowTestid: 'audit-row',
    rowKey: (e) => e.seq,
    columns: [
      { key: 'seq', label: 'Seq', className: 'col-id mono num' },
      { key: 'time', label: 'Time', className: 'mono nowrap', render: (e) => fmtDateTime(e.time) },
      { key: 'actor', label: 'Actor', className: 'mono' },
      { key: 'action', label: 'Action', render: (e) => badge(e.action ?? '?', actionTone(e.action)) },
      { key: 'subject', label: 'Subject', className: 'mono' },
      { key: 'details', label: 'Details', className: 'col-details', render: (e) => detailsCell(e.details) },
      {
        key: 'hash', label: 'Hash', className: 'mono nowrap col-hash',
        render: (e) => h('span', { title: e.hash ?? '', 'data-testid': 'audit-hash' }, shortHash(e.hash)),
      },
    ],
    rowAttrs: (e) => ({ 'data-seq': e.seq, 'data-action': e.action ?? '', 'data-subject': e.subject ?? '' }),
    empty: 'No audit entries match these filters.',
    load: (cursor) => api.list('/api/v1/audit', { ...filters, cursor }),
  });

  function apply() {
    filters.from = toRfc3339(from.value);
    filters.to = toRfc3339(to.value);
    filters.actor = actor.value.trim();
    filters.action = action.value.trim();
    filters.subject = subject.value.trim();
    history.replaceState(null, '', `#/audit${buildQuery(filters)}`);
    list.reload();
  }

  append(root, [
    pageHeader('Audit trail', 'Every decision and change, hash-chained and signed. Newest first.'),
    panel({
      body: [
        filterBar({
          testid: 'audit-filters',
          controls: [
            filterControl('From', from), filterControl('To', to), filterControl('Actor', actor),
            filterControl('Action', action), filterControl('Subject', subject),
          ],
          onApply: apply,
          onReset: () => {
            for (const input of [from, to, actor, action, subject]) input.value = '';
            apply();
          },
        }),
        list.el,
      ],
      className: 'panel-flush',
    }),
    h('p', { class: 'footnote' }, 'The chain is verified end to end with ', h('code', null, 'floorguard audit verify'), '.'),
  ]);
  list.reload();
}
