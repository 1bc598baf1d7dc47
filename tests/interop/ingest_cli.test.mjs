// The ingestion CLI end to end, without Kafka: `produce` to stdout, `ingest --source` (sim, csv)
// exactly once across reruns and SIGKILL, `demo` stopping cleanly on Ctrl-C, DuckDB reading the
// Bronze files, and bad input failing with one clear line.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { closeDuck, duckdbQuery, expectFailure, fixturesDir, mkTmp, rmTmp, runFlOk, sqlStr } from './lib.mjs';
import { replayDeltaLog } from './delta_replay.mjs';
import { bronzeRows, committedRows, sleep, startFl, stopChild, waitForCommit, waitForOutput } from './kafka_lib.mjs';

let dir;
before(() => {
  dir = mkTmp('fl-ingest-cli-');
});
after(() => {
  closeDuck();
  rmTmp(dir);
});

test('produce to stdout: valid JSON events, deterministic for a seed', () => {
  const args = ['produce', '--source', 'sim', '--count', '300', '--seed', '9', '--start', '2024-03-04T14:30:00Z'];
  const a = runFlOk(args).stdout.trim().split('\n');
  const b = runFlOk(args).stdout.trim().split('\n');
  assert.equal(a.length, 300);
  assert.deepEqual(a, b, 'same seed, same events');
  const other = runFlOk(args.map((x, i) => (args[i - 1] === '--seed' ? '10' : x))).stdout.trim().split('\n');
  assert.notDeepEqual(other, a, 'another seed, other events');
  const ids = new Set();
  for (const line of a) {
    const e = JSON.parse(line);
    assert.match(e.event_id, /^[0-9a-f]{32}$/);
    assert.ok(!Number.isNaN(Date.parse(e.event_time)), e.event_time);
    ids.add(e.event_id);
    if (e.ticker !== undefined) assert.ok(e.price > 0 && Number.isInteger(e.volume));
  }
  assert.equal(ids.size, 300, 'event ids are unique');
});

test('progress lines: the first at the first commit, with the rate since the start', () => {
  const lake = path.join(dir, 'progress');
  const r = runFlOk(['ingest', '--source', 'sim', '--seed', '3', '--count', '2500', '--rate', '1000',
    '--topics', 'stock-trades', '--start', '2024-03-04T14:30:00Z', '--lake', lake, '--once',
    '--max-latency-ms', '200', '--progress-interval-s', '1']);
  const lines = [...r.stderr.matchAll(/^ingest: (\d+) events in, (\d+) rows committed \((\d+)\/s\)/gm)];
  assert.ok(lines.length >= 2, r.stderr);
  // Paced at 1000 events/s: the first line's rate is its rows over the time since the start
  // (it said 0/s).
  const [, , rows, rate] = lines[0].map(Number);
  assert.ok(rows > 0 && rate > 0 && rate <= 3000, r.stderr);
  for (const l of lines.slice(1)) assert.ok(Number(l[3]) > 0, r.stderr);
});

