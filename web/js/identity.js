// Shared pieces of the identity pages (floor, logons, accounts, my security): the API paths
// of the identity routes, tolerant readers of their answers, state badges and the TOTP
// enrolment panel.

import { api } from './api.js';
import { h, append, clear, badge, button, toast, createForm, errorMessage } from './ui.js';

export const PATHS = {
  floor: '/api/v1/floor',
  accounts: '/api/v1/accounts',
  account: (id) => `/api/v1/accounts/${encodeURIComponent(id)}`,
  lockedAccounts: '/api/v1/accounts/locked',
  stationHistory: (id) => `/api/v1/stations/${encodeURIComponent(id)}/history`,
  personHistory: (id) => `/api/v1/people/${encodeURIComponent(id)}/logons`,
  failedLogons: '/api/v1/logons/failed',
};

// --- answers -----------------------------------------------------------------------------

export function itemsOf(data, key) {
  if (Array.isArray(data)) return data;
  if (data && Array.isArray(data[key])) return data[key];
  if (data && Array.isArray(data.items)) return data.items;
  return [];
}

// A station's session (or null), whatever the exact spelling of its fields.
export function normSession(s) {
  if (!s || typeof s !== 'object') return null;
  return {
    ...s,
    id: s.session_id ?? s.id,
    username: s.username ?? s.account?.username ?? '',
    person_name: s.person_name ?? s.name ?? s.account?.name ?? '',
    started_at: s.started_at ?? s.since ?? '',
    state: String(s.state || 'active'),
  };
}

// GET /api/v1/floor -> [{id, name, site_id, stations: [{id, workstation_id, enabled, session}]}]
export function normFloor(data) {
  return itemsOf(data, 'zones').map((z) => ({
    id: z.zone_id ?? z.id,
    name: z.zone ?? z.zone_name ?? z.name ?? `Zone #${z.zone_id ?? z.id}`,
    site_id: z.site_id,
    stations: (Array.isArray(z.stations) ? z.stations : []).map((st) => ({
      id: st.station_id ?? st.id,
      workstation_id: st.workstation_id ?? `#${st.station_id ?? st.id}`,
      enabled: st.enabled !== false,
      session: normSession(st.session),
    })),
  }));
}

// --- badges ------------------------------------------------------------------------------

const STATE_TONES = { active: 'success', locked: 'warning', idle: 'info', free: 'neutral', disabled: 'neutral', ended: 'neutral' };

export function stationState(station) {
  if (station.session && station.session.state !== 'ended') return station.session.state;
  return station.enabled ? 'free' : 'disabled';
}

export function stateBadge(state, testid) {
  return badge(state, STATE_TONES[state] || 'neutral', testid);
}

// --- TOTP enrolment ------------------------------------------------------------------------

function qrImage(svg) {
  // CSP allows img-src data:; the SVG never becomes markup in the page itself.
  return h('img', {
    class: 'totp-qr',
    alt: 'QR code for the authenticator app',
    src: `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`,
    'data-testid': 'totp-qr',
  });
}

function copyRow(value, testid, label) {
  const input = h('input', { class: 'input input-mono input-sm totp-copy', readonly: true, value, 'data-testid': testid, 'aria-label': label });
  return h('div', { class: 'secret-row' }, input, button('Copy', {
    size: 'sm',
    testid: `${testid}-copy`,
    onClick: async () => {
      input.select();
      try {
        await navigator.clipboard.writeText(value);
        toast('Copied to the clipboard.', 'success');
      } catch {
        toast('Select the value and copy it by hand.', 'warning');
      }
    },
  }));
}

// Recovery codes, shown once.
export function recoveryCodesPanel(codes, onDone) {
  const el = h('div', { class: 'secret', role: 'alert', 'data-testid': 'totp-recovery' },
    h('div', { class: 'secret-head' },
      h('strong', null, 'Recovery codes'),
      h('span', { class: 'secret-note' }, 'Shown only once. Each works one time instead of a code: print or store them now.')),
    h('ol', { class: 'recovery-codes mono', 'data-testid': 'totp-recovery-codes' },
      codes.map((c) => h('li', { 'data-testid': 'totp-recovery-code' }, c))),
    h('div', { class: 'secret-row' },
      copyRow(codes.join('\n'), 'totp-recovery-all', 'All recovery codes'),
      button('Done', {
        size: 'sm',
        tone: 'ghost',
        testid: 'totp-recovery-dismiss',
        onClick: () => {
          el.remove();
          if (onDone) onDone();
        },
      })));
  return el;
}

// The enrolment flow in `host`: start() calls enrol() -> {secret, otpauth_uri, qr_svg}, shows
// the QR code, the URI and the secret, then asks for a code; confirm(code) -> {recovery_codes}.
export function totpEnrolment({ host, title, enrol, confirm, onConfirmed, onCancel }) {
  async function start() {
    clear(host);
    host.hidden = false;
    let enrolment;
    try {
      enrolment = await enrol();
    } catch (err) {
      append(host, [h('div', { class: 'notice notice-error', 'data-testid': 'totp-error' }, errorMessage(err))]);
      return;
    }
    const form = createForm({
      testid: 'totp-confirm',
      submitLabel: 'Confirm',
      fields: [
        { name: 'code', label: 'Code from the app', required: true, size: 'sm', mono: true,
          autocomplete: 'one-time-code', placeholder: '123456', maxlength: 12 },
      ],
      onCancel: () => {
        clear(host);
        host.hidden = true;
        if (onCancel) onCancel();
      },
      onSubmit: async (values) => {
        const result = await confirm(values.code);
        const codes = Array.isArray(result?.recovery_codes) ? result.recovery_codes : [];
        clear(host);
        append(host, [
          h('div', { class: 'notice notice-info', 'data-testid': 'totp-enabled' }, 'TOTP is on. A code is asked at every logon from now on.'),
          codes.length ? recoveryCodesPanel(codes, () => { host.hidden = true; }) : null,
        ]);
        if (onConfirmed) onConfirmed(codes);
      },
    });
    append(host, [h('section', { class: 'panel', 'data-testid': 'totp-enrol' },
      h('div', { class: 'panel-header' }, h('h2', { class: 'panel-title' }, title)),
      h('div', { class: 'panel-body totp-body' },
        enrolment?.qr_svg ? h('div', { class: 'totp-qr-wrap' }, qrImage(enrolment.qr_svg)) : null,
        h('div', { class: 'totp-text' },
          h('p', null, 'Scan the code with an authenticator app, or add this URI or the secret by hand. ',
            'Then type the 6-digit code the app shows.'),
          h('div', { class: 'field-label' }, 'otpauth URI'),
          copyRow(enrolment?.otpauth_uri ?? '', 'totp-uri', 'otpauth URI'),
          h('div', { class: 'field-label' }, 'Secret'),
          copyRow(enrolment?.secret ?? '', 'totp-secret', 'TOTP secret'),
          form.el)))]);
    form.focus();
  }
  return { start };
}
