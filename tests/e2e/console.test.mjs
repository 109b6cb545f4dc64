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
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const BASE_URL = process.env.FLOORGUARD_URL;
const ADMIN_USER = process.env.FLOORGUARD_ADMIN_USER || 'admin';
const ADMIN_PASSWORD = process.env.FLOORGUARD_ADMIN_PASSWORD;
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const ARTIFACTS = process.env.E2E_ARTIFACTS || fs.mkdtempSync(path.join(os.tmpdir(), 'floorguard-e2e-'));
const TIMEOUT = 15_000;

if (!BASE_URL || !ADMIN_PASSWORD) {
  throw new Error('set FLOORGUARD_URL and FLOORGUARD_ADMIN_PASSWORD (tests/e2e/run.sh does)');
}

const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

const byTestId = (id) => `[data-testid="${id}"]`;

// Runs fn(context, problems) in a fresh browser profile. On failure every open page is
// screenshotted into ARTIFACTS. `problems` collects uncaught page errors and CSP
// violations, which a test can assert away.
async function withBrowser(name, fn) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'floorguard-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1440, height: 900 },
    baseURL: BASE_URL,
  });
  context.setDefaultTimeout(TIMEOUT);
  const problems = [];
  const watch = (page) => {
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error' && /Content Security Policy|Refused to/i.test(msg.text())) {
        problems.push(`CSP: ${msg.text()}`);
      }
    });
  };
  context.pages().forEach(watch);
  context.on('page', watch);
  try {
    await fn(context, problems);
  } catch (err) {
    const slug = name.replace(/[^a-z0-9]+/gi, '-').toLowerCase();
    let i = 0;
    for (const page of context.pages()) {
      const file = path.join(ARTIFACTS, `${slug}-${i++}.png`);
      try {
        await page.screenshot({ path: file, fullPage: true });
        console.error(`screenshot: ${file} (${page.url()})`);
      } catch {
        // The page may be gone; the error below is what matters.
      }
    }
    throw err;
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

async function firstPage(context) {
  return context.pages()[0] || context.newPage();
}

// Logs in through the login page; handles a forced password change if the server asks.
async function login(page, username, password) {
  await page.goto('/');
  await page.locator(byTestId('login-form')).waitFor();
  await page.locator(byTestId('login-username')).fill(username);
  await page.locator(byTestId('login-password')).fill(password);
  await page.locator(byTestId('login-submit')).click();
  const shell = page.locator(byTestId('shell'));
  const change = page.locator(byTestId('password-form'));
  const error = page.locator(byTestId('login-error'));
  await shell.or(change).or(error).first().waitFor();
  if (await error.isVisible()) {
    throw new Error(`login as ${username} failed: ${await error.textContent()}`);
  }
  if (await change.isVisible()) {
    const fresh = `Fg-${crypto.randomBytes(18).toString('base64url')}-9a`;
    await page.locator(byTestId('password-form-current_password')).fill(password);
    await page.locator(byTestId('password-form-new_password')).fill(fresh);
    await page.locator(byTestId('password-form-confirm_password')).fill(fresh);
    await page.locator(byTestId('password-form-submit')).click();
    await shell.waitFor();
  }
}

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
