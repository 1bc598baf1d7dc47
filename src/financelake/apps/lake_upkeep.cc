#include "financelake/apps/lake_upkeep.h"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <cstdio>

#include "financelake/io/posix_filesystem.h"
#include "financelake/pipeline/lake_maintenance.h"

namespace financelake::apps {

Status CheckMaintenanceInterval(double interval_s) {
  if (!std::isfinite(interval_s) || interval_s < 0 || interval_s > kMaxMaintenanceIntervalS) {
    return Status::InvalidArgument(fmt::format(
        "--maintenance-interval-s must be 0-{} seconds (0: no compaction or vacuum), not {}",
        kMaxMaintenanceIntervalS, interval_s));
  }
  return Status::OK();
}

LakeUpkeep::LakeUpkeep(std::string lake, double interval_s, std::string who)
    : lake_(std::move(lake)), interval_s_(interval_s), who_(std::move(who)) {
  if (interval_s_ > 0) thread_ = std::thread([this] { Run(); });
}

LakeUpkeep::~LakeUpkeep() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void LakeUpkeep::Run() {
  const auto interval = std::chrono::duration<double>(interval_s_);
  while (true) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      if (cv_.wait_for(lock, interval, [this] { return stop_; })) return;
    }
    const auto t0 = std::chrono::steady_clock::now();
    auto stopping = [this] {
      std::lock_guard<std::mutex> lock(mu_);
      return stop_;
    };
    const pipeline::MaintenanceCounts counts =
        pipeline::MaintainLake(io::PosixFileSystem(), lake_, stopping);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    for (const std::string& e : counts.errors) {
      std::fprintf(stderr, "%s: maintenance: %s (retried in the next round)\n", who_.c_str(),
                   e.c_str());
    }
    if (counts.files_compacted > 0 || counts.files_vacuumed > 0) {
      std::printf(
          "%s: maintenance: %lld tables, %lld small files compacted into %lld, %lld files vacuumed "
          "(%.2f s)\n",
          who_.c_str(), static_cast<long long>(counts.tables),
          static_cast<long long>(counts.files_compacted),
          static_cast<long long>(counts.files_written),
          static_cast<long long>(counts.files_vacuumed), s);
      std::fflush(stdout);
    }
  }
}

}  // namespace financelake::apps
