// Runs the npm package redact-pii (default SyncRedactor: every built-in rule) as a line filter:
// standard input to standard output, one line in, one line out. Prints to standard error
// "redact-pii bytes <N> seconds <S>", the time spent in redact() only (reading and writing
// excluded), so bench/dlp_speed.sh can report its throughput.
'use strict';
const fs = require('fs');
const path = require('path');
const { SyncRedactor } = require(path.join(__dirname, 'node_modules', 'redact-pii'));

const redactor = new SyncRedactor();
const input = fs.readFileSync(0, 'utf8');
const lines = input.split('\n');
if (lines.length && lines[lines.length - 1] === '') lines.pop();
const out = new Array(lines.length);
const start = process.hrtime.bigint();
for (let i = 0; i < lines.length; i++) out[i] = redactor.redact(lines[i]);
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
fs.writeFileSync(1, out.join('\n') + '\n');
process.stderr.write(`redact-pii bytes ${Buffer.byteLength(input, 'utf8')} seconds ${seconds}\n`);
