// The dashboard in a real browser (Debian's chromium driven by playwright-core): charts and
// panels show the lake's data, the ticker and range pickers work, the theme follows the OS and
// the toggle is remembered, new commits appear without a reload, and a token-protected server
// works from a ?token= link.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { buildDir, fixturesDir, mkTmp, repoDir, rmTmp, runFlAsync, runFlOk } from './lib.mjs';
import { startServe as startServeOn, stopChild } from './serve_lib.mjs';

const daily = (name) => path.join(fixturesDir(), 'stocks_daily', 'mplfinance', name);
const AAPL = daily('yahoofinance-AAPL-20040819-20180120.csv');
const GOOG = daily('yahoofinance-GOOG-20040819-20180120.csv');
const SPY = daily('yahoofinance-SPY-20080101-20180101.csv');
const TOKEN = 'ui-test-token-abcdefghijklmnop';

let dir;
let lake;
let browser;
before(async () => {
  dir = mkTmp('fl-ui-');
  lake = path.join(dir, 'lake');
  runFlOk(['ingest', '--source', 'csv', AAPL, GOOG, '--lake', lake, '--once']);
  runFlOk(['pipeline', '--lake', lake, '--once']);
  runFlOk(['train', '--lake', lake, '--epochs', '2', '--hidden', '8,4', '--ticker', 'AAPL']);
  // Bank transactions with a fraud model, scored alerts and its metrics.
  const bank = ['ingest', '--lake', lake, '--source', 'sim', '--topics', 'bank-transactions', '--accounts', '300'];
  runFlOk([...bank, '--seed', '11', '--start', '2024-03-01', '--days', '14', '--stream-id', 'history']);
  runFlOk(['pipeline', '--lake', lake, '--once']);
  runFlOk(['fraud', 'train', '--lake', lake]);
  runFlOk([...bank, '--seed', '12', '--start', '2024-03-15', '--days', '3', '--stream-id', 'later']);
  runFlOk(['pipeline', '--lake', lake, '--once']);
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
});
after(async () => {
  await browser?.close();
  rmTmp(dir);
});

// Staleness is not under test here: the set-up above may take minutes on a loaded machine, so
// 'late' starts a day after the last commit instead of two minutes.
const startServe = (extra = []) => startServeOn(lake, ['--late-after-s', '86400', '--stalled-after-s', '86401', ...extra]);

// Screenshots: test artefacts under the build directory; FL_UPDATE_SCREENSHOTS=1 also refreshes
// the README's copies in docs/img.
async function screenshot(page, name) {
  const out = path.join(buildDir(), 'test-artifacts');
  fs.mkdirSync(out, { recursive: true });
  const file = path.join(out, `${name}.png`);
  await page.screenshot({ path: file });
  if (process.env.FL_UPDATE_SCREENSHOTS === '1') {
    fs.mkdirSync(path.join(repoDir, 'docs', 'img'), { recursive: true });
    fs.copyFileSync(file, path.join(repoDir, 'docs', 'img', `${name}.png`));
  }
}

async function open(url, options = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
  await page.goto(url);
  await page.waitForSelector('body[data-loaded]');
  return { context, page, problems };
}

// The live stream (EventSource) connects on its own, apart from the page's first load.
const waitLive = (page) => page.waitForFunction(() => document.querySelector('#live')?.textContent === 'live');

// Holds the answers to requests matching `match` (a URL predicate). `asked` resolves when the
// first such request is sent; release() lets the answers through and resolves once one has
// finished and the page has had 500 ms to (wrongly) use it.
async function holdAnswers(page, match) {
  let open;
  const held = new Promise((r) => (open = r));
  await page.route(match, async (route) => { await held; await route.continue(); });
  const asked = page.waitForEvent('request', (r) => match(new URL(r.url())));
  asked.catch(() => {});  // a test that does not wait for it must not see it time out
  const release = async () => {
    const done = page.waitForEvent('requestfinished', (r) => match(new URL(r.url())));
    open();
    await done;
    await page.waitForTimeout(500);
  };
  return { asked, release };
}

