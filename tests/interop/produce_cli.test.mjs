// `financelake produce` end to end: payload JSON lines on stdout (deterministic per seed), bad
// flags failing with one clear line, `financelake broker` + `produce --brokers` read back by the
// independent kcat client (keys, one topic per event type, --topic/--topic-prefix), and Debian's
// python3-kafka (kafka-python, another independent client) producing to `financelake broker`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { expectFailure, flBin, mkTmp, rmTmp, runFlOk } from './lib.mjs';
import { kcatDump, pythonProduce, sleep, startBroker, startFl, stopChild, waitForOutput } from './kafka_lib.mjs';

const SIM = ['--source', 'sim', '--seed', '7', '--count', '600', '--start', '2024-03-04T14:30:00Z'];
const TOPICS = ['stock-trades', 'crypto-prices', 'bank-transactions'];
const EXTRA_TOPICS = ['dev.stock-trades', 'dev.crypto-prices', 'dev.bank-transactions', 'ticks', 'py-trades', 'ours.stock-trades',
  'mixed-single'];

// The topic and key an event belongs to, from its payload (docs/events.md).
function topicAndKey(e) {
  if (e.ticker !== undefined) return ['stock-trades', e.ticker];
  if (e.symbol !== undefined) return ['crypto-prices', e.symbol];
  assert.ok(e.account_id !== undefined, JSON.stringify(e));
  return ['bank-transactions', e.account_id];
}

let broker;
before(async () => {
  const child = startFl(['broker', '--port', '0', '--partitions', '3', '--topics', [...TOPICS, ...EXTRA_TOPICS].join(',')]);
  await waitForOutput(child, /\n/);
  const first = child.stdout.split('\n')[0];
  const m = /^broker listening on (\S+)$/.exec(first);
  if (!m) {
    child.proc.kill('SIGKILL');
    throw new Error(`broker did not print its address first: '${first}' ${child.stderr}`);
  }
  broker = { addr: m[1], child };
});
after(async () => {
  if (!broker) return;
  const { code } = await stopChild(broker.child, 'SIGINT');
  assert.equal(code, 0, `broker exit after SIGINT: ${broker.child.stderr}`);
});

test('broker --topics names a topic twice: made once, the broker runs', async () => {
  const child = startFl(['broker', '--port', '0', '--partitions', '2', '--topics', 'twice,twice,other']);
  const m = await waitForOutput(child, /broker listening on (\S+)/);
  try {
    assert.ok(m, `broker did not start: ${child.stderr}`);
    const { code } = await stopChild(child, 'SIGINT');
    assert.equal(code, 0, child.stderr);
  } finally {
    await stopChild(child, 'SIGKILL');
  }
});

test('broker --help is honest about what it is', () => {
  const help = runFlOk(['broker', '--help']).stdout;
  for (const word of ['in-memory', 'single process', 'last 5 MB per partition', 'Not for production']) {
    assert.ok(help.includes(word), `broker --help lacks '${word}': ${help}`);
  }
});

test('produce to stdout: N JSON lines, the same ids for the same seed, a summary on stderr', () => {
  const a = runFlOk(['produce', ...SIM]);
  const b = runFlOk(['produce', ...SIM]);
  const ea = a.stdout.trim().split('\n').map((l) => JSON.parse(l));
  const eb = b.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(ea.length, 600);
  assert.deepEqual(ea.map((e) => e.event_id), eb.map((e) => e.event_id), 'deterministic ids');
  assert.equal(new Set(ea.map((e) => e.event_id)).size, 600, 'unique ids');
  const kinds = new Set();
  for (const e of ea) {
    assert.match(e.event_id, /^[0-9a-f]{32}$/);
    assert.equal(e.source, 'sim');
    assert.ok(!Number.isNaN(Date.parse(e.event_time)), e.event_time);
    kinds.add(topicAndKey(e)[0]);
  }
  assert.ok(kinds.has('stock-trades') && kinds.has('crypto-prices'), [...kinds].join());
  assert.match(a.stderr, /^produce: 600 events, 0 malformed, [0-9.]+ s, \d+ events\/s\n$/);
});

