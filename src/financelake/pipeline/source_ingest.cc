#include "financelake/pipeline/source_ingest.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <string_view>
#include <thread>
#include <vector>

#include "financelake/base/utf8.h"
#include "financelake/delta/table.h"
#include "financelake/io/posix_filesystem.h"
#include "financelake/pipeline/bronze_batch.h"
#include "financelake/pipeline/bronze_schema.h"
#include "financelake/pipeline/errors_table.h"
#include "financelake/pipeline/resume_check.h"
#include "financelake/sources/pacing.h"

namespace financelake::pipeline {
namespace {

// One table this run writes, opened (and created) on its first flush.
struct Target {
  std::string path;
  ExactlyOnceTable::Layout layout;
  std::unique_ptr<ExactlyOnceTable> table;
  int64_t version = -1;  // our appId's version in the table
  int64_t digest = -1;   // our digest appId's version in the table (RecordHash; -1: none)
  int64_t digest_at = -1;  // the position that digest covers (its own appId)
  // The digest covers the position (a run of an older version moves the position only).
  bool DigestValid() const { return digest >= 0 && digest_at == version; }
  // The batch of a flush whose commit failed, kept for the retry (the source is not read
  // before it is committed or the run gives up).
  std::optional<columnar::RecordBatch> pending;
};

// Opens `t` when it exists and reads its position and digest txns.
Status ReadPosition(const std::shared_ptr<io::FileSystem>& fs, Target& t, const std::string& app_id,
                    const std::string& digest_app_id) {
  auto table = delta::Table::Open(fs, t.path);
  FL_ASSIGN_OR_RETURN(bool exists, table->Exists());
  if (!exists) return Status::OK();
  FL_ASSIGN_OR_RETURN(t.table, ExactlyOnceTable::OpenOrCreate(fs, t.path, t.layout));
  const std::string at_app_id = digest_app_id + ":at";
  FL_ASSIGN_OR_RETURN(auto versions, t.table->TxnVersions({app_id, digest_app_id, at_app_id}));
  t.version = versions.at(app_id);
  t.digest = versions.at(digest_app_id);
  t.digest_at = versions.at(at_app_id);
  return Status::OK();
}

// The digest of the records of a stream that resumes by ordinal, up to some ordinal: the sum
// of a hash of each record's ordinal, event id and position (file:line). A sum, because records
// are not seen in ordinal order (a CSV source reports a malformed record while it reads the
// batch, before the batch's events are handed out). Kept below 2^62: it is a txn version.
uint64_t RecordHash(int64_t offset, std::string_view event_id, std::string_view position) {
  uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a over the fields, each led by its length
  auto bytes = [&h](std::string_view b) {
    for (int i = 0; i < 8; ++i) h = (h ^ ((b.size() >> (8 * i)) & 0xff)) * 0x100000001b3ULL;
    for (unsigned char c : b) h = (h ^ c) * 0x100000001b3ULL;
  };
  const uint64_t o = static_cast<uint64_t>(offset);
  bytes(std::string_view(reinterpret_cast<const char*>(&o), sizeof(o)));
  bytes(event_id);
  bytes(position);
  h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ULL;  // splitmix64's finalizer
  h = (h ^ (h >> 27)) * 0x94d049bb133111ebULL;
  return h ^ (h >> 31);
}

int64_t DigestValue(uint64_t sum) {
  return static_cast<int64_t>(sum >> 2);
}

// A digest a table recorded at `position`, and the sum of the records up to it seen so far.
struct ExpectedDigest {
  int64_t position = 0;
  int64_t recorded = 0;
  uint64_t sum = 0;
};

class SourceIngest {
 public:
  explicit SourceIngest(const SourceIngestOptions& o) : o_(o) {}

