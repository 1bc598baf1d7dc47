#include "financelake/delta/scan.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <limits>
#include <map>
#include <numeric>
#include <optional>

#include "financelake/delta/schema_json.h"
#include "financelake/delta/stats_read.h"
#include "financelake/io/path.h"
#include "financelake/parquet/reader.h"

namespace financelake::delta {
namespace {

using columnar::Column;
using columnar::DataType;
using columnar::Expr;
using columnar::RecordBatch;
using columnar::Schema;
using columnar::TypeKind;
using columnar::Value;

bool SameNameIgnoringCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// Index of the field named `name` (exactly, else ignoring case), or nullopt.
std::optional<size_t> FindField(const std::vector<columnar::Field>& fields, std::string_view name) {
  for (size_t i = 0; i < fields.size(); ++i) {
    if (fields[i].name == name) return i;
  }
  for (size_t i = 0; i < fields.size(); ++i) {
    if (SameNameIgnoringCase(fields[i].name, name)) return i;
  }
  return std::nullopt;
}

Status CannotConvert(const DataType& from, const DataType& to) {
  return Status::FailedPrecondition(
      fmt::format("cannot read {} as {}", from.ToString(), to.ToString()));
}

void AppendNulls(Column* dst, int64_t n) {
  for (int64_t i = 0; i < n; ++i) dst->AppendNull();
}

void AppendConstant(Column* dst, const Value& v, int64_t n) {
  for (int64_t i = 0; i < n; ++i) dst->AppendValue(v);
}

Status AppendFixedWidth(const Column& src, const std::vector<int64_t>& rows, Column* dst) {
  const DataType& st = src.type();
  const DataType& dt = dst->type();
  const int64_t n = static_cast<int64_t>(rows.size());
  if (st.kind() == dt.kind() && (st.kind() != TypeKind::kDecimal || st.scale() == dt.scale())) {
    const size_t w = static_cast<size_t>(dt.fixed_width());
    const uint8_t* in = src.values<uint8_t>();
    const int64_t start = dst->length();
    uint8_t* out = dst->AppendRaw(n);
    for (int64_t i = 0; i < n; ++i) {
      std::memcpy(out + i * w, in + rows[i] * w, w);
      if (src.IsNull(rows[i])) dst->SetNull(start + i);
    }
    return Status::OK();
  }
  const bool widen_int = columnar::IsIntegerKind(st.kind()) && columnar::IsIntegerKind(dt.kind()) &&
                         st.fixed_width() <= dt.fixed_width();
  const bool widen_float = st.kind() == TypeKind::kFloat && dt.kind() == TypeKind::kDouble;
  if (widen_int || widen_float) {
    for (int64_t r : rows) dst->AppendValue(src.GetValue(r));
    return Status::OK();
  }
  if (st.kind() == TypeKind::kDecimal && dt.kind() == TypeKind::kDecimal &&
      st.scale() < dt.scale() && dt.precision() - dt.scale() >= st.precision() - st.scale()) {
    columnar::int128_t factor = 1;
    for (int i = st.scale(); i < dt.scale(); ++i) factor *= 10;
    for (int64_t r : rows) {
      if (src.IsNull(r)) {
        dst->AppendNull();
      } else {
        dst->Append<columnar::int128_t>(src.ValueAt<columnar::int128_t>(r) * factor);
      }
    }
    return Status::OK();
  }
  return CannotConvert(st, dt);
}

// Percent-decodes a path from the log (add.path is a URI).
Status PercentDecode(std::string_view s, std::string* out) {
  out->clear();
  out->reserve(s.size());
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out->push_back(s[i]);
      continue;
    }
    const int hi = i + 2 < s.size() ? hex(s[i + 1]) : -1;
    const int lo = i + 2 < s.size() ? hex(s[i + 2]) : -1;
    if (hi < 0 || lo < 0) {
      return Status::InvalidArgument(fmt::format("malformed %-escape in path '{}'", s));
    }
    out->push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return Status::OK();
}

// One live file being scanned: its typed partition values and statistics as ranges.
struct FileRanges {
  std::map<std::string, Value> partition_values;
  std::map<std::string, Expr::ColumnRange> partition_ranges;
  FileStats stats;

