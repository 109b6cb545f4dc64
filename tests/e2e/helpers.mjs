// Shared helpers of the browser end-to-end tests (see console.test.mjs for the environment
// run.sh sets): a fresh chromium profile per test with failure screenshots, logging in
// through the login page, and a small API client for setting things up from node.

import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

export const BASE_URL = process.env.FLOORGUARD_URL;
export const ADMIN_USER = process.env.FLOORGUARD_ADMIN_USER || 'admin';
export const ADMIN_PASSWORD = process.env.FLOORGUARD_ADMIN_PASSWORD;
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const ARTIFACTS = process.env.E2E_ARTIFACTS || fs.mkdtempSync(path.join(os.tmpdir(), 'floorguard-e2e-'));
export const TIMEOUT = 15_000;

if (!BASE_URL || !ADMIN_PASSWORD) {
  throw new Error('set FLOORGUARD_URL and FLOORGUARD_ADMIN_PASSWORD (tests/e2e/run.sh does)');
}

const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export const byTestId = (id) => `[data-testid="${id}"]`;

// Runs fn(context, problems) in a fresh browser profile. On failure every open page is
// screenshotted into ARTIFACTS. `problems` collects uncaught page errors and CSP
// violations, which a test can assert away.
export async function withBrowser(name, fn) {
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

export async function firstPage(context) {
  return context.pages()[0] || context.newPage();
}

// Logs in through the login page; handles a forced password change if the server asks.
// Returns the password in effect afterwards.
export async function login(page, username, password) {
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
    return fresh;
  }
  return password;
}

// A JSON API client for setting up a test from node, like a script would: a console user
// logged in with cookies (the csrf cookie echoed on unsafe methods), or a device token.
export class ApiClient {
  constructor({ token = '', cookies = '', csrf = '' } = {}) {
    this.token = token;
    this.cookies = cookies;
    this.csrf = csrf;
  }

  // Logs in; a forced password change is done on the spot (the new password is in
  // `.password`).
  static async login(username, password) {
    const response = await fetch(`${BASE_URL}/api/v1/session`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    const body = await response.json().catch(() => null);
    if (response.status !== 200) {
      throw new Error(`login as ${username}: ${response.status} ${JSON.stringify(body)}`);
    }
    const jar = response.headers.getSetCookie().map((c) => c.split(';')[0]);
    const client = new ApiClient({ cookies: jar.join('; '), csrf: body.csrf });
    client.password = password;
    if (body.user && body.user.must_change_password) {
      const fresh = `Fg-${crypto.randomBytes(18).toString('base64url')}-9a`;
      await client.call('POST', '/api/v1/session/password', { current_password: password, new_password: fresh }, [204]);
      client.password = fresh;
      return ApiClient.login(username, fresh);
    }
    return client;
  }

  // Returns {status, body}; throws unless the status is one of `expect` (when given).
  async call(method, path, body, expect) {
    const headers = { Accept: 'application/json' };
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    if (this.cookies) headers.Cookie = this.cookies;
    if (this.csrf && method !== 'GET') headers['X-CSRF-Token'] = this.csrf;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await fetch(`${BASE_URL}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // CSV or text: keep it as is.
    }
    if (expect && !expect.includes(response.status)) {
      throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 500)}`);
    }
    return { status: response.status, body: parsed };
  }

  get(path) {
    return this.call('GET', path, undefined, [200]).then((r) => r.body);
  }

  post(path, body = {}, expect = [200, 201]) {
    return this.call('POST', path, body, expect).then((r) => r.body);
  }
}

// The RFC 6238 code of an otpauth:// URI (SHA-1, its digits and period) at `time` (ms).
export function totpCode(otpauthUri, time = Date.now()) {
  const params = new URL(otpauthUri).searchParams;
  const secret = String(params.get('secret') || '').replace(/=+$/, '').toUpperCase();
  const digits = Number(params.get('digits') || 6);
  const period = Number(params.get('period') || 30);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const ch of secret) {
    const v = alphabet.indexOf(ch);
    if (v < 0) throw new Error(`not base32: ${ch}`);
    bits += v.toString(2).padStart(5, '0');
  }
  const key = Buffer.alloc(Math.floor(bits.length / 8));
  for (let i = 0; i < key.length; i++) key[i] = parseInt(bits.slice(i * 8, i * 8 + 8), 2);
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(time / 1000 / period)));
  const mac = crypto.createHmac('sha1', key).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const value = (mac.readUInt32BE(offset) & 0x7fffffff) % 10 ** digits;
  return String(value).padStart(digits, '0');
}
