// Helpers shared by the API's files: validation of query parameters (throwing ApiInvalid, which
// Api::Handle turns into a 400), JSON and CSV responses, and the FROM item for time travel.
#pragma once

#include <cstdint>
#include <string>

#include "financelake/base/json.h"
#include "financelake/base/status.h"
#include "financelake/server/http_server.h"
#include "financelake/server/lake_view.h"
#include "financelake/sql/result_set.h"

namespace financelake::server {

struct ApiInvalid {
  std::string message;
};

HttpResponse JsonResponse(int status, const Json& body);
HttpResponse ErrorResponse(int status, const std::string& message);
// 400 for NotFound/InvalidArgument (a bad reference in the request), 500 otherwise.
HttpResponse StatusResponse(const Status& status);
// `text` with the lake's directory (as given, and absolute) taken out of paths: "<lake>/gold/x"
// becomes "gold/x", the lake alone "lake". Error answers do not tell clients where the server
// keeps its files.
std::string WithoutLakePath(std::string text, const std::string& lake);
HttpResponse CsvResponse(const sql::ResultSet& rows, const std::string& file_stem);

Json RowsJson(const sql::ResultSet& rows);  // [{column: value}]
Json ColumnsJson(const sql::ResultSet& rows);

// "json" (default) or "csv".
std::string FormatParam(const HttpRequest& r);
int64_t IntParam(const HttpRequest& r, const std::string& name, int64_t fallback, int64_t lo, int64_t hi);
// A ticker (letters, digits, . ^ = _ -; at most 20), "" when absent and not required.
std::string TickerParam(const HttpRequest& r, bool required);
// "stock" or "crypto", "" when absent.
std::string AssetClassParam(const HttpRequest& r);
// YYYY-MM-DD, "" when absent.
std::string DateParam(const HttpRequest& r, const std::string& name);
// The table as a SQL FROM item: its name, or delta(...) for ?version= / ?timestamp=.
std::string FromItem(const TableState& t, const HttpRequest& r);
// The table's latest version as a FROM item (a side table of an answer: the request's time
// travel is about the main one).
std::string LatestFromItem(const TableState& t);
// Checks `version` / `timestamp` without a table (ApiInvalid as FromItem), for answers about a
// table the lake does not have yet.
void CheckTimeTravel(const HttpRequest& r);
// "gold/daily_prices" -> "gold_daily_prices" (download file names).
std::string FileStem(const std::string& rel);

}  // namespace financelake::server
