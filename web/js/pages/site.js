// Site map: every zone grouped under its parent with how many people are in it now, every
// door with its position, its controller's status and its last events, and the latest badge
// decisions. Live: the page listens to the event stream and refetches when an "access.*" or
// "presence.*" audit entry arrives (throttled: a busy entrance sends many), and every 15 s
// as a safety net.

import { api } from '../api.js';
import { h, append, clear, pageHeader, panel, badge, createTable, fmtDateTime, fmtTime, fmtSince, errorMessage } from '../ui.js';

const REFRESH_MS = 15_000;
const THROTTLE_MS = 400;

export const ACCESS_PATHS = {
  occupancy: '/api/v1/access/occupancy',
  doors: '/api/v1/access/doors',
  doorStates: '/api/v1/access/door-states',
  doorEvents: '/api/v1/access/door-events',
  passages: '/api/v1/access/passages',
  visits: '/api/v1/access/visits',
  muster: '/api/v1/access/muster',
  violations: '/api/v1/access/violations',
};

const CLASS_TONES = { public: 'neutral', staff: 'info', secure: 'warning', restricted: 'danger' };
const POSITION_TONES = { closed: 'success', open: 'info', forced: 'danger', held: 'warning', unknown: 'neutral' };
const CONTROLLER_TONES = { online: 'success', offline: 'danger', unknown: 'neutral' };
const EVENT_LABELS = {
  passage_confirmed: 'passage',
  door_forced_open: 'forced open',
  door_held_open: 'held open',
  door_closed: 'closed',
  tamper: 'tamper',
  controller_online: 'controller online',
  controller_offline: 'controller offline',
  heartbeat: 'heartbeat',
};

export function classificationBadge(classification) {
  return badge(classification || '?', CLASS_TONES[classification] || 'neutral', 'zone-class');
}

export function eventLabel(kind) {
  return EVENT_LABELS[kind] || kind || '';
}

// Audit actions after which occupancy, doors or visits may have changed.
export function affectsAccess(action) {
  const a = String(action || '');
  return a.startsWith('access.') || a.startsWith('presence.') || a.startsWith('zone.') || a.startsWith('person.');
}

// A live connection to the event stream that calls onChange() (at most every THROTTLE_MS)
// after an audit entry for which accept(action) is true, and once on every (re)connect.
// setStatus(state, text) reports the connection. Returns close().
export function watchAudit({ accept = affectsAccess, onChange, setStatus = () => {} }) {
  let closed = false;
  let source = null;
  let retryTimer = null;
  let throttle = null;
  function soon() {
    if (throttle || closed) return;
    throttle = setTimeout(() => {
      throttle = null;
      if (!closed) onChange();
    }, THROTTLE_MS);
  }
  function connect() {
    if (closed) return;
    source = new EventSource('/api/v1/events/stream');
    source.addEventListener('open', () => {
      setStatus('live', 'Live');
      soon();
    });
    source.addEventListener('audit', (event) => {
      let entry;
      try {
        entry = JSON.parse(event.data);
      } catch {
        return;
      }
      if (entry && accept(entry.action)) soon();
    });
    source.addEventListener('error', () => {
      if (closed) return;
      if (source.readyState === EventSource.CLOSED) {
        setStatus('offline', 'Offline — retrying');
        source.close();
        retryTimer = setTimeout(connect, 5000);
      } else {
        setStatus('connecting', 'Reconnecting…');
      }
    });
  }
  connect();
  return () => {
    closed = true;
    clearTimeout(retryTimer);
    clearTimeout(throttle);
    if (source) source.close();
  };
}

export function streamStatus() {
  const el = h('span', { class: 'stream-status', 'data-testid': 'stream-status', 'data-state': 'connecting' },
    h('span', { class: 'stream-dot', 'aria-hidden': 'true' }), h('span', { class: 'stream-text' }, 'Connecting…'));
  return {
    el,
    set(state, text) {
      el.dataset.state = state;
      el.querySelector('.stream-text').textContent = text;
    },
  };
}

