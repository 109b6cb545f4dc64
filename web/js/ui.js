// DOM building blocks for the console: elements, forms with field errors, tables with
// "Load more", toasts, confirmation dialogs and one-time secret panels.
//
// Text always goes in through text nodes (textContent); nothing here parses HTML, so data
// from the server can never become markup. No inline styles either (CSP: default-src
// 'self'): appearance is classes in css/console.css.

import { ApiError } from './api.js';

// h('button', {class: 'btn', onclick: fn, 'data-testid': 'x'}, 'Label', child, [more])
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  if (props) {
    for (const [key, value] of Object.entries(props)) {
      if (value === undefined || value === null || value === false) continue;
      if (key === 'class') {
        el.className = Array.isArray(value) ? value.filter(Boolean).join(' ') : value;
      } else if (key.startsWith('on') && typeof value === 'function') {
        el.addEventListener(key.slice(2).toLowerCase(), value);
      } else if (key === 'value' || key === 'checked' || key === 'disabled' || key === 'hidden' ||
                 key === 'selected' || key === 'indeterminate') {
        el[key] = value;
      } else if (value === true) {
        el.setAttribute(key, '');
      } else {
        el.setAttribute(key, String(value));
      }
    }
  }
  append(el, children);
  return el;
}

export function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false || child === true) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

export function replace(el, ...children) {
  clear(el);
  return append(el, children);
}

// ---------------------------------------------------------------------------------------
// Formatting

const pad = (n) => String(n).padStart(2, '0');

