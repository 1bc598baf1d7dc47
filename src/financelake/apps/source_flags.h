// The source flags shared by `produce` and `ingest --source` (sources/options.h explains them):
// each is a CLI11 option whose value, when given, goes into the source's OptionMap.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "financelake/base/status.h"
#include "financelake/sources/source_factory.h"

namespace financelake::apps {

struct SourceFlags {
  std::string source = "sim";
  std::map<std::string, std::string> values;  // flag name -> value, only those given
  std::vector<std::string> files;
};

// Adds every source flag but those in `except` (the command defines them itself) and the
// positional FILES to `cmd`.
void AddSourceFlags(CLI::App* cmd, const std::shared_ptr<SourceFlags>& flags,
                    const std::vector<std::string>& except = {});

sources::SourceSpec ToSourceSpec(const SourceFlags& flags);

// "a,b,,c" -> {"a", "b", "c"}: the comma lists of the command line (topics, ...).
std::vector<std::string> SplitCommaList(const std::string& text);

// A --seed taken as an unsigned 64-bit flag: CLI11 wraps "-1" to 2^64-1; refused above 2^63-1.
Status CheckSeed(uint64_t seed);

}  // namespace financelake::apps
