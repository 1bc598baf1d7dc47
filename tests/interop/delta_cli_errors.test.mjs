// `financelake table ...` on bad input: a non-zero exit (not a signal), exactly one line on
// stderr, naming the problem. Tables that need protocol features we do not implement (golden
// advanced/ tables, reader version 99) are refused, never read wrong; a failed create leaves no
// table behind.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { closeDuck, expectFailure, fixturesDir, mkTmp, rmTmp, runFl, runFlOk } from './lib.mjs';
import { canonicalTableRows, replayDeltaLog, snapshotRowsDuckDB, sortRows } from './delta_replay.mjs';
import { assertRowsEqual } from './lib.mjs';

let dir;
let table; // a valid table: create + 2 appends (latest version 2)
let csv;
before(() => {
  dir = mkTmp('fl-delta-errors-');
  table = path.join(dir, 'valid');
  csv = path.join(dir, 'in.csv');
  fs.writeFileSync(csv, 'id,name,px\n1,a,1.5\n2,b,\n');
  runFlOk(['table', 'create', table, '--schema', 'id:long,name:string,px:double']);
  runFlOk(['table', 'append', table, '--csv', csv]);
  runFlOk(['table', 'append', table, '--csv', csv]);
});
after(() => {
  closeDuck();
  rmTmp(dir);
});

const readCommands = (t) => [
  ['table', 'scan', t],
  ['table', 'scan', t, '--count'],
  ['table', 'describe', t],
  ['table', 'history', t],
];
const writeCommands = (t) => [
  ['table', 'append', t, '--csv', csv],
  ['table', 'optimize', t],
  ['table', 'vacuum', t],
  ['table', 'checkpoint', t],
];

test('a table that does not exist', () => {
  const missing = path.join(dir, 'no_such_table');
  for (const args of [...readCommands(missing), ...writeCommands(missing).slice(1)]) {
    expectFailure(args, [missing, /does not exist|no such/i]);
  }
  assert.ok(!fs.existsSync(missing), 'reading a missing table does not create it');
});

test('a directory that is not a Delta table', () => {
  const plain = path.join(dir, 'plain');
  fs.mkdirSync(plain);
  fs.writeFileSync(path.join(plain, 'part-0.parquet'), 'not really');
  const emptyLog = path.join(dir, 'empty_log');
  fs.mkdirSync(path.join(emptyLog, '_delta_log'), { recursive: true });
  for (const t of [plain, emptyLog]) {
    for (const args of [...readCommands(t), ...writeCommands(t).slice(1)]) {
      expectFailure(args, [t, /not a Delta table/i]);
    }
  }
  const file = path.join(dir, 'a_file');
  fs.writeFileSync(file, 'x');
  expectFailure(['table', 'scan', file], [file, /not a Delta table|not a directory/i]);
});

test('bad --where', () => {
  expectFailure(['table', 'scan', table, '--where', 'no_such_col > 1'], ['no_such_col', '--where']);
  expectFailure(['table', 'scan', table, '--where', 'id >'], '--where');
  expectFailure(['table', 'scan', table, '--where', "id = 'abc'"], 'abc');
  expectFailure(['table', 'scan', table, '--where', 'id = 1 AND'], '--where');
});

test('bad --version and --timestamp', () => {
  expectFailure(['table', 'scan', table, '--version', '7'], ['7', /latest version is 2\b/]);
  expectFailure(['table', 'describe', table, '--version', '3'], ['3', /latest version is 2\b/]);
  expectFailure(['table', 'scan', table, '--version', '-1'], '-1');
  expectFailure(['table', 'scan', table, '--version', 'abc'], 'abc');
  expectFailure(['table', 'scan', table, '--version', '1', '--timestamp', '2024-01-01'], /not both/);
  expectFailure(['table', 'scan', table, '--timestamp', 'yesterday'], 'yesterday');
  // Before the first commit: the error names the earliest time there is.
  expectFailure(['table', 'scan', table, '--timestamp', '2000-01-01T00:00:00Z'], /earliest|before|first/i);
});

