// Dashboard: a few counts and the live audit feed (server-sent events from
// /api/v1/events/stream, event name "audit", data = the audit entry).
//
// Roles that may read the audit trail see the latest entries first (so what happened just
// before the page opened is there too); the stream then adds each new entry on top.

import { api } from '../api.js';
import { h, append, clear, pageHeader, panel, button, badge, fmtDateTime, fmtTime, summarizeDetails, errorMessage } from '../ui.js';

const MAX_ROWS = 200;
const HISTORY = 25;

export function actionTone(action) {
  const a = String(action || '');
  if (/(^detect\.|deny|denied|fail|lock|ban|alert|violation|tamper|reject|brute|spray)/.test(a)) return 'danger';
  if (/(delete|revoke|disable|suspend|terminate|reset|logout)/.test(a)) return 'warning';
  if (/(create|grant|allow|login|enable)/.test(a)) return 'success';
  return 'neutral';
}

function statCard(label, testid, href) {
  const value = h('div', { class: 'stat-value', 'data-testid': testid }, '…');
  const sub = h('div', { class: 'stat-sub' }, '');
  const card = h('a', { class: 'stat', href }, h('div', { class: 'stat-label' }, label), value, sub);
  return { card, value, sub };
}

async function fillCount(card, path, describe) {
  try {
    const { items, truncated } = await api.all(path);
    card.value.textContent = truncated ? `${items.length}+` : String(items.length);
    card.value.dataset.count = String(items.length);
    card.sub.textContent = describe ? describe(items) : '';
  } catch (err) {
    card.value.textContent = '—';
    card.sub.textContent = errorMessage(err);
    card.card.classList.add('stat-error');
  }
}