test('bad flags: one clear line, non-zero exit', () => {
  expectFailure(['produce', '--source', 'nope'], "unknown source 'nope'");
  expectFailure(['produce', '--rate', 'abc'], "--rate: 'abc' is not a number");
  expectFailure(['produce', '--bogus', '1'], '--bogus');
  expectFailure(['produce', '--source', 'sim', '--ticker', 'AAPL'], /unknown sim option --ticker/);
  expectFailure(['produce', '--source', 'yahoo', '--seed', '1'], /--seed: not a flag of the yahoo source/);
  expectFailure(['produce', '--topic', 'x', '--count', '1'], '--topic, --topic-prefix, --kafka-setting and --compression need --brokers');
  expectFailure(['produce', '--compression', 'zstd', '--count', '1'], '--compression need --brokers');
  // An unset variable in `--brokers "$KAFKA"` must not quietly write to stdout instead.
  expectFailure(['produce', '--brokers', '', '--count', '1'], /--brokers is empty/);
  expectFailure(['produce', '--brokers', broker.addr, '--count', '1', '--kafka-setting', 'nonsense'], /setting 'nonsense'/);
  expectFailure(['produce', '--brokers', '127.0.0.1:1', '--count', '1', '--connect-timeout-ms', '1500'],
    /cannot reach broker 127\.0\.0\.1:1/);
  expectFailure(['produce', '--brokers', broker.addr, '--count', '1', '--compression', 'brotli'], /brotli/);
  expectFailure(['produce', '--brokers', broker.addr, '--count', '1', '--topic', 'ticks'],
    /--topic ticks: the sim source emits 3 event types/);
  // An unset variable in `--topic "$T"` must not quietly mean one topic per event type.
  expectFailure(['produce', '--topic', '', '--count', '1'], /--topic is empty/);
  // librdkafka would take port 84642 as 19106 (mod 65536) and 9092x as 9092, and report an empty
  // entry only as a transport failure after the timeout: refused before connecting.
  const port = broker.addr.split(':').pop();
  expectFailure(['produce', '--brokers', `127.0.0.1:${Number(port) + 65536}`, '--count', '1'],
    `port '${Number(port) + 65536}' is not a number in 1..65535`);
  expectFailure(['produce', '--brokers', `${broker.addr}x`, '--count', '1'], /is not a number in 1\.\.65535/);
  expectFailure(['produce', '--brokers', ',,', '--count', '1'], /--brokers ',,' names no broker/);
  // A random partitioner would move an entity between partitions (its events out of order).
  expectFailure(['produce', '--brokers', broker.addr, '--count', '1', '--kafka-setting', 'partitioner=random'],
    "kafka: setting 'partitioner' is fixed by financelake and cannot be overridden");
  expectFailure(['produce', '--brokers', broker.addr, '--count', '1', '--kafka-setting', 'transactional.id=x'],
    "kafka: setting 'transactional.id' is fixed by financelake and cannot be overridden");
  const tmp = mkTmp('fl-produce-');
  try {
    expectFailure(['ingest', '--brokers', `http://${broker.addr}`, '--once', '--lake', path.join(tmp, 'l')],
      /'http:\/\/' is not a Kafka protocol/);
  } finally {
    rmTmp(tmp);
  }
});

// stdout that cannot be written (a full disk, a closed descriptor) fails the run with the
// reason; it used to report success with every line lost.
test('produce to a stdout that cannot take the lines: non-zero exit naming the error', () => {
  const full = fs.openSync('/dev/full', 'w');
  try {
    const r = spawnSync(flBin(), ['produce', '--count', '20000'], { stdio: ['ignore', full, 'pipe'] });
    assert.equal(r.status, 1, r.stderr.toString());
    assert.match(r.stderr.toString(), /^financelake: cannot write to stdout \(No space left on device\): the output is incomplete/);
  } finally {
    fs.closeSync(full);
  }
});

