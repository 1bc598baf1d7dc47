// Bronze ingest straight from a source, in-process (no Kafka): `financelake ingest --source`
// and the demo. Exactly once by source position:
//
// The stream (sources::StreamId, or --stream-id) is one Delta appId,
// "financelake-ingest:source:<stream>", recorded in every table it writes with version = the
// offset of the last source record the commit covers. Each Bronze table (one per topic) and the
// errors table (malformed CSV records) commit separately, so after a crash they may stand at
// different offsets: the run resumes from the smallest (regenerating the simulator from there,
// re-reading CSV files from the start) and gives each table only the records past its own
// version. (API pollers cannot replay: each of their runs is a stream of its own, and a crash
// may lose the events polled since the last commit; they are polled again next run with the same
// event ids, which Silver deduplicates.) Another process writing the same stream at the same time makes this one stop with
// an error rather than duplicate anything.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "financelake/base/result.h"
#include "financelake/io/filesystem.h"
#include "financelake/pipeline/flush_policy.h"
#include "financelake/sources/source_factory.h"

namespace financelake::pipeline {

struct IngestProgress {
  int64_t events_in = 0;          // records taken from the source (or Kafka) this run
  int64_t rows_committed = 0;     // Bronze rows committed this run
  int64_t errors_committed = 0;   // rows committed to the errors table this run
  int64_t skipped = 0;            // records already in the lake (resumed runs)
  int64_t commits = 0;
  int64_t commit_retries = 0;     // failed commits retried (IO errors; see RunSourceIngest)
  int64_t buffered_bytes = 0;
  double last_commit_ms = 0;
  int64_t first_record_ms = -1;  // MonotonicMs() when the first record arrived
  std::map<std::string, int64_t> table_versions;  // table path -> latest version written
  std::map<std::string, int64_t> table_rows;      // table path -> rows committed this run
};

struct SourceIngestOptions {
  std::string lake = "lake";
  std::shared_ptr<io::FileSystem> fs;  // nullptr: the local filesystem
  sources::SourceSpec source;
  std::string stream_id;  // "": sources::StreamId(source)
  FlushPolicy flush;
  const std::atomic<bool>* stop = nullptr;  // set to stop: buffered rows are committed first
  std::function<void(const IngestProgress&)> on_commit;  // after every flush (optional)
  // A commit that fails with an IO error (a full disk, a flaky mount) is retried this many
  // times, waiting retry_base_ms, then twice as long each time, with the source not read
  // meanwhile (back-pressure); then the run fails. Nothing is lost either way: a rerun resumes
  // from the positions in the lake.
  int commit_retries = 8;
  int retry_base_ms = 200;
};

// Runs until the source ends or *stop; returns the totals.
Result<IngestProgress> RunSourceIngest(const SourceIngestOptions& options);

// "financelake-ingest:source:<stream>"
std::string SourceAppId(const std::string& stream_id);

// "financelake-ingest:source-digest:<stream>": for a stream of replayed files (CSV), a txn
// beside the position whose version is a digest of the stream's records up to that position
// (ordinal, event id, file:line), so that a restart can tell that the files changed before it.
std::string SourceDigestAppId(const std::string& stream_id);

}  // namespace financelake::pipeline
