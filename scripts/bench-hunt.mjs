#!/usr/bin/env node
/**
 * Benchmark of `huntpack hunt` (run after `npm run build`; `npm run bench:hunt` does both).
 *
 *   node scripts/bench-hunt.mjs [--rows N] [--iocs N] [--families N] [--keep]
 *
 * 1. Generates a ThreatFox feed of --iocs IOCs (mixed domains, URLs, ip:port, MD5/SHA-256; default 10,000) over
 *    --families families and builds the packs through the library (buildPacks; default tables, both platforms).
 * 2. Generates --rows rows (default 5,000,000) of Log Analytics export JSON lines across DeviceNetworkEvents, DnsEvents,
 *    DeviceFileEvents and CommonSecurityLog, about 0.2 % of them carrying an IOC.
 * 3. Times `hunt` in a child process (its own rows/s and peak RSS), then `grep -F -c -f iocs.txt` over the same files
 *    as a yardstick (LC_ALL=C; IOC values one per line, the IP alone for ip:port), and prints the ratio.
 * No thresholds: it prints what it measures.
 */
import { spawnSync } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const dist = (p) => new URL(`../dist/${p}`, import.meta.url).href;

function arg(name, def) {
  const i = process.argv.indexOf(name);
  if (i < 0) return def;
  const n = Number(process.argv[i + 1]);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} expects a positive whole number`);
  return n;
}
const ROWS = arg('--rows', 5_000_000);
const IOCS = arg('--iocs', 10_000);
const FAMILIES = arg('--families', 8);
const KEEP = process.argv.includes('--keep');
const MATCH_RATE = 0.002;

// Deterministic PRNG (mulberry32).
let seed = 0x9e3779b9;
function rnd() {
  seed |= 0;
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const int = (n) => Math.floor(rnd() * n);
const pick = (xs) => xs[int(xs.length)];
const ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';
const word = (n) => Array.from({ length: n }, () => ALNUM[int(36)]).join('');
const hex = (n) => Array.from({ length: n }, () => '0123456789abcdef'[int(16)]).join('');
const TLDS = ['com', 'net', 'org', 'xyz', 'top', 'shop', 'info', 'site', 'online', 'ru', 'cn', 'io'];
const domain = () => `${word(6 + int(8))}.${pick(TLDS)}`;
const publicIp = () => `${pick([23, 31, 37, 45, 62, 77, 81, 89, 91, 94, 103, 109, 146, 176, 185, 193, 194, 212])}.${int(256)}.${int(256)}.${1 + int(254)}`;
const BASE = Date.parse('2026-05-10T12:00:00Z');
const DAY = 86_400_000;
const ts = (ms) => new Date(ms).toISOString().replace('Z', '0000Z');

function log(msg) {
  process.stderr.write(msg + '\n');
}

const work = mkdtempSync(join(tmpdir(), 'huntpack-bench-'));
const logsDir = join(work, 'logs');
mkdirSync(logsDir);
log(`bench: work folder ${work}`);

// --- 1. IOCs, feed, packs ---------------------------------------------------------------------------------------
const nDomain = Math.round(IOCS * 0.3), nUrl = Math.round(IOCS * 0.3), nIp = Math.round(IOCS * 0.2);
const nMd5 = Math.round(IOCS * 0.1), nSha = IOCS - nDomain - nUrl - nIp - nMd5;
const iocDomains = Array.from({ length: nDomain }, domain);
const iocUrls = Array.from({ length: nUrl }, () => `https://${domain()}/${word(5)}/${word(8)}.php?id=${int(100000)}`);
const iocIps = Array.from({ length: nIp }, () => [publicIp(), pick([443, 80, 8080, 4444, 2222, 8443, 1337])]);
const iocMd5 = Array.from({ length: nMd5 }, () => hex(32));
const iocSha = Array.from({ length: nSha }, () => hex(64));
const records = [];
let id = 1_000_000;
const rec = (ioc, type) => {
  const fam = `bench.family${records.length % FAMILIES}`;
  records.push({
    id: String(id++), ioc, threat_type: 'botnet_cc', ioc_type: type, malware: fam, malware_printable: `Bench family ${records.length % FAMILIES}`,
    malware_alias: null, confidence_level: 100, first_seen: '2026-05-08 10:00:00 UTC', last_seen: null, reference: null, reporter: 'bench', tags: ['bench'], is_compromised: false,
  });
};
iocDomains.forEach((d) => rec(d, 'domain'));
iocUrls.forEach((u) => rec(u, 'url'));
iocIps.forEach(([ip, port]) => rec(`${ip}:${port}`, 'ip:port'));
iocMd5.forEach((h) => rec(h, 'md5_hash'));
iocSha.forEach((h) => rec(h, 'sha256_hash'));
const feed = join(work, 'feed.json');
writeFileSync(feed, JSON.stringify({ query_status: 'ok', data: records }));
writeFileSync(join(work, 'iocs.txt'), [...iocDomains, ...iocUrls, ...iocIps.map(([ip]) => ip), ...iocMd5, ...iocSha].join('\n') + '\n');

