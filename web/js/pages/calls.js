// Call recordings. Tabs: #/calls (every captured or imported call, newest first, with
// filters), #/calls/completeness (share of answered calls recorded, per day and campaign,
// and every call with a problem); #/calls/<id> is one call: its metadata, the recording's
// integrity data, a timeline with the masked spans and the player.
//
// The player is a plain <audio> element whose src is the audio endpoint: the browser streams
// it with the session cookie (GETs need no CSRF header, and the CSP allows same-origin media
// but not blob: URLs). The server refuses without a reason and audits every listen, so the
// page asks for the reason first. Masked spans are shown by kind and time only: the digits
// are never stored anywhere.

import { api, buildQuery, ApiError } from '../api.js';
import {
  h, append, clear, pageHeader, panel, badge, button, createTable, createPagedTable, filterBar, filterControl,
  selectInput, textInput, fmtDateTime, toRfc3339, toLocalInput, todayIso, addDaysIso, tabNav, toast, errorMessage,
} from '../ui.js';

const TABS = [
  { id: 'list', label: 'Calls', href: '#/calls' },
  { id: 'completeness', label: 'Completeness', href: '#/calls/completeness' },
];
const DIRECTIONS = ['inbound', 'outbound', 'internal', 'unknown'];
const PAGE = 50;
const SPAN_LABELS = { dtmf: 'keypad digits masked', pause: 'paused', gap: 'codec gap' };

// ---------------------------------------------------------------------------------------
// Shared pieces

// 75 -> "1:15", 3725 -> "1:02:05"; tenths for the timeline (`tenths`).
export function fmtSeconds(value, tenths = false) {
  const total = Number(value);
  if (!Number.isFinite(total) || total < 0) return '';
  const whole = Math.floor(total);
  const h0 = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = whole % 60;
  const ss = String(s).padStart(2, '0');
  const frac = tenths ? `.${Math.floor((total - whole) * 10)}` : '';
  return h0 ? `${h0}:${String(m).padStart(2, '0')}:${ss}${frac}` : `${m}:${ss}${frac}`;
}

function fmtBytes(n) {
  const v = Number(n) || 0;
  if (v < 1024) return `${v} B`;
  if (v < 1024 * 1024) return `${(v / 1024).toFixed(1)} KiB`;
  return `${(v / 1024 / 1024).toFixed(1)} MiB`;
}

function fmtPct(value) {
  const v = Number(value);
  if (!Number.isFinite(v)) return '';
  return `${v.toFixed(v >= 10 || v === 0 ? 0 : 1)} %`;
}

// recorded / incomplete / shredded / no recording (an active call is "recording").
export function recordingState(call) {
  const r = call.recording;
  if (!r) return call.active ? 'recording' : 'none';
  if (r.status === 'complete') return 'recorded';
  return r.status || 'incomplete';
}

const STATE_BADGES = {
  recorded: ['recorded', 'success'],
  incomplete: ['incomplete', 'warning'],
  shredded: ['shredded', 'neutral'],
  none: ['no recording', 'danger'],
  recording: ['recording…', 'info'],
};

function recordingBadge(call) {
  const state = recordingState(call);
  const [label, tone] = STATE_BADGES[state] || [state, 'warning'];
  const el = badge(label, tone, 'call-recording-state');
  el.dataset.state = state;
  return el;
}

function directionBadge(direction) {
  const tones = { inbound: 'info', outbound: 'neutral', internal: 'neutral', unknown: 'warning' };
  return badge(direction || 'unknown', tones[direction] || 'neutral', 'call-direction');
}

// Names of people, stations and campaigns for the ids a call carries; loaded once per page.
async function loadNames() {
  const settle = (p) => p.then((r) => r.items, () => []);
  const [people, stations, campaigns] = await Promise.all([
    settle(api.all('/api/v1/people')), settle(api.all('/api/v1/stations')), settle(api.all('/api/v1/campaigns')),
  ]);
  return {
    people: new Map(people.map((p) => [p.id, p])),
    stations: new Map(stations.map((s) => [s.id, s])),
    campaigns: new Map(campaigns.map((c) => [c.id, c])),
  };
}

