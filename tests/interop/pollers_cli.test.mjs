// The API pollers end to end through the CLI, against a local HTTP server replaying recorded
// responses (shared/fixtures/api_responses): produce prints the events, ingest lands them in
// Bronze, and an API that keeps failing ends in one clear line and a non-zero exit.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { expectFailure, fixturesDir, mkTmp, rmTmp } from './lib.mjs';
import { bronzeRows, sleep, startFl, waitForOutput } from './kafka_lib.mjs';

let dir;
before(() => {
  dir = mkTmp('fl-pollers-');
});
after(() => rmTmp(dir));

/** Serves `handler(req)` -> {status, body} on 127.0.0.1; resolves to {url, close, requests}. */
function serve(handler) {
  const requests = [];
  const server = http.createServer((req, res) => {
    requests.push(req.url);
    const { status, body } = handler(req);
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(body);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve({ url: `http://127.0.0.1:${server.address().port}`, close: () => server.close(), requests });
    });
  });
}

const fixture = (rel) => fs.readFileSync(path.join(fixturesDir(), 'api_responses', rel), 'utf8');

async function fl(args) {
  const p = startFl(args);
  const { code } = await p.exited;
  return { code, stdout: p.stdout, stderr: p.stderr };
}

test('produce --source coingecko prints the recorded prices as events', async () => {
  const s = await serve(() => ({ status: 200, body: fixture('coingecko/go-gecko_fixtures/simple_price.json') }));
  try {
    const r = await fl(['produce', '--source', 'coingecko', '--base-url', s.url, '--symbols', 'bitcoin=BTC,ethereum=ETH', '--polls', '1']);
    assert.equal(r.code, 0, r.stderr);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(events.map((e) => [e.symbol, e.price_usd, e.source]), [['BTC', 5005.73, 'coingecko'], ['ETH', 163.58, 'coingecko']]);
    assert.match(s.requests[0], /^\/api\/v3\/simple\/price\?ids=bitcoin,ethereum&vs_currencies=usd/);
  } finally {
    s.close();
  }
});

test('ingest --source yahoo lands the recorded bars in Bronze', async () => {
  const s = await serve(() => ({ status: 200, body: fixture('yahoo_finance/node-yahoo-finance2_bodies/chart-AMZN-2020-01-01-to-2020-01-03.body.json') }));
  try {
    const lake = path.join(dir, 'lake');
    const r = await fl(['ingest', '--source', 'yahoo', '--base-url', s.url, '--symbols', 'AMZN', '--polls', '2', '--interval-s', '0', '--lake', lake, '--once']);
    assert.equal(r.code, 0, r.stderr);
    const rows = bronzeRows(lake, 'stock_trades');
    assert.equal(rows.length, 1, 'polled twice, the same bar once');
    const p = JSON.parse(rows[0].payload);
    assert.equal(p.ticker, 'AMZN');
    assert.equal(p.close, 94.90049743652344);
    assert.equal(rows[0].event_key, 'AMZN');
    assert.equal(s.requests.length, 2);
  } finally {
    s.close();
  }
});

test('an API that keeps failing: one clear line, non-zero exit, nothing invented', async () => {
  const s = await serve(() => ({ status: 500, body: '{"error":"internal"}' }));
  try {
    const r = await fl(['produce', '--source', 'yahoo', '--base-url', s.url, '--symbols', 'AAPL', '--polls', '1', '--max-retries', '0']);
    assert.notEqual(r.code, 0);
    assert.equal(r.stdout, '', 'no events');
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], /HTTP 500.*no data was made up/);
  } finally {
    s.close();
  }
});

