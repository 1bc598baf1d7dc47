// `financelake fraud train|score` end to end: the ULB card-fraud samples (time split, XGBoost
// against the logistic baseline, metrics in gold/model_metrics read back by DuckDB), scoring a
// CSV with and without its label, clear failures, and the lake flow: Silver bank transactions
// -> model -> scores in Silver -> gold/fraud_alerts, exactly once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { duckdbQuery, expectFailure, fixturesDir, mkTmp, rmTmp, runFlOk, sqlStr } from './lib.mjs';
import { bronzeRows } from './kafka_lib.mjs';

let dir;
before(() => {
  dir = mkTmp('fl-fraud-');
});
after(() => rmTmp(dir));

const ulb = (name) => path.join(fixturesDir(), 'fraud', 'ulb_creditcard', name);
const ALL_FRAUDS = ulb('jaehyeongAN_creditcard_sample_all492frauds.csv');
const NATURAL = ulb('drhuazhao_creditcard_sample_2000_random.csv');

function csvRows(text) {
  const [header, ...lines] = text.trim().split('\n');
  const cols = header.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i], v])));
}

const tableRows = (lake, rel) => bronzeRows(lake, rel);  // `table scan --format jsonl`

test('fraud train on the ULB sample: time split, XGBoost beats the logistic baseline, metrics in gold/model_metrics', async () => {
  const lake = path.join(dir, 'ulb');
  const report = path.join(dir, 'report.json');
  const r = runFlOk(['fraud', 'train', '--csv', ALL_FRAUDS, '--label', 'Class', '--time-column', 'Time',
    '--lake', lake, '--report', report]);
  assert.match(r.stdout, /held-out test slice/);
  const rep = JSON.parse(fs.readFileSync(report, 'utf8'));
  assert.equal(rep.split.train.rows + rep.split.validation.rows + rep.split.test.rows, 1722);
  assert.ok(Number(rep.split.train.last_time) <= Number(rep.split.test.first_time));
  assert.ok(rep.test.xgboost.auprc > rep.test.logistic_regression.auprc, JSON.stringify(rep.test));
  assert.ok(!rep.features.includes('Class') && !rep.features.includes('Time') && !rep.features.includes('_c0'));
  const version = fs.readFileSync(path.join(lake, 'models', 'fraud', 'CURRENT'), 'utf8').trim();
  assert.equal(version, rep.model_version);
  const manifest = JSON.parse(fs.readFileSync(path.join(lake, 'models', 'fraud', version, 'manifest.json'), 'utf8'));
  assert.equal(manifest.format_version, 1);
  assert.equal(manifest.features.length, 29);
  // The metrics table, read by DuckDB straight from its Parquet files.
  const { rows } = await duckdbQuery(`SELECT metric, value, baseline, baseline_value FROM read_parquet(${sqlStr(
    path.join(lake, 'gold', 'model_metrics', '*.parquet'))}) WHERE model_version = ${sqlStr(version)} ORDER BY metric`);
  const auprc = rows.find((x) => x.metric === 'auprc');
  assert.equal(auprc.baseline, 'logistic_regression');
  assert.ok(Math.abs(Number(auprc.value) - rep.test.xgboost.auprc) < 1e-12, String(auprc.value));
  assert.ok(Math.abs(Number(auprc.baseline_value) - rep.test.logistic_regression.auprc) < 1e-12);
  assert.deepEqual(rows.map((x) => x.metric), ['alert_rate', 'auprc', 'positives', 'precision', 'recall', 'roc_auc', 'rows', 'threshold']);
  // Same data, same seed: the same model version.
  const again = runFlOk(['fraud', 'train', '--csv', ALL_FRAUDS, '--label', 'Class', '--time-column', 'Time',
    '--lake', lake, '--no-metrics-table']);
  assert.match(again.stdout, new RegExp(`fraud model ${version} `));
});

