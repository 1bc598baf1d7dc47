// Chaos soak: the whole Kafka -> Bronze -> Silver/Gold path under crashes, clean stops,
// rebalances and injected I/O failures, then a check that nothing was lost or duplicated.
//
//   node tests/chaos/chaos.mjs [--cycles 25] [--seed 1] [--dir DIR] [--keep] [--quiet]
//
// Per cycle: the simulator produces a burst to the three topics through `financelake broker`
// (sometimes replaying an earlier burst, so the same events arrive twice, and sometimes with
// malformed messages); ingest A, ingest B (joining and leaving the group: rebalances) and the
// pipeline are started when down, some of them with FL_IO_FAULTS (random write/sync/rename/
// create/read failures), and after a random pause killed with SIGKILL, stopped with SIGTERM or
// left running. A process that dies on its own must have hit an injected fault and said so in one
// line; one killed by a signal we did not send is a crash.
//
// Afterwards, with everything caught up by `ingest --once` and `pipeline --once`:
//   1. every message Kafka holds is in Bronze exactly once (partition, offset, payload), and
//      nothing else is;
//   2. each Bronze txn (one per topic partition) records the last offset of that partition;
//   3. Silver, errors and Gold equal a from-scratch recomputation over a copy of Bronze
//      (errors compared without error_time, the wall clock); Silver's txn = Bronze's version;
//   4. every table reads in DuckDB (through an independent log replay) to the same rows.
// Exit status 1 (and the first violation) when any check fails.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { assertRowsEqual, closeDuck, runFlAsync, runFlOk } from '../interop/lib.mjs';
import { assertExactlyOnce, bronzeCommits, bronzeRows, kcatDump, kcatProduce, sleep, startBroker, startFl, stopChild, waitForCommit } from '../interop/kafka_lib.mjs';
import { canonicalTableRows, replayDeltaLog, snapshotRowsDuckDB, sortRows } from '../interop/delta_replay.mjs';

const TOPICS = ['stock-trades', 'crypto-prices', 'bank-transactions'];
const TABLE_OF = { 'stock-trades': 'stock_trades', 'crypto-prices': 'crypto_prices', 'bank-transactions': 'bank_transactions' };
const GROUP = 'chaos';
const FAULTS = 'write=0.02,sync=0.03,rename=0.03,create=0.02,read=0.005';
const BURST = 30; // events per produced burst: 1000 cycles stay well inside the dev broker's retention

/** A small seeded generator (LCG), so a run can be repeated with --seed. */
function rng(seed) {
  let s = (seed * 2654435761) % 2147483648;
  return () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
}

/** The tables under `lake` (directories holding a _delta_log), relative paths, Bronze excluded. */
function derivedTables(lake) {
  const out = [];
  const walk = (d, rel) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (!e.isDirectory()) continue;
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.name === '_delta_log') out.push(rel);
      else if (r !== 'bronze' && r !== 'models' && !e.name.includes('=')) walk(path.join(d, e.name), r);
    }
  };
  walk(lake, '');
  return out.filter((t) => t).sort();
}

/** Rows of `table` in `lake` as sorted JSON texts; errors rows without the wall-clock column and
 *  with the source table relative to the lake (the recomputation runs in another directory). */
function scanJsonl(lake, table) {
  const text = runFlOk(['table', 'scan', path.join(lake, table), '--format', 'jsonl']).stdout;
  return text
    .split('\n')
    .filter((l) => l)
    .map((l) => {
      const o = JSON.parse(l);
      if (table === 'errors') {
        delete o.error_time;
        if (typeof o.source_table === 'string' && o.source_table.startsWith(`${lake}/`)) {
          o.source_table = o.source_table.slice(lake.length + 1);
        }
      }
      return JSON.stringify(o);
    })
    .sort();
}

