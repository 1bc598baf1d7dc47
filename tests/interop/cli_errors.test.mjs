// Bad input must give a clear failure: a non-zero exit (not a crash by signal), exactly one line
// on stderr, and that line names the problem (the path, the bad option value, the unknown word).
// Failed writes must not leave an output file behind.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { closeDuck, duckdbExec, expectFailure, flBin, mkTmp, rmTmp, runFlOk, sqlStr } from './lib.mjs';

let dir;
let valid;
let csv;
before(async () => {
  dir = mkTmp('fl-cli-errors-');
  valid = path.join(dir, 'valid.parquet');
  await duckdbExec(
    `COPY (SELECT i::BIGINT AS id, 'name_' || i AS name, i * 0.5 AS v FROM range(5000) t(i))
     TO ${sqlStr(valid)} (FORMAT parquet, COMPRESSION snappy)`,
  );
  csv = path.join(dir, 'in.csv');
  fs.writeFileSync(csv, 'id,name\n1,a\n2,b\n');
});
after(() => {
  closeDuck();
  rmTmp(dir);
});

const catAndSchema = (file) => [
  ['parquet', 'cat', file, '--format', 'jsonl'],
  ['parquet', 'cat', file],
  ['parquet', 'schema', file],
];

test('missing file', () => {
  const missing = path.join(dir, 'no_such_file.parquet');
  for (const args of catAndSchema(missing)) expectFailure(args, missing);
});

test('a directory instead of a file', () => {
  const sub = path.join(dir, 'a_directory.parquet');
  fs.mkdirSync(sub);
  for (const args of catAndSchema(sub)) expectFailure(args, sub);
});

test('a file that is not Parquet', () => {
  const text = path.join(dir, 'not_parquet.parquet');
  fs.writeFileSync(text, 'id,name\n1,hello\n'.repeat(100));
  const empty = path.join(dir, 'empty.parquet');
  fs.writeFileSync(empty, '');
  for (const f of [text, empty]) {
    for (const args of catAndSchema(f)) expectFailure(args, f);
  }
});

test('truncated Parquet files', () => {
  const bytes = fs.readFileSync(valid);
  const cuts = {
    half: bytes.subarray(0, Math.floor(bytes.length / 2)), // footer gone
    no_last_byte: bytes.subarray(0, bytes.length - 1), // trailing magic broken
    no_magic: bytes.subarray(0, bytes.length - 4), // footer length read from the wrong place
    footer_cut: Buffer.concat([bytes.subarray(0, bytes.length - 20), bytes.subarray(bytes.length - 8)]),
    magic_only: Buffer.from('PAR1PAR1'),
    header_only: bytes.subarray(0, 4),
  };
  for (const [name, data] of Object.entries(cuts)) {
    const f = path.join(dir, `truncated_${name}.parquet`);
    fs.writeFileSync(f, data);
    for (const args of catAndSchema(f)) expectFailure(args, f);
  }
  // A footer that is intact but whose data pages are cut: rows cannot be read.
  const midCut = path.join(dir, 'truncated_pages.parquet');
  const footerLen = bytes.readUInt32LE(bytes.length - 8) + 8;
  fs.writeFileSync(
    midCut,
    Buffer.concat([bytes.subarray(0, 4), bytes.subarray(bytes.length - footerLen)]), // pages removed
  );
  expectFailure(['parquet', 'cat', midCut, '--format', 'jsonl'], midCut);
});

test('bad --compression name', () => {
  const out = path.join(dir, 'bad_codec.parquet');
  expectFailure(['parquet', 'write', '--csv', csv, '--out', out, '--compression', 'lz77'], 'lz77');
  assert.ok(!fs.existsSync(out), 'no output file after a failed write');
});

test('bad --schema type', () => {
  const out = path.join(dir, 'bad_schema.parquet');
  expectFailure(['parquet', 'write', '--csv', csv, '--out', out, '--schema', 'id:long,name:varchar2'], 'varchar2');
  expectFailure(['parquet', 'write', '--csv', csv, '--out', out, '--schema', 'id:decimal(99,2),name:string'], /decimal/);
  assert.ok(!fs.existsSync(out), 'no output file after a failed write');
});

test('write with a missing input CSV', () => {
  const missing = path.join(dir, 'missing.csv');
  const out = path.join(dir, 'from_missing.parquet');
  expectFailure(['parquet', 'write', '--csv', missing, '--out', out], missing);
  assert.ok(!fs.existsSync(out), 'no output file after a failed write');
});

test('unknown subcommand', () => {
  expectFailure(['parquet', 'frobnicate', valid], 'frobnicate');
  expectFailure(['frobnicate'], 'frobnicate');
});

test('--version answers without a subcommand', () => {
  assert.match(runFlOk(['--version']).stdout, /^financelake \d+\.\d+\.\d+\n$/);
});

