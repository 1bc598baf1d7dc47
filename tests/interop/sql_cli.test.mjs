// `financelake sql` end to end on a lake built from fixed inputs: every query of docs/queries.md
// (sql_queries.mjs) gives the same rows as DuckDB over the tables' live Parquet files; time
// travel and history agree with an independent replay of the Delta log; OPTIMIZE keeps the
// answers; output formats; errors are one line and change nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { duckdbExec, duckdbQuery, expectFailure, fixturesDir, flBin, mkTmp, rmTmp, runFl, runFlOk, runProgram, sqlStr } from './lib.mjs';
import { listLog, replayDeltaLog } from './delta_replay.mjs';
import { LAKE_STEPS, QUERIES } from './sql_queries.mjs';

let dir;
let lake;
before(() => {
  dir = mkTmp('fl-sql-');
  lake = path.join(dir, 'lake');
  for (const step of LAKE_STEPS) runFlOk([...step, '--lake', lake]);
});
after(() => rmTmp(dir));

const TABLES = ['bronze/stock_trades', 'bronze/crypto_prices', 'bronze/bank_transactions', 'silver/stock_trades',
  'silver/crypto_prices', 'silver/bank_transactions', 'gold/daily_prices', 'gold/fraud_alerts', 'errors'];

// A DuckDB view named like our flat table name, over the live files of `version` (default
// latest), showing values as the SQLite tables do: timestamps as ISO text, dates as text,
// booleans as 0/1, partition values from the log.
async function createView(rel, { version, name } = {}) {
  const tableDir = path.join(lake, rel);
  const snap = await replayDeltaLog(tableDir, { version });
  const view = name ?? rel.replace('/', '_');
  const fields = snap.schema.fields;
  const expr = (f) => {
    const q = `"${f.name}"`;
    if (f.type === 'timestamp') return `strftime(${q}, '%Y-%m-%dT%H:%M:%S.%fZ') AS ${q}`;
    if (f.type === 'date') return `CAST(${q} AS VARCHAR) AS ${q}`;
    if (f.type === 'boolean') return `CAST(${q} AS INTEGER) AS ${q}`;
    return q;
  };
  const parts = snap.files.map((file) => {
    const cols = fields.map((f) => (snap.partitionColumns.includes(f.name)
      ? `${sqlStr(file.partitionValues[f.name])} AS "${f.name}"` : expr(f)));
    return `SELECT ${cols.join(', ')} FROM read_parquet(${sqlStr(file.file)})`;
  });
  const body = parts.length ? parts.join(' UNION ALL ') : `SELECT ${fields.map((f) => `NULL AS "${f.name}"`).join(', ')} WHERE false`;
  await duckdbExec(`SET TimeZone = 'UTC'; CREATE OR REPLACE VIEW ${view} AS ${body}`);
  return snap;
}

function ours(sql) {
  const r = runFlOk(['sql', '--lake', lake, '--format', 'jsonl', sql]);
  return r.stdout.trim() === '' ? [] : r.stdout.trim().split('\n').map((l) => JSON.parse(l));
}

function sameValue(a, b) {
  if (a === null || b === null || a === undefined || b === undefined) return (a ?? null) === (b ?? null);
  if (typeof b === 'bigint') b = Number(b);
  if (typeof a === 'number' || typeof b === 'number') {
    const x = Number(a);
    const y = Number(b);
    return x === y || Math.abs(x - y) <= 1e-9 * Math.max(1, Math.abs(x), Math.abs(y));
  }
  return String(a) === String(b);
}

function assertSameRows(mine, theirs, what) {
  assert.equal(mine.length, theirs.length, `${what}: ${mine.length} rows vs DuckDB ${theirs.length}`);
  for (let i = 0; i < mine.length; i++) {
    const keys = Object.keys(theirs[i]);
    assert.deepEqual(Object.keys(mine[i]), keys, what);
    for (const k of keys) {
      assert.ok(sameValue(mine[i][k], theirs[i][k]), `${what}: row ${i} ${k}: ours ${mine[i][k]} vs DuckDB ${theirs[i][k]}`);
    }
  }
}