// Zones as a forest: [{zone, children: [...]}] per site, children sorted by name.
export function zoneForest(zones) {
  const byId = new Map(zones.map((z) => [z.id, { zone: z, children: [] }]));
  const roots = [];
  for (const node of byId.values()) {
    const parent = node.zone.parent_id ? byId.get(node.zone.parent_id) : null;
    if (parent && parent !== node) parent.children.push(node);
    else roots.push(node);
  }
  const byName = (a, b) => String(a.zone.name).localeCompare(String(b.zone.name));
  for (const node of byId.values()) node.children.sort(byName);
  return roots.sort(byName);
}

function subtreeCount(node, counts) {
  return node.children.reduce((sum, c) => sum + subtreeCount(c, counts), counts.get(node.zone.id) || 0);
}

function zoneTile(node, counts, depth) {
  const z = node.zone;
  const count = counts.get(z.id) || 0;
  const total = subtreeCount(node, counts);
  return h('div', {
    class: ['zone-tile', `zone-tile-${z.classification || 'public'}`, count > 0 ? 'zone-tile-busy' : '', depth > 0 ? 'zone-tile-child' : ''],
    'data-testid': 'site-zone',
    'data-zone-id': z.id,
    'data-zone-name': z.name,
    'data-count': count,
  },
  h('div', { class: 'zone-tile-head' },
    h('span', { class: 'zone-tile-name', 'data-testid': 'site-zone-name' }, z.name),
    classificationBadge(z.classification)),
  h('div', { class: 'zone-tile-count' },
    h('span', { class: 'zone-tile-value', 'data-testid': 'site-zone-count' }, String(count)),
    h('span', { class: 'zone-tile-unit' }, count === 1 ? 'person' : 'people')),
  node.children.length
    ? h('div', { class: 'zone-tile-sub muted', 'data-testid': 'site-zone-total' }, `${total} with sub-zones`)
    : null);
}

function flatten(node, depth, out) {
  out.push({ node, depth });
  for (const c of node.children) flatten(c, depth + 1, out);
  return out;
}

