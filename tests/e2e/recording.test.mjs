// Browser end-to-end test of the call recordings page (#/calls; run.sh starts a real server
// with --demo and sets the environment, see console.test.mjs, plus FLOORGUARD_BIN and
// FLOORGUARD_DATA: the binary and the server's data directory).
//
// The calls are recorded by the real binary, the way a site records them offline:
// `floorguard capture --data <the server's data dir> --read <pcap>` while the server runs
// (SQLite WAL: the capture writes through its own connection). The pcaps are
//   - bench/recording/gen_pcap.py --calls 2: two plain G.711 calls (dated 2023), and
//   - one written here, dated now: a call whose caller presses a key (RFC 4733 events, so
//     the recording has a masked span) and a call whose agent side never sends audio
//     (one-way: the completeness report flags it).
// A security officer finds the call, gives a reason and listens (the <audio> element loads
// the decrypted WAV), sees the masked span on the timeline, and the listen is in the audit
// trail with that reason. An auditor without a grant is refused with the server's reason;
// an administrator is not offered the player at all.
//
// Live (root and sipp only, else skipped with the reason): tests/sipp/run_calls.sh places
// real SIPp calls with RTP and RFC 4733 digits between 127.0.0.1 and 127.0.0.2:5060 while
// `floorguard capture --interface lo --data <the server's data dir>` records them (as
// tests/sipp/live_test.sh does); the capture is stopped with SIGINT and must exit 0. A
// security officer then finds one of those calls in the console by its numbers, sees its
// masked span and plays it: the <audio> element's duration matches the recording's.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  ADMIN_USER, ADMIN_PASSWORD, byTestId, withBrowser, firstPage, login, ApiClient,
} from './helpers.mjs';

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(here, '..', '..');
const BIN = process.env.FLOORGUARD_BIN || '';
const DATA = process.env.FLOORGUARD_DATA || (process.env.E2E_ARTIFACTS ? path.join(process.env.E2E_ARTIFACTS, 'data') : '');
const GEN_PCAP = path.join(REPO, 'bench', 'recording', 'gen_pcap.py');
const RUN_CALLS = path.join(REPO, 'tests', 'sipp', 'run_calls.sh');

// ---------------------------------------------------------------------------------------
// A small pcap writer: Ethernet / IPv4 / UDP, SIP and RTP (G.711 µ-law, RFC 4733 events).

const PKT_US = 20_000;
const SAMPLES = 160;
// Caller numbers unique to this run, so filters find only this run's calls.
const RUN = String(crypto.randomInt(100000, 999999));

