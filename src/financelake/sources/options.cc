#include "financelake/sources/options.h"

#include <charconv>
#include <chrono>
#include <cmath>
#include <set>

#include "financelake/sources/event_time.h"

namespace financelake::sources {
namespace {

Status FlagError(std::string_view flag, const std::string& msg) {
  return Status::InvalidArgument("--" + std::string(flag) + ": " + msg);
}

int64_t SystemNowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Status CheckKnown(const OptionMap& flags, const std::set<std::string>& known,
                  std::string_view what) {
  for (const auto& [name, value] : flags) {
    if (known.count(name) != 0) continue;
    std::string list;
    for (const std::string& k : known) list += (list.empty() ? "" : ", ") + k;
    return Status::InvalidArgument("unknown " + std::string(what) + " option --" + name +
                                   " (known: " + list + ")");
  }
  return Status::OK();
}

Result<double> Number(std::string_view flag, const std::string& text) {
  double v = 0;
  const auto r = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || r.ec != std::errc() || r.ptr != text.data() + text.size() ||
      !std::isfinite(v)) {
    return FlagError(flag, "'" + text + "' is not a number");
  }
  return v;
}

Result<uint64_t> Unsigned(std::string_view flag, const std::string& text) {
  uint64_t v = 0;
  const auto r = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || r.ec != std::errc() || r.ptr != text.data() + text.size()) {
    return FlagError(flag, "'" + text + "' is not a non-negative integer");
  }
  return v;
}

// Sets *out from flags[name] if present, parsing with `parse`.
template <typename T, typename Parse>
Status Optional(const OptionMap& flags, const std::string& name, T* out, Parse parse) {
  const auto it = flags.find(name);
  if (it == flags.end()) return Status::OK();
  auto parsed = parse(name, it->second);
  if (!parsed.ok()) return parsed.status();
  *out = static_cast<T>(*parsed);
  return Status::OK();
}

}  // namespace

Result<SimOptions> ParseSimOptions(const OptionMap& flags, int64_t now_micros) {
  if (now_micros < 0) now_micros = SystemNowMicros();
  FL_RETURN_NOT_OK(CheckKnown(
      flags,
      {"seed", "topics", "tickers", "crypto", "accounts", "fraud-rate", "rate", "count", "start",
       "days", "trade-interval", "crypto-interval", "tx-per-day", "resume-after"},
      "sim"));
  SimOptions o;
  FL_RETURN_NOT_OK(Optional(flags, "seed", &o.seed, Unsigned));
  FL_RETURN_NOT_OK(Optional(flags, "accounts", &o.accounts,
                            [](std::string_view f, const std::string& t) -> Result<uint64_t> {
                              FL_ASSIGN_OR_RETURN(const uint64_t v, Unsigned(f, t));
                              if (v < 1 || v > 1000000)
                                return FlagError(f, "must be 1..1000000, got " + t);
                              return v;
                            }));
  FL_RETURN_NOT_OK(Optional(flags, "fraud-rate", &o.fraud_rate, Number));
  FL_RETURN_NOT_OK(Optional(flags, "rate", &o.rate, Number));
  FL_RETURN_NOT_OK(Optional(flags, "count", &o.count, Unsigned));
  FL_RETURN_NOT_OK(Optional(flags, "days", &o.days, Number));
  FL_RETURN_NOT_OK(Optional(flags, "trade-interval", &o.stock_trade_interval_s, Number));
  FL_RETURN_NOT_OK(Optional(flags, "crypto-interval", &o.crypto_tick_interval_s, Number));
  FL_RETURN_NOT_OK(Optional(flags, "tx-per-day", &o.bank_tx_per_account_day, Number));
  if (auto it = flags.find("start"); it != flags.end()) {
    auto t = ParseTimeOption(it->second, now_micros);
    if (!t.ok()) return FlagError("start", t.status().message());
    o.start_micros = *t;
  }
  if (auto it = flags.find("topics"); it != flags.end()) {
    o.topics.clear();
    size_t start = 0;
    while (start <= it->second.size()) {
      size_t comma = it->second.find(',', start);
      if (comma == std::string::npos) comma = it->second.size();
      auto topic = ParseTopic(it->second.substr(start, comma - start));
      if (!topic.ok()) return FlagError("topics", topic.status().message());
      o.topics.push_back(*topic);
      start = comma + 1;
    }
  }
  if (auto it = flags.find("tickers"); it != flags.end()) {
    auto list = ParseSymbolList(it->second, /*crypto=*/false);
    if (!list.ok()) return FlagError("tickers", list.status().message());
    o.tickers = std::move(*list);
  }
  if (auto it = flags.find("crypto"); it != flags.end()) {
    auto list = ParseSymbolList(it->second, /*crypto=*/true);
    if (!list.ok()) return FlagError("crypto", list.status().message());
    o.crypto = std::move(*list);
  }
  if (auto it = flags.find("resume-after"); it != flags.end()) o.resume_after = it->second;
  FL_RETURN_NOT_OK(ValidateSimOptions(o));
  return o;
}

Result<CsvSourceOptions> ParseCsvOptions(const OptionMap& flags, std::vector<std::string> paths,
                                         int64_t now_micros) {
  if (now_micros < 0) now_micros = SystemNowMicros();
  FL_RETURN_NOT_OK(CheckKnown(
      flags, {"ticker", "asset-class", "start", "speed", "source-name", "resume-after"}, "csv"));
  CsvSourceOptions o;
  o.paths = std::move(paths);
  if (auto it = flags.find("ticker"); it != flags.end()) {
    o.ticker = it->second;
    for (char& c : o.ticker) {
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    }
  }
  if (auto it = flags.find("asset-class"); it != flags.end()) {
    if (it->second == "auto") {
      o.asset_class = AssetClass::kAuto;
    } else if (it->second == "stock") {
      o.asset_class = AssetClass::kStock;
    } else if (it->second == "crypto") {
      o.asset_class = AssetClass::kCrypto;
    } else {
      return FlagError("asset-class", "'" + it->second + "' is not auto, stock or crypto");
    }
  }
  if (auto it = flags.find("start"); it != flags.end()) {
    auto t = ParseTimeOption(it->second, now_micros);
    if (!t.ok()) return FlagError("start", t.status().message());
    o.card_start_micros = *t;
  }
  FL_RETURN_NOT_OK(Optional(flags, "speed", &o.speed, Number));
  if (auto it = flags.find("source-name"); it != flags.end()) o.source_name = it->second;
  if (auto it = flags.find("resume-after"); it != flags.end()) o.resume_after = it->second;
  FL_RETURN_NOT_OK(ValidateCsvOptions(o));
  return o;
}

}  // namespace financelake::sources
