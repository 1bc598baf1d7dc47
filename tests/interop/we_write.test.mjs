// Files that FinanceLake writes must read back, value for value, in two independent readers:
// DuckDB and hyparquet.
//  1. `fl_interop_gen OUTDIR` (tests/interop/gen_files.cc, see lib.mjs#interopGenBin) writes OUTDIR/<name>.parquet
//     with OUTDIR/<name>.expected.jsonl; DuckDB's rows and hyparquet's rows must equal the
//     expected rows (and so must ours).
//  2. `financelake parquet write --csv` of a tricky CSV (quotes, commas, empty = null, unicode), with
//     each compression, with an explicit --schema and with inference: DuckDB reading our Parquet
//     must give what DuckDB's own read_csv gives for the same CSV with the same column types.
//
// hyparquet: given hyparquet-compressors it reads every codec we write (snappy, zstd, gzip,
// none), data page v1 and v2, dictionary, RLE, DELTA_* and BYTE_STREAM_SPLIT encodings,
// so nothing here is skipped for it. Its one lossy spot, DECIMAL as JS Number, is avoided in
// lib.mjs#hyparquetRows (raw unscaled integers, scaled by us).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  assertRowsEqual,
  closeDuck,
  duckdbQuery,
  duckdbRows,
  expectedRows,
  hyparquetRows,
  interopGenBin,
  mkTmp,
  ourRows,
  rmTmp,
  runFlOk,
  runProgram,
  sqlStr,
} from './lib.mjs';

let dir;
before(() => {
  dir = mkTmp('fl-we-write-');
});
after(() => {
  closeDuck();
  rmTmp(dir);
});

test('fl_interop_gen files read back identically in DuckDB and hyparquet', async (t) => {
  const gen = interopGenBin();
  const out = path.join(dir, 'gen');
  fs.mkdirSync(out);
  const r = runProgram(gen, [out]);
  assert.equal(r.code, 0, `${gen} ${out} exited ${r.code ?? r.signal}\nstderr: ${r.stderr}`);
  const parquets = fs.readdirSync(out).filter((f) => f.endsWith('.parquet')).sort();
  assert.ok(parquets.length > 0, `fl_interop_gen wrote no .parquet files into ${out}`);
  for (const name of parquets) {
    await t.test(name, async () => {
      const file = path.join(out, name);
      const jsonl = file.replace(/\.parquet$/, '.expected.jsonl');
      assert.ok(fs.existsSync(jsonl), `missing ${path.basename(jsonl)} beside ${name}`);
      const expected = await expectedRows(jsonl, file);
      assertRowsEqual(await duckdbRows(file), expected, `${name}: DuckDB vs expected`);
      assertRowsEqual(await hyparquetRows(file), expected, `${name}: hyparquet vs expected`);
      assertRowsEqual(await ourRows(file), expected, `${name}: ours vs expected`);
    });
  }
});

// --- CSV -> Parquet --------------------------------------------------------------------------

// Quotes, embedded commas and doubled quotes, unquoted empty fields (= null in every type),
// unicode, extremes of each integer width, exponents, dates/timestamps before 1970.
const CSV = [
  'id,sym,name,price,qty,small,tiny,ratio,active,day,ts,amount',
  '1,AAPL,"Apple, Inc.",189.25,100,-32768,-128,0.5,true,2024-01-02,2024-01-02 09:30:00,1234.5678',
  '2,ZÜRICH,"He said ""hi""",-0.001,,32767,127,1.25,false,1969-12-31,1969-12-31 23:59:59.999999,-0.0001',
  '3,,,,-7,,,,,,,',
  '4,日本,"📈 up, 株価",1e10,2147483647,0,0,-3.75,true,2000-02-29,2000-02-29 12:00:00.5,99999999999999.9999',
  '9223372036854775807,X,plain,0,-2147483648,1,1,0,false,1900-01-01,1900-01-01 00:00:00,0',
  '-9223372036854775808,"q""uote",", leading comma",-1.5e-7,0,-1,-1,3.4028235e38,true,0001-01-01,1970-01-01 00:00:00.000001,-99999999999999.9999',
].join('\n') + '\n';