test('ingest --source sim: exactly once across reruns and kill -9', async () => {
  const lake = path.join(dir, 'sim');
  const args = ['ingest', '--source', 'sim', '--seed', '5', '--count', '40000', '--rate', '10000',
    '--start', '2024-03-04T14:30:00Z', '--lake', lake, '--max-latency-ms', '100', '--progress-interval-s', '0'];
  const bronzeCount = () => ['stock_trades', 'crypto_prices', 'bank_transactions']
    .map((t) => (fs.existsSync(path.join(lake, 'bronze', t)) ? bronzeRows(lake, t).length : 0))
    .reduce((a, b) => a + b, 0);
  const tables = ['stock_trades', 'crypto_prices', 'bank_transactions'];
  for (let i = 0; i < 4; i++) {
    const p = startFl(args);
    // The first run commits before its kill (each table's version 0 is its creation), so a slow
    // start on a loaded machine cannot leave the killed runs with nothing committed.
    if (i === 0) assert.ok(await waitForCommit(p, lake, tables, tables.length), p.stderr);
    await sleep(400 + i * 150);
    p.proc.kill('SIGKILL');
    const { signal } = await p.exited;
    assert.equal(signal, 'SIGKILL', `run ${i + 1} ended before the kill: ${p.stderr}`);
  }
  // The killed runs did commit (else the catch-up below would pass on its own).
  const byKilled = bronzeCount();
  assert.ok(byKilled > 0 && byKilled < 40000, `rows committed by the killed runs: ${byKilled}`);
  assert.equal(committedRows(runFlOk([...args, '--once']).stderr), 40000 - byKilled);
  assert.equal(committedRows(runFlOk([...args, '--once']).stderr), 0); // a rerun adds nothing
  const expected = runFlOk(['produce', '--source', 'sim', '--seed', '5', '--count', '40000',
    '--start', '2024-03-04T14:30:00Z']).stdout.trim().split('\n').map((l) => JSON.parse(l).event_id);
  const got = [];
  for (const t of ['stock_trades', 'crypto_prices', 'bank_transactions']) {
    for (const r of bronzeRows(lake, t)) got.push(r.event_id);
  }
  assert.equal(got.length, 40000, 'every event once');
  assert.equal(new Set(got).size, 40000, 'no duplicates');
  assert.deepEqual([...got].sort(), [...expected].sort(), 'the same events produce emits');
  // The independent log replayer finds the same live files (files of killed runs that never
  // committed are orphans, not part of the table), the txn at the last offset, and DuckDB reads
  // those files with the same rows.
  const snap = await replayDeltaLog(path.join(lake, 'bronze', 'stock_trades'));
  const txns = Object.values(snap.txns);
  assert.equal(txns.length, 1);
  assert.match(txns[0].appId, /^financelake-ingest:source:sim-[0-9a-f]{16}$/);
  assert.equal(Number(txns[0].version), 40000);
  const files = snap.files.map((f) => f.file);
  const { rows: [{ n }] } = await duckdbQuery(
    `SELECT count(*)::BIGINT AS n FROM read_parquet([${files.map(sqlStr).join(',')}], hive_partitioning = false)`,
  );
  assert.equal(Number(n), bronzeRows(lake, 'stock_trades').length);
});

test('ingest --source csv: daily bars land once; malformed rows go to errors', () => {
  const lake = path.join(dir, 'csv');
  const good = path.join(fixturesDir(), 'stocks_daily', 'mplfinance', 'yahoofinance-INTC-19950101-20040412.csv');
  const bad = path.join(dir, 'BAD.csv');
  fs.writeFileSync(bad, 'Date,Open,High,Low,Close,Adj Close,Volume\n2024-01-02,1,2,0.5,1.5,1.5,100\n2024-01-03,x,2,0.5,1.5,1.5,100\n');
  const lines = fs.readFileSync(good, 'utf8').trim().split('\n').length - 1;
  for (let i = 0; i < 2; i++) runFlOk(['ingest', '--source', 'csv', good, bad, '--lake', lake, '--once']);
  const rows = bronzeRows(lake, 'stock_trades');
  assert.equal(rows.length, lines + 1);
  assert.equal(new Set(rows.map((r) => r.event_id)).size, rows.length);
  const errors = runFlOk(['table', 'scan', path.join(lake, 'errors'), '--format', 'jsonl']).stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(errors.length, 1);
  assert.equal(errors[0].source_position, `${bad}:3`);
  assert.match(errors[0].reason, /x/);
});

