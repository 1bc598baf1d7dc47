// The `csv` source: replays daily price files (Yahoo-style bars, long tables with a ticker
// column, wide close tables) as bar events, and labelled card-transaction files (ULB layout) as
// bank transactions; see price_csv.h, card_csv.h and docs/events.md.
//
// All files are parsed when the source is made; their records are replayed in event-time order
// (a stable sort, so descending files come out ascending and several files interleave), at
// `speed` times real time or as fast as possible. Rows that cannot be parsed are never dropped
// silently: each is handed to `on_malformed` in replay order, with file:line and the reason;
// without a callback the first one fails NextBatch() with DataLoss.
//
// Source position: "<path>:<line>" (":<TICKER>" added for a wide-table cell); Event::offset is
// the record's ordinal in replay order (malformed records count). Resuming after a position
// needs the same files and options (pipeline/resume_check.h detects files that changed).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "financelake/base/result.h"
#include "financelake/io/filesystem.h"
#include "financelake/sources/csv_file.h"
#include "financelake/sources/event.h"
#include "financelake/sources/pacing.h"
#include "financelake/sources/source.h"

namespace financelake::sources {

// 2013-09-01T00:00:00Z: the ULB data set holds two days of September 2013; its exact dates are
// not published, so the card files' Time = 0 is put at this instant unless told otherwise.
inline constexpr int64_t kDefaultCardStartMicros = 1377993600LL * 1000000;

// Called for each malformed record; an error stops the replay and is returned by NextBatch().
using MalformedCallback = std::function<Status(const MalformedRecord&)>;

struct CsvSourceOptions {
  std::vector<std::string> paths;  // one or more files, replayed together
  // The ticker of single-ticker price files; default: a "<TICKER>.Close" header prefix, else the
  // file name. Not allowed for files that name their tickers (ticker column, wide table).
  std::string ticker;
  AssetClass asset_class = AssetClass::kAuto;  // kAuto: "<SYMBOL>-USD" tickers are crypto
  int64_t card_start_micros = kDefaultCardStartMicros;
  double speed = 0;                 // x real time between event times; 0 = as fast as possible
  std::string source_name = "csv";  // the payload's "source", part of the event ids
  std::string resume_after;         // a Position() to continue after; "" = from the start
  MalformedCallback on_malformed;
  std::shared_ptr<io::FileSystem> fs;  // nullptr: the local filesystem
  Clock* clock = nullptr;              // for `speed`; nullptr = SystemClock()
};

// InvalidArgument naming the option (no files, speed < 0, bad ticker, ...). Files are checked
// by MakeCsvSource.
Status ValidateCsvOptions(const CsvSourceOptions& options);

Result<std::unique_ptr<Source>> MakeCsvSource(const CsvSourceOptions& options);

}  // namespace financelake::sources
