// Parquet files that DuckDB writes for the interop tests (duckdb_writes.test.mjs reads them with
// our binary, canonical.test.mjs with hyparquet). Each case is one COPY ... TO statement.
import path from 'node:path';
import { duckdbExec, duckdbQuery, sqlStr } from './lib.mjs';

/** Builds `SELECT CAST(c AS T) AS name, ... FROM (VALUES ...)` from per-column SQL literals. */
function valuesTable(columns) {
  const n = Math.max(...columns.map((c) => c.values.length)) + 1; // + one all-NULL row
  const rows = [];
  for (let i = 0; i < n; i++) {
    rows.push(`(${columns.map((c) => `CAST(${c.values[i] ?? 'NULL'} AS ${c.type})`).join(', ')})`);
  }
  const names = columns.map((_, i) => `v${i}`);
  const select = columns.map((c, i) => `CAST(v${i} AS ${c.type}) AS ${c.name}`).join(', ');
  return `SELECT ${select} FROM (VALUES ${rows.join(',\n ')}) t(${names.join(', ')})`;
}

// Every primitive type, with extremes; the last row is all NULL (valuesTable adds it).
export const PRIMITIVES = valuesTable([
  { name: 'c_bool', type: 'BOOLEAN', values: ['true', 'false', 'NULL', 'true'] },
  { name: 'c_tinyint', type: 'TINYINT', values: ['-128', '127', '0', 'NULL', '-1'] },
  { name: 'c_smallint', type: 'SMALLINT', values: ['-32768', '32767', '0', '-1'] },
  { name: 'c_integer', type: 'INTEGER', values: ['-2147483648', '2147483647', '0', 'NULL', '42'] },
  {
    name: 'c_bigint',
    type: 'BIGINT',
    values: ['-9223372036854775808', '9223372036854775807', '0', '-1', '1234567890123456', 'NULL', '9007199254740993'],
  },
  {
    name: 'c_float',
    type: 'FLOAT',
    values: ["'nan'", "'inf'", "'-inf'", "'-0.0'", '0.1', '3.4028235e38', '1.4e-45', '-1.5', '16777217'],
  },
  {
    name: 'c_double',
    type: 'DOUBLE',
    values: ["'nan'", "'inf'", "'-inf'", "'-0.0'", '0.1', '1.7976931348623157e308', '5e-324', '-2.5e-300', '9007199254740993'],
  },
  {
    name: 'c_varchar',
    type: 'VARCHAR',
    values: [
      "''",
      "'héllo wörld'",
      "'日本語 📈 Ünïcödé'",
      "repeat('long-string-', 2000)",
      `'quote" comma, newline' || chr(10) || 'tab' || chr(9) || 'backslash \\ end'`,
      "'NULL'",
      "'12345678901234567890'",
    ],
  },
  {
    name: 'c_blob',
    type: 'BLOB',
    values: ["'\\x00\\xFF\\x10'::BLOB", "''::BLOB", "'abc'::BLOB", 'NULL', "'\\xDE\\xAD\\xBE\\xEF'::BLOB"],
  },
  {
    name: 'c_date',
    type: 'DATE',
    values: ["'1970-01-01'", "'1969-12-31'", "'0001-01-01'", "'9999-12-31'", "'2024-02-29'", 'NULL', "'1900-03-01'"],
  },
  {
    name: 'c_timestamp',
    type: 'TIMESTAMP',
    values: [
      "'1970-01-01 00:00:00'",
      "'1969-12-31 23:59:59.999999'",
      "'2024-02-29 12:34:56.789012'",
      "'0001-01-01 00:00:00'",
      "'9999-12-31 23:59:59.999999'",
      "'2000-01-01 00:00:00.000001'",
    ],
  },
  {
    name: 'c_timestamptz',
    type: 'TIMESTAMPTZ',
    values: ["'2024-01-01 00:00:00+00'", "'1900-06-30 12:00:00.5+02'", 'NULL', "'2038-01-19 03:14:08.123456+00'"],
  },
  {
    name: 'c_dec9_2',
    type: 'DECIMAL(9,2)',
    values: ['-9999999.99', '9999999.99', '0', '-0.01', '12.3', 'NULL', '0.5'],
  },
  {
    name: 'c_dec18_4',
    type: 'DECIMAL(18,4)',
    values: ['99999999999999.9999', '-99999999999999.9999', '-1.0001', '0', '0.0001'],
  },
  {
    name: 'c_dec38_10',
    type: 'DECIMAL(38,10)',
    values: [
      '9999999999999999999999999999.9999999999',
      '-9999999999999999999999999999.9999999999',
      '-0.0000000001',
      '0',
      '12345678901234567.8901234567',
    ],
  },
]);