test('demo stops cleanly on SIGINT with everything committed', async () => {
  const lake = path.join(dir, 'demo');
  const p = startFl(['demo', '--lake', lake, '--rate', '3000', '--port', '0']);
  // The history bootstrap and model training come first; time the live part only (a loaded
  // machine running tests in parallel may take a while to get there).
  for (let i = 0; i < 1200 && !/dashboard at/.test(p.stdout) && p.proc.exitCode === null; i++) await sleep(50);
  assert.match(p.stdout, /simulator -> Bronze/, p.stderr);
  // The dashboard runs alongside and serves the lake being written.
  const url = /demo: dashboard at (http:\/\/\S+\/)/.exec(p.stdout);
  assert.ok(url, p.stdout);
  const tables = await (await fetch(url[1] + 'api/tables')).json();
  assert.ok(tables.tables.some((t) => t.table === 'bronze.bank_transactions'), JSON.stringify(tables));
  // At least 2.5 s of live events, and until the progress line shows more than 1000 of them
  // (up to 60 s: the demo's own Silver/Gold work shares a loaded machine with other tests).
  await sleep(2500);
  const liveEvents = () => Math.max(0, ...[...p.stdout.matchAll(/demo: (\d+) events, /g)].map((x) => Number(x[1])));
  for (let i = 0; i < 1150 && liveEvents() <= 1000 && p.proc.exitCode === null; i++) await sleep(50);
  p.proc.kill('SIGINT');
  const { code } = await p.exited;
  assert.equal(code, 0, p.stderr);
  assert.match(p.stdout, /events\/s/);
  const m = /stopped with everything committed: (\d+) events/.exec(p.stdout);
  assert.ok(m, p.stdout);
  // Bronze = the bank history the demo generates first (to train the fraud model) + live events.
  const h = /demo: (\d+) bank transactions of history/.exec(p.stdout);
  assert.ok(h, p.stdout);
  assert.match(p.stdout, /demo: fraud model fraud-[0-9a-f]{12} trained on/);
  let total = 0;
  for (const t of ['stock_trades', 'crypto_prices', 'bank_transactions']) total += bronzeRows(lake, t).length;
  assert.equal(total, Number(h[1]) + Number(m[1]));
  assert.ok(Number(m[1]) > 1000, `${m[1]} live events in 2.5 s at 3000/s`);
  // A rerun keeps the lake's model and adds no history: Bronze grows by the live events only.
  const again = runFlOk(['demo', '--lake', lake, '--rate', '3000', '--duration-s', '1', '--port', '-1']);
  assert.doesNotMatch(again.stdout, /dashboard at/);
  assert.match(again.stdout, /scoring bank transactions with fraud model fraud-[0-9a-f]{12} \(in the lake already\)/);
  assert.doesNotMatch(again.stdout, /of history/);
  const live = Number(/stopped with everything committed: (\d+) events/.exec(again.stdout)[1]);
  let grown = 0;
  for (const t of ['stock_trades', 'crypto_prices', 'bank_transactions']) grown += bronzeRows(lake, t).length;
  assert.equal(grown, total + live);
  // The lake remembers the start its demo ran from, so the rerun continued that stream (a rerun
  // another day began a second one over the same days): no event is in Bronze twice. Another
  // --start says it begins another stream, and becomes the one reruns continue.
  assert.match(fs.readFileSync(path.join(lake, '_demo_start'), 'utf8'), /^\d+\n$/);
  const ids = new Set();
  let twice = 0;
  for (const t of ['stock_trades', 'crypto_prices', 'bank_transactions']) {
    for (const r of bronzeRows(lake, t)) {
      if (ids.has(r.event_id)) twice++;
      ids.add(r.event_id);
    }
  }
  assert.equal(twice, 0);
  const other = runFlOk(['demo', '--lake', lake, '--rate', '3000', '--duration-s', '1', '--port', '-1', '--start', '2024-03-04T14:30:00Z']);
  assert.match(other.stdout, /demo: --start 2024-03-04T14:30:00Z begins another stream in this lake \(its demo ran from \d+\)/);
  assert.equal(fs.readFileSync(path.join(lake, '_demo_start'), 'utf8'), '2024-03-04T14:30:00Z\n');
});

