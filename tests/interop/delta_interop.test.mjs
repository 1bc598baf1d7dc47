// Our Delta tables against an independent reader: tables are built with `financelake table ...`
// only, then checked with the JS log replayer of delta_replay.mjs (written from PROTOCOL.md) plus
// DuckDB reading the live Parquet files. Spark-written golden tables go the other way: our scan
// must return what the replayer + DuckDB find.
//   (a) live files: `table describe --format json --files` == the replayer's live files
//   (b) rows: `table scan --format jsonl` == DuckDB over the live files + partition values
//   (c) our checkpoints read in DuckDB: the protocol's columns, the right row counts
//   (d) every table of delta_golden/core, every version: our rows == replayer + DuckDB rows
//   (e) time travel by --version and --timestamp; history
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  assertRowsEqual,
  closeDuck,
  duckdbQuery,
  fixturesDir,
  mkTmp,
  rmTmp,
  runFl,
  runFlOk,
  sqlStr,
} from './lib.mjs';
import { canonicalTableRows, commitTimestamps, listLog, replayDeltaLog, snapshotRowsDuckDB, sortRows } from './delta_replay.mjs';

let dir;
before(() => {
  dir = mkTmp('fl-delta-interop-');
});
after(() => {
  closeDuck();
  rmTmp(dir);
});

const fl = (...args) => runFlOk(args.flat());

