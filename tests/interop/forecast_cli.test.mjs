// `financelake train | predict | backtest` end to end: real daily histories from the fixtures
// (a CSV of five tickers, and AAPL through Bronze -> Silver -> Gold), models on disk, the served
// forecasts in gold/predictions and the validation metrics in gold/model_metrics read back by
// DuckDB, next-trading-day targets, per-ticker failures that leave the others done, bad flags.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { duckdbQuery, expectFailure, fixturesDir, mkTmp, rmTmp, runFl, runFlOk, sqlStr } from './lib.mjs';

let dir;
before(() => {
  dir = mkTmp('fl-forecast-');
});
after(() => rmTmp(dir));

const stocks = (rel) => path.join(fixturesDir(), 'stocks_daily', rel);
const FIVE = stocks('plotly_datasets/dash-stock-ticker-demo.csv');  // AAPL COKE GOOGL TSLA YHOO, descending
const AAPL = stocks('mplfinance/yahoofinance-AAPL-20040819-20180120.csv');
const FAST = ['--epochs', '3', '--hidden', '16,8'];

const parquet = (lake, table) => sqlStr(path.join(lake, 'gold', table, '*.parquet'));
const dateStr = (d) => (typeof d === 'string' ? d : d.toString()).slice(0, 10);

test('train on a CSV of five tickers: models, served choice by the rule, forecasts for the next trading day', async () => {
  const lake = path.join(dir, 'five');
  const r = runFlOk(['train', '--lake', lake, '--csv', FIVE, ...FAST]);
  assert.match(r.stdout, /training 5 tickers/);
  // AAPL lacks Monday 2017-08-07 (TSLA has it) and, like every ticker of the file, 2017-11-08:
  // one warning per ticker; nothing is filled in.
  assert.match(r.stderr, /warning: AAPL: 2 missing trading days between 2015-01-02 and 2017-12-29 \(2017-08-07, 2017-11-08\); nothing is filled in/);
  assert.match(r.stderr, /warning: TSLA: 1 missing trading day between \S+ and 2017-12-29 \(2017-11-08\)/);
  assert.equal(r.stderr.match(/warning: AAPL:/g).length, 1);
  for (const t of ['AAPL', 'COKE', 'GOOGL', 'TSLA', 'YHOO']) {
    const version = fs.readFileSync(path.join(lake, 'models', t, 'CURRENT'), 'utf8').trim();
    assert.match(version, /^lstm-[0-9a-f]{12}$/);
    const m = JSON.parse(fs.readFileSync(path.join(lake, 'models', t, version, 'manifest.json'), 'utf8'));
    assert.equal(m.format, 'financelake-lstm-forecaster');
    assert.equal(m.format_version, 1);
    assert.equal(m.ticker, t);
    assert.deepEqual(m.architecture.hidden, [16, 8]);
    assert.deepEqual(m.features.map((f) => f.name), ['avg_price', 'total_volume']);
    const skill = m.validation.lstm.mae / m.validation.persistence.mae;
    assert.ok(Math.abs(skill - m.validation.skill_mae_vs_persistence) < 1e-9);
    assert.equal(m.served, skill < 1 ? 'lstm' : 'persistence', t);
    const weights = fs.statSync(path.join(lake, 'models', t, version, 'weights.f32')).size;
    assert.equal(weights, 4 * m.weights.count);
  }
  const { rows } = await duckdbQuery(`SELECT ticker, CAST(as_of_date AS VARCHAR) AS as_of, CAST(target_date AS VARCHAR) AS target,
      predicted_close, baseline_close, served, lstm_close, model_version FROM read_parquet(${parquet(lake, 'predictions')}) ORDER BY ticker`);
  assert.deepEqual(rows.map((x) => x.ticker), ['AAPL', 'COKE', 'GOOGL', 'TSLA', 'YHOO']);
  const aapl = rows[0];
  assert.equal(aapl.as_of, '2017-12-29');  // a Friday; Monday 2018-01-01 is New Year's Day
  assert.equal(aapl.target, '2018-01-02');
  assert.equal(Number(aapl.baseline_close), 169.23);  // the last close: persistence
  const yhoo = rows[4];
  assert.equal(yhoo.as_of, '2017-06-16');  // a Friday
  assert.equal(yhoo.target, '2017-06-19');
  for (const x of rows) {
    const served = x.served === 'lstm' ? Number(x.lstm_close) : Number(x.baseline_close);
    assert.equal(Number(x.predicted_close), served, x.ticker);
  }
  const metrics = await duckdbQuery(`SELECT subject, metric, baseline, value, baseline_value FROM read_parquet(${parquet(lake, 'model_metrics')})
      WHERE model = 'forecast' AND split = 'validation'`);
  assert.equal(metrics.rows.length, 5 * 10);
  const mae = metrics.rows.find((x) => x.subject === 'AAPL' && x.metric === 'mae' && x.baseline === 'persistence');
  const m = JSON.parse(fs.readFileSync(path.join(lake, 'models', 'AAPL', aapl.model_version, 'manifest.json'), 'utf8'));
  assert.ok(Math.abs(Number(mae.value) - m.validation.lstm.mae) < 1e-12);
  assert.ok(Math.abs(Number(mae.baseline_value) - m.validation.persistence.mae) < 1e-12);
  // predict from the same data: the same forecasts, kept once.
  const p = runFlOk(['predict', '--lake', lake, '--csv', FIVE, '--ticker', 'AAPL,TSLA']);
  assert.match(p.stdout, /nothing appended/);
  const again = await duckdbQuery(`SELECT count(*) AS n FROM read_parquet(${parquet(lake, 'predictions')})`);
  assert.equal(Number(again.rows[0].n), 5);
});

