// The maintenance of a lake by a long-running command (a continuous `pipeline`, `demo`): a
// background thread runs pipeline::MaintainLake (compaction of small files, VACUUM past the
// retention) every `--maintenance-interval-s`, alongside the passes.
#pragma once

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "financelake/base/status.h"

namespace financelake::apps {

inline constexpr double kDefaultMaintenanceIntervalS = 3600;
inline constexpr double kMaxMaintenanceIntervalS = 366 * 86400;  // a year; 0 means never

// "--maintenance-interval-s must be 0-... seconds" for a value out of range or not finite.
Status CheckMaintenanceInterval(double interval_s);

class LakeUpkeep {
 public:
  // Starts the thread unless interval_s is 0; each round prints one line to stdout prefixed by
  // `who` when it changed something, and each table's error to stderr (retried next round).
  LakeUpkeep(std::string lake, double interval_s, std::string who);
  ~LakeUpkeep();  // stops and joins (a round under way stops after the table it is on)
  LakeUpkeep(const LakeUpkeep&) = delete;
  LakeUpkeep& operator=(const LakeUpkeep&) = delete;

 private:
  void Run();

  const std::string lake_;
  const double interval_s_;
  const std::string who_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace financelake::apps
