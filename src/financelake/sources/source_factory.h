// Making a source by name from command-line flags: what `financelake produce` and
// `financelake ingest --source` share.
//
// Names: "sim" (flags as ParseSimOptions), "csv" (ParseCsvOptions; files are the positional
// arguments), "yahoo", "alphavantage", "coingecko" (ParsePollerOptions, api_poller.h). Unknown
// names are InvalidArgument listing the known ones.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "financelake/base/result.h"
#include "financelake/sources/csv_source.h"
#include "financelake/sources/options.h"
#include "financelake/sources/source.h"

namespace financelake::sources {

struct SourceSpec {
  std::string name = "sim";
  OptionMap flags;                 // without dashes: {"rate", "1000"}
  std::vector<std::string> paths;  // csv files
};

// Checks the name and the flags (the same errors MakeSource would give) without opening files.
Status ValidateSourceSpec(const SourceSpec& spec);

// `resume_after` overrides the flag of that name; `on_malformed` is used by csv.
Result<std::unique_ptr<Source>> MakeSource(const SourceSpec& spec, const std::string& resume_after,
                                           MalformedCallback on_malformed);

// The topics the source may emit (sim: its --topics; csv: all three, known only after reading).
Result<std::vector<Topic>> SourceTopics(const SourceSpec& spec);

// True when Position() strings of this source are its event offsets ("42"), so a resume point
// can be given as an offset (sim); false when positions are file:line (csv).
bool PositionIsOffset(const SourceSpec& spec);

// True when a rerun with the same spec yields the same events (sim, csv); the API pollers see
// the world as it is now, so each of their runs is a new stream.
bool Replayable(const SourceSpec& spec);

// A stable name for the stream the spec describes: "<name>-<16 hex>" hashed over the flags and
// files that decide which events come out (not the pacing, the count or the duration), so the
// same stream resumes across runs and a different one does not.
std::string StreamId(const SourceSpec& spec);

}  // namespace financelake::sources