test('bad cat options', () => {
  expectFailure(['parquet', 'cat', valid, '--format', 'xml'], 'xml');
  expectFailure(['parquet', 'cat', valid, '--columns', 'id,no_such_column'], 'no_such_column');
  expectFailure(['parquet', 'cat', valid, '--limit', 'abc'], 'abc');
  expectFailure(['parquet', 'cat', valid, '--columns', 'name,NAME'], ["'NAME' is named twice"]);
  expectFailure(['parquet', 'cat', valid, '--limit', '99999999999999999999'], 'out of range');
  // Names as `table scan` takes them: spaces around them and case do not matter.
  const r = runFlOk(['parquet', 'cat', valid, '--columns', 'ID, name', '--limit', '1', '--format', 'jsonl']);
  assert.deepEqual(JSON.parse(r.stdout), { id: 0, name: 'name_0' });
  // A file whose columns differ only in case: the exact name picks one, any other spelling is
  // ambiguous (it was reported as missing).
  const csv = path.join(dir, 'case_twins.csv');
  fs.writeFileSync(csv, 'Id,ID,x\n1,2,3\n');
  const twins = path.join(dir, 'case_twins.parquet');
  runFlOk(['parquet', 'write', '--csv', csv, '--out', twins]);
  assert.deepEqual(JSON.parse(runFlOk(['parquet', 'cat', twins, '--columns', 'ID', '--format', 'jsonl']).stdout), { ID: 2 });
  expectFailure(['parquet', 'cat', twins, '--columns', 'id'], ["'id' is ambiguous", "'Id'", "'ID'"]);
});

test('pipeline over a lake that is not there creates nothing', async () => {
  const typo = path.join(dir, 'no_such_lake');
  expectFailure(['pipeline', '--lake', typo, '--once'], typo);
  assert.ok(!fs.existsSync(typo), 'pipeline --once created the mistyped lake');
  // Continuous mode waits for the lake (an ingest may be starting) and stops cleanly on SIGINT.
  const p = spawn(flBin(), ['pipeline', '--lake', typo], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const closed = new Promise((resolve) => p.on('close', (code, signal) => resolve({ code, signal })));
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no 'waiting' line: ${out}`)), 20_000);
    p.stdout.on('data', (d) => {
      out += d;
      if (out.includes('waiting for a lake')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  assert.ok(out.includes(typo), out);
  p.kill('SIGINT');
  assert.deepEqual(await closed, { code: 0, signal: null });
  assert.ok(!fs.existsSync(typo), 'continuous pipeline created the mistyped lake');
});

test('a continuous pipeline tries a failed pass again (a file gone for a moment) and goes on', async () => {
  // A hunt found any failed pass ended the continuous pipeline, e.g. a file a concurrent
  // `VACUUM ... RETAIN 0 HOURS FORCE` deleted between the log's answer and the read.
  const lake = path.join(dir, 'retry-lake');
  runFlOk(['ingest', '--source', 'sim', '--count', '200', '--topics', 'stock-trades', '--once', '--lake', lake,
    '--progress-interval-s', '0']);
  const bronze = path.join(lake, 'bronze', 'stock_trades');
  const files = fs.readdirSync(bronze, { recursive: true }).filter((f) => f.endsWith('.parquet')).map((f) => path.join(bronze, f));
  assert.ok(files.length > 0);
  for (const f of files) fs.renameSync(f, f + '.away');
  const p = spawn(flBin(), ['pipeline', '--lake', lake, '--trigger-ms', '200'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  p.stderr.on('data', (d) => (err += d));
  const closed = new Promise((resolve) => p.on('close', (code, signal) => resolve({ code, signal })));
  const waitFor = (what, ms) => new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      if (out.includes(what)) {
        clearInterval(timer);
        resolve();
      }
    }, 50);
    setTimeout(() => { clearInterval(timer); reject(new Error(`no '${what}' in: ${out} / ${err}`)); }, ms);
  });
  p.stdout.on('data', (d) => (out += d));
  try {
    await waitFor('retry 1 of 5 in 1 s', 20_000);
    assert.match(out, /pipeline: pass failed: .*\.parquet/);
    for (const f of files) fs.renameSync(f + '.away', f);
    const deadline = Date.now() + 30_000;
    let rows = '';
    while (Date.now() < deadline) {
      rows = spawnSync(flBin(), ['sql', '--lake', lake, '--format', 'csv', 'SELECT count(*) AS n FROM silver.stock_trades'], { encoding: 'utf8' }).stdout;
      if (rows.trim() === 'n\n200') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(rows.trim(), 'n\n200', out + err);
  } finally {
    p.kill('SIGINT');
  }
  assert.deepEqual(await closed, { code: 0, signal: null }, out + err);
});

// Names that become Delta txn appIds must be UTF-8 (the log is JSON text): a stream id that is
// not read back as another id, so every rerun ingested the same events again. Refused at start;
// the same bytes encoded as UTF-8 work and a rerun adds nothing.
test('ingest refuses a --stream-id or --group that is not UTF-8', () => {
  const lake = path.join(dir, 'names-lake');
  const run = (flag, bytes) =>
    spawnSync('/bin/sh', ['-c', `exec "$0" ingest --source sim --count 20 --topics stock-trades --once --lake "$1" --progress-interval-s 0 ${flag} "$(printf '${bytes}')"`, flBin(), lake], { encoding: 'utf8' });
  for (const flag of ['--stream-id', '--group']) {
    const r = run(flag, 's\\351');
    assert.notEqual(r.status, 0, r.stderr);
    assert.equal(r.stderr.trim(), `financelake: ${flag}: not UTF-8 text`);
  }
  assert.ok(!fs.existsSync(lake), 'nothing written');
  for (let i = 0; i < 2; i++) {
    const r = run('--stream-id', 's\\303\\251');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, i === 0 ? /20 rows committed/ : /0 rows committed/);
  }
});
