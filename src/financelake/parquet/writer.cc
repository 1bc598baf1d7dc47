#include "financelake/parquet/writer.h"

#include <fmt/format.h>

#include <limits>

#include "financelake/base/check.h"
#include "financelake/parquet/shredder.h"

namespace financelake::parquet {

using columnar::RecordBatch;
using columnar::Schema;

namespace {
constexpr char kMagic[] = "PAR1";
constexpr int64_t kRowsPerStep = 64 * 1024;
constexpr char kCreatedBy[] = "financelake version 0.1.0 (build financelake)";
}  // namespace

Result<std::unique_ptr<ParquetWriter>> ParquetWriter::Open(io::FileSystem& fs,
                                                           const std::string& path, Schema schema,
                                                           WriterOptions options) {
  FL_ASSIGN_OR_RETURN(auto sink, fs.NewWritableFile(path));
  return Open(std::move(sink), std::move(schema), std::move(options));
}

Result<std::unique_ptr<ParquetWriter>> ParquetWriter::Open(std::unique_ptr<io::WritableFile> sink,
                                                           Schema schema, WriterOptions options) {
  const std::string where = fmt::format("parquet writer: {}", sink->path());
  if (schema.num_fields() == 0) return Status::InvalidArgument(where + ": schema has no columns");
  std::unique_ptr<ParquetWriter> w(new ParquetWriter());
  FL_ASSIGN_OR_RETURN_CTX(w->elements_, ToParquetSchema(schema), where);
  FL_ASSIGN_OR_RETURN_CTX(w->pschema_, FromParquetSchema(w->elements_), where);
  // The round trip keeps names and types; nullability of the file schema is what we wrote.
  w->schema_ = std::move(schema);
  w->options_ = std::move(options);
  if (w->options_.page_bytes <= 0 || w->options_.row_group_bytes <= 0 ||
      w->options_.row_group_rows <= 0) {
    return Status::InvalidArgument(where + ": page and row group sizes must be positive");
  }
  for (const auto& leaf : w->pschema_.leaves) {
    FL_ASSIGN_OR_RETURN(auto lw, LeafWriter::Make(leaf, w->options_));
    w->leaf_writers_.push_back(std::move(lw));
  }
  w->stats_.resize(w->pschema_.leaves.size());
  w->sink_ = std::move(sink);
  FL_RETURN_NOT_OK_CTX(w->sink_->Append(std::string_view(kMagic, 4)), where);
  return w;
}

ParquetWriter::~ParquetWriter() = default;

std::string ParquetWriter::Where() const {
  return fmt::format("parquet writer: {}", sink_->path());
}

Status ParquetWriter::Write(const RecordBatch& batch) {
  std::vector<const columnar::Column*> columns;
  columns.reserve(batch.num_columns());
  for (const columnar::Column& c : batch.columns()) columns.push_back(&c);
  return WriteColumns(columns, 0, batch.num_rows());
}

Status ParquetWriter::WriteColumns(const std::vector<const columnar::Column*>& columns, int64_t begin,
                                   int64_t end) {
  if (closed_) return Status::FailedPrecondition(Where() + ": write after close");
  FL_RETURN_NOT_OK(error_);
  if (columns.size() != schema_.num_fields()) {
    return Status::InvalidArgument(fmt::format("{}: batch has {} columns, the file {}", Where(),
                                               columns.size(), schema_.num_fields()));
  }
  for (size_t i = 0; i < schema_.num_fields(); ++i) {
    if (!(columns[i]->type() == schema_.field(i).type)) {
      return Status::InvalidArgument(fmt::format("{}: column '{}' is {} in the batch but {} in the file",
                                                 Where(), schema_.field(i).name,
                                                 columns[i]->type().ToString(),
                                                 schema_.field(i).type.ToString()));
    }
    FL_CHECK(begin >= 0 && begin <= end && end <= columns[i]->length());
  }
  for (int64_t b = begin; b < end;) {
    int64_t e = std::min(end, b + kRowsPerStep);
    e = std::min(e, b + (options_.row_group_rows - rows_buffered_));
    Status st = WriteRows(columns, b, e);
    if (!st.ok()) {
      error_ = st;
      return st;
    }
    rows_buffered_ += e - b;
    if (rows_buffered_ >= options_.row_group_rows || BufferedBytes() >= options_.row_group_bytes) {
      FL_RETURN_NOT_OK(FlushRowGroup());
    }
    b = e;
  }
  return Status::OK();
}

Status ParquetWriter::WriteRows(const std::vector<const columnar::Column*>& columns, int64_t begin,
                                int64_t end) {
  ShreddedLeaf shredded;
  for (size_t f = 0; f < schema_.num_fields(); ++f) {
    const auto [first, last] = pschema_.field_leaves[f];
    const columnar::Column& col = *columns[f];
    for (size_t l = first; l < last; ++l) {
      const LeafDescriptor& leaf = pschema_.leaves[l];
      if (leaf.nodes.size() == 1) {
        FL_RETURN_NOT_OK_CTX(leaf_writers_[l]->WriteFlat(col, begin, end), Where());
        continue;
      }
      FL_RETURN_NOT_OK_CTX(ShredLeaf(col, begin, end, leaf, &shredded), Where());
      FL_RETURN_NOT_OK_CTX(leaf_writers_[l]->WriteNested(
                               *shredded.leaf_column, shredded.def.data(), shredded.rep.data(),
                               static_cast<int64_t>(shredded.def.size()),
                               shredded.value_index.data()),
                           Where());
    }
  }
  return Status::OK();
}

int64_t ParquetWriter::BufferedBytes() const {
  int64_t n = 0;
  for (const auto& w : leaf_writers_) n += w->BufferedBytes();
  return n;
}

Status ParquetWriter::FlushRowGroup() {
  FL_RETURN_NOT_OK(error_);
  if (rows_buffered_ == 0) return Status::OK();
  RowGroup rg;
  rg.num_rows = rows_buffered_;
  const int64_t start = static_cast<int64_t>(sink_->size());
  rg.file_offset = start;
  // The optional ordinal is an i16: row groups past 32767 go without one.
  if (row_groups_.size() <= static_cast<size_t>(std::numeric_limits<int16_t>::max())) {
    rg.ordinal = static_cast<int16_t>(row_groups_.size());
  }
  int64_t compressed = 0;
  for (size_t l = 0; l < leaf_writers_.size(); ++l) {
    ColumnChunk chunk;
    ColumnStatistics st;
    Status s = leaf_writers_[l]->FinishChunk(sink_.get(), &chunk, &st);
    if (!s.ok()) {
      error_ = s.WithContext(Where());
      return error_;
    }
    rg.total_byte_size += chunk.meta_data->total_uncompressed_size;
    compressed += chunk.meta_data->total_compressed_size;
    if (row_groups_.empty()) {
      stats_[l] = st;
    } else {
      stats_[l].Merge(st, pschema_.leaves[l].type);
    }
    rg.columns.push_back(std::move(chunk));
  }
  rg.total_compressed_size = compressed;
  row_groups_.push_back(std::move(rg));
  rows_written_ += rows_buffered_;
  rows_buffered_ = 0;
  return Status::OK();
}

Result<WriteResult> ParquetWriter::Close() {
  if (closed_) return Status::FailedPrecondition(Where() + ": closed twice");
  FL_RETURN_NOT_OK(FlushRowGroup());
  closed_ = true;
  FileMetaData md;
  md.version = 1;
  md.schema = elements_;
  md.num_rows = rows_written_;
  md.row_groups = std::move(row_groups_);
  md.key_value_metadata = options_.key_value_metadata;
  md.created_by = kCreatedBy;
  md.column_orders_type_defined.assign(pschema_.leaves.size(), true);
  std::string footer;
  SerializeFileMetaData(md, &footer);
  const auto len = static_cast<uint32_t>(footer.size());
  char len_bytes[4];
  std::memcpy(len_bytes, &len, 4);
  footer.append(len_bytes, 4);
  footer.append(kMagic, 4);
  FL_RETURN_NOT_OK_CTX(sink_->Append(footer), Where());
  FL_RETURN_NOT_OK_CTX(sink_->Close(), Where());
  WriteResult r;
  r.num_rows = rows_written_;
  r.num_row_groups = static_cast<int64_t>(md.row_groups.size());
  r.file_bytes = static_cast<int64_t>(sink_->size());
  r.leaf_stats = stats_;
  for (auto& s : r.leaf_stats) {
    if (md.row_groups.empty()) s.null_count = 0;
  }
  return r;
}

}  // namespace financelake::parquet