test('fraud score: scores every row, ignores the label, refuses a file with other features', () => {
  const lake = path.join(dir, 'ulb');
  const out = path.join(dir, 'scored.csv');
  const r = runFlOk(['fraud', 'score', '--csv', NATURAL, '--lake', lake, '--out', out]);
  assert.match(r.stderr, /scored 2000 rows with fraud-[0-9a-f]{12}/);
  // The file has the label: the scores are measured against it (6 frauds in this sample).
  assert.match(r.stderr, /against its 'Class' column: AUPRC 0\.\d{4}, ROC-AUC 0\.\d{4}/);
  const scored = csvRows(fs.readFileSync(out, 'utf8'));
  assert.equal(scored.length, 2000);
  for (const row of scored) {
    const s = Number(row.fraud_score);
    assert.ok(s >= 0 && s <= 1, row.fraud_score);
  }
  // The same rows without the label column (and with it flipped) score identically.
  const lines = fs.readFileSync(NATURAL, 'utf8').trim().split('\n');
  const cut = (l) => l.split(',').slice(0, -1).join(',');
  const noLabel = path.join(dir, 'nolabel.csv');
  fs.writeFileSync(noLabel, lines.map(cut).join('\n') + '\n');
  const flipped = path.join(dir, 'flipped.csv');
  fs.writeFileSync(flipped, [lines[0], ...lines.slice(1).map((l) => `${cut(l)},${l.endsWith(',0') ? 1 : 0}`)].join('\n') + '\n');
  for (const f of [noLabel, flipped]) {
    const o = runFlOk(['fraud', 'score', '--csv', f, '--lake', lake]);
    if (f === noLabel) assert.doesNotMatch(o.stderr, /against its/);
    assert.deepEqual(csvRows(o.stdout).map((x) => x.fraud_score), scored.map((x) => x.fraud_score), f);
  }
  // A CSV without one of the model's columns.
  const noV3 = path.join(dir, 'nov3.csv');
  fs.writeFileSync(noV3, lines.map((l) => l.split(',').filter((_, i) => i !== 3).join(',')).join('\n') + '\n');
  expectFailure(['fraud', 'score', '--csv', noV3, '--lake', lake], ["needs column 'V3'", 'fraud-']);
});

test('fraud: bad flags and inputs fail with one clear line', () => {
  const lake = path.join(dir, 'bad');
  expectFailure(['fraud', 'train', '--csv', ALL_FRAUDS, '--lake', lake], '--label');
  expectFailure(['fraud', 'train', '--csv', path.join(dir, 'missing.csv'), '--label', 'Class', '--lake', lake], 'missing.csv');
  expectFailure(['fraud', 'train', '--csv', ALL_FRAUDS, '--label', 'Amount', '--lake', lake], 'not 0 or 1');
  expectFailure(['fraud', 'train', '--csv', ALL_FRAUDS, '--label', 'Class', '--time-column', 'When', '--lake', lake], "time column 'When'");
  expectFailure(['fraud', 'score', '--csv', NATURAL, '--lake', lake], 'fraud train');
  expectFailure(['fraud', 'score', '--csv', NATURAL, '--lake', path.join(dir, 'ulb'), '--model', 'fraud-000000000000'], 'not found');
  expectFailure(['fraud', 'train', '--lake', lake], 'bank_transactions');
  // --threads is bounded (65536 crashed libgomp); --seed -1 wrapped to 2^64-1.
  expectFailure(['fraud', 'train', '--csv', ALL_FRAUDS, '--label', 'Class', '--threads', '65536', '--lake', lake], '--threads 65536');
  expectFailure(['fraud', 'score', '--csv', NATURAL, '--threads', '65536', '--lake', lake], '--threads 65536');
  expectFailure(['fraud', 'train', '--csv', ALL_FRAUDS, '--label', 'Class', '--seed', '-1', '--lake', lake], '--seed');
  const headerOnly = path.join(dir, 'header_only.csv');
  fs.writeFileSync(headerOnly, fs.readFileSync(NATURAL, 'utf8').split('\n')[0] + '\n');
  expectFailure(['fraud', 'score', '--csv', headerOnly, '--lake', path.join(dir, 'ulb')], [headerOnly, 'no rows']);
  // A report that cannot be written fails before a model is published, not after.
  const noDir = path.join(dir, 'no_such_dir', 'r.json');
  expectFailure(['fraud', 'train', '--csv', ALL_FRAUDS, '--label', 'Class', '--report', noDir, '--lake', lake], 'no_such_dir');
  assert.ok(!fs.existsSync(path.join(lake, 'models')), 'a failed train published a model');
});

