// Floor view: every station by zone, who is logged on there now, since when, and the
// session's state (active, locked, idle) — or free. Live: the page listens to the event
// stream and refetches /api/v1/floor when a "logon.*" audit entry arrives, and every 30 s
// for sessions turning idle (idle is computed from the last heartbeat, with no event).

import { api } from '../api.js';
import {
  h, append, clear, pageHeader, panel, fmtDateTime, fmtSince, errorMessage, textInput, selectInput, filterControl, csvLink,
} from '../ui.js';
import { PATHS, normFloor, stationState, stateBadge } from '../identity.js';

const REFRESH_MS = 30_000;
const STATES = ['active', 'locked', 'idle', 'free'];

// Audit actions after which the floor may have changed.
export function affectsFloor(action) {
  const a = String(action || '');
  return a.startsWith('logon.') || a.startsWith('account.') || a === 'person.update' || a.startsWith('station.');
}

function tile(station, now, ctx) {
  const state = stationState(station);
  const s = station.session;
  const href = ctx.can('reports.read') ? `#/logons/station?station_id=${encodeURIComponent(station.id)}` : undefined;
  return h(href ? 'a' : 'div', {
    class: ['floor-tile', `floor-tile-${state}`],
    href,
    'data-testid': 'floor-tile',
    'data-station-id': station.id,
    'data-workstation': station.workstation_id,
    'data-state': state,
    'data-username': s ? s.username : '',
    title: s ? `${s.person_name || s.username} since ${fmtDateTime(s.started_at)}` : station.workstation_id,
  },
  h('div', { class: 'floor-tile-head' },
    h('span', { class: 'floor-ws mono', 'data-testid': 'floor-ws' }, station.workstation_id),
    stateBadge(state, 'floor-state')),
  s
    ? [
      h('div', { class: 'floor-agent', 'data-testid': 'floor-agent' }, s.person_name || s.username),
      h('div', { class: 'floor-meta' },
        h('span', { class: 'mono', 'data-testid': 'floor-username' }, s.username),
        h('span', { class: 'floor-since', 'data-testid': 'floor-since', title: fmtDateTime(s.started_at) },
          fmtSince(s.started_at, now))),
    ]
    : h('div', { class: 'floor-agent floor-agent-none' }, station.enabled ? 'Free' : 'Disabled'));
}

export function render(root, ctx) {
  const status = h('span', { class: 'stream-status', 'data-testid': 'stream-status', 'data-state': 'connecting' },
    h('span', { class: 'stream-dot', 'aria-hidden': 'true' }), h('span', { class: 'stream-text' }, 'Connecting…'));
  const counts = {};
  const stats = h('div', { class: 'stats' }, STATES.map((state) => {
    counts[state] = h('div', { class: 'stat-value', 'data-testid': `floor-count-${state}` }, '…');
    return h('div', { class: `stat stat-${state}` }, h('div', { class: 'stat-label' }, state), counts[state]);
  }));
  const q = textInput({ type: 'search', placeholder: 'Station, name or username', testid: 'floor-filter-q' });
  const only = selectInput([{ value: '', label: 'All states' }, ...STATES.map((s) => ({ value: s, label: s }))], { testid: 'floor-filter-state' });
  const updated = h('span', { class: 'muted floor-updated', 'data-testid': 'floor-updated' }, '');
  const filters = h('div', { class: 'filters floor-filters' }, filterControl('Search', q), filterControl('State', only), updated);
  const body = h('div', { class: 'floor', 'data-testid': 'floor', 'data-loaded': 'false' },
    h('div', { class: 'table-status table-status-loading' }, 'Loading…'));

  append(root, [
    pageHeader('Floor', 'Every station by zone: who is logged on now, since when, and in what state.', status,
      csvLink(PATHS.floor, 'floor-csv').el),
    stats,
    filters,
    body,
  ]);

  let zones = [];
  let closed = false;

  function matches(station) {
    const state = stationState(station);
    if (only.value && state !== only.value) return false;
    const needle = q.value.trim().toLowerCase();
    if (!needle) return true;
    const s = station.session;
    return [station.workstation_id, s?.username, s?.person_name].some((v) => String(v || '').toLowerCase().includes(needle));
  }

  function draw() {
    const now = Date.now();
    const tally = { active: 0, locked: 0, idle: 0, free: 0 };
    clear(body);
    for (const zone of zones) {
      for (const st of zone.stations) {
        const state = stationState(st);
        if (state in tally) tally[state] += 1;
      }
      const shown = zone.stations.filter(matches);
      if (shown.length === 0) continue;
      const busy = zone.stations.filter((st) => st.session && st.session.state !== 'ended').length;
      body.append(panel({
        title: zone.name,
        testid: 'floor-zone',
        className: 'floor-zone',
        actions: [h('span', { class: 'muted' }, `${busy} of ${zone.stations.length} in use`)],
        body: [h('div', { class: 'floor-grid' }, shown.map((st) => tile(st, now, ctx)))],
      }));
      body.lastChild.dataset.zoneId = String(zone.id);
    }
    if (!body.firstChild) {
      body.append(h('div', { class: 'empty', 'data-testid': 'floor-empty' },
        zones.length ? 'No station matches.' : 'No stations yet. Add them under Zones & stations.'));
    }
    for (const state of STATES) counts[state].textContent = String(tally[state]);
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
      const data = await api.get(PATHS.floor);
      if (closed) return;
      zones = normFloor(data);
      draw();
      body.dataset.loaded = 'true';
      updated.textContent = `Updated ${new Date().toLocaleTimeString()}`;
    } catch (err) {
      if (closed) return;
      clear(body);
      body.append(h('div', { class: 'notice notice-error', 'data-testid': 'floor-error' }, errorMessage(err)));
    } finally {
      inFlight = false;
      if (again && !closed) {
        again = false;
        refresh();
      }
    }
  }

  q.addEventListener('input', draw);
  only.addEventListener('change', draw);

  function setStatus(state, text) {
    status.dataset.state = state;
    status.querySelector('.stream-text').textContent = text;
  }

  let source = null;
  let retryTimer = null;
  let debounceTimer = null;
  function soon() {
    clearTimeout(debounceTimer);
    debounceTimer = setTimeout(refresh, 150);
  }

  function connect() {
    if (closed) return;
    source = new EventSource('/api/v1/events/stream');
    source.addEventListener('open', () => {
      setStatus('live', 'Live');
      // Whatever happened while the stream was down.
      soon();
    });
    source.addEventListener('audit', (event) => {
      let entry;
      try {
        entry = JSON.parse(event.data);
      } catch {
        return;
      }
      if (entry && affectsFloor(entry.action)) soon();
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

  const timer = setInterval(refresh, REFRESH_MS);
  connect();
  refresh();

  return () => {
    closed = true;
    clearInterval(timer);
    clearTimeout(retryTimer);
    clearTimeout(debounceTimer);
    if (source) source.close();
  };
}
