#include "financelake/pipeline/kafka_ingest.h"

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <thread>

#include "financelake/io/posix_filesystem.h"
#include "financelake/kafka/consumer.h"
#include "financelake/kafka/record_reader.h"
#include "financelake/pipeline/bronze_batch.h"
#include "financelake/pipeline/bronze_schema.h"
#include "financelake/pipeline/exactly_once_table.h"
#include "financelake/pipeline/resume_check.h"

namespace financelake::pipeline {
namespace {

using financelake::KafkaOffset;
using kafka::TopicPartition;

struct PartitionState {
  int64_t base = -1;  // the partition's txn version in the table when this buffer started
  int64_t last = -1;  // last offset buffered (or committed); -1: nothing yet
};

struct TopicState {
  std::unique_ptr<ExactlyOnceTable> table;
  BronzeBatchBuilder rows;
  // A batch whose commit failed, kept for the retry (partitions are paused meanwhile, so no new
  // rows arrive before it is committed or the process gives up).
  std::optional<columnar::RecordBatch> pending;
  // A commit found a partition advanced by someone else and the topic's buffer was dropped: its
  // partitions must be read again from the lake's positions (Reseek) before anything of the
  // topic is buffered. Stays set while that fails, so a retry does it again.
  bool reseek = false;
  // Reseek succeeded during the current poll batch: the batch's remaining messages of the topic
  // were fetched before the seek and come again from the new positions.
  bool seeked_in_batch = false;
};

class KafkaIngest {
 public:
  explicit KafkaIngest(const KafkaIngestOptions& o) : o_(o) {}

  Result<IngestProgress> Run() {
    fs_ = o_.fs ? o_.fs : io::PosixFileSystem();
    if (o_.topics.empty()) return Status::InvalidArgument("--topics: no topic given");
    for (const std::string& t : o_.topics) topics_[t];  // the tables come after the broker checks
    kafka::ConsumerOptions co;
    co.brokers = o_.brokers;
    co.group_id = o_.group;
    co.client_id = "financelake-ingest";
    co.topics = o_.topics;
    co.extra = o_.settings;
    // Bound librdkafka's own prefetch buffer next to ours.
    const int64_t prefetch_kb = std::max<int64_t>(1024, std::min<int64_t>(65536, o_.max_buffered_bytes / 2048));
    co.extra.insert(co.extra.begin(), {"queued.max.messages.kbytes", std::to_string(prefetch_kb)});
    // A member that dies without leaving (kill -9, a crash) holds its partitions until its
    // session times out, and a restarted or added member waits that long for them: 10 s rather
    // than librdkafka's 45 s. Overridable like every setting (--kafka-setting).
    co.extra.insert(co.extra.begin(), {"heartbeat.interval.ms", "1000"});
    co.extra.insert(co.extra.begin(), {"session.timeout.ms", "10000"});
    co.on_rebalance = [this](kafka::RebalanceEvent& e) { return OnRebalance(e); };
    FL_ASSIGN_OR_RETURN(consumer_, kafka::Consumer::Open(co));
    FL_RETURN_NOT_OK(consumer_->WaitForBroker(std::chrono::milliseconds(o_.connect_timeout_ms)));
    std::map<TopicPartition, KafkaOffset> targets;
    Status st = Start(&targets);
    if (st.ok()) st = Loop(targets);
    if (st.ok()) st = Flush();
    Status closed = consumer_->Close();  // the final revoke commits anything left
    if (!st.ok()) return st;
    if (!pending_.ok()) return pending_;
    FL_RETURN_NOT_OK(closed);
    return progress_;
  }

