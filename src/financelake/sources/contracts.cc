#include "financelake/sources/contracts.h"

#include <cmath>

namespace financelake::sources {

std::string_view BankTxTypeName(BankTxType type) {
  switch (type) {
    case BankTxType::kPayment: return "PAYMENT";
    case BankTxType::kTransfer: return "TRANSFER";
    case BankTxType::kWithdrawal: return "WITHDRAWAL";
    case BankTxType::kDeposit: return "DEPOSIT";
    case BankTxType::kCard: return "CARD";
  }
  return "CARD";
}

double DailyBarChange24h(double open, double close) {
  if (!(open > 0) || !std::isfinite(close)) return kUnknown;
  return std::round((close / open - 1.0) * 100.0 * 1e6) / 1e6;
}

void EventSerializer::Begin(Topic topic, std::string_view key, std::string_view id_key,
                            std::string_view discriminator, int64_t event_time, Event* out) {
  out->topic = topic;
  out->key.assign(key);
  out->event_time = TimestampMicros(event_time);
  out->event_id.resize(32);
  ComputeEventId(topic, source_, id_key, discriminator, event_time, out->event_id.data());
  writer_.BeginObject();
  writer_.Key("event_id");
  writer_.String(out->event_id);
  writer_.Key("event_time");
  writer_.Timestamp(event_time);
}

void EventSerializer::Number(double v, int decimals) {
  if (decimals >= 0) {
    writer_.Fixed(v, decimals);
  } else if (std::isfinite(v) && v == std::trunc(v) && std::fabs(v) < 9.0e15) {
    writer_.Int(static_cast<int64_t>(v));  // volumes and whole amounts print as integers
  } else {
    writer_.Double(v);
  }
}

void EventSerializer::Write(const StockTradeRecord& r, std::string_view discriminator, Event* out) {
  Begin(Topic::kStockTrades, r.ticker, r.ticker, discriminator, r.event_time, out);
  writer_.Key("ticker");
  writer_.String(r.ticker);
  writer_.Key("price");
  Number(r.price, r.price_decimals);
  writer_.Key("volume");
  Number(r.volume, -1);
  writer_.Key("source");
  writer_.String(source_);
  writer_.Key("kind");
  if (r.is_bar) {
    writer_.String("bar");
    writer_.Key("interval");
    writer_.String(r.interval);
    writer_.Key("open");
    Number(r.open, r.price_decimals);
    writer_.Key("high");
    Number(r.high, r.price_decimals);
    writer_.Key("low");
    Number(r.low, r.price_decimals);
    writer_.Key("close");
    Number(r.close, r.price_decimals);
    if (!std::isnan(r.adj_close)) {
      writer_.Key("adj_close");
      Number(r.adj_close, r.price_decimals);
    }
  } else {
    writer_.String("trade");
  }
  if (!r.side.empty()) {
    writer_.Key("side");
    writer_.String(r.side);
  }
  if (!r.exchange.empty()) {
    writer_.Key("exchange");
    writer_.String(r.exchange);
  }
  writer_.EndObject();
  writer_.CopyTo(&out->payload);
}

void EventSerializer::Write(const CryptoPriceRecord& r, std::string_view discriminator,
                            Event* out) {
  Begin(Topic::kCryptoPrices, r.symbol, r.symbol, discriminator, r.event_time, out);
  writer_.Key("symbol");
  writer_.String(r.symbol);
  writer_.Key("price_usd");
  Number(r.price_usd, r.price_decimals);
  writer_.Key("volume_24h");
  Number(r.volume_24h, -1);
  writer_.Key("market_cap");
  Number(r.market_cap, -1);
  writer_.Key("change_24h");
  // Fixed-format producers (the simulator) quote the change to 4 places like the price.
  Number(r.change_24h, r.price_decimals >= 0 ? 4 : -1);
  writer_.Key("source");
  writer_.String(source_);
  writer_.Key("kind");
  if (r.is_bar) {
    writer_.String("bar");
    writer_.Key("interval");
    writer_.String(r.interval);
    writer_.Key("open");
    Number(r.open, r.price_decimals);
    writer_.Key("high");
    Number(r.high, r.price_decimals);
    writer_.Key("low");
    Number(r.low, r.price_decimals);
  } else {
    writer_.String("tick");
  }
  writer_.EndObject();
  writer_.CopyTo(&out->payload);
}

void EventSerializer::Write(const BankTransactionRecord& r, std::string_view discriminator,
                            Event* out) {
  const std::string_view key = r.account_id.empty() ? r.transaction_id : r.account_id;
  Begin(Topic::kBankTransactions, key, r.account_id, discriminator, r.event_time, out);
  auto nullable = [&](std::string_view name, std::string_view value) {
    writer_.Key(name);
    if (value.empty()) {
      writer_.Null();
    } else {
      writer_.String(value);
    }
  };
  writer_.Key("transaction_id");
  writer_.String(r.transaction_id);
  nullable("account_id", r.account_id);
  writer_.Key("amount");
  Number(r.amount, r.amount_decimals);
  writer_.Key("currency");
  writer_.String(r.currency);
  writer_.Key("type");
  writer_.String(BankTxTypeName(r.type));
  nullable("merchant", r.merchant);
  nullable("merchant_category", r.merchant_category);
  nullable("country", r.country);
  nullable("channel", r.channel);
  writer_.Key("source");
  writer_.String(source_);
  if (r.label != FraudLabel::kUnknown) {
    writer_.Key("is_fraud");
    writer_.Bool(r.label == FraudLabel::kFraud);
  }
  if (r.features != nullptr) {
    writer_.Key("features");
    writer_.BeginArray();
    for (size_t i = 0; i < r.num_features; ++i) writer_.ArrayDouble(r.features[i]);
    writer_.EndArray();
  }
  writer_.EndObject();
  writer_.CopyTo(&out->payload);
}

}  // namespace financelake::sources
