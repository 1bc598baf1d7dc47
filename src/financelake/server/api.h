// The dashboard's HTTP API (docs/api.md): read-only JSON over the lake, CSV downloads, Server-
// Sent Events on every commit, Prometheus /metrics, and the embedded web UI. Every input is
// validated (400 with a JSON error naming it); tables are only reached by name from the lake's
// own list, so no path from a request ever reaches the filesystem. With an auth token every
// request must carry it (Authorization: Bearer, X-Auth-Token, or ?token= for pages and event
// streams), compared in constant time; it is never echoed or logged. Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>
#include <string>

#include "financelake/base/json.h"
#include "financelake/server/event_hub.h"
#include "financelake/server/http_server.h"
#include "financelake/server/lake_view.h"

namespace financelake::server {

struct ApiOptions {
  std::string auth_token;      // empty: no authentication (loopback only; serve_command checks)
  int late_after_s = 120;      // ingestion health: newest Bronze commit older than this = late
  int stalled_after_s = 600;   // ... older than this = stalled
  int max_limit = 1000;        // rows per page at most
  int max_event_streams = 16;  // open /api/events streams at most (each holds a worker thread)
  std::function<Json()> kafka_lag;  // set when the lake is fed from Kafka (serve --brokers)
};

class Api {
 public:
  Api(LakeView* view, EventHub* events, ApiOptions options);
  HttpResponse Handle(const HttpRequest& request);

 private:
  HttpResponse Route(const HttpRequest& r);
  HttpResponse Health();
  HttpResponse Tables();
  HttpResponse TableHistory(const std::string& rel, const HttpRequest& r);
  HttpResponse TableRows(const std::string& rel, const HttpRequest& r);
  HttpResponse Tickers(const HttpRequest& r);
  HttpResponse Candles(const HttpRequest& r);
  // The WHERE of one instrument's rows in gold/daily_prices; ApiInvalid (400) when the ticker
  // is held as two asset classes and the request does not say which.
  std::string InstrumentWhere(const std::string& from_item, const std::string& ticker,
                              const std::string& asset_class);
  HttpResponse Indicators(const HttpRequest& r);
  HttpResponse Paged(const std::string& rel, const std::string& order, const HttpRequest& r);
  HttpResponse Predictions(const HttpRequest& r);
  HttpResponse IngestionDaily();
  HttpResponse FraudSummary(const HttpRequest& r);
  HttpResponse Events(const HttpRequest& r);
  HttpResponse Metrics();
  HttpResponse Static(const std::string& path);

  // Answers of the data endpoints, kept while the tables they read stay at the same versions
  // (a commit to one table does not evict answers about the others).
  struct CachedAnswer {
    std::vector<std::pair<std::string, int64_t>> versions;  // table rel -> version read
    HttpResponse response;
  };
  std::vector<std::string> TablesRead(const HttpRequest& r) const;
  std::vector<std::pair<std::string, int64_t>> VersionsOf(const std::vector<std::string>& rels) const;

  LakeView* view_;
  EventHub* events_;
  ApiOptions options_;
  std::mutex cache_mu_;
  std::map<std::string, CachedAnswer> answers_;
  size_t answer_bytes_ = 0;
  std::atomic<int64_t> requests_{0}, errors_4xx_{0}, errors_5xx_{0}, streams_open_{0};
};

}  // namespace financelake::server