  const Expr::ColumnRange* Lookup(const std::string& column) const {
    auto it = partition_ranges.find(column);
    if (it != partition_ranges.end()) return &it->second;
    return stats.Find(column);
  }
};

Expr::ColumnRange ExactRange(const Value& v, std::optional<int64_t> num_records) {
  Expr::ColumnRange r;
  r.num_records = num_records;
  if (v.is_null()) {
    // Every row is null; without a row count, one row stands for "all of them".
    r.num_records = num_records.value_or(1);
    r.null_count = r.num_records;
  } else {
    r.min = v;
    r.max = v;
    r.null_count = 0;
  }
  return r;
}

class Scanner {
 public:
  Scanner(io::FileSystem& fs, const std::string& table, const Snapshot& snapshot,
          const ScanOptions& options, ScanMetrics* metrics)
      : fs_(fs), table_(table), snapshot_(snapshot), options_(options), metrics_(metrics) {}

  Result<RecordBatch> Run() {
    const Schema& schema = snapshot_.schema();
    Schema out_schema = schema;
    if (!options_.columns.empty()) {
      FL_ASSIGN_OR_RETURN_CTX(out_schema, schema.Select(options_.columns), Where("scan"));
    }
    // The columns read: the requested ones first, then those only the filter needs.
    std::vector<std::string> names;
    for (const auto& f : out_schema.fields()) names.push_back(f.name);
    if (options_.filter) {
      for (const std::string& c : options_.filter->Columns()) {
        if (std::find(names.begin(), names.end(), c) == names.end()) names.push_back(c);
      }
    }
    FL_ASSIGN_OR_RETURN_CTX(read_schema_, schema.Select(names), Where("scan filter"));
    for (const auto& f : out_schema.fields()) out_.emplace_back(f.type);
    remaining_ = options_.limit < 0 ? std::numeric_limits<int64_t>::max() : options_.limit;
    metrics_->files_total = static_cast<int64_t>(snapshot_.files().size());
    if (options_.row_ids != nullptr) options_.row_ids->clear();
    // The files the filter may match, first: their row counts size the output columns once
    // (growing them by doubling copied and faulted in every buffer again).
    std::vector<std::optional<FileRanges>> ranges(snapshot_.files().size());
    int64_t expected = 0;
    bool known = true;
    for (size_t i = 0; i < snapshot_.files().size(); ++i) {
      FL_ASSIGN_OR_RETURN(FileRanges fr, Ranges(snapshot_.files()[i]));
      const std::optional<Expr>& filter = options_.filter;
      if (filter && !filter->MayMatch([&](const std::string& c) { return fr.Lookup(c); })) continue;
      if (fr.stats.num_records) {
        expected += *fr.stats.num_records;
      } else {
        known = false;
      }
      ranges[i] = std::move(fr);
    }
    if (known) {
      for (Column& c : out_) c.Reserve(std::min(expected, remaining_));
    }
    for (size_t i = 0; i < snapshot_.files().size(); ++i) {
      if (remaining_ <= 0) break;
      file_base_ = file_index_++ << 40;
      if (ranges[i]) FL_RETURN_NOT_OK(ScanFile(snapshot_.files()[i], *ranges[i]));
    }
    return RecordBatch::Make(std::move(out_schema), std::move(out_));
  }

 private:
  std::string Where(std::string_view what) const {
    return fmt::format("delta: {}: {}", table_, what);
  }