function writeCsv(name, header, rows) {
  const f = path.join(dir, name);
  const q = (v) => (v === null ? '' : /[",\n]/.test(String(v)) ? `"${String(v).replaceAll('"', '""')}"` : String(v));
  fs.writeFileSync(f, [header.join(','), ...rows.map((r) => r.map(q).join(','))].join('\n') + '\n');
  return f;
}

function describe(table, extra = []) {
  return JSON.parse(fl('table', 'describe', table, '--format', 'json', '--files', extra).stdout);
}

/** Rows of `table scan --format jsonl EXTRA`, canonical by the schema the replayer found. */
function ourRows(table, schema, extra = []) {
  return canonicalTableRows(fl('table', 'scan', table, '--format', 'jsonl', extra).stdout, schema);
}

/** (a) + (b) for one table at one version (undefined: latest). Returns the replayed state. */
async function checkAgainstReplay(table, version) {
  const state = await replayDeltaLog(table, { version });
  const at = version === undefined ? [] : ['--version', String(version)];
  const d = describe(table, at);
  const what = `${path.basename(table)} v${state.version}`;
  assert.equal(d.version, state.version, `${what}: version`);
  assert.deepEqual(d.partitionColumns, state.partitionColumns, `${what}: partition columns`);
  assert.deepEqual(d.protocol.minReaderVersion, state.protocol.minReaderVersion, `${what}: protocol`);
  assert.deepEqual(d.protocol.minWriterVersion, state.protocol.minWriterVersion, `${what}: protocol`);
  assert.deepEqual(d.properties, state.configuration, `${what}: properties`);
  assert.equal(d.id, state.metadata.id, `${what}: table id`);
  // The live files: same paths, sizes and partition values.
  const ours = d.files.map((f) => ({ path: f.path, size: f.size, partitionValues: f.partitionValues })).sort((a, b) => (a.path < b.path ? -1 : 1));
  const theirs = state.files.map((f) => ({ path: f.path, size: Number(f.size), partitionValues: f.partitionValues })).sort((a, b) => (a.path < b.path ? -1 : 1));
  assert.deepEqual(ours, theirs, `${what}: live files`);
  assert.equal(d.numFiles, state.files.length, `${what}: numFiles`);
  assert.equal(d.sizeBytes, state.files.reduce((s, f) => s + Number(f.size), 0), `${what}: sizeBytes`);
  for (const f of state.files) {
    assert.ok(fs.existsSync(f.file), `${what}: live file ${f.path} is not on disk at ${f.file}`);
    assert.equal(fs.statSync(f.file).size, Number(f.size), `${what}: ${f.path}: size in the log`);
  }
  // The rows.
  const expected = await snapshotRowsDuckDB(state);
  const actual = ourRows(table, state.schema, at);
  assertRowsEqual(sortRows(actual), sortRows(expected), `${what}: rows`);
  if (d.numRecords !== null) assert.equal(d.numRecords, expected.length, `${what}: numRecords`);
  const count = Number(fl('table', 'scan', table, '--count', at).stdout.trim());
  assert.equal(count, expected.length, `${what}: --count`);
  return { state, rows: expected, describe: d };
}

// ---------------------------------------------------------------------------------------------
// A partitioned table built by the CLI

const SCHEMA = 'id:long,ticker:string,px:double,qty:integer,amount:decimal(12,2),day:date,ts:timestamp,ok:boolean,note:string';
const HEADER = ['id', 'ticker', 'px', 'qty', 'amount', 'day', 'ts', 'ok', 'note'];
// Partition values that need escaping in paths: space, slash, percent, colon, unicode, null.
const TICKERS = ['AAPL', 'BRK B', 'A/B', '50%', 'x:y', 'Zürich', null];
const DAYS = ['2024-01-02', '2024-01-03'];

function tradeRows(first, n) {
  const rows = [];
  for (let i = first; i < first + n; i++) {
    rows.push([
      i,
      TICKERS[i % TICKERS.length],
      i % 11 === 0 ? null : (i * 1.25).toFixed(2),
      i % 13 === 0 ? null : i * 10,
      i % 17 === 0 ? null : `${i % 3 === 0 ? '-' : ''}${i}.${String(i % 100).padStart(2, '0')}`,
      DAYS[i % DAYS.length],
      `2024-01-02T09:30:${String(i % 60).padStart(2, '0')}.${String(i).padStart(6, '0').slice(-6)}Z`,
      i % 5 === 0 ? null : i % 2 === 0,
      i % 7 === 0 ? 'has, comma and "quotes"' : i % 9 === 0 ? '' : `note ${i} ✓`,
    ]);
  }
  return rows;
}

test('a partitioned table built with create, appends, optimize, vacuum and checkpoint', async () => {
  const t = path.join(dir, 'trades');
  fl('table', 'create', t, '--schema', SCHEMA, '--partition-by', 'day,ticker', '--property', 'delta.appendOnly=false');
  // A CSV with a header only commits nothing.
  const out = fl('table', 'append', t, '--csv', writeCsv('header_only.csv', HEADER, [])).stdout;
  assert.match(out, /nothing to append/);
  let check = await checkAgainstReplay(t);
  assert.equal(check.rows.length, 0);
  assert.equal(check.state.version, 0);

  // 12 appends: the default checkpoint interval (10) writes a checkpoint on the way.
  let next = 0;
  for (let k = 0; k < 12; k++) {
    const n = 5 + (k % 4) * 7;
    fl('table', 'append', t, '--csv', writeCsv(`trades_${k}.csv`, HEADER, tradeRows(next, n)));
    next += n;
  }
  check = await checkAgainstReplay(t);
  assert.equal(check.state.version, 12);
  assert.equal(check.rows.length, next);
  // A CSV whose columns come in another order, some left out (read as null).
  const partial = writeCsv('partial.csv', ['ticker', 'day', 'id', 'px'], [['AAPL', '2024-01-02', 100000, '1.5'], [null, '2024-01-03', 100001, null]]);
  fl('table', 'append', t, '--csv', partial);
  next += 2;
  check = await checkAgainstReplay(t);
  const extra = check.rows.find((r) => r.id === 100001n);
  assert.deepEqual(extra, { id: 100001n, ticker: null, px: null, qty: null, amount: null, day: '2024-01-03', ts: null, ok: null, note: null });

  // Projection, filter and limit against the same rows filtered in JS.
  const { state, rows } = check;
  const pick = (r, cols) => Object.fromEntries(cols.map((c) => [c, r[c]]));
  const scan = (...extraArgs) => ourRows(t, state.schema, extraArgs);
  assertRowsEqual(
    sortRows(scan('--columns', 'note,id')),
    sortRows(rows.map((r) => pick(r, ['note', 'id']))),
    '--columns note,id',
  );
  assert.deepEqual(Object.keys(scan('--columns', 'note,id', '--limit', '1')[0]), ['note', 'id'], 'column order as asked');
  assertRowsEqual(sortRows(scan('--where', 'px > 20')), sortRows(rows.filter((r) => r.px !== null && r.px > 20)), "--where 'px > 20'");
  assertRowsEqual(
    sortRows(scan('--where', "ticker = 'A/B' AND day = '2024-01-03'")),
    sortRows(rows.filter((r) => r.ticker === 'A/B' && r.day === '2024-01-03')),
    '--where on partition columns',
  );
  assertRowsEqual(sortRows(scan('--where', 'ticker IS NULL')), sortRows(rows.filter((r) => r.ticker === null)), '--where ticker IS NULL');
  assertRowsEqual(
    sortRows(scan('--where', "ok = true OR note = ''")),
    sortRows(rows.filter((r) => r.ok === true || r.note === '')),
    '--where with OR',
  );
  assert.equal(scan('--limit', '7').length, 7);
  assert.equal(scan('--limit', '0').length, 0);
  assert.equal(Number(fl('table', 'scan', t, '--count', '--where', 'qty >= 100').stdout), rows.filter((r) => r.qty !== null && r.qty >= 100n).length);

  // The CSV and table formats carry the same rows.
  const csvOut = fl('table', 'scan', t, '--format', 'csv').stdout;
  const csvFile = path.join(dir, 'scan.csv');
  fs.writeFileSync(csvFile, csvOut);
  const duckCsv = await duckdbQuery(`SELECT count(*) AS n, count(note) AS notes FROM read_csv(${sqlStr(csvFile)}, header = true, all_varchar = true)`);
  assert.equal(duckCsv.rows[0].n, BigInt(rows.length), 'CSV rows read back by DuckDB');
  const tableOut = fl('table', 'scan', t).stdout.trimEnd().split('\n');
  assert.match(tableOut[0], /^\s*id\s+ticker\s+px\s+qty\s+amount\s+day\s+ts\s+ok\s+note$/);
  assert.match(tableOut.at(-1), new RegExp(`^\\(${rows.length} rows\\)$`));
  assert.equal(tableOut.length, rows.length + 3);

  // Optimize: fewer files, same rows, removes with dataChange=false.
  const before = check.state.files.length;
  const opt = fl('table', 'optimize', t).stdout;
  check = await checkAgainstReplay(t);
  assert.ok(check.state.files.length < before, `optimize: ${before} -> ${check.state.files.length} files (${opt.trim()})`);
  assert.equal(check.rows.length, next);
  const partitions = new Set(check.state.files.map((f) => JSON.stringify(Object.entries(f.partitionValues).sort())));
  assert.equal(check.state.files.length, partitions.size, 'one file per partition after optimize');
  const optCommit = check.state.commitInfo;
  assert.equal(optCommit?.operation, 'OPTIMIZE');
  assert.ok(check.state.tombstones.length >= before - partitions.size, 'optimize leaves tombstones');
  // Every version before optimize still reads the same rows (nothing deleted yet).
  await checkAgainstReplay(t, 5);

  // Vacuum with zero retention deletes exactly the tombstoned files that are gone from the table.
  const tomb = check.state.tombstones.map((r) => r.path);
  const dry = fl('table', 'vacuum', t, '--retain-hours', '0', '--force', '--dry-run').stdout.trim().split('\n');
  assert.match(dry.at(-1), new RegExp(`would delete ${tomb.length} files?$`));
  // vacuum prints file paths relative to the table root (the log's paths, URL-decoded).
  assert.deepEqual(dry.slice(0, -1).sort(), tomb.map(decodeURIComponent).sort(), 'vacuum --dry-run lists the tombstones');
  for (const p of tomb) assert.ok(fs.existsSync(path.join(t, decodeURIComponent(p))), `dry run kept ${p}`);
  fl('table', 'vacuum', t, '--retain-hours', '0', '--force');
  for (const p of tomb) assert.ok(!fs.existsSync(path.join(t, decodeURIComponent(p))), `vacuum deleted ${p}`);
  // Time travel to a version whose files the vacuum deleted says so (it was a bare "No such file").
  const gone = runFl(['table', 'scan', t, '--version', '1', '--count']);
  assert.notEqual(gone.code, 0);
  assert.match(gone.stderr, /\(of version 1\) is gone: deleted by VACUUM/);
  check = await checkAgainstReplay(t);
  assert.equal(check.rows.length, next);

  // An explicit checkpoint, then more appends after it.
  fl('table', 'checkpoint', t);
  const cpVersion = check.state.version;
  fl('table', 'append', t, '--csv', writeCsv('after_cp.csv', HEADER, tradeRows(next, 9)));
  next += 9;
  check = await checkAgainstReplay(t);
  assert.equal(check.state.checkpointVersion, cpVersion, 'the replayer starts from our checkpoint');
  assert.equal(check.rows.length, next);

  // (c) Every checkpoint we wrote, read by DuckDB.
  const listing = listLog(t);
  assert.ok(listing.checkpoints.has(10), 'automatic checkpoint at version 10');
  assert.ok(listing.checkpoints.has(cpVersion), `explicit checkpoint at version ${cpVersion}`);
  assert.equal(listing.lastCheckpoint?.version, cpVersion, '_last_checkpoint names the newest checkpoint');
  for (const [v, { files }] of listing.checkpoints) {
    const replayed = await replayDeltaLog(t, { version: v });
    const q = await duckdbQuery(
      `SELECT count(*) AS rows, count(add) AS adds, count(remove) AS removes, count(metaData) AS metas,
              count(protocol) AS protocols, count(txn) AS txns
       FROM read_parquet([${files.map(sqlStr).join(',')}], hive_partitioning = false)`,
    );
    const c = q.rows[0];
    assert.equal(c.adds, BigInt(replayed.files.length), `checkpoint ${v}: add rows`);
    assert.equal(c.removes, BigInt(replayed.tombstones.length), `checkpoint ${v}: remove rows (unexpired tombstones)`);
    assert.equal(c.metas, 1n, `checkpoint ${v}: one metaData row`);
    assert.equal(c.protocols, 1n, `checkpoint ${v}: one protocol row`);
    assert.equal(c.txns, 0n, `checkpoint ${v}: no txn rows`);
    assert.equal(c.rows, c.adds + c.removes + c.metas + c.protocols + c.txns, `checkpoint ${v}: one action per row`);
    if (v === listing.lastCheckpoint?.version) {
      assert.equal(Number(listing.lastCheckpoint.size), Number(c.rows), '_last_checkpoint.size');
    }
    // The columns and nested fields the protocol's checkpoint schema names.
    const cols = await duckdbQuery(`DESCRIBE SELECT * FROM read_parquet(${sqlStr(files[0])}, hive_partitioning = false)`);
    const types = Object.fromEntries(cols.rows.map((r) => [r.column_name, r.column_type]));
    for (const col of ['txn', 'add', 'remove', 'metaData', 'protocol']) assert.ok(col in types, `checkpoint ${v}: column ${col}`);
    for (const f of ['path', 'partitionValues', 'size', 'modificationTime', 'dataChange', 'stats']) {
      assert.match(types.add, new RegExp(`\\b"?${f}"? `), `checkpoint ${v}: add.${f} in ${types.add}`);
    }
    assert.match(types.add, /"?partitionValues"? MAP\(VARCHAR, VARCHAR\)/);
    assert.match(types.protocol, /minReaderVersion"? INTEGER/);
    assert.match(types.metaData, /schemaString"? VARCHAR/);
    // The add rows, as DuckDB reads them, are the replayer's live files.
    const adds = await duckdbQuery(
      `SELECT add.path AS path, add.size AS size, add.stats AS stats, map_keys(add.partitionValues) AS k
       FROM read_parquet([${files.map(sqlStr).join(',')}], hive_partitioning = false) WHERE add IS NOT NULL ORDER BY 1`,
    );
    assert.deepEqual(adds.rows.map((r) => r.path), replayed.files.map((f) => f.path).sort(), `checkpoint ${v}: add paths`);
    for (const r of adds.rows) {
      assert.deepEqual(r.k.sort(), ['day', 'ticker'], `checkpoint ${v}: partitionValues keys`);
      assert.ok(Number.isInteger(JSON.parse(r.stats).numRecords), `checkpoint ${v}: stats.numRecords`);
    }
  }
});

// ---------------------------------------------------------------------------------------------
// (e) time travel and history

test('time travel by version and timestamp on a table of three appends; history', async () => {
  const t = path.join(dir, 'travel');
  const csv = (k) => writeCsv(`travel_${k}.csv`, ['id', 'label'], Array.from({ length: 10 * (k + 1) }, (_, i) => [k * 1000 + i, `v${k}`]));
  fl('table', 'append', t, '--csv', csv(0)); // creates the table (schema inferred)
  fl('table', 'append', t, '--csv', csv(1));
  fl('table', 'append', t, '--csv', csv(2));
  const latest = await replayDeltaLog(t);
  const firstData = latest.version - 2; // the version of the first append
  const counts = {};
  for (let v = 0; v <= latest.version; v++) {
    const { rows } = await checkAgainstReplay(t, v);
    counts[v] = rows.length;
  }
  assert.equal(counts[latest.version], 60);
  assert.equal(counts[firstData], 10);
  assert.equal(counts[firstData + 1], 30);
  const v0 = ourRows(t, latest.schema, ['--version', '0']);
  assert.equal(v0.length, counts[0], '--version 0');
  assert.notDeepEqual(counts[0], counts[latest.version], 'version 0 differs from the latest');

  // history: newest first, one entry per commit, operations and metrics as in the log.
  const hist = fl('table', 'history', t, '--format', 'jsonl').stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.ok(hist.length >= 3, 'history has 3+ entries');
  assert.deepEqual(hist.map((h) => h.version), [...Array(latest.version + 1).keys()].reverse());
  const stamps = commitTimestamps(t);
  for (const h of hist) {
    const st = await replayDeltaLog(t, { version: h.version });
    assert.equal(h.operation, st.commitInfo.operation, `v${h.version}: operation`);
    assert.ok(h.operation.length > 0);
    assert.deepEqual(h.operationParameters, st.commitInfo.operationParameters ?? {}, `v${h.version}: operationParameters`);
    assert.deepEqual(h.operationMetrics, st.commitInfo.operationMetrics ?? {}, `v${h.version}: operationMetrics`);
    assert.equal(h.timestampMs, stamps.get(h.version), `v${h.version}: timestamp (file mtime, kept monotonic)`);
    assert.equal(h.timestamp, new Date(h.timestampMs).toISOString().replace('Z', '000Z'));
  }
  const appends = hist.filter((h) => h.version >= firstData);
  for (const h of appends) assert.equal(h.operation, 'WRITE', `v${h.version}: an append is a WRITE`);
  assert.deepEqual(appends.map((h) => Number(h.operationMetrics.numOutputRows)), [30, 20, 10]);
  const text = fl('table', 'history', t).stdout;
  assert.match(text.split('\n')[0], /^version\s+timestamp\s+operation\s+operationParameters\s+operationMetrics$/);

  // --timestamp: each commit's own timestamp selects that version (epoch ms and ISO-8601).
  for (const h of hist) {
    if (hist.some((o) => o.version > h.version && o.timestampMs === h.timestampMs)) continue; // a tie picks the later one
    const byMs = ourRows(t, latest.schema, ['--timestamp', String(h.timestampMs)]);
    assert.equal(byMs.length, counts[h.version], `--timestamp ${h.timestampMs} (v${h.version})`);
    const byIso = ourRows(t, latest.schema, ['--timestamp', new Date(h.timestampMs).toISOString()]);
    assert.equal(byIso.length, counts[h.version], `--timestamp ISO (v${h.version})`);
  }
  // After the last commit: an error naming the latest version (as Spark does).
  const far = runFl(['table', 'scan', t, '--timestamp', '2999-01-01T00:00:00Z']);
  assert.notEqual(far.code, 0);
  assert.match(far.stderr, new RegExp(`latest version ${latest.version}\\b`));
  assert.equal(far.stderr.trim().split('\n').length, 1);
  assert.equal(ourRows(t, latest.schema, ['--timestamp', String(hist.at(-1).timestampMs)]).length, counts[0], 'at the first commit');
});

// ---------------------------------------------------------------------------------------------
// (d) Spark-written golden tables

const goldenCore = path.join(fixturesDir(), 'delta_golden', 'core');

test('golden core tables: every version, our rows == replayer + DuckDB rows', async () => {
  assert.ok(fs.existsSync(goldenCore), `fixtures missing: ${goldenCore}`);
  const tables = fs.readdirSync(goldenCore).sort();
  assert.ok(tables.length >= 15, `${tables.length} golden core tables`);
  for (const name of tables) {
    const t = path.join(goldenCore, name);
    const latest = await replayDeltaLog(t);
    const first = Math.min(...latest.listing.commits.keys());
    for (let v = first; v <= latest.version; v++) await checkAgainstReplay(t, v);
  }
});

test('golden facts (MANIFEST.md) hold for our scan', () => {
  const ids = (name, extra = []) =>
    fl('table', 'scan', path.join(goldenCore, name), '--format', 'jsonl', '--columns', 'id', extra)
      .stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l).id).sort((a, b) => a - b);
  assert.deepEqual(ids('simple_table'), [5, 7, 9]);
  assert.deepEqual(ids('simple_table', ['--version', '0']), [0, 1, 2, 3, 4]);
  const count = (name, extra = []) => Number(fl('table', 'scan', path.join(goldenCore, name), '--count', extra).stdout);
  assert.equal(count('basic-with-inserts-deletes-checkpoint'), 41);
  assert.deepEqual([0, 1, 2, 3].map((v) => count('basic-with-inserts-overwrite-restore', ['--version', String(v)])), [100, 200, 500, 200]);
  assert.deepEqual([0, 1, 2, 3, 4].map((v) => count('snapshot-data2-deleted', ['--version', String(v)])), [10, 20, 10, 30, 20]);
  assert.equal(count('kernel-basic-with-checkpoint'), 150);
  assert.deepEqual(ids('time-travel-start-start20-start40'), [...Array(30).keys()]);
});

test('golden log-only tables: live files == the replayer\'s, also with a garbled _last_checkpoint', async () => {
  const base = path.join(fixturesDir(), 'delta_golden', 'log_only_and_negative');
  for (const name of ['checkpoint', 'corrupted-last-checkpoint', 'with_checkpoint_no_last_checkpoint', 'latest_not_checkpointed']) {
    const t = path.join(dir, `logonly-${name}`);
    fs.cpSync(path.join(base, name), t, { recursive: true });
    if (name === 'corrupted-last-checkpoint') fs.writeFileSync(path.join(t, '_delta_log', '_last_checkpoint'), '{"version":10,"si');
    const state = await replayDeltaLog(t);
    const d = describe(t);
    assert.equal(d.version, state.version, `${name}: version`);
    assert.deepEqual(d.files.map((f) => f.path).sort(), state.files.map((f) => f.path).sort(), `${name}: live files`);
    for (let v = Math.min(...state.listing.commits.keys()); v < state.version; v++) {
      const sv = await replayDeltaLog(t, { version: v });
      if (sv.schema === null) {
        // A metaData without its required schemaString: refusing it is right, in one line.
        const r = runFl(['table', 'describe', t, '--version', String(v)]);
        if (r.code !== 0) {
          assert.equal(r.stderr.trim().split('\n').length, 1, `${name} v${v}: one line: ${r.stderr}`);
          continue;
        }
      }
      const dv = describe(t, ['--version', String(v)]);
      assert.deepEqual(dv.files.map((f) => f.path).sort(), sv.files.map((f) => f.path).sort(), `${name} v${v}: live files`);
    }
  }
  assert.deepEqual(describe(path.join(dir, 'logonly-checkpoint')).files.map((f) => f.path), ['15']);
});
