// Helpers for the Kafka end-to-end tests: `financelake broker` as a child process, kcat and
// python3-kafka as independent clients, and Bronze rows read back through `table scan`.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { flBin, runFlOk } from './lib.mjs';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A child process whose output is collected; `exited` resolves to {code, signal}. */
export function startFl(args, { env } = {}) {
  const p = spawn(flBin(), args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  const child = { proc: p, stdout: '', stderr: '', args };
  p.stdout.on('data', (d) => (child.stdout += d));
  p.stderr.on('data', (d) => (child.stderr += d));
  child.exited = new Promise((resolve) => p.on('close', (code, signal) => resolve({ code, signal })));
  return child;
}

/**
 * Waits until `pattern` matches the child's stdout; resolves to the match, or null once the
 * child has ended or `timeoutMs` has passed (60 s: a start-up on a loaded CI machine).
 */
export async function waitForOutput(child, pattern, timeoutMs = 60_000) {
  for (const deadline = Date.now() + timeoutMs; ; await sleep(50)) {
    const m = pattern.exec(child.stdout);
    if (m) return m;
    if (child.proc.exitCode !== null || child.proc.signalCode !== null || Date.now() > deadline) return null;
  }
}

/** Starts `financelake broker --port 0`; resolves to {addr, child} once it listens. */
export async function startBroker(partitions = 3) {
  const child = startFl(['broker', '--port', '0', '--partitions', String(partitions)]);
  const m = await waitForOutput(child, /broker listening on (\S+)/);
  if (m) return { addr: m[1], child };
  child.proc.kill('SIGKILL');
  throw new Error(`broker did not start: ${child.stderr}`);
}

export async function stopChild(child, signal = 'SIGTERM') {
  if (child.proc.exitCode === null && child.proc.signalCode === null) child.proc.kill(signal);
  return child.exited;
}

/** Commits in the Delta logs of `tables` (Bronze table names) under `lake`, all together. */
export function bronzeCommits(lake, tables) {
  let n = 0;
  for (const t of tables) {
    const log = path.join(lake, 'bronze', t, '_delta_log');
    if (fs.existsSync(log)) n += fs.readdirSync(log).filter((f) => /^\d{20}\.json$/.test(f)).length;
  }
  return n;
}

/** Waits until the Bronze `tables` have more than `since` commits (true), or the child has ended
 *  or `timeoutMs` passed (false). */
export async function waitForCommit(child, lake, tables, since, timeoutMs = 30_000) {
  for (const deadline = Date.now() + timeoutMs; ; await sleep(50)) {
    if (bronzeCommits(lake, tables) > since) return true;
    if (child.proc.exitCode !== null || child.proc.signalCode !== null || Date.now() > deadline) return false;
  }
}

/** The rows an `ingest` run says it committed (its last "ingest: done: ..." line); throws when
 *  the run printed none. */
export function committedRows(stderr) {
  const all = [...stderr.matchAll(/^ingest: done: \d+ events in, (\d+) rows committed/gm)];
  assert.ok(all.length > 0, `no "ingest: done" line in: ${stderr}`);
  return Number(all[all.length - 1][1]);
}

/** Produces `lines` ("key:value") with kcat; throws on failure. */
export function kcatProduce(addr, topic, lines) {
  const r = spawnSync('kcat', ['-b', addr, '-P', '-t', topic, '-K', '\t'], {
    input: lines.join('\n') + '\n',
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (r.status !== 0) throw new Error(`kcat -P failed (${r.status}): ${r.stderr}`);
}

/** Every message of `topic` as {partition, offset, key, payload}, read by kcat -C -e. */
export function kcatDump(addr, topic) {
  const r = spawnSync('kcat', ['-b', addr, '-C', '-t', topic, '-e', '-q', '-f', '%p\t%o\t%k\t%s\n'], {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    timeout: 120_000,
  });
  if (r.status !== 0) throw new Error(`kcat -C failed (${r.status}): ${r.stderr}`);
  return r.stdout
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => {
      const [p, o, k, ...rest] = l.split('\t');
      return { partition: Number(p), offset: Number(o), key: k, payload: rest.join('\t') };
    });
}

/** Produces with Debian's python3-kafka (kafka-python): an independent client implementation. */
export function pythonProduce(addr, topic, messages) {
  const script = `
import json, sys
from kafka import KafkaProducer
msgs = json.load(sys.stdin)
p = KafkaProducer(bootstrap_servers=${JSON.stringify(addr)}, acks='all', api_version=(2, 5, 0))
for m in msgs:
    p.send(${JSON.stringify(topic)}, key=m['key'].encode(), value=m['payload'].encode())
p.flush(30)
p.close()
print(len(msgs))
`;
  const r = spawnSync('/usr/bin/python3', ['-c', script], {
    input: JSON.stringify(messages),
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (r.status !== 0) throw new Error(`python3-kafka producer failed (${r.status}): ${r.stderr}`);
  assert.equal(r.stdout.trim(), String(messages.length));
}

/** Bronze rows of a table under `lake` as parsed JSON objects. */
export function bronzeRows(lake, table) {
  const r = runFlOk(['table', 'scan', path.join(lake, 'bronze', table), '--format', 'jsonl']);
  return r.stdout
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l));
}

/**
 * Asserts that Bronze holds exactly the messages kcat sees in the topic: one row per
 * (partition, offset), none twice, offsets contiguous from 0 per partition, payloads equal.
 */
export function assertExactlyOnce(rows, messages, what) {
  const seen = new Map();
  for (const r of rows) {
    const k = `${r.partition}/${r.offset}`;
    assert.ok(!seen.has(k), `${what}: ${k} is in Bronze twice`);
    seen.set(k, r);
  }
  for (const m of messages) {
    const r = seen.get(`${m.partition}/${m.offset}`);
    assert.ok(r, `${what}: message ${m.partition}/${m.offset} (${m.payload.slice(0, 60)}) missing from Bronze`);
    assert.equal(r.payload, m.payload, `${what}: payload of ${m.partition}/${m.offset}`);
  }
  assert.equal(rows.length, messages.length, `${what}: Bronze has ${rows.length} rows, the topic ${messages.length}`);
  const perPartition = new Map();
  for (const r of rows) {
    if (!perPartition.has(r.partition)) perPartition.set(r.partition, []);
    perPartition.get(r.partition).push(Number(r.offset));
  }
  for (const [p, offs] of perPartition) {
    offs.sort((a, b) => a - b);
    offs.forEach((o, i) => assert.equal(o, i, `${what}: partition ${p} offsets not contiguous at ${i}`));
  }
}

/** `n` stock-trade messages ("key\tjson") with distinct prices, tagged with `tag`. */
export function stockLines(n, tag, start = 0) {
  const tickers = ['AAPL', 'MSFT', 'GOOG', 'AMZN', 'NVDA', 'META', 'TSLA'];
  const out = [];
  for (let i = start; i < start + n; i++) {
    const t = tickers[i % tickers.length];
    const ms = Date.UTC(2026, 0, 5, 15, 0, 0) + i * 10;
    out.push(
      `${t}\t${JSON.stringify({
        ticker: t,
        price: 100 + (i % 1000) / 100,
        volume: 100 + i,
        event_time: new Date(ms).toISOString(),
        source: `test-${tag}`,
        event_id: `${tag}-${String(i).padStart(8, '0')}`,
      })}`,
    );
  }
  return out;
}