  Result<FileRanges> Ranges(const AddFile& add) const {
    FileRanges fr;
    if (add.stats) {
      auto stats = ParseFileStats(*add.stats, snapshot_.schema());
      if (stats.ok()) fr.stats = std::move(stats).value();  // unreadable stats: no skipping
    }
    for (const std::string& p : snapshot_.partition_columns()) {
      const DataType& type = snapshot_.schema().field(*snapshot_.schema().FieldIndex(p)).type;
      auto it = add.partition_values.find(p);
      auto v =
          ParsePartitionValue(it == add.partition_values.end() ? std::nullopt : it->second, type);
      if (!v.ok()) {
        return Status::DataLoss(Where(fmt::format("file '{}': partition column '{}': {}", add.path,
                                                  p, v.status().message())));
      }
      fr.partition_ranges[p] = ExactRange(*v, fr.stats.num_records);
      fr.partition_values[p] = std::move(v).value();
    }
    return fr;
  }

  // Where each read column comes from in the current file.
  struct Source {
    enum Kind { kFile, kPartition, kMissing } kind = kMissing;
    size_t projected = 0;   // kFile: index into the projected row group batch
    size_t file_field = 0;  // kFile: index into the file's schema
    Value value;            // kPartition
  };

  Status Append(const Source& s, const RecordBatch& batch, const std::vector<int64_t>& rows,
                const std::string& name, Column* dst) const {
    switch (s.kind) {
      case Source::kFile: {
        Status st = AppendColumnRows(batch.column(s.projected), rows, dst);
        if (!st.ok()) return st.WithContext(fmt::format("column '{}'", name));
        return st;
      }
      case Source::kPartition:
        AppendConstant(dst, s.value, static_cast<int64_t>(rows.size()));
        break;
      case Source::kMissing: AppendNulls(dst, static_cast<int64_t>(rows.size())); break;
    }
    return Status::OK();
  }

  // Ranges of the filter's columns in one row group, from the footer statistics.
  std::map<std::string, Expr::ColumnRange> RowGroupRanges(const parquet::ParquetReader& reader,
                                                          int rg,
                                                          const std::vector<Source>& sources,
                                                          const FileRanges& fr) const {
    std::map<std::string, Expr::ColumnRange> out;
    const int64_t rows = reader.row_group_num_rows(rg);
    for (size_t i = 0; i < read_schema_.num_fields(); ++i) {
      const columnar::Field& f = read_schema_.field(i);
      const Source& s = sources[i];
      if (s.kind == Source::kPartition) {
        out[f.name] = ExactRange(fr.partition_values.at(f.name), rows);
        continue;
      }
      if (s.kind != Source::kFile || f.type.is_nested()) continue;
      const auto [first, last] = reader.parquet_schema().field_leaves[s.file_field];
      const DataType& ft = reader.schema().field(s.file_field).type;
      if (last - first != 1 ||
          !(ft.kind() == f.type.kind() ||
            (columnar::IsIntegerKind(ft.kind()) && columnar::IsIntegerKind(f.type.kind())))) {
        continue;
      }
      auto st = reader.RowGroupStatistics(rg, first);
      if (!st.ok()) continue;
      Expr::ColumnRange r;
      r.min = st->min;
      r.max = st->max;
      r.null_count = st->null_count;
      r.num_records = rows;
      out[f.name] = std::move(r);
    }
    return out;
  }

