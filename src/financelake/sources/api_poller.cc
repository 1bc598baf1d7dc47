#include "financelake/sources/api_poller.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <utility>

#include "financelake/sources/api_parsers.h"
#include "financelake/sources/contracts.h"
#include "financelake/sources/http_client.h"

namespace financelake::sources {
namespace {

int64_t WallMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string UrlEncode(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

struct Request {
  HttpRequest http;
  std::string what;  // the symbol(s), for messages
};

class PollerSource final : public Source {
 public:
  PollerSource(PollerOptions o, std::string key)
      : o_(std::move(o)), key_(std::move(key)), serializer_(o_.api) {
    clock_ = o_.clock != nullptr ? o_.clock : SystemClock();
    for (const std::string& s : o_.symbols) {  // every coin asked for, with its symbol
      const size_t eq = s.find('=');
      std::string symbol = eq != std::string::npos ? s.substr(eq + 1) : s;
      if (eq == std::string::npos) {
        for (char& ch : symbol)
          ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      }
      coin_symbols_[s.substr(0, eq)] = std::move(symbol);
    }
  }

  Result<size_t> NextBatch(std::vector<Event>* batch, size_t max) override {
    while (pending_.empty()) {
      if (!failed_.ok()) return std::exchange(failed_, Status::OK());
      if ((o_.polls > 0 && rounds_ >= o_.polls) || WaitsInterrupted()) {
        batch->clear();
        return size_t{0};
      }
      if (rounds_ > 0)
        clock_->SleepUntilMicros(last_round_ + static_cast<int64_t>(o_.interval_s * 1e6));
      if (WaitsInterrupted()) continue;
      last_round_ = clock_->NowMicros();
      ++rounds_;
      for (const Request& r : Requests()) {
        if (WaitsInterrupted()) break;
        if (Status st = Fetch(r); !st.ok()) {
          // What the round's other requests gave is handed out first (an API may not serve it
          // again, e.g. a previous day's quote); the failure ends the run after it.
          failed_ = Status(st.code(), Scrub(st.message()));
          // Said now too: a run stopped before it asks for more would not report it.
          if (!pending_.empty())
            Log("request failed; handing out what the round fetched first: " + failed_.message());
          break;
        }
      }
    }
    const size_t n = std::min(max, pending_.size());
    batch->resize(n);
    for (size_t i = 0; i < n; ++i) {
      (*batch)[i] = std::move(pending_.front());
      pending_.pop_front();
    }
    return n;
  }

  bool WillWait() const override { return pending_.empty(); }

  std::string Position() const override { return emitted_ == 0 ? "" : std::to_string(emitted_); }

 private:
  std::string Base() const {
    if (!o_.base_url.empty()) return o_.base_url;
    if (o_.api == "yahoo") return "https://query1.finance.yahoo.com";
    if (o_.api == "alphavantage") return "https://www.alphavantage.co";
    return "https://api.coingecko.com";
  }

  std::vector<Request> Requests() const {
    std::vector<Request> out;
    const std::string base = Base();
    if (o_.api == "coingecko") {
      std::string ids;
      for (const std::string& s : o_.symbols)
        ids += (ids.empty() ? "" : ",") + UrlEncode(s.substr(0, s.find('=')));
      Request r;
      r.http.url = base + "/api/v3/simple/price?ids=" + ids +
                   "&vs_currencies=usd&include_market_cap=true&include_24hr_vol=true"
                   "&include_24hr_change=true&include_last_updated_at=true";
      if (!key_.empty()) r.http.headers.push_back("x-cg-demo-api-key: " + key_);
      r.what = ids;
      out.push_back(std::move(r));
      return out;
    }
    for (const std::string& s : o_.symbols) {
      Request r;
      r.what = s;
      if (o_.api == "yahoo") {
        r.http.url = fmt::format("{}/v8/finance/chart/{}?interval={}&range={}", base, UrlEncode(s),
                                 UrlEncode(o_.interval), UrlEncode(o_.range));
      } else {
        r.http.url = fmt::format("{}/query?function={}&symbol={}&apikey={}", base,
                                 UrlEncode(o_.function), UrlEncode(s), UrlEncode(key_));
        if (o_.function == "TIME_SERIES_INTRADAY")
          r.http.url += "&interval=" + UrlEncode(o_.interval);
      }
      out.push_back(std::move(r));
    }
    return out;
  }

  // URLs are redacted where they are printed; this also catches a key an API echoes in a body,
  // as it is or URL-encoded (as it appears in a query string). Every key is scrubbed, however
  // short: a garbled word in a message is better than a leaked secret.
  std::string Scrub(std::string text) const {
    if (key_.empty()) return text;
    for (const std::string& secret : {key_, UrlEncode(key_)}) {
      for (size_t at = 0; (at = text.find(secret, at)) != std::string::npos; at += 8) {
        text.replace(at, secret.size(), "REDACTED");
      }
    }
    return text;
  }

  void Log(const std::string& raw) {
    const std::string line = Scrub(raw);
    if (o_.log) {
      o_.log(line);
    } else {
      std::fprintf(stderr, "%s\n", line.c_str());
    }
  }

  double MinSpacing() const {
    if (o_.min_request_interval_s >= 0) return o_.min_request_interval_s;
    if (o_.api == "alphavantage") return 12;  // the free tier's 5 requests a minute
    if (o_.api == "coingecko") return 2;
    return 1;
  }

  // One request with retries; new events go to pending_.
  Status Fetch(const Request& r) {
    const std::string url = RedactUrl(r.http.url);
    std::string last;
    for (int attempt = 0;; ++attempt) {
      if (last_request_ >= 0) {
        clock_->SleepUntilMicros(last_request_ + static_cast<int64_t>(MinSpacing() * 1e6));
      }
      last_request_ = clock_->NowMicros();
      HttpRequest req = r.http;
      req.timeout_ms = o_.timeout_ms;
      auto resp = HttpGet(req);
      std::optional<double> wait_s;
      if (!resp.ok()) {
        last = o_.api + ": " + resp.status().message();
      } else if (resp->status == 429 || resp->status >= 500) {
        last = fmt::format("{}: GET {}: HTTP {}", o_.api, url, resp->status);
        wait_s = resp->retry_after_s;
      } else if (resp->status != 200) {
        // A body is scrubbed before it is cut: a key cut in two would no longer match, and half
        // of it would be printed.
        const std::string detail = !resp->redirect_refused.empty()
                                       ? resp->redirect_refused
                                       : Scrub(resp->body).substr(0, 200);
        return Status::InvalidArgument(
            fmt::format("{}: GET {}: HTTP {}: {}", o_.api, url, resp->status, detail));
      } else {
        auto parsed = Parse(resp->body);
        if (!parsed.ok()) return parsed.status().WithContext(fmt::format("GET {}", url));
        if (parsed->quota_message.empty()) {
          Take(std::move(*parsed));
          return Status::OK();
        }
        last = fmt::format("{}: GET {}: rate limited: {}", o_.api, url, parsed->quota_message);
      }
      if (attempt >= o_.max_retries) {
        return Status::Unavailable(fmt::format("{} (gave up after {} retr{}; no data was made up)",
                                               last, o_.max_retries,
                                               o_.max_retries == 1 ? "y" : "ies"));
      }
      const double backoff =
          std::min(60.0, o_.backoff_base_s * std::pow(2.0, attempt)) * (0.8 + 0.4 * Jitter());
      const double delay = wait_s ? std::max(*wait_s, 0.0) : backoff;
      Log(fmt::format("{}; retry {}/{} in {:.1f} s", last, attempt + 1, o_.max_retries, delay));
      clock_->SleepUntilMicros(clock_->NowMicros() + static_cast<int64_t>(delay * 1e6));
      if (WaitsInterrupted()) return Status::OK();  // stopping: nothing fetched, nothing made up
    }
  }

  Result<ParsedBody> Parse(const std::string& body) {
    if (o_.api == "yahoo") return ParseYahooChart(body, serializer_);
    if (o_.api == "alphavantage") return ParseAlphaVantage(body, serializer_);
    return ParseCoinGeckoSimplePrice(body, coin_symbols_, UtcNow(), serializer_);
  }

  int64_t UtcNow() const { return o_.utc_now ? o_.utc_now() : WallMicros(); }

  void Take(ParsedBody parsed) {
    const int64_t now = UtcNow();
    for (size_t i = 0; i < parsed.events.size(); ++i) {
      Event& e = parsed.events[i];
      // A bar still forming (today's daily bar, the current minute) would be kept with a
      // mid-period close and its final values dropped as a repeat of its id: it is taken by the
      // first poll that finds it complete.
      if (parsed.complete_at[i] > now) continue;
      if (!seen_.insert(e.event_id).second) continue;  // the same bar again
      e.offset = ++emitted_;
      e.position = std::to_string(emitted_);
      pending_.push_back(std::move(e));
    }
  }

  double Jitter() {
    rng_ ^= rng_ << 13;
    rng_ ^= rng_ >> 7;
    rng_ ^= rng_ << 17;
    return static_cast<double>(rng_ % 10000) / 10000.0;
  }

  PollerOptions o_;
  std::string key_;
  EventSerializer serializer_;
  Clock* clock_ = nullptr;
  std::map<std::string, std::string> coin_symbols_;
  std::deque<Event> pending_;
  Status failed_;  // a request that failed, reported once pending_ is handed out
  std::set<std::string> seen_;
  uint64_t emitted_ = 0;
  int64_t rounds_ = 0;
  int64_t last_round_ = 0;
  int64_t last_request_ = -1;
  // Seeded per process so that clients restarted together do not retry in lockstep.
  uint64_t rng_ =
      (static_cast<uint64_t>(std::random_device{}()) << 32 | std::random_device{}()) | 1;
};

}  // namespace

Result<std::unique_ptr<Source>> MakePollerSource(const PollerOptions& options) {
  if (!IsPollerName(options.api))
    return Status::InvalidArgument("unknown poller '" + options.api + "'");
  std::string key;
  if (options.api == "alphavantage") {
    const char* k = std::getenv("ALPHAVANTAGE_API_KEY");
    if (k == nullptr || *k == '\0') {
      return Status::InvalidArgument(
          "alphavantage: set ALPHAVANTAGE_API_KEY in the environment (keys are never taken from "
          "flags or files)");
    }
    key = k;
  } else if (options.api == "coingecko") {
    const char* k = std::getenv("COINGECKO_API_KEY");
    if (k != nullptr) key = k;
  }
  return std::unique_ptr<Source>(std::make_unique<PollerSource>(options, std::move(key)));
}

}  // namespace financelake::sources