test('between polls: produce has printed the bar, ingest has committed it, Ctrl-C stops at once', async () => {
  const s = await serve(() => ({ status: 200, body: fixture('yahoo_finance/node-yahoo-finance2_bodies/chart-AMZN-2020-01-01-to-2020-01-03.body.json') }));
  try {
    // An endless poller waiting 600 s between polls: the first signal must end the wait.
    const p = startFl(['produce', '--source', 'yahoo', '--base-url', s.url, '--symbols', 'AMZN', '--interval-s', '600']);
    assert.ok(await waitForOutput(p, /"ticker":"AMZN"/, 30_000), `the bar was not printed while the poller waits: ${p.stderr}`);
    p.proc.kill('SIGINT');
    const t0 = Date.now();
    const { code } = await p.exited;
    assert.equal(code, 0, p.stderr);
    assert.ok(Date.now() - t0 < 10_000, `took ${Date.now() - t0} ms to stop`);

    const lake = path.join(dir, 'lake-sigint');
    const i = startFl(['ingest', '--source', 'yahoo', '--base-url', s.url, '--symbols', 'AMZN', '--interval-s', '600', '--lake', lake]);
    for (const deadline = Date.now() + 30_000; s.requests.length < 2 && Date.now() < deadline; ) await sleep(50);
    assert.equal(s.requests.length, 2, 'ingest polled once');
    // Committed while the poller waits for its next poll, not 600 s later.
    let landed = [];
    for (const deadline = Date.now() + 20_000; landed.length === 0 && Date.now() < deadline; await sleep(200)) {
      if (fs.existsSync(path.join(lake, 'bronze', 'stock_trades', '_delta_log'))) landed = bronzeRows(lake, 'stock_trades');
    }
    assert.equal(landed.length, 1, 'the polled bar is committed before the next poll');
    i.proc.kill('SIGINT');
    const r = await i.exited;
    assert.equal(r.code, 0, i.stderr);
    const rows = bronzeRows(lake, 'stock_trades');
    assert.equal(rows.length, 1, 'still once after the stop');
    assert.equal(JSON.parse(rows[0].payload).ticker, 'AMZN');
  } finally {
    s.close();
  }
});

test('bad poller flags: one line naming the flag, before any request', () => {
  const lake = path.join(dir, 'lake-bad-flags');
  const nowhere = ['--base-url', 'http://127.0.0.1:1', '--max-retries', '0'];
  // --polls 0 would poll forever, even with --once.
  expectFailure(['ingest', '--source', 'coingecko', '--polls', '0', '--once', ...nowhere, '--lake', lake], /--polls: '0' is not a whole number from 1/);
  expectFailure(['produce', '--source', 'yahoo', '--polls', '0', ...nowhere], /--polls: '0' is not a whole number from 1/);
  // Symbols that would make keys breaking the contract, or no symbol at all.
  expectFailure(['produce', '--source', 'coingecko', '--symbols', 'usd-coin,wrapped-bitcoin', ...nowhere], /--symbols: 'usd-coin' .*usd-coin=SYMBOL/);
  expectFailure(['produce', '--source', 'yahoo', '--symbols', 'EURUSD=X', ...nowhere], /--symbols: ticker 'EURUSD=X'/);
  expectFailure(['produce', '--source', 'yahoo', '--symbols', ',,', ...nowhere], /--symbols: ',,' has an empty entry/);
  // Values no API takes: refused at start, not after a round of requests and retries.
  const t0 = Date.now();
  expectFailure(['produce', '--source', 'alphavantage', '--function', 'BOGUS', ...nowhere], /--function: 'BOGUS' is not one of/);
  expectFailure(['produce', '--source', 'yahoo', '--range', '7x', ...nowhere], /--range: '7x' is not one of/);
  expectFailure(['produce', '--source', 'yahoo', '--interval', '9q', ...nowhere], /--interval: '9q' is not one of/);
  expectFailure(['produce', '--source', 'yahoo', '--base-url', 'notaurl'], /--base-url: 'notaurl' is not a URL/);
  expectFailure(['produce', '--source', 'coingecko', '--base-url', 'ftp://127.0.0.1:1'], /--base-url: 'ftp:\/\/127\.0\.0\.1:1' is not an http or https URL/);
  assert.ok(Date.now() - t0 < 10_000, 'refused without waiting for retries');
  assert.ok(!fs.existsSync(path.join(lake, 'bronze')), 'a refused start writes nothing');
});
