// Browser end-to-end tests of the floorguard console, driven through Debian's chromium
// with playwright-core (no browser download). run.sh starts a real server and sets:
//   FLOORGUARD_URL             http://127.0.0.1:<port>
//   FLOORGUARD_ADMIN_PASSWORD  the admin password the server was started with
//   FLOORGUARD_ADMIN_USER      (optional) admin user name, default "admin"
//   E2E_ARTIFACTS              (optional) where failure screenshots go, default a temp dir
//   CHROMIUM                   (optional) browser binary, default /usr/bin/chromium

import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import {
  BASE_URL, ADMIN_USER, ADMIN_PASSWORD, byTestId, withBrowser, firstPage, login,
} from './helpers.mjs';

function today() {
  const d = new Date();
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

test('admin creates an employee and sees person.create in the live feed', { timeout: 90_000 }, async () => {
  await withBrowser('create-person-live-feed', async (context, problems) => {
    // Tab 1: the dashboard, subscribed to the event stream before anything happens.
    const watcher = await firstPage(context);
    await login(watcher, ADMIN_USER, ADMIN_PASSWORD);
    assert.equal(await watcher.locator(byTestId('current-user')).textContent(), ADMIN_USER);
    assert.equal(await watcher.locator(byTestId('current-role')).getAttribute('data-role'), 'admin');
    await watcher.locator(byTestId('nav-users')).waitFor();
    await watcher.locator(byTestId('nav-audit')).waitFor();
    await watcher.locator(`${byTestId('content')}[data-page="dashboard"]`).waitFor();
    await watcher.locator(`${byTestId('stream-status')}[data-state="live"]`).waitFor();

    // Tab 2 (same session): people -> new employee.
    const page = await context.newPage();
    await page.goto('/#/dashboard');
    await page.locator(byTestId('nav-people')).click();
    await page.locator(`${byTestId('content')}[data-page="people"]`).waitFor();
    await page.locator(byTestId('people-table')).waitFor();
    await page.locator(byTestId('people-new')).click();
    const stamp = `${Date.now().toString(36)}${crypto.randomBytes(3).toString('hex')}`;
    const name = `E2E Tester ${stamp}`;
    const number = `E2E-${stamp}`.toUpperCase();
    await page.locator(byTestId('person-form-kind')).selectOption('employee');
    await page.locator(byTestId('person-form-employee_number')).fill(number);
    await page.locator(byTestId('person-form-name')).fill(name);
    await page.locator(byTestId('person-form-status')).selectOption('active');
    await page.locator(byTestId('person-form-hire_date')).fill(today());
    await page.locator(byTestId('person-form-company')).fill('floorguard e2e');
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/api/v1/people'),
      page.locator(byTestId('person-form-submit')).click(),
    ]);
    assert.equal(response.status(), 201, `POST /api/v1/people answered ${response.status()}: ${await response.text()}`);
    const created = await response.json();
    assert.ok(Number.isInteger(created.id), `created person has an integer id: ${JSON.stringify(created)}`);
    assert.equal(created.name, name);
    await page.locator(`${byTestId('people-row')}[data-id="${created.id}"]`).filter({ hasText: name }).waitFor();

    // The entry for that write: action person.create, subject person:<id> (or the name in
    // its details, should the subject be spelled differently).
    const entry = (p) => {
      const rows = `${byTestId('feed-row')}[data-action="person.create"]`;
      return p.locator(`${rows}[data-subject="person:${created.id}"]`)
        .or(p.locator(rows).filter({ hasText: name }))
        .first();
    };

    // It reached the open dashboard through the stream, without a reload.
    await entry(watcher).waitFor({ timeout: 10_000 });
    assert.equal(await entry(watcher).getAttribute('data-source'), 'live');

    // And the dashboard opened now shows it too.
    await page.locator(byTestId('nav-dashboard')).click();
    await page.locator(`${byTestId('content')}[data-page="dashboard"]`).waitFor();
    await entry(page).waitFor({ timeout: 10_000 });
    assert.match(await entry(page).textContent(), /person\.create/);

    assert.deepEqual(problems, [], 'no page errors or CSP violations');
  });
});

test('a wrong password shows an error and creates no session', { timeout: 60_000 }, async () => {
  await withBrowser('wrong-password', async (context, problems) => {
    const page = await firstPage(context);
    await page.goto('/');
    await page.locator(byTestId('login-form')).waitFor();
    await page.locator(byTestId('login-username')).fill(ADMIN_USER);
    await page.locator(byTestId('login-password')).fill(`wrong-${crypto.randomBytes(8).toString('hex')}`);
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/api/v1/session'),
      page.locator(byTestId('login-submit')).click(),
    ]);
    assert.equal(response.status(), 401);
    const error = page.locator(byTestId('login-error'));
    await error.waitFor();
    assert.match(await error.textContent(), /wrong username or password/i);
    assert.equal(await page.locator(byTestId('shell')).count(), 0, 'the console shell is not shown');
    assert.equal(await page.locator(byTestId('login-password')).inputValue(), '', 'the password field is cleared');

    const cookies = await context.cookies(BASE_URL);
    assert.equal(cookies.find((c) => c.name === 'fg_session'), undefined, 'no session cookie');
    const session = await page.request.get('/api/v1/session');
    assert.equal(session.status(), 401, 'GET /api/v1/session is still unauthenticated');

    assert.deepEqual(problems, [], 'no page errors or CSP violations');
  });
});