function personName(names, id) {
  if (id === null || id === undefined) return '';
  return names.people.get(id)?.name || `#${id}`;
}

function stationName(names, id) {
  if (id === null || id === undefined) return '';
  return names.stations.get(id)?.workstation_id || `station ${id}`;
}

function campaignName(names, id) {
  if (id === null || id === undefined) return '';
  const c = names.campaigns.get(id);
  return c ? (c.code ? `${c.name} (${c.code})` : c.name) : `campaign ${id}`;
}

// ---------------------------------------------------------------------------------------
// Calls list

function renderList(root, ctx) {
  let names = { people: new Map(), stations: new Map(), campaigns: new Map() };
  const filters = {};
  for (const key of ['from', 'to', 'direction', 'number', 'agent_person_id', 'station_id', 'campaign_id']) {
    filters[key] = ctx.params.get(key) || '';
  }

  const from = textInput({ type: 'datetime-local', value: toLocalInput(filters.from), testid: 'calls-filter-from' });
  const to = textInput({ type: 'datetime-local', value: toLocalInput(filters.to), testid: 'calls-filter-to' });
  const direction = selectInput([{ value: '', label: 'Any direction' }, ...DIRECTIONS.map((d) => ({ value: d, label: d }))],
    { value: filters.direction, testid: 'calls-filter-direction' });
  const number = textInput({ value: filters.number, placeholder: '+1555…', testid: 'calls-filter-number' });
  const agent = selectInput([{ value: '', label: 'Any agent' }], { value: filters.agent_person_id, testid: 'calls-filter-agent' });
  const station = selectInput([{ value: '', label: 'Any station' }], { value: filters.station_id, testid: 'calls-filter-station' });
  const campaign = selectInput([{ value: '', label: 'Any campaign' }], { value: filters.campaign_id, testid: 'calls-filter-campaign' });

  const list = createPagedTable({
    testid: 'calls-table',
    rowTestid: 'call-row',
    columns: [
      {
        key: 'id', label: 'ID', className: 'col-id mono',
        render: (c) => h('a', { href: `#/calls/${c.id}`, 'data-testid': 'call-link' }, String(c.id)),
      },
      { key: 'started_at', label: 'Started', className: 'mono nowrap', render: (c) => fmtDateTime(c.started_at) },
      { key: 'direction', label: 'Direction', render: (c) => directionBadge(c.direction) },
      { key: 'from', label: 'From', className: 'mono' },
      { key: 'to', label: 'To', className: 'mono' },
      {
        key: 'agent', label: 'Agent', className: 'col-strong',
        render: (c) => personName(names, c.agent_person_id) || (c.agent_extension ? h('span', { class: 'mono' }, c.agent_extension) : null),
      },
      { key: 'station', label: 'Station', className: 'mono', render: (c) => stationName(names, c.station_id) },
      { key: 'duration', label: 'Duration', className: 'num nowrap', render: (c) => (c.answered_at ? fmtSeconds(c.duration_s) : h('span', { class: 'muted' }, 'not answered')) },
      {
        key: 'recording', label: 'Recording', className: 'nowrap',
        render: (c) => [recordingBadge(c), c.recording && c.recording.one_way ? [' ', badge('one-way', 'warning', 'call-one-way')] : null],
      },
      {
        key: 'masked', label: 'Masked', className: 'num',
        render: (c) => (c.recording ? h('span', { 'data-testid': 'call-masked-count' }, String((c.recording.masked_spans || []).length)) : null),
      },
      {
        key: 'loss', label: 'Loss', className: 'num nowrap',
        render: (c) => (c.recording ? h('span', { class: c.recording.loss_pct > 2 ? 'calls-pct-low' : undefined }, fmtPct(c.recording.loss_pct)) : null),
      },
    ],
    rowClass: () => 'row-link',
    rowAttrs: (c) => ({
      'data-call-id': c.call_id,
      'data-recording': recordingState(c),
      'data-masked': c.recording ? (c.recording.masked_spans || []).length : 0,
      onclick: (e) => {
        if (e.target.closest('a')) return;
        ctx.navigate(`#/calls/${c.id}`);
      },
    }),
    empty: 'No calls match these filters.',
    load: async (cursor) => {
      const data = await api.get('/api/v1/calls', { ...filters, limit: PAGE, after: cursor });
      return { items: Array.isArray(data?.items) ? data.items : [], next_cursor: data?.next_after ?? null };
    },
  });

  function apply() {
    filters.from = toRfc3339(from.value);
    filters.to = toRfc3339(to.value);
    filters.direction = direction.value;
    filters.number = number.value.trim();
    filters.agent_person_id = agent.value;
    filters.station_id = station.value;
    filters.campaign_id = campaign.value;
    history.replaceState(null, '', `#/calls${buildQuery(filters)}`);
    list.reload().then(() => {
      list.table.el.dataset.loaded = 'true';
    });
  }

  append(root, [panel({
    className: 'panel-flush',
    testid: 'calls-panel',
    body: [
      filterBar({
        testid: 'calls-filters',
        controls: [
          filterControl('From', from), filterControl('To', to), filterControl('Direction', direction),
          filterControl('Number', number), filterControl('Agent', agent), filterControl('Station', station),
          filterControl('Campaign', campaign),
        ],
        onApply: apply,
        onReset: () => {
          for (const input of [from, to, direction, number, agent, station, campaign]) input.value = '';
          apply();
        },
      }),
      list.el,
    ],
  })]);

  let closed = false;
  loadNames().then((loaded) => {
    if (closed) return;
    names = loaded;
    const byLabel = (a, b) => a.label.localeCompare(b.label);
    const option = (o, wanted) => h('option', { value: String(o.value), selected: String(o.value) === wanted }, o.label);
    const people = [...names.people.values()].filter((p) => p.kind === 'employee' || p.kind === 'contractor' || String(p.id) === filters.agent_person_id)
      .map((p) => ({ value: p.id, label: p.employee_number ? `${p.name} (${p.employee_number})` : p.name })).sort(byLabel);
    agent.replaceChildren(option({ value: '', label: 'Any agent' }, filters.agent_person_id), ...people.map((o) => option(o, filters.agent_person_id)));
    const stations = [...names.stations.values()].map((s) => ({ value: s.id, label: s.workstation_id })).sort(byLabel);
    station.replaceChildren(option({ value: '', label: 'Any station' }, filters.station_id), ...stations.map((o) => option(o, filters.station_id)));
    const campaigns = [...names.campaigns.values()].map((c) => ({ value: c.id, label: campaignName(names, c.id) })).sort(byLabel);
    campaign.replaceChildren(option({ value: '', label: 'Any campaign' }, filters.campaign_id), ...campaigns.map((o) => option(o, filters.campaign_id)));
    agent.dataset.loaded = 'true';
    apply();
  });
  return () => {
    closed = true;
  };
}