  Result<IngestProgress> Run() {
    fs_ = o_.fs ? o_.fs : io::PosixFileSystem();
    spec_ = o_.source;
    // "--start now" names a different stream on every run: pin it, so the id is honest.
    if (auto it = spec_.flags.find("start"); it != spec_.flags.end() && it->second == "now") {
      it->second = std::to_string(WallMicros() / 1000);
    }
    FL_RETURN_NOT_OK(sources::ValidateSourceSpec(spec_));
    stream_ = o_.stream_id.empty() ? sources::StreamId(spec_) : o_.stream_id;
    // A poller's run cannot be replayed: every run is its own stream (its ids dedupe in Silver).
    if (!sources::Replayable(spec_)) stream_ += "-run" + std::to_string(WallMicros() / 1000);
    app_id_ = SourceAppId(stream_);
    // Replayed files resume by ordinal: each commit also records a digest of the records up to
    // its position, checked on the next run before anything is skipped.
    check_files_ = sources::Replayable(spec_) && !sources::PositionIsOffset(spec_);
    digest_app_id_ = check_files_ ? SourceDigestAppId(stream_) : "";
    FL_ASSIGN_OR_RETURN(std::vector<sources::Topic> topics, sources::SourceTopics(spec_));
    for (sources::Topic t : topics) {
      const std::string_view name = sources::TopicName(t);
      Target& target = bronze_[static_cast<int>(t)];
      target.path = BronzeTablePath(o_.lake, name);
      target.layout = BronzeLayout();
      FL_RETURN_NOT_OK(ReadPosition(fs_, target, app_id_, digest_app_id_));
    }
    errors_.path = ErrorsTablePath(o_.lake);
    errors_.layout = ErrorsLayout();
    const bool has_errors = spec_.name == "csv";
    if (has_errors) {
      FL_RETURN_NOT_OK(ReadPosition(fs_, errors_, app_id_, digest_app_id_));
    }

    // Replayed files resume by ordinal: check that they still hold the recorded records, by
    // the digest of the records up to each table's position (a table written before digests
    // were recorded has none), and by the Bronze row at its position where it can be found
    // (which names the record that differs).
    if (check_files_) {
      std::vector<Target*> targets;
      for (auto& [topic, target] : bronze_) targets.push_back(&target);
      if (has_errors) targets.push_back(&errors_);
      for (Target* t : targets) {
        if (t->version >= 1 && t->DigestValid()) {
          expected_digests_.push_back(ExpectedDigest{t->version, t->digest, 0});
        }
      }
      for (auto& [topic, target] : bronze_) {
        if (target.table == nullptr || target.version < 1) continue;
        std::string warning;
        FL_ASSIGN_OR_RETURN(
            std::optional<RecordedRow> row,
            FindRecordedRow(target.table->table(), app_id_, target.version, 1000, &warning));
        if (row) expected_[row->offset] = std::move(*row);
        if (!row && !target.DigestValid() && warning.empty()) {
          warning = fmt::format(
              "record {} is not found in the commits kept in the log and no digest of the "
              "records up to it was recorded (the table was last written by an older version): "
              "cannot check that the input files did not change",
              target.version);
        }
        if (!warning.empty() && !target.DigestValid()) {
          std::fprintf(stderr, "ingest: warning: %s: %s; resuming after it\n", target.path.c_str(),
                       warning.c_str());
        }
      }
    }

    int64_t resume = INT64_MAX;
    for (auto& [topic, target] : bronze_) resume = std::min(resume, target.version);
    if (has_errors) resume = std::min(resume, errors_.version);
    if (resume == INT64_MAX) resume = -1;
    last_seen_ = std::max<int64_t>(resume, 0);
    const std::string resume_after =
        sources::PositionIsOffset(spec_) && resume > 0 ? std::to_string(resume) : "";
    FL_ASSIGN_OR_RETURN(
        std::unique_ptr<sources::Source> source,
        sources::MakeSource(spec_, resume_after,
                            [this](const sources::MalformedRecord& m) { return OnMalformed(m); }));

    const size_t batch_size = BatchSize();
    std::vector<sources::Event> events;
    while (!Stopped()) {
      // A poller about to sleep until its next poll: what it gave us is due now, not then.
      if (buffered_rows_ > 0 && !ChecksPending() && source->WillWait()) {
        FL_RETURN_NOT_OK(FlushWithRetries(false));
      }
      FL_ASSIGN_OR_RETURN(size_t n, source->NextBatch(&events, batch_size));
      if (n == 0) {
        if (!Stopped() && !sources::WaitsInterrupted()) {
          if (!expected_.empty()) {
            const RecordedRow& gone = expected_.begin()->second;
            return Changed(
                fmt::format("record {} ({}) is no longer in them", gone.offset, gone.position));
          }
        }
        // (The last call may have reported malformed records.)
        if (!expected_digests_.empty()) FL_RETURN_NOT_OK(CheckDigests());
        if (!Stopped() && !sources::WaitsInterrupted()) {
          if (!expected_digests_.empty()) {
            return Changed(fmt::format("they end before record {}, which the lake holds",
                                       expected_digests_.front().position));
          }
        }
        break;
      }
      const int64_t now = WallMicros();
      for (const sources::Event& e : events) {
        ++progress_.events_in;
        const int64_t offset = static_cast<int64_t>(e.offset);
        last_seen_ = std::max(last_seen_, offset);
        auto it = bronze_.find(static_cast<int>(e.topic));
        if (it == bronze_.end()) {
          return Status::Internal(
              fmt::format("source emitted an unexpected topic {}", sources::TopicName(e.topic)));
        }
        FL_RETURN_NOT_OK(Seen(offset, e.event_id, e.position));
        if (offset <= it->second.version) {
          ++progress_.skipped;
          continue;
        }
        BronzeRecord r;
        r.payload = e.payload;
        r.kafka_key = e.key;
        r.topic = sources::TopicName(e.topic);
        r.offset = offset;
        r.source_position = e.position;
        if (buffered_rows_ == 0) first_buffered_ms_ = MonotonicMs();
        BronzeBatchBuilder& b = Builder(e.topic);
        const int64_t before = b.bytes();
        b.Append(r, now);
        buffered_bytes_ += b.bytes() - before;
        ++buffered_rows_;
      }
      if (!expected_digests_.empty()) FL_RETURN_NOT_OK(CheckDigests());
      if (ShouldFlush()) FL_RETURN_NOT_OK(FlushWithRetries(false));
    }
    // Stopped before every recorded position was checked: nothing of this run is written (the
    // next run checks again).
    if (ChecksPending()) return progress_;
    FL_RETURN_NOT_OK(FlushWithRetries(true));
    return progress_;
  }