test('bad --schema, --partition-by and --property', () => {
  const t = path.join(dir, 'never_created');
  expectFailure(['table', 'create', t, '--schema', 'id:long,name:varchar2'], 'varchar2');
  expectFailure(['table', 'create', t, '--schema', 'id'], ['--schema', 'id']);
  expectFailure(['table', 'create', t, '--schema', 'id:decimal(99,2)'], 'decimal');
  expectFailure(['table', 'create', t, '--schema', ''], '--schema');
  expectFailure(['table', 'create', t, '--schema', 'id:long', '--partition-by', 'nope'], 'nope');
  expectFailure(['table', 'create', t, '--schema', 'id:long', '--property', 'novalue'], 'novalue');
  for (const v of ['abc', '0', '-1', '99999999999999999999']) {
    expectFailure(['table', 'create', t, '--schema', 'id:long', '--property', `delta.checkpointInterval=${v}`], ['delta.checkpointInterval', v]);
  }
  expectFailure(['table', 'create', t, '--schema', 'id:long', '--property', 'delta.appendOnly=maybe'], ['delta.appendOnly', 'maybe']);
  expectFailure(['table', 'append', t, '--csv', csv, '--schema', 'id:long,name:blob9,px:double'], 'blob9');
  expectFailure(['table', 'create', t, '--schema', 'id:long', '--partition-by', 'id'], 'partition');
  assert.ok(!fs.existsSync(t), 'failed creates leave no directory behind');
  // An existing directory the user made stays.
  const own = path.join(dir, 'users_own_dir');
  fs.mkdirSync(own);
  expectFailure(['table', 'create', own, '--schema', 'id:long', '--property', 'delta.appendOnly=maybe'], 'maybe');
  assert.ok(fs.existsSync(own), "a failed create removed the user's own directory");
  // An existing table: create again, or append with a schema that is not the table's.
  expectFailure(['table', 'create', table, '--schema', 'id:long'], [table, /exist/i]);
  expectFailure(['table', 'append', table, '--csv', csv, '--schema', 'id:long,name:string,px:string'], /schema/);
  // --partition-by and --property are chosen at creation: on an existing table they must restate
  // what it has (they were accepted and ignored), and a failed append commits nothing.
  expectFailure(['table', 'append', table, '--csv', csv, '--partition-by', 'name'],
    ["--partition-by 'name'", 'not partitioned', 'chosen when a table is created']);
  expectFailure(['table', 'append', table, '--csv', csv, '--property', 'delta.appendOnly=true'],
    ["--property 'delta.appendOnly=true'", 'delta.appendOnly unset']);
  assert.equal(JSON.parse(runFlOk(['table', 'describe', table, '--format', 'json']).stdout).version, 2);
  const parted = path.join(dir, 'parted');
  runFlOk(['table', 'append', parted, '--csv', csv, '--partition-by', 'name', '--property', 'delta.appendOnly=true']);
  runFlOk(['table', 'append', parted, '--csv', csv, '--partition-by', 'NAME', '--property', 'delta.appendOnly=true']);
  expectFailure(['table', 'append', parted, '--csv', csv, '--partition-by', 'id'], ['partitioned by name']);
  expectFailure(['table', 'append', parted, '--csv', csv, '--property', 'delta.appendOnly=false'], ['delta.appendOnly=true']);
});

test('bad CSV input for append', () => {
  const missing = path.join(dir, 'missing.csv');
  expectFailure(['table', 'append', table, '--csv', missing], missing);
  const extra = path.join(dir, 'extra.csv');
  fs.writeFileSync(extra, 'id,name,px,color\n1,a,1.0,red\n');
  expectFailure(['table', 'append', table, '--csv', extra], 'color');
  const badValue = path.join(dir, 'bad_value.csv');
  fs.writeFileSync(badValue, 'id,name,px\n1,a,1.0\nseven,b,2.0\n');
  expectFailure(['table', 'append', table, '--csv', badValue], ['seven', 'line 3']);
  // Nothing was committed by the failed appends.
  assert.equal(JSON.parse(runFlOk(['table', 'describe', table, '--format', 'json']).stdout).version, 2);
});