test('every docs/queries.md query: the same rows as DuckDB over the live Parquet files', async () => {
  for (const t of TABLES) await createView(t);
  for (const q of QUERIES) {
    const mine = ours(q.sql);
    const { rows } = await duckdbQuery(q.sql);
    assertSameRows(mine, rows, q.name);
    assert.ok(mine.length > 0, `${q.name}: no rows (the lake should give every query something)`);
  }
  // The queries see real content: frauds were labelled and alerts raised.
  const [kpi] = ours(QUERIES.find((q) => q.name === 'KPI summary').sql);
  assert.equal(kpi.bronze_rows, kpi.silver_rows + kpi.error_rows);
  assert.ok(kpi.fraud_alerts > 0);
});

test('time travel and history agree with a replay of the Delta log', async () => {
  const rel = 'silver/bank_transactions';
  const commits = [...listLog(path.join(lake, rel)).commits.keys()].sort((a, b) => a - b);
  assert.deepEqual(commits, [0, 1, 2]);
  await createView(rel, { version: 1, name: 'bank_v1' });
  const { rows } = await duckdbQuery('SELECT count(*) AS n FROM bank_v1');
  const [tt] = ours(`SELECT (SELECT count(*) FROM delta('${rel}', version => 1)) AS v1,
    (SELECT count(*) FROM delta('silver.bank_transactions', version => 0)) AS v0,
    (SELECT count(*) FROM silver.bank_transactions) AS now`);
  assert.equal(tt.v1, Number(rows[0].n));
  assert.equal(tt.v0, 0);
  assert.ok(tt.now > tt.v1);
  const hist = ours(`SELECT version, operation FROM history('${rel}')`);
  assert.deepEqual(hist.map((h) => h.version), [2, 1, 0]);
  assert.equal(hist[2].operation, 'CREATE TABLE');
  const described = ours('DESCRIBE HISTORY silver_bank_transactions');
  assert.deepEqual(described.map((h) => h.version), [2, 1, 0]);
  // By timestamp: the first commit's time gives version 0's (empty) table.
  const t0 = ours(`SELECT timestamp FROM history('${rel}') WHERE version = 0`)[0].timestamp;
  const [byTime] = ours(`SELECT count(*) AS n FROM delta('${rel}', timestamp => '${t0}')`);
  assert.equal(byTime.n, 0);
});

test('OPTIMIZE compacts and every answer stays the same; VACUUM honours the retention', async () => {
  const copy = path.join(dir, 'compact');
  fs.cpSync(lake, copy, { recursive: true });
  const q = `SELECT side, count(*) AS n, round(sum(volume), 2) AS v FROM silver_stock_trades GROUP BY side ORDER BY side;
SELECT count(*) AS n, round(sum(amount), 2) AS a FROM gold_fraud_alerts`;
  const before = runFlOk(['sql', '--lake', copy, '--format', 'csv', q]).stdout;
  // Three appends to one table, then compaction.
  for (let i = 0; i < 2; i++) {
    runFlOk(['ingest', '--lake', copy, '--source', 'sim', '--seed', String(20 + i), '--topics', 'bank-transactions',
      '--accounts', '50', '--start', `2024-03-2${i}`, '--days', '1', '--stream-id', `extra${i}`]);
  }
  const bronzeBefore = runFlOk(['sql', '--lake', copy, '--format', 'csv',
    "SELECT count(*) AS n, count(DISTINCT event_id) AS ids, round(sum(json_extract(payload, '$.amount')), 2) AS a FROM bronze.bank_transactions"]).stdout;
  const opt = runFlOk(['sql', '--lake', copy, 'OPTIMIZE bronze.bank_transactions']);
  assert.match(opt.stdout, /OPTIMIZE bronze\.bank_transactions: version 5, 4 files compacted into 1/);
  assert.equal(runFlOk(['sql', '--lake', copy, '--format', 'csv',
    "SELECT count(*) AS n, count(DISTINCT event_id) AS ids, round(sum(json_extract(payload, '$.amount')), 2) AS a FROM bronze.bank_transactions"]).stdout, bronzeBefore);
  assert.equal(runFlOk(['sql', '--lake', copy, '--format', 'csv', q]).stdout, before);
  const live = await replayDeltaLog(path.join(copy, 'bronze', 'bank_transactions'));
  assert.equal(live.files.length, 1);
  // Files just removed are inside the 7-day retention: VACUUM keeps them unless forced.
  assert.match(runFlOk(['sql', '--lake', copy, 'VACUUM bronze.bank_transactions DRY RUN']).stdout, /would delete 0 files/);
  const forced = runFlOk(['sql', '--lake', copy, 'VACUUM bronze.bank_transactions RETAIN 0 HOURS FORCE']);
  assert.match(forced.stdout, /deleted 4 files/);
  assert.equal(runFlOk(['sql', '--lake', copy, '--format', 'csv',
    "SELECT count(*) AS n, count(DISTINCT event_id) AS ids, round(sum(json_extract(payload, '$.amount')), 2) AS a FROM bronze.bank_transactions"]).stdout, bronzeBefore);
});

