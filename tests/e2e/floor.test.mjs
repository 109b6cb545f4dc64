// Browser end-to-end test of the floor view and the failed-logons report (run.sh starts a
// real server with --demo and sets the environment; see console.test.mjs).
//
// Set-up goes through the API from node, the way an administrator's script and a
// workstation would: a workforce account for a demo employee, a workstation token bound to
// a demo station, logon and logoff with that token. The browser only watches.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import {
  ADMIN_USER, ADMIN_PASSWORD, byTestId, withBrowser, firstPage, login, ApiClient, totpCode,
} from './helpers.mjs';

// Demo data (src/directory/demo.cc): E1001 is Amara Okafor, active, trained for the
// Northwind campaign; WS-A01 is a Northwind station in "Campaign A area".
const EMPLOYEE_NUMBER = 'E1001';
const WORKSTATION = 'WS-A01';
// Shorter than the floor page's 30 s timer: a change seen within it came by the stream.
const LIVE_TIMEOUT = 12_000;

async function setUp() {
  const admin = await ApiClient.login(ADMIN_USER, ADMIN_PASSWORD);
  const people = await admin.get(`/api/v1/people?q=${EMPLOYEE_NUMBER}`);
  const person = people.items.find((p) => p.employee_number === EMPLOYEE_NUMBER);
  assert.ok(person, `demo employee ${EMPLOYEE_NUMBER} exists (server started with --demo)`);

  const stations = await admin.get('/api/v1/stations?limit=500');
  const station = stations.items.find((s) => s.workstation_id === WORKSTATION);
  assert.ok(station, `demo station ${WORKSTATION} exists`);

  const username = `e2e.${crypto.randomBytes(4).toString('hex')}`;
  const password = `Fg-${crypto.randomBytes(15).toString('base64url')}-7k`;
  const account = await admin.post('/api/v1/accounts', { person_id: person.id, username, password }, [201]);
  assert.equal(account.username, username);
  assert.equal(account.person_id, person.id);
  assert.equal(account.password, undefined, 'a chosen password is never echoed');

  const created = await admin.post('/api/v1/tokens', { name: `e2e-${WORKSTATION}-${crypto.randomBytes(3).toString('hex')}`, role: 'workstation', station_id: station.id }, [201]);
  assert.ok(created.token, 'the token is returned once');
  const workstation = new ApiClient({ token: created.token });

  // Badged into the station's zone, whatever the presence mode is.
  await admin.post('/api/v1/presence', { person_id: person.id, zone_id: station.zone_id, state: 'in' }, [204]);
  return { admin, person, station, username, password, workstation };
}