const cellTexts = (page, sel) => page.$$eval(`${sel} tbody tr:first-child td`, (tds) => tds.map((td) => td.textContent));

test('the market view: candles, pickers, forecast, theme', async () => {
  const { base, child } = await startServe();
  try {
    const { context, page, problems } = await open(base);
    assert.deepEqual(await page.$$eval('#ticker option', (o) => o.map((x) => x.value)), ['AAPL', 'GOOG']);
    assert.equal(await page.textContent('#health'), 'ingestion: healthy');
    await waitLive(page);
    assert.ok(await page.$('#price-chart canvas'), 'the candlestick chart draws on a canvas');
    // Latest Gold rows: the CSV's last day, newest first.
    let first = await cellTexts(page, '#gold-rows');
    assert.equal(first[0], '2018-01-19');
    assert.equal(first[4], '178.460007');
    // 1Y is the default range; 1M moves the start.
    assert.equal(await page.inputValue('#from'), '2017-01-19');
    await page.click('#ranges button[data-range="1M"]');
    assert.equal(await page.inputValue('#from'), '2017-12-19');
    // The forecast: the next trading day after Friday 2018-01-19 is Monday the 22nd.
    await page.waitForSelector('#prediction-body .forecast');
    const forecast = await page.textContent('#prediction-body');
    assert.match(forecast, /close for 2018-01-22/);
    assert.match(forecast, /served: (lstm|persistence)/);
    // Another ticker.
    await page.selectOption('#ticker', 'GOOG');
    await page.waitForFunction(() => document.querySelector('#gold-rows tbody td:nth-child(5)')?.textContent === '1,137.51001');
    await page.waitForFunction(() => /no forecast for this ticker yet/.test(document.querySelector('#prediction-body').textContent));
    // CSV of what the chart shows.
    await page.selectOption('#ticker', 'AAPL');
    await page.click('#ranges button[data-range="1M"]');
    await page.waitForFunction(() => document.querySelector('#gold-rows tbody td')?.textContent === '2018-01-19');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#candles-csv')]);
    const csv = fs.readFileSync(await download.path(), 'utf8').trim().split('\n');
    assert.equal(csv[0], 'trading_date,open,high,low,close,avg_price,vwap,total_volume,trade_count');
    assert.equal(csv[1].split(',')[0], '2017-12-19');
    assert.equal(csv.at(-1).split(',')[0], '2018-01-19');
    await page.click('#ranges button[data-range="1Y"]');
    await page.waitForTimeout(300);
    // Theme: light by default here, the toggle is remembered across reloads.
    assert.equal(await page.getAttribute('html', 'data-theme'), 'light');
    await screenshot(page, 'dashboard-light');
    await page.click('#theme');
    assert.equal(await page.getAttribute('html', 'data-theme'), 'dark');
    await page.reload();
    await page.waitForSelector('body[data-loaded]');
    assert.equal(await page.getAttribute('html', 'data-theme'), 'dark');
    await page.waitForTimeout(300);
    await screenshot(page, 'dashboard-dark');
    assert.deepEqual(problems, []);
    await context.close();
    // The OS preference decides when nothing was chosen.
    const dark = await open(base, { colorScheme: 'dark' });
    assert.equal(await dark.page.getAttribute('html', 'data-theme'), 'dark');
    await dark.context.close();
    // A phone-width screen: no sideways scrolling of the page.
    const phone = await open(base, { viewport: { width: 390, height: 844 } });
    assert.ok(await phone.page.evaluate(() => document.documentElement.scrollWidth <= 390), 'page wider than the phone');
    await screenshot(phone.page, 'dashboard-phone');
    assert.deepEqual(phone.problems, []);
    await phone.context.close();
    first = null;
  } finally {
    await stopChild(child);
  }
});

