// libFuzzer target: any bytes as an HTTP request target ("/api/candles?ticker=AAPL&from=..."),
// decoded as the server decodes it and answered by the API over a small lake built in memory by
// the real pipeline (Bronze -> Silver -> Gold, errors). Every answer must be a well-formed
// response: a client's input never earns a 5xx, and every JSON answer parses.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "financelake/base/json.h"
#include "financelake/io/memory_filesystem.h"
#include "financelake/pipeline/bronze_batch.h"
#include "financelake/pipeline/bronze_schema.h"
#include "financelake/pipeline/exactly_once_table.h"
#include "financelake/pipeline/gold_stage.h"
#include "financelake/pipeline/silver_stage.h"
#include "financelake/server/api.h"

namespace {

using namespace financelake;

constexpr int64_t kNowUs = 1'704'500'000'000'000;  // 2024-01-06

void Require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "api_request_fuzz: %s\n", what);
    std::abort();
  }
}

void AppendBronze(const std::shared_ptr<io::FileSystem>& fs, const std::string& lake, const std::string& topic,
                  const std::vector<std::string>& payloads) {
  auto table = pipeline::ExactlyOnceTable::OpenOrCreate(fs, pipeline::BronzeTablePath(lake, topic),
                                                        pipeline::BronzeLayout());
  Require(table.ok(), "bronze table");
  pipeline::BronzeBatchBuilder b;
  for (size_t i = 0; i < payloads.size(); ++i) {
    pipeline::BronzeRecord r;
    r.payload = payloads[i];
    r.topic = topic;
    r.partition = 0;
    r.offset = static_cast<int64_t>(i);
    b.Append(r, kNowUs);
  }
  auto c = (*table)->Commit(b.Finish(), {{"fuzz", -1, static_cast<int64_t>(payloads.size()) - 1}}, "fuzz");
  Require(c.ok(), "bronze commit");
}

struct Fixture {
  std::shared_ptr<io::MemoryFileSystem> fs = std::make_shared<io::MemoryFileSystem>();
  std::string lake = "/lake";
  std::unique_ptr<server::LakeView> view;
  server::EventHub events;
  std::unique_ptr<server::Api> api;

  Fixture() {
    std::vector<std::string> stocks;
    for (int day = 2; day <= 5; ++day) {
      for (const char* t : {"AAPL", "MSFT"}) {
        for (int k = 0; k < 3; ++k) {
          stocks.push_back(fmt::format(
              R"({{"event_id":"{}-{}-{}","event_time":"2024-01-0{}T15:{:02d}:00Z","ticker":"{}","price":{},"volume":{},"source":"sim","kind":"trade"}})",
              t, day, k, day, 10 * k, t, 100 + day + k * 0.5, 100 * (k + 1)));
        }
      }
    }
    stocks.push_back(R"({"ticker":"AAPL","price":-3})");
    stocks.push_back("not json");
    AppendBronze(fs, lake, "stock-trades", stocks);
    AppendBronze(fs, lake, "crypto-prices",
                 {R"({"event_id":"b1","event_time":"2024-01-03T00:00:00Z","symbol":"BTC","price_usd":42000.5,"volume_24h":1e10,"market_cap":8e11,"change_24h":-1.2,"source":"sim","kind":"tick"})"});
    pipeline::SilverOptions so;
    so.lake = lake;
    so.fs = fs;
    so.now_us = kNowUs;
    Require(pipeline::RunSilverOnce(so).ok(), "silver");
    Require(pipeline::RunGoldOnce(lake, fs).ok(), "gold");
    auto v = server::LakeView::Open(fs, lake);
    Require(v.ok(), "lake view");
    view = std::move(*v);
    Require(view->Poll().ok(), "poll");
    api = std::make_unique<server::Api>(view.get(), &events, server::ApiOptions{});
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Fixture* fixture = new Fixture();
  if (size > 4096) return 0;
  std::string target(reinterpret_cast<const char*>(data), size);
  if (target.empty() || target[0] != '/') target = "/" + target;
  const server::HttpRequest request = server::RequestFromTarget("GET", target);
  const server::HttpResponse response = fixture->api->Handle(request);
  if (response.status >= 500) std::fprintf(stderr, "5xx for %s: %s\n", target.c_str(), response.body.c_str());
  Require(response.status >= 200 && response.status < 500, "a request earned a 5xx");
  if (!response.stream && response.content_type.rfind("application/json", 0) == 0) {
    Require(Json::Parse(response.body).ok(), "JSON answer does not parse");
  }
  return 0;
}