test('the floor view shows a logon and its logoff live, and a failed logon is reported', { timeout: 120_000 }, async () => {
  const { admin, person, station, username, password, workstation } = await setUp();

  await withBrowser('floor-live', async (context, problems) => {
    const page = await firstPage(context);
    await login(page, ADMIN_USER, admin.password);
    await page.locator(byTestId('nav-floor')).click();
    await page.locator(`${byTestId('content')}[data-page="floor"]`).waitFor();
    await page.locator(`${byTestId('floor')}[data-loaded="true"]`).waitFor();
    await page.locator(`${byTestId('stream-status')}[data-state="live"]`).waitFor();

    const tile = page.locator(`${byTestId('floor-tile')}[data-workstation="${WORKSTATION}"]`);
    await tile.waitFor();
    assert.equal(await tile.getAttribute('data-state'), 'free', `${WORKSTATION} starts free`);
    // Gone if the page reloads: proves the changes below arrive without a reload.
    await page.evaluate(() => {
      window.e2eMarker = 'no reload';
    });

    // Logon at the workstation.
    const logon = await workstation.post('/api/v1/logon', { username, password, source_address: '10.0.0.41' }, [200]);
    assert.equal(logon.decision, 'allow', `logon allowed: ${JSON.stringify(logon)}`);
    assert.equal(logon.station.workstation_id, WORKSTATION);
    assert.equal(logon.account.username, username);

    const active = page.locator(`${byTestId('floor-tile')}[data-workstation="${WORKSTATION}"][data-state="active"]`);
    await active.waitFor({ timeout: LIVE_TIMEOUT });
    assert.equal(await active.getAttribute('data-username'), username);
    assert.equal((await active.locator(byTestId('floor-agent')).textContent()).trim(), person.name);
    assert.equal((await active.locator(byTestId('floor-username')).textContent()).trim(), username);
    assert.equal((await active.locator(byTestId('floor-state')).textContent()).trim(), 'active');
    assert.match(await active.locator(byTestId('floor-since')).textContent(), /just now|min ago/);
    assert.ok(Number(await page.locator(byTestId('floor-count-active')).textContent()) >= 1);

    // Logoff: the tile turns free, still without a reload.
    const logoff = await workstation.post('/api/v1/logoff', { session_id: logon.session_id }, [200]);
    assert.equal(logoff.session_id, logon.session_id);
    await page.locator(`${byTestId('floor-tile')}[data-workstation="${WORKSTATION}"][data-state="free"]`)
      .waitFor({ timeout: LIVE_TIMEOUT });
    assert.equal(await page.evaluate(() => window.e2eMarker), 'no reload');

    // The session is in the station's history.
    await page.goto(`/#/logons/station?station_id=${station.id}`);
    await page.locator(`${byTestId('station-history-row')}[data-username="${username}"]`).waitFor();

    // A wrong password: denied, and listed in the failed-logons report.
    const denied = await workstation.post('/api/v1/logon', { username, password: `${password}x` }, [200]);
    assert.equal(denied.decision, 'deny');
    assert.equal(denied.reason, 'bad_password');
    assert.equal(denied.check, 'credentials');
    await page.locator(byTestId('tab-failed')).click();
    await page.locator(byTestId('logons-failed')).waitFor();
    const row = page.locator(`${byTestId('failed-row')}[data-username="${username}"][data-reason="bad_password"]`);
    await row.waitFor();
    assert.equal(await row.getAttribute('data-workstation'), WORKSTATION);

    // Its CSV export has the same row.
    const href = await page.locator(byTestId('failed-csv')).getAttribute('href');
    assert.match(href, /format=csv/);
    const csv = await page.request.get(href);
    assert.equal(csv.status(), 200);
    assert.match(csv.headers()['content-type'], /text\/csv/);
    const text = await csv.text();
    assert.ok(text.split('\n').some((line) => line.includes(username) && line.includes('bad_password')),
      `the CSV lists the failed logon:\n${text.slice(0, 800)}`);

    assert.deepEqual(problems, [], 'no page errors or CSP violations');
  });
});