function ulaw(sample) {
  const bias = 0x84;
  const sign = sample < 0 ? 0x80 : 0;
  let s = Math.min(Math.abs(sample), 32635) + bias;
  let exponent = 7;
  for (let mask = 0x4000; exponent > 0 && !(s & mask); mask >>= 1) exponent -= 1;
  const mantissa = (s >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

function tone(hz) {
  const out = Buffer.alloc(SAMPLES);
  for (let n = 0; n < SAMPLES; n++) out[n] = ulaw(Math.round(12000 * Math.sin((2 * Math.PI * hz * n) / 8000)));
  return out;
}

const ip4 = (s) => Buffer.from(s.split('.').map(Number));

function udpFrame(src, sport, dst, dport, payload) {
  const udpLen = 8 + payload.length;
  const ip = Buffer.alloc(20);
  ip.writeUInt8(0x45, 0);
  ip.writeUInt16BE(20 + udpLen, 2);
  ip.writeUInt16BE(0x4000, 6);
  ip.writeUInt8(64, 8);
  ip.writeUInt8(17, 9);
  ip4(src).copy(ip, 12);
  ip4(dst).copy(ip, 16);
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += ip.readUInt16BE(i);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  ip.writeUInt16BE(~sum & 0xffff, 10);
  const udp = Buffer.alloc(8);
  udp.writeUInt16BE(sport, 0);
  udp.writeUInt16BE(dport, 2);
  udp.writeUInt16BE(udpLen, 4);
  const eth = Buffer.from('00005e00010200005e0001010800', 'hex');
  return Buffer.concat([eth, ip, udp, payload]);
}

function rtp({ pt, marker = false, seq, ts, ssrc }, payload) {
  const head = Buffer.alloc(12);
  head.writeUInt8(0x80, 0);
  head.writeUInt8((marker ? 0x80 : 0) | pt, 1);
  head.writeUInt16BE(seq & 0xffff, 2);
  head.writeUInt32BE(ts >>> 0, 4);
  head.writeUInt32BE(ssrc >>> 0, 8);
  return Buffer.concat([head, payload]);
}

// One call's packets: [{us, frame}]. `dtmf` = {atMs, lengthMs, digit} sends RFC 4733 events
// instead of audio for that stretch (the caller presses a key); `oneWay` leaves the agent
// side silent (no RTP at all).
function callPackets(i, startUs, seconds, { dtmf, oneWay = false } = {}) {
  const trunk = '127.1.0.1';
  const pbx = '127.2.0.1';
  const callerIp = `127.1.9.${i + 1}`;
  const calleeIp = `127.2.9.${i + 1}`;
  const callerPort = 11000 + 2 * i;
  const calleePort = 21000 + 2 * i;
  const callId = `${crypto.randomBytes(8).toString('hex')}-e2e${i}@${trunk}`;
  const fromUser = `+1555${RUN}${i}`;
  const toUser = `${2000 + i}`;
  const tagA = `ea${i}`;
  const tagB = `eb${i}`;
  const branch = `z9hG4bK-e2e-${crypto.randomBytes(4).toString('hex')}`;
  const from = `From: "E2E Customer ${i}" <sip:${fromUser}@${trunk}>;tag=${tagA}`;
  const to = `To: <sip:${toUser}@${pbx}>`;
  const toTagged = `${to};tag=${tagB}`;
  const cid = `Call-ID: ${callId}`;
  const sdp = (ip, port) => ['v=0', `o=- ${i} 1 IN IP4 ${ip}`, 's=-', `c=IN IP4 ${ip}`, 't=0 0',
    `m=audio ${port} RTP/AVP 0 101`, 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:101 telephone-event/8000',
    'a=fmtp:101 0-16', 'a=ptime:20', 'a=sendrecv', ''].join('\r\n');
  const msg = (first, headers, body = '') => Buffer.from([first, ...headers,
    ...(body ? ['Content-Type: application/sdp'] : []), `Content-Length: ${Buffer.byteLength(body)}`, '', ''].join('\r\n') + body);
  const via = (suffix = '') => `Via: SIP/2.0/UDP ${trunk}:5060;branch=${branch}${suffix}`;
  const ruri = `sip:${toUser}@${pbx}:5060`;
  const contactA = `Contact: <sip:${fromUser}@${trunk}:5060>`;
  const contactB = `Contact: <sip:${toUser}@${pbx}:5060>`;
  const answerUs = startUs + 200_000;
  const mediaUs = answerUs + 10_000;
  const packets = Math.round((seconds * 1e6) / PKT_US);
  const byeUs = mediaUs + packets * PKT_US + 50_000;
  const out = [];
  const fwd = (us, text) => out.push({ us, frame: udpFrame(trunk, 5060, pbx, 5060, text) });
  const back = (us, text) => out.push({ us, frame: udpFrame(pbx, 5060, trunk, 5060, text) });
  fwd(startUs, msg(`INVITE ${ruri} SIP/2.0`, [via(), 'Max-Forwards: 70', from, to, cid, 'CSeq: 1 INVITE', contactA], sdp(callerIp, callerPort)));
  back(startUs + 1000, msg('SIP/2.0 100 Trying', [via(), from, to, cid, 'CSeq: 1 INVITE']));
  back(startUs + 2000, msg('SIP/2.0 180 Ringing', [via(), from, toTagged, cid, 'CSeq: 1 INVITE', contactB]));
  back(answerUs, msg('SIP/2.0 200 OK', [via(), from, toTagged, cid, 'CSeq: 1 INVITE', contactB], sdp(calleeIp, calleePort)));
  fwd(answerUs + 1000, msg(`ACK ${ruri} SIP/2.0`, [via('-ack'), 'Max-Forwards: 70', from, toTagged, cid, 'CSeq: 1 ACK']));

  const streams = [{ src: callerIp, sport: callerPort, dst: calleeIp, dport: calleePort, payload: tone(1000), offset: 0, dtmf }];
  if (!oneWay) streams.push({ src: calleeIp, sport: calleePort, dst: callerIp, dport: callerPort, payload: tone(600), offset: 7000 });
  for (const s of streams) {
    const ssrc = crypto.randomBytes(4).readUInt32BE(0);
    const seq0 = crypto.randomBytes(2).readUInt16BE(0) & 0x7fff;
    const ts0 = crypto.randomBytes(4).readUInt32BE(0) & 0x7fffffff;
    const eventFrom = s.dtmf ? Math.round(s.dtmf.atMs / 20) : -1;
    const eventTo = s.dtmf ? eventFrom + Math.round(s.dtmf.lengthMs / 20) : -1;
    for (let k = 0; k < packets; k++) {
      const us = mediaUs + s.offset + k * PKT_US;
      const header = { pt: 0, seq: seq0 + k, ts: ts0 + k * SAMPLES, ssrc };
      if (k >= eventFrom && k < eventTo) {
        // RFC 4733: one event, its timestamp fixed at the start, the duration growing; the
        // last packet has the E bit and is sent three times (same sequence number).
        const last = k === eventTo - 1;
        const ev = Buffer.alloc(4);
        ev.writeUInt8(s.dtmf.digit, 0);
        ev.writeUInt8((last ? 0x80 : 0) | 10, 1);
        ev.writeUInt16BE((k - eventFrom + 1) * SAMPLES, 2);
        const packet = rtp({ ...header, pt: 101, marker: k === eventFrom, ts: ts0 + eventFrom * SAMPLES }, ev);
        for (let r = 0; r < (last ? 3 : 1); r++) out.push({ us: us + r * 100, frame: udpFrame(s.src, s.sport, s.dst, s.dport, packet) });
        continue;
      }
      out.push({ us, frame: udpFrame(s.src, s.sport, s.dst, s.dport, rtp(header, s.payload)) });
    }
  }
  fwd(byeUs, msg(`BYE ${ruri} SIP/2.0`, [via('-bye'), 'Max-Forwards: 70', from, toTagged, cid, 'CSeq: 2 BYE']));
  back(byeUs + 1000, msg('SIP/2.0 200 OK', [via('-bye'), from, toTagged, cid, 'CSeq: 2 BYE']));
  return { callId, fromUser, toUser, packets: out };
}

function writePcap(file, packets) {
  packets.sort((a, b) => a.us - b.us);
  const parts = [];
  const global = Buffer.alloc(24);
  global.writeUInt32LE(0xa1b2c3d4, 0);
  global.writeUInt16LE(2, 4);
  global.writeUInt16LE(4, 6);
  global.writeUInt32LE(65535, 16);
  global.writeUInt32LE(1, 20); // Ethernet
  parts.push(global);
  for (const p of packets) {
    const rec = Buffer.alloc(16);
    rec.writeUInt32LE(Math.floor(p.us / 1e6), 0);
    rec.writeUInt32LE(p.us % 1e6, 4);
    rec.writeUInt32LE(p.frame.length, 8);
    rec.writeUInt32LE(p.frame.length, 12);
    parts.push(rec, p.frame);
  }
  fs.writeFileSync(file, Buffer.concat(parts));
}

async function capture(pcap) {
  const { stdout, stderr } = await run(BIN, ['capture', '--data', DATA, '--read', pcap], { timeout: 60_000 });
  return `${stdout}${stderr}`;
}

async function findCall(client, sipCallId) {
  const list = await client.get('/api/v1/calls?limit=500');
  return list.items.find((c) => c.call_id === sipCallId);
}

const utcDay = (ms) => new Date(ms).toISOString().slice(0, 10);

// ---------------------------------------------------------------------------------------

test('a security officer lists the captured calls, listens to one with a reason (audited), and sees its masked keypad span', { timeout: 180_000 }, async (t) => {
  if (!BIN || !DATA || !fs.existsSync(BIN)) {
    t.skip('FLOORGUARD_BIN and FLOORGUARD_DATA are not set (tests/e2e/run.sh sets them)');
    return;
  }
  const help = await run(BIN, ['capture', '--help']).catch((err) => ({ stdout: '', stderr: String(err) }));
  if (!/--read/.test(`${help.stdout}${help.stderr}`)) {
    t.skip('this floorguard has no capture command yet');
    return;
  }
  const admin = await ApiClient.login(ADMIN_USER, ADMIN_PASSWORD);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'floorguard-e2e-pcap-'));
  try {
    // Two plain calls from the benchmark's generator, when it is there.
    let generated = 0;
    if (fs.existsSync(GEN_PCAP)) {
      const bench = path.join(work, 'bench.pcap');
      const { stdout } = await run('python3', [GEN_PCAP, '--calls', '2', '--seconds', '3', '--out', bench, '--json']);
      generated = JSON.parse(stdout).calls;
      await capture(bench);
    }
    // Ours, dated now: a call with a key pressed 1.5 s in, and a one-way call.
    const startUs = (Date.now() - 60_000) * 1000;
    const keyed = callPackets(0, startUs, 4, { dtmf: { atMs: 1500, lengthMs: 400, digit: 5 } });
    const oneWay = callPackets(1, startUs + 300_000, 3, { oneWay: true });
    const pcap = path.join(work, 'keyed.pcap');
    writePcap(pcap, [...keyed.packets, ...oneWay.packets]);
    await capture(pcap);

    const call = await findCall(admin, keyed.callId);
    assert.ok(call, 'the captured call is listed by the API');
    assert.ok(call.recording, `the call has a recording: ${JSON.stringify(call)}`);
    assert.equal(call.recording.status, 'complete');
    assert.ok(call.recording.masked_spans.length >= 1, `the key press is a masked span: ${JSON.stringify(call.recording)}`);
    const span = call.recording.masked_spans[0];
    assert.equal(span.source, 'dtmf');
    const flat = await findCall(admin, oneWay.callId);
    assert.ok(flat, 'the one-way call is listed');
    const list = await admin.get('/api/v1/calls?limit=500');
    assert.ok(list.items.length >= 2 + generated, 'every captured call is listed');

    // A security officer and an auditor (no grant).
    const suffix = crypto.randomBytes(3).toString('hex');
    const officerName = `e2e-rec-sec-${suffix}`;
    const officer = await admin.post('/api/v1/users', { username: officerName, role: 'security' }, [201]);
    const auditorName = `e2e-rec-aud-${suffix}`;
    const auditor = await admin.post('/api/v1/users', { username: auditorName, role: 'auditor' }, [201]);
    const reason = `E2E complaint review ${suffix}`;

    await withBrowser('recording-listen', async (context, problems) => {
      const page = await firstPage(context);
      const officerPassword = await login(page, officerName, officer.password);
      await page.locator(byTestId('nav-calls')).click();
      await page.locator(`${byTestId('content')}[data-page="calls"]`).waitFor();
      await page.locator(`${byTestId('calls-table')}`).waitFor();

      // The list: the keyed call, recorded, one masked span; the one-way call too.
      const row = page.locator(`${byTestId('call-row')}[data-call-id="${keyed.callId}"]`);
      await row.waitFor();
      assert.equal(await row.getAttribute('data-recording'), 'recorded');
      assert.equal(await row.locator(byTestId('call-recording-state')).textContent(), 'recorded');
      assert.equal(await row.locator(byTestId('call-masked-count')).textContent(), String(call.recording.masked_spans.length));
      assert.match(await row.textContent(), new RegExp(keyed.fromUser.replace('+', '\\+')));
      await page.locator(`${byTestId('call-row')}[data-call-id="${oneWay.callId}"]`).waitFor();

      // The number filter narrows the list to that call.
      await page.locator(byTestId('calls-filter-number')).fill(keyed.fromUser);
      await page.locator(byTestId('calls-filters-apply')).click();
      await page.locator(`${byTestId('call-row')}[data-call-id="${oneWay.callId}"]`).waitFor({ state: 'detached' });
      await row.waitFor();
      assert.equal(await page.locator(byTestId('call-row')).count(), 1, 'only the call with that number');

      // The detail: metadata, hash, timeline with the masked span (no digits anywhere).
      await row.click();
      await page.locator(`${byTestId('call-detail')}[data-loaded="true"]`).waitFor();
      assert.equal(await page.locator(byTestId('call-sip-id')).textContent(), keyed.callId);
      assert.equal(await page.locator(byTestId('call-sha256')).textContent(), call.recording.sha256);
      assert.equal(await page.locator(byTestId('call-key-id')).textContent(), call.recording.master_key_id);
      assert.equal(await page.locator(byTestId('call-rec-packets')).textContent(), String(call.recording.packets));
      const spans = page.locator(byTestId('masked-span'));
      assert.equal(await spans.count(), call.recording.masked_spans.length);
      assert.equal(await spans.first().getAttribute('title'), 'keypad digits masked');
      assert.equal(await spans.first().getAttribute('data-source'), 'dtmf');
      const geometry = await page.evaluate(() => {
        const bar = document.querySelector('[data-testid="call-timeline"]').getBoundingClientRect();
        const seg = document.querySelector('[data-testid="masked-span"]').getBoundingClientRect();
        return { barLeft: bar.left, barWidth: bar.width, segLeft: seg.left, segWidth: seg.width };
      });
      assert.ok(geometry.segWidth > 0 && geometry.segWidth < geometry.barWidth, 'the span is a segment of the bar');
      const expectedLeft = (span.start_ms / (call.recording.duration_s * 1000)) * geometry.barWidth;
      assert.ok(Math.abs(geometry.segLeft - geometry.barLeft - expectedLeft) < geometry.barWidth * 0.05,
        `the span sits where it happened (${JSON.stringify(geometry)}, span ${JSON.stringify(span)})`);
      assert.doesNotMatch(await page.locator(byTestId('call-timeline-panel')).textContent(), /digit 5|\b5\b.*pressed/);

      // Listen: no reason, no request; then with a reason the audio loads.
      const audio = page.locator(byTestId('call-audio'));
      await page.locator(byTestId('call-listen')).click();
      await page.locator(byTestId('call-audio-error')).waitFor();
      assert.match(await page.locator(byTestId('call-audio-error')).textContent(), /reason is required/);
      assert.equal(await audio.getAttribute('src'), null, 'no request without a reason');
      await page.locator(byTestId('call-listen-reason')).fill(reason);
      const audioResponse = page.waitForResponse((r) => r.url().includes(`/api/v1/calls/${call.id}/audio`));
      await page.locator(byTestId('call-listen')).click();
      const response = await audioResponse;
      assert.equal(response.status(), 200);
      assert.match(response.headers()['content-type'] || '', /audio\/wav/);
      await page.waitForFunction((sel) => {
        const el = document.querySelector(sel);
        return el && el.readyState >= 1 && el.duration > 0;
      }, byTestId('call-audio'));
      const duration = await audio.evaluate((el) => el.duration);
      assert.ok(Math.abs(duration - call.recording.duration_s) < 1, `the player has the whole recording (${duration} s vs ${call.recording.duration_s} s)`);
      assert.equal(await page.locator(`${byTestId('call-audio-error')}:visible`).count(), 0);

      // The listen is on the audit trail with who and why.
      const asOfficer = await ApiClient.login(officerName, officerPassword);
      const trail = await asOfficer.get('/api/v1/audit?action=recording.listen&limit=50');
      const entry = (trail.items || []).find((e) => e.subject === `call:${call.id}` && e.details && e.details.reason === reason);
      assert.ok(entry, `recording.listen with the reason is audited: ${JSON.stringify(trail.items)}`);
      assert.match(entry.actor, new RegExp(officerName));

      // Completeness: today's row is below 100 % (the one-way call), and the issue links to it.
      const day = utcDay(startUs / 1000);
      await page.goto(`/#/calls/completeness?from=${utcDay(startUs / 1000 - 86_400_000)}&to=${utcDay(Date.now() + 86_400_000)}`);
      await page.locator(`${byTestId('completeness')}[data-loaded="true"]`).waitFor();
      const dayRow = page.locator(`${byTestId('completeness-row')}[data-day="${day}"][data-campaign-id=""]`);
      await dayRow.waitFor();
      assert.ok(Number(await dayRow.getAttribute('data-percent')) < 100, 'the one-way call is not fully recorded');
      assert.equal(await dayRow.locator('.calls-pct-low').count(), 1, 'under 100 % is shown in red');
      const issue = page.locator(`${byTestId('completeness-issue')}[data-call="${flat.id}"]`);
      await issue.waitFor();
      assert.match(await issue.getAttribute('data-problem'), /one-way/);
      await issue.locator(byTestId('issue-call-link')).click();
      await page.locator(`${byTestId('call-detail')}[data-loaded="true"][data-call-id="${flat.id}"]`).waitFor();

      assert.deepEqual(problems, [], 'no page errors or CSP violations');
    });

    // An auditor without a grant: offered the form, refused with the server's reason, and
    // nothing is played or audited as a listen.
    await withBrowser('recording-auditor-denied', async (context, problems) => {
      const page = await firstPage(context);
      await login(page, auditorName, auditor.password);
      await page.goto(`/#/calls/${call.id}`);
      await page.locator(`${byTestId('call-detail')}[data-loaded="true"]`).waitFor();
      await page.locator(byTestId('call-listen-reason')).fill('curious');
      await page.locator(byTestId('call-listen')).click();
      await page.locator(`${byTestId('call-audio-error')}:visible`).waitFor();
      assert.match(await page.locator(byTestId('call-audio-error')).textContent(), /Not allowed: .*grant/);
      const trail = await admin.get('/api/v1/audit?action=recording.listen&limit=200');
      assert.ok(!(trail.items || []).some((e) => e.details && e.details.reason === 'curious'), 'a refused listen is not a listen');
      assert.deepEqual(problems.filter((p) => !/status of 403/.test(p)), [], 'no page errors or CSP violations');
    });

    // An administrator sees the calls but is not offered the player.
    await withBrowser('recording-admin', async (context, problems) => {
      const page = await firstPage(context);
      await login(page, ADMIN_USER, admin.password);
      await page.goto(`/#/calls/${call.id}`);
      await page.locator(`${byTestId('call-detail')}[data-loaded="true"]`).waitFor();
      await page.locator(byTestId('call-listen-not-allowed')).waitFor();
      assert.equal(await page.locator(byTestId('call-audio')).count(), 0);
      assert.equal(await page.locator(byTestId('masked-span')).count(), call.recording.masked_spans.length);
      assert.deepEqual(problems, [], 'no page errors or CSP violations');
    });
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
});

// ---------------------------------------------------------------------------------------
// Live: real SIPp calls on loopback, captured from lo into the server's data directory.

const SIPP_CALLS = 2;
const SIPP_SECONDS = 5;
// uac.xml: From sip:+1555[call_number] (1, 2, ...), To sip:[service] with -s 7000.
const SIPP_TO = '7000';
const SIPP_FROM = /^\+1555\d$/;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function onPath(cmd) {
  return (process.env.PATH || '').split(path.delimiter).some((dir) => {
    try {
      fs.accessSync(path.join(dir, cmd), fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

// `floorguard capture --interface lo` in the background; resolves once it says it is
// capturing. libuv gives the child default signal handling, so SIGINT reaches its handler.
function startLiveCapture() {
  const child = spawn(BIN, ['capture', '--interface', 'lo', '--filter', 'udp', '--data', DATA, '--json'],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  const out = { stdout: '', stderr: '', code: undefined, signal: undefined };
  child.stdout.on('data', (d) => { out.stdout += d; });
  child.stderr.on('data', (d) => { out.stderr += d; });
  const exited = new Promise((resolve) => child.on('close', (code, signal) => {
    out.code = code;
    out.signal = signal;
    resolve(out);
  }));
  const ready = (async () => {
    for (let i = 0; i < 300; i++) {
      if (/capturing on lo/.test(out.stderr)) return;
      if (out.code !== undefined || out.signal) {
        throw new Error(`capture exited early (${out.code ?? out.signal}): ${out.stderr}`);
      }
      await sleep(100);
    }
    throw new Error(`capture did not start within 30 s: ${out.stderr}`);
  })();
  return { child, out, exited, ready };
}

// SIGINT, then SIGTERM and SIGKILL if it does not stop: a stuck capture must not outlive the
// test. Resolves with the capture's exit code and output.
async function stopLiveCapture(capture) {
  const { child, exited } = capture;
  const gone = () => capture.out.code !== undefined || capture.out.signal;
  for (const [signal, waitMs] of [['SIGINT', 20_000], ['SIGTERM', 10_000], ['SIGKILL', 5_000]]) {
    if (gone()) break;
    child.kill(signal);
    let timer;
    const stopped = await Promise.race([exited.then(() => true),
      new Promise((resolve) => { timer = setTimeout(resolve, waitMs, false); })]);
    clearTimeout(timer); // a pending timer would keep node alive after the tests
    if (stopped) break;
    console.error(`capture ignored ${signal} for ${waitMs / 1000} s`);
  }
  return exited;
}

test('sipp calls placed on loopback are captured live and one plays in the console with its masked keypad span', { timeout: 240_000 }, async (t) => {
  if (!BIN || !DATA || !fs.existsSync(BIN)) {
    t.skip('FLOORGUARD_BIN and FLOORGUARD_DATA are not set (tests/e2e/run.sh sets them)');
    return;
  }
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    t.skip('live capture needs root (libpcap on lo, SIPp plays RTP through a raw socket); CI runs as root');
    return;
  }
  if (!onPath('sipp')) {
    t.skip('sipp is missing (apt-get install sip-tester, or scripts/deps.sh --test)');
    return;
  }
  const help = await run(BIN, ['capture', '--help']).catch((err) => ({ stdout: '', stderr: String(err) }));
  if (!/--interface/.test(`${help.stdout}${help.stderr}`)) {
    t.skip('this floorguard has no live capture');
    return;
  }

  const admin = await ApiClient.login(ADMIN_USER, ADMIN_PASSWORD);
  const before = new Set((await admin.get('/api/v1/calls?limit=500')).items.map((c) => c.id));
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'floorguard-e2e-sipp-'));
  const capture = startLiveCapture();
  let stopped = null;
  try {
    await capture.ready;
    await sleep(500); // the capturing line comes just before the first packet is read
    const calls = await run(RUN_CALLS, ['--calls', String(SIPP_CALLS), '--rate', String(SIPP_CALLS),
      '--seconds', String(SIPP_SECONDS), '--dtmf', '--work', path.join(work, 'sipp')], { timeout: 150_000 })
      .catch((err) => assert.fail(`sipp calls failed: ${err.message}\n${err.stdout || ''}${err.stderr || ''}`));
    assert.match(calls.stdout, new RegExp(`calls placed ${SIPP_CALLS} successful ${SIPP_CALLS} failed 0`));
    await sleep(1000); // the last BYE's 200 and trailing RTP reach the capture
    stopped = await stopLiveCapture(capture);
  } finally {
    if (!stopped) await stopLiveCapture(capture);
    fs.rmSync(work, { recursive: true, force: true });
  }
  assert.equal(stopped.code, 0, `the capture stops on SIGINT and exits 0: ${stopped.signal || ''} ${stopped.stderr}`);
  const summary = JSON.parse(stopped.stdout);
  t.diagnostic(`capture summary: ${stopped.stdout.trim()}`);
  assert.ok(summary.recorded >= SIPP_CALLS, `every sipp call is recorded: ${stopped.stdout}`);

  // The sipp calls are the new calls from +1555N to 7000, each recorded with its digits masked.
  const fresh = (await admin.get('/api/v1/calls?limit=500')).items.filter((c) => !before.has(c.id));
  const sippCalls = fresh.filter((c) => SIPP_FROM.test(c.from) && c.to === SIPP_TO);
  assert.equal(sippCalls.length, SIPP_CALLS,
    `each sipp call is listed once: ${JSON.stringify(fresh.map((c) => [c.call_id, c.from, c.to]))}`);
  for (const c of sippCalls) {
    assert.ok(c.recording && c.recording.status === 'complete', `recorded: ${JSON.stringify(c)}`);
    assert.ok(c.recording.masked_spans.length >= 1, `the RFC 4733 digits are masked: ${JSON.stringify(c.recording)}`);
  }
  const listed = sippCalls[0];
  // The detail as the API gives it, which the player's duration is checked against.
  const call = await admin.get(`/api/v1/calls/${listed.id}`);
  assert.equal(call.call_id, listed.call_id);
  assert.ok(Math.abs(call.recording.duration_s - SIPP_SECONDS) < 1.5,
    `the recording lasts about as long as the audio sipp sent: ${JSON.stringify(call.recording)}`);

  const suffix = crypto.randomBytes(3).toString('hex');
  const officerName = `e2e-sipp-sec-${suffix}`;
  const officer = await admin.post('/api/v1/users', { username: officerName, role: 'security' }, [201]);
  const reason = `E2E sipp call review ${suffix}`;

  await withBrowser('recording-sipp-listen', async (context, problems) => {
    const page = await firstPage(context);
    await login(page, officerName, officer.password);
    await page.locator(byTestId('nav-calls')).click();
    await page.locator(`${byTestId('content')}[data-page="calls"]`).waitFor();
    await page.locator(byTestId('calls-table')).waitFor();

    // Narrowed by the caller's number, the row shows the sipp numbers.
    await page.locator(byTestId('calls-filter-number')).fill(call.from);
    await page.locator(byTestId('calls-filters-apply')).click();
    const row = page.locator(`${byTestId('call-row')}[data-call-id="${call.call_id}"]`);
    await row.waitFor();
    const cells = await row.locator('td').allTextContents();
    assert.ok(cells.includes(call.from) && cells.includes(SIPP_TO), `the row shows from and to: ${JSON.stringify(cells)}`);
    assert.equal(await row.getAttribute('data-recording'), 'recorded');

    await row.click();
    await page.locator(`${byTestId('call-detail')}[data-loaded="true"][data-call-id="${call.id}"]`).waitFor();
    assert.equal(await page.locator(byTestId('call-sip-id')).textContent(), call.call_id);
    const spans = page.locator(byTestId('masked-span'));
    assert.equal(await spans.count(), call.recording.masked_spans.length);
    const box = await spans.first().boundingBox();
    assert.ok(box && box.width > 0 && box.height > 0, `the masked span is drawn: ${JSON.stringify(box)}`);

    await page.locator(byTestId('call-listen-reason')).fill(reason);
    const audioResponse = page.waitForResponse((r) => r.url().includes(`/api/v1/calls/${call.id}/audio`));
    await page.locator(byTestId('call-listen')).click();
    assert.equal((await audioResponse).status(), 200);
    await page.waitForFunction((sel) => {
      const el = document.querySelector(sel);
      return el && el.readyState >= 1 && el.duration > 0;
    }, byTestId('call-audio'));
    const duration = await page.locator(byTestId('call-audio')).evaluate((el) => el.duration);
    assert.ok(Math.abs(duration - call.recording.duration_s) < 1.5,
      `the player has the whole recording (${duration} s vs ${call.recording.duration_s} s)`);
    assert.equal(await page.locator(`${byTestId('call-audio-error')}:visible`).count(), 0);
    assert.deepEqual(problems, [], 'no page errors or CSP violations');
  });
});
