#include "financelake/delta/snapshot.h"

#include "financelake/delta/stats_read.h"

namespace financelake::delta {

Snapshot::Snapshot(Parts parts)
    : version_(parts.version),
      timestamp_ms_(parts.timestamp_ms),
      protocol_(std::move(parts.protocol)),
      metadata_(std::move(parts.metadata)),
      schema_(std::move(parts.schema)),
      files_(std::move(parts.files)),
      tombstones_(std::move(parts.tombstones)),
      txns_(std::move(parts.txns)) {}

std::optional<int64_t> Snapshot::TxnVersion(const std::string& app_id) const {
  auto it = txns_.find(app_id);
  if (it == txns_.end()) return std::nullopt;
  return it->second.version;
}

std::string Snapshot::Property(const std::string& key, const std::string& fallback) const {
  auto it = metadata_.configuration.find(key);
  return it == metadata_.configuration.end() ? fallback : it->second;
}

int64_t Snapshot::total_bytes() const {
  int64_t n = 0;
  for (const AddFile& f : files_) n += f.size;
  return n;
}

std::optional<int64_t> Snapshot::num_records() const {
  int64_t n = 0;
  for (const AddFile& f : files_) {
    if (!f.stats) return std::nullopt;
    auto records = StatsNumRecords(*f.stats);
    if (!records) return std::nullopt;
    n += *records;
  }
  return n;
}

}  // namespace financelake::delta
