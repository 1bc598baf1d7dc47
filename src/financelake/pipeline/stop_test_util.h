// Test helper for the ingest paths' commit-retry pauses: commits that fail from the second one
// on, and a stop pressed once one of them has failed (its retry pause has then begun).
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

#include "financelake/io/fault_injecting_filesystem.h"
#include "financelake/io/posix_filesystem.h"
#include "financelake/pipeline/source_ingest.h"

namespace financelake::pipeline::testing {

class StopDuringFailingCommits {
 public:
  StopDuringFailingCommits()
      : fs_(std::make_shared<io::FaultInjectingFileSystem>(io::PosixFileSystem())) {}
  ~StopDuringFailingCommits() { Join(); }

  // The filesystem for the run, and its on_commit callback: the first commit succeeds, and
  // every rename (so every commit) after it fails.
  std::shared_ptr<io::FaultInjectingFileSystem> fs() const { return fs_; }
  std::function<void(const IngestProgress&)> OnCommit() {
    return [this](const IngestProgress&) {
      if (renames_before_ >= 0) return;
      renames_before_ = fs_->Count(io::FaultOp::kRename);
      fs_->FailAlways(io::FaultOp::kRename);
    };
  }
  // Sets `stop` `delay` after the first failed commit.
  void StopAfterAFailure(std::atomic<bool>* stop, std::chrono::milliseconds delay) {
    stopper_ = std::thread([this, stop, delay] {
      while (renames_before_ < 0 || fs_->Count(io::FaultOp::kRename) <= renames_before_) {
        if (run_ended_) return;  // the run ended without a failed commit: nothing to stop
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      }
      std::this_thread::sleep_for(delay);
      *stop = true;
    });
  }
  // Commit attempts since the first commit; call when the run has ended.
  int FailedTries() {
    Join();
    return fs_->Count(io::FaultOp::kRename) - renames_before_;
  }

 private:
  void Join() {
    run_ended_ = true;
    if (stopper_.joinable()) stopper_.join();
  }

  std::shared_ptr<io::FaultInjectingFileSystem> fs_;
  std::atomic<int> renames_before_{-1};
  std::atomic<bool> run_ended_{false};
  std::thread stopper_;
};

}  // namespace financelake::pipeline::testing
