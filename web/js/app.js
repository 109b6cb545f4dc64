// The console's shell: session bootstrap, layout (sidebar, header), hash routing.
//
// Routes are "#/<page>[/<tab>][?query]". A page module exports render(root, ctx) and may
// return a cleanup function (the dashboard closes its EventSource there). Without a
// session every route shows the login page; after logging in the requested route opens.

import { session, setCsrfFallback, setUnauthenticatedHandler } from './api.js';
import { h, append, clear, button, toast, errorMessage, brandMark, closeDialogs } from './ui.js';
import { can, ROLE_LABELS } from './roles.js';
import * as loginPage from './pages/login.js';
import * as dashboardPage from './pages/dashboard.js';
import * as peoplePage from './pages/people.js';
import * as campaignsPage from './pages/campaigns.js';
import * as trainingPage from './pages/training.js';
import * as zonesPage from './pages/zones.js';
import * as usersPage from './pages/users.js';
import * as tokensPage from './pages/tokens.js';
import * as auditPage from './pages/audit.js';
import * as floorPage from './pages/floor.js';
import * as logonsPage from './pages/logons.js';
import * as accountsPage from './pages/accounts.js';
import * as alertsPage from './pages/alerts.js';
import * as securityPage from './pages/security.js';
import * as sitePage from './pages/site.js';
import * as visitorsPage from './pages/visitors.js';
import * as musterPage from './pages/muster.js';
import * as violationsPage from './pages/violations.js';
import * as callsPage from './pages/calls.js';

const ROUTES = [
  { path: 'dashboard', label: 'Dashboard', section: 'Operations', icon: 'grid', permission: 'events.stream', page: dashboardPage },
  { path: 'floor', label: 'Floor', section: 'Operations', icon: 'monitor', permission: 'floor.read', page: floorPage },
  { path: 'alerts', label: 'Alerts', section: 'Operations', icon: 'bell', permission: 'alerts.read', page: alertsPage },
  { path: 'calls', label: 'Calls', section: 'Operations', icon: 'list', permission: 'calls.read', page: callsPage },
  { path: 'site', label: 'Site map', section: 'Access', icon: 'door', permission: 'access.read', page: sitePage },
  { path: 'visitors', label: 'Visitor desk', section: 'Access', icon: 'visitor', permission: 'access.read', page: visitorsPage },
  { path: 'muster', label: 'Muster report', section: 'Access', icon: 'muster', permission: 'access.read', page: musterPage },
  { path: 'violations', label: 'Violations', section: 'Access', icon: 'phone', permission: 'access.read', page: violationsPage },
  { path: 'logons', label: 'Logons', section: 'Identity', icon: 'clock', permission: 'reports.read', page: logonsPage },
  { path: 'accounts', label: 'Workforce accounts', section: 'Identity', icon: 'id', permission: 'accounts.read', page: accountsPage },
  { path: 'people', label: 'People', section: 'Directory', icon: 'users', permission: 'people.read', page: peoplePage },
  { path: 'campaigns', label: 'Campaigns', section: 'Directory', icon: 'flag', permission: 'campaigns.read', page: campaignsPage },
  { path: 'training', label: 'Training', section: 'Directory', icon: 'book', permission: 'training.read', page: trainingPage },
  { path: 'zones', label: 'Zones & stations', section: 'Facilities', icon: 'map', permission: 'zones.read', page: zonesPage },
  { path: 'users', label: 'Console users', section: 'Administration', icon: 'key', permission: 'users.admin', page: usersPage },
  { path: 'tokens', label: 'Device tokens', section: 'Administration', icon: 'chip', permission: 'tokens.admin', page: tokensPage },
  { path: 'audit', label: 'Audit trail', section: 'Compliance', icon: 'list', permission: 'audit.read', page: auditPage },
  { path: 'me', href: '#/me/security', label: 'My security', section: 'You', icon: 'shield', permission: 'me.security', page: securityPage },
];

const state = {
  user: null,
  // The role must use TOTP and this user has none yet: the server refuses everything but
  // enrolment, so the console shows only My security until it is done.
  mustEnrollTotp: false,
  cleanup: null,
  shell: null,
};

const appRoot = document.getElementById('app');

function parseHash() {
  const raw = location.hash.replace(/^#\/?/, '');
  const [pathPart, queryPart = ''] = raw.split('?');
  const segments = pathPart.split('/').filter(Boolean).map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  });
  return { segments, params: new URLSearchParams(queryPart) };
}

