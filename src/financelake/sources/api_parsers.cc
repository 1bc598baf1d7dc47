#include "financelake/sources/api_parsers.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "financelake/base/json.h"
#include "financelake/sources/calendar_math.h"
#include "financelake/sources/new_york_time.h"
#include "financelake/sources/universe.h"

namespace financelake::sources {
namespace {

constexpr int64_t kDayUs = 86400LL * 1000000;

Result<Json> ParseObject(std::string_view body, std::string_view api) {
  auto doc = Json::Parse(body);
  if (!doc.ok())
    return Status::DataLoss(
        fmt::format("{}: response is not JSON: {}", api, doc.status().message()));
  if (!doc->is_object())
    return Status::DataLoss(fmt::format("{}: response is not a JSON object", api));
  return doc;
}

// A number given as a JSON number or as a numeric string ("112.6300"); NaN when absent/null.
double Num(const Json* v) {
  if (v == nullptr || v->is_null()) return kUnknown;
  if (v->is_number()) return v->as_double();
  if (v->is_string()) {
    const std::string& s = v->as_string();
    char* end = nullptr;
    const double d = std::strtod(s.c_str(), &end);
    if (end != s.c_str() && *end == '\0' && std::isfinite(d)) return d;
  }
  return kUnknown;
}

// kPrice: > 0, where 0 means unknown (Yahoo sends an open of 0 for early rows of many tickers,
// and 0 for every price of a halted one's bars).
enum class Sign { kAny, kNonNegative, kPrice };

// An optional value of a response: NaN when absent or null (or a price of 0), else a number (or
// a numeric string) of the sign asked. Anything else fails the whole response (nothing from it
// is emitted): "<where>: 'volume' is -5, not a number >= 0".
Status OptionalNum(const Json* v, Sign sign, std::string_view where, std::string_view name,
                   double* out) {
  *out = kUnknown;
  if (v == nullptr || v->is_null()) return Status::OK();
  const double d = Num(v);
  if (sign == Sign::kPrice && d == 0) return Status::OK();
  const bool ok =
      std::isfinite(d) && (sign == Sign::kAny || d > 0 || (sign == Sign::kNonNegative && d == 0));
  if (!ok) {
    const char* want = sign == Sign::kAny     ? "a number"
                       : sign == Sign::kPrice ? "a price > 0 (or 0 or null: unknown)"
                                              : "a number >= 0";
    return Status::DataLoss(
        fmt::format("{}: '{}' is {}, not {}", where, name, v->Dump().substr(0, 64), want));
  }
  *out = d;
  return Status::OK();
}

// "YYYY-MM-DD" -> days since the epoch.
bool ParseDay(std::string_view s, int32_t* days) {
  if (s.size() < 10 || s[4] != '-' || s[7] != '-') return false;
  const int y = std::atoi(std::string(s.substr(0, 4)).c_str());
  const int m = std::atoi(std::string(s.substr(5, 2)).c_str());
  const int d = std::atoi(std::string(s.substr(8, 2)).c_str());
  if (y < 1900 || m < 1 || m > 12 || d < 1 || d > DaysInMonth(y, m)) return false;
  *days = CivilDays(y, m, d);
  return true;
}

// An event's key must follow its contract (docs/events.md): an answer for a symbol that breaks it
// (another symbol than asked, a crypto pair not quoted in USD) fails the response.
Status CheckKey(std::string_view api, const Status& valid) {
  if (valid.ok()) return valid;
  return Status::DataLoss(fmt::format("{}: the response's {} (events need a key per the contract)",
                                      api, valid.message()));
}

int64_t NewYorkClose(int32_t day) {
  return NewYorkLocalToUtc(day, 16 * 3600);
}

// The exchange's date of a Yahoo daily bar stamped `t_us` (Yahoo stamps a daily bar at its
// session's open, or at midnight, exchange time). New York's own rules for New York, and when the
// response names no offset; elsewhere meta.gmtoffset. That offset is the one in force when the
// response was made, so a bar from the other side of a daylight-saving change is an hour off:
// the date is read two hours later, which moves a midnight stamp read as 23:00 onto its own date
// and no session open (none starts after 22:00) onto the next one.
int32_t YahooExchangeDay(int64_t t_us, const Json& meta) {
  const Json* offset = meta.Find("gmtoffset");
  if (meta.GetString("exchangeTimezoneName", "") == "America/New_York" || offset == nullptr ||
      !offset->is_number() || std::abs(offset->as_double()) > 18 * 3600) {
    int32_t day = 0;
    int64_t secs = 0;
    UtcToNewYorkLocal(t_us, &day, &secs);
    return day;
  }
  const int64_t local = t_us + (static_cast<int64_t>(offset->as_double()) + 2 * 3600) * 1000000;
  return static_cast<int32_t>(local >= 0 ? local / kDayUs : (local - kDayUs + 1) / kDayUs);
}

// meta.currentTradingPeriod.regular: the exchange's current (or next) regular session, in UTC µs;
// end_us 0 when the response has none.
struct Session {
  int64_t start_us = 0, end_us = 0;
};
Session CurrentSession(const Json& meta) {
  Session s;
  const Json* period = meta.Find("currentTradingPeriod");
  const Json* regular = period != nullptr ? period->Find("regular") : nullptr;
  if (regular == nullptr) return s;
  const double start = Num(regular->Find("start")), end = Num(regular->Find("end"));
  if (std::isfinite(start) && std::isfinite(end) && start > 0 && end > start &&
      end < 7258118400.0) {
    s.start_us = static_cast<int64_t>(start) * 1000000;
    s.end_us = static_cast<int64_t>(end) * 1000000;
  }
  return s;
}

}  // namespace

bool BarMicros(std::string_view name, int64_t* micros) {
  int64_t n = 0;
  size_t i = 0;
  for (; i < name.size() && std::isdigit(static_cast<unsigned char>(name[i])) && n < 100000; ++i) {
    n = n * 10 + (name[i] - '0');
  }
  const std::string_view unit = name.substr(i);
  if (n <= 0 || (unit != "m" && unit != "min" && unit != "h")) return false;
  *micros = n * (unit == "h" ? 3600 : 60) * 1000000;
  return true;
}

Result<ParsedBody> ParseYahooChart(std::string_view body, EventSerializer& out) {
  FL_ASSIGN_OR_RETURN(Json doc, ParseObject(body, "yahoo"));
  const Json* chart = doc.Find("chart");
  if (chart == nullptr || !chart->is_object()) return Status::DataLoss("yahoo: no 'chart' object");
  const Json* err = chart->Find("error");
  if (err != nullptr && !err->is_null()) {
    return Status::InvalidArgument("yahoo: API error: " +
                                   err->GetString("description", err->Dump()));
  }
  const Json* results = chart->Find("result");
  if (results == nullptr || !results->is_array() || results->size() == 0) {
    return Status::DataLoss("yahoo: no 'chart.result'");
  }
  ParsedBody parsed;
  for (const Json& r : results->items()) {
    const Json* meta = r.Find("meta");
    if (meta == nullptr) return Status::DataLoss("yahoo: a result has no 'meta'");
    FL_ASSIGN_OR_RETURN(std::string symbol, meta->GetString("symbol"));
    const bool crypto = meta->GetString("instrumentType", "") == "CRYPTOCURRENCY";
    const std::string granularity = meta->GetString("dataGranularity", "1d");
    const bool daily = granularity == "1d";
    const Json* ts = r.Find("timestamp");
    if (ts == nullptr || ts->is_null()) continue;  // no bars (a weekend, a holiday)
    const Json* ind = r.Find("indicators");
    const Json* quotes = ind != nullptr ? ind->Find("quote") : nullptr;
    if (!ts->is_array() || quotes == nullptr || !quotes->is_array() || quotes->size() == 0) {
      return Status::DataLoss(
          fmt::format("yahoo: {}: 'timestamp' or 'indicators.quote' malformed", symbol));
    }
    const Json& q = quotes->items()[0];
    const Json* adj = ind->Find("adjclose");
    const Json* adj0 = adj != nullptr && adj->is_array() && adj->size() > 0
                           ? adj->items()[0].Find("adjclose")
                           : nullptr;
    auto at = [](const Json* arr, size_t i) -> const Json* {
      return arr != nullptr && arr->is_array() && i < arr->size() ? &arr->items()[i] : nullptr;
    };
    std::string base = symbol;
    if (crypto && !UsdPairBase(symbol).empty()) base = std::string(UsdPairBase(symbol));
    FL_RETURN_NOT_OK(
        CheckKey("yahoo", crypto ? ValidateCryptoSymbol(base) : ValidateTicker(symbol)));
    const std::string discriminator = "bar:" + granularity;
    int64_t bar_micros = kDayUs;
    if (!daily && !BarMicros(granularity, &bar_micros)) {
      return Status::DataLoss(
          fmt::format("yahoo: {}: unknown dataGranularity '{}'", symbol, granularity));
    }
    const Session session = CurrentSession(*meta);
    for (size_t i = 0; i < ts->size(); ++i) {
      const Json& t = ts->items()[i];
      if (!t.is_number())
        return Status::DataLoss(fmt::format("yahoo: {}: timestamp {} is not a number", symbol, i));
      const Json* close_v = at(q.Find("close"), i);
      if (close_v == nullptr) {
        return Status::DataLoss(fmt::format(
            "yahoo: {}: bar {} has a timestamp but no close (the close array is shorter)", symbol,
            i));
      }
      if (close_v->is_null()) continue;  // an empty bar: skipped, never filled in
      const double close = Num(close_v);
      if (!std::isfinite(close) || close <= 0) {
        return Status::DataLoss(
            fmt::format("yahoo: {}: bar {} has an invalid close {}", symbol, i, close_v->Dump()));
      }
      if (!(t.as_double() >= 0 && t.as_double() < 7258118400.0)) {  // 1970 .. 2200
        return Status::DataLoss(
            fmt::format("yahoo: {}: timestamp {} is out of range: {}", symbol, i, t.Dump()));
      }
      int64_t when = static_cast<int64_t>(t.as_double()) * 1000000;
      int64_t complete = when + bar_micros;  // intraday: the bar's start plus its length
      if (daily) {
        if (crypto) {
          const int32_t day =
              static_cast<int32_t>(when >= 0 ? when / kDayUs : (when - kDayUs + 1) / kDayUs);
          when = static_cast<int64_t>(day) * kDayUs + (kDayUs - 1000000);
          complete = static_cast<int64_t>(day + 1) * kDayUs + kDailyBarSettleMicros;
        } else {
          // Stamped like every daily stock bar: 16:00 New York of the exchange's own date.
          const int32_t day = YahooExchangeDay(when, *meta);
          when = NewYorkClose(day);
          complete = when;
          if (session.end_us > 0 && day == YahooExchangeDay(session.start_us, *meta)) {
            complete = std::max(complete, session.end_us);
          }
          complete += kDailyBarSettleMicros;
        }
      }
      const std::string where = fmt::format("yahoo: {}: bar {}", symbol, i);
      double volume, open, high, low, adj_close;
      FL_RETURN_NOT_OK(
          OptionalNum(at(q.Find("volume"), i), Sign::kNonNegative, where, "volume", &volume));
      FL_RETURN_NOT_OK(OptionalNum(at(q.Find("open"), i), Sign::kPrice, where, "open", &open));
      FL_RETURN_NOT_OK(OptionalNum(at(q.Find("high"), i), Sign::kPrice, where, "high", &high));
      FL_RETURN_NOT_OK(OptionalNum(at(q.Find("low"), i), Sign::kPrice, where, "low", &low));
      FL_RETURN_NOT_OK(OptionalNum(at(adj0, i), Sign::kPrice, where, "adjclose", &adj_close));
      Event e;
      if (crypto) {
        CryptoPriceRecord c;
        c.symbol = base;
        c.event_time = when;
        c.price_usd = close;
        c.volume_24h = volume;
        c.is_bar = true;
        c.interval = granularity;
        c.open = open;
        c.high = high;
        c.low = low;
        // As a replayed CSV bar has it: the same bar from either differs only by `source`.
        if (daily) c.change_24h = DailyBarChange24h(c.open, close);
        out.Write(c, discriminator, &e);
      } else {
        StockTradeRecord s;
        s.ticker = symbol;
        s.event_time = when;
        s.price = close;
        s.volume = volume;
        s.is_bar = true;
        s.interval = granularity;
        s.open = open;
        s.high = high;
        s.low = low;
        s.close = close;
        s.adj_close = adj_close;
        out.Write(s, discriminator, &e);
      }
      parsed.Add(std::move(e), complete);
    }
  }
  return parsed;
}

Result<ParsedBody> ParseAlphaVantage(std::string_view body, EventSerializer& out) {
  FL_ASSIGN_OR_RETURN(Json doc, ParseObject(body, "alphavantage"));
  ParsedBody parsed;
  for (const char* key : {"Note", "Information"}) {
    if (const Json* n = doc.Find(key); n != nullptr && n->is_string()) {
      parsed.quota_message = n->as_string();
      return parsed;
    }
  }
  if (const Json* e = doc.Find("Error Message"); e != nullptr) {
    return Status::InvalidArgument("alphavantage: API error: " +
                                   (e->is_string() ? e->as_string() : e->Dump()));
  }
  if (const Json* g = doc.Find("Global Quote"); g != nullptr) {
    if (!g->is_object() || g->size() == 0)
      return Status::NotFound("alphavantage: empty 'Global Quote' (unknown symbol?)");
    FL_ASSIGN_OR_RETURN(std::string symbol, g->GetString("01. symbol"));
    FL_RETURN_NOT_OK(CheckKey("alphavantage", ValidateTicker(symbol)));
    int32_t day = 0;
    const std::string latest = g->GetString("07. latest trading day", "");
    if (latest.size() != 10 || !ParseDay(latest, &day)) {
      return Status::DataLoss("alphavantage: 'Global Quote' has no valid '07. latest trading day'");
    }
    StockTradeRecord s;
    s.ticker = symbol;
    s.event_time = NewYorkClose(day);
    s.price = Num(g->Find("05. price"));
    if (!std::isfinite(s.price) || s.price <= 0) {
      return Status::DataLoss("alphavantage: 'Global Quote' has no valid '05. price'");
    }
    constexpr std::string_view kQuote = "alphavantage: 'Global Quote'";
    FL_RETURN_NOT_OK(
        OptionalNum(g->Find("06. volume"), Sign::kNonNegative, kQuote, "06. volume", &s.volume));
    FL_RETURN_NOT_OK(OptionalNum(g->Find("02. open"), Sign::kPrice, kQuote, "02. open", &s.open));
    FL_RETURN_NOT_OK(OptionalNum(g->Find("03. high"), Sign::kPrice, kQuote, "03. high", &s.high));
    FL_RETURN_NOT_OK(OptionalNum(g->Find("04. low"), Sign::kPrice, kQuote, "04. low", &s.low));
    s.is_bar = true;
    s.close = s.price;
    Event e;
    out.Write(s, "bar:1d", &e);
    // The latest trading day's quote moves until that day's close.
    parsed.Add(std::move(e), s.event_time + kDailyBarSettleMicros);
    return parsed;
  }
  const Json* meta = doc.Find("Meta Data");
  const Json* series = nullptr;
  std::string series_name;
  for (const Json::Member& m : doc.members()) {
    if (m.first.rfind("Time Series", 0) == 0) {
      series = &m.second;
      series_name = m.first;
    }
  }
  if (meta == nullptr || series == nullptr || !series->is_object()) {
    return Status::DataLoss("alphavantage: neither 'Global Quote' nor 'Meta Data' + 'Time Series'");
  }
  FL_ASSIGN_OR_RETURN(std::string symbol, meta->GetString("2. Symbol"));
  FL_RETURN_NOT_OK(CheckKey("alphavantage", ValidateTicker(symbol)));
  const bool daily = series_name.find("Daily") != std::string::npos;
  std::string interval = daily ? "1d" : "intraday";
  if (size_t open = series_name.find('('); open != std::string::npos) {
    interval = series_name.substr(open + 1, series_name.find(')') - open - 1);
    if (interval == "Daily") interval = "1d";
  }
  int64_t bar_micros = 0;
  if (!daily && !BarMicros(interval, &bar_micros)) {
    return Status::DataLoss("alphavantage: unknown interval in '" + series_name + "'");
  }
  for (const Json::Member& m : series->members()) {
    int32_t day = 0;
    if (m.first.size() != (daily ? 10u : 19u) || !ParseDay(m.first, &day))
      return Status::DataLoss("alphavantage: bad series key '" + m.first + "'");
    int64_t when = NewYorkClose(day);
    if (!daily) {  // "YYYY-MM-DD HH:MM:SS", US/Eastern
      const std::string& k = m.first;
      auto two = [&](size_t at) {
        return std::isdigit(static_cast<unsigned char>(k[at])) &&
                       std::isdigit(static_cast<unsigned char>(k[at + 1]))
                   ? (k[at] - '0') * 10 + (k[at + 1] - '0')
                   : -1;
      };
      const int h = two(11);
      const int mi = two(14);
      const int se = two(17);
      if (k.size() != 19 || k[10] != ' ' || k[13] != ':' || k[16] != ':' || h < 0 || h > 23 ||
          mi < 0 || mi > 59 || se < 0 || se > 59) {
        return Status::DataLoss("alphavantage: bad series key '" + k + "'");
      }
      when = NewYorkLocalToUtc(day, h * 3600 + mi * 60 + se);
    }
    StockTradeRecord s;
    s.ticker = symbol;
    s.event_time = when;
    s.price = Num(m.second.Find("4. close"));
    if (!std::isfinite(s.price) || s.price <= 0) {
      return Status::DataLoss("alphavantage: bar " + m.first + " has no valid '4. close'");
    }
    const std::string where = "alphavantage: bar " + m.first;
    FL_RETURN_NOT_OK(
        OptionalNum(m.second.Find("5. volume"), Sign::kNonNegative, where, "5. volume", &s.volume));
    FL_RETURN_NOT_OK(
        OptionalNum(m.second.Find("1. open"), Sign::kPrice, where, "1. open", &s.open));
    FL_RETURN_NOT_OK(
        OptionalNum(m.second.Find("2. high"), Sign::kPrice, where, "2. high", &s.high));
    FL_RETURN_NOT_OK(OptionalNum(m.second.Find("3. low"), Sign::kPrice, where, "3. low", &s.low));
    s.is_bar = true;
    s.interval = interval;
    s.close = s.price;
    Event e;
    out.Write(s, "bar:" + interval, &e);
    // Intraday keys are the bar's start (US/Eastern); a daily bar ends at the close.
    parsed.Add(std::move(e), daily ? when + kDailyBarSettleMicros : when + bar_micros);
  }
  // The series is keyed newest first; events of one key go out in time order (docs/events.md).
  std::vector<size_t> order(parsed.events.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t x, size_t y) {
    return parsed.events[x].event_time.value() < parsed.events[y].event_time.value();
  });
  ParsedBody sorted;
  for (size_t i : order) sorted.Add(std::move(parsed.events[i]), parsed.complete_at[i]);
  return sorted;
}