test('bad options', () => {
  expectFailure(['table', 'scan', table, '--format', 'xml'], 'xml');
  expectFailure(['table', 'history', table, '--format', 'yaml'], 'yaml');
  expectFailure(['table', 'describe', table, '--format', 'xml'], 'xml');
  expectFailure(['table', 'scan', table, '--columns', 'id,nope'], 'nope');
  expectFailure(['table', 'scan', table, '--limit', '-5'], '-5');
  // Out of a 64-bit integer's range: refused, not clamped to the largest one.
  expectFailure(['table', 'scan', table, '--limit', '99999999999999999999'], ['--limit', "'99999999999999999999' is out of range"]);
  expectFailure(['table', 'scan', table, '--version', '-99999999999999999999'], ['--version', 'out of range']);
  // A JSON line cannot hold a key twice.
  expectFailure(['table', 'scan', table, '--columns', 'id,ID', '--format', 'jsonl'], ["'ID' is named twice"]);
  expectFailure(['table', 'optimize', table, '--target-size', '0'], '--target-size');
  expectFailure(['table', 'vacuum', table, '--retain-hours', '-1'], '--retain-hours');
  // A retention below the table's 7 days without --force is refused.
  expectFailure(['table', 'vacuum', table, '--retain-hours', '1'], /force|retention/i);
  expectFailure(['table', 'frobnicate', table], 'frobnicate');
  expectFailure(['table', 'scan'], /PATH|required/);
  expectFailure(['table', 'create', path.join(dir, 'x')], '--schema');
});

test('golden advanced tables: refused, never read wrong', async () => {
  const base = path.join(fixturesDir(), 'delta_golden', 'advanced');
  assert.ok(fs.existsSync(base), `fixtures missing: ${base}`);
  for (const name of fs.readdirSync(base).sort()) {
    const t = path.join(base, name);
    const copy = path.join(dir, `adv-${name}`);
    fs.cpSync(t, copy, { recursive: true });
    const needsReaderFeatures = !/cdf-table/.test(name);
    if (needsReaderFeatures) {
      for (const args of readCommands(t).slice(0, 3)) expectFailure(args, /unsupported table feature/i);
    } else {
      // Change data feed needs writer version 4 only: reading with reader version 1 is allowed by
      // the protocol. Either refuse it, or return exactly the rows the replayer finds.
      const r = runFl(['table', 'scan', t, '--format', 'jsonl']);
      if (r.code === 0) {
        const state = await replayDeltaLog(t);
        assertRowsEqual(sortRows(canonicalTableRows(r.stdout, state.schema)), sortRows(await snapshotRowsDuckDB(state)), `${name}: rows`);
      } else {
        expectFailure(['table', 'scan', t], /unsupported table feature/i);
      }
    }
    // Writing needs every writer feature: refused, and nothing is added to the log.
    const before = fs.readdirSync(path.join(copy, '_delta_log')).sort();
    // A CSV that fits the table's schema (one row of nulls), so only the protocol can refuse it.
    let header = 'x';
    try {
      header = (await replayDeltaLog(copy)).schema.fields.filter((f) => typeof f.type === 'string').map((f) => f.name).join(',');
    } catch {
      // v2 checkpoints: the replayer does not follow them; the protocol refuses the table anyway.
    }
    fs.writeFileSync(path.join(dir, 'adv.csv'), `${header}\n${','.repeat(header.split(',').length - 1)}\n`);
    // (cdf-table needs writer version 4: refused for writing by protocol version rather than by feature.)
    const refused = /unsupported table feature/i;
    expectFailure(['table', 'append', copy, '--csv', path.join(dir, 'adv.csv')], refused);
    expectFailure(['table', 'optimize', copy], refused);
    assert.deepEqual(fs.readdirSync(path.join(copy, '_delta_log')).sort(), before, `${name}: log unchanged`);
  }
});