test('output formats, scripts on stdin, pushdown statistics', () => {
  const table = runFlOk(['sql', '--lake', lake, "SELECT ticker, count(*) AS n FROM gold.daily_prices WHERE asset_class = 'crypto' GROUP BY ticker ORDER BY ticker LIMIT 2"]);
  assert.match(table.stdout, /^ticker\s+n\n-+\s+-+\n/);
  assert.match(table.stdout, /\(2 rows\)\n$/);
  const csv = runFlOk(['sql', '--lake', lake, '--format', 'csv', "SELECT 'a,b' AS x, NULL AS y, 1.5 AS z"]);
  assert.equal(csv.stdout, 'x,y,z\n"a,b",,1.5\n');
  // Reals in full (the shortest text that reads back as the same double), as JSON lines print them.
  const reals = "SELECT 0.1 + 0.2 AS x, 9007199254740992.0 AS y, 1234567890123456.0 AS z";
  assert.equal(runFlOk(['sql', '--lake', lake, '--format', 'csv', reals]).stdout,
    'x,y,z\n0.30000000000000004,9007199254740992.0,1234567890123456.0\n');
  assert.match(runFlOk(['sql', '--lake', lake, reals]).stdout, /\n0\.30000000000000004  9007199254740992\.0  1234567890123456\.0\n/);
  assert.equal(runFlOk(['sql', '--lake', lake, '--format', 'jsonl', reals]).stdout,
    '{"x":0.30000000000000004,"y":9007199254740992.0,"z":1234567890123456.0}\n');
  // A repeated column name keeps both values in JSON lines.
  assert.equal(runFlOk(['sql', '--lake', lake, '--format', 'jsonl', 'SELECT 1 AS id, 2 AS id']).stdout, '{"id":1,"id_2":2}\n');
  const script = runFlOk(['sql', '--lake', lake, '--format', 'csv'], { input: 'SELECT 1 AS one;\nSELECT 2 AS two;\n' });
  assert.equal(script.stdout, 'one\n1\ntwo\n2\n');
  const day = "SELECT count(*) AS n FROM silver.stock_trades WHERE event_date = '2024-03-14'";
  const pushed = runFlOk(['sql', '--lake', lake, '--stats', day]);
  const full = runFlOk(['sql', '--lake', lake, '--stats', '--no-pushdown', day]);
  assert.equal(pushed.stdout, full.stdout);
  const other = runFlOk(['sql', '--lake', lake, '--stats', "SELECT count(*) AS n FROM silver.bank_transactions WHERE event_date = '2024-03-16'"]);
  assert.match(other.stderr, /files read 1 of 16/);
});