export async function runChaos({ cycles = 25, seed = 1, dir, keep = false, log = () => {} } = {}) {
  const work = dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'fl-chaos-'));
  const lake = path.join(work, 'lake');
  const rand = rng(seed);
  const report = {
    cycles, seed, produced: 0, bursts: 0, replayed_bursts: 0, malformed: 0,
    sigkill: { ingest: 0, pipeline: 0 }, sigterm: { ingest: 0, pipeline: 0 },
    second_ingest_joins: 0, second_ingest_leaves: 0,
    fault_runs: 0, fault_exits: 0, ingest_runs_that_committed: 0, bronze_rows_before_catch_up: 0, bronze_rows: 0, silver_rows: 0, error_rows: 0, gold_rows: 0, seconds: 0,
  };
  const t0 = Date.now();
  const broker = await startBroker(3);
  const procs = { a: null, b: null, pipeline: null };
  const violations = [];
  try {
    const ingestArgs = (extra = []) => [
      'ingest', '--brokers', broker.addr, '--topics', TOPICS.join(','), '--group', GROUP, '--lake', lake,
      '--kafka-setting', 'session.timeout.ms=3000', '--kafka-setting', 'heartbeat.interval.ms=300',
      '--progress-interval-s', '0', ...extra,
    ];
    const start = (name) => {
      const faults = rand() < 0.2;
      const env = faults ? { FL_IO_FAULTS: `${FAULTS},seed=${Math.floor(rand() * 1e9)}` } : {};
      const args = name === 'pipeline'
        ? ['pipeline', '--lake', lake, '--trigger-ms', String(100 + Math.floor(rand() * 400))]
        : ingestArgs(['--max-latency-ms', String(50 + Math.floor(rand() * 400))]);
      const child = startFl(args, { env });
      child.commitsAtStart = bronzeCommits(lake, Object.values(TABLE_OF));
      child.committed = false;
      child.faults = faults;
      child.sent = null;
      if (faults) report.fault_runs++;
      procs[name] = child;
      if (name === 'b') report.second_ingest_joins++;
    };
    const stop = async (name, signal) => {
      const child = procs[name];
      child.sent = signal;
      child.proc.kill(signal);
      await reap(name, true);
      if (name === 'b') report.second_ingest_leaves++;
      report[signal === 'SIGKILL' ? 'sigkill' : 'sigterm'][name === 'pipeline' ? 'pipeline' : 'ingest']++;
    };
    // Checks how a process ended; clears its slot once it has.
    const reap = async (name, wait) => {
      const child = procs[name];
      if (!child) return;
      if (!wait && child.proc.exitCode === null && child.proc.signalCode === null) return;
      const { code, signal } = await child.exited;
      procs[name] = null;
      const what = `${name} (${child.args.slice(0, 1)}${child.faults ? ', with I/O faults' : ''})`;
      const err = child.stderr.split('\n').filter((l) => l && !l.startsWith('warning: FL_IO_FAULTS')).join('\n');
      // Our own signal (SIGTERM can land before the process installs its handler).
      if (signal && signal === child.sent) return;
      if (signal) {
        violations.push(`${what}: died by ${signal} (not sent by us): ${err}`);
        return;
      }
      if (code === 0 && child.sent === 'SIGTERM') return;
      // Ended on its own (or failed while stopping): only an injected I/O fault may cause that,
      // reported in one last line; before it, only the ingest's own progress notes (a commit
      // retried, partitions re-read after a rebalance) and Kafka client warnings.
      const lines = err.trim().split('\n');
      const earlier = /^(ingest: commit failed .*; retrying in \d+ ms|ingest: another consumer committed partitions of |kafka: )/;
      if (child.faults && code === 1 && /injected fault/.test(lines.at(-1)) && lines.slice(0, -1).every((l) => earlier.test(l))) {
        report.fault_exits++;
        return;
      }
      violations.push(`${what}: exit ${code}${child.sent ? ` after ${child.sent}` : ''}: ${err}`);
    };

    const burst = async (c) => {
      // Sometimes the same burst again (a producer replay: same events, new messages).
      const replay = c > 3 && rand() < 0.15;
      const k = replay ? Math.floor(rand() * c) : c;
      if (replay) report.replayed_bursts++;
      const startMs = Date.UTC(2026, 0, 5, 14, 30) + k * 7 * 60_000;
      const r = await runFlAsync(['produce', '--source', 'sim', '--seed', String(1000 + k), '--count', String(BURST),
        '--start', new Date(startMs).toISOString(), '--brokers', broker.addr]);
      if (r.code !== 0) throw new Error(`produce failed (${r.code ?? r.signal}): ${r.stderr}`);
      report.produced += BURST;
      report.bursts++;
      if (rand() < 0.2) {
        const topic = TOPICS[Math.floor(rand() * TOPICS.length)];
        const bad = [`k${c}\t{"ticker":"AAPL","price":-${c},"volume":1,"event_time":"2026-01-05T15:00:00Z","event_id":"bad-${c}"}`,
          `k${c}\tnot json at all ${c}`];
        kcatProduce(broker.addr, topic, bad);
        report.malformed += bad.length;
        report.produced += bad.length;
      }
    };

    for (let c = 0; c < cycles; c++) {
      for (const n of ['a', 'b', 'pipeline']) await reap(n, false);
      if (!procs.a) start('a');
      if (!procs.pipeline) start('pipeline');
      if (!procs.b && rand() < 0.3) start('b');
      await Promise.all([burst(c), sleep(150 + Math.floor(rand() * 700))]);
      // Ingest A is stopped only once the group has committed since A started (a new member
      // waits for the partitions of a killed one until its session expires): crashes then hit
      // a process with committed work and buffered rows, not one still joining the group.
      if (procs.a && !procs.a.committed) {
        procs.a.committed = await waitForCommit(procs.a, lake, Object.values(TABLE_OF), procs.a.commitsAtStart, 20_000);
        if (procs.a.committed) report.ingest_runs_that_committed++;
      }
      const r = rand();
      if (procs.a) {
        if (r < 0.4) await stop('a', 'SIGKILL');
        else if (r < 0.5) await stop('a', 'SIGTERM');
      }
      const q = rand();
      if (procs.pipeline) {
        if (q < 0.35) await stop('pipeline', 'SIGKILL');
        else if (q < 0.45) await stop('pipeline', 'SIGTERM');
      }
      if (procs.b && rand() < 0.3) await stop('b', rand() < 0.5 ? 'SIGKILL' : 'SIGTERM');
      log(`cycle ${c + 1}/${cycles}: produced ${report.produced}, kills ${report.sigkill.ingest + report.sigkill.pipeline}, ` +
        `fault exits ${report.fault_exits}, violations ${violations.length}`);
    }
    for (const n of ['a', 'b', 'pipeline']) {
      if (procs[n]) {
        procs[n].sent = 'SIGTERM';
        procs[n].proc.kill('SIGTERM');
        await reap(n, true);
      }
    }
    assert.deepEqual(violations, [], 'processes ended only as expected');

    // What the crashing, stopping and faulted processes committed themselves (the checks below
    // would also pass if only the catch-up ingested).
    for (const topic of TOPICS) {
      if (fs.existsSync(path.join(lake, 'bronze', TABLE_OF[topic]))) {
        report.bronze_rows_before_catch_up += bronzeRows(lake, TABLE_OF[topic]).length;
      }
    }
    // Catch up: the same group resumes from the offsets in Delta.
    runFlOk(ingestArgs(['--once']), { timeoutMs: 600_000 });
    runFlOk(['pipeline', '--lake', lake, '--once'], { timeoutMs: 600_000 });

    // 1 + 2: Bronze holds exactly what Kafka holds; the txns record each partition's last offset.
    let total = 0;
    for (const topic of TOPICS) {
      const messages = kcatDump(broker.addr, topic);
      total += messages.length;
      const table = path.join(lake, 'bronze', TABLE_OF[topic]);
      const rows = bronzeRows(lake, TABLE_OF[topic]);
      assertExactlyOnce(rows, messages, `bronze/${TABLE_OF[topic]}`);
      report.bronze_rows += rows.length;
      const state = await replayDeltaLog(table);
      const last = new Map();
      for (const m of messages) last.set(m.partition, Math.max(last.get(m.partition) ?? -1, m.offset));
      for (const [p, off] of last) {
        const txn = state.txns[`financelake-ingest:${GROUP}:${topic}:${p}`];
        assert.ok(txn, `bronze/${TABLE_OF[topic]}: no txn for partition ${p}`);
        assert.equal(Number(txn.version), off, `bronze/${TABLE_OF[topic]}: txn of partition ${p} = its last offset`);
      }
    }
    assert.equal(total, report.produced, 'Kafka holds every produced message (none aged out of the dev broker)');

    // 3: Silver, errors and Gold = a recomputation from a copy of Bronze.
    const fresh = path.join(work, 'recomputed');
    fs.cpSync(path.join(lake, 'bronze'), path.join(fresh, 'bronze'), { recursive: true });
    runFlOk(['pipeline', '--lake', fresh, '--once'], { timeoutMs: 600_000 });
    const tables = derivedTables(lake);
    assert.deepEqual(derivedTables(fresh), tables, 'the same derived tables');
    for (const t of tables) {
      const ours = scanJsonl(lake, t);
      const again = scanJsonl(fresh, t);
      assert.equal(ours.length, again.length, `${t}: rows after chaos vs recomputed`);
      assert.deepEqual(ours, again, `${t}: rows after chaos = recomputed from Bronze`);
      if (t.startsWith('silver/')) report.silver_rows += ours.length;
      if (t === 'errors') report.error_rows += ours.length;
      if (t.startsWith('gold/')) report.gold_rows += ours.length;
      // 4: DuckDB over an independent replay of the log reads the same rows.
      const state = await replayDeltaLog(path.join(lake, t));
      const canon = canonicalTableRows(runFlOk(['table', 'scan', path.join(lake, t), '--format', 'jsonl']).stdout, state.schema);
      assertRowsEqual(sortRows(canon), sortRows(await snapshotRowsDuckDB(state)), `${t}: ours vs DuckDB`);
      if (t.startsWith('silver/')) {
        const bronze = await replayDeltaLog(path.join(lake, 'bronze', t.slice('silver/'.length)));
        const txn = state.txns[`financelake-silver:${t.slice('silver/'.length)}`];
        assert.ok(txn, `${t}: a Silver txn`);
        assert.equal(Number(txn.version), bronze.version, `${t}: Silver's txn = Bronze's latest version`);
      }
    }
    for (const topic of TOPICS) {
      const bronzeState = await replayDeltaLog(path.join(lake, 'bronze', TABLE_OF[topic]));
      const canon = canonicalTableRows(runFlOk(['table', 'scan', path.join(lake, 'bronze', TABLE_OF[topic]), '--format', 'jsonl']).stdout, bronzeState.schema);
      assertRowsEqual(sortRows(canon), sortRows(await snapshotRowsDuckDB(bronzeState)), `bronze/${TABLE_OF[topic]}: ours vs DuckDB`);
    }
    assert.ok(report.silver_rows > 0 && report.gold_rows > 0 && report.error_rows > 0, 'every layer has rows');
    report.seconds = Math.round((Date.now() - t0) / 1000);
    return report;
  } finally {
    for (const n of ['a', 'b', 'pipeline']) if (procs[n]) procs[n].proc.kill('SIGKILL');
    await stopChild(broker.child);
    closeDuck();
    if (!keep) fs.rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const arg = (name, fallback) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : fallback;
  };
  const cycles = Number(arg('--cycles', '25'));
  const seed = Number(arg('--seed', '1'));
  if (!Number.isInteger(cycles) || cycles < 1) {
    console.error(`chaos: --cycles must be a positive integer, got ${arg('--cycles')}`);
    process.exit(2);
  }
  const quiet = process.argv.includes('--quiet');
  runChaos({ cycles, seed, dir: arg('--dir'), keep: process.argv.includes('--keep'), log: quiet ? () => {} : (m) => console.error(m) })
    .then((r) => {
      console.log(JSON.stringify(r));
      console.log(`chaos: ${cycles} cycles passed: every message in Bronze exactly once, Silver/Gold/errors = recomputed, DuckDB agrees`);
    })
    .catch((e) => {
      console.error(`chaos: FAILED: ${e.message}`);
      process.exit(1);
    });
}