// Nested types: struct, list (empty / null / null elements), map, list of structs, deeper nesting.
export const NESTED = `SELECT * FROM (VALUES
  (1,
   {'a': 1, 'b': 'x', 'c': [1.5, NULL]},
   [1, 2, 3],
   MAP {'a': 1::BIGINT, 'b': NULL},
   [{'k': 'a', 'v': 1::BIGINT}, NULL, {'k': NULL, 'v': NULL}],
   [[1::BIGINT], [], NULL, [NULL, 2::BIGINT]],
   {'nest': {'x': 1, 'tags': ['p', 'q']}},
   MAP {1: 'one', -2: 'minus two'}),
  (2, NULL, [], MAP {}, [], [], {'nest': NULL}, MAP {}),
  (3, {'a': NULL, 'b': NULL, 'c': NULL}, NULL, NULL, NULL, NULL, NULL, NULL),
  (4, {'a': 2, 'b': '', 'c': []}, [NULL], MAP {'ü': 9223372036854775807::BIGINT}, [{'k': 'z', 'v': (-9223372036854775808)::BIGINT}],
   [NULL], {'nest': {'x': NULL, 'tags': []}}, MAP {0: NULL}),
  (5, {'a': 3, 'b': 'y', 'c': [NULL]}, [NULL, 5], MAP {'': 0::BIGINT}, [NULL], [[NULL]], {'nest': {'x': 5, 'tags': NULL}}, NULL)
) t(id, s, l, m, ls, ll, ss, mi)`;
// Column types of NESTED, spelled out (VALUES infers them; this CAST pins them).
export const NESTED_TYPED = `SELECT id::INTEGER AS id,
  s::STRUCT(a INTEGER, b VARCHAR, c DOUBLE[]) AS s,
  l::INTEGER[] AS l,
  m::MAP(VARCHAR, BIGINT) AS m,
  ls::STRUCT(k VARCHAR, v BIGINT)[] AS ls,
  ll::BIGINT[][] AS ll,
  ss::STRUCT(nest STRUCT(x INTEGER, tags VARCHAR[])) AS ss,
  mi::MAP(INTEGER, VARCHAR) AS mi
FROM (${NESTED})`;

// Low-cardinality strings (DuckDB uses a dictionary) next to high-cardinality ones (it falls back
// to plain), plus low-cardinality numbers; nulls sprinkled in.
export const CARDINALITY = `SELECT i::BIGINT AS id,
  CASE WHEN i % 13 = 0 THEN NULL ELSE 'sym_' || (i % 7) END AS low_str,
  CASE WHEN i % 17 = 0 THEN NULL ELSE md5(i::VARCHAR) || '-' || i END AS high_str,
  (i % 5)::INTEGER AS low_int,
  CASE WHEN i % 11 = 0 THEN NULL ELSE (i % 3) * 0.25 END::DOUBLE AS low_dbl
FROM range(30000) t(i)`;

// 100k rows; written with a small ROW_GROUP_SIZE so the file has several row groups.
export const BIG = `SELECT i::BIGINT AS id,
  (i * 0.01)::DOUBLE AS price,
  (i % 1000)::INTEGER AS qty,
  'T' || (i % 50) AS sym,
  TIMESTAMP '2020-01-01 00:00:00' + to_microseconds(i * 1000003) AS ts,
  DATE '2000-01-01' + (i % 9000)::INTEGER AS day,
  (i * 3 - 150000)::DECIMAL(18,4) / 7 AS amount,
  CASE WHEN i % 10 = 0 THEN NULL ELSE i % 97 END::INTEGER AS maybe,
  i % 2 = 0 AS flag,
  (i / 3.0)::FLOAT AS f32
FROM range(100000) t(i)`;

export const ONE_ROW = `SELECT 7::BIGINT AS id, 'only' AS s, 1.25::DOUBLE AS d, [1, 2]::INTEGER[] AS l,
  {'x': 1}::STRUCT(x INTEGER) AS st, DATE '2024-05-06' AS day, 3.14::DECIMAL(9,2) AS dec`;

export const ZERO_ROWS = `${ONE_ROW} LIMIT 0`;