test('errors are one line, name the problem, and change nothing', async () => {
  const before = (await replayDeltaLog(path.join(lake, 'gold', 'daily_prices'))).version;
  expectFailure(['sql', '--lake', lake, 'SELECT * FROM gold.nope'], 'no such table: gold.nope (tables: bronze.bank_transactions');
  expectFailure(['sql', '--lake', lake, 'SELEC 1'], 'syntax error');
  expectFailure(['sql', '--lake', lake, 'DELETE FROM gold.daily_prices'], 'may not be modified');
  expectFailure(['sql', '--lake', lake, 'DROP TABLE gold.daily_prices'], 'read-only');
  expectFailure(['sql', '--lake', lake, "SELECT * FROM delta('gold/daily_prices', version => 99)"], 'gold/daily_prices');
  expectFailure(['sql', '--lake', lake, "SELECT * FROM delta('gold/daily_prices', as_of => 1)"], "unknown argument 'AS_OF'");
  expectFailure(['sql', '--lake', lake, 'VACUUM'], 'VACUUM needs a table');
  expectFailure(['sql', '--lake', lake, '--format', 'xml', 'SELECT 1'], "--format: 'xml' is not table, csv or jsonl");
  expectFailure(['sql', '--lake', path.join(dir, 'none'), 'SELECT 1'], 'does not exist');
  // One line even when the error quotes a line break the user typed; each refusal named.
  expectFailure(['sql', '--lake', lake, 'SELECT * FROM "no\npe"'], 'no such table: no\\npe');
  expectFailure(['sql', '--lake', lake, "SELECT count(*) FROM delta('no\npe')"], "no table 'no\\npe'");
  expectFailure(['sql', '--lake', lake, "SELECT load_extension('/x')"], 'not allowed: load_extension()');
  expectFailure(['sql', '--lake', lake, `VACUUM INTO '${path.join(dir, 'copy.db')}'`], 'not allowed: VACUUM INTO');
  expectFailure(['sql', '--lake', lake, "SELECT * FROM delta('gold/daily_prices', version => 99999999999999999999)"],
    'version 99999999999999999999 is out of range');
  expectFailure(['sql', '--lake', lake, "SELECT * FROM delta('gold/daily_prices', version => 0, version => 1)"],
    'version given twice');
  assert.ok(!fs.existsSync(path.join(dir, 'copy.db')));
  assert.equal((await replayDeltaLog(path.join(lake, 'gold', 'daily_prices'))).version, before);
});

test('comments around the lake statements are ignored, in scripts and on the command line', () => {
  const script = '-- list the tables\nSHOW TABLES;\nSELECT 1 AS one; -- then describe\nDESCRIBE gold.fraud_alerts -- alerts\n;';
  const r = runFlOk(['sql', '--lake', lake, '--format', 'csv'], { input: script });
  assert.match(r.stdout, /^table,also_as,path,version,files,rows,bytes\n/);
  assert.match(r.stdout, /\none\n1\ncolumn,type,nullable,partition\n/);
  const described = runFlOk(['sql', '--lake', lake, '--format', 'csv', '/* c */ DESCRIBE gold.daily_prices -- prices']);
  assert.match(described.stdout, /^column,type,nullable,partition\n/);
});

test('nested columns (Spark golden table) read as the JSON text table scan prints', () => {
  const glake = path.join(dir, 'glake');
  const table = path.join(glake, 'g', 'nested');
  fs.cpSync(path.join(fixturesDir(), 'delta_golden', 'core', 'data-reader-partition-values'), table, { recursive: true });
  const r = runFlOk(['sql', '--lake', glake, '--format', 'jsonl',
    "SELECT as_list_of_records AS l, as_nested_struct AS s, json_extract(as_nested_struct, '$.ac.acb') AS acb FROM g.nested WHERE value = '1'"]);
  const got = JSON.parse(r.stdout);
  assert.deepEqual(JSON.parse(got.l), [{ val: 1 }, { val: 1 }, { val: 1 }]);
  assert.deepEqual(JSON.parse(got.s), { aa: '1', ab: '1', ac: { aca: 1, acb: 1 } });
  assert.equal(got.acb, 1);
  const scan = runFlOk(['table', 'scan', table, '--columns', 'as_nested_struct', '--where', "value = '1'", '--format', 'csv']);
  assert.equal(scan.stdout.split('\n')[1], `"${got.s.replaceAll('"', '""')}"`);
});

