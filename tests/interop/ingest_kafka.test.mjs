// `financelake ingest` against `financelake broker`, with messages produced by independent
// clients (kcat, Debian's python3-kafka): Bronze must hold every message exactly once — after
// --once runs, after kill -9 at random moments while producing, and with two ingest processes in
// one consumer group rebalancing mid-stream.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { mkTmp, rmTmp, runFlOk } from './lib.mjs';
import {
  assertExactlyOnce,
  bronzeRows,
  kcatDump,
  kcatProduce,
  pythonProduce,
  sleep,
  startBroker,
  startFl,
  stockLines,
  stopChild,
} from './kafka_lib.mjs';

let dir;
let broker;
before(async () => {
  dir = mkTmp('fl-ingest-kafka-');
  broker = await startBroker(3);
});
after(async () => {
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
  const cycles = 12;
  let produced = 0;
  let producing = true;
  const producer = (async () => {
    while (producing) {
      const lines = stockLines(150, `k9-${produced}`, produced).map((l) => l.replace('"ticker"', '"symbol"'));
      kcatProduce(broker.addr, topic, lines);
      produced += lines.length;
      await sleep(40);
    }
  })();
  let rng = 12345;
  const rand = () => ((rng = (rng * 1103515245 + 12345) % 2147483648) / 2147483648);
  let kills = 0;
  for (let c = 0; c < cycles; c++) {
    const ingest = startFl(ingestArgs(lake, topic, group, ['--max-latency-ms', String(50 + Math.floor(rand() * 300))]));
    await sleep(300 + Math.floor(rand() * 1200));
    ingest.proc.kill('SIGKILL');
    const { signal } = await ingest.exited;
    if (signal === 'SIGKILL') kills++;
    else assert.fail(`ingest exited by itself: ${ingest.stderr}`);
  }
  producing = false;
  await producer;
  assert.equal(kills, cycles);
  // A clean stop with SIGTERM commits what it has and exits 0.
  const last = startFl(ingestArgs(lake, topic, group));
  await sleep(1500);
  const { code } = await stopChild(last, 'SIGTERM');
  assert.equal(code, 0, `SIGTERM exit: ${last.stderr}`);
  runFlOk(ingestArgs(lake, topic, group, ['--once']));
  const messages = kcatDump(broker.addr, topic);
  assert.equal(messages.length, produced);
  assertExactlyOnce(bronzeRows(lake, 'crypto_prices'), messages, `after ${cycles} kill -9 cycles`);
});

test('two ingest processes in one group, rebalancing mid-stream', async () => {
  const topic = 'bank-transactions';
  const lake = path.join(dir, 'group');
  const group = 'g-two';
  const args = ingestArgs(lake, topic, group, ['--max-latency-ms', '200']);
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
  await produce(15);
  assert.equal((await stopChild(b, 'SIGTERM')).code, 0, `b: ${b.stderr}`); // leaves: rebalance
  await produce(10);
  await sleep(1500);
  assert.equal((await stopChild(a, 'SIGTERM')).code, 0, `a: ${a.stderr}`);
  runFlOk(ingestArgs(lake, topic, group, ['--once']));
  const messages = kcatDump(broker.addr, topic);
  assert.equal(messages.length, n);
  assertExactlyOnce(bronzeRows(lake, 'bank_transactions'), messages, 'two members');
});
