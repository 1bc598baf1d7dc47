// The original project's delta_lake_queries.sql, restated for FinanceLake's tables (docs/queries.md
// shows them with their output). Written in the SQL that SQLite and DuckDB share, so the test
// runs each one twice: through `financelake sql` (SQLite over the Delta tables) and through
// DuckDB over the tables' live Parquet files, and compares. Table names are the flat forms
// (`silver_stock_trades` = `silver.stock_trades`); DuckDB sees views of those names.

/** Builds the fixed-input lake: 14 days of bank history, one market day, a fraud model, 2 more bank days. */
export const LAKE_STEPS = [
  ['ingest', '--source', 'sim', '--seed', '11', '--topics', 'bank-transactions', '--accounts', '300',
    '--start', '2024-03-01', '--days', '14', '--stream-id', 'history'],
  ['ingest', '--source', 'sim', '--seed', '11', '--topics', 'stock-trades,crypto-prices', '--start', '2024-03-14',
    '--days', '1', '--stream-id', 'markets'],
  ['pipeline', '--once'],
  ['fraud', 'train', '--no-metrics-table'],
  ['ingest', '--source', 'sim', '--seed', '12', '--topics', 'bank-transactions', '--accounts', '300',
    '--start', '2024-03-15', '--days', '2', '--stream-id', 'later'],
  ['pipeline', '--once'],
];

export const QUERIES = [
  {
    name: 'Top symbols by notional',
    sql: `SELECT ticker, round(sum(price * volume), 2) AS notional, count(*) AS trades
FROM silver_stock_trades GROUP BY ticker ORDER BY notional DESC LIMIT 5`,
  },
  {
    name: 'Hourly volume for one day (UTC hours; the day is a partition: only its files are read)',
    sql: `SELECT substr(event_time, 12, 2) AS hour_utc, sum(volume) AS volume, count(*) AS trades
FROM silver_stock_trades WHERE event_date = '2024-03-14' GROUP BY hour_utc ORDER BY hour_utc`,
  },
  {
    name: 'BUY/SELL split',
    sql: `SELECT side, count(*) AS trades, sum(volume) AS volume,
  round(100.0 * count(*) / (SELECT count(*) FROM silver_stock_trades), 2) AS pct_trades
FROM silver_stock_trades GROUP BY side ORDER BY side`,
  },
  {
    name: 'Suspicious transactions (scored by the fraud model)',
    sql: `SELECT transaction_id, account_id, amount, type, country, round(fraud_score, 4) AS score
FROM silver_bank_transactions WHERE fraud_score >= 0.5 ORDER BY fraud_score DESC, transaction_id LIMIT 10`,
  },
  {
    name: 'Fraud rate by transaction type (ground-truth labels)',
    sql: `SELECT type, count(*) AS txns, sum(CASE WHEN is_fraud = 1 THEN 1 ELSE 0 END) AS frauds,
  round(100.0 * sum(CASE WHEN is_fraud = 1 THEN 1 ELSE 0 END) / count(*), 3) AS fraud_pct
FROM silver_bank_transactions GROUP BY type ORDER BY fraud_pct DESC, type`,
  },
  {
    name: 'Clients with repeated high-risk transactions',
    sql: `SELECT account_id, count(*) AS risky, round(sum(amount), 2) AS amount, max(event_time) AS last_seen
FROM silver_bank_transactions WHERE fraud_score >= 0.2
GROUP BY account_id HAVING count(*) >= 2 ORDER BY risky DESC, account_id LIMIT 10`,
  },
  {
    name: 'KPI summary',
    sql: `SELECT (SELECT count(*) FROM bronze_stock_trades) + (SELECT count(*) FROM bronze_crypto_prices)
    + (SELECT count(*) FROM bronze_bank_transactions) AS bronze_rows,
  (SELECT count(*) FROM silver_stock_trades) + (SELECT count(*) FROM silver_crypto_prices)
    + (SELECT count(*) FROM silver_bank_transactions) AS silver_rows,
  (SELECT count(*) FROM errors) AS error_rows,
  (SELECT count(DISTINCT ticker) FROM gold_daily_prices) AS tickers,
  (SELECT round(sum(amount), 2) FROM silver_bank_transactions) AS bank_amount,
  (SELECT count(*) FROM gold_fraud_alerts) AS fraud_alerts`,
  },
  {
    name: 'Confusion matrix of the fraud alerts (scored rows only)',
    sql: `SELECT sum(CASE WHEN is_fraud = 1 AND fraud_alert = 1 THEN 1 ELSE 0 END) AS true_pos,
  sum(CASE WHEN is_fraud = 0 AND fraud_alert = 1 THEN 1 ELSE 0 END) AS false_pos,
  sum(CASE WHEN is_fraud = 1 AND fraud_alert = 0 THEN 1 ELSE 0 END) AS false_neg,
  sum(CASE WHEN is_fraud = 0 AND fraud_alert = 0 THEN 1 ELSE 0 END) AS true_neg
FROM silver_bank_transactions WHERE fraud_score IS NOT NULL`,
  },
  {
    name: 'Daily prices of one ticker over a date range (Gold)',
    sql: `SELECT trading_date, ticker, round(open, 4) AS open, round(close, 4) AS close, round(vwap, 4) AS vwap,
  total_volume, trade_count
FROM gold_daily_prices WHERE asset_class = 'stock' AND trading_date >= '2024-03-14' ORDER BY ticker LIMIT 5`,
  },
];