test('live: a new commit shows up without a reload; lake and bank views', async () => {
  const { base, child } = await startServe();
  try {
    const { context, page, problems } = await open(base);
    await page.click('#views button[data-view="lake"]');
    await page.waitForSelector('#tables tbody tr');
    const rowsOf = (table) => page.$$eval('#tables tbody tr', (trs, t) => {
      const tr = trs.find((r) => r.firstChild.textContent === t);
      return tr ? tr.children[2].textContent : null;
    }, table);
    assert.equal(await rowsOf('bronze.stock_trades'), '6,758');
    // Only commits after the live stream connects reach the page: wait for it before writing.
    await waitLive(page);
    runFlOk(['ingest', '--source', 'csv', SPY, '--lake', lake, '--once', '--stream-id', 'spy']);
    await page.waitForFunction(() => [...document.querySelectorAll('#tables tbody tr')]
      .some((r) => r.firstChild.textContent === 'bronze.stock_trades' && r.children[2].textContent === '9,277'), null, { timeout: 15000 });
    assert.ok(await page.$('#bronze-rows table'));
    // Table explorer: gold.daily_prices as of version 0 is empty, its history lists the commits.
    await page.selectOption('#explore-table', 'gold/daily_prices');
    await page.waitForFunction(() => document.querySelector('#explore-history tbody tr td')?.textContent === '1');
    await page.selectOption('#explore-version', '0');
    await page.waitForFunction(() => /no rows/.test(document.querySelector('#explore-rows').textContent));
    await page.click('#views button[data-view="bank"]');
    await page.waitForSelector('#alerts table');
    const alerts = await (await fetch(base + 'api/fraud_alerts?limit=1')).json();
    assert.ok(alerts.total > 0);
    assert.match(await page.textContent('#alerts .pager'), new RegExp(`of ${alerts.total}`));
    // The model's metrics load on their own request too: wait for them (the panel says loading…
    // until then, never 'no model').
    await page.waitForFunction(() => /auprc/.test(document.querySelector('#fraud-metrics')?.textContent ?? ''), null, { timeout: 15000 });
    assert.match(await page.textContent('#fraud-metrics'), /model \S+, trained on/);
    assert.ok(await page.$('#alert-chart canvas'));
    // The errors panel loads on its own request: wait for it rather than racing it.
    await page.waitForFunction(() => /no rows/.test(document.querySelector('#errors')?.textContent ?? ''), null, { timeout: 15000 });
    await screenshot(page, 'dashboard-bank');
    assert.deepEqual(problems, []);
    await context.close();
  } finally {
    await stopChild(child);
  }
});

test('a token-protected server: refused without the token, works from a ?token= link (then a cookie)', async () => {
  const { base, child } = await startServe(['--auth-token', TOKEN]);
  try {
    const ctx = await browser.newContext();
    const denied = await (await ctx.newPage()).goto(base);
    assert.equal(denied.status(), 401);
    assert.ok(!(await denied.text()).includes(TOKEN));
    await ctx.close();
    const { context, page } = await open(`${base}?token=${TOKEN}`);
    assert.equal(await page.textContent('#health'), 'ingestion: healthy');
    assert.ok(!page.url().includes(TOKEN), 'the token leaves the address bar');
    assert.deepEqual(await page.$$eval('#ticker option', (o) => o.map((x) => x.value)), ['AAPL', 'GOOG']);
    await waitLive(page);
    await context.close();
  } finally {
    await stopChild(child);
  }
});

