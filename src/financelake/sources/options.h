// Command-line style options for the sources: the CLI collects `--name value` pairs into an
// OptionMap and these functions turn them into SimOptions / CsvSourceOptions, with
// InvalidArgument messages that name the flag ("--rate: 'abc' is not a number", "--tickers:
// ticker 'aapl!': ..."). Unknown names are refused with the list of known ones. The resulting
// options are also checked with ValidateSimOptions / ValidateCsvOptions, so a returned value is
// ready for MakeSimSource / MakeCsvSource. Pure functions; thread-safe.
//
// sim flags: seed, topics (comma list), tickers ("AAPL,MSFT=420"), crypto, accounts,
//   fraud-rate, rate, count, start (ISO-8601, YYYY-MM-DD, epoch ms or "now"), days,
//   trade-interval, crypto-interval, tx-per-day, resume-after.
// csv flags: ticker, asset-class (auto|stock|crypto), start (the card files' Time = 0), speed,
//   source-name, resume-after; the files are passed separately.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "financelake/base/result.h"
#include "financelake/sources/csv_source.h"
#include "financelake/sources/sim_source.h"

namespace financelake::sources {

// Flag name without dashes -> value as typed.
using OptionMap = std::map<std::string, std::string>;

// `now_micros` is what "--start now" means (UTC micros; default: the system clock).
Result<SimOptions> ParseSimOptions(const OptionMap& flags, int64_t now_micros = -1);

Result<CsvSourceOptions> ParseCsvOptions(const OptionMap& flags, std::vector<std::string> paths,
                                         int64_t now_micros = -1);

}  // namespace financelake::sources