const { buildPacks } = await import(dist('build.js'));
const { writeAtomically } = await import(dist('pack/output.js'));
let t0 = performance.now();
const built = await buildPacks({ inputs: [feed], outDir: join(work, 'packs'), platforms: ['sentinel', 'defender'], lookbackDays: 30, strict: false, validate: false, tables: 'default' });
writeAtomically(join(work, 'packs'), built.files);
const hunted = built.packs.reduce((n, p) => n + p.stats.total, 0);
const huntCount = built.packs.reduce((n, p) => n + p.hunts.length, 0);
log(`bench: ${built.packs.length} packs, ${hunted} IOCs hunted (${IOCS - hunted} dropped by the policy), ${huntCount} hunts; built in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

// --- 2. Rows ------------------------------------------------------------------------------------------------------
const benignDomains = Array.from({ length: 20_000 }, () => `${word(4)}.${word(5 + int(6))}.${pick(TLDS)}`);
const benignHashes = Array.from({ length: 20_000 }, () => [hex(32), hex(40), hex(64)]);
const benignIps = Array.from({ length: 20_000 }, publicIp);
const hosts = Array.from({ length: 500 }, (_, i) => `ws-${String(i).padStart(4, '0')}.corp.example`);
const procs = ['chrome.exe', 'msedge.exe', 'svchost.exe', 'powershell.exe', 'outlook.exe', 'teams.exe', 'firefox.exe'];
const hit = () => rnd() < MATCH_RATE;
const maybeUpper = (s) => (rnd() < 0.2 ? s.toUpperCase() : s);
const subOf = (d) => (rnd() < 0.5 ? d : `${word(3)}.${d}`);
const q = JSON.stringify;

function networkRow(t) {
  let url = `https://${pick(benignDomains)}/${word(6)}`, ip = pick(benignIps), port = pick([443, 80, 443, 443, 8080]);
  if (hit()) {
    const k = int(3);
    if (k === 0) url = `https://${maybeUpper(subOf(pick(iocDomains)))}/x`;
    else if (k === 1) url = pick(iocUrls);
    else [ip, port] = pick(iocIps);
  }
  const h = pick(hosts);
  return `{"TimeGenerated":"${ts(t)}","Timestamp":"${ts(t - 2000)}","DeviceId":"${hex(8)}","DeviceName":"${h}","ActionType":"ConnectionSuccess","RemoteIP":"${ip}","RemotePort":${port},"RemoteUrl":${q(url)},"LocalIP":"10.1.${int(256)}.${int(256)}","LocalPort":${49152 + int(16000)},"Protocol":"Tcp","InitiatingProcessFileName":"${pick(procs)}","InitiatingProcessAccountName":"user${int(900)}","ReportId":${int(1e6)},"Type":"DeviceNetworkEvents"}`;
}
function dnsRow(t) {
  let name = pick(benignDomains);
  if (hit()) name = maybeUpper(subOf(rnd() < 0.7 ? pick(iocDomains) : new URL(pick(iocUrls)).hostname));
  return `{"TimeGenerated":"${ts(t)}","Computer":"dc${int(4)}.corp.example","ClientIP":"10.1.${int(256)}.${int(256)}","Name":${q(name)},"QueryType":"A","IPAddresses":"${pick(benignIps)}","EventId":256,"SubType":"LookupQuery","Result":"Success","Type":"DnsEvents"}`;
}
function fileRow(t) {
  let [md5, sha1, sha256] = pick(benignHashes);
  let origin = rnd() < 0.3 ? `https://${pick(benignDomains)}/dl/${word(6)}.zip` : '';
  if (hit()) {
    const k = int(3);
    if (k === 0) md5 = maybeUpper(pick(iocMd5));
    else if (k === 1) sha256 = pick(iocSha);
    else origin = pick(iocUrls);
  }
  return `{"TimeGenerated":"${ts(t)}","Timestamp":"${ts(t - 2000)}","DeviceName":"${pick(hosts)}","ActionType":"FileCreated","FileName":"${word(8)}.exe","FolderPath":"C:\\\\Users\\\\user${int(900)}\\\\Downloads","MD5":"${md5}","SHA1":"${sha1}","SHA256":"${sha256}","FileOriginUrl":${q(origin)},"InitiatingProcessFileName":"${pick(procs)}","Type":"DeviceFileEvents"}`;
}
function cefRow(t) {
  let host = pick(benignDomains), url = `http://${host}/${word(7)}`, ip = pick(benignIps), port = pick([443, 80, 53, 8080]), fh = '';
  if (hit()) {
    const k = int(4);
    if (k === 0) host = subOf(pick(iocDomains));
    else if (k === 1) url = pick(iocUrls);
    else if (k === 2) [ip, port] = pick(iocIps);
    else fh = pick(iocSha).toUpperCase();
  }
  return `{"TimeGenerated":"${ts(t)}","DeviceVendor":"Palo Alto Networks","DeviceProduct":"PAN-OS","Activity":"TRAFFIC","SourceIP":"10.2.${int(256)}.${int(256)}","DestinationIP":"${ip}","DestinationPort":${port},"DestinationHostName":${q(host)},"RequestURL":${q(url)},"FileHash":"${fh}","Computer":"fw${int(3)}.corp.example","Type":"CommonSecurityLog"}`;
}