test('a slow answer for the previous ticker does not overwrite the one picked since', async () => {
  const { base, child } = await startServe();
  try {
    const { context, page, problems } = await open(base);
    // Hold AAPL's candles until GOOG has been picked and drawn.
    const aapl = await holdAnswers(page, (url) => url.pathname === '/api/candles' && url.searchParams.get('ticker') === 'AAPL');
    await page.click('#ranges button[data-range="1M"]');  // an AAPL load, held
    await page.selectOption('#ticker', 'GOOG');
    const googClose = () => document.querySelector('#gold-rows tbody td:nth-child(5)')?.textContent === '1,137.51001';
    await page.waitForFunction(googClose);
    await page.waitForFunction(() => /no forecast for this ticker yet/.test(document.querySelector('#prediction-body').textContent));
    // Now AAPL's answer arrives: it is dropped.
    await aapl.release();
    assert.ok(await page.evaluate(googClose), `GOOG rows replaced: ${await cellTexts(page, '#gold-rows')}`);
    assert.match(await page.textContent('#prediction-body'), /no forecast for this ticker yet/);
    assert.equal(await page.inputValue('#ticker'), 'GOOG');
    assert.deepEqual(problems, []);
    await context.close();
  } finally {
    await stopChild(child);
  }
});

test('a slow answer for the table picked before does not overwrite the one picked since', async () => {
  const { base, child } = await startServe();
  try {
    const { context, page, problems } = await open(base);
    await page.click('#views button[data-view="lake"]');
    await page.waitForSelector('#explore-rows table');
    // Hold gold.daily_prices' rows in the table explorer until bronze.stock_trades has been
    // picked and shown.
    const gold = await holdAnswers(page, (url) => url.pathname === '/api/tables/gold/daily_prices/rows' && url.searchParams.get('limit') === '10');
    await page.selectOption('#explore-table', 'gold/daily_prices');
    await gold.asked;
    await page.selectOption('#explore-table', 'bronze/stock_trades');
    const headers = () => page.$$eval('#explore-rows th', (ths) => ths.map((th) => th.textContent));
    const showsBronze = () => document.querySelector('#explore-csv')?.getAttribute('href')?.startsWith('/api/tables/bronze/stock_trades/rows') &&
      [...document.querySelectorAll('#explore-rows th')].some((th) => th.textContent === 'payload');
    await page.waitForFunction(showsBronze);
    // Now the gold answer arrives: it is dropped.
    await gold.release();
    assert.ok(await page.evaluate(showsBronze), `explorer replaced: ${await headers()}`);
    assert.ok(!(await headers()).includes('trading_date'));
    assert.equal(await page.inputValue('#explore-table'), 'bronze/stock_trades');
    assert.deepEqual(problems, []);
    await context.close();
  } finally {
    await stopChild(child);
  }
});

test('live refreshes run one at a time while commits keep arriving', async () => {
  const { base, child } = await startServe();
  try {
    const { context, page, problems } = await open(base);
    await page.click('#views button[data-view="lake"]');
    await page.waitForSelector('#tables tbody tr');
    await waitLive(page);
    const rowsBefore = (await (await fetch(base + 'api/tables')).json()).tables.find((t) => t.path === 'bronze/stock_trades').rows;
    // Every answer of /api/tables (a live refresh's first request) is held 1.5 s; commits land
    // every 200 ms for about 4 s, far more often than a refresh can finish.
    let inFlight = 0;
    let maxInFlight = 0;
    let served = 0;
    await page.route((url) => url.pathname === '/api/tables', async (route) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try {
        const response = await route.fetch();
        await new Promise((r) => setTimeout(r, 1500));
        await route.fulfill({ response });
      } finally {
        inFlight--;
        served++;
      }
    });
    const ingest = await runFlAsync(['ingest', '--lake', lake, '--source', 'sim', '--topics', 'stock-trades', '--rate', '2000',
      '--count', '8000', '--max-latency-ms', '200', '--stream-id', 'live-refresh', '--once']);
    assert.equal(ingest.code, 0, ingest.stderr);
    const expected = (rowsBefore + 8000).toLocaleString('en-US');
    await page.waitForFunction((n) => [...document.querySelectorAll('#tables tbody tr')]
      .some((r) => r.firstChild.textContent === 'bronze.stock_trades' && r.children[2].textContent === n), expected, { timeout: 30000 });
    await page.unrouteAll({ behavior: 'wait' });
    assert.ok(served >= 2, `only ${served} refreshes`);
    assert.equal(maxInFlight, 1, 'two live refreshes overlapped');
    assert.deepEqual(problems, []);
    await context.close();
  } finally {
    await stopChild(child);
  }
});