Result<ParsedBody> ParseCoinGeckoSimplePrice(std::string_view body,
                                             const std::map<std::string, std::string>& symbols,
                                             int64_t now_us, EventSerializer& out) {
  FL_ASSIGN_OR_RETURN(Json doc, ParseObject(body, "coingecko"));
  ParsedBody parsed;
  if (const Json* st = doc.Find("status"); st != nullptr && st->is_object()) {
    const std::string msg = st->GetString("error_message", st->Dump());
    if (st->GetInt("error_code", 0) == 429) {
      parsed.quota_message = msg;
      return parsed;
    }
    return Status::InvalidArgument("coingecko: API error: " + msg);
  }
  if (const Json* e = doc.Find("error"); e != nullptr) {
    return Status::InvalidArgument("coingecko: API error: " +
                                   (e->is_string() ? e->as_string() : e->Dump()));
  }
  // A coin asked for but absent has no usd price either: the whole response fails, naming it
  // (CoinGecko leaves out ids it does not know, so a typo would otherwise give nothing, forever).
  std::string missing;
  for (const auto& [id, symbol] : symbols) {
    if (doc.Find(id) == nullptr) missing += (missing.empty() ? "'" : ", '") + id + "'";
  }
  if (!missing.empty()) {
    return Status::InvalidArgument("coingecko: no price for " + missing +
                                   " in the response (not a CoinGecko coin id? the ids are listed "
                                   "by /api/v3/coins/list)");
  }
  for (const Json::Member& coin : doc.members()) {
    // A coin not asked for (an API or proxy answering more) is not ours to emit.
    if (!symbols.empty() && symbols.count(coin.first) == 0) continue;
    if (!coin.second.is_object())
      return Status::DataLoss("coingecko: '" + coin.first + "' is not an object");
    const double usd = Num(coin.second.Find("usd"));
    if (!std::isfinite(usd) || usd <= 0) {
      return Status::DataLoss("coingecko: '" + coin.first +
                              "' has no usd price (ask vs_currencies=usd)");
    }
    auto it = symbols.find(coin.first);
    std::string symbol = it != symbols.end() ? it->second : coin.first;
    if (it == symbols.end()) {
      for (char& ch : symbol) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      FL_RETURN_NOT_OK(CheckKey("coingecko", ValidateCryptoSymbol(symbol)));
    }
    CryptoPriceRecord c;
    c.symbol = symbol;
    const double updated = Num(coin.second.Find("last_updated_at"));
    c.event_time = std::isfinite(updated) && updated > 0 && updated < 7258118400.0
                       ? static_cast<int64_t>(updated) * 1000000
                       : now_us;
    c.price_usd = usd;
    const std::string where = "coingecko: '" + coin.first + "'";
    FL_RETURN_NOT_OK(OptionalNum(coin.second.Find("usd_24h_vol"), Sign::kNonNegative, where,
                                 "usd_24h_vol", &c.volume_24h));
    FL_RETURN_NOT_OK(OptionalNum(coin.second.Find("usd_market_cap"), Sign::kNonNegative, where,
                                 "usd_market_cap", &c.market_cap));
    FL_RETURN_NOT_OK(OptionalNum(coin.second.Find("usd_24h_change"), Sign::kAny, where,
                                 "usd_24h_change", &c.change_24h));
    Event e;
    out.Write(c, "tick", &e);
    // A tick is final as it is: complete at once, even when stamped ahead of this machine's
    // clock (a tick dated a few seconds into the future was silently dropped).
    parsed.Add(std::move(e), std::numeric_limits<int64_t>::min());
  }
  return parsed;
}

}  // namespace financelake::sources