const TABLES = [
  ['DeviceNetworkEvents', networkRow, 0.4],
  ['DnsEvents', dnsRow, 0.25],
  ['DeviceFileEvents', fileRow, 0.2],
  ['CommonSecurityLog', cefRow, 0.15],
];
t0 = performance.now();
const outs = TABLES.map(([name]) => ({ name, stream: createWriteStream(join(logsDir, `${name}.json`)), buf: [], size: 0 }));
const flush = async (o) => {
  if (!o.buf.length) return;
  const ok = o.stream.write(o.buf.join(''));
  o.buf = [];
  o.size = 0;
  if (!ok) await new Promise((r) => o.stream.once('drain', r));
};
for (let i = 0; i < ROWS; i++) {
  const x = rnd();
  let k = 0;
  for (let acc = TABLES[0][2]; x >= acc && k < TABLES.length - 1; acc += TABLES[++k][2]);
  const t = BASE - int(20 * DAY);
  const line = TABLES[k][1](t) + '\n';
  const o = outs[k];
  o.buf.push(line);
  o.size += line.length;
  if (o.size > 1 << 20) await flush(o);
}
for (const o of outs) {
  await flush(o);
  await new Promise((r) => o.stream.end(r));
}
const files = outs.map((o) => join(logsDir, `${o.name}.json`));
const bytes = files.reduce((n, f) => n + statSync(f).size, 0);
log(`bench: ${ROWS.toLocaleString('en')} rows, ${(bytes / 1048576).toFixed(0)} MiB of JSON lines written in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

// --- 3. hunt (child process) and grep --------------------------------------------------------------------------------
const child = `
const { huntLogs } = await import(${q(dist('hunt-logs/run.js'))});
const { writeHuntResults } = await import(${q(dist('hunt-logs/report.js'))});
const t0 = performance.now();
const r = await huntLogs({ packs: [${q(join(work, 'packs'))}], logs: [${q(logsDir)}] });
const ms = performance.now() - t0;
writeHuntResults(${q(join(work, 'results'))}, r);
process.stdout.write(JSON.stringify({ ms, scanMs: r.elapsed.scanMs, setupMs: r.elapsed.setupMs, rows: r.rowsRead, hits: r.hits.length, bad: r.badLines.length, maxRssKb: process.resourceUsage().maxRSS }));
`;
t0 = performance.now();
const h = spawnSync(process.execPath, ['--input-type=module', '-e', child], { encoding: 'utf8', maxBuffer: 1 << 26 });
const huntWall = performance.now() - t0;
if (h.status !== 0) throw new Error(`hunt child failed: ${h.stderr}`);
const hr = JSON.parse(h.stdout);

// The floor: the same files read, gunzip-sniffed, split and JSON.parse'd by the same reader, with no hunt at all.
const floorChild = `
const { readLogFile, listLogFiles } = await import(${q(dist('hunt-logs/read.js'))});
const { tableCatalog } = await import(${q(dist('hunt-logs/tables.js'))});
const { loadKnowledge } = await import(${q(dist('knowledge/load.js'))});
const catalog = tableCatalog(loadKnowledge());
const t0 = performance.now();
let rows = 0;
for (const f of listLogFiles(catalog, [${q(logsDir)}])) await readLogFile(f, { catalog }, { stop: false, row() { rows++; }, bad() {} });
process.stdout.write(JSON.stringify({ ms: performance.now() - t0, rows }));
`;
const fl = spawnSync(process.execPath, ['--input-type=module', '-e', floorChild], { encoding: 'utf8' });
if (fl.status !== 0) throw new Error(`floor child failed: ${fl.stderr}`);
const floor = JSON.parse(fl.stdout);

t0 = performance.now();
const g = spawnSync('grep', ['-F', '-c', '-f', join(work, 'iocs.txt'), ...files], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
const grepMs = performance.now() - t0;
if (g.status !== 0 && g.status !== 1) throw new Error(`grep failed: ${g.stderr}`);
const grepLines = g.stdout.trim().split('\n').reduce((n, l) => n + Number(l.split(':').pop()), 0);

const rate = (n, ms) => Math.round(n / (ms / 1000));
const fmt = (n) => n.toLocaleString('en');
const huntRate = rate(hr.rows, hr.scanMs);
const grepRate = rate(ROWS, grepMs);
const lines = [
  '',
  `machine: ${cpus()[0]?.model ?? '?'}, ${cpus().length} cores (nproc); node ${process.version}`,
  `data:    ${fmt(ROWS)} rows, ${(bytes / 1048576).toFixed(0)} MiB JSON lines, 4 tables; ${fmt(hunted)} IOCs in ${built.packs.length} packs, ${huntCount} hunts`,
  `hunt:    ${fmt(hr.rows)} rows in ${(hr.scanMs / 1000).toFixed(2)} s = ${fmt(huntRate)} rows/s (${((bytes / 1048576) / (hr.scanMs / 1000)).toFixed(0)} MiB/s) ` +
    `after ${(hr.setupMs / 1000).toFixed(2)} s loading and compiling the packs (${fmt(rate(hr.rows, hr.ms))} rows/s with it); ` +
    `${fmt(hr.hits)} hits, ${hr.bad} bad lines; peak RSS ${(hr.maxRssKb / 1024).toFixed(0)} MiB; process wall ${(huntWall / 1000).toFixed(2)} s incl. start-up and writing results`,
  `floor:   the same reader with no hunt (read, split, JSON.parse): ${fmt(rate(floor.rows, floor.ms))} rows/s; hunt runs at ${((huntRate / rate(floor.rows, floor.ms)) * 100).toFixed(0)} % of it`,
  `grep:    grep -F -c -f iocs.txt (LC_ALL=C, ${fmt(IOCS)} patterns): ${(grepMs / 1000).toFixed(2)} s = ${fmt(grepRate)} rows/s, ${fmt(grepLines)} matching lines`,
  `ratio:   hunt / grep = ${(huntRate / grepRate).toFixed(2)}`,
];
process.stdout.write(lines.join('\n') + '\n');
if (!KEEP) rmSync(work, { recursive: true, force: true });
else log(`bench: kept ${work}`);
