// `financelake ingest` against `financelake broker`, with messages produced by independent
// clients (kcat, Debian's python3-kafka): Bronze must hold every message exactly once — after
// --once runs, after kill -9 at random moments while producing, and with two ingest processes in
// one consumer group rebalancing mid-stream.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { closeDuck, duckdbQuery, mkTmp, rmTmp, runFl, runFlOk, sqlStr } from './lib.mjs';
import {
  assertExactlyOnce,
  bronzeCommits,
  bronzeRows,
  committedRows,
  kcatDump,
  kcatProduce,
  pythonProduce,
  sleep,
  startBroker,
  startFl,
  stockLines,
  stopChild,
  waitForCommit,
} from './kafka_lib.mjs';

let dir;
let broker;
before(async () => {
  dir = mkTmp('fl-ingest-kafka-');
  broker = await startBroker(3);
});
after(async () => {
  closeDuck();
  if (broker) await stopChild(broker.child);
  rmTmp(dir);
});

// Short sessions: a member killed with -9 never says goodbye, and the group waits for its session
// to expire before the next member can join.
const ingestArgs = (lake, topics, group, extra = []) => [
  'ingest', '--brokers', broker.addr, '--topics', topics, '--group', group, '--lake', lake,
  '--kafka-setting', 'session.timeout.ms=4000', '--kafka-setting', 'heartbeat.interval.ms=400',
  '--progress-interval-s', '0', ...extra,
];

test('kcat and python3-kafka messages land in Bronze exactly once with --once', () => {
  const topic = 'stock-trades';
  const lake = path.join(dir, 'once');
  kcatProduce(broker.addr, topic, stockLines(1500, 'kcat'));
  pythonProduce(
    broker.addr,
    topic,
    stockLines(700, 'py').map((l) => {
      const [key, payload] = l.split('\t');
      return { key, payload };
    }),
  );
  // A message that is not JSON is kept raw, with null key fields.
  kcatProduce(broker.addr, topic, ['AAPL\tthis is { not json']);
  runFlOk(ingestArgs(lake, topic, 'g-once', ['--once']));
  const messages = kcatDump(broker.addr, topic);
  assert.equal(messages.length, 2201);
  const rows = bronzeRows(lake, 'stock_trades');
  assertExactlyOnce(rows, messages, 'first --once');
  const raw = rows.find((r) => r.payload === 'this is { not json');
  assert.ok(raw, 'the non-JSON message is in Bronze');
  assert.equal(raw.event_id, null);
  assert.equal(raw.topic, topic);
  const py = rows.find((r) => r.payload.includes('"py-00000042"'));
  assert.equal(py.event_id, 'py-00000042', 'key fields extracted from the payload');

  // More messages, a second --once run: only the new ones are appended.
  kcatProduce(broker.addr, topic, stockLines(400, 'kcat2'));
  runFlOk(ingestArgs(lake, topic, 'g-once', ['--once']));
  assertExactlyOnce(bronzeRows(lake, 'stock_trades'), kcatDump(broker.addr, topic), 'second --once');

  // A different group on a fresh lake reads the topic from the start: positions are in the lake.
  const lake2 = path.join(dir, 'once-other');
  runFlOk(ingestArgs(lake2, topic, 'g-once-other', ['--once']));
  assertExactlyOnce(bronzeRows(lake2, 'stock_trades'), kcatDump(broker.addr, topic), 'other lake');
});

