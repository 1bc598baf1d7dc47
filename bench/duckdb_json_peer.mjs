#!/usr/bin/env node
// DuckDB as the peer in `financelake bench ingest` (a): a JSON-lines file of events turned into
// a Parquet file by DuckDB on one thread.
//
//   node bench/duckdb_json_peer.mjs --input EVENTS.jsonl --workdir DIR [--repeat 3]
//
// Times, best of --repeat runs:
//   SET threads = 1;
//   COPY (FROM read_json('EVENTS.jsonl', format = 'newline_delimited')) TO 'DIR/duckdb_json.parquet'
//     (FORMAT parquet, COMPRESSION snappy)
// and prints one JSON line: {"rows":N,"seconds":..,"file_bytes":..,"duckdb_version":".."}
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';

function usage(msg) {
  process.stderr.write(
    `duckdb_json_peer: ${msg} (usage: node bench/duckdb_json_peer.mjs --input EVENTS.jsonl --workdir DIR [--repeat N])\n`,
  );
  process.exit(2);
}

let opts;
try {
  ({ values: opts } = parseArgs({
    options: {
      input: { type: 'string' },
      workdir: { type: 'string' },
      repeat: { type: 'string', default: '3' },
    },
    strict: true,
  }));
} catch (e) {
  usage(e.message);
}
if (!opts.input) usage('--input is required');
if (!opts.workdir) usage('--workdir is required');
if (!fs.existsSync(opts.input) || !fs.statSync(opts.input).isFile()) usage(`no such file: ${opts.input}`);
const repeat = Number(opts.repeat);
if (!Number.isInteger(repeat) || repeat < 1) usage(`--repeat must be a positive integer, not '${opts.repeat}'`);

const sqlStr = (s) => `'${String(s).replaceAll("'", "''")}'`;

let duckdb;
try {
  duckdb = await import('@duckdb/node-api');
} catch (e) {
  usage(`cannot load @duckdb/node-api (run 'make deps-node'): ${e.message}`);
}
const instance = await duckdb.DuckDBInstance.create(':memory:');
const conn = await instance.connect();
await conn.run('SET threads = 1');
await conn.run("SET preserve_insertion_order = true");
const out = path.join(opts.workdir, 'duckdb_json.parquet');
let best = Infinity;
for (let i = 0; i < repeat; i++) {
  fs.rmSync(out, { force: true });
  const t0 = performance.now();
  await conn.run(
    `COPY (FROM read_json(${sqlStr(opts.input)}, format = 'newline_delimited')) TO ${sqlStr(out)} ` +
      '(FORMAT parquet, COMPRESSION snappy)',
  );
  best = Math.min(best, (performance.now() - t0) / 1000);
}
const reader = await conn.runAndReadAll(`SELECT count(*)::BIGINT AS n FROM read_parquet(${sqlStr(out)})`);
const rows = Number(reader.getRowObjects()[0].n);
const version = (await conn.runAndReadAll('SELECT version() AS v')).getRowObjects()[0].v;
process.stdout.write(
  JSON.stringify({ rows, seconds: best, file_bytes: fs.statSync(out).size, duckdb_version: version }) + '\n',
);
