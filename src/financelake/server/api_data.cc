// The data endpoints of the API (api.h): SQL built from validated parameters, run through the
// LakeView (results cached until a table changes).
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>
#include <regex>
#include <string>
#include <vector>

#include "financelake/base/json.h"
#include "financelake/columnar/text_values.h"
#include "financelake/columnar/value.h"
#include "financelake/server/api.h"
#include "financelake/server/api_util.h"
#include "financelake/server/indicators.h"
#include "financelake/sql/statement.h"

namespace financelake::server {
namespace {

// A table the lake does not have yet: an empty list and a note (a normal state for a
// dashboard, not an error).
// The request's parameters are checked first, as for a table that exists; a CSV download of
// a missing table is a 404.
HttpResponse Missing(const HttpRequest& r, const std::string& fmt_, const char* key, const std::string& note) {
  CheckTimeTravel(r);
  if (fmt_ == "csv") return ErrorResponse(404, note);
  Json j = Json::Object();
  j.Set(key, Json::Array());
  j.Set("note", Json::String(note));
  return JsonResponse(200, j);
}

}  // namespace

HttpResponse Api::TableRows(const std::string& rel, const HttpRequest& r) {
  auto t = view_->Table(rel);
  if (!t.ok()) return ErrorResponse(404, t.status().message());
  const std::string fmt_ = FormatParam(r);
  const int64_t limit = IntParam(r, "limit", 100, 1, options_.max_limit);
  const int64_t offset = IntParam(r, "offset", 0, 0, int64_t{1} << 40);
  const std::string from = FromItem(*t, r);
  // Newest first by the table's time column when it has one.
  auto cols = view_->Query("SELECT * FROM " + from + " LIMIT 0");
  if (!cols.ok()) return StatusResponse(cols.status());
  // Newest first: the table's time column, then its position column (Bronze offsets), if any.
  std::string order;
  auto has = [&](const char* c) { return std::find(cols->columns.begin(), cols->columns.end(), c) != cols->columns.end(); };
  for (const char* c : {"ingest_time", "error_time", "event_time", "created_at", "trading_date"}) {
    if (has(c)) {
      order = fmt::format(" ORDER BY \"{}\" DESC", c);
      break;
    }
  }
  if (!order.empty() && has("offset")) order += ", \"offset\" DESC";
  auto rows = view_->Query(fmt::format("SELECT * FROM {}{} LIMIT {} OFFSET {}", from, order, limit, offset));
  if (!rows.ok()) return StatusResponse(rows.status());
  if (fmt_ == "csv") return CsvResponse(*rows, FileStem(rel));
  Json j = Json::Object();
  j.Set("table", Json::String(t->name));
  // The version read: the one asked for, the latest, or (timestamp: resolved inside the query)
  // null rather than the latest version.
  j.Set("version", r.Has("version")     ? Json::Int(IntParam(r, "version", 0, 0, int64_t{1} << 50))
                   : r.Has("timestamp") ? Json::Null()
                                        : Json::Int(t->version));
  j.Set("total", t->rows >= 0 && !r.Has("version") && !r.Has("timestamp") ? Json::Int(t->rows) : Json::Null());
  j.Set("limit", Json::Int(limit));
  j.Set("offset", Json::Int(offset));
  j.Set("columns", ColumnsJson(*rows));
  j.Set("rows", RowsJson(*rows));
  return JsonResponse(200, j);
}

HttpResponse Api::TableHistory(const std::string& rel, const HttpRequest& r) {
  auto t = view_->Table(rel);
  if (!t.ok()) return ErrorResponse(404, t.status().message());
  const std::string fmt_ = FormatParam(r);
  // The history lists every version: time travel does not apply (it was accepted and ignored).
  for (const char* p : {"version", "timestamp"}) {
    if (r.Has(p))
      throw ApiInvalid{fmt::format(
          "{}: the history lists every version of {}; page it with limit and offset", p, t->name)};
  }
  const int64_t limit = IntParam(r, "limit", 100, 1, options_.max_limit);
  const int64_t offset = IntParam(r, "offset", 0, 0, int64_t{1} << 40);
  auto rows =
      view_->Query(fmt::format("SELECT version, timestamp, operation, operation_parameters, "
                               "operation_metrics FROM history({}) LIMIT {} OFFSET {}",
                               sql::SqlString(rel), limit, offset));
  if (!rows.ok()) return StatusResponse(rows.status());
  if (fmt_ == "csv") return CsvResponse(*rows, FileStem(rel) + "_history");
  Json j = Json::Object();
  j.Set("table", Json::String(t->name));
  j.Set("history", RowsJson(*rows));
  return JsonResponse(200, j);
}

HttpResponse Api::Tickers(const HttpRequest& r) {
  const std::string fmt_ = FormatParam(r);
  auto t = view_->Table("gold/daily_prices");
  if (!t.ok()) return Missing(r, fmt_, "tickers", "no gold/daily_prices yet (run the pipeline)");
  auto rows = view_->Query(
      "SELECT ticker, asset_class, min(trading_date) AS first_date, max(trading_date) AS last_date, count(*) AS days "
      "FROM " + FromItem(*t, r) + " GROUP BY ticker, asset_class ORDER BY asset_class DESC, ticker");
  if (!rows.ok()) return StatusResponse(rows.status());
  if (fmt_ == "csv") return CsvResponse(*rows, "tickers");
  Json j = Json::Object();
  j.Set("tickers", RowsJson(*rows));
  return JsonResponse(200, j);
}

namespace {

// "candles_SOL", "candles_SOL_crypto": the file names of one instrument's downloads.
std::string CsvStem(const std::string& what, const std::string& ticker,
                    const std::string& asset_class) {
  return what + "_" + ticker + (asset_class.empty() ? "" : "_" + asset_class);
}

}  // namespace

std::string Api::InstrumentWhere(const std::string& from_item, const std::string& ticker,
                                 const std::string& asset_class) {
  std::string where = "ticker = " + sql::SqlString(ticker);
  if (!asset_class.empty()) return where + " AND asset_class = " + sql::SqlString(asset_class);
  // A symbol that is a stock and a coin (SOL, LINK, DOT): one series per instrument, never
  // both price levels in one answer.
  auto classes = view_->Query(
      fmt::format("SELECT DISTINCT asset_class FROM {} WHERE {} ORDER BY 1", from_item, where));
  if (classes.ok() && classes->rows.size() > 1) {
    std::vector<std::string> names;
    for (const auto& row : classes->rows) names.push_back(row[0].s);
    throw ApiInvalid{fmt::format("ticker: '{}' is held as {}: give asset_class", ticker,
                                 fmt::join(names, " and "))};
  }
  return where;
}

HttpResponse Api::Candles(const HttpRequest& r) {
  const std::string ticker = TickerParam(r, true);
  const std::string from = DateParam(r, "from"), to = DateParam(r, "to");
  const std::string asset_class = AssetClassParam(r);
  const std::string fmt_ = FormatParam(r);
  auto t = view_->Table("gold/daily_prices");
  if (!t.ok()) return Missing(r, fmt_, "candles", "no gold/daily_prices yet (run the pipeline)");
  const std::string from_item = FromItem(*t, r);
  std::string where = InstrumentWhere(from_item, ticker, asset_class);
  if (!from.empty()) where += " AND trading_date >= " + sql::SqlString(from);
  if (!to.empty()) where += " AND trading_date <= " + sql::SqlString(to);
  auto rows =
      view_->Query(fmt::format("SELECT trading_date, open, high, low, close, avg_price, vwap, "
                               "total_volume, trade_count FROM {} WHERE {} "
                               "ORDER BY trading_date LIMIT 20000",
                               from_item, where));
  if (!rows.ok()) return StatusResponse(rows.status());
  if (fmt_ == "csv") return CsvResponse(*rows, CsvStem("candles", ticker, asset_class));
  Json j = Json::Object();
  j.Set("ticker", Json::String(ticker));
  j.Set("candles", RowsJson(*rows));
  return JsonResponse(200, j);
}

HttpResponse Api::Indicators(const HttpRequest& r) {
  const std::string ticker = TickerParam(r, true);
  const std::string from = DateParam(r, "from"), to = DateParam(r, "to");
  const std::string asset_class = AssetClassParam(r);
  const std::string fmt_ = FormatParam(r);
  auto t = view_->Table("gold/daily_prices");
  if (!t.ok()) return Missing(r, fmt_, "indicators", "no gold/daily_prices yet (run the pipeline)");
  const std::string from_item = FromItem(*t, r);
  auto rows =
      view_->Query(fmt::format("SELECT trading_date, close FROM {} WHERE {} ORDER BY trading_date",
                               from_item, InstrumentWhere(from_item, ticker, asset_class)));
  if (!rows.ok()) return StatusResponse(rows.status());
  std::vector<int32_t> days;
  std::vector<double> closes;
  for (const auto& row : rows->rows) {
    auto d = columnar::ParseValue(row[0].s, columnar::DataType::Date());
    if (!d.ok() || row[1].kind != sql::Cell::Kind::kReal) continue;
    days.push_back(static_cast<int32_t>(d->as_int()));
    closes.push_back(row[1].d);
  }
  sql::ResultSet out;
  out.columns = {"trading_date", "close", "daily_return", "ma20", "ma50", "ma200", "volatility20"};
  auto opt = [](const std::optional<double>& v) { return v ? sql::Cell::Real(*v) : sql::Cell::Null(); };
  for (const IndicatorRow& x : ComputeIndicators(days, closes)) {
    const std::string day = columnar::FormatDate(x.day);
    if ((!from.empty() && day < from) || (!to.empty() && day > to)) continue;
    out.rows.push_back({sql::Cell::Text(day), sql::Cell::Real(x.close), opt(x.daily_return), opt(x.ma20), opt(x.ma50),
                        opt(x.ma200), opt(x.volatility20)});
  }
  if (fmt_ == "csv") return CsvResponse(out, CsvStem("indicators", ticker, asset_class));
  Json j = Json::Object();
  j.Set("ticker", Json::String(ticker));
  j.Set("indicators", RowsJson(out));
  return JsonResponse(200, j);
}

HttpResponse Api::Paged(const std::string& rel, const std::string& order, const HttpRequest& r) {
  const std::string fmt_ = FormatParam(r);
  const int64_t limit = IntParam(r, "limit", 50, 1, options_.max_limit);
  const int64_t offset = IntParam(r, "offset", 0, 0, int64_t{1} << 40);
  auto t = view_->Table(rel);
  if (!t.ok()) return Missing(r, fmt_, "rows", fmt::format("no {} table yet", rel));
  const std::string from = FromItem(*t, r);
  auto rows = view_->Query(fmt::format("SELECT * FROM {} ORDER BY \"{}\" DESC LIMIT {} OFFSET {}", from, order, limit, offset));
  if (!rows.ok()) return StatusResponse(rows.status());
  if (fmt_ == "csv") return CsvResponse(*rows, FileStem(rel));
  auto total = view_->Query("SELECT count(*) FROM " + from);
  Json j = Json::Object();
  j.Set("table", Json::String(t->name));
  j.Set("total", total.ok() && !total->rows.empty() ? Json::Int(total->rows[0][0].i) : Json::Null());
  j.Set("limit", Json::Int(limit));
  j.Set("offset", Json::Int(offset));
  j.Set("columns", ColumnsJson(*rows));
  j.Set("rows", RowsJson(*rows));
  return JsonResponse(200, j);
}

HttpResponse Api::Predictions(const HttpRequest& r) {
  const std::string ticker = TickerParam(r, false);
  const std::string fmt_ = FormatParam(r);
  const int64_t limit = IntParam(r, "limit", 100, 1, options_.max_limit);
  auto t = view_->Table("gold/predictions");
  if (!t.ok()) return Missing(r, fmt_, "predictions", "no gold/predictions yet (run `financelake train`)");
  const std::string where = ticker.empty() ? "" : " WHERE ticker = " + sql::SqlString(ticker);
  auto rows = view_->Query(fmt::format(
      "SELECT ticker, as_of_date, target_date, served, predicted_close, baseline_close, lstm_close, model_version, "
      "created_at FROM {}{} ORDER BY as_of_date DESC, created_at DESC, ticker LIMIT {}",
      FromItem(*t, r), where, limit));
  if (!rows.ok()) return StatusResponse(rows.status());
  if (fmt_ == "csv") return CsvResponse(*rows, "predictions");
  Json j = Json::Object();
  j.Set("predictions", RowsJson(*rows));
  if (auto mt = view_->Table("gold/model_metrics"); mt.ok()) {
    const std::string mwhere = ticker.empty() ? "" : " AND subject = " + sql::SqlString(ticker);
    auto m = view_->Query(
        "SELECT subject AS ticker, model_version, split, metric, value, baseline, baseline_value, "
        "created_at "
        "FROM " +
        LatestFromItem(*mt) + " WHERE model = 'forecast'" + mwhere +
        " ORDER BY created_at DESC, subject, metric, baseline LIMIT 1000");
    if (m.ok()) j.Set("metrics", RowsJson(*m));
  }
  return JsonResponse(200, j);
}

HttpResponse Api::FraudSummary(const HttpRequest& r) {
  const std::string fmt_ = FormatParam(r);
  auto t = view_->Table("silver/bank_transactions");
  if (!t.ok()) return Missing(r, fmt_, "daily", "no silver/bank_transactions yet (bank events through the pipeline)");
  auto daily = view_->Query(
      "SELECT event_date AS date, count(*) AS transactions, "
      "sum(CASE WHEN fraud_score IS NOT NULL THEN 1 ELSE 0 END) AS scored, sum(fraud_alert) AS alerts, "
      "sum(is_fraud) AS labelled_frauds FROM " + FromItem(*t, r) + " GROUP BY event_date ORDER BY event_date");
  if (!daily.ok()) return StatusResponse(daily.status());
  if (fmt_ == "csv") return CsvResponse(*daily, "fraud_daily");
  Json j = Json::Object();
  j.Set("daily", RowsJson(*daily));
  if (auto mt = view_->Table("gold/model_metrics"); mt.ok()) {
    auto m = view_->Query(
        "SELECT model_version, subject, split, metric, value, baseline, baseline_value, created_at "
        "FROM " +
        LatestFromItem(*mt) + " WHERE model = 'fraud' ORDER BY created_at DESC, metric LIMIT 200");
    if (m.ok()) j.Set("metrics", RowsJson(*m));
  }
  return JsonResponse(200, j);
}

HttpResponse Api::IngestionDaily() {
  Json tables = Json::Array();
  for (const TableState& t : view_->Tables()) {
    if (t.rel.rfind("bronze/", 0) != 0) continue;
    auto by = view_->RowsByPartition(t.rel, "ingest_date");
    if (!by.ok()) return StatusResponse(by.status());
    Json days = Json::Array();
    for (const auto& [day, n] : *by) {
      Json o = Json::Object();
      o.Set("date", Json::String(day));
      o.Set("rows", Json::Int(n));
      days.Push(std::move(o));
    }
    Json o = Json::Object();
    o.Set("table", Json::String(t.name));
    o.Set("days", std::move(days));
    tables.Push(std::move(o));
  }
  Json j = Json::Object();
  j.Set("tables", std::move(tables));
  return JsonResponse(200, j);
}

}  // namespace financelake::server
