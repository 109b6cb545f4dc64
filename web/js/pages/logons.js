// Logon reports. Tabs: #/logons/station (who used station X between two times),
// #/logons/person (where did person Y log on), #/logons/failed (denied logons and unlocks).
// Each has a CSV download of exactly what the filters select (?format=csv).

import { api, buildQuery } from '../api.js';
import {
  h, append, pageHeader, panel, badge, createTable, createPagedTable, filterBar, filterControl, selectInput,
  textInput, fmtDateTime, fmtDuration, toRfc3339, toLocalInput, csvLink, tabNav, errorMessage,
} from '../ui.js';
import { PATHS, itemsOf, normSession, stateBadge } from '../identity.js';

const TABS = [
  { id: 'station', label: 'Station history', href: '#/logons/station' },
  { id: 'person', label: 'Person history', href: '#/logons/person' },
  { id: 'failed', label: 'Failed logons', href: '#/logons/failed' },
];

const DAY_MS = 24 * 3600 * 1000;

// The from/to pair: from the URL, else the last 24 hours (to = an hour ahead, so sessions
// that start while the page is open are in the range too).
function rangeInputs(ctx, prefix) {
  const fromValue = ctx.params.get('from') || new Date(Date.now() - DAY_MS).toISOString();
  const toValue = ctx.params.get('to') || new Date(Date.now() + 3600 * 1000).toISOString();
  return {
    from: textInput({ type: 'datetime-local', value: toLocalInput(fromValue), testid: `${prefix}-from` }),
    to: textInput({ type: 'datetime-local', value: toLocalInput(toValue), testid: `${prefix}-to` }),
  };
}

function sessionColumns({ station = true, person = true } = {}) {
  return [
    station ? { key: 'workstation_id', label: 'Station', className: 'mono col-strong' } : null,
    person ? { key: 'person_name', label: 'Agent', className: station ? '' : 'col-strong' } : null,
    { key: 'username', label: 'Username', className: 'mono' },
    { key: 'started_at', label: 'Logged on', className: 'mono nowrap', render: (s) => fmtDateTime(s.started_at) },
    { key: 'ended_at', label: 'Logged off', className: 'mono nowrap', render: (s) => fmtDateTime(s.ended_at) },
    { key: 'duration', label: 'Duration', className: 'nowrap num', render: (s) => fmtDuration(s.started_at, s.ended_at) },
    {
      key: 'state', label: 'State',
      render: (s) => (s.ended_at ? badge(s.end_reason || 'ended', 'neutral') : stateBadge(s.state)),
    },
  ].filter(Boolean);
}

// A report over a fixed list answer ({items}): a table, filters, and the CSV link.
function sessionReport(root, ctx, { prefix, pick, pickLabel, pathFor, columns, empty, hashBase, paramName }) {
  const range = rangeInputs(ctx, prefix);
  const csv = csvLink('', `${prefix}-csv`);
  csv.el.hidden = true;
  const table = createTable({ testid: `${prefix}-table`, rowTestid: `${prefix}-row`, columns, empty,
    rowKey: (s) => s.id,
    rowAttrs: (s) => ({ 'data-workstation': s.workstation_id ?? '', 'data-username': s.username ?? '' }) });
  const note = h('div', { class: 'muted report-note', 'data-testid': `${prefix}-note` }, `Choose ${pickLabel.toLowerCase()}.`);

  async function apply() {
    const id = pick.value;
    const query = { from: toRfc3339(range.from.value), to: toRfc3339(range.to.value) };
    history.replaceState(null, '', `${hashBase}${buildQuery({ [paramName]: id, ...query })}`);
    if (!id) {
      table.setRows([]);
      csv.el.hidden = true;
      note.textContent = `Choose ${pickLabel.toLowerCase()}.`;
      return;
    }
    const path = pathFor(id);
    csv.el.hidden = false;
    csv.el.href = `${path}${buildQuery({ ...query, format: 'csv' })}`;
    table.setRows([]);
    table.loading(true);
    try {
      const data = await api.get(path, query);
      const rows = itemsOf(data, 'items').map(normSession);
      table.loading(false);
      table.setRows(rows);
      note.textContent = rows.length === 1 ? '1 session' : `${rows.length} sessions`;
    } catch (err) {
      table.loading(false);
      table.error(err);
      note.textContent = errorMessage(err);
    }
  }
  pick.addEventListener('change', apply);
  append(root, [panel({
    className: 'panel-flush',
    body: [
      filterBar({
        testid: `${prefix}-filters`,
        controls: [filterControl(pickLabel, pick), filterControl('From', range.from), filterControl('To', range.to)],
        onApply: apply,
      }),
      h('div', { class: 'report-bar' }, note, csv.el),
      table.el,
    ],
  })]);
  return apply;
}