export function navigate(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

function runCleanup() {
  closeDialogs();
  if (state.cleanup) {
    try {
      state.cleanup();
    } catch {
      // A page's cleanup must not block navigation.
    }
    state.cleanup = null;
  }
}

// ---------------------------------------------------------------------------------------
// Session

function setUser(user) {
  state.user = user;
  document.body.dataset.role = user ? user.role : '';
}

function showLogin(notice) {
  runCleanup();
  setUser(null);
  state.mustEnrollTotp = false;
  state.shell = null;
  clear(appRoot);
  document.title = 'Log in · floorguard';
  loginPage.render(appRoot, {
    notice,
    onLoggedIn: (user, csrf, mustEnrollTotp) => {
      setCsrfFallback(csrf);
      setUser(user);
      state.mustEnrollTotp = Boolean(mustEnrollTotp);
      if (!location.hash || location.hash.startsWith('#/login')) location.hash = '#/dashboard';
      route();
    },
  });
}

async function logout() {
  try {
    await session.logout();
  } catch (err) {
    if (err.status !== 401) {
      toast(`Logout failed: ${errorMessage(err)}`, 'error');
      return;
    }
  }
  setCsrfFallback('');
  location.hash = '#/dashboard';
  showLogin('You have been logged out.');
}

setUnauthenticatedHandler(() => {
  if (state.user) showLogin('Your session has ended. Log in again.');
});

// ---------------------------------------------------------------------------------------
// Layout

const ICONS = {
  grid: 'M3 3h7v7H3zM14 3h7v7h-7zM3 14h7v7H3zM14 14h7v7h-7z',
  users: 'M9 11a4 4 0 1 0 0-8 4 4 0 0 0 0 8zM2 21v-1a6 6 0 0 1 6-6h2a6 6 0 0 1 6 6v1M17 11a3 3 0 1 0 0-6M22 21v-1a5 5 0 0 0-4-4.9',
  flag: 'M4 22V4M4 4h13l-2 4 2 4H4',
  book: 'M4 4h7a3 3 0 0 1 3 3v14a2 2 0 0 0-2-2H4zM20 4h-4a3 3 0 0 0-3 3',
  map: 'M3 6l6-3 6 3 6-3v15l-6 3-6-3-6 3zM9 3v15M15 6v15',
  key: 'M21 2l-2 2m-7.6 7.6a5.5 5.5 0 1 1-7.8 7.8 5.5 5.5 0 0 1 7.8-7.8zm0 0L15.5 7.5m0 0l3 3L22 7l-3-3m-3.5 3.5L19 4',
  chip: 'M7 7h10v10H7zM10 2v5M14 2v5M10 17v5M14 17v5M2 10h5M2 14h5M17 10h5M17 14h5',
  list: 'M8 6h13M8 12h13M8 18h13M3 6h.01M3 12h.01M3 18h.01',
  out: 'M9 21H5a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2h4M16 17l5-5-5-5M21 12H9',
  monitor: 'M3 4h18v12H3zM8 20h8M12 16v4',
  bell: 'M18 8a6 6 0 0 0-12 0c0 7-3 9-3 9h18s-3-2-3-9M13.7 21a2 2 0 0 1-3.4 0',
  clock: 'M12 22a10 10 0 1 0 0-20 10 10 0 0 0 0 20zM12 6v6l4 2',
  id: 'M3 5h18v14H3zM7 10a2 2 0 1 0 4 0 2 2 0 0 0-4 0M5 16c.5-1.5 1.8-2.5 4-2.5s3.5 1 4 2.5M15 9h4M15 13h4',
  door: 'M5 21V4a1 1 0 0 1 1-1h12a1 1 0 0 1 1 1v17M3 21h18M15 12h.01',
  visitor: 'M4 4h16v16H4zM9 9a2 2 0 1 0 4 0 2 2 0 0 0-4 0M7 17c.5-2 2-3 4-3s3.5 1 4 3M16 8h1',
  muster: 'M9 5H5v14h14v-4M9 5h6M9 5a2 2 0 0 1 2-2h2a2 2 0 0 1 2 2M8 11l2 2 4-4M8 16h5',
  phone: 'M7 2h10v20H7zM11 18h2M3 3l18 18',
  shield: 'M12 2 4 5.5v6.2c0 5 3.4 9.1 8 10.3 4.6-1.2 8-5.3 8-10.3V5.5zM9 12l2 2 4-4',
};

function icon(name) {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('class', 'icon');
  svg.setAttribute('aria-hidden', 'true');
  const path = document.createElementNS(ns, 'path');
  path.setAttribute('d', ICONS[name] || '');
  svg.append(path);
  return svg;
}

function buildShell() {
  const user = state.user;
  const nav = h('nav', { class: 'nav', 'aria-label': 'Main', 'data-testid': 'nav' });
  let section = '';
  let group = null;
  for (const r of ROUTES) {
    if (!can(user.role, r.permission)) continue;
    if (r.section !== section) {
      section = r.section;
      group = h('div', { class: 'nav-group' }, h('div', { class: 'nav-section' }, section));
      nav.append(group);
    }
    group.append(h('a', { class: 'nav-link', href: r.href || `#/${r.path}`, 'data-route': r.path, 'data-testid': `nav-${r.path}` },
      icon(r.icon), h('span', null, r.label)));
  }
  const sidebar = h('aside', { class: 'sidebar' },
    h('a', { class: 'brand', href: '#/dashboard' }, brandMark(),
      h('span', { class: 'brand-text' }, h('span', { class: 'brand-name' }, 'floorguard'),
        h('span', { class: 'brand-sub' }, 'security console'))),
    nav,
    h('div', { class: 'sidebar-foot' }, 'API v1'));

  const crumb = h('div', { class: 'crumb', 'data-testid': 'crumb' });
  const topbar = h('header', { class: 'topbar' },
    crumb,
    h('div', { class: 'userbox' },
      h('div', { class: 'avatar', 'aria-hidden': 'true' }, (user.username || '?').slice(0, 1).toUpperCase()),
      h('div', { class: 'userbox-text' },
        h('span', { class: 'userbox-name', 'data-testid': 'current-user' }, user.username),
        h('span', { class: 'userbox-role', 'data-testid': 'current-role', 'data-role': user.role },
          ROLE_LABELS[user.role] || user.role)),
      button([icon('out'), h('span', null, 'Log out')], { tone: 'ghost', size: 'sm', testid: 'logout', onClick: logout })));
  const content = h('main', { class: 'content', id: 'content', 'data-testid': 'content', tabindex: '-1' });
  const shell = h('div', { class: 'shell', 'data-testid': 'shell' }, sidebar, h('div', { class: 'main' }, topbar, content));
  clear(appRoot);
  appRoot.append(shell);
  state.shell = { nav, content, crumb };
}

function forbidden(root) {
  append(root, [h('div', { class: 'notice notice-warning', 'data-testid': 'forbidden' },
    h('strong', null, 'Not available for your role. '),
    'Ask an administrator if you need access.')]);
}

function notFound(root) {
  append(root, [h('div', { class: 'notice', 'data-testid': 'not-found' }, 'No such page.')]);
}

function route() {
  if (!state.user) return;
  const { segments, params } = parseHash();
  if (segments.length === 0 || segments[0] === 'login') {
    location.replace('#/dashboard');
    return;
  }
  if (state.mustEnrollTotp && segments[0] !== 'me') {
    location.replace('#/me/security');
    return;
  }
  runCleanup();
  if (!state.shell) buildShell();
  const { nav, content, crumb } = state.shell;
  const entry = ROUTES.find((r) => r.path === segments[0]);
  for (const link of nav.querySelectorAll('.nav-link')) {
    const active = entry && link.dataset.route === entry.path;
    link.classList.toggle('active', Boolean(active));
    if (active) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  clear(content);
  clear(crumb);
  content.dataset.page = entry ? entry.path : '';
  if (!entry) {
    append(crumb, ['Not found']);
    notFound(content);
    return;
  }
  append(crumb, [h('span', { class: 'crumb-section' }, entry.section), h('span', { class: 'crumb-sep' }, '/'),
    h('span', { class: 'crumb-page' }, entry.label)]);
  document.title = `${entry.label} · floorguard`;
  if (!can(state.user.role, entry.permission)) {
    forbidden(content);
    return;
  }
  const ctx = {
    user: state.user,
    can: (permission) => can(state.user.role, permission),
    segments: segments.slice(1),
    params,
    navigate,
    mustEnrollTotp: state.mustEnrollTotp,
    totpEnrolled: () => {
      state.mustEnrollTotp = false;
    },
  };
  try {
    const cleanup = entry.page.render(content, ctx);
    if (typeof cleanup === 'function') state.cleanup = cleanup;
  } catch (err) {
    append(content, [h('div', { class: 'notice notice-error' }, `This page failed to load: ${errorMessage(err)}`)]);
  }
  content.scrollTop = 0;
}

// ---------------------------------------------------------------------------------------
// Boot

async function boot() {
  window.addEventListener('hashchange', route);
  try {
    const data = await session.current();
    const user = data && data.user ? data.user : data;
    if (!user || !user.username) throw new Error('no session');
    if (data && data.csrf) setCsrfFallback(data.csrf);
    if (user.must_change_password) {
      showLogin();
      loginPage.showPasswordChange(user);
      return;
    }
    setUser(user);
    state.mustEnrollTotp = Boolean(data && (data.must_enroll_totp || user.must_enroll_totp));
    route();
  } catch (err) {
    if (err && err.status && err.status !== 401) {
      showLogin(`The server answered: ${errorMessage(err)}`);
    } else {
      showLogin();
    }
  }
}

boot();