// ---------------------------------------------------------------------------------------
// Call detail

function field(label, value, testid) {
  return h('div', { class: 'kv' }, h('div', { class: 'kv-label' }, label),
    h('div', { class: 'kv-value', 'data-testid': testid },
      value === undefined || value === null || value === '' ? h('span', { class: 'muted' }, '—') : value));
}

// The recording as a bar (its whole length is 100 %) with the masked spans drawn on it.
// Positions are set through the CSSOM (allowed by the CSP, unlike style attributes).
function timeline(call) {
  const r = call.recording;
  const spans = r ? r.masked_spans || [] : [];
  const totalMs = Math.max(1, (r && r.duration_s ? r.duration_s : call.duration_s || 0) * 1000,
    ...spans.map((s) => s.end_ms));
  const bar = h('div', { class: 'call-timeline', 'data-testid': 'call-timeline', 'data-duration-ms': Math.round(totalMs), role: 'img',
    'aria-label': spans.length ? `${spans.length} masked span${spans.length === 1 ? '' : 's'}` : 'nothing masked' });
  const legend = h('ul', { class: 'call-spans', 'data-testid': 'call-span-list' });
  for (const s of spans) {
    const label = SPAN_LABELS[s.source] || 'masked';
    const seg = h('div', {
      class: ['call-span', `call-span-${SPAN_LABELS[s.source] ? s.source : 'other'}`],
      'data-testid': 'masked-span',
      'data-source': s.source,
      'data-start-ms': s.start_ms,
      'data-end-ms': s.end_ms,
      title: label,
    });
    const left = Math.min(100, Math.max(0, (s.start_ms / totalMs) * 100));
    const width = Math.max(0.4, Math.min(100 - left, ((s.end_ms - s.start_ms) / totalMs) * 100));
    seg.style.left = `${left}%`;
    seg.style.width = `${width}%`;
    bar.append(seg);
    legend.append(h('li', { 'data-source': s.source },
      h('span', { class: ['call-span-key', `call-span-${SPAN_LABELS[s.source] ? s.source : 'other'}`] }),
      h('span', { class: 'mono' }, `${fmtSeconds(s.start_ms / 1000, true)}–${fmtSeconds(s.end_ms / 1000, true)}`),
      ' ', label));
  }
  const scale = h('div', { class: 'call-timeline-scale muted' }, h('span', null, '0:00'), h('span', null, fmtSeconds(totalMs / 1000)));
  return [bar, scale, spans.length ? legend : h('p', { class: 'muted', 'data-testid': 'call-span-none' }, 'Nothing was masked in this recording.')];
}