test('a live stream refused at the limit of open streams is opened again once one is free', async () => {
  const { base, child } = await startServe(['--threads', '6']);  // at most 3 event streams
  const held = [];
  try {
    // Take every stream from outside the browser: the page's EventSource gets a 503, on which a
    // browser gives up for good (it retries only dropped streams).
    const u = new URL(base);
    for (let i = 0; i < 3; i++) {
      const req = http.get({ host: u.hostname, port: u.port, path: '/api/events' });
      const res = await new Promise((resolve, reject) => { req.on('response', resolve); req.on('error', reject); });
      assert.equal(res.statusCode, 200);
      res.resume();
      held.push(req);
    }
    const { context, page, problems } = await open(base);
    await page.waitForFunction(() => document.querySelector('#live')?.textContent === 'live: reconnecting', null, { timeout: 15000 });
    for (const req of held) req.destroy();
    // The server frees a slot within about a second; the page tries again after 5 s.
    await page.waitForFunction(() => document.querySelector('#live')?.textContent === 'live', null, { timeout: 20000 });
    // Live again: a new commit reaches the page without a reload.
    await page.click('#views button[data-view="lake"]');
    await page.waitForSelector('#tables tbody tr');
    const before = await page.$$eval('#tables tbody tr', (trs) => trs.find((r) => r.firstChild.textContent === 'gold.model_metrics')?.children[1].textContent);
    runFlOk(['backtest', '--lake', lake, '--ticker', 'AAPL', '--epochs', '1', '--hidden', '4', '--folds', '2', '--record']);
    await page.waitForFunction((v) => [...document.querySelectorAll('#tables tbody tr')]
      .some((r) => r.firstChild.textContent === 'gold.model_metrics' && r.children[1].textContent !== v), before, { timeout: 15000 });
    assert.deepEqual(problems.filter((p) => !/503|Service Unavailable/.test(p)), []);
    await context.close();
  } finally {
    for (const req of held) req.destroy();
    await stopChild(child);
  }
});

