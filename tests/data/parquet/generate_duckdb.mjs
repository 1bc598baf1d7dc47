// Regenerates the DuckDB-written test files of this folder (see README.md).
// Run from the repository root after `npm ci`: node tests/data/parquet/generate_duckdb.mjs
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';

const dir = path.dirname(fileURLToPath(import.meta.url));
const out = (name) => path.join(dir, name);

// Every value is a formula of the row number i, so the C++ tests recompute the expected values.
const TYPES = `
SELECT i::INTEGER AS id,
  CASE WHEN i % 7 = 0 THEN NULL ELSE (i % 100 - 50)::TINYINT END AS t8,
  (i * 3 - 1000)::SMALLINT AS s16,
  (i * 100000 - 7)::BIGINT AS i64,
  (i % 200)::UTINYINT AS u8,
  (4294967295 - i)::UINTEGER AS u32,
  (i / 4.0)::FLOAT AS f32,
  CASE WHEN i % 5 = 0 THEN NULL ELSE i * 1.5 END::DOUBLE AS f64,
  ((i - 500)::DECIMAL(4,0) * 0.01::DECIMAL(3,2))::DECIMAL(4,2) AS d4,
  ((i * 1000003 - 5)::DECIMAL(18,0) * 0.001::DECIMAL(4,3))::DECIMAL(18,3) AS d18,
  (((i - 500)::DECIMAL(38,0) * 12345678901234567 - 3) * 0.0000000001::DECIMAL(11,10))::DECIMAL(38,10) AS d38,
  DATE '2020-01-01' + i::INTEGER AS dt,
  TIMESTAMP '2020-01-01 00:00:00' + to_microseconds(i * 1234567) AS ts,
  (TIMESTAMP '2020-01-01 00:00:00' + to_microseconds(i * 1234567))::TIMESTAMP_MS AS ts_ms,
  (TIMESTAMP_NS '2020-01-01 00:00:00' + to_microseconds(i * 1234567)) AS ts_ns,
  CASE WHEN i % 11 = 0 THEN NULL ELSE 'str' || (i % 37) END AS dict_str,
  'u' || i || repeat('x', (i % 5)::INTEGER) AS plain_str,
  ('b' || i)::BLOB AS bin,
  CASE WHEN i % 13 = 0 THEN NULL ELSE i % 3 = 0 END AS flag
FROM range(1000) t(i)`;

const NESTED = `
SELECT i AS id,
  CASE WHEN i % 5 = 0 THEN NULL
       ELSE {'a': i, 'b': CASE WHEN i % 3 = 0 THEN NULL ELSE 'x' || i END} END AS s,
  CASE WHEN i % 4 = 0 THEN NULL
       ELSE list_transform(range(i % 4), x -> CASE WHEN x = 1 THEN NULL ELSE i * 10 + x END) END AS l,
  CASE WHEN i % 6 = 0 THEN NULL
       ELSE list_transform(range(i % 4), x -> list_transform(range(x), y -> y + i)) END AS ll,
  CASE WHEN i % 7 = 0 THEN NULL
       ELSE map_from_entries(list_transform(range(i % 3), k -> {'k': 'key' || k,
              'v': CASE WHEN k = 1 THEN NULL ELSE i * 10 + k END})) END AS m,
  list_transform(range(i % 3), k -> {'p': k, 'q': CASE WHEN k = 0 THEN NULL ELSE [k, i] END}) AS ls
FROM range(200) t(i)`;

const ROWGROUPS = `
SELECT i AS id,
  ['AAPL', 'MSFT', 'NVDA', 'TSLA', 'GOOG'][(i % 5) + 1] AS ticker,
  (100 + i * 0.25)::DOUBLE AS price
FROM range(10000) t(i)`;

const inst = await DuckDBInstance.create(':memory:');
const c = await inst.connect();
await c.run(`COPY (${TYPES}) TO '${out('duckdb_types.parquet')}' (FORMAT parquet, COMPRESSION snappy)`);
await c.run(`COPY (${NESTED}) TO '${out('duckdb_nested.parquet')}' (FORMAT parquet, COMPRESSION uncompressed)`);
await c.run(`COPY (${TYPES}) TO '${out('duckdb_types_v2.parquet')}' (FORMAT parquet, COMPRESSION zstd, PARQUET_VERSION v2)`);
await c.run(`COPY (${ROWGROUPS}) TO '${out('duckdb_rowgroups.parquet')}' (FORMAT parquet, COMPRESSION gzip, ROW_GROUP_SIZE 2048)`);

// The expected rows of the nested file, as DuckDB's to_json renders them.
const r = await c.runAndReadAll(`SELECT to_json(t)::VARCHAR AS j FROM (${NESTED}) t ORDER BY id`);
fs.writeFileSync(out('duckdb_nested.expected.jsonl'),
  r.getRowObjectsJson().map((row) => row.j).join('\n') + '\n');

// Expected rows of every checkpoint file in the Spark-written Delta fixtures (nested structs,
// maps and lists), as DuckDB's to_json renders them, in file order.
const fixtures = path.resolve(dir, '../../../../shared/fixtures/delta_golden');
const golden = out('checkpoints');
fs.mkdirSync(golden, { recursive: true });
await c.run('SET threads = 1');
for (const rel of fs.readdirSync(fixtures, { recursive: true }).sort()) {
  if (!/\.checkpoint\..*parquet$/.test(path.basename(rel))) continue;
  const rows = await c.runAndReadAll(
    `SELECT to_json(t)::VARCHAR AS j FROM read_parquet('${path.join(fixtures, rel)}') t`);
  const name = rel.split(path.sep).join('__') + '.jsonl';
  fs.writeFileSync(path.join(golden, name),
    rows.getRowObjectsJson().map((row) => row.j).join('\n') + '\n');
}
