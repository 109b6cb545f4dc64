// Browser end-to-end test of the access pages (run.sh starts a real server with --demo and
// sets the environment; see console.test.mjs): the visitor desk, the live site map, the
// muster report and the violations list.
//
// The browser does what the front desk does (check in, check out, record a violation); the
// door is a door-controller device token used from node, the way a controller would.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import {
  ADMIN_USER, ADMIN_PASSWORD, byTestId, withBrowser, firstPage, login, ApiClient,
} from './helpers.mjs';

// Demo data (src/directory/demo.cc, src/access/demo.cc): E1001 is an active employee; the
// main entrance leads from Street to "Lobby / front desk" (a public zone: a visitor's pass
// opens it without an escort grant); its entry reader is "main-in". Demo badges are
// "w26:100:<1000 + person id>", so 9001 is free for a visitor's pass.
const HOST_NUMBER = 'E1001';
const LOBBY = 'Lobby / front desk';
const FLOOR = 'Production floor';
const MAIN_IN = 'main-in';
const PASS = 'w26:100:9001';
// Shorter than the site map's 15 s poll: a change seen within it came by the event stream.
const LIVE_TIMEOUT = 12_000;
// A 1x1 PNG for the visitor's photo.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

const pad = (n) => String(n).padStart(2, '0');
// A datetime-local value (the browser runs in this process's time zone).
function localInput(date) {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

async function employee(admin, number) {
  const people = await admin.get(`/api/v1/people?q=${number}`);
  const person = people.items.find((p) => p.employee_number === number);
  assert.ok(person, `demo employee ${number} exists (server started with --demo)`);
  return person;
}

async function zoneByName(admin, name) {
  const zones = await admin.get('/api/v1/zones?limit=500');
  const zone = zones.items.find((z) => z.name === name);
  assert.ok(zone, `demo zone "${name}" exists`);
  return zone;
}

function zoneTile(page, name, count) {
  const withCount = count === undefined ? '' : `[data-count="${count}"]`;
  return page.locator(`${byTestId('site-zone')}[data-zone-name="${name}"]${withCount}`);
}

async function lobbyCount(page) {
  return Number((await zoneTile(page, LOBBY).locator(byTestId('site-zone-count')).textContent()).trim());
}

test('a visitor checked in at the desk badges into the lobby: the site map, the muster report and the check-out follow', { timeout: 120_000 }, async () => {
  const admin = await ApiClient.login(ADMIN_USER, ADMIN_PASSWORD);
  const host = await employee(admin, HOST_NUMBER);
  const lobby = await zoneByName(admin, LOBBY);
  const created = await admin.post('/api/v1/tokens', { name: `dc-e2e-${crypto.randomBytes(3).toString('hex')}`, role: 'door-controller' }, [201]);
  const door = new ApiClient({ token: created.token });
  const visitor = `E2E Visitor ${crypto.randomBytes(3).toString('hex')}`;

  await withBrowser('visitor-desk', async (context, problems) => {
    const page = await firstPage(context);
    await login(page, ADMIN_USER, admin.password);

    // Check in at the desk.
    await page.locator(byTestId('nav-visitors')).click();
    await page.locator(`${byTestId('content')}[data-page="visitors"]`).waitFor();
    await page.locator(`${byTestId('visit-form-host_id')}[data-loaded="true"]`).waitFor();
    await page.locator(byTestId('visit-form-name')).fill(visitor);
    await page.locator(byTestId('visit-form-company')).fill('Acme Audit LLC');
    await page.locator(byTestId('visit-form-host_id')).selectOption(String(host.id));
    await page.locator(byTestId('visit-form-purpose')).fill('Quarterly PCI audit');
    await page.locator(byTestId('visit-form-credential')).fill(PASS);
    await page.locator(byTestId('visit-form-expected_end')).fill(localInput(new Date(Date.now() + 90 * 60_000)));
    await page.locator(byTestId('visit-photo')).setInputFiles({ name: 'visitor.png', mimeType: 'image/png', buffer: PNG });
    await page.locator(byTestId('visit-photo-preview')).waitFor();
    await page.locator(`${byTestId('visit-escort-zone')}[data-zone-name="${FLOOR}"]`).check();
    await page.locator(byTestId('visit-form-submit')).click();

    const row = page.locator(`${byTestId('visitor-row')}[data-name="${visitor}"]`);
    await row.waitFor();
    assert.match(await row.textContent(), new RegExp(host.name));
    assert.match(await row.textContent(), /Quarterly PCI audit/);
    assert.match(await row.textContent(), new RegExp(FLOOR), 'the escort zone is listed');
    await row.locator(byTestId('visit-photo-thumb')).waitFor();
    await page.waitForFunction((sel) => {
      const img = document.querySelector(sel);
      return img && img.complete && img.naturalWidth === 1;
    }, `${byTestId('visitor-row')}[data-name="${visitor}"] ${byTestId('visit-photo-thumb')}`);
    const visits = await admin.get('/api/v1/access/visits?on_site=true');
    const visit = visits.items.find((v) => v.name === visitor);
    assert.ok(visit, 'the API lists the visitor on site');
    assert.equal(visit.host_id, host.id);
    assert.equal(visit.has_photo, true);
    assert.ok(new Date(visit.expected_end).getTime() > Date.now() + 80 * 60_000, 'the expected end is the one typed in');

    // The site map, before the pass is presented.
    await page.locator(byTestId('nav-site')).click();
    await page.locator(`${byTestId('site-map')}[data-loaded="true"]`).waitFor();
    await page.locator(`${byTestId('stream-status')}[data-state="live"]`).waitFor();
    await zoneTile(page, LOBBY).waitFor();
    assert.equal(await zoneTile(page, LOBBY).getAttribute('data-zone-id'), String(lobby.id));
    const before = await lobbyCount(page);
    await page.evaluate(() => {
      window.e2eMarker = 'no reload';
    });

    // The pass at the main entrance.
    const decision = await door.post('/api/v1/access/decide', { reader_id: MAIN_IN, credential: PASS }, [200]);
    assert.equal(decision.decision, 'grant', `the pass opens the main entrance: ${JSON.stringify(decision)}`);
    assert.equal(decision.person_id, visit.person_id);
    assert.equal(decision.to_zone_id, lobby.id);

    await zoneTile(page, LOBBY, before + 1).waitFor({ timeout: LIVE_TIMEOUT });
    assert.equal(await lobbyCount(page), before + 1, 'the lobby holds one more person');
    assert.equal(await page.evaluate(() => window.e2eMarker), 'no reload');
    // The decision is in the latest badge decisions.
    await page.locator(`${byTestId('passage-row')}[data-reader="${MAIN_IN}"][data-decision="grant"]`).first().waitFor();
    assert.ok(await page.locator(byTestId('door-row')).count() >= 1, 'the doors are listed');
    await page.locator(`${byTestId('door-row')}[data-door-name="Main entrance"]`).waitFor();

    // The muster report has the visitor in the lobby, with the host.
    await page.locator(byTestId('nav-muster')).click();
    await page.locator(`${byTestId('muster')}[data-loaded="true"]`).waitFor();
    const lobbySection = page.locator(`${byTestId('muster-zone')}[data-zone-name="${LOBBY}"]`);
    const person = lobbySection.locator(`${byTestId('muster-person')}[data-name="${visitor}"]`);
    await person.waitFor();
    assert.equal(await person.getAttribute('data-kind'), 'visitor');
    assert.match(await person.textContent(), new RegExp(host.name));
    assert.equal(await lobbySection.getAttribute('data-count'), String(before + 1));
    const csvHref = await page.locator(byTestId('muster-csv')).getAttribute('href');
    const csv = await page.request.get(csvHref);
    assert.equal(csv.status(), 200);
    assert.ok((await csv.text()).split('\n').some((line) => line.includes(visitor) && line.includes(LOBBY)),
      'the muster CSV lists the visitor in the lobby');

    // Check-out at the desk: the visitor leaves the on-site list and the pass stops working.
    await page.locator(byTestId('nav-visitors')).click();
    const onSite = page.locator(`${byTestId('visitor-row')}[data-name="${visitor}"]`);
    await onSite.waitFor();
    await onSite.locator(byTestId('visitor-checkout')).click();
    await page.locator(byTestId('confirm-ok')).click();
    await onSite.waitFor({ state: 'detached' });
    await page.locator(`${byTestId('history-row')}[data-name="${visitor}"][data-on-site="false"]`).waitFor();
    const after = await door.post('/api/v1/access/decide', { reader_id: MAIN_IN, credential: PASS }, [200]);
    assert.equal(after.decision, 'deny');
    assert.equal(after.reason, 'badge_revoked');

    // And the lobby count is back where it was.
    await page.locator(byTestId('nav-site')).click();
    await zoneTile(page, LOBBY, before).waitFor();

    assert.deepEqual(problems, [], 'no page errors or CSP violations');
  });
});

test('a recorded violation is listed with the alert it opened', { timeout: 120_000 }, async () => {
  const admin = await ApiClient.login(ADMIN_USER, ADMIN_PASSWORD);
  const person = await employee(admin, 'E1002');
  const floor = await zoneByName(admin, FLOOR);
  const note = `e2e: phone photographing a screen ${crypto.randomBytes(3).toString('hex')}`;

  await withBrowser('violations', async (context, problems) => {
    const page = await firstPage(context);
    await login(page, ADMIN_USER, admin.password);
    await page.locator(byTestId('nav-violations')).click();
    await page.locator(`${byTestId('violation-form-person_id')}[data-loaded="true"]`).waitFor();

    // Person and zone are required.
    await page.locator(byTestId('violation-form-submit')).click();
    await page.locator(byTestId('field-error-person_id')).waitFor();

    await page.locator(byTestId('violation-form-person_id')).selectOption(String(person.id));
    await page.locator(byTestId('violation-form-zone_id')).selectOption(String(floor.id));
    await page.locator(byTestId('violation-form-kind')).selectOption('camera');
    await page.locator(byTestId('violation-form-camera_ref')).fill('CAM-07 14:02:10');
    await page.locator(byTestId('violation-form-note')).fill(note);
    await page.locator(byTestId('violation-form-submit')).click();

    const row = page.locator(byTestId('violation-row')).filter({ hasText: note });
    await row.waitFor();
    assert.equal(await row.getAttribute('data-person-id'), String(person.id));
    assert.equal(await row.getAttribute('data-zone-id'), String(floor.id));
    assert.equal(await row.getAttribute('data-kind'), 'camera');
    assert.equal((await row.locator(byTestId('violation-person')).textContent()).trim(), person.name);
    assert.match(await row.textContent(), /CAM-07/);
    const link = row.locator(byTestId('violation-alert'));
    await link.waitFor();
    const alertId = Number(await link.getAttribute('data-alert-id'));
    assert.ok(alertId > 0, 'the violation links its alert');
    await row.locator(byTestId('alert-status')).filter({ hasText: 'open' }).waitFor();

    // The alert is the one the server opened for this violation.
    const alert = await admin.get(`/api/v1/alerts/${alertId}`);
    assert.equal(alert.rule, 'access.device_violation');
    assert.equal(alert.status, 'open');
    assert.ok(alert.summary.includes(person.name), `the alert names the person: ${alert.summary}`);
    const listed = await admin.get(`/api/v1/access/violations?person_id=${person.id}`);
    assert.ok(listed.items.some((v) => v.note === note && v.alert_id === alertId));

    // Its link opens the alerts list, where it is.
    await link.click();
    await page.locator(`${byTestId('content')}[data-page="alerts"]`).waitFor();
    await page.locator(`${byTestId('alert-row')}[data-rule="access.device_violation"]`).first().waitFor();

    assert.deepEqual(problems, [], 'no page errors or CSP violations');
  });
});