export function fmtDateTime(value) {
  if (!value) return '';
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return String(value);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
         `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function fmtTime(value) {
  if (!value) return '';
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return String(value);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function todayIso() {
  const d = new Date();
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

export function addDaysIso(iso, days) {
  const [y, m, d] = iso.split('-').map(Number);
  const date = new Date(Date.UTC(y, m - 1, d + days));
  return date.toISOString().slice(0, 10);
}

// "just now", "4 min ago", "2 h 5 min ago", "3 d ago" (relative to `now`, a Date or ms).
export function fmtSince(value, now = Date.now()) {
  if (!value) return '';
  const t = new Date(value).getTime();
  if (Number.isNaN(t)) return String(value);
  const seconds = Math.max(0, Math.round((Number(now) - t) / 1000));
  if (seconds < 45) return 'just now';
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 ? `${hours} h ${minutes % 60} min ago` : `${hours} h ago`;
  return `${Math.floor(hours / 24)} d ago`;
}

// "1 h 12 min" between two times (or until now when `to` is empty).
export function fmtDuration(from, to) {
  const a = new Date(from).getTime();
  const b = to ? new Date(to).getTime() : Date.now();
  if (Number.isNaN(a) || Number.isNaN(b)) return '';
  const minutes = Math.max(0, Math.round((b - a) / 60000));
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
}

// datetime-local value (local time) <-> RFC 3339 (UTC) for the API.
export function toRfc3339(local) {
  if (!local) return '';
  const d = new Date(local);
  return Number.isNaN(d.getTime()) ? '' : d.toISOString();
}

export function toLocalInput(value) {
  if (value === undefined || value === null || value === '') return '';
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return '';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function shortHash(hash, length = 12) {
  if (!hash) return '';
  return String(hash).slice(0, length);
}

// A one-line "key=value · key=value" summary of an audit entry's details object.
export function summarizeDetails(details, max = 160) {
  if (details === undefined || details === null) return '';
  if (typeof details !== 'object') return String(details).slice(0, max);
  const parts = [];
  for (const [key, value] of Object.entries(details)) {
    let text;
    if (value === null) text = 'null';
    else if (typeof value === 'object') text = JSON.stringify(value);
    else text = String(value);
    parts.push(`${key}=${text}`);
  }
  const line = parts.join(' · ');
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

// ---------------------------------------------------------------------------------------
// Small pieces

export function badge(text, tone = 'neutral', testid) {
  return h('span', { class: `badge badge-${tone}`, 'data-testid': testid }, text);
}

export function button(label, { tone = 'default', size, onClick, testid, type = 'button', title } = {}) {
  return h('button', {
    type,
    class: ['btn', `btn-${tone}`, size ? `btn-${size}` : ''],
    onclick: onClick,
    'data-testid': testid,
    title,
  }, label);
}

export function pageHeader(title, subtitle, ...actions) {
  return h('header', { class: 'page-header' },
    h('div', { class: 'page-heading' },
      h('h1', { class: 'page-title', 'data-testid': 'page-title' }, title),
      subtitle ? h('p', { class: 'page-subtitle' }, subtitle) : null),
    h('div', { class: 'page-actions' }, actions));
}

export function panel({ title, actions = [], body = [], testid, className } = {}) {
  return h('section', { class: ['panel', className], 'data-testid': testid },
    title || actions.length
      ? h('div', { class: 'panel-header' },
        h('h2', { class: 'panel-title' }, title || ''),
        h('div', { class: 'panel-actions' }, actions))
      : null,
    h('div', { class: 'panel-body' }, body));
}

// The shield logo, drawn with classes so the stylesheet picks its colours.
export function brandMark(className = 'brand-mark') {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 32 32');
  svg.setAttribute('class', className);
  svg.setAttribute('aria-hidden', 'true');
  const shield = document.createElementNS(ns, 'path');
  shield.setAttribute('d', 'M16 2 4 6.5v8.2c0 7.3 5.1 13.3 12 15.3 6.9-2 12-8 12-15.3V6.5L16 2z');
  shield.setAttribute('class', 'brand-shield');
  const letter = document.createElementNS(ns, 'path');
  letter.setAttribute('d', 'M11 10h10v2.6h-7.2v3h6.2v2.6h-6.2V23H11z');
  letter.setAttribute('class', 'brand-letter');
  svg.append(shield, letter);
  return svg;
}

// Tabs as links: [{id, label, href}], the active id, an aria label.
export function tabNav(tabs, active, label) {
  return h('nav', { class: 'tabs', 'aria-label': label }, tabs.map((t) => h('a', {
    class: ['tab', t.id === active ? 'active' : ''],
    href: t.href,
    'data-testid': `tab-${t.id}`,
    'aria-current': t.id === active ? 'page' : undefined,
  }, t.label)));
}

// A "Download CSV" link for a report endpoint; call set(query) when the filters change.
export function csvLink(path, testid) {
  const a = h('a', { class: 'btn btn-default btn-sm', 'data-testid': testid, download: '', href: `${path}?format=csv` }, 'Download CSV');
  return {
    el: a,
    set(query) {
      const q = new URLSearchParams();
      for (const [key, value] of Object.entries(query || {})) {
        if (value === undefined || value === null || value === '') continue;
        q.set(key, String(value));
      }
      q.set('format', 'csv');
      a.href = `${path}?${q.toString()}`;
    },
  };
}

export function emptyState(text) {
  return h('div', { class: 'empty' }, text);
}

// ---------------------------------------------------------------------------------------
// Toasts

let toastRegion = null;

export function toast(message, tone = 'info') {
  if (!toastRegion || !toastRegion.isConnected) {
    toastRegion = h('div', { class: 'toasts', role: 'status', 'aria-live': 'polite' });
    document.body.append(toastRegion);
  }
  const item = h('div', { class: `toast toast-${tone}`, 'data-testid': 'toast' }, message);
  toastRegion.append(item);
  setTimeout(() => item.classList.add('toast-leaving'), 4200);
  setTimeout(() => item.remove(), 4600);
}

export function errorMessage(err) {
  if (err instanceof ApiError) {
    if (err.status === 403) return err.detail || 'Your role may not do this.';
    return err.detail || err.title;
  }
  return (err && err.message) || 'Something went wrong.';
}

// ---------------------------------------------------------------------------------------
// Dialogs

const openDialogs = new Set();

// Cancels every open dialog (the router calls this when the page changes).
export function closeDialogs() {
  for (const cancel of [...openDialogs]) cancel();
}

// Resolves true when the user confirms.
export function confirmDialog({ title, message, confirmLabel = 'Confirm', tone = 'danger' }) {
  return new Promise((resolve) => {
    const dialog = h('dialog', { class: 'dialog', 'data-testid': 'confirm-dialog' });
    const cancel = () => done(false);
    const done = (result) => {
      openDialogs.delete(cancel);
      if (dialog.open) dialog.close();
      dialog.remove();
      resolve(result);
    };
    openDialogs.add(cancel);
    append(dialog, [
      h('h2', { class: 'dialog-title' }, title),
      h('p', { class: 'dialog-message' }, message),
      h('div', { class: 'dialog-actions' },
        button('Cancel', { onClick: () => done(false), testid: 'confirm-cancel' }),
        button(confirmLabel, { tone, onClick: () => done(true), testid: 'confirm-ok' })),
    ]);
    dialog.addEventListener('cancel', (e) => {
      e.preventDefault();
      done(false);
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}

// A panel that shows a secret exactly once (generated password, device token).
export function secretPanel({ title, note, value, testid = 'secret', onDismiss }) {
  const input = h('input', {
    class: 'input input-mono secret-value',
    readonly: true,
    value,
    'data-testid': `${testid}-value`,
    'aria-label': title,
  });
  const copy = button('Copy', {
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
  });
  const el = h('div', { class: 'secret', role: 'alert', 'data-testid': testid },
    h('div', { class: 'secret-head' },
      h('strong', null, title),
      h('span', { class: 'secret-note' }, note || 'Shown only once: store it now.')),
    h('div', { class: 'secret-row' }, input, copy,
      button('Done', {
        size: 'sm',
        tone: 'ghost',
        testid: `${testid}-dismiss`,
        onClick: () => {
          el.remove();
          if (onDismiss) onDismiss();
        },
      })));
  return el;
}

// ---------------------------------------------------------------------------------------
// Forms

let fieldSeq = 0;

function optionNodes(options, current) {
  return options.map((o) => {
    const opt = typeof o === 'object' ? o : { value: o, label: o };
    return h('option', { value: String(opt.value ?? ''), selected: String(opt.value ?? '') === String(current ?? '') },
      opt.label ?? String(opt.value));
  });
}

// createForm({testid, fields: [...], submitLabel, onSubmit(values, form), onCancel})
//
// A field: {name, label, type: text|password|date|datetime-local|number|select|checkbox|
// search|email, options (select), value, required, placeholder, hint, parse: int|bool,
// size: sm|md|lg|full, list (datalist id), autocomplete, nullable (send null when empty)}.
// onSubmit may throw an ApiError: its errors[] are shown under the matching fields, the
// rest in the form's error box.
export function createForm(spec) {
  const { testid, fields, submitLabel = 'Save', onSubmit, onCancel, cancelLabel = 'Cancel' } = spec;
  const inputs = new Map();
  const errorNodes = new Map();
  const wrappers = new Map();
  const formError = h('div', { class: 'form-error', role: 'alert', hidden: true, 'data-testid': `${testid}-error` });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': `${testid}-submit` }, submitLabel);
  const grid = h('div', { class: 'form-grid' });

  for (const field of fields) {
    const id = `f${++fieldSeq}-${field.name}`;
    const common = {
      id,
      name: field.name,
      'data-testid': `${testid}-${field.name}`,
      'aria-describedby': `${id}-err`,
      autocomplete: field.autocomplete || 'off',
    };
    let input;
    if (field.type === 'select') {
      input = h('select', { ...common, class: 'input' }, optionNodes(field.options || [], field.value));
    } else if (field.type === 'checkbox') {
      input = h('input', { ...common, type: 'checkbox', class: 'checkbox', checked: Boolean(field.value) });
    } else {
      input = h('input', {
        ...common,
        type: field.type || 'text',
        class: ['input', field.mono ? 'input-mono' : ''],
        value: field.value ?? '',
        placeholder: field.placeholder,
        list: field.list,
        min: field.min,
        max: field.max,
        maxlength: field.maxlength,
        spellcheck: field.type === 'password' ? 'false' : undefined,
      });
    }
    const error = h('div', { class: 'field-error', id: `${id}-err`, 'data-testid': `field-error-${field.name}`, hidden: true });
    const label = h('label', { class: 'field-label', for: id }, field.label,
      field.required ? h('span', { class: 'required', 'aria-hidden': 'true' }, ' *') : null);
    const wrapper = field.type === 'checkbox'
      ? h('div', { class: ['field', 'field-checkbox', `field-${field.size || 'md'}`] },
        h('label', { class: 'checkbox-label', for: id }, input, h('span', null, field.label)), error)
      : h('div', { class: ['field', `field-${field.size || 'md'}`] },
        label, input,
        field.hint ? h('div', { class: 'field-hint' }, field.hint) : null,
        error);
    inputs.set(field.name, input);
    errorNodes.set(field.name, error);
    wrappers.set(field.name, wrapper);
    input.addEventListener('input', () => setFieldError(field.name, ''));
    grid.append(wrapper);
  }
  if (spec.extra) append(grid, [spec.extra]);

  const actions = h('div', { class: 'form-actions' }, submit,
    onCancel ? button(cancelLabel, { tone: 'ghost', onClick: onCancel, testid: `${testid}-cancel` }) : null);
  const el = h('form', { class: 'form', novalidate: true, 'data-testid': testid }, formError, grid, actions);

  function setFieldError(name, message) {
    const node = errorNodes.get(name);
    const input = inputs.get(name);
    if (!node) return false;
    node.textContent = message || '';
    node.hidden = !message;
    if (message) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
    wrappers.get(name).classList.toggle('field-invalid', Boolean(message));
    return true;
  }

  function clearErrors() {
    for (const name of errorNodes.keys()) setFieldError(name, '');
    formError.textContent = '';
    formError.hidden = true;
  }

  function showError(err) {
    clearErrors();
    const unmatched = [];
    if (err instanceof ApiError && err.errors.length) {
      for (const e of err.errors) {
        const name = String(e.field || '').split(/[.[]/)[0];
        if (!setFieldError(name, e.message || 'invalid')) unmatched.push(e.field ? `${e.field}: ${e.message}` : e.message);
      }
      if (unmatched.length) showFormError(`${err.title}: ${unmatched.join('; ')}`);
      const first = err.errors.map((e) => inputs.get(String(e.field || '').split(/[.[]/)[0])).find(Boolean);
      if (first) first.focus();
    } else {
      showFormError(errorMessage(err));
    }
  }

  function showFormError(message) {
    formError.textContent = message;
    formError.hidden = false;
  }

  function values() {
    const out = {};
    for (const field of fields) {
      const input = inputs.get(field.name);
      if (field.type === 'checkbox') {
        out[field.name] = input.checked;
        continue;
      }
      const raw = input.value.trim();
      if (raw === '') {
        if (field.nullable) out[field.name] = null;
        continue;
      }
      if (field.parse === 'int') {
        const n = Number(raw);
        out[field.name] = Number.isInteger(n) ? n : raw;
      } else if (field.parse === 'bool') {
        out[field.name] = raw === 'true';
      } else {
        out[field.name] = field.type === 'password' ? input.value : raw;
      }
    }
    return out;
  }

  function checkRequired(vals) {
    let ok = true;
    for (const field of fields) {
      const required = typeof field.required === 'function' ? field.required(vals) : field.required;
      if (required && field.type !== 'checkbox' && (vals[field.name] === undefined || vals[field.name] === null)) {
        setFieldError(field.name, 'Required');
        ok = false;
      }
    }
    return ok;
  }

  let busy = false;
  el.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (busy) return;
    clearErrors();
    const vals = values();
    if (!checkRequired(vals)) return;
    busy = true;
    submit.disabled = true;
    el.classList.add('form-busy');
    try {
      await onSubmit(vals, form);
    } catch (err) {
      showError(err);
    } finally {
      busy = false;
      submit.disabled = false;
      el.classList.remove('form-busy');
    }
  });

  const form = {
    el,
    input: (name) => inputs.get(name),
    setValue(name, value) {
      const input = inputs.get(name);
      if (!input) return;
      if (input.type === 'checkbox') input.checked = Boolean(value);
      else input.value = value ?? '';
    },
    setOptions(name, options) {
      const input = inputs.get(name);
      const current = input.value;
      replace(input, optionNodes(options, current));
    },
    showField(name, visible) {
      const w = wrappers.get(name);
      if (w) w.hidden = !visible;
    },
    reset() {
      for (const field of fields) form.setValue(field.name, field.value ?? (field.type === 'checkbox' ? false : ''));
      clearErrors();
    },
    focus() {
      const first = inputs.get(fields[0].name);
      if (first) first.focus();
    },
    values,
    clearErrors,
    showError,
    showFormError,
  };
  return form;
}

// ---------------------------------------------------------------------------------------
// Tables

// createTable({testid, rowTestid, columns: [{key, label, render(row), className}],
//              rowKey, rowAttrs(row), rowClass(row), empty})
export function createTable(spec) {
  const { columns, rowTestid, empty = 'Nothing here yet.' } = spec;
  const rowKey = spec.rowKey || ((row) => row.id);
  const tbody = h('tbody');
  const status = h('div', { class: 'table-status', hidden: true });
  const table = h('table', { class: 'table', 'data-testid': spec.testid },
    h('thead', null, h('tr', null, columns.map((c) => h('th', { class: c.className, scope: 'col' }, c.label)))),
    tbody);
  const el = h('div', { class: 'table-wrap' }, table, status);
  const rows = new Map();

  function cell(column, row) {
    let content;
    if (column.render) content = column.render(row);
    else content = row[column.key];
    if (content === undefined || content === null || content === '') content = h('span', { class: 'muted' }, '—');
    return h('td', { class: column.className, 'data-col': column.key }, content);
  }

  function buildRow(row) {
    const attrs = spec.rowAttrs ? spec.rowAttrs(row) : {};
    const tr = h('tr', {
      'data-testid': rowTestid,
      'data-id': rowKey(row),
      class: spec.rowClass ? spec.rowClass(row) : undefined,
      ...attrs,
    }, columns.map((c) => cell(c, row)));
    return tr;
  }

  function updateEmpty() {
    if (rows.size === 0 && status.dataset.state !== 'loading' && status.dataset.state !== 'error') {
      setStatus('empty', empty);
    } else if (status.dataset.state === 'empty') {
      setStatus('', '');
    }
  }

  function setStatus(state, text) {
    status.dataset.state = state;
    status.className = `table-status table-status-${state || 'none'}`;
    status.textContent = text;
    status.hidden = !text;
  }

  const api = {
    el,
    setRows(list) {
      clear(tbody);
      rows.clear();
      api.appendRows(list);
    },
    appendRows(list) {
      for (const row of list) {
        const tr = buildRow(row);
        rows.set(String(rowKey(row)), tr);
        tbody.append(tr);
      }
      updateEmpty();
    },
    prependRow(row) {
      const tr = buildRow(row);
      const old = rows.get(String(rowKey(row)));
      if (old) old.remove();
      rows.set(String(rowKey(row)), tr);
      tbody.prepend(tr);
      tr.classList.add('row-new');
      updateEmpty();
    },
    updateRow(row) {
      const old = rows.get(String(rowKey(row)));
      if (!old) return api.prependRow(row);
      const tr = buildRow(row);
      rows.set(String(rowKey(row)), tr);
      old.replaceWith(tr);
      return undefined;
    },
    removeRow(key) {
      const old = rows.get(String(key));
      if (old) old.remove();
      rows.delete(String(key));
      updateEmpty();
    },
    get size() {
      return rows.size;
    },
    loading(on) {
      if (on) setStatus('loading', 'Loading…');
      else if (status.dataset.state === 'loading') setStatus('', '');
      table.classList.toggle('table-loading', Boolean(on));
      if (!on) updateEmpty();
    },
    error(err) {
      setStatus('error', errorMessage(err));
    },
  };
  return api;
}

// A table fed page by page from a list endpoint, with a "Load more" button that follows
// next_cursor. load(cursor) returns {items, next_cursor}.
export function createPagedTable(spec) {
  const table = createTable(spec);
  const more = button('Load more', { size: 'sm', testid: 'load-more', onClick: () => next() });
  const count = h('span', { class: 'muted', 'data-testid': 'row-count' });
  const footer = h('div', { class: 'table-footer' }, count, more);
  more.hidden = true;
  const el = h('div', { class: 'paged' }, table.el, footer);
  let cursor = null;
  let generation = 0;

  function updateFooter() {
    count.textContent = table.size === 1 ? '1 row' : `${table.size} rows`;
    more.hidden = !cursor;
  }

  async function fetchPage(reset) {
    const mine = reset ? ++generation : generation;
    if (reset) {
      cursor = null;
      table.setRows([]);
    }
    table.loading(true);
    more.disabled = true;
    try {
      const page = await spec.load(reset ? null : cursor);
      if (mine !== generation) return;
      table.loading(false);
      table.appendRows(page.items);
      cursor = page.next_cursor;
    } catch (err) {
      if (mine !== generation) return;
      table.loading(false);
      table.error(err);
    } finally {
      more.disabled = false;
      if (mine === generation) updateFooter();
    }
  }

  async function next() {
    if (cursor) await fetchPage(false);
  }

  return {
    el,
    table,
    reload: () => fetchPage(true),
    loadMore: next,
    prepend(row) {
      table.prependRow(row);
      updateFooter();
    },
    update(row) {
      table.updateRow(row);
      updateFooter();
    },
  };
}

// A filter bar: controls plus an Apply/Reset pair; calls onChange(values) when applied.
export function filterBar({ testid, controls, onApply, onReset }) {
  const form = h('form', { class: 'filters', 'data-testid': testid, role: 'search' },
    controls,
    h('div', { class: 'filters-actions' },
      h('button', { type: 'submit', class: 'btn btn-default btn-sm', 'data-testid': `${testid}-apply` }, 'Apply'),
      onReset ? button('Reset', { size: 'sm', tone: 'ghost', testid: `${testid}-reset`, onClick: onReset }) : null));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    onApply();
  });
  return form;
}

export function filterControl(label, control) {
  return h('label', { class: 'filter' }, h('span', { class: 'filter-label' }, label), control);
}

export function selectInput(options, { value = '', testid, name } = {}) {
  return h('select', { class: 'input input-sm', 'data-testid': testid, name }, optionNodes(options, value));
}

export function textInput({ value = '', placeholder, testid, type = 'text', name } = {}) {
  return h('input', { class: 'input input-sm', type, value, placeholder, 'data-testid': testid, name, autocomplete: 'off' });
}

export function debounce(fn, ms = 250) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}