test('kill -9 at random moments while producing: nothing lost, nothing duplicated', async () => {
  const topic = 'crypto-prices';
  const lake = path.join(dir, 'kill9');
  const group = 'g-kill9';
  const cycles = 10;
  let produced = 0;
  let producing = true;
  const producer = (async () => {
    // ~150 messages a second, at most 21,000: 7 tickers hash 4 of 7 of them into one partition
    // (~161 bytes each), well inside the dev broker's ~5 MB per partition.
    while (producing && produced < 21_000) {
      const lines = stockLines(150, `k9-${produced}`, produced).map((l) => l.replace('"ticker"', '"symbol"'));
      kcatProduce(broker.addr, topic, lines);
      produced += lines.length;
      await sleep(1000);
    }
  })();
  let rng = 12345;
  const rand = () => ((rng = (rng * 1103515245 + 12345) % 2147483648) / 2147483648);
  let kills = 0;
  for (let c = 0; c < cycles; c++) {
    // Each run gets its partitions (once the killed member's session has expired) and commits;
    // then it is killed at a random moment of its ingesting.
    const commits = bronzeCommits(lake, ['crypto_prices']);
    const ingest = startFl(ingestArgs(lake, topic, group, ['--max-latency-ms', String(50 + Math.floor(rand() * 300))]));
    assert.ok(await waitForCommit(ingest, lake, ['crypto_prices'], commits), `run ${c + 1} committed nothing: ${ingest.stderr}`);
    await sleep(Math.floor(rand() * 600));
    ingest.proc.kill('SIGKILL');
    const { signal } = await ingest.exited;
    if (signal === 'SIGKILL') kills++;
    else assert.fail(`ingest exited by itself: ${ingest.stderr}`);
  }
  producing = false;
  await producer;
  assert.equal(kills, cycles);
  // The killed processes did ingest (else the catch-up below would pass on its own).
  const byKilled = bronzeRows(lake, 'crypto_prices').length;
  assert.ok(byKilled > 0, `rows committed by the killed runs: ${byKilled} of ${produced}`);
  // A clean stop with SIGTERM commits what it has and exits 0: a run that has committed gets
  // more messages and is stopped at once.
  const more = (tag) => {
    const lines = stockLines(150, `${tag}-${produced}`, produced).map((l) => l.replace('"ticker"', '"symbol"'));
    kcatProduce(broker.addr, topic, lines);
    produced += lines.length;
  };
  more('last');
  const commits = bronzeCommits(lake, ['crypto_prices']);
  const last = startFl(ingestArgs(lake, topic, group));
  assert.ok(await waitForCommit(last, lake, ['crypto_prices'], commits), `the last run committed nothing: ${last.stderr}`);
  more('stop');
  const { code } = await stopChild(last, 'SIGTERM');
  assert.equal(code, 0, `SIGTERM exit: ${last.stderr}`);
  const byLast = committedRows(last.stderr);
  assert.ok(byLast > 0, `the stopped run committed ${byLast}`);
  assert.equal(bronzeRows(lake, 'crypto_prices').length, byKilled + byLast, 'what the stopped run says it committed');
  const rest = committedRows(runFlOk(ingestArgs(lake, topic, group, ['--once'])).stderr);
  const messages = kcatDump(broker.addr, topic);
  assert.equal(messages.length, produced);
  assert.equal(byKilled + byLast + rest, produced, 'each message committed by one run');
  assertExactlyOnce(bronzeRows(lake, 'crypto_prices'), messages, `after ${cycles} kill -9 cycles`);
});

