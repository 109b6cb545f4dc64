// Muster report: everyone on site now, zone by zone, with the time they entered the zone and,
// for visitors, their host. Made to be printed at the assembly point (Print uses the
// browser's print dialog; the print stylesheet drops the navigation and the buttons) or
// taken as CSV. The report is a snapshot: Refresh takes a new one.

import { api } from '../api.js';
import {
  h, append, clear, pageHeader, panel, button, badge, createTable, csvLink, fmtDateTime, errorMessage,
} from '../ui.js';
import { ACCESS_PATHS, classificationBadge } from './site.js';

const KIND_TONES = { employee: 'neutral', visitor: 'warning', contractor: 'info', applicant: 'neutral' };

function zoneTable(zone) {
  const table = createTable({
    testid: 'muster-table',
    rowTestid: 'muster-person',
    rowKey: (p) => p.person_id,
    columns: [
      { key: 'mark', label: '✓', className: 'col-check', render: () => h('span', { class: 'muster-box', 'aria-hidden': 'true' }) },
      { key: 'name', label: 'Name', className: 'col-strong', render: (p) => h('span', { 'data-testid': 'muster-name' }, p.name) },
      { key: 'kind', label: 'Kind', render: (p) => badge(p.kind, KIND_TONES[p.kind] || 'neutral', 'muster-kind') },
      { key: 'employee_number', label: 'Number', className: 'mono' },
      { key: 'company', label: 'Company' },
      { key: 'host_name', label: 'Host', render: (p) => (p.visit_id ? p.host_name : null) },
      { key: 'since', label: 'In zone since', className: 'mono nowrap', render: (p) => fmtDateTime(p.since) },
    ],
    rowAttrs: (p) => ({ 'data-name': p.name, 'data-kind': p.kind, 'data-visit-id': p.visit_id ?? '' }),
    empty: 'Nobody.',
  });
  table.setRows(zone.people || []);
  return table.el;
}

export function render(root) {
  const csv = csvLink(ACCESS_PATHS.muster, 'muster-csv');
  const generated = h('span', { class: 'muted', 'data-testid': 'muster-generated' }, '');
  const total = h('div', { class: 'stat-value', 'data-testid': 'muster-total' }, '…');
  const visitors = h('div', { class: 'stat-value', 'data-testid': 'muster-visitors' }, '…');
  const zonesWithPeople = h('div', { class: 'stat-value', 'data-testid': 'muster-zones' }, '…');
  const body = h('div', { class: 'muster', 'data-testid': 'muster', 'data-loaded': 'false' },
    h('div', { class: 'table-status table-status-loading' }, 'Loading…'));
  let closed = false;

  async function load() {
    try {
      const report = await api.get(ACCESS_PATHS.muster);
      if (closed) return;
      draw(report);
      body.dataset.loaded = 'true';
    } catch (err) {
      if (closed) return;
      clear(body);
      body.append(h('div', { class: 'notice notice-error', 'data-testid': 'muster-error' }, errorMessage(err)));
    }
  }

  function draw(report) {
    clear(body);
    const zones = report.zones || [];
    const occupied = zones.filter((z) => z.count > 0);
    const empty = zones.filter((z) => !z.count);
    generated.textContent = `Generated ${fmtDateTime(report.generated_at)}`;
    total.textContent = String(report.total ?? 0);
    visitors.textContent = String(zones.reduce((n, z) => n + (z.people || []).filter((p) => p.kind === 'visitor').length, 0));
    zonesWithPeople.textContent = `${occupied.length} of ${zones.length}`;
    for (const zone of occupied) {
      body.append(panel({
        title: zone.name,
        testid: 'muster-zone',
        className: 'panel-flush muster-zone',
        actions: [classificationBadge(zone.classification),
          h('span', { class: 'muster-count', 'data-testid': 'muster-zone-count' }, zone.count === 1 ? '1 person' : `${zone.count} people`)],
        body: [zoneTable(zone)],
      }));
      body.lastChild.dataset.zoneId = String(zone.zone_id);
      body.lastChild.dataset.zoneName = zone.name;
      body.lastChild.dataset.count = String(zone.count);
    }
    if (!occupied.length) body.append(h('div', { class: 'empty', 'data-testid': 'muster-nobody' }, 'Nobody is badged in anywhere.'));
    if (empty.length) {
      body.append(h('p', { class: 'muted muster-empty', 'data-testid': 'muster-empty-zones' },
        `Empty: ${empty.map((z) => z.name).join(', ')}.`));
    }
  }

  append(root, [
    pageHeader('Muster report', 'Everyone badged in now, by zone. Print it for the assembly point and tick people off.',
      generated,
      button('Refresh', { size: 'sm', testid: 'muster-refresh', onClick: load }),
      csv.el,
      button('Print', { tone: 'primary', size: 'sm', testid: 'muster-print', onClick: () => window.print() })),
    h('div', { class: 'stats muster-stats' },
      h('div', { class: 'stat' }, h('div', { class: 'stat-label' }, 'On site'), total),
      h('div', { class: 'stat' }, h('div', { class: 'stat-label' }, 'Visitors'), visitors),
      h('div', { class: 'stat' }, h('div', { class: 'stat-label' }, 'Zones occupied'), zonesWithPeople)),
    body,
  ]);
  load();
  return () => {
    closed = true;
  };
}