test('the lake flow: CSV -> Bronze -> Silver -> Gold -> train --lake -> predict', async () => {
  const lake = path.join(dir, 'flow');
  runFlOk(['ingest', '--source', 'csv', AAPL, '--lake', lake, '--once']);
  runFlOk(['pipeline', '--lake', lake, '--once']);
  const t = runFlOk(['train', '--lake', lake, '--ticker', 'AAPL', ...FAST]);
  assert.match(t.stdout, /AAPL\s+3379 2004-08-19\.\.2018-01-19/);  // every row of the file
  const p = runFlOk(['predict', '--lake', lake, '--no-tables']);
  // 2018-01-19 is a Friday: Monday the 22nd.
  assert.match(p.stdout, /AAPL\s+2018-01-19 2018-01-22 (lstm|persistence)/);
  // The same days from the CSV give the same features (avg_price = (H+L+C)/3 from Gold's columns
  // too), so the same model gives the same forecast, the network's figure included.
  const fromCsv = runFlOk(['predict', '--lake', lake, '--csv', AAPL, '--no-tables']);
  const line = (out) => out.split('\n').find((l) => l.startsWith('AAPL '));
  assert.equal(line(fromCsv.stdout), line(p.stdout));
  const { rows } = await duckdbQuery(`SELECT CAST(target_date AS VARCHAR) AS target, baseline_close FROM read_parquet(${parquet(lake, 'predictions')})`);
  assert.equal(rows.length, 1);
  assert.equal(rows[0].target, '2018-01-22');
  assert.equal(Number(rows[0].baseline_close), 178.460007);  // AAPL's close on 2018-01-19
  // A model trained from a CSV whose ticker has no prices in Gold: `predict` of every model
  // leaves it out with a note (exit 0); asked for by name it is an error.
  runFlOk(['train', '--lake', lake, '--csv', FIVE, '--ticker', 'COKE', '--no-tables', ...FAST]);
  const all = runFlOk(['predict', '--lake', lake, '--no-tables']);
  assert.match(all.stdout, /AAPL\s+2018-01-19 2018-01-22/);
  assert.doesNotMatch(all.stdout, /COKE/);
  assert.match(all.stderr, /note: no daily prices for COKE in .*gold\/daily_prices: left out/);
  const named = runFl(['predict', '--lake', lake, '--ticker', 'COKE', '--no-tables']);
  assert.equal(named.code, 1, named.stderr);
  assert.match(named.stderr, /COKE/);
});