  // Reads one file the filter may match (`fr`: its ranges).
  Status ScanFile(const AddFile& add, const FileRanges& fr) {
    const std::optional<Expr>& filter = options_.filter;
    const std::string where = fmt::format("data file '{}'", add.path);
    FL_ASSIGN_OR_RETURN_CTX(std::string path, ResolveDataFilePath(table_, add.path), Where(where));
    auto opened = parquet::ParquetReader::Open(fs_, path);
    if (!opened.ok() && opened.status().IsNotFound()) {
      // The usual cause: time travel to a version whose files a VACUUM has deleted.
      return opened.status().WithContext(
          Where(fmt::format("{} (of version {}) is gone: deleted by VACUUM (an older version "
                            "than the table's retention keeps readable) or by hand",
                            where, snapshot_.version().value())));
    }
    FL_ASSIGN_OR_RETURN_CTX(auto reader, std::move(opened), Where(where));
    ++metrics_->files_read;

    std::vector<Source> sources(read_schema_.num_fields());
    std::vector<size_t> projection;
    for (size_t i = 0; i < read_schema_.num_fields(); ++i) {
      const std::string& name = read_schema_.field(i).name;
      if (auto it = fr.partition_values.find(name); it != fr.partition_values.end()) {
        sources[i].kind = Source::kPartition;
        sources[i].value = it->second;
      } else if (auto idx = FindField(reader->schema().fields(), name)) {
        sources[i].kind = Source::kFile;
        sources[i].projected = projection.size();
        sources[i].file_field = *idx;
        projection.push_back(*idx);
      }
    }
    for (int rg = 0; rg < reader->num_row_groups() && remaining_ > 0; ++rg) {
      const int64_t rows = reader->row_group_num_rows(rg);
      const int64_t first_row = file_base_;
      file_base_ += rows;
      if (filter) {
        const auto ranges = RowGroupRanges(*reader, rg, sources, fr);
        if (!filter->MayMatch([&](const std::string& c) -> const Expr::ColumnRange* {
              auto it = ranges.find(c);
              return it == ranges.end() ? nullptr : &it->second;
            })) {
          continue;
        }
      }
      RecordBatch batch;
      if (!projection.empty()) {
        FL_ASSIGN_OR_RETURN_CTX(batch, reader->ReadRowGroup(rg, projection), Where(where));
      }
      metrics_->rows_read += rows;
      row_group_base_ = first_row;
      Status st = filter ? AppendFiltered(batch, rows, sources) : AppendAll(batch, rows, sources);
      if (!st.ok()) return st.WithContext(Where(where));
    }
    return Status::OK();
  }

  void AddRowIds(const std::vector<int64_t>& sel) {
    if (options_.row_ids == nullptr) return;
    for (int64_t r : sel) options_.row_ids->push_back(row_group_base_ + r);
  }

  Status AppendAll(const RecordBatch& batch, int64_t rows, const std::vector<Source>& sources) {
    std::vector<int64_t> sel(static_cast<size_t>(std::min(rows, remaining_)));
    std::iota(sel.begin(), sel.end(), 0);
    AddRowIds(sel);
    // The output columns are the first fields of read_schema_.
    for (size_t j = 0; j < out_.size(); ++j) {
      FL_RETURN_NOT_OK(Append(sources[j], batch, sel, read_schema_.field(j).name, &out_[j]));
    }
    remaining_ -= static_cast<int64_t>(sel.size());
    return Status::OK();
  }

  Status AppendFiltered(const RecordBatch& batch, int64_t rows,
                        const std::vector<Source>& sources) {
    std::vector<int64_t> all(static_cast<size_t>(rows));
    std::iota(all.begin(), all.end(), 0);
    std::vector<Column> columns;
    for (size_t i = 0; i < read_schema_.num_fields(); ++i) {
      columns.emplace_back(read_schema_.field(i).type);
      FL_RETURN_NOT_OK(Append(sources[i], batch, all, read_schema_.field(i).name, &columns.back()));
    }
    FL_ASSIGN_OR_RETURN(RecordBatch table_rows,
                        RecordBatch::Make(read_schema_, std::move(columns)));
    FL_ASSIGN_OR_RETURN(std::vector<uint8_t> mask, options_.filter->Evaluate(table_rows));
    std::vector<int64_t> sel;
    for (int64_t r = 0; r < rows && static_cast<int64_t>(sel.size()) < remaining_; ++r) {
      if (mask[static_cast<size_t>(r)]) sel.push_back(r);
    }
    AddRowIds(sel);
    for (size_t j = 0; j < out_.size(); ++j) {
      FL_RETURN_NOT_OK(AppendColumnRows(table_rows.column(j), sel, &out_[j]));
    }
    remaining_ -= static_cast<int64_t>(sel.size());
    return Status::OK();
  }

  io::FileSystem& fs_;
  const std::string& table_;
  const Snapshot& snapshot_;
  const ScanOptions& options_;
  ScanMetrics* metrics_;
  Schema read_schema_;
  std::vector<Column> out_;
  int64_t remaining_ = 0;
  int64_t file_index_ = 0;      // of the file being read, in snapshot_.files()
  int64_t file_base_ = 0;       // row id of the file's next row group's first row
  int64_t row_group_base_ = 0;  // row id of the current row group's first row
};

}  // namespace