test('two ingest processes in one group, rebalancing mid-stream', async () => {
  const topic = 'bank-transactions';
  const lake = path.join(dir, 'group');
  const group = 'g-two';
  // Progress lines every second: they show each member's commits.
  const args = ingestArgs(lake, topic, group, ['--max-latency-ms', '200']).map((x, i, a) =>
    (a[i - 1] === '--progress-interval-s' ? '1' : x));
  const bank = (n, tag, start) =>
    stockLines(n, tag, start).map((l) => {
      const [, payload] = l.split('\t');
      const o = JSON.parse(payload);
      return `ACC${start % 17}\t${JSON.stringify({ transaction_id: o.event_id, account_id: `ACC${start % 17}`, amount: o.price, event_time: o.event_time, event_id: o.event_id })}`;
    });
  const a = startFl(args);
  let n = 0;
  const produce = async (batches) => {
    for (let i = 0; i < batches; i++) {
      kcatProduce(broker.addr, topic, bank(200, `two-${n}`, n));
      n += 200;
      await sleep(50);
    }
  };
  await produce(10);
  const b = startFl(args); // joins: rebalance
  // Producing goes on until b has partitions and has committed some (its progress line).
  const bCommitted = () => /^ingest: \d+ events in, [1-9]\d* rows committed/m.test(b.stderr);
  for (let i = 0; i < 60 && !bCommitted(); i++) await produce(5);
  assert.ok(bCommitted(), `b never committed: ${b.stderr}`);
  await produce(5);
  assert.equal((await stopChild(b, 'SIGTERM')).code, 0, `b: ${b.stderr}`); // leaves: rebalance
  await produce(10);
  await sleep(1500);
  assert.equal((await stopChild(a, 'SIGTERM')).code, 0, `a: ${a.stderr}`);
  // Both members ingested while running (else the catch-up below would pass on its own).
  const [byA, byB] = [committedRows(a.stderr), committedRows(b.stderr)];
  assert.ok(byA > 0 && byB > 0, `rows committed by a: ${byA}, by b: ${byB}`);
  const rest = committedRows(runFlOk(ingestArgs(lake, topic, group, ['--once'])).stderr);
  const messages = kcatDump(broker.addr, topic);
  assert.equal(messages.length, n);
  assert.equal(byA + byB + rest, n, 'each message committed by one member or the catch-up');
  assertExactlyOnce(bronzeRows(lake, 'bank_transactions'), messages, 'two members');
});

// The lake's position in a partition is older than the broker's earliest offset (retention
// deleted messages before they were ingested: here the dev broker's ~5 MB per partition). That
// is an error naming the lost offsets, never a silent jump; the user may accept the loss.
test('a position the broker no longer has fails with the lost offsets; accepting the loss is explicit', () => {
  const topic = 'expiring';
  const lake = path.join(dir, 'expired');
  const group = 'g-expired';
  const produce = (extra) => runFlOk(['produce', '--source', 'sim', '--topics', 'crypto-prices', '--topic', topic,
    '--brokers', broker.addr, ...extra]);
  produce(['--count', '1000']);
  assert.equal(committedRows(runFlOk(ingestArgs(lake, topic, group, ['--once'])).stderr), 1000);
  produce(['--count', '150000', '--resume-after', '1000']); // ~10 MB a partition: the start is deleted
  const r = runFl(ingestArgs(lake, topic, group, ['--once']));
  assert.equal(r.code, 1, r.stderr);
  const err = r.stderr.trim().split('\n').at(-1);
  const m = /^financelake: kafka: expiring\/(\d): offset (\d+) is no longer on the broker \(its earliest is (\d+): offsets \d+\.\.\d+, (\d+) messages, were deleted before they were read\); nothing was skipped .*--kafka-setting auto\.offset\.reset=earliest$/.exec(err);
  assert.ok(m, err);
  const [partition, from, earliest, lost] = m.slice(1).map(Number);
  assert.equal(lost, earliest - from);
  // Nothing was skipped: every partition's rows are contiguous from offset 0.
  const byPartition = (rows) => {
    const out = new Map();
    for (const row of rows) out.set(row.partition, [...(out.get(row.partition) ?? []), Number(row.offset)]);
    for (const offsets of out.values()) offsets.sort((a, b) => a - b);
    return out;
  };
  for (const [p, offsets] of byPartition(bronzeRows(lake, 'expiring'))) {
    assert.deepEqual(offsets, offsets.map((_, i) => i), `partition ${p} has a gap`);
  }
  // Accepting the loss: the partition goes on from the broker's earliest offset; the gap is
  // exactly the offsets the error named.
  runFlOk(ingestArgs(lake, topic, group, ['--once', '--kafka-setting', 'auto.offset.reset=earliest']));
  const offsets = byPartition(bronzeRows(lake, 'expiring')).get(partition);
  assert.equal(offsets.filter((o) => o >= from && o < earliest).length, 0);
  assert.ok(offsets.includes(from - 1) && offsets.at(-1) >= earliest, `partition ${partition}: ${offsets.length} rows`);
  const kept = offsets.filter((o) => o >= earliest);
  assert.deepEqual(kept, kept.map((_, i) => earliest + i), 'contiguous after the gap');
});

