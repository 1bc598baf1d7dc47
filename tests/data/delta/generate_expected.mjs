// Regenerates tests/data/delta/expected/*.jsonl: the rows of every version of the Spark-written
// Delta fixtures, as DuckDB reads them from the live data files (see README.md).
// Run from the repository root after `npm ci`: node tests/data/delta/generate_expected.mjs
//
// Independent of our C++ code: the log is replayed here from the JSON commits (every fixture
// below keeps all of them), DuckDB reads each live Parquet file, partition columns are DuckDB's
// CAST of the log's partition value strings, and every value is put in the canonical form of
// tests/interop/lib.mjs (the contract of AppendJsonRow / `parquet cat --format jsonl`).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { closeDuck, duckdbExec, duckdbQuery, fixturesDir, sqlStr } from '../../interop/lib.mjs';

const outDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'expected');
const golden = path.join(fixturesDir(), 'delta_golden');

// core/ and advanced/ tables. For advanced/ ones the C++ test only uses the versions it can
// read (no deletion vectors, column mapping, ...): the rest must be refused, and DuckDB's rows
// for them (deleted rows included, physical column names) are not what the table holds.
const TABLES = ['core', 'advanced'].flatMap((dir) =>
  fs.readdirSync(path.join(golden, dir)).sort().map((t) => `${dir}/${t}`));

const DUCK_TYPES = {
  string: 'VARCHAR', long: 'BIGINT', integer: 'INTEGER', short: 'SMALLINT', byte: 'TINYINT',
  float: 'FLOAT', double: 'DOUBLE', boolean: 'BOOLEAN', binary: 'BLOB', date: 'DATE',
  timestamp: 'TIMESTAMPTZ', timestamp_ntz: 'TIMESTAMP',
};
const duckType = (t) => DUCK_TYPES[t] ?? t.replace(/^decimal/, 'DECIMAL');

/** Canonical value -> JSON text (BigInt as a bare integer). */
function toJson(v) {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'bigint') return v.toString();
  if (Array.isArray(v)) return `[${v.map(toJson).join(',')}]`;
  if (typeof v === 'object') {
    return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}:${toJson(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** Live files per version, replaying the JSON commits in order. */
function replay(table) {
  const log = path.join(golden, table, '_delta_log');
  const commits = fs.readdirSync(log).filter((n) => /^\d{20}\.json$/.test(n)).sort();
  const versions = [];
  const live = new Map();
  let metaData = null;
  commits.forEach((name, i) => {
    if (Number(name.slice(0, 20)) !== i) throw new Error(`${table}: commit ${i} missing`);
    for (const line of fs.readFileSync(path.join(log, name), 'utf8').split('\n')) {
      if (!line.trim()) continue;
      const a = JSON.parse(line);
      if (a.metaData) metaData = a.metaData;
      if (a.add) live.set(a.add.path, a.add);
      if (a.remove) live.delete(a.remove.path);
    }
    versions.push({ version: i, metaData, files: [...live.values()] });
  });
  return versions;
}

await duckdbExec("SET TimeZone = 'UTC'");
fs.mkdirSync(outDir, { recursive: true });
for (const table of TABLES) {
  const lines = [];
  for (const { version, metaData, files } of replay(table)) {
    const fields = JSON.parse(metaData.schemaString).fields;
    const partitions = new Set(metaData.partitionColumns);
    const rows = [];
    for (const add of files) {
      const file = path.join(golden, table, decodeURIComponent(add.path));
      const parts = fields.filter((f) => partitions.has(f.name)).map((f) => {
        const v = add.partitionValues[f.name];
        const lit = v === null || v === undefined || v === '' ? 'NULL' : sqlStr(v);
        return `CAST(${lit} AS ${duckType(f.type)}) AS ${JSON.stringify('__p_' + f.name)}`;
      });
      const select = ['*', ...parts].join(', ');
      const r = await duckdbQuery(
        `SELECT ${select} FROM read_parquet(${sqlStr(file)}, hive_partitioning = false)`);
      for (const row of r.rows) {
        const out = {};
        for (const f of fields) {
          out[f.name] = partitions.has(f.name) ? row[`__p_${f.name}`] : (row[f.name] ?? null);
        }
        rows.push(toJson(out));
      }
    }
    rows.sort();
    for (const row of rows) lines.push(`{"version":${version},"row":${row}}`);
  }
  const name = table.replaceAll('/', '__') + '.jsonl';
  fs.writeFileSync(path.join(outDir, name), lines.join('\n') + '\n');
  console.log(`${name}: ${lines.length} rows`);
}
closeDuck();
