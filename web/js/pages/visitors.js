// Visitor desk: check a visitor in (host, pass number, expected end, purpose, optional photo,
// zones they may enter escorted), see who is on site now and check them out, and the recent
// history. Live: "access.visit.*" audit entries on the event stream reload the lists (a visit
// checked in at another desk, an overdue alert).

import { api } from '../api.js';
import {
  h, append, replace, pageHeader, panel, button, badge, toast, createForm, createTable, confirmDialog, fmtDateTime,
  fmtSince, toRfc3339, errorMessage,
} from '../ui.js';
import { ACCESS_PATHS, streamStatus, watchAudit } from './site.js';

const MAX_PHOTO_BYTES = 256 * 1024;
const PHOTO_TYPES = ['image/jpeg', 'image/png'];
const HISTORY_DAYS = 7;

function readAsDataUrl(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.addEventListener('load', () => resolve(String(reader.result || '')));
    reader.addEventListener('error', () => reject(new Error('The photo could not be read.')));
    reader.readAsDataURL(file);
  });
}

function isOverdue(visit, now = Date.now()) {
  return visit.on_site && new Date(visit.expected_end).getTime() < now;
}

export function render(root, ctx) {
  const canWrite = ctx.can('visitors.write');
  const status = streamStatus();
  let zoneNames = new Map();

  // ---- check-in form (admin, security, supervisor)
  const photoInput = h('input', { type: 'file', accept: PHOTO_TYPES.join(','), class: 'input', id: 'visit-photo', 'data-testid': 'visit-photo' });
  const photoPreview = h('img', { class: 'visit-photo-preview', alt: '', hidden: true, 'data-testid': 'visit-photo-preview' });
  const photoError = h('div', { class: 'field-error', hidden: true, 'data-testid': 'field-error-photo' });
  let photoData = '';
  photoInput.addEventListener('change', async () => {
    photoData = '';
    photoPreview.hidden = true;
    photoError.hidden = true;
    const file = photoInput.files && photoInput.files[0];
    if (!file) return;
    if (!PHOTO_TYPES.includes(file.type)) {
      photoError.textContent = 'A JPEG or PNG image.';
      photoError.hidden = false;
      return;
    }
    if (file.size > MAX_PHOTO_BYTES) {
      photoError.textContent = 'At most 256 KiB.';
      photoError.hidden = false;
      return;
    }
    try {
      photoData = await readAsDataUrl(file);
      photoPreview.src = photoData;
      photoPreview.hidden = false;
    } catch (err) {
      photoError.textContent = errorMessage(err);
      photoError.hidden = false;
    }
  });
  const escortBox = h('div', { class: 'escort-zones', 'data-testid': 'visit-escort-zones' }, h('span', { class: 'muted' }, 'Loading zones…'));
  const extra = [
    h('div', { class: 'field field-md' },
      h('label', { class: 'field-label', for: 'visit-photo' }, 'Photo'),
      photoInput,
      h('div', { class: 'field-hint' }, 'Optional: JPEG or PNG, at most 256 KiB.'),
      photoError,
      photoPreview),
    h('div', { class: 'field field-full' },
      h('div', { class: 'field-label' }, 'Escorted access to'),
      escortBox,
      h('div', { class: 'field-hint' }, 'Public zones need no grant; a visitor enters the others only with these, for the visit.')),
  ];

  function escortIds() {
    return [...escortBox.querySelectorAll('input[type="checkbox"]:checked')].map((c) => Number(c.value));
  }

  const form = canWrite ? createForm({
    testid: 'visit-form',
    submitLabel: 'Check in',
    fields: [
      { name: 'name', label: 'Visitor name', required: true, size: 'md', maxlength: 100 },
      { name: 'company', label: 'Company', size: 'md', maxlength: 100 },
      { name: 'host_id', label: 'Host', type: 'select', required: true, parse: 'int', size: 'md', options: [{ value: '', label: 'Loading employees…' }] },
      { name: 'purpose', label: 'Purpose', required: true, size: 'md', maxlength: 200, placeholder: 'Interview, audit, maintenance…' },
      { name: 'credential', label: 'Pass number', required: true, size: 'md', mono: true, placeholder: 'w26:100:9001', hint: 'The pass handed out, as the readers see it.' },
      { name: 'expected_end', label: 'Expected end', type: 'datetime-local', size: 'md', hint: 'Default: end of today (UTC). At most 24 h ahead.' },
    ],
    extra,
    onSubmit: async (values) => {
      const body = {
        name: values.name,
        host_id: values.host_id,
        purpose: values.purpose,
        credential: values.credential,
      };
      if (values.company) body.company = values.company;
      if (values.expected_end) body.expected_end = toRfc3339(values.expected_end);
      if (photoData) body.photo = photoData;
      const escorts = escortIds();
      if (escorts.length) body.escort_zone_ids = escorts;
      const visit = await api.post(ACCESS_PATHS.visits, body);
      toast(`${visit.name} checked in with pass ${values.credential}.`, 'success');
      form.reset();
      photoInput.value = '';
      photoData = '';
      photoPreview.hidden = true;
      for (const c of escortBox.querySelectorAll('input[type="checkbox"]')) c.checked = false;
      onSite.prependRow(visit);
      reload();
    },
  }) : null;

  // ---- on site now
  async function checkOut(visit) {
    const ok = await confirmDialog({
      title: `Check out ${visit.name}?`,
      message: `Pass ${visit.credential_key} stops opening doors at once and the escort grants end.`,
      confirmLabel: 'Check out',
      tone: 'primary',
    });
    if (!ok) return;
    try {
      const done = await api.post(`${ACCESS_PATHS.visits}/${encodeURIComponent(visit.id)}/checkout`);
      onSite.removeRow(visit.id);
      history.updateRow(done);
      updateCount();
      toast(`${visit.name} checked out.`, 'success');
    } catch (err) {
      toast(errorMessage(err), 'error');
      reload();
    }
  }

  function photoCell(v) {
    if (!v.has_photo) return null;
    return h('img', { class: 'visit-photo-thumb', src: `${ACCESS_PATHS.visits}/${encodeURIComponent(v.id)}/photo`, alt: `Photo of ${v.name}`, loading: 'lazy', 'data-testid': 'visit-photo-thumb' });
  }

  function escortCell(v) {
    const ids = v.escort_zone_ids || [];
    if (!ids.length) return null;
    return ids.map((id) => zoneNames.get(id) || `zone ${id}`).join(', ');
  }

  const onSite = createTable({
    testid: 'onsite-table',
    rowTestid: 'visitor-row',
    columns: [
      { key: 'photo', label: '', className: 'col-photo', render: photoCell },
      { key: 'name', label: 'Visitor', className: 'col-strong', render: (v) => h('span', { 'data-testid': 'visitor-name' }, v.name) },
      { key: 'company', label: 'Company' },
      { key: 'host_name', label: 'Host' },
      { key: 'purpose', label: 'Purpose' },
      { key: 'credential_key', label: 'Pass', className: 'mono' },
      { key: 'checked_in_at', label: 'Checked in', className: 'nowrap', render: (v) => h('span', { title: fmtDateTime(v.checked_in_at) }, fmtSince(v.checked_in_at)) },
      {
        key: 'expected_end', label: 'Expected end', className: 'mono nowrap',
        render: (v) => [fmtDateTime(v.expected_end), isOverdue(v) ? [' ', badge('overdue', 'danger', 'visitor-overdue')] : null],
      },
      { key: 'escort', label: 'Escorted to', render: escortCell },
      {
        key: 'actions', label: '', className: 'col-actions',
        render: (v) => (canWrite ? button('Check out', { size: 'xs', testid: 'visitor-checkout', onClick: () => checkOut(v) }) : null),
      },
    ],
    rowAttrs: (v) => ({ 'data-name': v.name, 'data-credential': v.credential_key, 'data-person-id': v.person_id }),
    rowClass: (v) => (isOverdue(v) ? 'row-alarm' : ''),
    empty: 'No visitor on site.',
  });
  const onSiteCount = h('span', { class: 'muted', 'data-testid': 'onsite-count' }, '');
  function updateCount() {
    onSiteCount.textContent = onSite.size === 1 ? '1 visitor' : `${onSite.size} visitors`;
  }

  // ---- history
  const history = createTable({
    testid: 'visit-history',
    rowTestid: 'history-row',
    columns: [
      { key: 'checked_in_at', label: 'Checked in', className: 'mono nowrap', render: (v) => fmtDateTime(v.checked_in_at) },
      { key: 'name', label: 'Visitor', className: 'col-strong' },
      { key: 'company', label: 'Company' },
      { key: 'host_name', label: 'Host' },
      { key: 'purpose', label: 'Purpose' },
      { key: 'credential_key', label: 'Pass', className: 'mono' },
      {
        key: 'checked_out_at', label: 'Checked out', className: 'mono nowrap',
        render: (v) => (v.checked_out_at ? fmtDateTime(v.checked_out_at) : badge('on site', 'info', 'history-on-site')),
      },
      { key: 'flags', label: '', render: (v) => [v.overdue_alerted ? badge('overdue alert', 'warning') : null, v.purged ? badge('purged', 'neutral') : null] },
    ],
    rowAttrs: (v) => ({ 'data-name': v.name, 'data-on-site': String(Boolean(v.on_site)) }),
    rowClass: (v) => (v.on_site ? '' : 'row-muted'),
    empty: `No visits in the last ${HISTORY_DAYS} days.`,
  });

  append(root, [
    pageHeader('Visitor desk', 'Check visitors in and out; the pass opens public zones and the zones they are escorted to.', status.el),
    form ? panel({ title: 'Check in a visitor', testid: 'visit-checkin', body: [form.el] }) : null,
    panel({ title: 'On site now', testid: 'onsite-panel', className: 'panel-flush', actions: [onSiteCount], body: [onSite.el] }),
    panel({ title: `Last ${HISTORY_DAYS} days`, testid: 'history-panel', className: 'panel-flush', body: [history.el] }),
  ]);

  let closed = false;

  async function loadPickers() {
    try {
      const [people, zones] = await Promise.all([
        api.all('/api/v1/people', { kind: 'employee', status: 'active' }),
        api.all('/api/v1/zones'),
      ]);
      if (closed) return;
      zoneNames = new Map(zones.items.map((z) => [z.id, z.name]));
      if (form) {
        const hosts = people.items.slice().sort((a, b) => String(a.name).localeCompare(String(b.name)));
        form.setOptions('host_id', [{ value: '', label: 'Choose the host…' },
          ...hosts.map((p) => ({ value: p.id, label: p.employee_number ? `${p.name} (${p.employee_number})` : p.name }))]);
        form.input('host_id').dataset.loaded = 'true';
        const escortable = zones.items.filter((z) => z.classification !== 'public')
          .sort((a, b) => String(a.name).localeCompare(String(b.name)));
        replace(escortBox, escortable.length ? escortable.map((z) => h('label', { class: 'checkbox-label escort-zone' },
          h('input', { type: 'checkbox', class: 'checkbox', value: z.id, 'data-testid': 'visit-escort-zone', 'data-zone-name': z.name }),
          h('span', null, z.name), ' ', h('span', { class: 'muted' }, z.classification))) : h('span', { class: 'muted' }, 'No zone needs an escort grant.'));
      }
    } catch (err) {
      if (form) form.showFormError(`Hosts and zones could not be loaded: ${errorMessage(err)}`);
    }
  }

  // Reloads never overlap; a change during one asks for one more right after.
  let inFlight = false;
  let again = false;
  async function reload() {
    if (closed) return;
    if (inFlight) {
      again = true;
      return;
    }
    inFlight = true;
    onSite.loading(onSite.size === 0);
    try {
      const from = new Date(Date.now() - HISTORY_DAYS * 86_400_000).toISOString();
      const [now, past] = await Promise.all([
        api.get(ACCESS_PATHS.visits, { on_site: 'true' }),
        api.get(ACCESS_PATHS.visits, { from, limit: 200 }),
      ]);
      if (closed) return;
      onSite.loading(false);
      onSite.setRows(now.items || []);
      history.setRows(past.items || []);
      updateCount();
      root.querySelector('[data-testid="onsite-panel"]').dataset.loaded = 'true';
    } catch (err) {
      if (closed) return;
      onSite.loading(false);
      onSite.error(err);
    } finally {
      inFlight = false;
      if (again && !closed) {
        again = false;
        reload();
      }
    }
  }

  const stop = watchAudit({
    accept: (action) => String(action || '').startsWith('access.visit.'),
    onChange: reload,
    setStatus: status.set,
  });
  loadPickers();
  reload();
  return () => {
    closed = true;
    stop();
  };
}