 private:
  // The checks before reading: the end offsets (the targets of --once), the tables, and the
  // lake's positions against the partitions' ends.
  Status Start(std::map<TopicPartition, KafkaOffset>* targets) {
    Result<std::map<TopicPartition, KafkaOffset>> ends =
        consumer_->HighWatermarks(std::chrono::milliseconds(o_.connect_timeout_ms));
    if (o_.once) {
      FL_ASSIGN_OR_RETURN(*targets, ends);
    }
    // Only now, with the broker reachable (and with --once the topics there), are the Bronze
    // tables opened or created: a failed start writes nothing.
    FL_RETURN_NOT_OK(OpenTables());
    if (!ends.ok()) {
      // Without --once a topic may not exist yet: there is nothing to check it against.
      std::fprintf(stderr,
                   "ingest: the partitions' end offsets could not be read (%s); the lake's "
                   "positions are not checked against them\n",
                   ends.status().message().c_str());
      return Status::OK();
    }
    return CheckLakeNotAhead(*ends);
  }

  Status Loop(const std::map<TopicPartition, KafkaOffset>& targets) {
    int64_t last_lag_ms = 0;
    while (!(o_.stop != nullptr && o_.stop->load())) {
      auto polled = consumer_->Poll(20000, std::chrono::milliseconds(50));
      if (!polled.ok() && consumer_->offsets_gone()) {
        return Status::DataLoss(
            polled.status().message() +
            "; to accept the loss and go on from the earliest offset, run once with "
            "--kafka-setting auto.offset.reset=earliest");
      }
      FL_ASSIGN_OR_RETURN(std::vector<kafka::Message> batch, std::move(polled));
      if (!pending_.ok()) return pending_;
      const int64_t now = WallMicros();
      for (auto& [topic, ts] : topics_) ts.seeked_in_batch = false;
      for (const kafka::Message& m : batch) {
        Buffer(m, now);
        // The buffer cap holds within a poll batch too.
        if (buffered_bytes_ >= o_.max_buffered_bytes) FL_RETURN_NOT_OK(FlushWithBackPressure());
      }
      if (ShouldFlush()) FL_RETURN_NOT_OK(FlushWithBackPressure());
      if (o_.metrics != nullptr && MonotonicMs() - last_lag_ms >= 1000) {
        last_lag_ms = MonotonicMs();
        o_.metrics->ClearLag();
        // Behind the end by what is not in the table yet: records fetched and buffered but not
        // committed still count (a lag of 0 with 5,000 records waiting told lag tools otherwise).
        for (const kafka::PartitionLag& l : consumer_->Lag()) {
          auto ps = parts_.find(l.partition);
          if (!l.high_watermark || ps == parts_.end()) continue;
          const int64_t lag =
              std::max<int64_t>(0, l.high_watermark->value() - (ps->second.base + 1));
          o_.metrics->SetLag(l.partition.topic, l.partition.partition.value(), lag);
        }
      }
      // A member the group gave no partition is caught up too (CaughtUp waits for an
      // assignment, empty or not, after the start and after every revocation): with more
      // members than partitions it would never end.
      if (o_.once && batch.empty() && consumer_->CaughtUp(targets)) {
        return Status::OK();
      }
    }
    return Status::OK();
  }

  void Buffer(const kafka::Message& m, int64_t now) {
    TopicPartition tp = m.topic_partition();
    auto ps = parts_.find(tp);
    if (ps == parts_.end()) return;  // revoked meanwhile
    const int64_t offset = m.offset().value();
    if (offset <= ps->second.last) return;  // already buffered or in the table
    TopicState& ts = topics_[tp.topic];
    if (ts.reseek || ts.seeked_in_batch) return;  // read again from the lake's position
    BronzeRecord r;
    r.payload = m.payload();
    if (m.has_key()) r.kafka_key = m.key();
    r.topic = m.topic();
    r.partition = tp.partition.value();
    r.offset = offset;
    if (m.timestamp()) r.kafka_timestamp_us = m.timestamp()->value();
    if (buffered_rows_ == 0) first_buffered_ms_ = MonotonicMs();
    const int64_t before = ts.rows.bytes();
    ts.rows.Append(r, now);
    buffered_bytes_ += ts.rows.bytes() - before;
    ++buffered_rows_;
    if (o_.metrics != nullptr) o_.metrics->SetBufferedBytes(buffered_bytes_);
    ps->second.last = offset;
    if (progress_.events_in == 0) progress_.first_record_ms = MonotonicMs();
    ++progress_.events_in;
    if (o_.metrics != nullptr) o_.metrics->AddIn(tp.topic, 1);
  }

