// FinanceLake dashboard: plain JavaScript over the server's REST API (docs/api.md), charts by
// TradingView Lightweight Charts (npm, embedded by the build). Live: every commit the server
// announces on /api/events reloads the panels that read that table.
'use strict';

const LC = window.LightweightCharts;
const state = {
  view: 'stock', ticker: null, range: '1Y', tickers: [], alertsOffset: 0, errorsOffset: 0,
  charts: {},
};

// ---- API access ---------------------------------------------------------------------------------
// A token-protected server was opened with ?token=: it answered with an HttpOnly cookie that
// authenticates everything after, so the token leaves the address bar (and is never in JS).
(function dropToken() {
  const u = new URL(location.href);
  if (u.searchParams.has('token')) {
    u.searchParams.delete('token');
    history.replaceState(null, '', u.pathname + u.search);
  }
})();

const withToken = (url) => url;

async function api(path) {
  const r = await fetch(path, { cache: 'no-store', credentials: 'same-origin' });
  const body = await r.json().catch(() => ({}));
  if (!r.ok) {
    const e = new Error(body.error || r.statusText);
    e.status = r.status;
    throw e;
  }
  return body;
}

const $ = (id) => document.getElementById(id);

// Latest request wins, per panel: each load of a panel claims it, and a load that was claimed
// over while it waited for an answer (another ticker, table or page picked meanwhile, or a live
// refresh) drops its answer instead of overwriting the newer one. `claim` returns a check to
// call after each await.
const claims = new Map();
function claim(panel) {
  const n = (claims.get(panel) || 0) + 1;
  claims.set(panel, n);
  return () => claims.get(panel) === n;
}
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
// Numbers below 1 keep `d` significant digits (a coin at 0.0000231 is not 0.000023, nor 0).
const fmtNum = (v, d = 2) => {
  if (v === null || v === undefined) return '';
  if (typeof v !== 'number') return esc(v);
  if (v !== 0 && Math.abs(v) < 1) return v.toLocaleString(undefined, { maximumSignificantDigits: Math.max(d, 1) });
  return v.toLocaleString(undefined, { maximumFractionDigits: d });
};
// A chart's price format showing `digits` decimals (lightweight-charts' 'percent' type rounds to
// its precision's steps and printed 1.608 as "1.1%").
const percentFormat = { type: 'custom', minMove: 0.001, formatter: (v) => `${v.toFixed(2)}%` };
// Enough decimals for the smallest price of a series (2 for 185.64, 9 for 0.000000123). A
// custom formatter: the library's own 'price' type multiplies minMove by 10^precision and, where
// that is 0.9999999999999999 (4, 5 or 11 decimals), printed 0.45 as "0.9999".
function priceFormatFor(values) {
  const low = Math.min(...values.filter((v) => typeof v === 'number' && v > 0));
  const digits = Number.isFinite(low) ? Math.min(12, Math.max(2, Math.ceil(-Math.log10(low)) + 3)) : 2;
  return { type: 'custom', minMove: Number(`1e-${digits}`), formatter: (v) => v.toFixed(digits) };
}

