#include "financelake/delta/data_writer.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <map>
#include <optional>
#include <set>

#include "financelake/delta/schema_json.h"
#include "financelake/delta/stats.h"
#include "financelake/delta/uuid.h"
#include "financelake/io/path.h"
#include "financelake/parquet/writer.h"

namespace financelake::delta {
namespace {

using columnar::Column;
using columnar::RecordBatch;
using columnar::Schema;
using columnar::TypeKind;

constexpr char kNullPartition[] = "__HIVE_DEFAULT_PARTITION__";

void AppendRow(Column* dst, const Column& src, int64_t i) {
  if (src.IsNull(i)) {
    dst->AppendNull();
    return;
  }
  const int w = src.type().fixed_width();
  if (w > 0) {
    std::memcpy(dst->AppendRaw(1), src.values<uint8_t>() + i * w, static_cast<size_t>(w));
    return;
  }
  switch (src.type().kind()) {
    case TypeKind::kString:
    case TypeKind::kBinary: dst->AppendString(src.StringAt(i)); return;
    case TypeKind::kStruct:
      for (size_t c = 0; c < src.num_children(); ++c) {
        AppendRow(&dst->mutable_child(c), src.child(c), i);
      }
      dst->AppendStructValid();
      return;
    default:  // array, map: the elements of slot i in every child, then close the slot
      for (int64_t j = src.offsets()[i]; j < src.offsets()[i + 1]; ++j) {
        for (size_t c = 0; c < src.num_children(); ++c) {
          AppendRow(&dst->mutable_child(c), src.child(c), j);
        }
      }
      dst->CloseList();
      return;
  }
}

// Syncs before closing, so a data file is durable before a commit can name it.
class SyncOnCloseFile final : public io::WritableFile {
 public:
  explicit SyncOnCloseFile(std::unique_ptr<io::WritableFile> inner)
      : io::WritableFile(inner->path()), inner_(std::move(inner)) {}
  Status Append(std::string_view data) override { return inner_->Append(data); }
  Status Sync() override { return inner_->Sync(); }
  Status Close() override {
    if (!closed_) {
      closed_ = true;
      Status st = inner_->Sync();
      Status cl = inner_->Close();
      return st.ok() ? cl : st;
    }
    return inner_->Close();
  }
  uint64_t size() const override { return inner_->size(); }

