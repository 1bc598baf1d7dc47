// Many processes committing to one table at once: `financelake table append` from 8 concurrent
// workers, 50 appends each, all started together. Optimistic concurrency must give every append
// its own version: versions 0..400 with no gap, no lost or doubled rows, and a log that the
// independent replayer reads to the same rows.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { closeDuck, mkTmp, rmTmp, runFlAsync, runFlOk } from './lib.mjs';
import { canonicalTableRows, listLog, replayDeltaLog, snapshotRowsDuckDB, sortRows } from './delta_replay.mjs';
import { assertRowsEqual } from './lib.mjs';

const WORKERS = 8;
const APPENDS = 50;
const ROWS = 3; // rows per append

let dir;
before(() => {
  dir = mkTmp('fl-delta-concurrency-');
});
after(() => {
  closeDuck();
  rmTmp(dir);
});

const ids = (w, i) => Array.from({ length: ROWS }, (_, k) => (w * APPENDS + i) * ROWS + k);

function writeCsvs() {
  const files = [];
  for (let w = 0; w < WORKERS; w++) {
    files.push([]);
    for (let i = 0; i < APPENDS; i++) {
      const f = path.join(dir, `w${w}_${i}.csv`);
      fs.writeFileSync(f, `id,worker,seq\n${ids(w, i).map((id) => `${id},${w},${i}`).join('\n')}\n`);
      files[w].push(f);
    }
  }
  return files;
}

test(`${WORKERS} processes x ${APPENDS} appends to one table`, { timeout: 240_000 }, async () => {
  const t = path.join(dir, 'contended');
  runFlOk(['table', 'create', t, '--schema', 'id:long,worker:integer,seq:integer']);
  const csvs = writeCsvs();
  const failures = [];
  const versions = [];
  const t0 = Date.now();
  await Promise.all(
    csvs.map(async (files, w) => {
      for (const f of files) {
        const r = await runFlAsync(['table', 'append', t, '--csv', f]);
        if (r.code !== 0) failures.push(`worker ${w} ${path.basename(f)}: exit ${r.code ?? r.signal}: ${r.stderr.trim()}`);
        const m = /at version (\d+)/.exec(r.stdout);
        if (m) versions.push(Number(m[1]));
      }
    }),
  );
  const seconds = (Date.now() - t0) / 1000;
  assert.deepEqual(failures, [], 'every append succeeds');
  const total = WORKERS * APPENDS;

  // Each append reported its own version; together exactly 1..400.
  assert.deepEqual([...versions].sort((a, b) => a - b), Array.from({ length: total }, (_, i) => i + 1), 'reported versions');

  // The log: commits 0..400, contiguous, nothing unexpected left behind.
  const listing = listLog(t);
  assert.deepEqual([...listing.commits.keys()].sort((a, b) => a - b), Array.from({ length: total + 1 }, (_, i) => i), 'commit files 0..400');
  const strays = listing.files.filter(
    (n) => !/^\d{20}\.(json|crc|checkpoint\.parquet|checkpoint\.\d{10}\.\d{10}\.parquet)$/.test(n) && n !== '_last_checkpoint',
  );
  assert.deepEqual(strays, [], 'no temporary files left in _delta_log');
  for (let v = 1; v <= total; v++) {
    const lines = fs.readFileSync(listing.commits.get(v), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(lines.filter((a) => a.add).length, 1, `v${v}: one add`);
    assert.equal(lines.filter((a) => a.commitInfo).length, 1, `v${v}: one commitInfo`);
    assert.equal(lines.filter((a) => a.remove || a.metaData || a.protocol).length, 0, `v${v}: a blind append`);
  }

  // Our count and rows, and the replayer's.
  assert.equal(Number(runFlOk(['table', 'scan', t, '--count']).stdout), total * ROWS, 'scan --count');
  const state = await replayDeltaLog(t);
  assert.equal(state.version, total);
  assert.equal(state.files.length, total);
  const ours = canonicalTableRows(runFlOk(['table', 'scan', t, '--format', 'jsonl']).stdout, state.schema);
  const seen = new Map();
  for (const r of ours) seen.set(r.id, (seen.get(r.id) ?? 0) + 1);
  const expectedIds = csvs.flatMap((_, w) => Array.from({ length: APPENDS }, (_, i) => ids(w, i)).flat());
  assert.equal(seen.size, expectedIds.length, 'distinct ids');
  for (const id of expectedIds) assert.equal(seen.get(BigInt(id)), 1, `id ${id} exactly once`);
  assertRowsEqual(sortRows(ours), sortRows(await snapshotRowsDuckDB(state)), 'rows vs replayer + DuckDB');
  const d = JSON.parse(runFlOk(['table', 'describe', t, '--format', 'json']).stdout);
  assert.equal(d.version, total);
  assert.equal(d.numRecords, total * ROWS);
  console.log(`# ${total} concurrent appends in ${seconds.toFixed(1)} s`);
});

test('processes racing to create the same table with append', async () => {
  const t = path.join(dir, 'raced');
  const files = Array.from({ length: WORKERS }, (_, w) => {
    const f = path.join(dir, `race${w}.csv`);
    fs.writeFileSync(f, `id,worker\n${w * 10},${w}\n${w * 10 + 1},${w}\n`);
    return f;
  });
  const results = await Promise.all(files.map((f) => runFlAsync(['table', 'append', t, '--csv', f])));
  for (const r of results) assert.equal(r.code, 0, `append: ${r.stderr}`);
  const state = await replayDeltaLog(t);
  const ours = canonicalTableRows(runFlOk(['table', 'scan', t, '--format', 'jsonl']).stdout, state.schema);
  const want = Array.from({ length: WORKERS }, (_, w) => [BigInt(w * 10), BigInt(w * 10 + 1)]).flat();
  assert.deepEqual(ours.map((r) => r.id).sort((a, b) => (a < b ? -1 : 1)), want);
  assert.equal(state.files.length, WORKERS);
  assertRowsEqual(sortRows(ours), sortRows(await snapshotRowsDuckDB(state)), 'rows vs replayer + DuckDB');
});