function listenForm(call, ctx) {
  const r = call.recording;
  if (!ctx.can('calls.listen')) {
    return h('div', { class: 'notice notice-info', 'data-testid': 'call-listen-not-allowed' },
      'Your role cannot listen to recordings. Security officers can, supervisors for their own campaigns, and auditors with a listen grant.');
  }
  if (!r) return h('div', { class: 'notice notice-warning', 'data-testid': 'call-no-audio' }, 'This call has no recording.');
  if (r.status === 'shredded') {
    return h('div', { class: 'notice', 'data-testid': 'call-no-audio' }, 'The recording was destroyed by retention (its key was shredded).');
  }
  const reason = h('input', {
    class: 'input', type: 'text', required: true, maxlength: 500, name: 'reason', autocomplete: 'off',
    placeholder: 'Why you are listening (e.g. complaint 4471, QA review)', 'data-testid': 'call-listen-reason',
  });
  const audio = h('audio', { controls: true, preload: 'auto', class: 'call-audio', 'data-testid': 'call-audio', hidden: true });
  const message = h('div', { class: 'notice notice-error', 'data-testid': 'call-audio-error', hidden: true });
  const note = h('p', { class: 'muted call-listen-note', 'data-testid': 'call-listen-note' },
    'Every listen is written to the audit trail with your name and reason.');
  let attempt = 0;

  // A media element reports no HTTP status: ask the server once more for the problem. A
  // refused request (400, 403, 404) was never a listen; only a failure after a 200 could
  // repeat one, and then the trail holds both.
  async function explain(url, mine) {
    let text = 'The browser could not play this recording.';
    const abort = new AbortController();
    try {
      const response = await fetch(url, { credentials: 'same-origin', cache: 'no-store', signal: abort.signal, headers: { Accept: 'application/json' } });
      if (!response.ok) {
        let problem = null;
        try {
          problem = await response.json();
        } catch {
          problem = null;
        }
        text = errorMessage(new ApiError(response.status, problem));
        if (response.status === 403) text = `Not allowed: ${text}`;
      } else {
        abort.abort();
      }
    } catch (err) {
      if (!err || err.name !== 'AbortError') text = errorMessage(err);
    }
    if (mine !== attempt) return;
    message.textContent = text;
    message.hidden = false;
    audio.hidden = true;
  }

  const form = h('form', { class: 'call-listen', 'data-testid': 'call-listen-form', novalidate: true },
    h('label', { class: 'field field-full' }, h('span', { class: 'field-label' }, 'Reason', h('span', { class: 'required' }, ' *')), reason),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'call-listen' }, 'Listen')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const why = reason.value.trim();
    message.hidden = true;
    if (!why) {
      message.textContent = 'A reason is required to listen to a recording.';
      message.hidden = false;
      reason.focus();
      return;
    }
    const mine = ++attempt;
    const url = `/api/v1/calls/${encodeURIComponent(call.id)}/audio${buildQuery({ format: 'wav', reason: why })}`;
    audio.onerror = () => explain(url, mine);
    audio.onloadedmetadata = () => {
      if (mine === attempt) audio.dataset.loaded = 'true';
    };
    delete audio.dataset.loaded;
    audio.hidden = false;
    audio.src = url;
    audio.load();
    audio.play().catch(() => {
      // Autoplay may be refused; the controls are there.
    });
  });
  return h('div', { class: 'call-player' }, form, note, message, audio);
}