test('backtest: walk-forward folds, persistence scored as the CSV says, skill = MAE ratio', () => {
  const out = path.join(dir, 'bt.json');
  const r = runFlOk(['backtest', '--csv', AAPL, '--folds', '4', '--json', out, ...FAST]);
  assert.match(r.stdout, /walk-forward backtest, 4 folds/);
  assert.match(r.stdout, /skill MAE\(lstm\)\/MAE\(persistence\)/);
  const [bt] = JSON.parse(fs.readFileSync(out, 'utf8'));
  assert.equal(bt.ticker, 'AAPL');
  assert.equal(bt.folds.length, 4);
  // Persistence over the test days, computed here from the CSV itself.
  const lines = fs.readFileSync(AAPL, 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
  const first = bt.folds[0].test_first_date;
  let sum = 0;
  let n = 0;
  for (let i = 1; i < lines.length; i++) {
    if (lines[i][0] >= first) {
      sum += Math.abs(Number(lines[i][4]) - Number(lines[i - 1][4]));
      n++;
    }
  }
  assert.equal(bt.persistence.n, n);
  assert.ok(Math.abs(bt.persistence.mae - sum / n) < 1e-9, `${bt.persistence.mae} vs ${sum / n}`);
  assert.equal(bt.persistence.directional_accuracy, null);  // persistence never calls a direction
  assert.ok(Math.abs(bt.skill - bt.lstm.mae / bt.persistence.mae) < 1e-12);
  assert.equal(bt.served, bt.skill < 1 ? 'lstm' : 'persistence');
  for (let k = 1; k < 4; k++) {
    assert.ok(bt.folds[k].test_first_date > bt.folds[k - 1].test_last_date);
    assert.ok(bt.folds[k].train_last_date < bt.folds[k].test_first_date);  // trained on the past only
  }
});

test('a bad ticker fails with its own line; the others are trained', () => {
  const lake = path.join(dir, 'mixed');
  const csv = path.join(dir, 'mixed.csv');
  const src = fs.readFileSync(FIVE, 'utf8').trim().split(/\r?\n/);  // the file has CRLF line ends
  const header = src[0];
  const good = src.filter((l) => l.endsWith(',COKE'));
  const shortRows = src.filter((l) => l.endsWith(',TSLA')).slice(0, 12).map((l) => l.replace(/,TSLA$/, ',SHORT'));
  fs.writeFileSync(csv, [header, ...good, ...shortRows].join('\n') + '\n');
  const r = runFl(['train', '--lake', lake, '--csv', csv, ...FAST]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /error: SHORT: 12 rows; at least 41 are needed/);
  assert.match(r.stderr, /1 of 2 tickers failed/);
  assert.ok(fs.existsSync(path.join(lake, 'models', 'COKE', 'CURRENT')));
  assert.ok(!fs.existsSync(path.join(lake, 'models', 'SHORT')));
  assert.match(r.stdout, /COKE\s+754/);
});

test('bad flags and missing inputs fail with one clear line', () => {
  expectFailure(['train', '--csv', FIVE, '--dropout', '1.5', '--lake', dir], 'dropout must be in [0, 1), got 1.5');
  expectFailure(['backtest', '--csv', FIVE, '--features', 'avg_price,rsi'], "unknown feature 'rsi'");
  expectFailure(['backtest', '--csv', FIVE, '--hidden', '64,x'], "--hidden: 'x' is not a layer size");
  expectFailure(['predict', '--lake', path.join(dir, 'empty')], 'no forecast models');
  expectFailure(['train', '--lake', path.join(dir, 'empty')], 'gold/daily_prices does not exist');
  expectFailure(['backtest', '--csv', path.join(dir, 'nope.csv')], 'nope.csv');
  expectFailure(['train', '--csv', FIVE, '--seed', '-1', '--lake', dir], '--seed');
  // Messages name this command's flag (--csv-ticker), not produce's --ticker.
  expectFailure(['backtest', '--csv', FIVE, '--csv-ticker', 'FOO'], '--csv-ticker does not apply');
});

test('predict refuses a history that ends before the model was trained', () => {
  const lake = path.join(dir, 'lookahead');
  const src = fs.readFileSync(FIVE, 'utf8').trim().split(/\r?\n/);  // newest rows first
  const coke = src.filter((l) => l.endsWith(',COKE'));
  const old = path.join(dir, 'coke_old.csv');
  fs.writeFileSync(old, [src[0], ...coke.slice(200)].join('\n') + '\n');  // the newest 200 days cut
  runFlOk(['train', '--lake', lake, '--csv', FIVE, '--ticker', 'COKE', ...FAST]);
  const predictions = path.join(lake, 'gold', 'predictions');
  const count = () => (fs.existsSync(predictions) ? runFlOk(['table', 'scan', predictions, '--count']).stdout.trim() : 'none');
  const before = count();
  const r = runFl(['predict', '--lake', lake, '--csv', old]);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /COKE: the history ends \d{4}-\d\d-\d\d, before the end of the model's training data/);
  assert.equal(count(), before, 'a look-ahead forecast was recorded');
  runFlOk(['predict', '--lake', lake, '--csv', FIVE, '--ticker', 'COKE']);  // an up-to-date history is fine
});

// COKE's rows of the five-ticker file (newest first) with `edit(fields)` applied to the row at
// `index`; the Close is field 5.
function cokeCsv(name, index = -1, edit = null) {
  const src = fs.readFileSync(FIVE, 'utf8').trim().split(/\r?\n/);
  const coke = src.filter((l) => l.endsWith(',COKE'));
  if (edit) {
    const f = coke[index].split(',');
    edit(f);
    coke[index] = f.join(',');
  }
  const file = path.join(dir, name);
  fs.writeFileSync(file, [src[0], ...coke].join('\n') + '\n');
  return file;
}

test('predict again after the last close changed: the stored forecast is the printed one', () => {
  const lake = path.join(dir, 'restated');
  const csv = cokeCsv('coke_restated.csv');
  runFlOk(['train', '--lake', lake, '--csv', csv, ...FAST]);
  // The last day's close changes (a partial live day completed, Gold restated).
  const newClose = 243.5;
  cokeCsv('coke_restated.csv', 0, (f) => { f[5] = String(newClose); });
  const p = runFlOk(['predict', '--lake', lake, '--csv', csv]);
  assert.match(p.stdout, /1 stored forecast for the same day and model replaced/);
  const printed = p.stdout.split('\n').find((l) => l.startsWith('COKE ')).trim().split(/\s+/);
  // The table as Delta defines it (the replaced row's file stays on disk until VACUUM).
  const scan = runFlOk(['table', 'scan', path.join(lake, 'gold', 'predictions'), '--format', 'jsonl']);
  const rows = scan.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(rows.length, 1);
  assert.equal(Number(rows[0].baseline_close), newClose);
  assert.equal(Number(rows[0].predicted_close).toFixed(4), printed[4]);
  assert.equal(Number(rows[0].lstm_close).toFixed(4), printed[6]);
  // Unchanged input: nothing to do.
  assert.match(runFlOk(['predict', '--lake', lake, '--csv', csv]).stdout, /nothing appended/);
});

test('a NaN or empty close fails its ticker naming the line; the others are trained', () => {
  const lake = path.join(dir, 'nan');
  const src = fs.readFileSync(FIVE, 'utf8').trim().split(/\r?\n/);
  const tsla = src.filter((l) => l.endsWith(',TSLA'));
  const coke = src.filter((l) => l.endsWith(',COKE'));
  const f = coke[100].split(',');
  f[5] = 'NaN';
  coke[100] = f.join(',');
  const csv = path.join(dir, 'nan.csv');
  fs.writeFileSync(csv, [src[0], ...tsla, ...coke].join('\n') + '\n');
  const r = runFl(['train', '--lake', lake, '--csv', csv, ...FAST]);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  const line = 1 + tsla.length + 101;
  assert.match(r.stderr, new RegExp(`error: COKE: .*nan\\.csv:${line}: column 'Close': 'NaN' is not a finite number`));
  assert.match(r.stderr, /1 of 2 tickers failed/);
  assert.ok(fs.existsSync(path.join(lake, 'models', 'TSLA', 'CURRENT')));
  assert.ok(!fs.existsSync(path.join(lake, 'models', 'COKE')));
});

test('backtest --record: each configuration and each history has its own version name', async () => {
  const lake = path.join(dir, 'record');
  const csv = cokeCsv('coke_record.csv');
  const args = ['--lake', lake, '--record', '--folds', '2', '--epochs', '2'];
  const a = runFlOk(['backtest', '--csv', csv, ...args, '--hidden', '16,8']);
  const b = runFlOk(['backtest', '--csv', csv, ...args, '--hidden', '8,4']);
  // The same settings over a history that has grown (here: shrunk by its last 20 days) are new
  // figures, not "already recorded".
  const lines = fs.readFileSync(csv, 'utf8').trim().split('\n');
  const shorter = path.join(dir, 'coke_record_shorter.csv');
  fs.writeFileSync(shorter, lines.slice(0, -20).join('\n') + '\n');
  const c = runFlOk(['backtest', '--csv', shorter, ...args, '--hidden', '16,8']);
  const again = runFlOk(['backtest', '--csv', csv, ...args, '--hidden', '16,8']);
  const name = (out) => out.match(/^COKE: recorded as model version (\S+)$/m)[1];
  assert.match(name(a.stdout), /^backtest-seed42-[0-9a-f]{8}-[0-9a-f]{8}$/);
  assert.notEqual(name(a.stdout), name(b.stdout));
  assert.notEqual(name(a.stdout), name(c.stdout));
  assert.equal(name(again.stdout), name(a.stdout));
  const { rows } = await duckdbQuery(`SELECT model_version, count(*) AS n FROM read_parquet(${parquet(lake, 'model_metrics')}) WHERE split = 'backtest' GROUP BY 1 ORDER BY 1`);
  assert.deepEqual(rows.map((x) => x.model_version), [name(a.stdout), name(b.stdout), name(c.stdout)].sort());
  // The rerun of the first configuration on the same history added nothing.
  assert.equal(new Set(rows.map((x) => Number(x.n))).size, 1, rows.map((x) => `${x.model_version}: ${x.n}`).join(", "));
});
