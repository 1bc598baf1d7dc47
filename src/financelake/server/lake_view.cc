#include "financelake/server/lake_view.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <thread>
#include <variant>

#include "financelake/delta/log.h"
#include "financelake/delta/table.h"
#include "financelake/io/path.h"
#include "financelake/sql/lake_catalog.h"

namespace financelake::server {
namespace {

constexpr size_t kMaxCached = 512;
// How far back the first poll of a table looks for its latest data commit.
constexpr int64_t kMaxCommitsBack = 1000;

}  // namespace

Result<std::unique_ptr<LakeView>> LakeView::Open(std::shared_ptr<io::FileSystem> fs, std::string lake) {
  std::unique_ptr<LakeView> v(new LakeView(std::move(fs), std::move(lake)));
  const size_t n = std::max(2u, std::min(8u, std::thread::hardware_concurrency()));
  for (size_t i = 0; i < n; ++i) v->slots_.push_back(std::make_unique<Slot>());
  FL_RETURN_NOT_OK(v->Poll().status());
  return v;
}

delta::Table& LakeView::TableAt(const std::string& path) {
  std::lock_guard<std::mutex> lock(open_mu_);
  auto& t = open_[path];
  if (t == nullptr) t = delta::Table::Open(fs_, path);
  return *t;
}

int64_t LakeView::LastDataCommitMs(const std::string& path, const delta::Snapshot& snap,
                                   const TableState* previous) {
  const int64_t latest = snap.version().value();
  if (previous != nullptr && previous->version == latest) return previous->last_data_commit_ms;
  const int64_t stop = previous != nullptr && previous->version < latest
                           ? previous->version
                           : std::max<int64_t>(-1, latest - kMaxCommitsBack);
  for (int64_t v = latest; v > stop; --v) {
    auto actions = delta::ReadCommit(*fs_, path, DeltaVersion(v));
    if (!actions.ok()) break;  // cleaned from the log (or being written): older than we can tell
    for (const delta::Action& a : *actions) {
      const auto* add = std::get_if<delta::AddFile>(&a);
      if (add == nullptr || !add->data_change) continue;
      if (v == latest) return snap.timestamp_ms();
      auto info = fs_->Stat(delta::CommitPath(path, DeltaVersion(v)));
      return info.ok() ? info->mtime_ms : 0;
    }
  }
  return previous != nullptr && previous->version < latest ? previous->last_data_commit_ms : 0;
}

Result<std::vector<TableState>> LakeView::Poll() {
  FL_ASSIGN_OR_RETURN(std::vector<sql::LakeTable> listed, sql::ListLakeTables(*fs_, lake_));
  std::map<std::string, TableState> before;
  {
    std::lock_guard<std::mutex> lock(mu_);
    before = tables_;
  }
  std::map<std::string, TableState> now;
  for (const sql::LakeTable& t : listed) {
    TableState st;
    st.name = t.SqlName();
    st.has_sql_name = t.HasSqlName();
    st.rel = t.rel;
    auto snap = TableAt(t.path).Latest();
    if (!snap.ok()) continue;  // a table being created: next poll
    st.version = (*snap)->version().value();
    st.files = static_cast<int64_t>((*snap)->files().size());
    st.rows = (*snap)->num_records().value_or(-1);
    st.bytes = (*snap)->total_bytes();
    st.last_commit_ms = (*snap)->timestamp_ms();
    const delta::Metadata& meta = (*snap)->metadata();
    st.shape = meta.id + "\n" + meta.schema_string + "\n" +
               fmt::format("{}", fmt::join(meta.partition_columns, ","));
    auto prev = before.find(t.rel);
    st.last_data_commit_ms =
        LastDataCommitMs(t.path, **snap, prev == before.end() ? nullptr : &prev->second);
    now[t.rel] = st;
  }
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<TableState> changed;
  bool list_changed = now.size() != tables_.size();
  for (const auto& [rel, st] : now) {
    auto it = tables_.find(rel);
    if (it == tables_.end() || it->second.shape != st.shape) list_changed = true;
    if (it == tables_.end() || it->second.version != st.version) changed.push_back(st);
  }
  tables_ = std::move(now);
  if (list_changed) ++list_generation_;  // sessions reopen on their next query
  if (!changed.empty()) {
    ++generation_;
    cache_.clear();
    cached_bytes_ = 0;
  }
  return changed;
}

std::vector<TableState> LakeView::Tables() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<TableState> out;
  for (const auto& [rel, st] : tables_) out.push_back(st);
  return out;
}

int64_t LakeView::generation() const {
  std::lock_guard<std::mutex> lock(mu_);
  return generation_;
}

Result<TableState> LakeView::Table(const std::string& rel) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = tables_.find(rel);
  if (it == tables_.end()) return Status::NotFound(fmt::format("no table '{}' in the lake", rel));
  return it->second;
}

Result<sql::ResultSet> LakeView::Query(const std::string& sql) {
  int64_t generation, list_generation;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = cache_.find(sql);
    if (it != cache_.end() && it->second.generation == generation_) return *it->second.result;
    generation = generation_;
    list_generation = list_generation_;
  }
  // A free session (or wait for the next one in turn).
  Slot* slot = nullptr;
  std::unique_lock<std::mutex> held;
  for (size_t k = 0; k < slots_.size() && slot == nullptr; ++k) {
    Slot* s = slots_[(next_slot_.load() + k) % slots_.size()].get();
    std::unique_lock<std::mutex> l(s->mu, std::try_to_lock);
    if (l.owns_lock()) {
      slot = s;
      held = std::move(l);
    }
  }
  if (slot == nullptr) {
    slot = slots_[next_slot_++ % slots_.size()].get();
    held = std::unique_lock<std::mutex>(slot->mu);
  }
  if (slot->session == nullptr || slot->list_generation != list_generation) {
    FL_ASSIGN_OR_RETURN(slot->session, sql::SqlSession::Open(fs_, lake_));
    slot->list_generation = list_generation;
  }
  FL_ASSIGN_OR_RETURN(sql::ResultSet r, slot->session->ExecuteOne(sql));
  held.unlock();
  auto shared = std::make_shared<const sql::ResultSet>(std::move(r));
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (generation == generation_) {
      size_t bytes = sql.size();
      for (const auto& row : shared->rows) {
        for (const auto& c : row) bytes += sizeof(c) + c.s.size();
      }
      if (cache_.size() >= kMaxCached || cached_bytes_ + bytes > (size_t{256} << 20)) {
        cache_.clear();
        cached_bytes_ = 0;
      }
      cached_bytes_ += bytes;
      cache_[sql] = {generation, shared};
    }
  }
  return *shared;
}

Result<std::map<std::string, int64_t>> LakeView::RowsByPartition(const std::string& rel, const std::string& column) {
  FL_ASSIGN_OR_RETURN(delta::SnapshotPtr snap, TableAt(io::JoinPath(lake_, rel)).Latest());
  std::map<std::string, int64_t> out;
  const auto& parts = snap->partition_columns();
  if (std::find(parts.begin(), parts.end(), column) == parts.end()) return out;
  for (const delta::AddFile& f : snap->files()) {
    auto pv = f.partition_values.find(column);
    const std::string key = pv == f.partition_values.end() || !pv->second ? "" : *pv->second;
    int64_t n = 0;
    if (f.stats) {
      auto j = Json::Parse(*f.stats);
      if (j.ok()) n = j->GetInt("numRecords", 0);
    }
    out[key] += n;
  }
  return out;
}

}  // namespace financelake::server