/**
 * The cases. `opts` is appended to (FORMAT parquet, ...). `expect` lists facts about the file that
 * parquet_metadata must show, so a DuckDB upgrade cannot silently drop what a case covers.
 */
export const CASES = [
  { name: 'primitives_snappy', sql: PRIMITIVES, opts: 'COMPRESSION snappy' },
  { name: 'primitives_zstd', sql: PRIMITIVES, opts: 'COMPRESSION zstd' },
  { name: 'primitives_uncompressed', sql: PRIMITIVES, opts: 'COMPRESSION uncompressed' },
  {
    name: 'primitives_nodict',
    sql: PRIMITIVES,
    opts: 'COMPRESSION snappy, DICTIONARY_SIZE_LIMIT 1',
    expect: { noDictionary: true },
  },
  {
    name: 'primitives_v2',
    sql: PRIMITIVES,
    opts: 'COMPRESSION zstd, PARQUET_VERSION V2',
    expect: { encodings: ['DELTA_BINARY_PACKED'] },
  },
  { name: 'nested_snappy', sql: NESTED_TYPED, opts: 'COMPRESSION snappy' },
  { name: 'nested_zstd_v2', sql: NESTED_TYPED, opts: 'COMPRESSION zstd, PARQUET_VERSION V2' },
  { name: 'nested_uncompressed_nodict', sql: NESTED_TYPED, opts: 'COMPRESSION uncompressed, DICTIONARY_SIZE_LIMIT 1' },
  {
    name: 'cardinality_snappy',
    sql: CARDINALITY,
    opts: 'COMPRESSION snappy',
    expect: { dictionaryColumns: ['low_str'], plainColumns: ['high_str'] },
  },
  {
    name: 'cardinality_nodict',
    sql: CARDINALITY,
    opts: 'COMPRESSION zstd, DICTIONARY_SIZE_LIMIT 1',
    expect: { noDictionary: true },
  },
  {
    name: 'cardinality_v2',
    sql: CARDINALITY,
    opts: 'COMPRESSION snappy, PARQUET_VERSION V2',
    expect: { encodings: ['DELTA_BINARY_PACKED', 'RLE_DICTIONARY'] },
  },
  { name: 'one_row', sql: ONE_ROW, opts: 'COMPRESSION snappy' },
  { name: 'zero_rows', sql: ZERO_ROWS, opts: 'COMPRESSION snappy' },
  {
    name: 'big_row_groups',
    sql: BIG,
    opts: 'COMPRESSION snappy, ROW_GROUP_SIZE 10000',
    expect: { minRowGroups: 3 },
  },
  {
    name: 'big_v2_zstd',
    sql: BIG,
    opts: 'COMPRESSION zstd, ROW_GROUP_SIZE 20000, PARQUET_VERSION V2',
    expect: { minRowGroups: 2 },
  },
];

/** Writes case `c` into dir; returns the file path. */
export async function writeCase(dir, c) {
  const file = path.join(dir, `${c.name}.parquet`);
  await duckdbExec(`COPY (${c.sql}) TO ${sqlStr(file)} (FORMAT parquet, ${c.opts})`);
  return file;
}

/** Checks a written case against its `expect` facts; returns a list of problems. */
export async function checkCaseFacts(file, c) {
  const problems = [];
  const e = c.expect;
  if (!e) return problems;
  const { rows } = await duckdbQuery(
    `SELECT row_group_id, path_in_schema, encodings, dictionary_page_offset IS NOT NULL AS dict
     FROM parquet_metadata(${sqlStr(file)})`,
  );
  if (e.noDictionary && rows.some((r) => r.dict)) problems.push('a column chunk has a dictionary page');
  for (const col of e.dictionaryColumns ?? []) {
    if (!rows.some((r) => r.path_in_schema === col && r.dict)) problems.push(`${col} has no dictionary`);
  }
  for (const col of e.plainColumns ?? []) {
    if (rows.some((r) => r.path_in_schema === col && r.dict)) problems.push(`${col} has a dictionary`);
  }
  for (const enc of e.encodings ?? []) {
    if (!rows.some((r) => String(r.encodings).includes(enc))) problems.push(`no column uses ${enc}`);
  }
  if (e.minRowGroups) {
    const groups = new Set(rows.map((r) => r.row_group_id)).size;
    if (groups < e.minRowGroups) problems.push(`${groups} row groups < ${e.minRowGroups}`);
  }
  return problems;
}