// A checkpoint is a write to the log: a writer that does not implement the table's writer protocol
// (cdf-table: writer version 4) must not write one either.
test('checkpoint of a table whose writer protocol we do not implement is refused', () => {
  const copy = path.join(dir, 'cdf-checkpoint');
  fs.cpSync(path.join(fixturesDir(), 'delta_golden', 'advanced', 'cdf-table'), copy, { recursive: true });
  const before = fs.readdirSync(path.join(copy, '_delta_log')).sort();
  expectFailure(['table', 'checkpoint', copy], /unsupported table feature for writing.*writer version 4/i);
  assert.deepEqual(fs.readdirSync(path.join(copy, '_delta_log')).sort(), before, 'log unchanged');
});

test('golden negative logs', () => {
  const base = path.join(fixturesDir(), 'delta_golden', 'log_only_and_negative');
  const bad = path.join(base, 'deltalog-invalid-protocol-version');
  expectFailure(['table', 'scan', bad], [/unsupported/i, /99/]);
  expectFailure(['table', 'describe', bad], [/unsupported/i]);
  const gap = path.join(base, 'versions-not-contiguous');
  expectFailure(['table', 'describe', gap], /contiguous|missing/i);
});

test('a commit file that is empty is damage, not an empty commit; a table without columns counts', () => {
  const t = path.join(dir, 'empty-commit');
  fs.cpSync(table, t, { recursive: true });
  fs.writeFileSync(path.join(t, '_delta_log', '00000000000000000002.json'), '');
  expectFailure(['table', 'scan', t, '--count'], [/00000000000000000002\.json/, /no actions|damaged/]);
  // history reads the same commits: it reports the damage too (it listed an empty version once),
  // and a garbage line after a commit's actions as well.
  expectFailure(['table', 'history', t], [/00000000000000000002\.json/, /no actions|damaged/]);
  const g = path.join(dir, 'garbage-commit');
  fs.cpSync(table, g, { recursive: true });
  fs.appendFileSync(path.join(g, '_delta_log', '00000000000000000002.json'), 'garbage\n');
  expectFailure(['table', 'history', g], /00000000000000000002\.json/);
  // Spark's golden log-only table with no columns crashed `scan --count` once: now its missing
  // data files are named, and a table without columns (and files) counts 0 rows.
  const nocols = path.join(fixturesDir(), 'delta_golden', 'log_only_and_negative', 'corrupted-last-checkpoint');
  expectFailure(['table', 'scan', nocols, '--count'], /data file '0'/);
  const empty = path.join(dir, 'no-columns');
  fs.mkdirSync(path.join(empty, '_delta_log'), { recursive: true });
  fs.writeFileSync(path.join(empty, '_delta_log', '00000000000000000000.json'),
    '{"protocol":{"minReaderVersion":1,"minWriterVersion":2}}\n' +
    '{"metaData":{"id":"x","format":{"provider":"parquet","options":{}},"schemaString":"{\\"type\\":\\"struct\\",\\"fields\\":[]}","partitionColumns":[],"configuration":{}}}\n');
  const r = runFl(['table', 'scan', empty, '--count']);
  assert.equal(r.signal, null, r.stderr);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '0\n');
});

test('column names resolve case-insensitively in --columns, --where, --partition-by and CSV headers', () => {
  const t = path.join(dir, 'case');
  const upper = path.join(dir, 'upper.csv');
  fs.writeFileSync(upper, 'ID,NAME,Px\n7,g,2.5\n');
  runFlOk(['table', 'create', t, '--schema', 'id:long,name:string,px:double', '--partition-by', 'NAME']);
  runFlOk(['table', 'append', t, '--csv', upper]);
  const out = runFlOk(['table', 'scan', t, '--columns', 'ID,Px', '--where', 'ID = 7', '--format', 'jsonl']).stdout;
  assert.deepEqual(out.trim().split('\n').map((l) => JSON.parse(l)), [{ id: 7, px: 2.5 }]);
  const desc = JSON.parse(runFlOk(['table', 'describe', t, '--format', 'json']).stdout);
  assert.deepEqual(desc.partitionColumns, ['name']);
});
