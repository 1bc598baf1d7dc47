#!/usr/bin/env node
// DuckDB as the peer in `financelake bench pipeline`: the daily aggregates of gold/daily_prices
// computed with SQL straight from the Bronze Parquet files (payload JSON parsed by DuckDB).
//
//   node bench/duckdb_daily_peer.mjs --files-from LIST.txt --workdir DIR [--repeat 3]
//
// LIST.txt holds one Parquet path per line. One thread. Stock trades trade in New York's session
// (14:30-21:00 UTC at the latest), so their New York date equals their UTC date, which the query
// uses (no time-zone extension needed). Prints {"rows_in":N,"groups":G,"seconds":S}.
import fs from 'node:fs';
import path from 'node:path';
import { bestOf, openDuckdb, peerArgs, sqlStr } from './peer_lib.mjs';

const { opts, repeat, usage } = peerArgs(
  'duckdb_daily_peer',
  'node bench/duckdb_daily_peer.mjs --files-from LIST.txt --workdir DIR [--repeat N]',
  { options: { 'files-from': { type: 'string' }, workdir: { type: 'string' } }, required: ['files-from', 'workdir'], inputFile: 'files-from' },
);
const files = fs.readFileSync(opts['files-from'], 'utf8').split('\n').filter((l) => l.length > 0);
const { conn } = await openDuckdb(usage);
const out = path.join(opts.workdir, 'duckdb_daily.parquet');
const list = `[${files.map(sqlStr).join(',')}]`;
const query = `
  WITH t AS (
    SELECT json_extract_string(payload, '$.ticker') AS ticker,
           CAST(json_extract(payload, '$.price') AS DOUBLE) AS price,
           CAST(json_extract(payload, '$.volume') AS DOUBLE) AS volume,
           CAST(json_extract_string(payload, '$.event_time') AS TIMESTAMP) AS ts,
           json_extract_string(payload, '$.event_id') AS event_id
    FROM read_parquet(${list}, hive_partitioning = false)),
  d AS (SELECT DISTINCT ON (event_id) * FROM t WHERE price > 0)
  SELECT CAST(ts AS DATE) AS trading_date, ticker, 'stock' AS asset_class,
         arg_min(price, ts) AS open, max(price) AS high, min(price) AS low, arg_max(price, ts) AS close,
         avg(price) AS avg_price, sum(price * volume) / nullif(sum(volume), 0) AS vwap,
         sum(volume) AS total_volume, count(*) AS trade_count
  FROM d GROUP BY ALL`;
const best = await bestOf(
  repeat,
  () => conn.run(`COPY (${query}) TO ${sqlStr(out)} (FORMAT parquet, COMPRESSION snappy)`),
  async () => fs.rmSync(out, { force: true }),
);
const n = (await conn.runAndReadAll(`SELECT count(*)::BIGINT AS n FROM read_parquet(${list}, hive_partitioning = false)`)).getRowObjects()[0].n;
const g = (await conn.runAndReadAll(`SELECT count(*)::BIGINT AS n FROM read_parquet(${sqlStr(out)})`)).getRowObjects()[0].n;
process.stdout.write(JSON.stringify({ rows_in: Number(n), groups: Number(g), seconds: best }) + '\n');
