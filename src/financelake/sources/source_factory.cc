#include "financelake/sources/source_factory.h"

#include <fmt/format.h>

#include <set>

#include "financelake/sources/api_poller.h"
#include "financelake/sources/murmur3.h"
#include "financelake/sources/sim_source.h"

namespace financelake::sources {
namespace {

Status UnknownSource(const std::string& name) {
  return Status::InvalidArgument(fmt::format(
      "--source: unknown source '{}' (known: sim, csv, yahoo, alphavantage, coingecko)", name));
}

Status NoFiles(const SourceSpec& spec) {
  if (spec.paths.empty()) return Status::OK();
  return Status::InvalidArgument(
      fmt::format("the {} source takes no files (got '{}')", spec.name, spec.paths.front()));
}

}  // namespace

Status ValidateSourceSpec(const SourceSpec& spec) {
  if (spec.name == "sim") {
    if (!spec.paths.empty()) {
      return Status::InvalidArgument(
          fmt::format("the sim source takes no files (got '{}')", spec.paths.front()));
    }
    return ParseSimOptions(spec.flags).status();
  }
  if (spec.name == "csv") return ParseCsvOptions(spec.flags, spec.paths).status();
  if (IsPollerName(spec.name)) {
    FL_RETURN_NOT_OK(NoFiles(spec));
    return ParsePollerOptions(spec.name, spec.flags).status();
  }
  return UnknownSource(spec.name);
}

Result<std::unique_ptr<Source>> MakeSource(const SourceSpec& spec, const std::string& resume_after,
                                           MalformedCallback on_malformed) {
  if (spec.name == "sim") {
    if (!spec.paths.empty()) {
      return Status::InvalidArgument(
          fmt::format("the sim source takes no files (got '{}')", spec.paths.front()));
    }
    FL_ASSIGN_OR_RETURN(SimOptions o, ParseSimOptions(spec.flags));
    if (!resume_after.empty()) o.resume_after = resume_after;
    return MakeSimSource(o);
  }
  if (spec.name == "csv") {
    FL_ASSIGN_OR_RETURN(CsvSourceOptions o, ParseCsvOptions(spec.flags, spec.paths));
    if (!resume_after.empty()) o.resume_after = resume_after;
    o.on_malformed = std::move(on_malformed);
    return MakeCsvSource(o);
  }
  if (IsPollerName(spec.name)) {
    FL_RETURN_NOT_OK(NoFiles(spec));
    FL_ASSIGN_OR_RETURN(PollerOptions o, ParsePollerOptions(spec.name, spec.flags));
    return MakePollerSource(o);
  }
  return UnknownSource(spec.name);
}

Result<std::vector<Topic>> SourceTopics(const SourceSpec& spec) {
  if (spec.name == "sim") {
    FL_ASSIGN_OR_RETURN(SimOptions o, ParseSimOptions(spec.flags));
    return o.topics;
  }
  if (spec.name == "csv") {
    return std::vector<Topic>{Topic::kStockTrades, Topic::kCryptoPrices, Topic::kBankTransactions};
  }
  if (spec.name == "yahoo") return std::vector<Topic>{Topic::kStockTrades, Topic::kCryptoPrices};
  if (spec.name == "alphavantage") return std::vector<Topic>{Topic::kStockTrades};
  if (spec.name == "coingecko") return std::vector<Topic>{Topic::kCryptoPrices};
  return UnknownSource(spec.name);
}

bool PositionIsOffset(const SourceSpec& spec) { return spec.name == "sim"; }

bool Replayable(const SourceSpec& spec) { return spec.name == "sim" || spec.name == "csv"; }

std::string StreamId(const SourceSpec& spec) {
  static const std::set<std::string> kNotIdentity = {"rate",  "speed",        "count",
                                                     "days",  "resume-after", "stream-id"};
  std::string canonical = spec.name;
  for (const auto& [k, v] : spec.flags) {  // std::map: sorted, so the order is stable
    if (kNotIdentity.count(k) != 0) continue;
    canonical += fmt::format("\x1f{}={}", k, v);
  }
  for (const std::string& p : spec.paths) canonical += "\x1e" + p;
  const std::string hex = Hash128Hex(MurmurHash3X64_128(canonical));
  return spec.name + "-" + hex.substr(0, 16);
}

}  // namespace financelake::sources