  bool ShouldFlush() const {
    if (buffered_rows_ == 0) return false;
    return buffered_rows_ >= o_.flush.max_rows || buffered_bytes_ >= o_.flush.max_bytes ||
           buffered_bytes_ >= o_.max_buffered_bytes ||
           MonotonicMs() - first_buffered_ms_ >= o_.flush.max_latency_ms;
  }

  // Commits; while commits fail (a full disk, a slow filesystem) the partitions stay paused so
  // the buffer does not grow, and the commit is retried with backoff.
  Status FlushWithBackPressure() {
    Status st = Flush();
    if (st.ok()) return st;
    const StatusCode code = st.code();
    if (code != StatusCode::kIOError && code != StatusCode::kUnavailable) return st;
    std::vector<TopicPartition> assigned(consumer_->assignment().begin(),
                                         consumer_->assignment().end());
    (void)consumer_->Pause(assigned);
    for (int attempt = 1; attempt <= 8 && !st.ok(); ++attempt) {
      if (o_.metrics != nullptr) o_.metrics->AddError("commit_retry");
      std::fprintf(stderr, "ingest: commit failed (%s); retrying in %d ms with partitions paused\n",
                   st.message().c_str(), 100 << attempt);
      // In slices, so that Ctrl-C does not wait out the pauses (51 s in all): a stop tries once
      // more, then ends with the error (the rows are read again from the lake's position).
      const auto until =
          std::chrono::steady_clock::now() + std::chrono::milliseconds(100 << attempt);
      const auto stopped = [this] { return o_.stop != nullptr && o_.stop->load(); };
      while (!stopped() && std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      st = Flush();
      if (stopped()) break;
    }
    if (st.ok()) (void)consumer_->Resume(assigned);
    return st;
  }

  Status Flush() {
    for (auto& [topic, ts] : topics_) {
      if (ts.reseek) {  // a previous attempt failed: nothing of the topic is buffered
        FL_RETURN_NOT_OK(Reseek(topic, ts));
        continue;
      }
      if (!ts.pending && ts.rows.rows() == 0) continue;
      std::vector<TxnAdvance> txns;
      std::vector<TopicPartition> covered;
      for (auto& [tp, ps] : parts_) {
        if (tp.topic != topic || ps.last <= ps.base) continue;
        txns.push_back({KafkaAppId(o_.group, topic, tp.partition.value()), ps.base, ps.last});
        covered.push_back(tp);
      }
      if (!ts.pending) ts.pending = ts.rows.Finish();
      const columnar::RecordBatch& batch = *ts.pending;
      const int64_t t0 = MonotonicMs();
      FL_ASSIGN_OR_RETURN(TxnCommitResult r, ts.table->Commit(batch, txns, o_.group));
      if (!r.stale_app_ids.empty()) {
        ts.pending.reset();
        ts.reseek = true;
        FL_RETURN_NOT_OK(Reseek(topic, ts));
        continue;
      }
      const double ms = static_cast<double>(MonotonicMs() - t0);
      std::map<TopicPartition, KafkaOffset> next;
      for (const TopicPartition& tp : covered) {
        PartitionState& ps = parts_[tp];
        ps.base = ps.last;
        next[tp] = KafkaOffset(ps.last + 1);
      }
      if (o_.commit_kafka_offsets) (void)consumer_->CommitOffsets(next);  // advisory only
      ++progress_.commits;
      progress_.rows_committed += batch.num_rows();
      progress_.last_commit_ms = ms;
      progress_.table_versions[ts.table->path()] = r.version;
      progress_.table_rows[ts.table->path()] += batch.num_rows();
      if (o_.metrics != nullptr) {
        o_.metrics->AddCommitted(topic, batch.num_rows());
        o_.metrics->ObserveCommit(ms / 1000.0);
      }
      ts.pending.reset();
    }
    buffered_rows_ = 0;
    buffered_bytes_ = 0;
    if (o_.metrics != nullptr) o_.metrics->SetBufferedBytes(0);
    if (o_.on_commit) o_.on_commit(progress_);
    return Status::OK();
  }

  // Someone else advanced a partition of `topic` in the lake: its buffered rows were dropped
  // (Finish() emptied the builder), so read all its partitions again from the lake's positions.
  // All or nothing: the positions change only once the seek has succeeded, so a failure leaves
  // `ts.reseek` set and the next Flush() starts over.
  Status Reseek(const std::string& topic, TopicState& ts) {
    if (o_.metrics != nullptr) o_.metrics->AddError("lost_race");
    std::vector<std::string> app_ids;
    for (const auto& [tp, ps] : parts_) {
      if (tp.topic == topic) app_ids.push_back(KafkaAppId(o_.group, topic, tp.partition.value()));
    }
    FL_ASSIGN_OR_RETURN(auto versions, ts.table->TxnVersions(app_ids));
    std::map<TopicPartition, KafkaOffset> seek;
    for (const auto& [tp, ps] : parts_) {
      if (tp.topic != topic) continue;
      const int64_t v = versions.at(KafkaAppId(o_.group, topic, tp.partition.value()));
      seek[tp] = v >= 0 ? KafkaOffset(v + 1) : kafka::kOffsetBeginning;
    }
    FL_RETURN_NOT_OK(consumer_->Seek(seek));
    for (auto& [tp, ps] : parts_) {
      if (tp.topic != topic) continue;
      const int64_t v = versions.at(KafkaAppId(o_.group, topic, tp.partition.value()));
      ps.base = ps.last = v;
    }
    ts.reseek = false;
    ts.seeked_in_batch = true;
    std::fprintf(stderr, "ingest: another consumer committed partitions of %s; re-reading them from the lake\n",
                 topic.c_str());
    return Status::OK();
  }

  // Opens (or creates) each topic's Bronze table once.
  Status OpenTables() {
    for (auto& [t, ts] : topics_) {
      if (ts.table) continue;
      FL_ASSIGN_OR_RETURN(ts.table, ExactlyOnceTable::OpenOrCreate(fs_, BronzeTablePath(o_.lake, t), BronzeLayout()));
    }
    return Status::OK();
  }

  Status OnRebalance(kafka::RebalanceEvent& e) {
    // Should librdkafka serve a rebalance during the start-up checks, the tables are needed now.
    if (Status st = OpenTables(); !st.ok()) {
      pending_ = st;
      return st;
    }
    if (e.kind == kafka::RebalanceEvent::Kind::kRevoke) {
      Status st;
      if (!e.lost) {
        st = Flush();  // hand the partitions over with everything committed
      } else {
        for (auto& [topic, ts] : topics_) {  // the new owner re-reads them
          ts.rows.Clear();
          ts.pending.reset();
        }
        buffered_rows_ = buffered_bytes_ = 0;
        if (o_.metrics != nullptr) o_.metrics->SetBufferedBytes(0);
      }
      if (!st.ok()) {
        for (auto& [topic, ts] : topics_) {
          ts.rows.Clear();
          ts.pending.reset();
        }
        buffered_rows_ = buffered_bytes_ = 0;
        if (o_.metrics != nullptr) o_.metrics->SetBufferedBytes(0);
        pending_ = st;
      }
      for (const TopicPartition& tp : e.partitions) parts_.erase(tp);
      return st;
    }
    for (const TopicPartition& tp : e.partitions) {
      auto ts = topics_.find(tp.topic);
      if (ts == topics_.end()) continue;
      FL_ASSIGN_OR_RETURN(int64_t v, ts->second.table->TxnVersion(
                                         KafkaAppId(o_.group, tp.topic, tp.partition.value())));
      parts_[tp] = PartitionState{v, v};
      e.start_offsets[tp] = v >= 0 ? KafkaOffset(v + 1) : kafka::kOffsetBeginning;
    }
    return Status::OK();
  }

  // A partition that ends before the lake's position for it is another partition than the one
  // the lake read: the topic was deleted and made again, or the broker restarted empty (the dev
  // broker keeps nothing). Reading on from the lake's position would skip its messages silently
  // (they are below it), so that is refused at start, before anything is read. (One that has
  // already grown past the position is told apart by its record there: CheckRecordsAtPositions.)
  // Checked at start against the end offsets asked for then, not in the rebalance callback (a
  // blocking lookup there could stall the group): a topic made again while ingest runs is not
  // caught here.
  Status CheckLakeNotAhead(const std::map<TopicPartition, KafkaOffset>& ends) {
    // The lake's position of every partition, from one snapshot per topic.
    std::map<std::string, std::vector<std::string>> app_ids;
    for (const auto& [tp, at_start] : ends) {
      if (topics_.count(tp.topic) == 0) continue;
      app_ids[tp.topic].push_back(KafkaAppId(o_.group, tp.topic, tp.partition.value()));
    }
    std::map<std::string, std::map<std::string, int64_t>> positions;
    for (const auto& [topic, ids] : app_ids) {
      FL_ASSIGN_OR_RETURN(positions[topic], topics_.at(topic).table->TxnVersions(ids));
    }
    std::optional<std::map<TopicPartition, KafkaOffset>> fresh;
    std::map<TopicPartition, KafkaOffset> past;  // partitions that end beyond the lake's position
    for (const auto& [tp, at_start] : ends) {
      auto topic = positions.find(tp.topic);
      if (topic == positions.end()) continue;
      const int64_t v = topic->second.at(KafkaAppId(o_.group, tp.topic, tp.partition.value()));
      if (v < 0) continue;
      if (at_start.value() > v) {
        past[tp] = KafkaOffset(v);
        continue;
      }
      // Another member of the group may have committed past the ends read before `v`: ask again,
      // now that `v` is known (a partition's end only grows).
      if (!fresh) {
        FL_ASSIGN_OR_RETURN(
            fresh, consumer_->HighWatermarks(std::chrono::milliseconds(o_.connect_timeout_ms)));
      }
      const auto now = fresh->find(tp);
      if (now == fresh->end() || now->second.value() > v) continue;
      const KafkaOffset end = now->second;
      return Status::FailedPrecondition(fmt::format(
          "kafka: {}: the lake has read it up to offset {} (group {}), but the partition's next "
          "offset is only {}: the topic was made again or the broker restarted empty, and "
          "reading on from offset {} would skip its new messages, so nothing is read; to take "
          "the new topic as a new stream, ingest it with another --group",
          tp.ToString(), v, o_.group, end.value(), v + 1));
    }
    return CheckRecordsAtPositions(past);
  }

  // A partition made again that has already grown past the lake's position holds another
  // record at that position than the one the lake read there: compared with the Bronze row the
  // group wrote for it (payload bytes and Kafka timestamp). Not compared (nothing to compare
  // with, said on stderr when Kafka is the missing side): a record the broker does not answer
  // for, one it no longer has, a row whose commit is more than 1000 commits old or was cleaned
  // from the log, or whose files were compacted and vacuumed, or a Bronze file that cannot be
  // read (the check only guards against a topic made again; it stops nothing else).
  Status CheckRecordsAtPositions(const std::map<TopicPartition, KafkaOffset>& positions) {
    if (positions.empty()) return Status::OK();
    auto read = kafka::ReadRecordsAt(o_.brokers, o_.settings, positions,
                                     std::chrono::milliseconds(o_.connect_timeout_ms), o_.stop);
    if (!read.ok()) {
      // Stopped (Ctrl-C): the run that follows reads nothing and ends.
      if (read.status().code() == StatusCode::kAborted) return Status::OK();
      std::fprintf(stderr,
                   "ingest: the records at the lake's positions could not be read (%s); they are "
                   "not compared with Bronze\n",
                   read.status().message().c_str());
      return Status::OK();
    }
    std::map<std::string, std::vector<WantedKafkaRow>> wanted;    // by topic
    std::map<std::string, const kafka::StoredRecord*> record_at;  // by position
    std::vector<std::string> unanswered;
    for (const auto& [tp, v] : positions) {
      auto r = read->records.find(tp);
      if (r == read->records.end()) {
        unanswered.push_back(fmt::format("{} offset {}", tp.ToString(), v.value()));
        continue;
      }
      if (!r->second) continue;
      WantedKafkaRow w{KafkaAppId(o_.group, tp.topic, tp.partition.value()),
                       fmt::format("{}/{}", tp.ToString(), v.value()), v.value()};
      record_at[w.position] = &*r->second;
      wanted[tp.topic].push_back(std::move(w));
    }
    if (!unanswered.empty()) {
      std::fprintf(stderr,
                   "ingest: no answer within %lld ms for the record at %s%s%s; not compared with "
                   "Bronze\n",
                   static_cast<long long>(o_.connect_timeout_ms),
                   fmt::format("{}", fmt::join(unanswered, ", ")).c_str(),
                   read->last_error.empty() ? "" : " (last error: ",
                   read->last_error.empty() ? "" : (read->last_error + ")").c_str());
    }
    for (const auto& [topic, rows] : wanted) {
      auto found = FindRecordedKafkaRows(topics_.at(topic).table->table(), rows);
      if (!found.ok()) {
        std::fprintf(stderr,
                     "ingest: %s: the Bronze rows at the lake's positions could not be read "
                     "(%s); they are not compared with Kafka's records\n",
                     topic.c_str(), found.status().ToString().c_str());
        continue;
      }
      for (const WantedKafkaRow& w : rows) {
        auto row = found->find(w.position);
        if (row == found->end()) continue;
        const kafka::StoredRecord* record = record_at.at(w.position);
        const bool same_time =
            record->timestamp.has_value() == row->second.kafka_timestamp_us.has_value() &&
            (!record->timestamp || record->timestamp->value() == *row->second.kafka_timestamp_us);
        if (row->second.payload == record->payload && same_time) continue;
        return Status::FailedPrecondition(fmt::format(
            "kafka: {}: the record at offset {} is not the one the lake read there (group {}): "
            "the topic was made again or the broker restarted empty, and reading on from offset "
            "{} would skip the new partition's earlier messages, so nothing is read; to take the "
            "new topic as a new stream, ingest it with another --group",
            w.position.substr(0, w.position.rfind('/')), w.version, o_.group, w.version + 1));
      }
    }
    return Status::OK();
  }

  const KafkaIngestOptions& o_;
  std::shared_ptr<io::FileSystem> fs_;
  std::map<std::string, TopicState> topics_;
  std::map<TopicPartition, PartitionState> parts_;
  int64_t buffered_rows_ = 0;
  int64_t buffered_bytes_ = 0;
  int64_t first_buffered_ms_ = 0;
  Status pending_;
  IngestProgress progress_;
  // Last, so destroyed first: closing it may still serve a rebalance into OnRebalance, which
  // needs every member above.
  std::unique_ptr<kafka::Consumer> consumer_;
};

}  // namespace

std::string KafkaAppId(const std::string& group, const std::string& topic, int32_t partition) {
  return fmt::format("financelake-ingest:{}:{}:{}", group, topic, partition);
}

Result<IngestProgress> RunKafkaIngest(const KafkaIngestOptions& options) {
  KafkaIngest ingest(options);
  return ingest.Run();
}

}  // namespace financelake::pipeline
