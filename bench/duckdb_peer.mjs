#!/usr/bin/env node
// DuckDB as the peer in the Parquet benchmark: the same table written and read back by DuckDB.
//
//   node bench/duckdb_peer.mjs --input IN.parquet --workdir DIR [--compression snappy] [--repeat 3]
//
// One thread (SET threads = 1), in memory. Loads IN.parquet into table t (not timed), then times
//   write: COPY t TO 'DIR/duckdb.parquet' (FORMAT parquet, COMPRESSION <c>)
//   read:  CREATE TABLE r AS SELECT * FROM read_parquet('DIR/duckdb.parquet')   (every value decoded)
// taking the best of --repeat runs of each, and prints one JSON line:
//   {"rows":N,"write_seconds":..,"read_seconds":..,"file_bytes":..,"duckdb_version":".."}
import fs from 'node:fs';
import path from 'node:path';
import { bestOf, openDuckdb, peerArgs, sqlStr as q } from './peer_lib.mjs';

const { opts, repeat, usage } = peerArgs(
  'duckdb_peer',
  'node bench/duckdb_peer.mjs --input IN.parquet --workdir DIR [--compression snappy|zstd|uncompressed|none] [--repeat N]',
  {
    options: { input: { type: 'string' }, workdir: { type: 'string' }, compression: { type: 'string', default: 'snappy' } },
    required: ['input', 'workdir'],
    inputFile: 'input',
  },
);
const codecs = { snappy: 'snappy', zstd: 'zstd', uncompressed: 'uncompressed', none: 'uncompressed', gzip: 'gzip' };
const codec = codecs[opts.compression.toLowerCase()];
if (!codec) usage(`unknown --compression ${opts.compression}`);

fs.mkdirSync(opts.workdir, { recursive: true });
const out = path.resolve(opts.workdir, 'duckdb.parquet');

const { instance, conn } = await openDuckdb(usage);
try {
  const version = String((await conn.runAndReadAll('SELECT version()')).getRows()[0][0]);
  await conn.run(`CREATE TABLE t AS SELECT * FROM read_parquet(${q(path.resolve(opts.input))})`);
  const rows = Number((await conn.runAndReadAll('SELECT count(*) FROM t')).getRows()[0][0]);

  const time = (sql, before) => bestOf(repeat, () => conn.run(sql), async () => before && (await conn.run(before)));
  const writeSeconds = await time(`COPY t TO ${q(out)} (FORMAT parquet, COMPRESSION ${codec})`);
  const readSeconds = await time(
    `CREATE TABLE r AS SELECT * FROM read_parquet(${q(out)})`,
    'DROP TABLE IF EXISTS r',
  );
  const readRows = Number((await conn.runAndReadAll('SELECT count(*) FROM r')).getRows()[0][0]);
  if (readRows !== rows) throw new Error(`read back ${readRows} rows, wrote ${rows}`);

  process.stdout.write(
    `${JSON.stringify({
      rows,
      write_seconds: writeSeconds,
      read_seconds: readSeconds,
      file_bytes: fs.statSync(out).size,
      duckdb_version: version,
    })}\n`,
  );
} catch (e) {
  process.stderr.write(`duckdb_peer: ${e.message.split('\n')[0]}\n`);
  process.exitCode = 1;
} finally {
  conn.closeSync();
  instance.closeSync();
}