test('TOTP: an account and a console user enrol with the QR code, recovery codes are shown once', { timeout: 120_000 }, async () => {
  const admin = await ApiClient.login(ADMIN_USER, ADMIN_PASSWORD);
  const people = await admin.get('/api/v1/people?q=E1002');
  const person = people.items.find((p) => p.employee_number === 'E1002');
  assert.ok(person, 'demo employee E1002 exists');
  const username = `e2e.totp.${crypto.randomBytes(3).toString('hex')}`;
  const account = await admin.post('/api/v1/accounts', { person_id: person.id, username }, [201]);
  assert.ok(account.password, 'without a password a temporary one is returned once');

  const officer = `e2e-sec-${crypto.randomBytes(3).toString('hex')}`;
  const created = await admin.post('/api/v1/users', { username: officer, role: 'security' }, [201]);

  await withBrowser('totp-enrolment', async (context, problems) => {
    const page = await firstPage(context);
    await login(page, ADMIN_USER, admin.password);

    // An agent's account, enrolled by the administrator.
    await page.goto('/#/accounts');
    const row = page.locator(`${byTestId('account-row')}[data-username="${username}"]`);
    await row.waitFor();
    await row.locator(byTestId('account-totp-enrol')).click();
    const qr = page.locator(byTestId('totp-qr'));
    await qr.waitFor();
    await page.waitForFunction((sel) => {
      const img = document.querySelector(sel);
      return img && img.complete && img.naturalWidth > 0;
    }, byTestId('totp-qr'));
    const uri = await page.locator(byTestId('totp-uri')).inputValue();
    assert.match(uri, /^otpauth:\/\/totp\//);
    assert.ok(uri.includes(encodeURIComponent(username)) || uri.includes(username), 'the URI names the account');
    await page.locator(byTestId('totp-confirm-code')).fill(totpCode(uri));
    await page.locator(byTestId('totp-confirm-submit')).click();
    await page.locator(byTestId('totp-recovery-code')).first().waitFor();
    assert.ok(await page.locator(byTestId('totp-recovery-code')).count() >= 1);
    await row.locator(byTestId('account-state')).filter({ hasText: 'TOTP' }).waitFor();
    const fresh = await admin.get(`/api/v1/accounts/${account.id}`);
    assert.equal(fresh.totp_enabled, true);
    // Dismissed, the codes are gone for good.
    await page.locator(byTestId('totp-recovery-dismiss')).click();
    assert.equal(await page.locator(byTestId('totp-recovery-code')).count(), 0);

    // The locked-accounts tab loads.
    await page.locator(byTestId('tab-locked')).click();
    await page.locator(byTestId('locked-table')).waitFor();
    await page.locator('.table-status-empty, [data-testid="locked-row"]').first().waitFor();
    assert.equal(await page.locator('.table-status-error').count(), 0, 'the locked accounts load');

    // A console user enrols their own TOTP, then logs in with a recovery code.
    await page.locator(byTestId('logout')).click();
    await page.locator(byTestId('login-form')).waitFor();
    const password = await login(page, officer, created.password);
    await page.locator(byTestId('nav-me')).click();
    await page.locator(`${byTestId('me-totp-status')}[data-enabled="false"]`).waitFor();
    await page.locator(byTestId('me-totp-enrol')).click();
    const ownUri = await page.locator(byTestId('totp-uri')).inputValue();
    assert.match(ownUri, /^otpauth:\/\/totp\//);
    await page.locator(byTestId('totp-confirm-code')).fill(totpCode(ownUri));
    await page.locator(byTestId('totp-confirm-submit')).click();
    await page.locator(`${byTestId('me-totp-status')}[data-enabled="true"]`).waitFor();
    const recovery = (await page.locator(byTestId('totp-recovery-code')).first().textContent()).trim();
    assert.ok(recovery.length >= 6, 'a recovery code is shown');

    await page.locator(byTestId('logout')).click();
    await page.locator(byTestId('login-form')).waitFor();
    await page.locator(byTestId('login-username')).fill(officer);
    await page.locator(byTestId('login-password')).fill(password);
    await page.locator(byTestId('login-submit')).click();
    await page.locator(byTestId('login-error')).waitFor();
    await page.locator(byTestId('login-password')).fill(password);
    await page.locator(byTestId('login-totp')).fill(recovery);
    await page.locator(byTestId('login-submit')).click();
    await page.locator(byTestId('shell')).waitFor();
    assert.equal(await page.locator(byTestId('current-user')).textContent(), officer);

    assert.deepEqual(problems, [], 'no page errors or CSP violations');
  });
});

test('six failed logons lock the account: unlocked from the console, its alert acknowledged and resolved', { timeout: 120_000 }, async (t) => {
  const admin = await ApiClient.login(ADMIN_USER, ADMIN_PASSWORD);
  const probe = await admin.call('GET', '/api/v1/alerts');
  if (probe.status === 404) {
    t.skip('GET /api/v1/alerts is not served yet');
    return;
  }
  const people = await admin.get('/api/v1/people?q=E1003');
  const person = people.items.find((p) => p.employee_number === 'E1003');
  const stations = await admin.get('/api/v1/stations?limit=500');
  const station = stations.items.find((s) => s.workstation_id === 'WS-A02');
  assert.ok(person && station, 'demo employee E1003 and station WS-A02 exist');
  const username = `e2e.lock.${crypto.randomBytes(3).toString('hex')}`;
  const password = `Fg-${crypto.randomBytes(15).toString('base64url')}-3q`;
  await admin.post('/api/v1/accounts', { person_id: person.id, username, password }, [201]);
  const token = await admin.post('/api/v1/tokens', { name: `e2e-WS-A02-${crypto.randomBytes(3).toString('hex')}`, role: 'workstation', station_id: station.id }, [201]);
  const workstation = new ApiClient({ token: token.token });

  // The brute-force rule: 6 failures in 15 minutes lock the account.
  for (let i = 0; i < 6; i++) {
    const denied = await workstation.post('/api/v1/logon', { username, password: `wrong-${i}-${password}` }, [200]);
    assert.equal(denied.decision, 'deny');
  }

  await withBrowser('lockout-alert', async (context, problems) => {
    const page = await firstPage(context);
    await login(page, ADMIN_USER, admin.password);

    // Locked: the report lists it (the detector acts just after the failure commits).
    await page.goto('/#/accounts/locked');
    const locked = page.locator(`${byTestId('locked-row')}[data-username="${username}"]`);
    for (let attempt = 0; attempt < 20 && (await locked.count()) === 0; attempt++) {
      await Promise.all([
        page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/accounts/locked'),
        page.locator(byTestId('locked-refresh')).click(),
      ]);
    }
    await locked.waitFor({ timeout: 2_000 });
    const stillLocked = await workstation.post('/api/v1/logon', { username, password }, [200]);
    assert.equal(stillLocked.reason, 'account_locked');

    // Unlock from the console.
    await locked.locator(byTestId('locked-unlock')).click();
    await page.locator(byTestId('confirm-ok')).click();
    await locked.waitFor({ state: 'detached' });
    const allowed = await workstation.post('/api/v1/logon', { username, password }, [200]);
    assert.equal(allowed.decision, 'allow', `after the unlock the logon is allowed: ${JSON.stringify(allowed)}`);
    await workstation.post('/api/v1/logoff', { session_id: allowed.session_id }, [200]);

    // The alert: open -> acknowledged -> resolved with a note.
    await page.goto(`/#/alerts?status=open&account=${encodeURIComponent(username)}`);
    const row = page.locator(byTestId('alert-row')).first();
    await row.waitFor();
    await row.locator(byTestId('alert-open')).click();
    const detail = page.locator(byTestId('alert-detail'));
    await detail.locator(byTestId('alert-evidence')).waitFor();
    assert.equal((await detail.locator(byTestId('alert-account')).textContent()).trim(), username);
    JSON.parse(await detail.locator(byTestId('alert-evidence')).textContent());
    await detail.locator(byTestId('alert-ack')).click();
    await detail.locator(`${byTestId('alert-detail-status')}`).filter({ hasText: 'acknowledged' }).waitFor();
    // A resolution needs a note.
    await detail.locator(byTestId('alert-resolve-submit')).click();
    await detail.locator(byTestId('field-error-note')).waitFor();
    await detail.locator(byTestId('alert-resolve-note')).fill('e2e: test lockout, account unlocked');
    await detail.locator(byTestId('alert-resolve-submit')).click();
    await detail.locator(byTestId('alert-detail-status')).filter({ hasText: 'resolved' }).waitFor();
    assert.match(await detail.locator(byTestId('alert-note')).textContent(), /account unlocked/);

    // The CSV of resolved alerts has it.
    const csv = await admin.call('GET', `/api/v1/alerts?status=resolved&account=${encodeURIComponent(username)}&format=csv`, undefined, [200]);
    assert.ok(String(csv.body).includes(username), 'the resolved alert is in the CSV');

    assert.deepEqual(problems, [], 'no page errors or CSP violations');
  });
});

test('password spraying from a workstation bans it: the ban is listed and lifted from the console', { timeout: 120_000 }, async () => {
  const admin = await ApiClient.login(ADMIN_USER, ADMIN_PASSWORD);
  const stations = await admin.get('/api/v1/stations?limit=500');
  const station = stations.items.find((s) => s.workstation_id === 'WS-A03');
  assert.ok(station, 'demo station WS-A03 exists');
  const token = await admin.post('/api/v1/tokens', { name: `e2e-WS-A03-${crypto.randomBytes(3).toString('hex')}`, role: 'workstation', station_id: station.id }, [201]);
  const workstation = new ApiClient({ token: token.token });
  // A real agent of that station: the source check comes after the account check, so only a
  // known account shows the ban.
  const people = await admin.get('/api/v1/people?q=E1004');
  const person = people.items.find((p) => p.employee_number === 'E1004');
  assert.ok(person, 'demo employee E1004 exists');
  const username = `e2e.ban.${crypto.randomBytes(3).toString('hex')}`;
  const password = `Fg-${crypto.randomBytes(15).toString('base64url')}-5w`;
  await admin.post('/api/v1/accounts', { person_id: person.id, username, password }, [201]);

  // The spraying rule: one source failing against five different names within 10 minutes.
  for (let i = 0; i < 5; i++) {
    const denied = await workstation.post('/api/v1/logon', { username: `e2e.spray.${i}.${crypto.randomBytes(2).toString('hex')}`, password: 'Not-A-Real-Password-99' }, [200]);
    assert.equal(denied.decision, 'deny');
  }
  const banned = await workstation.post('/api/v1/logon', { username, password }, [200]);
  assert.equal(banned.reason, 'source_banned', `the station is banned: ${JSON.stringify(banned)}`);

  await withBrowser('bans', async (context, problems) => {
    const page = await firstPage(context);
    await login(page, ADMIN_USER, admin.password);
    await page.goto('/#/accounts/bans');
    const row = page.locator(`${byTestId('ban-row')}[data-source="station:WS-A03"]`);
    await row.waitFor();
    await row.locator(byTestId('ban-lift')).click();
    await page.locator(byTestId('confirm-ok')).click();
    await row.waitFor({ state: 'detached' });
    const after = await workstation.post('/api/v1/logon', { username, password }, [200]);
    assert.notEqual(after.reason, 'source_banned', `the lifted ban no longer refuses the station: ${JSON.stringify(after)}`);
    if (after.session_id) await workstation.post('/api/v1/logoff', { session_id: after.session_id }, [200]);
    assert.deepEqual(problems, [], 'no page errors or CSP violations');
  });
});