function table(el, columns, rows, { numeric = [] } = {}) {
  if (!rows.length) {
    el.innerHTML = '<div class="muted">no rows</div>';
    return;
  }
  const head = columns.map((c) => `<th>${esc(c)}</th>`).join('');
  const body = rows.map((r) => '<tr>' + columns.map((c) => {
    const v = r[c];
    const num = typeof v === 'number' || numeric.includes(c);
    return `<td class="${num ? 'num' : ''}" title="${v === null ? 'null' : esc(v)}">${v === null ? '<span class="muted">null</span>' : num ? fmtNum(v, 6) : esc(v)}</td>`;
  }).join('') + '</tr>').join('');
  el.innerHTML = `<table class="data"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

function pager(el, total, offset, limit, onPage) {
  const div = document.createElement('div');
  div.className = 'pager';
  const prev = document.createElement('button');
  prev.textContent = '‹ newer';
  prev.disabled = offset === 0;
  prev.onclick = () => onPage(Math.max(0, offset - limit));
  const next = document.createElement('button');
  next.textContent = 'older ›';
  next.disabled = total !== null && offset + limit >= total;
  next.onclick = () => onPage(offset + limit);
  const info = document.createElement('span');
  info.className = 'muted';
  info.textContent = total === null ? '' : `${Math.min(total, offset + 1)}–${Math.min(total, offset + limit)} of ${total}`;
  div.append(prev, next, info);
  el.append(div);
}

// ---- theme ----------------------------------------------------------------------------------
function applyTheme() {
  const saved = localStorage.getItem('fl-theme');
  const dark = saved ? saved === 'dark' : matchMedia('(prefers-color-scheme: dark)').matches;
  document.documentElement.dataset.theme = dark ? 'dark' : 'light';
  const css = getComputedStyle(document.documentElement);
  const opts = {
    layout: { background: { color: css.getPropertyValue('--bg').trim() }, textColor: css.getPropertyValue('--fg').trim() },
    grid: { vertLines: { color: css.getPropertyValue('--border').trim() }, horzLines: { color: css.getPropertyValue('--border').trim() } },
  };
  for (const c of Object.values(state.charts)) c.chart.applyOptions(opts);
}
matchMedia('(prefers-color-scheme: dark)').addEventListener('change', applyTheme);

// ---- charts ---------------------------------------------------------------------------------
function makeChart(id) {
  const el = $(id);
  const chart = LC.createChart(el, {
    width: el.clientWidth || 600, height: el.clientHeight || 300,
    timeScale: { borderVisible: false }, rightPriceScale: { borderVisible: false },
  });
  // Follow the container (it may be hidden at first, and windows resize).
  new ResizeObserver(() => {
    if (el.clientWidth > 0) chart.applyOptions({ width: el.clientWidth, height: el.clientHeight });
  }).observe(el);
  state.charts[id] = { chart };
  return state.charts[id];
}

function priceChart() {
  if (state.charts['price-chart']) return state.charts['price-chart'];
  const c = makeChart('price-chart');
  c.candles = c.chart.addSeries(LC.CandlestickSeries, { upColor: '#089981', downColor: '#f23645', wickUpColor: '#089981', wickDownColor: '#f23645', borderVisible: false });
  c.ma50 = c.chart.addSeries(LC.LineSeries, { color: '#f7a600', lineWidth: 1, priceLineVisible: false, lastValueVisible: false });
  c.ma200 = c.chart.addSeries(LC.LineSeries, { color: '#9c27b0', lineWidth: 1, priceLineVisible: false, lastValueVisible: false });
  c.volume = c.chart.addSeries(LC.HistogramSeries, { priceFormat: { type: 'volume' }, priceScaleId: '', color: '#7f8ea8' });
  c.chart.priceScale('').applyOptions({ scaleMargins: { top: 0.8, bottom: 0 } });
  applyTheme();
  return c;
}

function returnsChart() {
  if (state.charts['returns-chart']) return state.charts['returns-chart'];
  const c = makeChart('returns-chart');
  c.ret = c.chart.addSeries(LC.HistogramSeries, { color: '#2962ff', priceFormat: percentFormat });
  c.vol = c.chart.addSeries(LC.LineSeries, { color: '#e8a100', lineWidth: 1, priceScaleId: 'left', priceFormat: percentFormat });
  c.chart.applyOptions({ leftPriceScale: { visible: true, borderVisible: false } });
  applyTheme();
  return c;
}

function alertChart() {
  if (state.charts['alert-chart']) return state.charts['alert-chart'];
  const c = makeChart('alert-chart');
  c.rate = c.chart.addSeries(LC.LineSeries, { color: '#f23645', lineWidth: 2, priceFormat: percentFormat });
  applyTheme();
  return c;
}

function ingestChart() {
  if (state.charts['ingest-chart']) return state.charts['ingest-chart'];
  const c = makeChart('ingest-chart');
  c.rows = c.chart.addSeries(LC.HistogramSeries, { color: '#2962ff', priceFormat: { type: 'volume' } });
  applyTheme();
  return c;
}

// ---- panels ---------------------------------------------------------------------------------
function rangeDates() {
  const to = $('to').value || null;
  const from = $('from').value || null;
  return { from, to };
}

// The same day `months` earlier, or that month's last day (2024-03-31 less 1 month is
// 2024-02-29; Date's own arithmetic overflowed it into 2024-03-02).
function monthsBefore(date, months) {
  const y = date.getUTCFullYear();
  const m = date.getUTCMonth() - months;
  const lastDay = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  return new Date(Date.UTC(y, m, Math.min(date.getUTCDate(), lastDay)));
}

function setRange(range) {
  state.range = range;
  for (const b of document.querySelectorAll('#ranges button')) b.classList.toggle('active', b.dataset.range === range);
  const t = state.tickers.find((x) => x.ticker === state.ticker);
  const last = t ? new Date(t.last_date + 'T00:00:00Z') : new Date();
  const months = { '1M': 1, '6M': 6, '1Y': 12, '5Y': 60 }[range];
  $('to').value = t ? t.last_date : '';
  if (!months) {
    $('from').value = t ? t.first_date : '';
  } else {
    $('from').value = monthsBefore(last, months).toISOString().slice(0, 10);
  }
}

async function loadTickers() {
  try {
    const { tickers = [] } = await api('/api/tickers');
    state.tickers = tickers.filter((t) => t.asset_class === (state.view === 'crypto' ? 'crypto' : 'stock'));
  } catch (e) {
    state.tickers = [];
  }
  const sel = $('ticker');
  sel.innerHTML = state.tickers.map((t) => `<option>${esc(t.ticker)}</option>`).join('');
  if (!state.tickers.some((t) => t.ticker === state.ticker)) {
    state.ticker = state.tickers.length ? state.tickers[0].ticker : null;
    setRange(state.range);
  } else if (state.range) {
    setRange(state.range);  // a preset range follows the ticker's new days (a live refresh)
  }
  sel.value = state.ticker || '';
}

async function loadMarket() {
  const current = claim('market');
  const c = priceChart();
  const r = returnsChart();
  if (!state.ticker) {
    c.candles.setData([]); c.volume.setData([]); c.ma50.setData([]); c.ma200.setData([]);
    r.ret.setData([]); r.vol.setData([]);
    $('gold-rows').innerHTML = '<div class="muted">no daily prices yet: run the pipeline</div>';
    return;
  }
  const { from, to } = rangeDates();
  const assetClass = state.view === 'crypto' ? 'crypto' : 'stock';
  const q = `ticker=${encodeURIComponent(state.ticker)}&asset_class=${assetClass}${from ? '&from=' + from : ''}${to ? '&to=' + to : ''}`;
  $('candles-csv').href = withToken('/api/candles?format=csv&' + q);
  $('gold-csv').href = withToken('/api/candles?format=csv&' + q);
  let candles, indicators;
  try {
    [{ candles }, { indicators }] = await Promise.all([api('/api/candles?' + q), api('/api/indicators?' + q)]);
  } catch (e) {
    if (!current()) return;
    // Not the previous ticker's chart under this one's name.
    c.candles.setData([]); c.volume.setData([]); c.ma50.setData([]); c.ma200.setData([]);
    r.ret.setData([]); r.vol.setData([]);
    $('gold-rows').innerHTML = `<div class="muted">${esc(state.ticker)}: ${esc(e.message)}</div>`;
    $('prediction-body').className = 'muted';
    $('prediction-body').textContent = '';
    return;
  }
  if (!current()) return;
  c.candles.applyOptions({ priceFormat: priceFormatFor(candles.map((x) => x.low)) });
  c.candles.setData(candles.map((x) => ({ time: x.trading_date, open: x.open, high: x.high, low: x.low, close: x.close })));
  c.volume.setData(candles.map((x) => ({ time: x.trading_date, value: x.total_volume, color: x.close >= x.open ? 'rgba(8,153,129,0.5)' : 'rgba(242,54,69,0.5)' })));
  c.ma50.setData(indicators.filter((x) => x.ma50 !== null).map((x) => ({ time: x.trading_date, value: x.ma50 })));
  c.ma200.setData(indicators.filter((x) => x.ma200 !== null).map((x) => ({ time: x.trading_date, value: x.ma200 })));
  c.chart.timeScale().fitContent();
  r.ret.setData(indicators.filter((x) => x.daily_return !== null).map((x) => ({ time: x.trading_date, value: x.daily_return * 100, color: x.daily_return >= 0 ? '#089981' : '#f23645' })));
  r.vol.setData(indicators.filter((x) => x.volatility20 !== null).map((x) => ({ time: x.trading_date, value: x.volatility20 * 100 })));
  r.chart.timeScale().fitContent();
  const latest = candles.slice(-10).reverse();
  table($('gold-rows'), ['trading_date', 'open', 'high', 'low', 'close', 'vwap', 'total_volume', 'trade_count'], latest);
  await loadPrediction(current);
}

async function loadPrediction(current) {
  const el = $('prediction-body');
  try {
    const { predictions = [], metrics = [] } = await api('/api/predictions?limit=1&ticker=' + encodeURIComponent(state.ticker));
    if (!current()) return;
    if (!predictions.length) throw Object.assign(new Error('none'), { status: 404 });
    const p = predictions[0];
    const m = (name, base) => metrics.find((x) => x.model_version === p.model_version && x.metric === name && x.baseline === base);
    const mae = m('mae', 'persistence');
    const dir = m('directional_accuracy', 'persistence');
    el.className = '';
    el.innerHTML = `<div class="forecast">${fmtNum(p.predicted_close, 4)}</div>
      <div>close for <b>${esc(p.target_date)}</b> (after ${esc(p.as_of_date)})</div>
      <div class="served-${esc(p.served)}">served: <b>${esc(p.served)}</b>${p.served === 'persistence' ? ' — the LSTM did not beat tomorrow = today on validation' : ''}</div>
      <table class="data"><tr><th></th><th>LSTM</th><th>persistence</th></tr>
      <tr><td>forecast</td><td class="num">${fmtNum(p.lstm_close, 4)}</td><td class="num">${fmtNum(p.baseline_close, 4)}</td></tr>
      <tr><td>validation MAE</td><td class="num">${mae ? fmtNum(mae.value, 4) : ''}</td><td class="num">${mae ? fmtNum(mae.baseline_value, 4) : ''}</td></tr>
      <tr><td>direction right</td><td class="num">${dir && dir.value !== null ? fmtNum(dir.value * 100, 1) + '%' : ''}</td><td class="num">n/a</td></tr></table>
      <div class="muted">model ${esc(p.model_version)}</div>`;
  } catch (e) {
    if (!current()) return;
    el.className = 'muted';
    el.textContent = e.status === 404 ? 'no forecast for this ticker yet (financelake train)' : 'forecast unavailable: ' + e.message;
  }
}

async function loadPaged(kind) {
  const limit = 20;
  const offset = kind === 'alerts' ? state.alertsOffset : state.errorsOffset;
  const el = $(kind);
  const current = claim(kind);
  try {
    const r = await api(`/api/${kind === 'alerts' ? 'fraud_alerts' : 'errors'}?limit=${limit}&offset=${offset}`);
    if (!current()) return;
    if (r.note) {
      el.innerHTML = `<div class="muted">${esc(r.note)}</div>`;
      return;
    }
    table(el, r.columns, r.rows);
    pager(el, r.total, offset, limit, (o) => {
      if (kind === 'alerts') state.alertsOffset = o; else state.errorsOffset = o;
      loadPaged(kind);
    });
  } catch (e) {
    if (!current()) return;
    el.innerHTML = `<div class="muted">${esc(e.message)}</div>`;
  }
}

async function loadFraud() {
  const el = $('fraud-metrics');
  const current = claim('fraud');
  try {
    const { daily = [], metrics = [] } = await api('/api/fraud/summary');
    if (!current()) return;
    alertChart().rate.setData(daily.filter((d) => d.date && d.scored > 0)
      .map((d) => ({ time: d.date, value: (100 * d.alerts) / d.scored })));
    if (!metrics.length) {
      el.className = 'muted';
      el.textContent = 'no fraud model yet (financelake fraud train)';
      return;
    }
    const latest = metrics[0].model_version;
    const rows = metrics.filter((m) => m.model_version === latest && m.split === 'test')
      .map((m) => ({ metric: m.metric, xgboost: m.value, [m.baseline || 'baseline']: m.baseline_value }));
    el.className = '';
    table(el, Object.keys(rows[0] || { metric: 0 }), rows);
    el.insertAdjacentHTML('beforeend', `<div class="muted">model ${esc(latest)}, trained on ${esc(metrics[0].subject || '')}</div>`);
  } catch (e) {
    if (!current()) return;
    el.textContent = 'unavailable: ' + e.message;
  }
}

async function loadExplorer(tables, current) {
  const sel = $('explore-table');
  const keep = sel.value;
  sel.innerHTML = tables.map((t) => `<option value="${esc(t.path)}">${esc(t.table)}</option>`).join('');
  if (tables.some((t) => t.path === keep)) sel.value = keep;
  if (!sel.value) return;
  const { history } = await api(`/api/tables/${sel.value}/history?limit=50`);
  if (!current()) return;
  table($('explore-history'), ['version', 'timestamp', 'operation', 'operation_metrics'], history);
  const vsel = $('explore-version');
  const keepV = vsel.value;
  vsel.innerHTML = '<option value="">latest</option>' + history.map((h) => `<option>${h.version}</option>`).join('');
  if ([...vsel.options].some((o) => o.value === keepV)) vsel.value = keepV;
  const v = vsel.value ? `&version=${vsel.value}` : '';
  const r = await api(`/api/tables/${sel.value}/rows?limit=10${v}`);
  if (!current()) return;
  table($('explore-rows'), r.columns, r.rows);
  $('explore-csv').href = `/api/tables/${sel.value}/rows?format=csv&limit=1000${v}`;
}

async function loadLake() {
  const current = claim('lake');
  const { tables } = await api('/api/tables');
  if (!current()) return;
  table($('tables'), ['table', 'version', 'rows', 'files', 'bytes', 'last_commit'], tables);
  $('empty-lake').textContent = tables.length ? '' : ' (empty lake)';
  const sel = $('bronze-table');
  const bronze = tables.filter((t) => t.path.startsWith('bronze/'));
  const keep = sel.value;
  sel.innerHTML = bronze.map((t) => `<option value="${esc(t.path)}">${esc(t.table)}</option>`).join('');
  if (bronze.some((t) => t.path === keep)) sel.value = keep;
  if (sel.value) {
    const r = await api(`/api/tables/${sel.value}/rows?limit=15`);
    if (!current()) return;
    table($('bronze-rows'), r.columns.filter((c) => c !== 'payload').concat(['payload']), r.rows);
  }
  await loadExplorer(tables, current);
  if (!current()) return;
  const daily = await api('/api/ingestion/daily');
  if (!current()) return;
  const byDay = new Map();
  for (const t of daily.tables) for (const d of t.days) byDay.set(d.date, (byDay.get(d.date) || 0) + d.rows);
  ingestChart().rows.setData([...byDay.entries()].filter(([d]) => d).sort().map(([time, value]) => ({ time, value })));
}

async function loadHealth() {
  const current = claim('health');
  try {
    const h = await api('/api/health');
    if (!current()) return;
    $('health').dataset.status = h.status === 'no data' ? 'unknown' : h.status;
    $('health').textContent = 'ingestion: ' + h.status;
    $('last-ingest').textContent = h.last_ingest ? `last commit ${h.last_ingest.replace('T', ' ').slice(0, 19)} UTC` : '';
    $('lake-path').textContent = h.lake;
    if (h.kafka) {
      $('lag').hidden = false;
      $('lag').dataset.status = h.kafka.error ? 'error' : h.kafka.lag > 10000 ? 'late' : 'healthy';
      $('lag').textContent = h.kafka.error ? 'kafka: unreachable' : `kafka lag: ${h.kafka.lag.toLocaleString()}`;
      $('lag').title = h.kafka.error || (h.kafka.partitions || []).map((p) => `${p.topic}/${p.partition}: ${p.lag}`).join('\n');
    }
  } catch (e) {
    if (!current()) return;
    $('health').dataset.status = 'error';
    $('health').textContent = e.status === 401 ? 'token needed (?token=…)' : 'server unreachable';
  }
}

async function refresh() {
  await loadHealth();
  try {
    if (state.view === 'stock' || state.view === 'crypto') {
      await loadTickers();
      await loadMarket();
    } else if (state.view === 'bank') {
      await Promise.all([loadFraud(), loadPaged('alerts'), loadPaged('errors')]);
    } else {
      await loadLake();
    }
  } catch (e) {
    console.error(e);
  }
  document.body.dataset.loaded = String(Date.now());
}

function showView(view) {
  state.view = view;
  for (const b of document.querySelectorAll('#views button')) b.classList.toggle('active', b.dataset.view === view);
  $('market').hidden = !(view === 'stock' || view === 'crypto');
  $('bank').hidden = view !== 'bank';
  $('lake').hidden = view !== 'lake';
  refresh();
}

// ---- live updates -----------------------------------------------------------------------------
// One live refresh at a time, across reopened streams too: commits arriving during one schedule
// the next after it ends. (Overlapping refreshes would claim the panels from each other, and
// under a steady stream of commits slower than the refresh none would ever finish.)
const live = {
  pending: null,
  running: false,
  again: false
};

async function runLive() {
  if (live.running) {
    live.again = true;
    return;
  }
  live.running = true;
  try {
    await refresh();
  } finally {
    live.running = false;
  }
  if (live.again) {
    live.again = false;
    scheduleLive();
  }
}

function scheduleLive() {
  if (live.pending) return;
  live.pending = setTimeout(() => {
    live.pending = null;
    runLive();
  }, 500);  // coalesce bursts of commits
}

function connectEvents(reopened = false) {
  const es = new EventSource(withToken('/api/events'));
  let dropped = reopened;
  es.onopen = () => {
    $('live').dataset.status = 'on';
    $('live').textContent = 'live';
    // Commits made while no stream was open: a page that had seen no event sends no
    // Last-Event-ID, so a restarted server has no reason to send `reload`.
    if (dropped) scheduleLive();
    dropped = false;
  };
  es.onerror = () => {
    if (!dropped) loadHealth();  // the badge says whether the server is still there
    dropped = true;
    $('live').dataset.status = 'off';
    $('live').textContent = 'live: reconnecting';
    // The browser retries a dropped stream itself, but gives up for good on an HTTP error (503
    // when the server has its maximum of open streams, or a restart answering 401): open a new
    // one after a pause.
    if (es.readyState === EventSource.CLOSED) setTimeout(() => connectEvents(true), 5000);
  };
  es.addEventListener('commit', scheduleLive);
  es.addEventListener('reload', scheduleLive);
}

// ---- wiring -----------------------------------------------------------------------------------
document.addEventListener('DOMContentLoaded', () => {
  applyTheme();
  $('theme').onclick = () => {
    localStorage.setItem('fl-theme', document.documentElement.dataset.theme === 'dark' ? 'light' : 'dark');
    applyTheme();
  };
  $('refresh').onclick = refresh;
  for (const b of document.querySelectorAll('#views button')) b.onclick = () => showView(b.dataset.view);
  for (const b of document.querySelectorAll('#ranges button')) b.onclick = () => { setRange(b.dataset.range); loadMarket(); };
  $('ticker').onchange = () => { state.ticker = $('ticker').value; setRange(state.range); loadMarket(); };
  $('from').onchange = () => { state.range = ''; loadMarket(); };
  $('to').onchange = () => { state.range = ''; loadMarket(); };
  $('bronze-table').onchange = loadLake;
  $('explore-table').onchange = () => { $('explore-version').value = ''; loadLake(); };
  $('explore-version').onchange = loadLake;
  showView('stock');
  connectEvents();
});