test('a symbol that is a stock and a coin, an index, a tiny price, percents, month ends; live refreshes extend the range', async () => {
  // Found by a hunt in a real browser: the Stocks view of SOL showed the coin's candles (the API
  // filtered by ticker only); ^GSPC was listed but refused by the API, and the previous ticker's
  // chart stayed under its name; SHIB's prices showed as 0.000022 and a 1e-9 price as 0; the
  // percent charts printed 1.608 as "1.1%"; 1M before 2024-03-31 was 2024-03-02; a live commit
  // with new days for the shown ticker left the range at the old last day; the Lake view blanked
  // the lake's path in the footer.
  const ilake = path.join(dir, 'instruments');
  runFlOk(['ingest', '--source', 'sim', '--lake', ilake, '--tickers', 'SOL=12', '--crypto', 'SOL=100,SHIB=0.0000123',
    '--accounts', '5', '--tx-per-day', '1', '--start', '2024-01-02', '--days', '5', '--trade-interval', '1800',
    '--crypto-interval', '3600', '--once']);
  const index = (name, rows) => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, 'Date,Open,High,Low,Close,Adj Close,Volume\n' + rows.map((r) => `${r},1000`).join('\n') + '\n');
    return f;
  };
  runFlOk(['ingest', '--source', 'csv', index('^GSPC.csv', ['2024-01-02,4700,4750,4690,4740,4740', '2024-01-03,4740,4760,4700,4710,4710']),
    '--ticker', '^GSPC', '--lake', ilake, '--once']);
  runFlOk(['pipeline', '--lake', ilake, '--once']);
  const { base, child } = await startServeOn(ilake, ['--late-after-s', '86400', '--stalled-after-s', '86401']);
  try {
    // The API: the ticker alone is ambiguous for SOL; an index ticker is a ticker.
    const ambiguous = await fetch(base + 'api/candles?ticker=SOL');
    assert.equal(ambiguous.status, 400);
    assert.match((await ambiguous.json()).error, /'SOL' is held as crypto and stock: give asset_class/);
    const stock = await (await fetch(base + 'api/candles?ticker=SOL&asset_class=stock')).json();
    assert.ok(stock.candles.length > 0 && stock.candles.every((c) => c.close < 50), JSON.stringify(stock.candles));
    const coin = await (await fetch(base + 'api/indicators?ticker=SOL&asset_class=crypto')).json();
    assert.ok(coin.indicators.length > 0 && coin.indicators.every((c) => c.close > 50), JSON.stringify(coin.indicators));
    assert.equal((await fetch(base + 'api/candles?ticker=SOL&asset_class=bond')).status, 400);
    assert.equal((await (await fetch(base + 'api/candles?ticker=%5EGSPC')).json()).candles.length, 2);

    const { context, page, problems } = await open(base);
    const closes = () => page.$$eval('#gold-rows tbody tr', (trs) => trs.map((r) => r.children[4].textContent));
    await page.selectOption('#ticker', 'SOL');
    await page.waitForFunction(() => document.querySelectorAll('#gold-rows tbody tr').length === 4);
    assert.ok((await closes()).every((c) => Number(c) < 50), String(await closes()));
    await page.click('#views button[data-view="crypto"]');
    await page.selectOption('#ticker', 'SHIB');
    await page.waitForFunction(() => document.querySelectorAll('#gold-rows tbody tr').length === 5 &&
      /^0\.0000\d{3}/.test(document.querySelector('#gold-rows tbody td:nth-child(5)').textContent));
    await page.selectOption('#ticker', 'SOL');
    await page.waitForFunction(() => Number(document.querySelector('#gold-rows tbody td:nth-child(5)')?.textContent) > 50);
    // The index, with the 1M range; then two more days of it arrive while the page is open.
    await page.click('#views button[data-view="stock"]');
    await page.selectOption('#ticker', '^GSPC');
    await page.click('#ranges button[data-range="1M"]');
    await page.waitForFunction(() => document.querySelector('#gold-rows tbody td')?.textContent === '2024-01-03');
    assert.equal(await page.inputValue('#to'), '2024-01-03');
    await waitLive(page);
    runFlOk(['ingest', '--source', 'csv', index('^GSPC-more.csv', ['2024-01-04,4710,4720,4680,4690,4690', '2024-01-05,4690,4700,4650,4660,4660']),
      '--ticker', '^GSPC', '--lake', ilake, '--once', '--stream-id', 'more']);
    runFlOk(['pipeline', '--lake', ilake, '--once']);
    await page.waitForFunction(() => document.querySelector('#gold-rows tbody td')?.textContent === '2024-01-05', null, { timeout: 15000 });
    assert.equal(await page.inputValue('#to'), '2024-01-05');
    // The page's own formatting.
    assert.equal(await page.evaluate(() => fmtNum(0.0000231, 6)), '0.0000231');
    assert.equal(await page.evaluate(() => fmtNum(0.000000001, 6)), '0.000000001');
    assert.equal(await page.evaluate(() => fmtNum(1234.5678, 2)), '1,234.57');
    assert.equal(await page.evaluate(() => state.charts['returns-chart'].ret.options().priceFormat.formatter(1.608)), '1.61%');
    // The price axis: the library's 'price' type printed 0.45 as "0.9999" at 4 decimals.
    assert.deepEqual(await page.evaluate(() => [0.45, 0.031, 1.25, 0.00000005, 185.64].map((low) => priceFormatFor([low, 2 * low]).formatter(low))),
      ['0.4500', '0.03100', '1.250', '0.00000005000', '185.64']);
    assert.equal(await page.evaluate(() => state.charts['price-chart'].candles.options().priceFormat.formatter(4700)), '4700.00');
    assert.equal(await page.evaluate(() => monthsBefore(new Date('2024-03-31T00:00:00Z'), 1).toISOString().slice(0, 10)), '2024-02-29');
    assert.equal(await page.evaluate(() => monthsBefore(new Date('2024-08-31T00:00:00Z'), 6).toISOString().slice(0, 10)), '2024-02-29');
    assert.equal(await page.evaluate(() => monthsBefore(new Date('2024-01-15T00:00:00Z'), 12).toISOString().slice(0, 10)), '2023-01-15');
    // The footer keeps the lake's path in the Lake view.
    await page.click('#views button[data-view="lake"]');
    await page.waitForSelector('#tables tbody tr');
    assert.equal(await page.textContent('#lake-path'), await page.evaluate(async () => (await (await fetch('/api/health')).json()).lake));
    assert.notEqual(await page.textContent('#lake-path'), '');
    assert.deepEqual(problems, []);
    await context.close();
  } finally {
    await stopChild(child);
  }
});

