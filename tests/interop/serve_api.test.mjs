// `financelake serve`: the REST API against the same data read independently (the CSV it came
// from, `financelake sql`), time travel, CSV downloads, paging, Server-Sent Events on new
// commits, /metrics, many concurrent clients, and the security rules (loopback unless a token,
// token on every request, validated inputs, no path traversal, read-only).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import http from 'node:http';
import { expectFailure, fixturesDir, mkTmp, rmTmp, runFlOk } from './lib.mjs';
import { startServe as startServeOn, stopChild } from './serve_lib.mjs';
import { kcatProduce, startBroker, stockLines } from './kafka_lib.mjs';

const AAPL = path.join(fixturesDir(), 'stocks_daily', 'mplfinance', 'yahoofinance-AAPL-20040819-20180120.csv');
const TOKEN = 'interop-secret-token-0123456789';

let dir;
let lake;
before(() => {
  dir = mkTmp('fl-serve-');
  lake = path.join(dir, 'lake');
  runFlOk(['ingest', '--source', 'csv', AAPL, '--lake', lake, '--once']);
  runFlOk(['pipeline', '--lake', lake, '--once']);
});
after(() => rmTmp(dir));

const startServe = (extra = []) => startServeOn(lake, extra);

/** GET with node's http (raw path kept as is: fetch would normalise '..'). */
function get(base, rawPath, headers = {}, method = 'GET', body = undefined) {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path: rawPath, method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(body ?? (method === 'POST' ? 'x=1' : undefined));
  });
}

const json = async (base, p, headers) => {
  const r = await get(base, p, headers);
  assert.equal(r.status, 200, `${p}: ${r.status} ${r.body}`);
  assert.match(r.headers['content-type'], /^application\/json/);
  return JSON.parse(r.body);
};

