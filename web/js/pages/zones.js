// Zones & stations: sites, the zones inside them (with classification, parent and
// campaign) and the stations (workstations) placed in zones. Tabs: #/zones/sites,
// #/zones (zones), #/zones/stations.

import { api, buildQuery } from '../api.js';
import {
  h, append, pageHeader, panel, button, badge, toast, createForm, createPagedTable, filterBar,
  filterControl, selectInput, errorMessage,
} from '../ui.js';

export const CLASSIFICATIONS = ['public', 'staff', 'secure', 'restricted'];
const CLASS_TONES = { public: 'neutral', staff: 'info', secure: 'warning', restricted: 'danger' };

const TABS = [
  { id: 'sites', label: 'Sites', href: '#/zones/sites' },
  { id: 'zones', label: 'Zones', href: '#/zones' },
  { id: 'stations', label: 'Stations', href: '#/zones/stations' },
];

function timezones() {
  try {
    return Intl.supportedValuesOf('timeZone');
  } catch {
    return ['UTC'];
  }
}

function localTimezone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

// Reference data every tab needs for names and selects.
async function loadLookups() {
  const [sites, zones, campaigns] = await Promise.all([
    api.all('/api/v1/sites').catch(() => ({ items: [] })),
    api.all('/api/v1/zones').catch(() => ({ items: [] })),
    api.all('/api/v1/campaigns').catch(() => ({ items: [] })),
  ]);
  const byId = (items) => new Map(items.map((x) => [String(x.id), x]));
  return {
    sites: sites.items, zones: zones.items, campaigns: campaigns.items,
    site: byId(sites.items), zone: byId(zones.items), campaign: byId(campaigns.items),
  };
}

const none = (label = '— none —') => ({ value: '', label });

function createPanel(host, title, form) {
  append(host, [panel({ title, body: [form.el] })]);
}

function newButton(label, testid, host, form) {
  return button(label, {
    tone: 'primary',
    testid,
    onClick: () => {
      host.hidden = false;
      form.focus();
    },
  });
}

// --- sites -------------------------------------------------------------------------------
function renderSites(root, ctx, lookups) {
  const canWrite = ctx.can('sites.write');
  const host = h('div', { hidden: true, 'data-testid': 'site-create' });
  const tzList = h('datalist', { id: 'tz-options' }, timezones().map((tz) => h('option', { value: tz })));
  const form = canWrite ? createForm({
    testid: 'site-form',
    submitLabel: 'Create site',
    fields: [
      { name: 'name', label: 'Name', required: true, size: 'lg', placeholder: 'Lisbon — Parque das Nações' },
      { name: 'timezone', label: 'Time zone', required: true, size: 'md', value: localTimezone(), list: 'tz-options' },
    ],
    onCancel: () => {
      host.hidden = true;
    },
    onSubmit: async (values) => {
      const created = await api.post('/api/v1/sites', values);
      toast(`Created site ${created?.name ?? values.name}.`, 'success');
      if (created) {
        list.prepend(created);
        lookups.site.set(String(created.id), created);
      }
      form.reset();
      host.hidden = true;
    },
  }) : null;
  if (form) createPanel(host, 'New site', form);
  const list = createPagedTable({
    testid: 'sites-table',
    rowTestid: 'site-row',
    columns: [
      { key: 'id', label: 'ID', className: 'col-id mono' },
      { key: 'name', label: 'Name', className: 'col-strong' },
      { key: 'timezone', label: 'Time zone', className: 'mono' },
      {
        key: 'zones', label: 'Zones', className: 'num',
        render: (s) => String(lookups.zones.filter((z) => String(z.site_id) === String(s.id)).length),
      },
    ],
    empty: 'No sites yet. A site is a building or campus with its own time zone.',
    load: (cursor) => api.list('/api/v1/sites', { cursor }),
  });
  append(root, [host, tzList, panel({ body: [list.el], className: 'panel-flush' })]);
  list.reload();
  return form ? newButton('New site', 'sites-new', host, form) : null;
}