test('a continuous pipeline compacts the small files of every table while events flow, losing none', async () => {
  const lake = path.join(dir, 'upkeep');
  // 30 small Bronze commits before the pipeline starts, 30 more while it runs.
  runFlOk(['ingest', '--lake', lake, '--source', 'sim', '--topics', 'stock-trades', '--count', '3000',
    '--max-batch-rows', '100', '--once', '--progress-interval-s', '0']);
  const p = startFl(['pipeline', '--lake', lake, '--trigger-ms', '200', '--maintenance-interval-s', '1']);
  assert.ok(await waitForOutput(p, /silver stock_trades: bronze 3000 = silver 3000/), p.stdout + p.stderr);
  runFlOk(['ingest', '--lake', lake, '--source', 'sim', '--seed', '7', '--topics', 'stock-trades', '--count', '3000',
    '--max-batch-rows', '100', '--once', '--progress-interval-s', '0']);
  // Until a maintenance round after the last Bronze commit compacted something, and Silver has it all.
  const silverRows = () => [...p.stdout.matchAll(/silver stock_trades: bronze \d+ = silver (\d+)/g)].reduce((n, m) => n + Number(m[1]), 0);
  for (let i = 0; i < 1200 && silverRows() < 6000 && p.proc.exitCode === null; i++) await sleep(50);
  const rounds = () => p.stdout.match(/pipeline: maintenance: \d+ tables, \d+ small files compacted into \d+, \d+ files vacuumed/g) ?? [];
  // Two more rounds: the first to print may have taken its snapshots before the last commits
  // (maintenance runs on its own thread); the second started after them.
  const seen = rounds().length;
  for (let i = 0; i < 1200 && rounds().length <= seen + 1 && p.proc.exitCode === null; i++) await sleep(50);
  const { code } = await stopChild(p);
  assert.equal(code, 0, p.stderr);
  assert.equal(silverRows(), 6000, p.stdout);
  assert.ok(rounds().length > 0, p.stdout);
  // Only a compaction of a table a pass was replacing at the same moment may lose (and wait
  // for the next round); nothing else fails.
  for (const l of p.stderr.split('\n').filter((x) => /maintenance/.test(x))) assert.match(l, /concurrent/, p.stderr);
  // Bronze and Silver hold their rows in a few files now (their logs added 60 and more).
  for (const t of ['bronze/stock_trades', 'silver/stock_trades']) {
    const { files } = await replayDeltaLog(path.join(lake, t));
    assert.ok(files.length <= 4, `${t}: ${files.length} live files`);
    assert.ok(files.some((f) => f.dataChange === false), `${t}: no compacted file`);
  }
  // Every event once in Silver: 6000 distinct ids, as in Bronze.
  const silver = runFlOk(['sql', '--lake', lake, '--format', 'csv',
    'SELECT count(*) AS n, count(DISTINCT event_id) AS d FROM silver.stock_trades']).stdout;
  assert.equal(silver, 'n,d\n6000,6000\n');
  assert.equal(bronzeRows(lake, 'stock_trades').length, 6000);
  expectFailure(['pipeline', '--lake', lake, '--maintenance-interval-s', '-1'], '--maintenance-interval-s');
  expectFailure(['pipeline', '--lake', lake, '--maintenance-interval-s', '1e10'], /--maintenance-interval-s must be 0-31622400 seconds/);
  expectFailure(['demo', '--lake', path.join(dir, 'never'), '--maintenance-interval-s', 'nan'], '--maintenance-interval-s');
});

