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
import { bestOf, openDuckdb, peerArgs, sqlStr } from './peer_lib.mjs';

const { opts, repeat, usage } = peerArgs(
  'duckdb_json_peer',
  'node bench/duckdb_json_peer.mjs --input EVENTS.jsonl --workdir DIR [--repeat N]',
  { options: { input: { type: 'string' }, workdir: { type: 'string' } }, required: ['input', 'workdir'], inputFile: 'input' },
);
const { conn } = await openDuckdb(usage);
await conn.run('SET preserve_insertion_order = true');
const out = path.join(opts.workdir, 'duckdb_json.parquet');
const best = await bestOf(
  repeat,
  () =>
    conn.run(
      `COPY (FROM read_json(${sqlStr(opts.input)}, format = 'newline_delimited')) TO ${sqlStr(out)} ` +
        '(FORMAT parquet, COMPRESSION snappy)',
    ),
  async () => fs.rmSync(out, { force: true }),
);
const reader = await conn.runAndReadAll(`SELECT count(*)::BIGINT AS n FROM read_parquet(${sqlStr(out)})`);
const rows = Number(reader.getRowObjects()[0].n);
const version = (await conn.runAndReadAll('SELECT version() AS v')).getRowObjects()[0].v;
process.stdout.write(
  JSON.stringify({ rows, seconds: best, file_bytes: fs.statSync(out).size, duckdb_version: version }) + '\n',
);
