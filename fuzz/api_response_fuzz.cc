// libFuzzer target: any bytes as an HTTP response body of the market-data APIs
// (sources/api_parsers.h). The first byte picks the parser (Yahoo chart, Alpha Vantage,
// CoinGecko with every coin, CoinGecko with bitcoin=BTC asked for); the rest is the body.
// Besides never crashing, every event a parser emits must be one Silver accepts (a poller emits
// contract events or an error, never a row that would only reach the errors table), with one
// completion time per event, and a quota notice never comes with events.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>

#include "financelake/pipeline/silver_contract.h"
#include "financelake/sources/api_parsers.h"

namespace {

void Require(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace financelake;
  if (size == 0) return 0;
  const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  const int64_t now = 1'700'000'000'000'000;
  Result<sources::ParsedBody> parsed = Status::Internal("unset");
  switch (data[0] % 4) {
    case 0: {
      sources::EventSerializer out("yahoo");
      parsed = sources::ParseYahooChart(body, out);
      break;
    }
    case 1: {
      sources::EventSerializer out("alphavantage");
      parsed = sources::ParseAlphaVantage(body, out);
      break;
    }
    case 2: {
      sources::EventSerializer out("coingecko");
      parsed = sources::ParseCoinGeckoSimplePrice(body, {}, now, out);
      break;
    }
    default: {
      sources::EventSerializer out("coingecko");
      parsed = sources::ParseCoinGeckoSimplePrice(body, {{"bitcoin", "BTC"}}, now, out);
      break;
    }
  }
  if (!parsed.ok()) {
    Require(!parsed.status().message().empty());
    return 0;
  }
  Require(parsed->events.size() == parsed->complete_at.size());
  if (!parsed->quota_message.empty()) Require(parsed->events.empty());
  for (const sources::Event& e : parsed->events) {
    const pipeline::SilverContract* contract =
        pipeline::FindSilverContract(sources::TopicName(e.topic));
    Require(contract != nullptr);
    std::string id;
    int32_t date = 0;
    // Ingested a second after the event: Silver's own bound on the event time is then met.
    const std::string verdict = pipeline::ParseSilverRow(
        *contract, e.payload, "t/0/1", e.event_time.value() + 1'000'000, nullptr, &id, &date);
    if (verdict.empty()) {
      Require(id == e.event_id);
    } else if (verdict.rfind("field '", 0) != 0 || verdict.find(": expected") != std::string::npos ||
               verdict.find("' is null") != std::string::npos) {
      std::fprintf(stderr, "Silver refuses a parsed event: %s\n  %s\n", verdict.c_str(),
                   e.payload.c_str());
      std::abort();
    }
  }
  return 0;
}