test('a page left open across a server restart shows the commits made while the server was down', async () => {
  // The browser reopens a dropped event stream by itself, but a page that had seen no event
  // sends no Last-Event-ID, so the restarted server has no reason to tell it to reload: the page
  // refreshes on its own when the stream comes back.
  const rlake = path.join(dir, 'restart');
  const sim = ['ingest', '--source', 'sim', '--lake', rlake, '--tickers', 'AAA=50', '--crypto', 'BBB=10', '--accounts', '5',
    '--start', '2024-01-02', '--once'];
  runFlOk([...sim, '--days', '2']);
  const rows = () => runFlOk(['sql', '--lake', rlake, '--format', 'csv', 'SELECT count(*) FROM bronze.stock_trades']).stdout.trim().split('\n').pop();
  const before = Number(rows());
  let { base, child } = await startServeOn(rlake, ['--late-after-s', '86400', '--stalled-after-s', '86401']);
  const port = new URL(base).port;
  try {
    const { context, page, problems } = await open(base);
    await page.click('#views button[data-view="lake"]');
    const rowsShown = () => page.$$eval('#tables tbody tr', (trs) =>
      trs.find((r) => r.firstChild.textContent === 'bronze.stock_trades')?.children[2].textContent.replace(/,/g, ''));
    await page.waitForFunction(() => document.querySelector('#tables tbody tr'));
    assert.equal(Number(await rowsShown()), before);
    await waitLive(page);
    await stopChild(child);
    await page.waitForFunction(() => document.querySelector('#live').textContent === 'live: reconnecting', null, { timeout: 15000 });
    runFlOk([...sim, '--days', '4', '--stream-id', 'while-down', '--seed', '5']);
    const after = Number(rows());
    assert.ok(after > before, `${after} > ${before}`);
    ({ child } = await startServeOn(rlake, ['--late-after-s', '86400', '--stalled-after-s', '86401', '--port', port]));
    await waitLive(page);
    await page.waitForFunction((n) => [...document.querySelectorAll('#tables tbody tr')]
      .some((r) => r.firstChild.textContent === 'bronze.stock_trades' && r.children[2].textContent.replace(/,/g, '') === String(n)),
    after, { timeout: 15000 });
    // Requests made while the server was down failed (the page logs them), and so may one that
    // reached the server while it stopped (it answers 503 "the server is stopping"); nothing else
    // went wrong.
    assert.deepEqual(problems.filter((p) =>
      !/ERR_CONNECTION_REFUSED|Failed to load resource|Failed to fetch|^Error: the server is stopping($|\n)/.test(p)), []);
    await context.close();
  } finally {
    await stopChild(child);
  }
});