function pauseControls(call, ctx, reload) {
  if (!ctx.can('calls.pause') || !call.active) return null;
  const act = (what) => async () => {
    try {
      await api.post(`/api/v1/calls/${encodeURIComponent(call.id)}/${what}`);
      toast(what === 'pause' ? 'Recording paused: silence until resumed.' : 'Recording resumed.', 'success');
      reload();
    } catch (err) {
      toast(`${what === 'pause' ? 'Pause' : 'Resume'} failed: ${errorMessage(err)}`, 'error');
    }
  };
  return [button('Pause recording', { size: 'sm', testid: 'call-pause', onClick: act('pause') }),
    button('Resume', { size: 'sm', testid: 'call-resume', onClick: act('resume') })];
}

function renderDetail(root, ctx, id) {
  const body = h('div', { class: 'call-detail', 'data-testid': 'call-detail', 'data-loaded': 'false' },
    h('div', { class: 'table-status table-status-loading' }, 'Loading…'));
  const back = h('a', { class: 'btn btn-default btn-sm', href: '#/calls', 'data-testid': 'call-back' }, 'All calls');
  const actions = h('span', { class: 'call-actions' });
  append(root, [pageHeader(`Call #${id}`, 'Metadata, integrity and masked spans of one call, and its recording.', actions, back), body]);
  let closed = false;

  async function load() {
    try {
      const [call, names] = await Promise.all([api.get(`/api/v1/calls/${encodeURIComponent(id)}`), loadNames()]);
      if (closed) return;
      draw(call, names);
    } catch (err) {
      if (closed) return;
      clear(body);
      body.append(h('div', { class: 'notice notice-error', 'data-testid': 'call-error' }, errorMessage(err)));
    }
  }

  function draw(call, names) {
    clear(body);
    clear(actions);
    append(actions, [pauseControls(call, ctx, load)]);
    const r = call.recording;
    body.dataset.callId = String(call.id);
    body.dataset.recording = recordingState(call);
    const agent = personName(names, call.agent_person_id);
    body.append(panel({
      title: 'Call',
      testid: 'call-meta',
      actions: [directionBadge(call.direction), recordingBadge(call)],
      body: [h('div', { class: 'kv-grid' },
        field('SIP Call-ID', h('span', { class: 'mono' }, call.call_id), 'call-sip-id'),
        field('From', h('span', { class: 'mono' }, call.from), 'call-from'),
        field('To', h('span', { class: 'mono' }, call.to), 'call-to'),
        field('Agent', agent ? [agent, call.agent_extension ? h('span', { class: 'muted mono' }, ` · ext ${call.agent_extension}`) : null]
          : (call.agent_extension ? h('span', { class: 'mono' }, `ext ${call.agent_extension}`) : ''), 'call-agent'),
        field('Station', stationName(names, call.station_id), 'call-station'),
        field('Campaign', campaignName(names, call.campaign_id), 'call-campaign'),
        field('Started', fmtDateTime(call.started_at), 'call-started'),
        field('Answered', call.answered_at ? fmtDateTime(call.answered_at) : 'not answered', 'call-answered'),
        field('Ended', call.active ? 'in progress' : fmtDateTime(call.ended_at), 'call-ended'),
        field('Duration', call.answered_at ? fmtSeconds(call.duration_s) : '', 'call-duration'),
        field('End', [call.end_reason, call.final_status ? ` (${call.final_status})` : ''].join(''), 'call-end-reason'),
        field('Source', call.source === 'cdr' ? 'PBX call record only (not captured)' : call.source, 'call-source'))],
    }));
    body.append(panel({ title: 'Listen', testid: 'call-listen-panel', body: [listenForm(call, ctx)] }));
    if (r) {
      body.append(panel({
        title: 'Timeline',
        testid: 'call-timeline-panel',
        actions: [h('span', { class: 'muted' }, `${fmtSeconds(r.duration_s)} recorded`)],
        body: timeline(call),
      }));
      body.append(panel({
        title: 'Recording',
        testid: 'call-recording',
        body: [h('div', { class: 'kv-grid' },
          field('Status', recordingBadge(call), 'call-rec-status'),
          field('Length', fmtSeconds(r.duration_s, true), 'call-rec-duration'),
          field('Size', fmtBytes(r.bytes), 'call-rec-bytes'),
          field('Sample rate', `${r.sample_rate} Hz`, 'call-rec-rate'),
          field('Packets', String(r.packets), 'call-rec-packets'),
          field('Lost', String(r.lost), 'call-rec-lost'),
          field('Late', String(r.late), 'call-rec-late'),
          field('Duplicates', String(r.duplicates), 'call-rec-duplicates'),
          field('Loss', fmtPct(r.loss_pct), 'call-rec-loss'),
          field('Audio', r.one_way ? badge('one-way', 'warning') : 'both directions', 'call-rec-oneway'),
          field('Master key', h('span', { class: 'mono' }, r.master_key_id), 'call-key-id'),
          field('Recording id', h('span', { class: 'mono' }, r.id), 'call-rec-id')),
        h('div', { class: 'kv call-hash' }, h('div', { class: 'kv-label' }, 'SHA-256 of the ciphertext (also in the audit trail)'),
          h('div', { class: 'kv-value mono', 'data-testid': 'call-sha256' }, r.sha256 || '—'))],
      }));
    }
    body.dataset.loaded = 'true';
  }

  load();
  return () => {
    closed = true;
  };
}