// --- zones -------------------------------------------------------------------------------
function renderZones(root, ctx, lookups) {
  const canWrite = ctx.can('zones.write');
  const filters = { site_id: ctx.params.get('site_id') || '' };
  const siteOptions = lookups.sites.map((s) => ({ value: s.id, label: s.name }));
  const campaignOptions = lookups.campaigns.map((c) => ({ value: c.id, label: `${c.code} — ${c.name}` }));
  const zoneOptions = (siteId) => lookups.zones
    .filter((z) => !siteId || String(z.site_id) === String(siteId))
    .map((z) => ({ value: z.id, label: z.name }));

  const host = h('div', { hidden: true, 'data-testid': 'zone-create' });
  const form = canWrite ? createForm({
    testid: 'zone-form',
    submitLabel: 'Create zone',
    fields: [
      { name: 'site_id', label: 'Site', type: 'select', required: true, parse: 'int', size: 'md',
        options: [none('Choose a site'), ...siteOptions], value: lookups.sites.length === 1 ? lookups.sites[0].id : '' },
      { name: 'name', label: 'Name', required: true, size: 'md', placeholder: 'Production floor 2' },
      { name: 'classification', label: 'Classification', type: 'select', value: 'staff', size: 'sm',
        options: CLASSIFICATIONS.map((c) => ({ value: c, label: c })) },
      { name: 'parent_id', label: 'Inside zone', type: 'select', parse: 'int', size: 'md', options: [none(), ...zoneOptions()] },
      { name: 'campaign_id', label: 'Campaign', type: 'select', parse: 'int', size: 'md', options: [none(), ...campaignOptions] },
    ],
    onCancel: () => {
      host.hidden = true;
    },
    onSubmit: async (values) => {
      const created = await api.post('/api/v1/zones', values);
      toast(`Created zone ${created?.name ?? values.name}.`, 'success');
      if (created) {
        lookups.zones.push(created);
        lookups.zone.set(String(created.id), created);
        list.prepend(created);
      }
      form.reset();
      form.setOptions('parent_id', [none(), ...zoneOptions(form.input('site_id').value)]);
      host.hidden = true;
    },
  }) : null;
  if (form) {
    form.input('site_id').addEventListener('change', () => {
      form.setOptions('parent_id', [none(), ...zoneOptions(form.input('site_id').value)]);
    });
    createPanel(host, 'New zone', form);
  }

  const list = createPagedTable({
    testid: 'zones-table',
    rowTestid: 'zone-row',
    columns: [
      { key: 'id', label: 'ID', className: 'col-id mono' },
      { key: 'name', label: 'Name', className: 'col-strong' },
      { key: 'site_id', label: 'Site', render: (z) => lookups.site.get(String(z.site_id))?.name ?? `#${z.site_id}` },
      { key: 'classification', label: 'Classification', render: (z) => badge(z.classification, CLASS_TONES[z.classification] || 'neutral') },
      { key: 'parent_id', label: 'Inside', render: (z) => (z.parent_id ? lookups.zone.get(String(z.parent_id))?.name ?? `#${z.parent_id}` : '') },
      { key: 'campaign_id', label: 'Campaign', className: 'mono', render: (z) => (z.campaign_id ? lookups.campaign.get(String(z.campaign_id))?.code ?? `#${z.campaign_id}` : '') },
      {
        key: 'stations', label: '', className: 'col-actions',
        render: (z) => h('a', { class: 'btn btn-ghost btn-xs', href: `#/zones/stations?zone_id=${encodeURIComponent(z.id)}` }, 'Stations'),
      },
    ],
    rowAttrs: (z) => ({ 'data-classification': z.classification }),
    empty: 'No zones match.',
    load: (cursor) => api.list('/api/v1/zones', { ...filters, cursor }),
  });
  const site = selectInput([none('All sites'), ...siteOptions], { value: filters.site_id, testid: 'zones-filter-site' });
  const apply = () => {
    filters.site_id = site.value;
    history.replaceState(null, '', `#/zones${buildQuery(filters)}`);
    list.reload();
  };
  site.addEventListener('change', apply);
  append(root, [host, panel({
    body: [filterBar({ testid: 'zones-filters', controls: [filterControl('Site', site)], onApply: apply }), list.el],
    className: 'panel-flush',
  })]);
  list.reload();
  return form ? newButton('New zone', 'zones-new', host, form) : null;
}