 private:
  bool Stopped() const { return o_.stop != nullptr && o_.stop->load(); }

  size_t BatchSize() const {
    // No more than a commit's rows (a batch is taken whole before the flush check, so a larger
    // one would overshoot --max-rows).
    const auto max_rows = static_cast<size_t>(std::max<int64_t>(o_.flush.max_rows, 1));
    // A paced source blocks inside NextBatch for the whole batch: keep batches to ~50 ms.
    double rate = 0;
    if (auto it = spec_.flags.find("rate"); it != spec_.flags.end())
      rate = std::atof(it->second.c_str());
    if (rate > 0)
      return std::min(max_rows, static_cast<size_t>(std::clamp(rate / 20, 1.0, 4096.0)));
    if (auto it = spec_.flags.find("speed");
        it != spec_.flags.end() && std::atof(it->second.c_str()) > 0) {
      return std::min<size_t>(max_rows, 64);
    }
    return std::min<size_t>(max_rows, 4096);
  }

  BronzeBatchBuilder& Builder(sources::Topic t) { return builders_[static_cast<int>(t)]; }

  // The files changed under a stream that resumes by ordinal: going on would skip or repeat
  // records, so stop before writing anything.
  Status Changed(const std::string& what) const {
    // Card transactions are identified by file and line, so another stream of the changed files
    // would add every one again; price bars by ticker and time, which Silver deduplicates.
    const bool cards = bronze_.count(static_cast<int>(sources::Topic::kBankTransactions)) > 0;
    return Status::FailedPrecondition(fmt::format(
        "ingest: the input files of stream '{}' changed since it last ran: {}; {}", stream_, what,
        cards ? "restore them (card transactions are identified by file and line, so ingesting "
                "the changed files as a new stream would add all of them again)"
              : "restore them, or ingest them as a new stream (--stream-id NAME; Silver drops "
                "the bars already there)"));
  }

  // Every record (an event or a malformed one): adds it to the digests and checks it against
  // the Bronze row recorded at its ordinal, if any.
  Status Seen(int64_t offset, std::string_view event_id, std::string_view position) {
    if (!check_files_) return Status::OK();
    const uint64_t h = RecordHash(offset, event_id, position);
    digest_sum_ += h;
    for (ExpectedDigest& e : expected_digests_) {
      if (offset <= e.position) e.sum += h;
    }
    if (!expected_.empty()) FL_RETURN_NOT_OK(CheckRecorded(offset, event_id, position));
    return Status::OK();
  }