function renderStation(root, ctx) {
  const pick = selectInput([{ value: '', label: 'Loading stations…' }], { testid: 'station-history-station' });
  const apply = sessionReport(root, ctx, {
    prefix: 'station-history',
    pick,
    pickLabel: 'Station',
    paramName: 'station_id',
    hashBase: '#/logons/station',
    pathFor: PATHS.stationHistory,
    columns: sessionColumns({ station: false }),
    empty: 'Nobody logged on at this station in this period.',
  });
  api.all('/api/v1/stations').then(({ items }) => {
    const wanted = ctx.params.get('station_id') || '';
    const sorted = [...items].sort((a, b) => String(a.workstation_id).localeCompare(String(b.workstation_id)));
    pick.replaceChildren(h('option', { value: '' }, 'Choose a station'),
      ...sorted.map((s) => h('option', { value: String(s.id), selected: String(s.id) === wanted }, s.workstation_id)));
    apply();
  }).catch((err) => {
    pick.replaceChildren(h('option', { value: '' }, `Stations: ${errorMessage(err)}`));
  });
}

function renderPerson(root, ctx) {
  const pick = selectInput([{ value: '', label: 'Loading people…' }], { testid: 'person-history-person' });
  const apply = sessionReport(root, ctx, {
    prefix: 'person-history',
    pick,
    pickLabel: 'Person',
    paramName: 'person_id',
    hashBase: '#/logons/person',
    pathFor: PATHS.personHistory,
    columns: sessionColumns({ person: false }),
    empty: 'This person did not log on anywhere in this period.',
  });
  api.all('/api/v1/people').then(({ items }) => {
    const wanted = ctx.params.get('person_id') || '';
    const workforce = items.filter((p) => p.kind === 'employee' || p.kind === 'contractor' || String(p.id) === wanted)
      .sort((a, b) => String(a.name).localeCompare(String(b.name)));
    pick.replaceChildren(h('option', { value: '' }, 'Choose a person'),
      ...workforce.map((p) => h('option', { value: String(p.id), selected: String(p.id) === wanted },
        p.employee_number ? `${p.name} (${p.employee_number})` : p.name)));
    apply();
  }).catch((err) => {
    pick.replaceChildren(h('option', { value: '' }, `People: ${errorMessage(err)}`));
  });
}

const REASON_TONES = { account_locked: 'danger', source_banned: 'danger', bad_password: 'warning', bad_totp: 'warning' };

function renderFailed(root, ctx) {
  const range = rangeInputs(ctx, 'failed');
  const filters = {};
  const csv = csvLink(PATHS.failedLogons, 'failed-csv');
  const list = createPagedTable({
    testid: 'failed-table',
    rowTestid: 'failed-row',
    columns: [
      { key: 'time', label: 'Time', className: 'mono nowrap', render: (a) => fmtDateTime(a.time) },
      { key: 'kind', label: 'Kind' },
      { key: 'workstation_id', label: 'Station', className: 'mono col-strong' },
      { key: 'username', label: 'Username', className: 'mono' },
      { key: 'source_address', label: 'Source', className: 'mono' },
      { key: 'check', label: 'Check', className: 'mono' },
      { key: 'reason', label: 'Reason', render: (a) => badge(a.reason || 'denied', REASON_TONES[a.reason] || 'neutral') },
    ],
    rowAttrs: (a) => ({ 'data-username': a.username ?? '', 'data-reason': a.reason ?? '', 'data-workstation': a.workstation_id ?? '' }),
    empty: 'No failed logons in this period.',
    load: (cursor) => api.list(PATHS.failedLogons, { ...filters, cursor }),
  });
  function apply() {
    filters.from = toRfc3339(range.from.value);
    filters.to = toRfc3339(range.to.value);
    history.replaceState(null, '', `#/logons/failed${buildQuery(filters)}`);
    csv.set(filters);
    list.reload();
  }
  append(root, [panel({
    className: 'panel-flush',
    body: [
      filterBar({ testid: 'failed-filters', controls: [filterControl('From', range.from), filterControl('To', range.to)], onApply: apply }),
      h('div', { class: 'report-bar' }, h('span', { class: 'muted' }, 'Denied logons and unlocks, newest first.'), csv.el),
      list.el,
    ],
  })]);
  apply();
}

export function render(root, ctx) {
  const tab = TABS.find((t) => t.id === ctx.segments[0]) ? ctx.segments[0] : 'station';
  const body = h('div', { class: 'tab-body', 'data-testid': `logons-${tab}` });
  append(root, [
    pageHeader('Logons', 'Who worked where and when, and every logon that was refused.'),
    tabNav(TABS, tab, 'Logon reports'),
    body,
  ]);
  ({ station: renderStation, person: renderPerson, failed: renderFailed })[tab](body, ctx);
}
