// DuckDB writes Parquet files (every primitive type, nesting, dictionary / plain / V2 + DELTA
// encodings, snappy / zstd / uncompressed, 0 / 1 / 100k rows, several row groups); our reader
// (`financelake parquet cat --format jsonl`) must give exactly DuckDB's own rows. Also checks
// --columns, --limit and --format csv. The case list lives in duckdb_cases.mjs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  assertRowsEqual,
  closeDuck,
  duckdbQuery,
  duckdbRows,
  mkTmp,
  ourRows,
  parseJsonl,
  rmTmp,
  runFlOk,
  sqlStr,
} from './lib.mjs';
import { CASES, writeCase, checkCaseFacts } from './duckdb_cases.mjs';

let dir;
const files = {};
before(async () => {
  dir = mkTmp('fl-duckdb-writes-');
  for (const c of CASES) files[c.name] = await writeCase(dir, c);
});
after(() => {
  closeDuck();
  rmTmp(dir);
});

for (const c of CASES) {
  test(`we read DuckDB's ${c.name} (${c.opts}) exactly as DuckDB does`, async () => {
    const file = files[c.name];
    assert.deepEqual(await checkCaseFacts(file, c), [], `${c.name}: the file lacks what the case covers`);
    const duck = await duckdbRows(file);
    const ours = await ourRows(file);
    assertRowsEqual(ours, duck, `${c.name}: ours vs DuckDB`);
    // jsonl objects list the columns in file order.
    if (ours.length) {
      const described = await duckdbQuery(`DESCRIBE SELECT * FROM read_parquet(${sqlStr(file)})`);
      const columns = described.rows.map((r) => r.column_name);
      assert.deepEqual(Object.keys(ours[0]), columns, `${c.name}: column order`);
    }
  });
}

test('--columns projects top-level columns (flat and nested), in the order asked', async () => {
  const prim = files.primitives_snappy;
  const cols = ['c_dec38_10', 'c_bigint', 'c_varchar'];
  const projected = await ourRows(prim, ['--columns', cols.join(',')]);
  assertRowsEqual(
    projected,
    await duckdbRows(prim, `SELECT ${cols.join(', ')} FROM read_parquet({file})`),
    'primitives projection',
  );
  assert.deepEqual(Object.keys(projected[0]), cols, 'projected column order');
  const nested = files.nested_snappy;
  assertRowsEqual(
    await ourRows(nested, ['--columns', 'm,ls']),
    await duckdbRows(nested, 'SELECT m, ls FROM read_parquet({file})'),
    'nested projection',
  );
  // One column of a multi-row-group file.
  const big = files.big_row_groups;
  assertRowsEqual(
    await ourRows(big, ['--columns', 'amount']),
    await duckdbRows(big, 'SELECT amount FROM read_parquet({file})'),
    'big projection',
  );
});

test('parquet schema: "rows: N", then one line per top-level column, in file order', async () => {
  for (const c of CASES) {
    const file = files[c.name];
    const lines = runFlOk(['parquet', 'schema', file]).stdout.replace(/\n$/, '').split('\n');
    const { rows } = await duckdbQuery(`SELECT count(*) AS n FROM read_parquet(${sqlStr(file)})`);
    assert.equal(lines[0], `rows: ${rows[0].n}`, `${c.name}: first line`);
    const described = await duckdbQuery(`DESCRIBE SELECT * FROM read_parquet(${sqlStr(file)})`);
    const names = described.rows.map((r) => r.column_name);
    assert.equal(lines.length - 1, names.length, `${c.name}: one line per column:\n${lines.join('\n')}`);
    names.forEach((n, i) => assert.ok(lines[i + 1].startsWith(n), `${c.name}: line ${i + 2} names ${n}: ${lines[i + 1]}`));
  }
});

test('--limit stops after N rows, across row groups too', async () => {
  const big = files.big_row_groups;
  for (const n of [0, 1, 10000, 15001]) {
    assertRowsEqual(
      await ourRows(big, ['--limit', String(n)]),
      await duckdbRows(big, `SELECT * FROM read_parquet({file}) LIMIT ${n}`),
      `--limit ${n}`,
    );
  }
  const prim = files.primitives_zstd;
  assertRowsEqual(await ourRows(prim, ['--limit', '1000']), await duckdbRows(prim), 'limit past the end');
  assertRowsEqual(
    await ourRows(prim, ['--limit', '2', '--columns', 'c_date,c_float']),
    await duckdbRows(prim, 'SELECT c_date, c_float FROM read_parquet({file}) LIMIT 2'),
    '--limit with --columns',
  );
});

test('--format jsonl prints one object per line and nothing else', () => {
  const r = runFlOk(['parquet', 'cat', files.one_row, '--format', 'jsonl']);
  const lines = r.stdout.split('\n');
  assert.equal(lines.at(-1), '', 'output ends with a newline');
  assert.equal(lines.length, 2, 'one row -> one line');
  assert.equal(typeof parseJsonl(r.stdout)[0], 'object');
  const empty = runFlOk(['parquet', 'cat', files.zero_rows, '--format', 'jsonl']);
  assert.equal(empty.stdout, '', 'zero rows -> no output');
});

// Assumed CSV contract (RFC 4180): a header line of column names, fields quoted when they
// contain a comma, quote or newline, null as an empty unquoted field, values in the same text
// forms as jsonl (dates, timestamps, decimals). DuckDB reading that CSV back with the file's
// column types must give DuckDB's rows of the Parquet file.
test('--format csv of a flat file reads back in DuckDB as the same rows', async () => {
  const file = path.join(dir, 'csv_source.parquet');
  await writeCase(dir, {
    name: 'csv_source',
    sql: `SELECT * FROM (VALUES
        (1::BIGINT, 'plain', 1.5::DOUBLE, DATE '2024-01-02', TIMESTAMP '2024-01-02 09:30:00.25', 12.5::DECIMAL(9,2), true),
        (2, 'comma, "quoted" ünï 📈', -0.25, DATE '1969-12-31', TIMESTAMP '1969-12-31 23:59:59.999999', -0.01, false),
        (3, NULL, NULL, NULL, NULL, NULL, NULL),
        (-9223372036854775808, 'line' || chr(10) || 'break', 1e300, DATE '0001-01-01', TIMESTAMP '2000-01-01 00:00:00', 0, true)
      ) t(id, s, d, day, ts, dec, b)`,
    opts: 'COMPRESSION snappy',
  });
  const r = runFlOk(['parquet', 'cat', file, '--format', 'csv']);
  const csv = path.join(dir, 'cat_output.csv');
  fs.writeFileSync(csv, r.stdout);
  const types = (await duckdbQuery(`DESCRIBE SELECT * FROM read_parquet(${sqlStr(file)})`)).rows;
  const columns = types.map((t) => `${sqlStr(t.column_name)}: ${sqlStr(t.column_type)}`).join(', ');
  const back = await duckdbRows(
    csv,
    `SELECT * FROM read_csv({file}, header = true, auto_detect = false, delim = ',', quote = '"',
       escape = '"', columns = {${columns}})`,
  );
  assertRowsEqual(back, await duckdbRows(file), 'csv output read back by DuckDB');
});