function csvCloses() {
  const lines = fs.readFileSync(AAPL, 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
  return lines.map((f) => ({ date: f[0], open: Number(f[1]), close: Number(f[4]) }));
}

test('the API serves what the lake holds: tables, candles, indicators, paging, time travel, CSV', async () => {
  const { base, child } = await startServe();
  try {
    const { tables } = await json(base, '/api/tables');
    const gold = tables.find((t) => t.table === 'gold.daily_prices');
    assert.equal(gold.rows, 3379);
    const health = await json(base, '/api/health');
    assert.equal(health.status, 'healthy');  // the lake was just written
    assert.equal(health.bronze_rows, 3379);

    const rows = csvCloses();
    const { candles } = await json(base, '/api/candles?ticker=AAPL&from=2017-01-01&to=2017-12-31');
    const want = rows.filter((r) => r.date >= '2017-01-01' && r.date <= '2017-12-31');
    assert.equal(candles.length, want.length);
    assert.equal(candles[0].trading_date, want[0].date);
    assert.equal(candles[0].open, want[0].open);
    assert.equal(candles.at(-1).close, want.at(-1).close);

    // Indicators from the whole history, recomputed here.
    const { indicators } = await json(base, '/api/indicators?ticker=AAPL&from=2018-01-01');
    const closes = rows.map((r) => r.close);
    const i = rows.findIndex((r) => r.date === indicators[0].trading_date);
    assert.ok(i > 200);
    const mean = (a) => a.reduce((s, x) => s + x, 0) / a.length;
    assert.ok(Math.abs(indicators[0].ma200 - mean(closes.slice(i - 199, i + 1))) < 1e-9);
    assert.ok(Math.abs(indicators[0].ma20 - mean(closes.slice(i - 19, i + 1))) < 1e-9);
    assert.ok(Math.abs(indicators[0].daily_return - (closes[i] / closes[i - 1] - 1)) < 1e-12);
    const rets = closes.slice(i - 20, i + 1).map((c, k, a) => (k ? c / a[k - 1] - 1 : null)).slice(1);
    const m = mean(rets);
    const vol = Math.sqrt(rets.reduce((s, r) => s + (r - m) ** 2, 0) / 19) * Math.sqrt(252);
    assert.ok(Math.abs(indicators[0].volatility20 - vol) < 1e-9);

    // Generic rows: newest first, paged; the same rows `financelake sql` gives.
    const page1 = await json(base, '/api/tables/gold/daily_prices/rows?limit=3');
    const page2 = await json(base, '/api/tables/gold/daily_prices/rows?limit=3&offset=3');
    assert.deepEqual(page1.rows.map((r) => r.trading_date), ['2018-01-19', '2018-01-18', '2018-01-17']);
    assert.equal(page2.rows[0].trading_date, '2018-01-16');
    assert.equal(page1.total, 3379);
    const viaSql = runFlOk(['sql', '--lake', lake, '--format', 'jsonl',
      'SELECT * FROM gold.daily_prices ORDER BY trading_date DESC LIMIT 3']).stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(page1.rows, viaSql);
    // Time travel: version 0 is the empty table.
    const v0 = await json(base, '/api/tables/gold/daily_prices/rows?version=0');
    assert.equal(v0.rows.length, 0);
    const hist = await json(base, '/api/tables/gold/daily_prices/history');
    assert.deepEqual(hist.history.map((h) => h.version), [1, 0]);
    // CSV download of a view.
    const csv = await get(base, '/api/candles?ticker=AAPL&from=2018-01-18&format=csv');
    assert.equal(csv.status, 200);
    assert.match(csv.headers['content-disposition'], /attachment; filename="candles_AAPL.csv"/);
    assert.equal(csv.body.split('\n')[0], 'trading_date,open,high,low,close,avg_price,vwap,total_volume,trade_count');
    assert.equal(csv.body.trim().split('\n').length, 3);
    const daily = await json(base, '/api/ingestion/daily');
    assert.equal(daily.tables[0].days.reduce((s, d) => s + d.rows, 0), 3379);
    const metrics = await get(base, '/metrics');
    assert.match(metrics.body, /financelake_table_version\{table="gold\/daily_prices"\} 1/);
    assert.match(metrics.body, /financelake_table_rows\{table="bronze\/stock_trades"\} 3379/);
    // Many clients at once.
    const all = await Promise.all(Array.from({ length: 60 }, (_, k) => get(base, `/api/candles?ticker=AAPL&from=2017-0${1 + (k % 9)}-01`)));
    assert.ok(all.every((r) => r.status === 200));
  } finally {
    await stopChild(child);
  }
});

test('server-sent events announce each new commit', async () => {
  const { base, child } = await startServe();
  try {
    const u = new URL(base);
    const events = [];
    const req = http.get({ host: u.hostname, port: u.port, path: '/api/events' });
    const res = await new Promise((resolve) => req.on('response', resolve));
    assert.equal(res.statusCode, 200);
    assert.match(res.headers['content-type'], /text\/event-stream/);
    res.setEncoding('utf8');
    let buf = '';
    res.on('data', (d) => {
      buf += d;
      let k;
      while ((k = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, k);
        buf = buf.slice(k + 2);
        const type = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (type) events.push({ type, data: JSON.parse(data) });
      }
    });
    await new Promise((r) => setTimeout(r, 300));
    // New data: a second file through Bronze, Silver and Gold.
    const goog = path.join(fixturesDir(), 'stocks_daily', 'mplfinance', 'yahoofinance-GOOG-20040819-20180120.csv');
    runFlOk(['ingest', '--source', 'csv', goog, '--lake', lake, '--once', '--stream-id', 'goog']);
    runFlOk(['pipeline', '--lake', lake, '--once']);
    for (let i = 0; i < 400 && !events.some((e) => e.data.path === 'gold/daily_prices'); i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    req.destroy();
    const gold = events.find((e) => e.data.path === 'gold/daily_prices');
    assert.ok(gold, JSON.stringify(events));
    assert.equal(gold.type, 'commit');
    assert.equal(gold.data.version, 2);
    assert.equal(gold.data.rows, 2 * 3379);
    assert.ok(events.some((e) => e.data.path === 'bronze/stock_trades' && e.data.version === 2));
    // The API answers from the new version (its cache was dropped).
    const { tickers } = await json(base, '/api/tickers');
    assert.deepEqual(tickers.map((t) => t.ticker), ['AAPL', 'GOOG']);
  } finally {
    await stopChild(child);
  }
});

/** Opens /api/events; resolves with { res, req, text() } once the response headers arrive. */
async function openEvents(base, headers = {}) {
  const u = new URL(base);
  const req = http.get({ host: u.hostname, port: u.port, path: '/api/events', headers });
  const res = await new Promise((resolve, reject) => { req.on('response', resolve); req.on('error', reject); });
  let buf = '';
  res.setEncoding('utf8');
  res.on('data', (d) => (buf += d));
  return { req, res, text: () => buf };
}

const streamsGauge = async (base) =>
  Number(/^financelake_event_streams (-?\d+)$/m.exec((await get(base, '/metrics')).body)[1]);

test('event streams: counted, capped at half the workers, Last-Event-ID checked', async () => {
  const { base, child } = await startServe(['--threads', '4']);  // at most 2 streams
  try {
    assert.equal(await streamsGauge(base), 0);
    const a = await openEvents(base);
    const b = await openEvents(base);
    assert.equal(a.res.statusCode, 200);
    assert.equal(b.res.statusCode, 200);
    assert.equal(await streamsGauge(base), 2);
    const c = await get(base, '/api/events');
    assert.equal(c.status, 503, c.body);
    assert.match(JSON.parse(c.body).error, /too many open event streams/);
    assert.equal(c.headers['retry-after'], '10');
    // Closed: a refused client kept its connection, and a worker, for the keep-alive time.
    assert.equal(c.headers.connection, 'close');
    // The other endpoints still answer while both streams are open.
    assert.equal((await get(base, '/api/health')).status, 200);
    a.req.destroy();
    b.req.destroy();
    let open = 2;
    for (let i = 0; i < 200 && open !== 0; i++) {  // a closed stream is noticed at its next write
      await new Promise((r) => setTimeout(r, 50));
      open = await streamsGauge(base);
    }
    assert.equal(open, 0, 'the gauge returns to 0, never below');
    // An id this server never sent (a browser after a server restart): told to reload.
    const ahead = await openEvents(base, { 'Last-Event-ID': '999999999' });
    for (let i = 0; i < 500 && !ahead.text().includes('event: reload'); i++) await new Promise((r) => setTimeout(r, 20));
    assert.match(ahead.text(), /event: reload/);
    ahead.req.destroy();
    const junk = await get(base, '/api/events', { 'Last-Event-ID': 'abc' });
    assert.equal(junk.status, 400);
    assert.match(JSON.parse(junk.body).error, /Last-Event-ID: 'abc' is not an event id/);
  } finally {
    await stopChild(child);
  }
});

test('security: loopback unless a token, the token on every request, validated inputs, read-only', async () => {
  expectFailure(['serve', '--lake', lake, '--host', '0.0.0.0', '--port', '0'], '--auth-token');
  expectFailure(['serve', '--lake', lake, '--port', '0', '--auth-token', 'short'], 'at least 16 characters');
  // Refused at start, not shown later as a lag-view error (librdkafka would read port 9093 here).
  expectFailure(['serve', '--lake', lake, '--port', '0', '--brokers', '127.0.0.1:74629'],
    "--brokers '127.0.0.1:74629': port '74629' is not a number in 1..65535");
  expectFailure(['serve', '--lake', path.join(dir, 'none'), '--port', '0'], 'does not exist');
  const { base, child } = await startServe(['--host', '0.0.0.0', '--auth-token', TOKEN]);
  try {
    const denied = await get(base, '/api/tables');
    assert.equal(denied.status, 401);
    assert.equal(denied.headers['x-content-type-options'], 'nosniff');
    assert.ok(!denied.body.includes(TOKEN));
    assert.equal((await get(base, '/api/tables', { Authorization: 'Bearer wrong-token-wrong-token' })).status, 401);
    assert.equal((await get(base, '/api/tables', { Authorization: `Bearer ${TOKEN}` })).status, 200);
    const viaLink = await get(base, `/api/health?token=${TOKEN}`);
    assert.equal(viaLink.status, 200);
    assert.match(viaLink.headers['set-cookie'][0], /^fl_token=.*; HttpOnly; SameSite=Strict; Path=\//);
    assert.equal((await get(base, '/api/health', { Cookie: `fl_token=${TOKEN}` })).status, 200);
    assert.equal((await get(base, '/api/health', { Cookie: 'fl_token=nope' })).status, 401);
    assert.equal((await get(base, '/api/health', { Cookie: `xfl_token=x; fl_token=${TOKEN}` })).status, 200);
    assert.equal((await get(base, '/api/health', { Authorization: `bearer ${TOKEN}` })).status, 200);
    assert.equal((await get(base, '/', { 'X-Auth-Token': TOKEN })).status, 200);
    const auth = { Authorization: `Bearer ${TOKEN}` };
    const bad = async (p, status, mention) => {
      const r = await get(base, p, auth);
      assert.equal(r.status, status, `${p}: ${r.body}`);
      const body = JSON.parse(r.body);
      assert.match(body.error, mention, p);
    };
    await bad('/api/candles?ticker=AA%27PL%20OR%201', 400, /is not a ticker/);
    await bad('/api/candles?ticker=AAPL&ticker=MSFT', 400, /given more than once/);
    await bad('/api/candles?ticker=AAPL&from=2018-02-30', 400, /is not a date/);
    await bad('/api/fraud_alerts?limit=100000', 400, /limit: '100000' is not an integer in 1\.\.1000/);
    const none = JSON.parse((await get(base, '/api/fraud_alerts', auth)).body);
    assert.deepEqual(none, { rows: [], note: 'no gold/fraud_alerts table yet' });
    // A table not there yet still gets its parameters checked; a CSV download of it is a 404.
    await bad('/api/fraud_alerts?version=abc', 400, /version: 'abc' is not an integer/);
    await bad('/api/fraud/summary?timestamp=garbage', 400, /timestamp: 'garbage' is not a time/);
    await bad('/api/predictions?ticker=!!!', 400, /is not a ticker/);
    await bad('/api/predictions?limit=-5', 400, /limit: '-5'/);
    await bad('/api/fraud_alerts?format=csv', 404, /no gold\/fraud_alerts table yet/);
    await bad('/api/errors?limit=0', 400, /limit: '0' is not an integer in 1\.\.1000/);
    await bad('/api/errors?offset=-1', 400, /offset/);
    await bad('/api/tables/gold/daily_prices/rows?version=99', 400, /is at version 1|is at version 2/);
    await bad('/api/tables/gold/daily_prices/rows?timestamp=yesterday', 400, /is not a time/);
    // An error from deep inside (the Delta layer) names the table, not the server's directories.
    const early = await get(base, '/api/candles?ticker=AAPL&timestamp=2000-01-01T00:00:00Z', auth);
    assert.equal(early.status, 400, early.body);
    assert.match(JSON.parse(early.body).error, /gold\/daily_prices: .*before the earliest/);
    assert.ok(!early.body.includes(path.resolve(lake)) && !early.body.includes(dir), early.body);
    await bad('/api/tables/gold/nope/rows', 404, /no table 'gold\/nope'/);
    await bad('/api/candles?ticker=AAPL&format=xml', 400, /format/);
    await bad('/api/../../etc/passwd', 400, /'\.\.'/);
    await bad('/..%2f..%2fetc%2fpasswd', 400, /'\.\.'/);
    await bad('/api/nope', 404, /no such endpoint/);
    const post = await get(base, '/api/tables', auth, 'POST');
    assert.equal(post.status, 405);
    // A huge request target is refused by the HTTP layer (414) and the server keeps serving.
    const huge = await get(base, `/api/candles?ticker=AAPL&pad=${'x'.repeat(20_000)}`, auth);
    assert.equal(huge.status, 414);
    assert.match(JSON.parse(huge.body).error, /URI too long/);
    // Methods the HTTP layer does not route: 405 with a JSON error, as for POST.
    const trace = await get(base, '/api/health', auth, 'TRACE');
    assert.equal(trace.status, 405, trace.body);
    assert.match(JSON.parse(trace.body).error, /only GET/);
    // A GET with a body is refused (its bytes would be read as the next request).
    const withBody = await get(base, '/api/health', { ...auth, 'Content-Length': '1000' }, 'GET', 'x'.repeat(1000));
    assert.equal(withBody.status, 413, withBody.body);
    assert.match(JSON.parse(withBody.body).error, /GET request has no body/);
    // Integers are whole strings of digits: nothing after a NUL, no sign or space in front.
    await bad('/api/errors?limit=1%00garbage', 400, /limit: /);
    await bad('/api/errors?limit=%205', 400, /limit: /);
    await bad('/api/errors?limit=+5', 400, /limit: /);
    await bad('/api/candles?ticker=' + 'A'.repeat(300), 400, /is not a ticker/);
    assert.equal((await get(base, '/api/health', auth)).status, 200);
  } finally {
    await stopChild(child);
  }
});

test('health shows the Kafka consumer lag of the ingest group (Bronze txn positions against high watermarks)', async () => {
  const { addr, child: broker } = await startBroker(1);
  const klake = path.join(dir, 'kafka-lake');
  let served;
  try {
    kcatProduce(addr, 'stock-trades', stockLines(10, 'a'));
    runFlOk(['ingest', '--brokers', addr, '--topics', 'stock-trades', '--lake', klake, '--once']);
    kcatProduce(addr, 'stock-trades', stockLines(7, 'b', 10));
    served = await startServeOn(klake, ['--brokers', addr]);
    let kafka;
    for (let i = 0; i < 200; i++) {
      kafka = (await json(served.base, '/api/health')).kafka;
      if (kafka && kafka.lag !== undefined) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(kafka.group, 'financelake-ingest');
    assert.equal(kafka.lag, 7, JSON.stringify(kafka));
    const trades = kafka.partitions.filter((p) => p.topic === 'stock-trades');
    assert.deepEqual(trades.map((p) => [p.partition, p.high_watermark, p.ingested, p.lag]), [[0, 17, 10, 7]]);
  } finally {
    if (served) await stopChild(served.child);
    await stopChild(broker);
  }
});

test('health dates the last ingest by the last commit that added data, not by OPTIMIZE or VACUUM', async () => {
  const mdir = path.join(dir, 'maint');
  fs.mkdirSync(mdir);
  const csv = path.join(mdir, 'AAPL.csv');
  const mlake = path.join(mdir, 'lake');
  const bronze = path.join(mlake, 'bronze', 'stock_trades');
  const day = (d) => `2024-01-${d},10,11,9,10.5,10.5,1000\n`;
  fs.writeFileSync(csv, 'Date,Open,High,Low,Close,Adj Close,Volume\n' + day('02') + day('03'));
  runFlOk(['ingest', '--source', 'csv', csv, '--lake', mlake, '--once']);
  fs.appendFileSync(csv, day('04'));
  runFlOk(['ingest', '--source', 'csv', csv, '--lake', mlake, '--once']);
  await new Promise((r) => setTimeout(r, 2500));  // older than --stalled-after-s
  runFlOk(['table', 'optimize', bronze]);
  runFlOk(['table', 'vacuum', bronze, '--retain-hours', '0', '--force']);

  const { base, child } = await startServeOn(mlake, ['--late-after-s', '1', '--stalled-after-s', '2']);
  try {
    const health = await json(base, '/api/health');
    assert.equal(health.status, 'stalled', JSON.stringify(health));
    const [t] = health.bronze_tables;
    assert.ok(t.last_ingest < t.last_commit, JSON.stringify(t));
    assert.equal(health.last_ingest, t.last_ingest);
    const { history } = await json(base, '/api/tables/bronze/stock_trades/history');
    const ingests = history.filter((h) => h.operation === 'STREAMING UPDATE').map((h) => Date.parse(h.timestamp));
    assert.ok(Math.abs(Date.parse(health.last_ingest) - Math.max(...ingests)) <= 1, JSON.stringify(history));

    // While serving: an ingest moves it, a compaction after it does not.
    const version = async () => (await json(base, '/api/tables')).tables.find((x) => x.table === t.table).version;
    const waitPast = async (v) => {
      for (let i = 0; i < 100 && (await version()) <= v; i++) await new Promise((r) => setTimeout(r, 100));
    };
    let v = await version();
    fs.appendFileSync(csv, day('05'));
    runFlOk(['ingest', '--source', 'csv', csv, '--lake', mlake, '--once']);
    await waitPast(v);
    const after = (await json(base, '/api/health')).bronze_tables[0];
    assert.equal(after.last_ingest, after.last_commit);
    assert.ok(after.last_ingest > t.last_ingest);
    v = await version();
    runFlOk(['table', 'optimize', bronze]);
    await waitPast(v);
    const last = await json(base, '/api/health');
    assert.ok(last.bronze_tables[0].last_commit > after.last_commit, JSON.stringify(last));
    assert.equal(last.last_ingest, after.last_ingest);
    assert.equal(last.bronze_rows, 4);
  } finally {
    await stopChild(child);
  }
});

test('answers are stored per exact parameters; history pages and refuses time travel; /metrics escapes table names', async () => {
  const wlake = path.join(dir, 'weird-lake');
  fs.cpSync(lake, wlake, { recursive: true });
  fs.cpSync(path.join(wlake, 'gold', 'daily_prices'), path.join(wlake, 'gold', 'we"ird\\x'), { recursive: true });
  const { base, child } = await startServeOn(wlake);
  try {
    // A parameter name that decodes to 'limit=2<US>offset' once stored its answer (limit 100,
    // offset 0: an unknown name is ignored) under the key of limit=2&offset=1.
    const rows = '/api/tables/gold/daily_prices/rows';
    const crafted = await json(base, `${rows}?limit%3D2%1Foffset=1`);
    assert.equal(crafted.limit, 100);
    const asked = await json(base, `${rows}?limit=2&offset=1`);
    assert.equal(asked.limit, 2);
    assert.equal(asked.offset, 1);
    assert.equal(asked.rows.length, 2);
    assert.deepEqual(asked.rows[0], crafted.rows[1]);
    // The same with the value: first the request whose key the crafted one would spell, then it.
    await json(base, '/api/candles?from=2015-01-02&ticker=AAPL');
    const noTicker = await get(base, '/api/candles?from=2015-01-02%1Fticker%3DAAPL');
    assert.equal(noTicker.status, 400, noTicker.body);

    // History: every version, paged; time travel refused, not ignored.
    const hist = '/api/tables/gold/daily_prices/history';
    const { history } = await json(base, hist);
    assert.ok(history.length >= 1);
    const page = await json(base, `${hist}?limit=1&offset=${history.length - 1}`);
    assert.deepEqual(page.history, [history[history.length - 1]]);
    for (const q of ['version=0', 'timestamp=2030-01-01T00:00:00Z']) {
      const r = await get(base, `${hist}?${q}`);
      assert.equal(r.status, 400, `${q}: ${r.body}`);
      assert.match(JSON.parse(r.body).error, /the history lists every version/);
    }
    // Rows read by timestamp report no version rather than the latest one.
    const oldest = history[history.length - 1];
    const byTime = await json(base, `${rows}?timestamp=${encodeURIComponent(oldest.timestamp)}&limit=1`);
    assert.equal(byTime.version, null);

    // /metrics: label values escaped per the text format, so the scrape stays parseable.
    const metrics = (await get(base, '/metrics')).body;
    assert.ok(metrics.includes('financelake_table_version{table="gold/we\\"ird\\\\x"} '), metrics);
    for (const line of metrics.split('\n').filter((l) => l && !l.startsWith('#'))) {
      assert.match(line, /^[a-z_]+(\{([a-z_]+="([^"\\\n]|\\["\\n])*",?)*\})? [-0-9.e+]+$/, line);
    }
  } finally {
    await stopChild(child);
  }
});

test('a lake with Gold/ beside gold/ still shows the model metrics next to the predictions', async () => {
  // With two layers differing only in case there is no `gold` schema in SQL; the metrics were
  // read as gold.model_metrics and so silently left out of /api/predictions.
  const clake = path.join(dir, 'case-lake');
  fs.cpSync(lake, clake, { recursive: true });
  fs.cpSync(path.join(clake, 'gold', 'daily_prices'), path.join(clake, 'Gold', 'daily_prices'), { recursive: true });
  // A table of `schema` holding the one row of `csv` (header, row).
  const tableOf = (rel, schema, csv) => {
    const file = path.join(dir, rel.replace('/', '_') + '.csv');
    fs.writeFileSync(file, csv);
    runFlOk(['table', 'create', path.join(clake, rel), '--schema', schema]);
    runFlOk(['table', 'append', path.join(clake, rel), '--csv', file]);
  };
  tableOf('gold/model_metrics',
    'created_at:timestamp,model:string,model_version:string,subject:string,split:string,metric:string,value:double,baseline:string,baseline_value:double',
    'created_at,model,model_version,subject,split,metric,value,baseline,baseline_value\n' +
    '2026-01-02T00:00:00Z,forecast,v1,AAPL,validation,mae,1.5,persistence,1.7\n');
  tableOf('gold/predictions',
    'ticker:string,as_of_date:date,target_date:date,predicted_close:double,baseline_close:double,model_version:string,created_at:timestamp,served:string,lstm_close:double',
    'ticker,as_of_date,target_date,predicted_close,baseline_close,model_version,created_at,served,lstm_close\n' +
    'AAPL,2018-01-19,2018-01-22,178.1,178.4,v1,2026-01-02T00:00:00Z,lstm,178.1\n');
  const { base, child } = await startServeOn(clake);
  try {
    const got = await json(base, '/api/predictions?ticker=AAPL');
    assert.equal(got.predictions.length, 1);
    assert.deepEqual(got.metrics.map((m) => [m.ticker, m.metric, m.value, m.baseline_value]), [['AAPL', 'mae', 1.5, 1.7]]);
    // Time travel applies to the predictions; the metrics stay the latest.
    const old = await json(base, '/api/predictions?version=0');
    assert.equal(old.predictions.length, 0);
    assert.equal(old.metrics.length, 1);
  } finally {
    await stopChild(child);
  }
});

test('a table whose columns change, or that is replaced, is answered with its new columns', async () => {
  // Found by a hunt: SQL sessions define a table's columns when they open, and were reopened
  // only when tables appeared or went: after a column was added the API kept the old columns,
  // and a table replaced by another answered the old column names with nulls.
  const slake = path.join(dir, 'schemas');
  const t = path.join(slake, 'custom', 't');
  const csv = (name, text) => { const f = path.join(dir, name); fs.writeFileSync(f, text); return f; };
  runFlOk(['table', 'append', t, '--csv', csv('t1.csv', 'id,name\n1,a\n')]);
  const { base, child } = await startServeOn(slake, []);
  try {
    const columns = async () => (await json(base, '/api/tables/custom/t/rows')).columns.map((c) => c.name ?? c);
    assert.deepEqual(await columns(), ['id', 'name']);
    // A nullable column added (as the pipeline's own tables gain one), then a row with it.
    const log = path.join(t, '_delta_log');
    const first = fs.readFileSync(path.join(log, '00000000000000000000.json'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
    const meta = first.find((a) => a.metaData).metaData;
    const schema = JSON.parse(meta.schemaString);
    schema.fields.push({ name: 'extra', type: 'string', nullable: true, metadata: {} });
    const next = fs.readdirSync(log).filter((f) => /^\d{20}\.json$/.test(f)).length;
    fs.writeFileSync(path.join(log, `${String(next).padStart(20, '0')}.json`),
      JSON.stringify({ commitInfo: { timestamp: Date.now(), operation: 'ADD COLUMNS' } }) + '\n' +
      JSON.stringify({ metaData: { ...meta, schemaString: JSON.stringify(schema) } }) + '\n');
    runFlOk(['table', 'append', t, '--csv', csv('t2.csv', 'id,name,extra\n2,b,hello\n')]);
    let got;
    for (let i = 0; i < 100; i++) {
      got = await json(base, '/api/tables/custom/t/rows');
      if (got.columns.length === 3) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.deepEqual(got.columns.map((c) => c.name ?? c), ['id', 'name', 'extra']);
    assert.ok(got.rows.some((r) => JSON.stringify(r).includes('hello')), JSON.stringify(got.rows));
    // Replaced by a table of other columns (another id) between two polls.
    const other = path.join(dir, 'other');
    runFlOk(['table', 'append', path.join(other, 't'), '--csv', csv('t3.csv', 'x\nzz\n')]);
    fs.rmSync(t, { recursive: true });
    fs.renameSync(path.join(other, 't'), t);
    // (A poll between the removal and the rename may have found no table: 404 until the next.)
    for (let i = 0; i < 100; i++) {
      const r = await get(base, '/api/tables/custom/t/rows');
      if (r.status !== 404) {
        assert.equal(r.status, 200, r.body);
        got = JSON.parse(r.body);
        if (got.columns.length === 1) break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.deepEqual(got.columns.map((c) => c.name ?? c), ['x']);
    assert.ok(JSON.stringify(got.rows).includes('zz'), JSON.stringify(got.rows));
  } finally {
    await stopChild(child);
  }
});