export function render(root) {
  const status = streamStatus();
  const totalValue = h('div', { class: 'stat-value', 'data-testid': 'site-total' }, '…');
  const onlineValue = h('div', { class: 'stat-value', 'data-testid': 'site-doors-online' }, '…');
  const offlineValue = h('div', { class: 'stat-value', 'data-testid': 'site-doors-offline' }, '…');
  const alarmValue = h('div', { class: 'stat-value', 'data-testid': 'site-doors-alarm' }, '…');
  const stats = h('div', { class: 'stats' },
    h('a', { class: 'stat', href: '#/muster' }, h('div', { class: 'stat-label' }, 'On site'), totalValue),
    h('div', { class: 'stat stat-active' }, h('div', { class: 'stat-label' }, 'Controllers online'), onlineValue),
    h('div', { class: 'stat stat-offline' }, h('div', { class: 'stat-label' }, 'Controllers offline'), offlineValue),
    h('div', { class: 'stat stat-alarm' }, h('div', { class: 'stat-label' }, 'Doors forced / held'), alarmValue));
  const updated = h('span', { class: 'muted floor-updated', 'data-testid': 'site-updated' }, '');
  const map = h('div', { class: 'site-map', 'data-testid': 'site-map', 'data-loaded': 'false' },
    h('div', { class: 'table-status table-status-loading' }, 'Loading…'));

  let doorNames = new Map();
  let recentByDoor = new Map();
  let people = new Map();
  let peopleLoadedAt = 0;

  const doors = createTable({
    testid: 'door-table',
    rowTestid: 'door-row',
    rowKey: (d) => d.door_id,
    columns: [
      { key: 'door_name', label: 'Door', className: 'col-strong' },
      { key: 'position', label: 'Position', render: (d) => badge(d.position, POSITION_TONES[d.position] || 'neutral', 'door-position') },
      {
        key: 'controller', label: 'Controller',
        render: (d) => h('span', { class: 'door-controller' },
          d.controller ? h('span', { class: 'mono' }, d.controller) : null,
          badge(d.controller_status, CONTROLLER_TONES[d.controller_status] || 'neutral', 'door-controller-status')),
      },
      {
        key: 'last_event', label: 'Last event', className: 'nowrap',
        render: (d) => (d.last_event
          ? h('span', { 'data-testid': 'door-last-event', title: fmtDateTime(d.last_event_at) }, `${eventLabel(d.last_event)} · ${fmtSince(d.last_event_at)}`)
          : null),
      },
      { key: 'last_passage_at', label: 'Last passage', className: 'mono nowrap', render: (d) => fmtDateTime(d.last_passage_at) },
      {
        key: 'recent', label: 'Recent events',
        render: (d) => {
          const list = recentByDoor.get(d.door_id) || [];
          if (!list.length) return null;
          return h('ul', { class: 'door-recent', 'data-testid': 'door-recent' }, list.map((e) => h('li', null,
            h('span', { class: 'mono' }, fmtTime(e.time)), ' ', eventLabel(e.kind))));
        },
      },
      { key: 'tamper_at', label: 'Tamper', className: 'mono nowrap', render: (d) => (d.tamper_at ? badge(fmtDateTime(d.tamper_at), 'danger') : null) },
    ],
    rowAttrs: (d) => ({ 'data-door-name': d.door_name, 'data-position': d.position, 'data-controller-status': d.controller_status }),
    rowClass: (d) => (d.position === 'forced' || d.position === 'held' || d.tamper_at ? 'row-alarm' : ''),
    empty: 'No doors yet.',
  });

  const passages = createTable({
    testid: 'passage-table',
    rowTestid: 'passage-row',
    columns: [
      { key: 'time', label: 'Time', className: 'mono nowrap', render: (p) => fmtDateTime(p.time) },
      { key: 'door', label: 'Door', render: (p) => doorNames.get(p.door_id) || p.reader_id },
      { key: 'reader_id', label: 'Reader', className: 'mono' },
      { key: 'person', label: 'Person', render: (p) => (p.person_id ? people.get(p.person_id) || `#${p.person_id}` : null) },
      { key: 'decision', label: 'Decision', render: (p) => badge(p.decision, p.decision === 'grant' ? 'success' : 'danger', 'passage-decision') },
      { key: 'reason', label: 'Reason', className: 'mono' },
    ],
    rowAttrs: (p) => ({ 'data-reader': p.reader_id, 'data-decision': p.decision }),
    empty: 'No badge decisions yet.',
  });

  append(root, [
    pageHeader('Site map', 'Who is where now, zone by zone, and every door with its state and last events.', status.el),
    stats,
    h('div', { class: 'filters floor-filters' }, h('span', { class: 'muted' }, 'Counts are people badged into each zone now.'), updated),
    map,
    panel({ title: 'Doors', testid: 'doors-panel', className: 'panel-flush', body: [doors.el] }),
    panel({ title: 'Latest badge decisions', testid: 'passages-panel', className: 'panel-flush', body: [passages.el] }),
  ]);

  let zones = [];
  let sites = new Map();
  let closed = false;

  async function loadZones() {
    const [z, s] = await Promise.all([api.all('/api/v1/zones'), api.all('/api/v1/sites')]);
    zones = z.items;
    sites = new Map(s.items.map((site) => [site.id, site.name]));
  }

  async function loadPeople() {
    // A person the list does not know yet (a visitor just checked in); at most twice a minute.
    if (Date.now() - peopleLoadedAt < 30_000) return;
    peopleLoadedAt = Date.now();
    try {
      const list = await api.all('/api/v1/people');
      people = new Map(list.items.map((p) => [p.id, p.name]));
    } catch {
      // Names are a nicety; the ids stay.
    }
  }

  function drawMap(occupancy) {
    const counts = new Map(occupancy.items.map((o) => [o.zone_id, o.count]));
    clear(map);
    const forest = zoneForest(zones);
    const bySite = new Map();
    for (const node of forest) {
      const key = node.zone.site_id;
      if (!bySite.has(key)) bySite.set(key, []);
      bySite.get(key).push(node);
    }
    for (const [siteId, roots] of bySite) {
      const onSite = roots.reduce((sum, n) => sum + subtreeCount(n, counts), 0);
      const groups = roots.map((node) => h('div', { class: 'zone-group', 'data-testid': 'site-zone-group', 'data-zone-id': node.zone.id },
        flatten(node, 0, []).map(({ node: n, depth }) => zoneTile(n, counts, depth))));
      map.append(panel({
        title: sites.get(siteId) || `Site ${siteId}`,
        testid: 'site-panel',
        actions: [h('span', { class: 'muted', 'data-testid': 'site-count' }, `${onSite} on site`)],
        body: [h('div', { class: 'zone-groups' }, groups)],
      }));
    }
    if (!map.firstChild) map.append(h('div', { class: 'empty' }, 'No zones yet. Add them under Zones & stations.'));
    totalValue.textContent = String(occupancy.total ?? 0);
  }

  function drawDoors(states, events) {
    recentByDoor = new Map();
    for (const e of events) {
      if (!e.door_id || e.kind === 'heartbeat') continue;
      const list = recentByDoor.get(e.door_id) || [];
      if (list.length < 3) list.push(e);
      recentByDoor.set(e.door_id, list);
    }
    doorNames = new Map(states.map((d) => [d.door_id, d.door_name]));
    doors.setRows(states);
    onlineValue.textContent = String(new Set(states.filter((d) => d.controller_status === 'online').map((d) => d.controller)).size);
    offlineValue.textContent = String(new Set(states.filter((d) => d.controller_status === 'offline').map((d) => d.controller)).size);
    alarmValue.textContent = String(states.filter((d) => d.position === 'forced' || d.position === 'held').length);
  }

  // Fetches never overlap; a change during a fetch asks for one more right after.
  let inFlight = false;
  let again = false;
  async function refresh() {
    if (closed) return;
    if (inFlight) {
      again = true;
      return;
    }
    inFlight = true;
    try {
      const [occupancy, states, events, decisions] = await Promise.all([
        api.get(ACCESS_PATHS.occupancy),
        api.get(ACCESS_PATHS.doorStates),
        api.get(ACCESS_PATHS.doorEvents, { limit: 200 }),
        api.get(ACCESS_PATHS.passages, { limit: 20 }),
      ]);
      if (closed) return;
      const known = new Set(zones.map((z) => z.id));
      if (zonesStale || occupancy.items.some((o) => !known.has(o.zone_id))) {
        zonesStale = false;
        await loadZones();
      }
      if (decisions.items.some((p) => p.person_id && !people.has(p.person_id))) await loadPeople();
      if (closed) return;
      drawMap(occupancy);
      drawDoors(states.items || [], events.items || []);
      passages.setRows(decisions.items || []);
      map.dataset.loaded = 'true';
      updated.textContent = `Updated ${new Date().toLocaleTimeString()}`;
    } catch (err) {
      if (closed) return;
      clear(map);
      map.append(h('div', { class: 'notice notice-error', 'data-testid': 'site-error' }, errorMessage(err)));
    } finally {
      inFlight = false;
      if (again && !closed) {
        again = false;
        refresh();
      }
    }
  }

  // A zone renamed, moved or added: its names and parents are fetched again.
  let zonesStale = false;
  const stop = watchAudit({
    accept: (action) => {
      if (String(action || '').startsWith('zone.')) zonesStale = true;
      return affectsAccess(action);
    },
    onChange: refresh,
    setStatus: status.set,
  });
  const timer = setInterval(refresh, REFRESH_MS);
  loadZones().then(refresh, (err) => {
    clear(map);
    map.append(h('div', { class: 'notice notice-error', 'data-testid': 'site-error' }, errorMessage(err)));
  });

  return () => {
    closed = true;
    clearInterval(timer);
    stop();
  };
}