export function render(root, ctx) {
  const status = h('span', { class: 'stream-status', 'data-testid': 'stream-status', 'data-state': 'connecting' },
    h('span', { class: 'stream-dot', 'aria-hidden': 'true' }), h('span', { class: 'stream-text' }, 'Connecting…'));
  const people = statCard('People', 'count-people', '#/people');
  const stations = statCard('Stations', 'count-stations', '#/zones/stations');
  const campaigns = statCard('Campaigns', 'count-campaigns', '#/campaigns');
  const zones = statCard('Zones', 'count-zones', '#/zones');

  const tbody = h('tbody', { 'data-testid': 'feed' });
  const empty = h('div', { class: 'empty', 'data-testid': 'feed-empty' }, 'Waiting for activity…');
  const feedTable = h('table', { class: 'table table-feed' },
    h('thead', null, h('tr', null,
      h('th', { class: 'col-time' }, 'Time'), h('th', { class: 'col-actor' }, 'Actor'),
      h('th', { class: 'col-action' }, 'Action'), h('th', { class: 'col-subject' }, 'Subject'),
      h('th', null, 'Details'))),
    tbody);
  let paused = false;
  let buffered = [];
  const pauseButton = button('Pause', {
    size: 'sm',
    testid: 'feed-pause',
    onClick: () => {
      paused = !paused;
      pauseButton.textContent = paused ? `Resume` : 'Pause';
      pauseButton.classList.toggle('btn-active', paused);
      if (!paused) {
        const pending = buffered;
        buffered = [];
        for (const entry of pending) addEntry(entry, 'live');
      }
    },
  });
  const clearButton = button('Clear', {
    size: 'sm',
    tone: 'ghost',
    testid: 'feed-clear',
    onClick: () => {
      clear(tbody);
      empty.hidden = false;
    },
  });
  const feedCount = h('span', { class: 'muted feed-count', 'data-testid': 'feed-count' }, '');

  append(root, [
    pageHeader('Dashboard', 'Every decision and change, as it happens.', status),
    h('div', { class: 'stats' }, people.card, stations.card, campaigns.card, zones.card),
    panel({
      title: 'Live activity',
      testid: 'feed-panel',
      className: 'panel-feed',
      actions: [feedCount, pauseButton, clearButton,
        ctx.can('audit.read') ? h('a', { class: 'btn btn-ghost btn-sm', href: '#/audit' }, 'Open audit trail') : null],
      body: [h('div', { class: 'table-wrap' }, feedTable, empty)],
    }),
  ]);

  fillCount(people, '/api/v1/people', (items) => {
    const active = items.filter((p) => p.status === 'active' || p.status === 'hired').length;
    return `${active} hired or active`;
  });
  fillCount(stations, '/api/v1/stations', (items) => `${items.filter((s) => s.enabled !== false).length} enabled`);
  fillCount(campaigns, '/api/v1/campaigns', (items) => `${items.filter((c) => c.active !== false).length} active`);
  fillCount(zones, '/api/v1/zones', (items) => {
    const secure = items.filter((z) => z.classification === 'secure' || z.classification === 'restricted').length;
    return `${secure} secure or restricted`;
  });

  function updateCount() {
    const n = tbody.children.length;
    feedCount.textContent = n ? `${n} shown` : '';
    empty.hidden = n > 0;
  }

  function buildRow(entry, source) {
    const seq = Number(entry.seq);
    const subject = entry.subject ?? '';
    const details = summarizeDetails(entry.details);
    return h('tr', {
      'data-testid': 'feed-row',
      'data-seq': Number.isFinite(seq) ? String(seq) : '',
      'data-action': entry.action ?? '',
      'data-subject': subject,
      'data-actor': entry.actor ?? '',
      'data-source': source,
      class: source === 'live' ? 'row-new' : undefined,
    },
    h('td', { class: 'col-time mono', title: fmtDateTime(entry.time) }, fmtTime(entry.time)),
    h('td', { class: 'col-actor' }, entry.actor ?? ''),
    h('td', { class: 'col-action' }, badge(entry.action ?? '?', actionTone(entry.action))),
    h('td', { class: 'col-subject mono' }, subject),
    h('td', { class: 'col-details', title: details }, details));
  }

  function addEntry(entry, source) {
    if (!entry || typeof entry !== 'object') return;
    const seq = Number(entry.seq);
    if (Number.isFinite(seq) && tbody.querySelector(`tr[data-seq="${seq}"]`)) return;
    if (source === 'live' && paused) {
      buffered.push(entry);
      pauseButton.textContent = `Resume (${buffered.length})`;
      return;
    }
    const row = buildRow(entry, source);
    // Newest (highest seq) on top, whatever order history and stream deliver in.
    let before = null;
    if (Number.isFinite(seq)) {
      for (const tr of tbody.children) {
        const other = Number(tr.dataset.seq);
        if (Number.isFinite(other) && other < seq) {
          before = tr;
          break;
        }
      }
    } else {
      before = tbody.firstChild;
    }
    tbody.insertBefore(row, before);
    while (tbody.children.length > MAX_ROWS) tbody.lastChild.remove();
    updateCount();
  }

  async function loadHistory() {
    if (!ctx.can('audit.read')) return;
    try {
      const page = await api.list('/api/v1/audit', { limit: HISTORY });
      for (const entry of page.items) addEntry(entry, 'history');
    } catch {
      // The live stream still works; the audit page shows the error in full.
    }
  }

  function setStatus(state, text) {
    status.dataset.state = state;
    status.querySelector('.stream-text').textContent = text;
  }

  // The stream: EventSource reconnects by itself (sending Last-Event-ID) after a dropped
  // connection; when the server refused it outright we retry with a fresh one later.
  let source = null;
  let retryTimer = null;
  let closed = false;
  let everOpened = false;

  function connect() {
    if (closed) return;
    source = new EventSource('/api/v1/events/stream');
    source.addEventListener('open', () => {
      setStatus('live', 'Live');
      if (everOpened) loadHistory();
      everOpened = true;
    });
    source.addEventListener('audit', (event) => {
      let entry;
      try {
        entry = JSON.parse(event.data);
      } catch {
        return;
      }
      addEntry(entry, 'live');
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
  loadHistory().then(updateCount);
  updateCount();

  return () => {
    closed = true;
    clearTimeout(retryTimer);
    if (source) source.close();
  };
}