 private:
  std::unique_ptr<io::WritableFile> inner_;
  bool closed_ = false;
};

// Writes of up to this many partitions sync each file before its close and then each directory
// (a streaming commit's usual one or two files); more are synced together at the end.
constexpr size_t kSyncEachFileUpTo = 8;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// One data file: rows [begin, end) of `columns` (the data columns, in file schema order),
// which point into the caller's batch or into `owned` (a copy of scattered rows).
struct FileJob {
  std::string dir;  // relative partition directory, "" for the root
  PartitionValues partition_values;
  const Schema* schema = nullptr;
  std::vector<const Column*> columns;
  int64_t begin = 0, end = 0;
  RecordBatch owned;
  bool sync_on_close = true;  // false: the caller syncs all files of the write at once
};

Result<AddFile> WriteOneFileAt(io::FileSystem& fs, const std::string& full, const std::string& rel,
                               FileJob&& job, const StatsOptions& stats_options,
                               const DataWriteOptions& options) {
  parquet::WriteResult result;
  {
    FL_ASSIGN_OR_RETURN(std::unique_ptr<io::WritableFile> file, fs.NewWritableFile(full));
    if (job.sync_on_close) file = std::make_unique<SyncOnCloseFile>(std::move(file));
    FL_ASSIGN_OR_RETURN(
        auto writer, parquet::ParquetWriter::Open(std::move(file), *job.schema, options.parquet));
    FL_RETURN_NOT_OK(writer->WriteColumns(job.columns, job.begin, job.end));
    FL_ASSIGN_OR_RETURN(result, writer->Close());
  }
  AddFile add;
  add.path = EncodeLogPath(rel);
  add.partition_values = std::move(job.partition_values);
  add.size = result.file_bytes;
  auto info = fs.Stat(full);
  add.modification_time = info.ok() ? info->mtime_ms : NowMs();
  add.data_change = options.data_change;
  add.stats =
      BuildFileStats(*job.schema, job.columns, job.begin, job.end, result, stats_options).Dump();
  return add;
}

// Writes one file (its path in `*full`); a failed write leaves no partial file behind (best
// effort).
Result<AddFile> WriteOneFile(io::FileSystem& fs, const std::string& table_path, int part,
                             FileJob&& job, const StatsOptions& stats_options,
                             const DataWriteOptions& options, std::string* full_out) {
  const std::string name = DataFileName(part, options.parquet.compression);
  const std::string rel = job.dir.empty() ? name : job.dir + "/" + name;
  const std::string& full = *full_out = io::JoinPath(table_path, rel);
  if (!job.dir.empty()) FL_RETURN_NOT_OK(fs.CreateDirs(io::JoinPath(table_path, job.dir)));
  auto add = WriteOneFileAt(fs, full, rel, std::move(job), stats_options, options);
  if (!add.ok()) (void)fs.Delete(full);
  return add;
}

void RemoveWritten(io::FileSystem& fs, const std::string& table_path,
                   const std::vector<AddFile>& added) {
  for (const AddFile& a : added) {
    auto rel = DecodeLogPath(a.path);
    if (rel.ok()) (void)fs.Delete(io::JoinPath(table_path, *rel));
  }
}

// Splits `rows` into chunks of at most `max` (one chunk when max <= 0).
std::vector<std::vector<int64_t>> Chunk(std::vector<int64_t> rows, int64_t max) {
  std::vector<std::vector<int64_t>> out;
  if (max <= 0 || static_cast<int64_t>(rows.size()) <= max) {
    out.push_back(std::move(rows));
    return out;
  }
  for (size_t b = 0; b < rows.size(); b += static_cast<size_t>(max)) {
    const size_t e = std::min(rows.size(), b + static_cast<size_t>(max));
    out.emplace_back(rows.begin() + static_cast<std::ptrdiff_t>(b),
                     rows.begin() + static_cast<std::ptrdiff_t>(e));
  }
  return out;
}

}  // namespace

Status CheckBatchMatchesSchema(const RecordBatch& batch, const Schema& table_schema) {
  if (batch.num_columns() != table_schema.num_fields()) {
    return Status::InvalidArgument(fmt::format("batch has {} columns, the table {} ({})",
                                               batch.num_columns(), table_schema.num_fields(),
                                               table_schema.ToString()));
  }
  for (size_t i = 0; i < table_schema.num_fields(); ++i) {
    const columnar::Field& want = table_schema.field(i);
    const columnar::Field& got = batch.schema().field(i);
    if (got.name != want.name || !(batch.column(i).type() == want.type)) {
      return Status::InvalidArgument(
          fmt::format("batch column {} is '{}: {}', the table has '{}: {}'", i, got.name,
                      batch.column(i).type().ToString(), want.name, want.type.ToString()));
    }
    if (!want.nullable && batch.column(i).null_count() > 0) {
      return Status::InvalidArgument(
          fmt::format("column '{}' is not nullable but the batch has {} nulls", want.name,
                      batch.column(i).null_count()));
    }
  }
  return Status::OK();
}

Result<std::vector<AddFile>> WriteDataFiles(io::FileSystem& fs, const std::string& table_path,
                                            const Schema& table_schema, const Metadata& metadata,
                                            const RecordBatch& batch,
                                            const DataWriteOptions& options) {
  FL_RETURN_NOT_OK_CTX(CheckBatchMatchesSchema(batch, table_schema), "delta: write " + table_path);
  FL_ASSIGN_OR_RETURN(StatsOptions stats_options,
                      StatsOptionsFromConfiguration(metadata.configuration));
  std::vector<AddFile> added;
  if (batch.num_rows() == 0) return added;

  // Data columns (file schema) and partition columns (directory names), by batch index.
  std::vector<size_t> part_idx, data_idx;
  for (const std::string& p : metadata.partition_columns) {
    auto i = table_schema.FieldIndex(p);
    if (!i) return Status::InvalidArgument("delta: partition column '" + p + "' not in schema");
    part_idx.push_back(*i);
  }
  std::vector<columnar::Field> data_fields;
  for (size_t i = 0; i < table_schema.num_fields(); ++i) {
    if (std::find(part_idx.begin(), part_idx.end(), i) != part_idx.end()) continue;
    data_idx.push_back(i);
    data_fields.push_back(table_schema.field(i));
  }
  const Schema data_schema(data_fields);

  // Group rows by partition value tuple (ordered, so file order is deterministic).
  using Key = std::vector<std::optional<std::string>>;
  std::map<Key, std::vector<int64_t>> groups;
  // Fast path, one date/int/long partition column (event_date, ...): group by the raw value and
  // serialize each distinct value once.
  const bool single_int = part_idx.size() == 1 && [&] {
    const TypeKind k = table_schema.field(part_idx[0]).type.kind();
    return k == TypeKind::kDate || k == TypeKind::kInteger || k == TypeKind::kLong;
  }();
  if (single_int) {
    const Column& pc = batch.column(part_idx[0]);
    const columnar::DataType& type = table_schema.field(part_idx[0]).type;
    const bool wide = type.kind() == TypeKind::kLong;
    std::map<std::optional<int64_t>, std::vector<int64_t>> by_value;
    for (int64_t r = 0; r < batch.num_rows(); ++r) {
      std::optional<int64_t> v;
      if (!pc.IsNull(r)) v = wide ? pc.ValueAt<int64_t>(r) : pc.ValueAt<int32_t>(r);
      by_value[v].push_back(r);
    }
    for (auto& [v, rows] : by_value) {
      Key key;
      key.push_back(v ? SerializePartitionValue(columnar::Value::Int(*v), type) : std::nullopt);
      groups[std::move(key)] = std::move(rows);
    }
  }
  for (int64_t r = 0; !single_int && r < batch.num_rows(); ++r) {
    Key key;
    for (size_t p : part_idx) {
      const columnar::Field& f = table_schema.field(p);
      if (f.type.is_nested() || f.type.kind() == TypeKind::kBinary) {
        return Status::InvalidArgument("delta: cannot partition by " + f.type.ToString() +
                                       " column '" + f.name + "'");
      }
      key.push_back(SerializePartitionValue(batch.column(p).GetValue(r), f.type));
    }
    groups[std::move(key)].push_back(r);
  }

  // A write of many files (a backfill of daily bars touches a partition per day) syncs them all
  // at once at the end (FileSystem::SyncMany) instead of each file and directory on its own.
  const bool sync_at_end = groups.size() > kSyncEachFileUpTo;
  int part = 0;
  std::vector<std::string> written;  // full paths of `added`
  std::vector<std::string> dirs;
  std::set<std::string> parents;
  for (auto& [key, rows] : groups) {
    std::string dir;
    PartitionValues values;
    for (size_t k = 0; k < part_idx.size(); ++k) {
      const std::string& col = table_schema.field(part_idx[k]).name;
      // A value readers cannot parse back (a date before year 1, say) would make the table
      // unreadable: refuse the write instead.
      auto back = ParsePartitionValue(key[k], table_schema.field(part_idx[k]).type);
      if (!back.ok()) {
        return Status::InvalidArgument(fmt::format(
            "delta: partition column '{}': value '{}' cannot be stored as a partition value ({})",
            col, key[k].value_or(""), back.status().message()));
      }
      values[col] = key[k];
      if (!dir.empty()) dir += "/";
      dir += EscapePartitionValue(col) + "=" +
             (key[k] ? EscapePartitionValue(*key[k]) : kNullPartition);
    }
    // The partition directory's entry in its parent must be durable too. Synced whether or not
    // it looks new: one left by a failed attempt, or just made by another writer, may not be.
    if (!dir.empty()) {
      for (size_t slash = dir.rfind('/');; slash = dir.rfind('/', slash - 1)) {
        parents.insert(slash == std::string::npos ? "" : dir.substr(0, slash));
        if (slash == std::string::npos || slash == 0) break;
      }
    }
    for (auto& chunk : Chunk(std::move(rows), options.max_rows_per_file)) {
      // A run of consecutive rows (the whole batch, or a partition of rows in order) is written
      // from the batch itself; scattered rows are copied once.
      FileJob job{dir, values, &data_schema, {}, 0, 0, {}, !sync_at_end};
      const bool run = chunk.back() - chunk.front() + 1 == static_cast<int64_t>(chunk.size());
      if (run) {
        for (size_t c : data_idx) job.columns.push_back(&batch.column(c));
        job.begin = chunk.front();
        job.end = chunk.back() + 1;
      } else {
        job.owned = TakeRows(batch, chunk, data_idx, data_schema);
        for (const Column& c : job.owned.columns()) job.columns.push_back(&c);
        job.end = job.owned.num_rows();
      }
      std::string full;
      auto add =
          WriteOneFile(fs, table_path, part++, std::move(job), stats_options, options, &full);
      if (!add.ok()) {
        RemoveWritten(fs, table_path, added);
        return add.status().WithContext("delta: write " + table_path);
      }
      written.push_back(std::move(full));
      added.push_back(std::move(add).value());
    }
    dirs.push_back(dir);
  }
  // The new directory entries must be durable before a commit names the files: the files' in
  // their partition directories, the partition directories' in their parents.
  for (const std::string& p : parents) {
    if (std::find(dirs.begin(), dirs.end(), p) == dirs.end()) dirs.push_back(p);
  }
  std::vector<std::string> full_dirs;
  for (const std::string& dir : dirs)
    full_dirs.push_back(dir.empty() ? table_path : io::JoinPath(table_path, dir));
  Status st;
  if (sync_at_end) {
    st = fs.SyncMany(written, full_dirs);
  } else {
    for (const std::string& dir : full_dirs) {
      st = fs.SyncDir(dir);
      if (!st.ok()) break;
    }
  }
  if (!st.ok()) {
    RemoveWritten(fs, table_path, added);
    return st.WithContext("delta: write " + table_path);
  }
  return added;
}

std::string DataFileName(int part, parquet::CompressionCodec codec) {
  const char* ext = "";
  switch (codec) {
    case parquet::CompressionCodec::SNAPPY: ext = ".snappy"; break;
    case parquet::CompressionCodec::GZIP: ext = ".gz"; break;
    case parquet::CompressionCodec::ZSTD: ext = ".zstd"; break;
    case parquet::CompressionCodec::LZ4:
    case parquet::CompressionCodec::LZ4_RAW: ext = ".lz4"; break;
    case parquet::CompressionCodec::BROTLI: ext = ".br"; break;
    default: break;
  }
  return fmt::format("part-{:05d}-{}-c000{}.parquet", part, NewUuid(), ext);
}

std::string EscapePartitionValue(std::string_view value) {
  std::string out;
  for (char ch : value) {
    const auto c = static_cast<unsigned char>(ch);
    const bool escape =
        (c >= 0x01 && c <= 0x1F) || c == 0x7F || std::strchr("\"#%'*/:=?\\{[]^", ch) != nullptr;
    if (escape && c != 0) {
      fmt::format_to(std::back_inserter(out), "%{:02X}", c);
    } else {
      out.push_back(ch);
    }
  }
  return out;
}

std::string EncodeLogPath(std::string_view relative_path) {
  std::string out;
  for (char ch : relative_path) {
    const auto c = static_cast<unsigned char>(ch);
    const bool quote = c <= 0x20 || c == 0x7F || std::strchr("\"#%<>?[\\]^`{|}", ch) != nullptr;
    if (quote) {
      fmt::format_to(std::back_inserter(out), "%{:02X}", c);
    } else {
      out.push_back(ch);
    }
  }
  return out;
}

Result<std::string> DecodeLogPath(std::string_view log_path) {
  std::string out;
  for (size_t i = 0; i < log_path.size(); ++i) {
    if (log_path[i] != '%') {
      out.push_back(log_path[i]);
      continue;
    }
    auto hex = [](char h) -> int {
      if (h >= '0' && h <= '9') return h - '0';
      if (h >= 'a' && h <= 'f') return h - 'a' + 10;
      if (h >= 'A' && h <= 'F') return h - 'A' + 10;
      return -1;
    };
    if (i + 2 >= log_path.size()) {
      return Status::InvalidArgument(fmt::format("delta: bad escape in path '{}'", log_path));
    }
    const int hi = hex(log_path[i + 1]), lo = hex(log_path[i + 2]);
    if (hi < 0 || lo < 0) {
      return Status::InvalidArgument(fmt::format("delta: bad escape in path '{}'", log_path));
    }
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

RemoveFile RemoveFor(const AddFile& add, int64_t deletion_timestamp_ms, bool data_change) {
  RemoveFile r;
  r.path = add.path;
  r.deletion_timestamp = deletion_timestamp_ms;
  r.data_change = data_change;
  r.extended_file_metadata = true;
  r.partition_values = add.partition_values;
  r.size = add.size;
  return r;
}

Result<RecordBatch> ReadDataFiles(const Table& table, const Snapshot& snapshot,
                                  const std::vector<AddFile>& files, const ScanOptions& options) {
  Snapshot::Parts parts;
  parts.version = snapshot.version();
  parts.timestamp_ms = snapshot.timestamp_ms();
  parts.protocol = snapshot.protocol();
  parts.metadata = snapshot.metadata();
  parts.schema = snapshot.schema();
  parts.files = files;
  const Snapshot subset(std::move(parts));
  return table.Scan(subset, options);
}

RecordBatch TakeRows(const RecordBatch& batch, const std::vector<int64_t>& rows) {
  std::vector<size_t> all(batch.num_columns());
  for (size_t c = 0; c < all.size(); ++c) all[c] = c;
  return TakeRows(batch, rows, all, batch.schema());
}

RecordBatch TakeRows(const RecordBatch& batch, const std::vector<int64_t>& rows,
                     const std::vector<size_t>& columns, const Schema& schema) {
  std::vector<Column> out;
  out.reserve(columns.size());
  for (size_t c : columns) {
    const Column& src = batch.column(c);
    Column col(src.type());
    // Strings: their bytes up front (no regrowth copies).
    int64_t chars = 0;
    if (src.type().is_binary_like()) {
      for (int64_t r : rows) chars += src.offsets()[r + 1] - src.offsets()[r];
    }
    col.Reserve(static_cast<int64_t>(rows.size()), chars);
    for (int64_t r : rows) AppendRow(&col, src, r);
    out.push_back(std::move(col));
  }
  auto made = RecordBatch::Make(schema, std::move(out));
  FL_CHECK(made.ok());
  return std::move(made).value();
}

Result<RecordBatch> ConcatBatches(const Schema& schema, const std::vector<RecordBatch>& batches) {
  std::vector<Column> columns;
  for (const columnar::Field& f : schema.fields()) columns.emplace_back(f.type);
  for (const RecordBatch& b : batches) {
    if (b.num_columns() != schema.num_fields()) {
      return Status::InvalidArgument("concat: batch has a different number of columns");
    }
    for (size_t c = 0; c < b.num_columns(); ++c) {
      if (!(b.column(c).type() == schema.field(c).type)) {
        return Status::InvalidArgument("concat: column '" + schema.field(c).name +
                                       "' has a different type");
      }
      for (int64_t r = 0; r < b.num_rows(); ++r) AppendRow(&columns[c], b.column(c), r);
    }
  }
  return RecordBatch::Make(schema, std::move(columns));
}

std::vector<int64_t> SelectRows(const std::vector<uint8_t>& mask, bool selected) {
  std::vector<int64_t> rows;
  for (size_t i = 0; i < mask.size(); ++i) {
    if ((mask[i] != 0) == selected) rows.push_back(static_cast<int64_t>(i));
  }
  return rows;
}

}  // namespace financelake::delta