// A message or key whose bytes are not UTF-8 (a Latin-1 producer, a binary record): Parquet
// strings must be UTF-8 and DuckDB refuses a file holding one that is not. Bronze keeps the exact
// bytes in binary columns, Silver sends the message to errors, and DuckDB reads every table.
test('messages that are not UTF-8 keep their bytes and every table stays readable by DuckDB', async () => {
  const topic = 'crypto-prices';
  const lake = path.join(dir, 'bytes');
  const own = await startBroker(1); // the other tests' messages stay out of this lake
  const good = JSON.stringify({
    event_id: 'c1', event_time: '2024-03-04T14:30:00Z', symbol: 'BTC', price_usd: 64000.5,
    volume_24h: 1e9, market_cap: 1.2e12, change_24h: 1.5, source: 'test', kind: 'tick',
  });
  const latin1 = Buffer.from(good.replace('"c1"', '"c2"').replace('"test"', '"caf\u00e9"'), 'latin1');
  const binary = Buffer.from([0x00, 0x01, 0xff, 0xfe, 0x80]);
  const input = Buffer.concat([
    Buffer.from(`BTC\t${good}\n`), Buffer.from('BTC\t'), latin1, Buffer.from('\n'),
    Buffer.from([0xc0, 0xaf]), Buffer.from('\t'), binary, Buffer.from('\n'),
  ]);
  const r = spawnSync('kcat', ['-b', own.addr, '-P', '-t', topic, '-K', '\t'], { input, timeout: 60_000 });
  assert.equal(r.status, 0, String(r.stderr));
  runFlOk(['ingest', '--brokers', own.addr, '--topics', topic, '--group', 'g-bytes', '--lake', lake, '--once',
    '--progress-interval-s', '0']);
  await stopChild(own.child);
  runFlOk(['pipeline', '--lake', lake, '--once']);

  const glob = (t) => sqlStr(path.join(lake, t, '**', '*.parquet'));
  const bronze = await duckdbQuery(
    `SELECT payload, hex(payload_bytes) AS pb, kafka_key, hex(kafka_key_bytes) AS kb
     FROM read_parquet(${glob('bronze/crypto_prices')}, union_by_name = true) ORDER BY "offset"`,
  );
  assert.equal(bronze.rows.length, 3);
  assert.equal(bronze.rows[0].payload, good);
  assert.equal(bronze.rows[0].pb, null);
  assert.equal(bronze.rows[0].kafka_key, 'BTC');
  assert.equal(bronze.rows[1].payload, latin1.toString('latin1').replace('\u00e9', '\ufffd'));
  assert.equal(bronze.rows[1].pb, latin1.toString('hex').toUpperCase());
  assert.equal(bronze.rows[2].payload, '\u0000\u0001\ufffd\ufffd\ufffd');
  assert.equal(bronze.rows[2].pb, '0001FFFE80');
  assert.equal(bronze.rows[2].kafka_key, '\ufffd\ufffd');
  assert.equal(bronze.rows[2].kb, 'C0AF');

  const errors = await duckdbQuery(`SELECT reason, raw_payload FROM read_parquet(${glob('errors')}) ORDER BY raw_payload`);
  assert.equal(errors.rows.length, 2, JSON.stringify(errors.rows));
  for (const e of errors.rows) assert.match(e.reason, /^the message is not UTF-8 text/);
  const silver = await duckdbQuery(`SELECT event_id FROM read_parquet(${glob('silver/crypto_prices')})`);
  assert.deepEqual(silver.rows, [{ event_id: 'c1' }]);
});