test('the lake flow: Silver bank features -> model -> scored Silver rows -> gold/fraud_alerts, exactly once', async () => {
  const lake = path.join(dir, 'bank');
  const sim = ['--source', 'sim', '--topics', 'bank-transactions', '--accounts', '300'];
  runFlOk(['ingest', '--lake', lake, ...sim, '--days', '15', '--start', '2024-03-01']);
  runFlOk(['pipeline', '--lake', lake, '--once', '--topics', 'bank-transactions']);
  const train = runFlOk(['fraud', 'train', '--lake', lake]);
  assert.match(train.stdout, /PIPELINE/);
  const version = fs.readFileSync(path.join(lake, 'models', 'fraud', 'PIPELINE'), 'utf8').trim();
  runFlOk(['ingest', '--lake', lake, ...sim, '--days', '5', '--start', '2024-03-16', '--seed', '9', '--stream-id', 'later']);
  const p = runFlOk(['pipeline', '--lake', lake, '--once', '--topics', 'bank-transactions']);
  assert.match(p.stdout, new RegExp(`scored with fraud model ${version}`));
  const silver = tableRows(lake, '../silver/bank_transactions');
  const scored = silver.filter((x) => x.fraud_score !== null);
  const before = silver.filter((x) => x.fraud_score === null);
  assert.ok(scored.length > 1000 && before.length > 1000, `${scored.length} scored, ${before.length} not`);
  assert.ok(scored.every((x) => x.model_version === version && x.event_time >= '2024-03-16'));
  assert.ok(before.every((x) => x.model_version === null && x.event_time < '2024-03-16'));
  const alerted = scored.filter((x) => x.fraud_alert).map((x) => x.transaction_id).sort();
  assert.ok(alerted.length > 0);
  // Most injected frauds of the later days are caught, and most alerts are frauds.
  const frauds = scored.filter((x) => x.is_fraud).map((x) => x.transaction_id);
  const caught = frauds.filter((t) => alerted.includes(t)).length;
  assert.ok(caught / frauds.length > 0.5, `${caught} of ${frauds.length} frauds alerted`);
  assert.ok(caught / alerted.length > 0.5, `${caught} of ${alerted.length} alerts are frauds`);
  const alerts = tableRows(lake, '../gold/fraud_alerts');
  assert.deepEqual(alerts.map((x) => x.transaction_id).sort(), alerted);
  assert.ok(alerts.every((x) => x.model_version === version && x.fraud_score >= 0));
  // DuckDB reads the alerts table's files; a rerun adds nothing.
  const { rows: n } = await duckdbQuery(`SELECT count(*)::INTEGER AS n FROM read_parquet(${sqlStr(path.join(lake, 'gold', 'fraud_alerts', '*.parquet'))})`);
  assert.equal(Number(n[0].n), alerted.length);
  runFlOk(['pipeline', '--lake', lake, '--once']);
  assert.equal(tableRows(lake, '../gold/fraud_alerts').length, alerted.length);
});

test('fraud: retraining appends no metrics twice, a scored file is rescored and trained on without its scores, bad cells and flags fail first', async () => {
  const lake = path.join(dir, 'ulb');  // trained by the first test
  const version = fs.readFileSync(path.join(lake, 'models', 'fraud', 'CURRENT'), 'utf8').trim();
  const train = ['fraud', 'train', '--csv', ALL_FRAUDS, '--label', 'Class', '--time-column', 'Time'];
  const again = runFlOk([...train, '--lake', lake]);
  assert.match(again.stdout, /metrics already in .*nothing appended/);
  const { rows } = await duckdbQuery(`SELECT count(*)::INTEGER AS n FROM read_parquet(${sqlStr(
    path.join(lake, 'gold', 'model_metrics', '*.parquet'))}) WHERE model_version = ${sqlStr(version)}`);
  assert.equal(Number(rows[0].n), 8);
  // A file scored before: its three score columns are replaced, not repeated.
  const once = path.join(dir, 'scored_once.csv');
  runFlOk(['fraud', 'score', '--csv', ALL_FRAUDS, '--lake', lake, '--out', once]);
  const twice = runFlOk(['fraud', 'score', '--csv', once, '--lake', lake]);
  assert.match(twice.stderr, /the input's 'fraud_score' column is replaced/);
  const header = twice.stdout.split('\n')[0].split(',');
  for (const c of ['fraud_score', 'fraud_alert', 'model_version']) assert.equal(header.filter((h) => h === c).length, 1, c);
  assert.deepEqual(csvRows(twice.stdout).map((x) => x.fraud_score), csvRows(fs.readFileSync(once, 'utf8')).map((x) => x.fraud_score));
  // ... and a model trained on it never takes a score as a feature.
  const onScored = path.join(dir, 'on_scored');
  const report = path.join(dir, 'on_scored.json');
  const t = runFlOk(['fraud', 'train', '--csv', once, '--label', 'Class', '--time-column', 'Time',
    '--lake', onScored, '--report', report]);
  assert.match(t.stderr, /column 'fraud_score' \(a fraud score output\) is not a feature/);
  const rep = JSON.parse(fs.readFileSync(report, 'utf8'));
  assert.ok(!rep.features.some((f) => f.startsWith('fraud_') || f.startsWith('model_version')), rep.features.join(','));
  // An infinity in a row of the test slice hung training (NaN scores); now it names the cell.
  const lines = fs.readFileSync(ALL_FRAUDS, 'utf8').trim().split('\n');
  const withInf = path.join(dir, 'inf.csv');
  fs.writeFileSync(withInf, [lines[0], ...lines.slice(1).map((l, i) => (i === 5 ? l.replace(/^(\d+,[^,]+,)[^,]+,[^,]+/, '$1inf,-inf') : l))].join('\n') + '\n');
  const bad = path.join(dir, 'bad2');
  expectFailure([...train.map((x) => (x === ALL_FRAUDS ? withInf : x)), '--lake', bad], ["column 'V1', row 6: inf is not a finite number"]);
  // A misspelt --exclude would silently keep the column; a --report that is a folder failed after publishing.
  expectFailure([...train, '--exclude', 'Amout', '--lake', bad], '--exclude Amout: the input has no such column');
  expectFailure([...train, '--report', dir, '--lake', bad], 'is a directory');
  assert.ok(!fs.existsSync(path.join(bad, 'models')), 'a failed train published a model');
});
