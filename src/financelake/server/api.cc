#include "financelake/server/api.h"

#include <fmt/format.h>

#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <strings.h>
#include <regex>

#include "financelake/base/json.h"
#include "financelake/columnar/text_values.h"
#include "financelake/columnar/value.h"
#include "financelake/server/api_util.h"
#include "financelake/server/web_assets.h"

namespace financelake::server {
namespace {

bool SameToken(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

// A Prometheus label value (text format 0.0.4): backslash, double quote and line feed escaped,
// so a table directory of any name cannot break the scrape.
std::string LabelValue(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

}  // namespace

Api::Api(LakeView* view, EventHub* events, ApiOptions options)
    : view_(view), events_(events), options_(std::move(options)) {}

HttpResponse Api::Handle(const HttpRequest& request) {
  ++requests_;
  HttpResponse out;
  bool set_cookie = false;
  if (!options_.auth_token.empty()) {
    // Header, cookie (set after a ?token= link, so the page's scripts, styles and event stream
    // authenticate without putting the token in URLs), or the query parameter itself.
    std::string given = request.Header("x-auth-token");
    const std::string auth = request.Header("authorization");
    // The scheme name is case-insensitive (RFC 9110).
    if (auth.size() > 7 && strncasecmp(auth.c_str(), "Bearer ", 7) == 0) given = auth.substr(7);
    if (given.empty()) {
      // Every "fl_token=" cookie of the header counts, not only the first name containing it.
      const std::string cookies = request.Header("cookie");
      for (size_t at = cookies.find("fl_token="); at != std::string::npos && given.empty();
           at = cookies.find("fl_token=", at + 1)) {
        if (at != 0 && cookies[at - 1] != ' ' && cookies[at - 1] != ';') continue;
        const size_t end = cookies.find(';', at);
        given = cookies.substr(at + 9, end == std::string::npos ? std::string::npos : end - at - 9);
      }
    }
    if (given.empty() && request.Has("token")) {
      given = request.Param("token");
      set_cookie = true;
    }
    if (!SameToken(given, options_.auth_token)) {
      out = ErrorResponse(401, "authentication required: send the server's token (Authorization: Bearer <token>, or open the page with ?token=<token>)");
      out.headers.emplace_back("WWW-Authenticate", "Bearer");
      out.headers.emplace_back("X-Content-Type-Options", "nosniff");  // as every other answer
      ++errors_4xx_;
      return out;
    }
  }
  // Data endpoints: answered from memory while the tables they read have not changed.
  const std::vector<std::string> reads = TablesRead(request);
  // The versions are taken before answering: a commit meanwhile makes the stored answer stale.
  const auto versions_before = VersionsOf(reads);
  std::string key;
  if (!reads.empty()) {
    // Each name and value length-prefixed: decoded parameters may hold any byte, so a joined
    // "name=value" could be spelled by another request (a name "limit=2\x1foffset" once stored
    // a limit-100 answer under the key of limit=2&offset=1).
    key = request.path;
    for (const auto& [k, v] : request.params) {
      if (k != "token") key += fmt::format("\x1f{}:{}{}:{}", k.size(), k, v.size(), v);
    }
    std::lock_guard<std::mutex> lock(cache_mu_);
    auto it = answers_.find(key);
    if (it != answers_.end() && it->second.versions == versions_before) {
      out = it->second.response;
      if (set_cookie) {
        out.headers.emplace_back("Set-Cookie", "fl_token=" + options_.auth_token + "; HttpOnly; SameSite=Strict; Path=/");
      }
      return out;
    }
  }
  try {
    out = Route(request);
  } catch (const ApiInvalid& e) {
    out = ErrorResponse(400, e.message);
  } catch (const std::exception& e) {
    out = ErrorResponse(500, std::string("internal error: ") + e.what());
  }
  if (out.status >= 400 && !out.stream) {
    // The error text (decoded, so a path with characters JSON escapes is found too) without the
    // server's directories.
    auto body = Json::Parse(out.body);
    if (body.ok() && body->Find("error") != nullptr) {
      const std::string error = body->GetString("error", "");
      const std::string hidden = WithoutLakePath(error, view_->lake());
      if (hidden != error) out.body = ErrorResponse(out.status, hidden).body;
    }
  }
  if (out.status >= 400 && out.status < 500) ++errors_4xx_;
  if (out.status >= 500) ++errors_5xx_;
  out.headers.emplace_back("X-Content-Type-Options", "nosniff");
  if (out.content_type.rfind("application/json", 0) == 0 || out.content_type.rfind("text/csv", 0) == 0) {
    out.headers.emplace_back("Cache-Control", "no-store");
  }
  if (!key.empty() && out.status == 200 && !out.stream) {
    std::lock_guard<std::mutex> lock(cache_mu_);
    // Bounded by entries and bytes (an answer can be a 20,000-row CSV).
    if (answers_.size() >= 4096 || answer_bytes_ + out.body.size() > (size_t{256} << 20)) {
      answers_.clear();
      answer_bytes_ = 0;
    }
    answer_bytes_ += out.body.size() + key.size();
    answers_[key] = {versions_before, out};
  }
  if (set_cookie) {
    out.headers.emplace_back("Set-Cookie", "fl_token=" + options_.auth_token + "; HttpOnly; SameSite=Strict; Path=/");
  }
  return out;
}

std::vector<std::string> Api::TablesRead(const HttpRequest& r) const {
  if (r.method != "GET") return {};
  const std::string& p = r.path;
  if (p == "/api/candles" || p == "/api/indicators" || p == "/api/tickers") return {"gold/daily_prices"};
  if (p == "/api/errors") return {"errors"};
  if (p == "/api/fraud_alerts") return {"gold/fraud_alerts"};
  if (p == "/api/predictions") return {"gold/predictions", "gold/model_metrics"};
  if (p == "/api/fraud/summary") return {"silver/bank_transactions", "gold/model_metrics"};
  static const std::string kTables = "/api/tables/";
  if (p.rfind(kTables, 0) == 0) {
    const size_t slash = p.rfind('/');
    if (slash > kTables.size()) return {p.substr(kTables.size(), slash - kTables.size())};
  }
  return {};
}

std::vector<std::pair<std::string, int64_t>> Api::VersionsOf(const std::vector<std::string>& rels) const {
  std::vector<std::pair<std::string, int64_t>> out;
  for (const std::string& rel : rels) {
    auto t = view_->Table(rel);
    out.emplace_back(rel, t.ok() ? t->version : -1);
  }
  return out;
}

HttpResponse Api::Route(const HttpRequest& r) {
  if (r.method != "GET" && r.method != "HEAD") return ErrorResponse(405, "read-only API: only GET");
  for (auto it = r.params.begin(); it != r.params.end(); it = r.params.upper_bound(it->first)) {
    if (r.params.count(it->first) > 1) {
      return ErrorResponse(400, fmt::format("parameter '{}' is given more than once", it->first.substr(0, 40)));
    }
  }
  const std::string& p = r.path;
  if (p.find("..") != std::string::npos || p.find('\\') != std::string::npos || p.find('\0') != std::string::npos) {
    return ErrorResponse(400, "path: '..' and '\\' are not allowed");
  }
  if (p == "/metrics") return Metrics();
  if (p.rfind("/api/", 0) != 0) return Static(p);
  if (p == "/api/health") return Health();
  if (p == "/api/tables") return Tables();
  if (p == "/api/tickers") return Tickers(r);
  if (p == "/api/candles") return Candles(r);
  if (p == "/api/indicators") return Indicators(r);
  if (p == "/api/errors") return Paged("errors", "error_time", r);
  if (p == "/api/fraud_alerts") return Paged("gold/fraud_alerts", "event_time", r);
  if (p == "/api/predictions") return Predictions(r);
  if (p == "/api/ingestion/daily") return IngestionDaily();
  if (p == "/api/fraud/summary") return FraudSummary(r);
  if (p == "/api/events") return Events(r);
  // /api/tables/<layer>/<name>/(rows|history)
  static const std::regex kTable("^/api/tables/((?:[A-Za-z0-9_-]+/)?[A-Za-z0-9_-]+)/(rows|history)$");
  std::smatch m;
  if (std::regex_match(p, m, kTable)) {
    return m[2] == "rows" ? TableRows(m[1], r) : TableHistory(m[1], r);
  }
  return ErrorResponse(404, fmt::format("no such endpoint: {} (see docs/api.md)", p.substr(0, 100)));
}

HttpResponse Api::Health() {
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  int64_t last = 0, bronze_rows = 0;
  Json tables = Json::Array();
  for (const TableState& t : view_->Tables()) {
    if (t.rel.rfind("bronze/", 0) != 0) continue;
    last = std::max(last, t.last_data_commit_ms);  // not OPTIMIZE/VACUUM: they ingest nothing
    bronze_rows += std::max<int64_t>(0, t.rows);
    Json o = Json::Object();
    o.Set("table", Json::String(t.name));
    o.Set("rows", Json::Int(t.rows));
    o.Set("last_commit", Json::String(columnar::FormatTimestampMicros(t.last_commit_ms * 1000)));
    o.Set("last_ingest",
          t.last_data_commit_ms > 0
              ? Json::String(columnar::FormatTimestampMicros(t.last_data_commit_ms * 1000))
              : Json::Null());
    tables.Push(std::move(o));
  }
  Json j = Json::Object();
  std::string status = "no data";
  if (last > 0) {
    const double age = static_cast<double>(now_ms - last) / 1000.0;
    status = age <= options_.late_after_s ? "healthy" : (age <= options_.stalled_after_s ? "late" : "stalled");
    j.Set("last_ingest", Json::String(columnar::FormatTimestampMicros(last * 1000)));
    j.Set("age_seconds", Json::Double(std::round(age * 10) / 10));
  } else {
    j.Set("last_ingest", Json::Null());
    j.Set("age_seconds", Json::Null());
  }
  j.Set("status", Json::String(status));
  j.Set("late_after_seconds", Json::Int(options_.late_after_s));
  j.Set("stalled_after_seconds", Json::Int(options_.stalled_after_s));
  j.Set("bronze_rows", Json::Int(bronze_rows));
  j.Set("bronze_tables", std::move(tables));
  j.Set("lake", Json::String(view_->lake()));
  if (options_.kafka_lag) j.Set("kafka", options_.kafka_lag());
  return JsonResponse(200, j);
}

HttpResponse Api::Tables() {
  Json arr = Json::Array();
  for (const TableState& t : view_->Tables()) {
    Json o = Json::Object();
    o.Set("table", Json::String(t.name));
    o.Set("path", Json::String(t.rel));
    o.Set("version", Json::Int(t.version));
    o.Set("files", Json::Int(t.files));
    o.Set("rows", t.rows >= 0 ? Json::Int(t.rows) : Json::Null());
    o.Set("bytes", Json::Int(t.bytes));
    o.Set("last_commit", Json::String(columnar::FormatTimestampMicros(t.last_commit_ms * 1000)));
    arr.Push(std::move(o));
  }
  Json j = Json::Object();
  j.Set("tables", std::move(arr));
  return JsonResponse(200, j);
}

HttpResponse Api::Metrics() {
  std::string out;
  out += "# HELP financelake_table_version Latest Delta version of each table.\n# TYPE financelake_table_version gauge\n";
  const auto tables = view_->Tables();
  for (const TableState& t : tables)
    out +=
        fmt::format("financelake_table_version{{table=\"{}\"}} {}\n", LabelValue(t.rel), t.version);
  out += "# HELP financelake_table_rows Rows in each table (from the log's statistics).\n# TYPE financelake_table_rows gauge\n";
  for (const TableState& t : tables) {
    if (t.rows >= 0)
      out += fmt::format("financelake_table_rows{{table=\"{}\"}} {}\n", LabelValue(t.rel), t.rows);
  }
  out += "# HELP financelake_table_last_commit_seconds Time of each table's latest commit.\n"
         "# TYPE financelake_table_last_commit_seconds gauge\n";
  for (const TableState& t : tables) {
    out += fmt::format("financelake_table_last_commit_seconds{{table=\"{}\"}} {:.3f}\n",
                       LabelValue(t.rel), static_cast<double>(t.last_commit_ms) / 1000.0);
  }
  out += fmt::format("# HELP financelake_http_requests_total Requests served.\n# TYPE financelake_http_requests_total counter\n"
                     "financelake_http_requests_total {}\n",
                     requests_.load());
  out += fmt::format("# TYPE financelake_http_errors_total counter\nfinancelake_http_errors_total{{class=\"4xx\"}} {}\n"
                     "financelake_http_errors_total{{class=\"5xx\"}} {}\n",
                     errors_4xx_.load(), errors_5xx_.load());
  out += fmt::format("# TYPE financelake_event_streams gauge\nfinancelake_event_streams {}\n", streams_open_.load());
  HttpResponse r;
  r.content_type = "text/plain; version=0.0.4";
  r.body = std::move(out);
  return r;
}

HttpResponse Api::Events(const HttpRequest& r) {
  const int64_t newest = events_->last_id();
  int64_t after = newest;
  bool reload = false;
  if (const std::string last = r.Header("last-event-id"); !last.empty()) {
    char* end = nullptr;
    errno = 0;
    const long long id = std::strtoll(last.c_str(), &end, 10);
    if (!std::isdigit(static_cast<unsigned char>(last[0])) || end != last.c_str() + last.size() || errno != 0) {
      return ErrorResponse(400, fmt::format("Last-Event-ID: '{}' is not an event id", last.substr(0, 40)));
    }
    after = id;
    // An id this server never sent (it restarted, and ids start again at 1): the client missed
    // an unknown stretch, so it reloads, then follows from now.
    if (after > newest) {
      after = newest;
      reload = true;
    }
  }
  if (streams_open_.load() >= options_.max_event_streams) {
    HttpResponse busy = ErrorResponse(
        503, fmt::format("too many open event streams ({}); try again later", options_.max_event_streams));
    busy.headers.emplace_back("Retry-After", "10");
    // Closed: a refused client (a browser keeps its connection) would otherwise hold a worker
    // for the keep-alive time, and a crowd of them the whole pool the streams' limit keeps free.
    busy.headers.emplace_back("Connection", "close");
    return busy;
  }
  HttpResponse out;
  out.content_type = "text/event-stream";
  out.headers.emplace_back("Cache-Control", "no-cache");
  auto* hub = events_;
  auto* open = &streams_open_;
  ++streams_open_;
  auto cursor = std::make_shared<int64_t>(after);
  auto first = std::make_shared<bool>(true);
  struct Closer {
    std::atomic<int64_t>* n;
    ~Closer() { --*n; }
  };
  std::shared_ptr<Closer> closer(new Closer{open});  // one Closer: decrements once
  out.stream = [hub, cursor, first, closer, reload](const std::function<bool(std::string_view)>& write) {
    if (*first) {
      *first = false;
      return write(reload ? "retry: 3000\n: connected\n\nevent: reload\ndata: {}\n\n" : "retry: 3000\n: connected\n\n");
    }
    bool gap = false;
    // Short waits: a client that left is noticed at the next write, freeing its thread and its
    // stream slot within about a second (at 5 s, clients reconnecting were refused meanwhile).
    const auto events = hub->WaitAfter(*cursor, 1000, &gap);
    if (hub->closed()) return false;
    if (gap && !write("event: reload\ndata: {}\n\n")) return false;
    if (events.empty()) return write(": keep-alive\n\n");
    for (const auto& e : events) {
      *cursor = e.id;
      if (!write(fmt::format("id: {}\nevent: {}\ndata: {}\n\n", e.id, e.type, e.data))) return false;
    }
    return true;
  };
  return out;
}

HttpResponse Api::Static(const std::string& path) {
  const std::string p = path == "/" ? "/index.html" : (path == "/favicon.ico" ? "/favicon.svg" : path);
  const WebAsset* a = FindWebAsset(p);
  if (a == nullptr) return ErrorResponse(404, fmt::format("not found: {}", p.substr(0, 100)));
  HttpResponse r;
  r.content_type = a->content_type;
  r.body.assign(reinterpret_cast<const char*>(a->data), a->size);
  r.headers.emplace_back("Content-Security-Policy",
                         "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'");
  return r;
}

}  // namespace financelake::server