  // After a batch (every record up to last_seen_ seen), before anything of it is committed:
  // the digests recorded at positions up to last_seen_.
  Status CheckDigests() {
    for (auto it = expected_digests_.begin(); it != expected_digests_.end();) {
      if (it->position > last_seen_) {
        ++it;
        continue;
      }
      if (DigestValue(it->sum) != it->recorded) {
        return Changed(fmt::format(
            "the records up to record {} are not the ones ingested: a record up to it was "
            "changed, inserted or removed",
            it->position));
      }
      it = expected_digests_.erase(it);
    }
    return Status::OK();
  }

  Status CheckRecorded(int64_t offset, std::string_view event_id, std::string_view position) {
    auto it = expected_.find(offset);
    if (it == expected_.end()) return Status::OK();
    const RecordedRow& want = it->second;
    // Bronze stores a position that is not UTF-8 (a Latin-1 file name) with U+FFFD; rows
    // written before that hold the raw bytes.
    std::string scratch;
    const std::string_view stored = Utf8OrReplaced(position, &scratch);
    if (want.event_id != event_id || (want.position != stored && want.position != position)) {
      return Changed(fmt::format("record {} was {} (event {}), now it is {} (event {})", offset,
                                 want.position, want.event_id, position,
                                 event_id.empty() ? std::string_view("none") : event_id));
    }
    expected_.erase(it);
    return Status::OK();
  }

  Status OnMalformed(const sources::MalformedRecord& m) {
    const int64_t offset = static_cast<int64_t>(m.offset);
    FL_RETURN_NOT_OK(Seen(offset, "", m.position));
    last_seen_ = std::max(last_seen_, offset);
    ++progress_.events_in;
    if (offset <= errors_.version) {
      ++progress_.skipped;
      return Status::OK();
    }
    if (buffered_rows_ == 0) first_buffered_ms_ = MonotonicMs();
    const std::string reason = "malformed CSV record: " + m.reason;
    const int64_t before = error_rows_.bytes();
    error_rows_.Append(ErrorRow{WallMicros(), "ingest", m.file, reason, m.raw, m.position});
    buffered_bytes_ += error_rows_.bytes() - before;
    ++buffered_rows_;
    return Status::OK();
  }

  // Records the lake holds not yet checked against the files: until they are, nothing is
  // committed (a table behind the others would otherwise record rows, and a digest, of files
  // that turn out to have changed, and refuse the restored files afterwards). The rows buffered
  // meanwhile are those of the tables behind the others: at most about a flush's worth after a
  // crash between two tables' commits.
  bool ChecksPending() const { return !expected_digests_.empty() || !expected_.empty(); }

  bool ShouldFlush() const {
    if (buffered_rows_ == 0 || ChecksPending()) return false;
    return buffered_rows_ >= o_.flush.max_rows || buffered_bytes_ >= o_.flush.max_bytes ||
           MonotonicMs() - first_buffered_ms_ >= o_.flush.max_latency_ms;
  }

  // Commits `batch` to `target` with our txn at last_seen_.
  Status CommitTo(Target& target, const columnar::RecordBatch& batch, int64_t* counter) {
    if (!target.table) {
      FL_ASSIGN_OR_RETURN(target.table,
                          ExactlyOnceTable::OpenOrCreate(fs_, target.path, target.layout));
    }
    const int64_t t0 = MonotonicMs();
    std::vector<TxnAdvance> txns = {TxnAdvance{app_id_, target.version, last_seen_}};
    if (check_files_) {
      txns.push_back(TxnAdvance{digest_app_id_, target.digest, DigestValue(digest_sum_)});
      txns.push_back(TxnAdvance{digest_app_id_ + ":at", target.digest_at, last_seen_});
    }
    FL_ASSIGN_OR_RETURN(TxnCommitResult r, target.table->Commit(batch, txns, stream_));
    if (!r.stale_app_ids.empty()) {
      FL_ASSIGN_OR_RETURN(int64_t now_at, target.table->TxnVersion(app_id_));
      if (retrying_ && now_at == last_seen_) {
        // An attempt whose outcome was unknown (it failed after its log entry landed) did
        // commit these rows: done.
        target.version = last_seen_;
        if (check_files_) {
          target.digest = DigestValue(digest_sum_);
          target.digest_at = last_seen_;
        }
        *counter += batch.num_rows();
        ++progress_.commits;
        progress_.table_rows[target.path] += batch.num_rows();
        return Status::OK();
      }
      return Status::Aborted(fmt::format(
          "ingest: another process is writing stream '{}' to {} (its position moved from {} to "
          "{}); run one ingest per stream",
          stream_, target.path, target.version, now_at));
    }
    target.version = last_seen_;
    if (check_files_) {
      target.digest = DigestValue(digest_sum_);
      target.digest_at = last_seen_;
    }
    *counter += batch.num_rows();
    ++progress_.commits;
    progress_.last_commit_ms = static_cast<double>(MonotonicMs() - t0);
    progress_.table_versions[target.path] = r.version;
    progress_.table_rows[target.path] += batch.num_rows();
    return Status::OK();
  }