// --schema name:type for our writer, and the DuckDB type read_csv gets for the same column.
const SCHEMA = [
  ['id', 'long', 'BIGINT'],
  ['sym', 'string', 'VARCHAR'],
  ['name', 'string', 'VARCHAR'],
  ['price', 'double', 'DOUBLE'],
  ['qty', 'integer', 'INTEGER'],
  ['small', 'short', 'SMALLINT'],
  ['tiny', 'byte', 'TINYINT'],
  ['ratio', 'float', 'FLOAT'],
  ['active', 'boolean', 'BOOLEAN'],
  ['day', 'date', 'DATE'],
  ['ts', 'timestamp', 'TIMESTAMP'],
  ['amount', 'decimal(18,4)', 'DECIMAL(18,4)'],
];
// gzip is not in the brief's list but the CLI's help offers it, so it is held to the same bar.
const CODECS = { snappy: 'SNAPPY', zstd: 'ZSTD', gzip: 'GZIP', none: 'UNCOMPRESSED' };

async function csvRowsAs(csvFile, columns) {
  const spec = columns.map(([n, t]) => `${sqlStr(n)}: ${sqlStr(t)}`).join(', ');
  return duckdbRows(
    csvFile,
    `SELECT * FROM read_csv({file}, header = true, auto_detect = false, delim = ',', quote = '"',
       escape = '"', columns = {${spec}})`,
  );
}

async function codecsOf(file) {
  const { rows } = await duckdbQuery(`SELECT DISTINCT compression FROM parquet_metadata(${sqlStr(file)})`);
  return rows.map((r) => r.compression);
}

for (const [codec, footerName] of Object.entries(CODECS)) {
  test(`parquet write --csv --compression ${codec} --schema: DuckDB reads what read_csv reads`, async () => {
    const csv = path.join(dir, `schema_${codec}.csv`);
    const out = path.join(dir, `schema_${codec}.parquet`);
    fs.writeFileSync(csv, CSV);
    const schema = SCHEMA.map(([n, t]) => `${n}:${t}`).join(',');
    runFlOk(['parquet', 'write', '--csv', csv, '--out', out, '--compression', codec, '--schema', schema]);
    assert.deepEqual(await codecsOf(out), [footerName], 'codec in the footer');
    const { rows: described } = await duckdbQuery(`DESCRIBE SELECT * FROM read_parquet(${sqlStr(out)})`);
    assert.deepEqual(
      described.map((r) => [r.column_name, r.column_type.replace('TIMESTAMP WITH TIME ZONE', 'TIMESTAMP')]),
      SCHEMA.map(([n, , duck]) => [n, duck]),
      'column names and types',
    );
    const want = await csvRowsAs(csv, SCHEMA.map(([n, , duck]) => [n, duck]));
    assertRowsEqual(await duckdbRows(out), want, 'DuckDB(our parquet) vs DuckDB read_csv');
    assertRowsEqual(await hyparquetRows(out), want, 'hyparquet(our parquet) vs DuckDB read_csv');
  });

  test(`parquet write --csv --compression ${codec} with inferred types`, async () => {
    const csv = path.join(dir, `infer_${codec}.csv`);
    const out = path.join(dir, `infer_${codec}.parquet`);
    fs.writeFileSync(csv, CSV);
    runFlOk(['parquet', 'write', '--csv', csv, '--out', out, '--compression', codec]);
    assert.deepEqual(await codecsOf(out), [footerName], 'codec in the footer');
    const { rows: described } = await duckdbQuery(`DESCRIBE SELECT * FROM read_parquet(${sqlStr(out)})`);
    const types = Object.fromEntries(described.map((r) => [r.column_name, r.column_type]));
    assert.deepEqual(Object.keys(types), SCHEMA.map(([n]) => n), 'column names in CSV order');
    // Whatever the inference rules, these columns leave no choice.
    assert.equal(types.id, 'BIGINT', 'id holds int64 extremes');
    assert.match(types.qty, /^(INTEGER|BIGINT)$/, 'qty is integral');
    assert.match(types.price, /^(DOUBLE|FLOAT)$/, 'price has exponents and fractions');
    assert.equal(types.name, 'VARCHAR');
    assert.equal(types.sym, 'VARCHAR');
    assert.equal(types.active, 'BOOLEAN');
    // Values: DuckDB's read_csv of the same CSV with the types we inferred.
    const want = await csvRowsAs(csv, described.map((r) => [r.column_name, r.column_type]));
    assertRowsEqual(await duckdbRows(out), want, 'DuckDB(our parquet) vs DuckDB read_csv');
    assertRowsEqual(await hyparquetRows(out), want, 'hyparquet(our parquet) vs DuckDB read_csv');
  });
}