Status AppendColumnRows(const Column& src, const std::vector<int64_t>& rows, Column* dst) {
  const DataType& st = src.type();
  const DataType& dt = dst->type();
  switch (dt.kind()) {
    case TypeKind::kStruct: {
      if (st.kind() != TypeKind::kStruct) return CannotConvert(st, dt);
      for (size_t k = 0; k < dt.children().size(); ++k) {
        const std::string& name = dt.children()[k].name;
        Column* child = &dst->mutable_child(k);
        if (auto i = FindField(st.children(), name)) {
          Status s = AppendColumnRows(src.child(*i), rows, child);
          if (!s.ok()) return s.WithContext(fmt::format("field '{}'", name));
        } else {
          AppendNulls(child, static_cast<int64_t>(rows.size()));
        }
      }
      for (int64_t r : rows) {
        if (src.IsNull(r)) {
          dst->AppendNullShallow();
        } else {
          dst->AppendStructValid();
        }
      }
      return Status::OK();
    }
    case TypeKind::kArray:
    case TypeKind::kMap: {
      if (st.kind() != dt.kind()) return CannotConvert(st, dt);
      std::vector<int64_t> elements;
      for (int64_t r : rows) {
        if (src.IsNull(r)) {
          dst->AppendNullShallow();
          continue;
        }
        dst->StartList();
        for (int64_t e = src.offsets()[r]; e < src.offsets()[r + 1]; ++e) elements.push_back(e);
        dst->ExtendLastList(src.ListLength(r));
      }
      for (size_t k = 0; k < dt.children().size(); ++k) {
        FL_RETURN_NOT_OK(AppendColumnRows(src.child(k), elements, &dst->mutable_child(k)));
      }
      return Status::OK();
    }
    case TypeKind::kString:
    case TypeKind::kBinary:
      if (!st.is_binary_like()) return CannotConvert(st, dt);
      for (int64_t r : rows) {
        if (src.IsNull(r)) {
          dst->AppendNull();
        } else {
          dst->AppendString(src.StringAt(r));
        }
      }
      return Status::OK();
    default:
      if (st.fixed_width() == 0) return CannotConvert(st, dt);
      return AppendFixedWidth(src, rows, dst);
  }
}

Result<std::string> ResolveDataFilePath(const std::string& table_path, const std::string& path) {
  std::string_view p = path;
  const size_t colon = p.find(':');
  const size_t slash = p.find('/');
  if (colon != std::string_view::npos && colon > 0 &&
      (slash == std::string_view::npos || colon < slash)) {
    const std::string_view scheme = p.substr(0, colon);
    if (scheme != "file") {
      return Status::Unimplemented(
          fmt::format("file '{}': URI scheme '{}' is not supported", path, scheme));
    }
    p.remove_prefix(colon + 1);
    if (p.substr(0, 3) == "///") p.remove_prefix(2);  // file:///a -> /a
    if (p.substr(0, 2) == "//") {
      return Status::Unimplemented(fmt::format("file '{}': a file URI with a host", path));
    }
    std::string decoded;
    FL_RETURN_NOT_OK(PercentDecode(p, &decoded));
    return decoded;
  }
  std::string decoded;
  FL_RETURN_NOT_OK(PercentDecode(p, &decoded));
  if (decoded.rfind('/', 0) == 0) return decoded;
  return io::JoinPath(table_path, decoded);
}

Result<RecordBatch> ScanSnapshot(io::FileSystem& fs, const std::string& table_path,
                                 const Snapshot& snapshot, const ScanOptions& options,
                                 ScanMetrics* metrics) {
  ScanMetrics ignored;
  Scanner scanner(fs, table_path, snapshot, options, metrics != nullptr ? metrics : &ignored);
  return scanner.Run();
}

}  // namespace financelake::delta