  // Flush, retrying IO failures with backoff while the source waits (see the options).
  Status FlushWithRetries(bool final) {
    Status st = Flush(final);
    for (int attempt = 1; !st.ok() && attempt <= o_.commit_retries && !Stopped(); ++attempt) {
      if (st.code() != StatusCode::kIOError && st.code() != StatusCode::kUnavailable) break;
      const int64_t wait_ms = static_cast<int64_t>(o_.retry_base_ms) << (attempt - 1);
      std::fprintf(stderr, "ingest: commit failed (%s); retry %d of %d in %lld ms, source paused\n",
                   st.message().c_str(), attempt, o_.commit_retries,
                   static_cast<long long>(wait_ms));
      ++progress_.commit_retries;
      // In slices, so that Ctrl-C does not wait out the pause; a stop still tries once more
      // (a poller's events cannot be fetched again), then ends with the error if it fails.
      const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
      while (!Stopped() && std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      retrying_ = true;
      st = Flush(final);
      retrying_ = false;
    }
    return st;
  }

  Status Flush(bool final) {
    for (auto& [topic, target] : bronze_) {
      BronzeBatchBuilder& b = builders_[topic];
      if (!target.pending) {
        // A final flush also records the position in tables that got no new rows, so the next
        // run does not have to replay for them.
        const bool txn_only = final && b.rows() == 0 && target.version < last_seen_ &&
                              (target.table != nullptr || target.version >= 0);
        if (b.rows() == 0 && !txn_only) continue;
        target.pending = b.Finish();
      }
      FL_RETURN_NOT_OK(CommitTo(target, *target.pending, &progress_.rows_committed));
      target.pending.reset();
    }
    if (!errors_.pending && (error_rows_.rows() > 0 ||
                             (final && errors_.table != nullptr && errors_.version < last_seen_))) {
      errors_.pending = error_rows_.Finish();
    }
    if (errors_.pending) {
      FL_RETURN_NOT_OK(CommitTo(errors_, *errors_.pending, &progress_.errors_committed));
      errors_.pending.reset();
    }
    buffered_rows_ = 0;
    buffered_bytes_ = 0;
    progress_.buffered_bytes = 0;
    if (o_.on_commit) o_.on_commit(progress_);
    return Status::OK();
  }

  const SourceIngestOptions& o_;
  std::shared_ptr<io::FileSystem> fs_;
  sources::SourceSpec spec_;
  std::string stream_;
  std::string app_id_;
  bool check_files_ = false;  // a stream of replayed files, resumed by ordinal
  std::string digest_app_id_;
  uint64_t digest_sum_ =
      0;  // of the records seen so far (all of them up to last_seen_ between batches)
  std::vector<ExpectedDigest> expected_digests_;  // not checked yet
  std::map<int, Target> bronze_;  // by topic
  std::map<int, BronzeBatchBuilder> builders_;
  Target errors_;
  ErrorRowsBuilder error_rows_;
  int64_t last_seen_ = 0;
  int64_t buffered_rows_ = 0;
  int64_t buffered_bytes_ = 0;
  int64_t first_buffered_ms_ = 0;
  bool retrying_ = false;                    // in a retry of a failed flush
  std::map<int64_t, RecordedRow> expected_;  // by offset: recorded rows not yet met again
  IngestProgress progress_;
};

}  // namespace

std::string SourceAppId(const std::string& stream_id) {
  return "financelake-ingest:source:" + stream_id;
}

std::string SourceDigestAppId(const std::string& stream_id) {
  return "financelake-ingest:source-digest:" + stream_id;
}

Result<IngestProgress> RunSourceIngest(const SourceIngestOptions& options) {
  SourceIngest ingest(options);
  return ingest.Run();
}

}  // namespace financelake::pipeline
