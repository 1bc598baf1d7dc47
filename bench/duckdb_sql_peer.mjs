#!/usr/bin/env node
// DuckDB as the peer in `financelake bench sql`: the same SQL over the same Parquet files.
//
//   node bench/duckdb_sql_peer.mjs --files-from LIST.txt --query-file Q.sql [--repeat 3]
//
// LIST.txt holds one Parquet path per line (a Delta table's live files); in Q.sql, {table}
// stands for those files. One thread. Prints {"seconds":S,"rows":R,"trades":T,"volume":V}: the
// best time, the result's row count and the sums of its `trades` and `volume` columns (so the
// caller can check both engines gave the same answer).
import fs from 'node:fs';
import { bestOf, openDuckdb, peerArgs, sqlStr } from './peer_lib.mjs';

const { opts, repeat, usage } = peerArgs(
  'duckdb_sql_peer',
  'node bench/duckdb_sql_peer.mjs --files-from LIST.txt --query-file Q.sql [--repeat N]',
  { options: { 'files-from': { type: 'string' }, 'query-file': { type: 'string' } }, required: ['files-from', 'query-file'], inputFile: 'files-from' },
);
const files = fs.readFileSync(opts['files-from'], 'utf8').split('\n').filter((l) => l.length > 0);
const { conn } = await openDuckdb(usage);
const table = `read_parquet([${files.map(sqlStr).join(',')}], hive_partitioning = false)`;
const query = fs.readFileSync(opts['query-file'], 'utf8').replaceAll('{table}', table);
let rows = [];
const best = await bestOf(repeat, async () => {
  rows = (await conn.runAndReadAll(query)).getRowObjects();
});
let trades = 0;
let volume = 0;
for (const r of rows) {
  trades += Number(r.trades ?? 0);
  volume += Number(r.volume ?? 0);
}
process.stdout.write(JSON.stringify({ seconds: best, rows: rows.length, trades, volume }) + '\n');
