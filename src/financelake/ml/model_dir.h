// What the model stores (fraud_model, forecast_model) share: content hashing for versions, the
// atomic publication of a version directory, and pointer files (CURRENT, PIPELINE).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "financelake/base/result.h"
#include "financelake/io/filesystem.h"

namespace financelake::ml {

// 64-bit FNV-1a, chainable through `h`.
uint64_t Fnv1a(std::string_view data, uint64_t h = 1469598103934665603ULL);

// Publishes <root>/<version>/ holding `files` (name, bytes) unless it already holds exactly
// those files: written into a hidden temporary directory, then renamed into place, so a reader
// never sees a torn version. A copy with a file missing or changed (damaged) is replaced; an
// intact one (manifest.json compared without its created_at_us) is left as it is.
// `files` must include "manifest.json".
Status PublishModelDir(io::FileSystem& fs, const std::string& root, const std::string& version,
                       const std::vector<std::pair<std::string, std::string>>& files);

// Atomically points <root>/<name> (CURRENT, PIPELINE) at `version`.
Status WriteModelPointer(io::FileSystem& fs, const std::string& root, std::string_view name,
                         const std::string& version);
// The version a pointer names (trimmed); NotFound when the pointer does not exist.
Result<std::string> ReadModelPointer(io::FileSystem& fs, const std::string& root, std::string_view name);

}  // namespace financelake::ml