// Ctrl-C while no broker answers ends produce at once (it waited out --connect-timeout-ms).
test('Ctrl-C while waiting for an unreachable broker stops produce before the timeout', async () => {
  const child = startFl(['produce', '--count', '5', '--brokers', '127.0.0.1:1', '--connect-timeout-ms', '120000']);
  await sleep(3000);  // its signal handlers are in place (a sanitizer build starts slowly)
  child.proc.kill('SIGINT');
  const killer = setTimeout(() => child.proc.kill('SIGKILL'), 60_000);
  const { code, signal } = await child.exited;
  clearTimeout(killer);
  assert.equal(signal, null, `still waiting for the broker a minute after Ctrl-C:\n${child.stderr}`);
  assert.equal(code, 0, child.stderr);
  assert.match(child.stderr, /produce: stopped before a broker answered: 0 events/);
});

test('produce --brokers: kcat reads exactly the produced messages, keyed, one topic per type', () => {
  const expected = runFlOk(['produce', ...SIM]).stdout.trim().split('\n');
  const r = runFlOk(['produce', ...SIM, '--brokers', broker.addr, '--compression', 'lz4']);
  assert.match(r.stderr, /^produce: 600 events, 0 malformed/);
  const got = [];
  const partitionOf = new Map();
  for (const topic of TOPICS) {
    for (const m of kcatDump(broker.addr, topic)) {
      const [want, key] = topicAndKey(JSON.parse(m.payload));
      assert.equal(topic, want, `${m.payload} in ${topic}`);
      assert.equal(m.key, key, 'the message key is the entity key');
      const pk = `${topic}/${key}`;
      if (partitionOf.has(pk)) assert.equal(partitionOf.get(pk), m.partition, `${pk} stays in one partition`);
      partitionOf.set(pk, m.partition);
      got.push(m);
    }
  }
  assert.equal(got.length, 600, 'no message lost or duplicated');
  assert.deepEqual(got.map((m) => m.payload).sort(), [...expected].sort(), 'the payloads stdout shows');
  // Per key, Kafka order is production order (the idempotent producer keeps it).
  const order = new Map(expected.map((l, i) => [l, i]));
  const last = new Map();
  for (const m of got.sort((x, y) => x.partition - y.partition || x.offset - y.offset)) {
    const i = order.get(m.payload);
    assert.ok(!(last.get(m.key) > i), `${m.key} out of order`);
    last.set(m.key, i);
  }
});

test('--topic-prefix and --topic (single-type source) choose the topics', () => {
  runFlOk(['produce', ...SIM.slice(0, 4), '--count', '90', '--brokers', broker.addr, '--topic-prefix', 'dev.']);
  const counts = TOPICS.map((t) => kcatDump(broker.addr, `dev.${t}`).length);
  assert.equal(counts.reduce((a, b) => a + b, 0), 90, counts.join());
  runFlOk(['produce', '--source', 'sim', '--topics', 'crypto-prices', '--count', '40', '--brokers', broker.addr, '--topic', 'ticks']);
  const ticks = kcatDump(broker.addr, 'ticks');
  assert.equal(ticks.length, 40);
  for (const m of ticks) assert.equal(JSON.parse(m.payload).symbol, m.key);
});

test('python3-kafka produces M messages to financelake broker; kcat reads exactly those M', () => {
  const keys = ['AAPL', 'MSFT', 'NVDA', 'TSLA', 'GOOG', 'AMZN', 'META'];
  const msgs = Array.from({ length: 350 }, (_, i) => ({
    key: keys[i % keys.length],
    payload: JSON.stringify({ ticker: keys[i % keys.length], price: 100 + i / 100, volume: i + 1, seq: i }),
  }));
  pythonProduce(broker.addr, 'py-trades', msgs);
  const got = kcatDump(broker.addr, 'py-trades');
  assert.equal(got.length, msgs.length);
  assert.deepEqual(got.map((m) => `${m.key}\t${m.payload}`).sort(), msgs.map((m) => `${m.key}\t${m.payload}`).sort());
  // Both clients hash keys with murmur2 like the Java client: a key lands in the same partition
  // whether kafka-python or our producer wrote it (both topics have 3 partitions).
  runFlOk(['produce', '--source', 'sim', '--topics', 'stock-trades', '--tickers', keys.join(','), '--count', '200',
    '--brokers', broker.addr, '--topic-prefix', 'ours.']);
  const ours = new Map(kcatDump(broker.addr, 'ours.stock-trades').map((m) => [m.key, m.partition]));
  let compared = 0;
  for (const m of got) {
    if (!ours.has(m.key)) continue;
    assert.equal(m.partition, ours.get(m.key), `partition of key ${m.key}`);
    compared++;
  }
  assert.equal(compared, msgs.length, 'every key also produced by us');
  // Per key, python's send order is kept.
  for (const k of keys) {
    const seqs = got.filter((m) => m.key === k).sort((a, b) => a.offset - b.offset).map((m) => JSON.parse(m.payload).seq);
    assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), `order of ${k}`);
  }
});