// ---------------------------------------------------------------------------------------
// Completeness

function renderCompleteness(root, ctx) {
  let names = { people: new Map(), stations: new Map(), campaigns: new Map() };
  const today = todayIso();
  const from = textInput({ type: 'date', value: (ctx.params.get('from') || addDaysIso(today, -6)).slice(0, 10), testid: 'completeness-from' });
  const to = textInput({ type: 'date', value: (ctx.params.get('to') || today).slice(0, 10), testid: 'completeness-to' });
  const summary = h('div', { class: 'muted report-note', 'data-testid': 'completeness-summary' }, '');
  const days = createTable({
    testid: 'completeness-table',
    rowTestid: 'completeness-row',
    rowKey: (d) => `${d.day}/${d.campaign_id ?? ''}`,
    columns: [
      { key: 'day', label: 'Day (UTC)', className: 'mono nowrap' },
      { key: 'campaign', label: 'Campaign', className: 'col-strong', render: (d) => (d.campaign_id ? campaignName(names, d.campaign_id) : h('span', { class: 'muted' }, 'No campaign')) },
      { key: 'answered_calls', label: 'Answered', className: 'num' },
      { key: 'recorded_calls', label: 'Recorded', className: 'num' },
      {
        key: 'percent', label: 'Recorded %', className: 'num nowrap',
        render: (d) => h('span', { class: ['calls-pct', d.percent < 100 ? 'calls-pct-low' : 'calls-pct-ok'], 'data-testid': 'completeness-percent' }, fmtPct(d.percent)),
      },
    ],
    rowClass: (d) => (d.percent < 100 ? 'row-alarm' : undefined),
    rowAttrs: (d) => ({ 'data-day': d.day, 'data-campaign-id': d.campaign_id ?? '', 'data-percent': d.percent }),
    empty: 'No answered calls in this period.',
  });
  const issues = createTable({
    testid: 'completeness-issues',
    rowTestid: 'completeness-issue',
    rowKey: (i) => `${i.call_id}/${i.problem}`,
    columns: [
      { key: 'call_id', label: 'Call', className: 'col-id mono', render: (i) => h('a', { href: `#/calls/${i.call_id}`, 'data-testid': 'issue-call-link' }, `#${i.call_id}`) },
      { key: 'problem', label: 'Problem', render: (i) => badge(i.problem, i.problem === 'no recording' || i.problem === 'not captured' ? 'danger' : 'warning', 'issue-problem') },
      { key: 'detail', label: 'Detail', className: 'col-details' },
    ],
    rowAttrs: (i) => ({ 'data-call': i.call_id, 'data-problem': i.problem }),
    empty: 'No problems: every answered call has a full recording.',
  });
  const holder = h('div', { 'data-testid': 'completeness', 'data-loaded': 'false' });
  let closed = false;

  async function apply() {
    const query = { from: from.value, to: to.value ? addDaysIso(to.value, 1) : '' };
    history.replaceState(null, '', `#/calls/completeness${buildQuery({ from: from.value, to: to.value })}`);
    holder.dataset.loaded = 'false';
    days.setRows([]);
    issues.setRows([]);
    days.loading(true);
    issues.loading(true);
    try {
      const report = await api.get('/api/v1/calls/completeness', query);
      if (closed) return;
      days.loading(false);
      issues.loading(false);
      const rows = report.days || [];
      days.setRows(rows);
      issues.setRows(report.issues || []);
      const answered = rows.reduce((n, d) => n + (d.answered_calls || 0), 0);
      const recorded = rows.reduce((n, d) => n + (d.recorded_calls || 0), 0);
      summary.textContent = answered
        ? `${recorded} of ${answered} answered calls fully recorded (${fmtPct((recorded / answered) * 100)}); ${(report.issues || []).length} with a problem.`
        : 'No answered calls in this period.';
      holder.dataset.loaded = 'true';
    } catch (err) {
      if (closed) return;
      days.loading(false);
      issues.loading(false);
      days.error(err);
      summary.textContent = errorMessage(err);
    }
  }

  append(holder, [
    panel({
      className: 'panel-flush',
      title: 'Recorded share of answered calls',
      body: [
        filterBar({ testid: 'completeness-filters', controls: [filterControl('From', from), filterControl('To', to)], onApply: apply }),
        h('div', { class: 'report-bar' }, summary),
        days.el,
      ],
    }),
    panel({ className: 'panel-flush', title: 'Calls with a problem', testid: 'completeness-issues-panel', body: [issues.el] }),
  ]);
  append(root, [holder]);
  loadNames().then((loaded) => {
    if (closed) return;
    names = loaded;
    apply();
  });
  return () => {
    closed = true;
  };
}

// ---------------------------------------------------------------------------------------

export function render(root, ctx) {
  const first = ctx.segments[0];
  if (first && /^\d+$/.test(first)) return renderDetail(root, ctx, first);
  const tab = first === 'completeness' ? 'completeness' : 'list';
  const body = h('div', { class: 'tab-body', 'data-testid': `calls-${tab}` });
  append(root, [
    pageHeader('Calls', 'Every call captured on the network or known from the PBX, with its encrypted recording.'),
    tabNav(TABS, tab, 'Call reports'),
    body,
  ]);
  return tab === 'completeness' ? renderCompleteness(body, ctx) : renderList(body, ctx);
}