test('the interactive shell (on a terminal) answers .help, .schema and unknown dot commands', () => {
  // util-linux `script` gives the shell a pseudo-terminal; its input is typed line by line.
  const typed = ['.help', '  .schema   gold.daily_prices;', '.schema', '.bogus x', '.tables',
    'SELECT count(*) AS n FROM gold.daily_prices', ';', '.quit', ''].join('\n');
  const r = runProgram('/usr/bin/script', ['-qec', `'${flBin()}' sql --lake '${lake}'`, '/dev/null'], { input: typed });
  assert.equal(r.code, 0, r.stderr);
  const out = r.stdout.replaceAll('\r', '');
  assert.match(out, /\.help the commands/);
  assert.match(out, /\.schema <table> +its columns/);
  assert.match(out, /time travel: FROM delta\('<table>', version => N\)/);
  assert.match(out, /\ntrading_date +date +0 +0\n/);  // .schema gold.daily_prices
  assert.match(out, /error: \.schema needs a table/);
  assert.match(out, /error: unknown command '\.bogus' \(\.help lists the commands\)/);
  assert.match(out, /\ngold\.daily_prices \(gold_daily_prices\)\n/);  // .tables
  const gold = ours('SELECT count(*) AS n FROM gold.daily_prices')[0].n;
  assert.match(out, new RegExp(`\\n *n\\n-+\\n *${gold}\\n\\(1 row\\)`));  // a statement over two lines
});

test('a script on stdin takes the shell commands too, on lines of their own between statements', () => {
  const script = ['.tables', 'SELECT count(*) AS n', '  FROM gold.daily_prices;', '  .schema\tgold.fraud_alerts',
    'SELECT 7 AS last'].join('\n');
  const r = runFlOk(['sql', '--lake', lake, '--format', 'csv'], { input: script });
  const gold = ours('SELECT count(*) AS n FROM gold.daily_prices')[0].n;
  assert.match(r.stdout, /^bronze\.\w+ \(bronze_\w+\)\n/);
  assert.match(r.stdout, /\ngold\.daily_prices \(gold_daily_prices\)\n/);
  assert.match(r.stdout, new RegExp(`\\nn\\n${gold}\\ncolumn,type,nullable,partition\\n`));
  assert.match(r.stdout, /\ncolumn,type,nullable,partition\ntransaction_id,string,0,0\n/);  // .schema gold.fraud_alerts
  assert.match(r.stdout, /\nlast\n7\n$/);  // the last statement needs no ';'
  // A ';' in a comment or a string does not end a statement; a command may follow a comment.
  const commented = runFlOk(['sql', '--lake', lake, '--format', 'csv'],
    { input: "SELECT 1 AS a, -- first;\n  'x;y' AS b;\nSELECT 3 AS c; -- a note\n.schema gold.fraud_alerts\n" });
  assert.match(commented.stdout, /^a,b\n1,x;y\nc\n3\ncolumn,type,nullable,partition\ntransaction_id,/);
  // Each statement is answered as soon as it is complete: a program feeding statements one at
  // a time gets each answer before it sends the next.
  // (The time the second statement is sent goes to a side file: measuring the gap between the
  // two answers instead made the check depend on how fast sql started on a loaded machine.)
  const fedDir = mkTmp('fl-sql-fed-');
  const sentAt = path.join(fedDir, 'sent');
  const fed = spawnSync('bash', ['-c', `(echo 'SELECT 1 AS a;'; sleep 3; date +%s.%N > '${sentAt}'; echo 'SELECT 2 AS b;') | '${flBin()}' sql --lake '${lake}' --format csv | while IFS= read -r l; do echo "$(date +%s.%N) $l"; done`], { encoding: 'utf8' });
  const at = Object.fromEntries(fed.stdout.trim().split('\n').map((l) => { const [t, v] = l.split(' '); return [v, Number(t)]; }));
  assert.ok(at['1'] !== undefined && at['2'] !== undefined, fed.stdout + fed.stderr);
  const sent = Number(fs.readFileSync(sentAt, 'utf8'));
  rmTmp(fedDir);
  assert.ok(at['1'] < sent, `the first answer came at ${at['1']}, after the second statement was sent at ${sent}`);
  // .quit ends the script; an unknown command stops it with an error, after what ran before.
  const quit = runFlOk(['sql', '--lake', lake, '--format', 'csv'], { input: 'SELECT 1 AS a;\n.quit\nSELECT 2 AS b;\n' });
  assert.equal(quit.stdout, 'a\n1\n');
  const bad = runFl(['sql', '--lake', lake, '--format', 'csv'], { input: 'SELECT 1 AS a;\n.tabels\nSELECT 2 AS b;\n' });
  assert.notEqual(bad.code, 0);
  assert.equal(bad.stdout, 'a\n1\n');
  assert.match(bad.stderr, /unknown command '\.tabels' \(\.help lists the commands\)/);
});