test('bad input: one clear line, non-zero exit', () => {
  expectFailure(['ingest', '--source', 'nope', '--lake', dir], "unknown source 'nope'");
  expectFailure(['ingest', '--source', 'sim', '--rate', 'abc', '--lake', dir], '--rate');
  expectFailure(['produce', '--rate', '-5'], /rate must be >= 0/);
  expectFailure(['ingest', '--lake', dir], '--brokers');
  const unreached = path.join(dir, 'lake-unreached');
  expectFailure(['ingest', '--brokers', '127.0.0.1:1', '--lake', unreached, '--connect-timeout-ms', '1500'], /cannot reach broker 127\.0\.0\.1:1/);
  assert.ok(!fs.existsSync(path.join(unreached, 'bronze')), 'a failed start writes no Bronze table');
  expectFailure(['produce', '--brokers', '127.0.0.1:1', '--count', '1', '--connect-timeout-ms', '1500'], /cannot reach broker/);
  const file = path.join(dir, 'a-file');
  fs.writeFileSync(file, 'x');
  expectFailure(['ingest', '--source', 'sim', '--count', '10', '--lake', path.join(file, 'lake')], /a-file/);
  expectFailure(['ingest', '--source', 'csv', path.join(dir, 'missing.csv'), '--lake', dir], 'missing.csv');
  expectFailure(['ingest', '--source', 'sim', '--lake', dir], /--source sim without --count, --days or --rate/);
  // --once asks for an end that an endless source never reaches: refused at once.
  expectFailure(['ingest', '--source', 'sim', '--once', '--lake', dir], /--once with --source sim needs --count or --days/);
  expectFailure(['ingest', '--source', 'sim', '--rate', '100', '--once', '--lake', dir], /--once with --source sim/);
  expectFailure(['ingest', '--source', 'coingecko', '--once', '--lake', dir], /--once with --source coingecko needs --polls N/);
  expectFailure(['broker', '--port', '70000'], '--port');
  expectFailure(['broker', '--port', '0', '--topics', 'trades,bad topic!'], /'bad topic!' is not a legal Kafka topic name/);
  // A topic name is checked before it reaches librdkafka (a leading '^' is a pattern there, which
  // took partitions and ingested nothing) or becomes a table directory ('../../x'); nothing is made.
  const topicsLake = path.join(dir, 'bad-topics');
  for (const t of ['^crypto.*', '../../x', 'ok,bad topic']) {
    expectFailure(['ingest', '--brokers', '127.0.0.1:1', '--topics', t, '--lake', topicsLake, '--once'], ['--topics', 'is not a legal Kafka topic name']);
  }
  assert.ok(!fs.existsSync(topicsLake), 'a refused ingest made its lake');
  // Kafka-only flags with --source would be ignored (no metrics server started): refused.
  for (const [flag, value] of [['--metrics-port', '19999'], ['--group', 'g'], ['--kafka-setting', 'a=b'], ['--max-buffered-bytes', '5']]) {
    expectFailure(['ingest', '--source', 'sim', '--count', '10', flag, value, '--lake', topicsLake], `${flag} is for Kafka (--brokers)`);
  }
  expectFailure(['ingest', '--source', 'sim', '--count', '10', '--progress-interval-s', 'nan', '--lake', topicsLake], '--progress-interval-s nan');
  expectFailure(['ingest', '--source', 'sim', '--count', '10', '--progress-interval-s', '1e300', '--lake', topicsLake], 'from 0 to a year');
  expectFailure(['ingest', '--brokers', '127.0.0.1:1', '--stream-id', 's', '--lake', topicsLake], '--stream-id is for --source');
  assert.ok(!fs.existsSync(topicsLake), 'a refused ingest made its lake');
  expectFailure(['produce', '--source', 'sim', '--count', '1', '--topics', 'crypto-prices', '--brokers', '127.0.0.1:1', '--topic', 'x y'], "--topic: 'x y' is not a legal");
  expectFailure(['produce', '--source', 'sim', '--count', '1', '--brokers', '127.0.0.1:1', '--topic-prefix', 'a/'], "--topic-prefix: 'a/stock-trades' is not a legal");
  // Out of range for the option's integer type: refused, not clamped (-1 became 2^64 - 1).
  expectFailure(['demo', '--seed', '-1', '--lake', path.join(dir, 'demo-seed')], "--seed: '-1' is negative");
  expectFailure(['demo', '--seed', '99999999999999999999', '--lake', path.join(dir, 'demo-seed')], '--seed: \'99999999999999999999\' is out of range');
  expectFailure(['demo', '--rate', '0'], '--rate');
  // demo checks every flag before it writes its bootstrap history into the lake.
  const demoLake = path.join(dir, 'demo-bad-flags');
  for (const [flag, value] of [['--rate', 'inf'], ['--duration-s', 'nan'], ['--port', '-2'], ['--tickers', ',,,'], ['--start', 'garbage']]) {
    expectFailure(['demo', '--lake', demoLake, flag, value], flag);
  }
  // The dashboard's address and token too (the message names the flag that exists).
  expectFailure(['demo', '--lake', demoLake, '--host', '0.0.0.0'], /--host 0\.0\.0\.0 is reachable from other machines: give --auth-token/);
  expectFailure(['demo', '--lake', demoLake, '--host', '0.0.0.0', '--auth-token', 'short'], /at least 16 characters/);
  assert.ok(!fs.existsSync(demoLake), 'a demo with a bad flag wrote to the lake');
});