// --- stations ----------------------------------------------------------------------------
function renderStations(root, ctx, lookups) {
  const canWrite = ctx.can('stations.write');
  const filters = { zone_id: ctx.params.get('zone_id') || '' };
  const zoneLabel = (z) => {
    const s = lookups.site.get(String(z.site_id));
    return s && lookups.sites.length > 1 ? `${z.name} (${s.name})` : z.name;
  };
  const zoneOptions = lookups.zones.map((z) => ({ value: z.id, label: zoneLabel(z) }));
  const campaignOptions = lookups.campaigns.map((c) => ({ value: c.id, label: `${c.code} — ${c.name}` }));

  const host = h('div', { hidden: true, 'data-testid': 'station-create' });
  const form = canWrite ? createForm({
    testid: 'station-form',
    submitLabel: 'Create station',
    fields: [
      { name: 'workstation_id', label: 'Workstation ID', required: true, mono: true, size: 'md', placeholder: 'LIS-F2-041' },
      { name: 'zone_id', label: 'Zone', type: 'select', required: true, parse: 'int', size: 'md', options: [none('Choose a zone'), ...zoneOptions] },
      { name: 'campaign_id', label: 'Campaign', type: 'select', parse: 'int', size: 'md', options: [none(), ...campaignOptions] },
      { name: 'enabled', label: 'Enabled', type: 'checkbox', value: true, size: 'sm' },
    ],
    onCancel: () => {
      host.hidden = true;
    },
    onSubmit: async (values) => {
      const created = await api.post('/api/v1/stations', values);
      toast(`Created station ${created?.workstation_id ?? values.workstation_id}.`, 'success');
      if (created) list.prepend(created);
      form.reset();
      host.hidden = true;
    },
  }) : null;
  if (form) createPanel(host, 'New station', form);

  async function setEnabled(station, enabled) {
    try {
      const updated = await api.patch(`/api/v1/stations/${encodeURIComponent(station.id)}`, { enabled });
      list.update(updated || { ...station, enabled });
      toast(`${station.workstation_id} ${enabled ? 'enabled' : 'disabled'}.`, 'success');
    } catch (err) {
      toast(errorMessage(err), 'error');
    }
  }

  const columns = [
    { key: 'id', label: 'ID', className: 'col-id mono' },
    { key: 'workstation_id', label: 'Workstation', className: 'mono col-strong' },
    { key: 'zone_id', label: 'Zone', render: (s) => { const z = lookups.zone.get(String(s.zone_id)); return z ? zoneLabel(z) : `#${s.zone_id}`; } },
    { key: 'campaign_id', label: 'Campaign', className: 'mono', render: (s) => (s.campaign_id ? lookups.campaign.get(String(s.campaign_id))?.code ?? `#${s.campaign_id}` : '') },
    { key: 'enabled', label: 'State', render: (s) => (s.enabled ? badge('enabled', 'success') : badge('disabled', 'neutral')) },
  ];
  if (canWrite) {
    columns.push({
      key: 'actions', label: '', className: 'col-actions',
      render: (s) => button(s.enabled ? 'Disable' : 'Enable', {
        size: 'xs', tone: 'ghost', testid: 'station-toggle', onClick: () => setEnabled(s, !s.enabled),
      }),
    });
  }
  const list = createPagedTable({
    testid: 'stations-table',
    rowTestid: 'station-row',
    columns,
    rowClass: (s) => (s.enabled ? '' : 'row-muted'),
    empty: 'No stations match.',
    load: (cursor) => api.list('/api/v1/stations', { ...filters, cursor }),
  });
  const zone = selectInput([none('All zones'), ...zoneOptions], { value: filters.zone_id, testid: 'stations-filter-zone' });
  const apply = () => {
    filters.zone_id = zone.value;
    history.replaceState(null, '', `#/zones/stations${buildQuery(filters)}`);
    list.reload();
  };
  zone.addEventListener('change', apply);
  append(root, [host, panel({
    body: [filterBar({ testid: 'stations-filters', controls: [filterControl('Zone', zone)], onApply: apply }), list.el],
    className: 'panel-flush',
  })]);
  list.reload();
  return form ? newButton('New station', 'stations-new', host, form) : null;
}

export function render(root, ctx) {
  const tab = TABS.find((t) => t.id === ctx.segments[0]) ? ctx.segments[0] : 'zones';
  const actions = h('div', { class: 'page-actions-slot' });
  const tabs = h('nav', { class: 'tabs', 'aria-label': 'Facilities' }, TABS.map((t) => h('a', {
    class: ['tab', t.id === tab ? 'active' : ''],
    href: t.href,
    'data-testid': `tab-${t.id}`,
    'aria-current': t.id === tab ? 'page' : undefined,
  }, t.label)));
  const body = h('div', { class: 'tab-body' }, h('div', { class: 'table-status table-status-loading' }, 'Loading…'));
  append(root, [
    pageHeader('Zones & stations', 'Where people may go and where they work: sites, zones by classification, and stations.', actions),
    tabs,
    body,
  ]);
  let alive = true;
  loadLookups().then((lookups) => {
    if (!alive) return;
    body.replaceChildren();
    const renderTab = { sites: renderSites, zones: renderZones, stations: renderStations }[tab];
    const newButton_ = renderTab(body, ctx, lookups);
    if (newButton_) actions.append(newButton_);
  }).catch((err) => {
    body.replaceChildren(h('div', { class: 'notice notice-error' }, errorMessage(err)));
  });
  return () => {
    alive = false;
  };
}