// A mixed-type source with --topic fails when the second type appears; the events already handed
// to Kafka are flushed (not dropped with the producer) and the error says how many.
test('--topic on a source that turns out mixed: the earlier events are delivered, the error counts them', () => {
  const dir = mkTmp();
  try {
    const header = 'Date,Open,High,Low,Close,Adj Close,Volume\n';
    const rows = (month, n, px) => Array.from({ length: n }, (_, i) =>
      `2024-${month}-${String(i + 2).padStart(2, '0')},${px},${px + 1},${px - 1},${px},${px},${1000 + i}`).join('\n');
    // Replay is in time order across files: the crypto bars come after the stock bars.
    fs.writeFileSync(path.join(dir, 'AAPL.csv'), header + rows('01', 5, 180) + '\n');
    fs.writeFileSync(path.join(dir, 'BTC-USD.csv'), header + rows('02', 3, 42000) + '\n');
    expectFailure(['produce', '--source', 'csv', path.join(dir, 'AAPL.csv'), path.join(dir, 'BTC-USD.csv'),
      '--brokers', broker.addr, '--topic', 'mixed-single'],
    [/--topic mixed-single: the source emits both stock-trades and crypto-prices events/,
      /5 events handed to Kafka: 5 delivered, 0 not delivered/]);
    const got = kcatDump(broker.addr, 'mixed-single');
    assert.equal(got.length, 5, 'the stock bars sent before the crypto bar');
    for (const m of got) assert.equal(m.key, 'AAPL');
  } finally {
    rmTmp(dir);
  }
});

// The broker goes away mid-run: once librdkafka gives a message up (message.timeout.ms), produce
// says so and stops (it used to go on producing until Ctrl-C, reporting the gap only then).
test('a message Kafka cannot deliver stops produce, with the counts', async () => {
  const own = await startBroker(3);
  const child = startFl(['produce', '--source', 'sim', '--rate', '200', '--brokers', own.addr,
    '--kafka-setting', 'message.timeout.ms=1500']);
  try {
    // Until more than 100 events are on the broker (a fixed sleep failed when produce started
    // slowly on a loaded machine).
    const onBroker = () => TOPICS.reduce((n, t) => n + kcatDump(own.addr, t).length, 0);
    for (const deadline = Date.now() + 30_000; onBroker() <= 100 && Date.now() < deadline;) await sleep(200);
    own.child.proc.kill('SIGKILL');
    const deadline = Date.now() + 45_000;
    while (child.proc.exitCode === null && child.proc.signalCode === null && Date.now() < deadline) await sleep(100);
    assert.notEqual(child.proc.exitCode, null, `produce still running 45 s after the broker died:\n${child.stderr}`);
    const { code } = await child.exited;
    assert.equal(code, 1, child.stderr);
    assert.match(child.stderr, /produce: kafka: produce to '[a-z-]+': .*; stopping/);
    const m = /(\d+) events handed to Kafka: (\d+) delivered, (\d+) not delivered\n$/.exec(child.stderr);
    assert.ok(m, child.stderr);
    const [sent, delivered, lost] = m.slice(1).map(Number);
    assert.ok(delivered > 100, `delivered before the broker died: ${delivered}`);
    assert.ok(lost > 0, child.stderr);
    assert.equal(sent, delivered + lost);
  } finally {
    await stopChild(child, 'SIGKILL');
    await stopChild(own.child, 'SIGKILL');
  }
});
