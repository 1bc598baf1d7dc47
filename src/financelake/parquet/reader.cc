#include "financelake/parquet/reader.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <optional>

#include "financelake/parquet/assembler.h"
#include "financelake/parquet/bit_util.h"
#include "financelake/parquet/page_reader.h"

namespace financelake::parquet {

using columnar::Column;
using columnar::RecordBatch;

namespace {

constexpr char kMagic[4] = {'P', 'A', 'R', '1'};
constexpr char kEncryptedMagic[4] = {'P', 'A', 'R', 'E'};

// What a chunk may claim in level entries, which the reader materializes (up to ~17 bytes
// each): any chunk up to kMaxChunkEntries (a constant or all-null column of a row group of
// millions of rows takes a few dozen bytes), and kMaxEntriesPerChunkByte more per byte it
// occupies, so that a small corrupt file cannot make us allocate gigabytes (about 1 KiB per byte
// of file, like the cap on decoded strings).
constexpr int64_t kMaxChunkEntries = int64_t{64} << 20;
constexpr int64_t kMaxEntriesPerChunkByte = 64;

std::string JoinPath(const std::vector<std::string>& path) {
  return fmt::format("{}", fmt::join(path, "."));
}

// Files up to this size are read whole at open: one read instead of one per footer part and
// column chunk (a table of many small files, such as one Silver file per date of a daily
// history, is read mostly in system calls otherwise).
constexpr uint64_t kWholeFileBytes = 128 * 1024;

// A small file's bytes, read once.
class WholeFile : public io::RandomAccessFile {
 public:
  WholeFile(std::string path, std::vector<uint8_t> bytes)
      : io::RandomAccessFile(std::move(path)), bytes_(std::move(bytes)) {}
  using io::RandomAccessFile::ReadAt;
  Result<uint64_t> Size() override { return bytes_.size(); }
  Status ReadAt(uint64_t offset, size_t n, uint8_t* out) override {
    if (offset > bytes_.size() || n > bytes_.size() - offset) {
      return Status::OutOfRange(
          fmt::format("io: read {}: {} bytes at offset {} past end of file (size {})", path(), n,
                      offset, bytes_.size()));
    }
    if (n > 0) std::memcpy(out, bytes_.data() + offset, n);
    return Status::OK();
  }

 private:
  std::vector<uint8_t> bytes_;
};

}  // namespace

ParquetReader::ParquetReader(std::unique_ptr<io::RandomAccessFile> file)
    : file_(std::move(file)), path_(file_->path()) {}

Result<std::unique_ptr<ParquetReader>> ParquetReader::Open(io::FileSystem& fs,
                                                           const std::string& path) {
  auto file = fs.NewRandomAccessFile(path);
  if (!file.ok()) return WithParquetContext(file.status(), "parquet: " + path);
  return Open(std::move(file).value());
}

Result<std::unique_ptr<ParquetReader>> ParquetReader::Open(
    std::unique_ptr<io::RandomAccessFile> file) {
  if (file == nullptr) return Status::InvalidArgument("parquet: no file to open");
  std::unique_ptr<ParquetReader> reader(new ParquetReader(std::move(file)));
  FL_RETURN_NOT_OK(reader->ReadFooter());
  return reader;
}

Status ParquetReader::ReadFooter() {
  const std::string ctx = "parquet: " + path_;
  auto size = file_->Size();
  if (!size.ok()) return WithParquetContext(size.status(), ctx);
  file_size_ = *size;
  if (file_size_ < 12) {
    return Status::DataLoss(fmt::format(
        "{}: file of {} bytes is too small to be Parquet (at least 12)", ctx, file_size_));
  }
  if (file_size_ <= kWholeFileBytes) {
    std::vector<uint8_t> bytes(file_size_);
    FL_RETURN_NOT_OK(WithParquetContext(file_->ReadAt(0, bytes.size(), bytes.data()), ctx));
    file_ = std::make_unique<WholeFile>(path_, std::move(bytes));
  }
  uint8_t tail[8];
  uint8_t head[4];
  FL_RETURN_NOT_OK(WithParquetContext(file_->ReadAt(file_size_ - 8, 8, tail), ctx));
  FL_RETURN_NOT_OK(WithParquetContext(file_->ReadAt(0, 4, head), ctx));
  if (std::memcmp(tail + 4, kEncryptedMagic, 4) == 0) {
    return Status::Unimplemented(ctx + ": encrypted footer (PARE) is not supported");
  }
  if (std::memcmp(tail + 4, kMagic, 4) != 0) {
    return Status::DataLoss(ctx + ": bad trailing magic, not a Parquet file (or truncated)");
  }
  if (std::memcmp(head, kMagic, 4) != 0) {
    return Status::DataLoss(ctx + ": bad leading magic, not a Parquet file");
  }
  const uint32_t footer_len = bit_util::LoadLE32(tail);
  if (footer_len > file_size_ - 12) {
    return Status::DataLoss(fmt::format("{}: footer length {} exceeds the file ({} bytes)", ctx,
                                        footer_len, file_size_));
  }
  data_end_ = file_size_ - 8 - footer_len;
  std::vector<uint8_t> footer(footer_len);
  FL_RETURN_NOT_OK(WithParquetContext(file_->ReadAt(data_end_, footer_len, footer.data()), ctx));
  auto md = ParseFileMetaData(footer.data(), footer.size());
  if (!md.ok()) return WithParquetContext(md.status(), ctx + ": footer");
  metadata_ = std::move(md).value();
  auto schema = FromParquetSchema(metadata_.schema);
  if (!schema.ok()) return WithParquetContext(schema.status(), ctx + ": schema");
  schema_ = std::move(schema).value();

  if (metadata_.num_rows < 0) {
    return Status::DataLoss(fmt::format("{}: footer: {} rows", ctx, metadata_.num_rows));
  }
  int64_t rows = 0;
  for (size_t i = 0; i < metadata_.row_groups.size(); ++i) {
    const RowGroup& rg = metadata_.row_groups[i];
    if (rg.num_rows < 0 || rg.num_rows > std::numeric_limits<int64_t>::max() - rows) {
      return Status::DataLoss(fmt::format("{}: row group {}: {} rows", ctx, i, rg.num_rows));
    }
    rows += rg.num_rows;
    if (rg.columns.size() != schema_.leaves.size()) {
      return Status::DataLoss(
          fmt::format("{}: row group {} has {} column chunks, the schema {} leaf columns", ctx, i,
                      rg.columns.size(), schema_.leaves.size()));
    }
  }
  if (rows != metadata_.num_rows) {
    return Status::DataLoss(fmt::format("{}: row groups hold {} rows, the footer says {}", ctx,
                                        rows, metadata_.num_rows));
  }
  return Status::OK();
}

std::string ParquetReader::ColumnContext(int rg, size_t leaf) const {
  return fmt::format("parquet: {}: column '{}' row group {}", path_,
                     JoinPath(schema_.leaves[leaf].path), rg);
}

Result<std::vector<size_t>> ParquetReader::Projection(const std::vector<size_t>& columns) const {
  const size_t n = schema().num_fields();
  if (columns.empty()) {
    std::vector<size_t> all(n);
    for (size_t i = 0; i < n; ++i) all[i] = i;
    return all;
  }
  for (size_t c : columns) {
    if (c >= n) {
      return Status::InvalidArgument(fmt::format(
          "parquet: {}: column index {} out of range (the file has {} columns)", path_, c, n));
    }
  }
  return columns;
}

columnar::Schema ParquetReader::ProjectedSchema(const std::vector<size_t>& fields) const {
  std::vector<columnar::Field> out;
  out.reserve(fields.size());
  for (size_t f : fields) out.push_back(schema().field(f));
  return columnar::Schema(std::move(out));
}

Result<RecordBatch> ParquetReader::ReadRowGroup(int i, const std::vector<size_t>& columns) {
  if (i < 0 || i >= num_row_groups()) {
    return Status::InvalidArgument(fmt::format(
        "parquet: {}: row group {} out of range (the file has {})", path_, i, num_row_groups()));
  }
  FL_ASSIGN_OR_RETURN(std::vector<size_t> fields, Projection(columns));
  columnar::Schema schema = ProjectedSchema(fields);
  std::vector<Column> cols;
  for (const auto& f : schema.fields()) cols.emplace_back(f.type);
  ReserveFlat(fields, row_group_num_rows(i), &cols);
  FL_RETURN_NOT_OK(ReadRowGroupInto(i, fields, &cols));
  return RecordBatch::Make(std::move(schema), std::move(cols));
}

Result<RecordBatch> ParquetReader::ReadAll(const std::vector<size_t>& columns) {
  FL_ASSIGN_OR_RETURN(std::vector<size_t> fields, Projection(columns));
  columnar::Schema schema = ProjectedSchema(fields);
  std::vector<Column> cols;
  for (const auto& f : schema.fields()) cols.emplace_back(f.type);
  ReserveFlat(fields, metadata_.num_rows, &cols);
  for (int i = 0; i < num_row_groups(); ++i) FL_RETURN_NOT_OK(ReadRowGroupInto(i, fields, &cols));
  return RecordBatch::Make(std::move(schema), std::move(cols));
}

void ParquetReader::ReserveFlat(const std::vector<size_t>& fields, int64_t rows,
                                std::vector<Column>* columns) const {
  // Growing by doubling would copy and fault in every buffer twice. The row count comes from
  // the footer, so it is capped in proportion to the file: past that, columns grow as they go.
  const int64_t slots = std::min<int64_t>(rows, static_cast<int64_t>(file_size_) * 8);
  for (size_t j = 0; j < fields.size(); ++j) {
    const auto [first, last] = schema_.field_leaves[fields[j]];
    if (last == first + 1 && schema_.leaves[first].nodes.size() == 1) {
      // Strings: their bytes, from the chunks' uncompressed sizes (a dictionary-encoded chunk
      // decodes to more; then the column grows as it goes). Capped the same way.
      int64_t chars = 0;
      if ((*columns)[j].type().is_binary_like()) {
        for (const auto& group : metadata_.row_groups) {
          if (first < group.columns.size() && group.columns[first].meta_data) {
            chars += std::max<int64_t>(0, group.columns[first].meta_data->total_uncompressed_size);
          }
        }
        chars = std::min<int64_t>(chars, static_cast<int64_t>(file_size_) * 16);
      }
      (*columns)[j].Reserve(slots, chars);
    }
  }
}

Status ParquetReader::ReadRowGroupInto(int rg, const std::vector<size_t>& fields,
                                       std::vector<Column>* columns) {
  const int64_t rows = metadata_.row_groups[rg].num_rows;
  for (size_t j = 0; j < fields.size(); ++j) {
    Column& col = (*columns)[j];
    const int64_t before = col.length();
    const auto [first, last] = schema_.field_leaves[fields[j]];
    for (size_t leaf = first; leaf < last; ++leaf) {
      FL_RETURN_NOT_OK(ReadLeafChunk(rg, leaf, &col));
    }
    const std::string& name = schema().field(fields[j]).name;
    FL_RETURN_NOT_OK(WithParquetContext(
        ValidateAssembled(col, name, fmt::format(" row group {}", rg)), "parquet: " + path_));
    if (col.length() - before != rows) {
      return Status::DataLoss(
          fmt::format("parquet: {}: column '{}' row group {}: {} rows, the "
                      "row group has {}",
                      path_, name, rg, col.length() - before, rows));
    }
  }
  return Status::OK();
}

Status ParquetReader::ReadLeafChunk(int rg, size_t leaf, Column* top) {
  const std::string ctx = ColumnContext(rg, leaf);
  const LeafDescriptor& desc = schema_.leaves[leaf];
  const RowGroup& group = metadata_.row_groups[rg];
  const ColumnChunk& cc = group.columns[leaf];
  if (cc.file_path && !cc.file_path->empty()) {
    return Status::Unimplemented(ctx + ": column chunk stored in another file ('" + *cc.file_path +
                                 "')");
  }
  if (!cc.meta_data) return Status::DataLoss(ctx + ": column chunk without metadata");
  const ColumnMetaData& md = *cc.meta_data;
  if (md.type != desc.physical_type) {
    return Status::DataLoss(fmt::format("{}: chunk of {} values, the schema says {}", ctx,
                                        TypeName(md.type), TypeName(desc.physical_type)));
  }
  if (md.path_in_schema != desc.path) {
    return Status::DataLoss(
        fmt::format("{}: the chunk is for column '{}'", ctx, JoinPath(md.path_in_schema)));
  }
  FL_ASSIGN_OR_RETURN_CTX(LeafAssembler assembler, LeafAssembler::Make(desc, top), ctx);
  if (md.num_values == 0) {
    if (group.num_rows != 0) {
      return Status::DataLoss(
          fmt::format("{}: empty chunk in a row group of {} rows", ctx, group.num_rows));
    }
    return Status::OK();
  }
  // The chunk starts at its dictionary page when there is one. Writers disagree on how to say
  // "no dictionary" (absent, 0, or an offset past the data page), so take the smallest offset
  // that lies in the data area.
  auto in_data = [&](int64_t off) { return off >= 4 && static_cast<uint64_t>(off) < data_end_; };
  std::optional<int64_t> start;
  if (in_data(md.data_page_offset)) start = md.data_page_offset;
  if (md.dictionary_page_offset && in_data(*md.dictionary_page_offset) &&
      (!start || *md.dictionary_page_offset < *start)) {
    start = *md.dictionary_page_offset;
  }
  if (!start) {
    return Status::DataLoss(fmt::format(
        "{}: chunk offsets (data page {}, dictionary page {}) lie outside the data area [4, {})",
        ctx, md.data_page_offset, md.dictionary_page_offset.value_or(-1), data_end_));
  }
  const uint64_t begin = static_cast<uint64_t>(*start);
  if (md.total_compressed_size <= 0 ||
      static_cast<uint64_t>(md.total_compressed_size) > data_end_ - begin) {
    return Status::DataLoss(
        fmt::format("{}: chunk of {} bytes at offset {} overruns the data area, which ends at {}",
                    ctx, md.total_compressed_size, begin, data_end_));
  }
  const size_t size = static_cast<size_t>(md.total_compressed_size);
  if (md.num_values < 0 ||
      (md.num_values - kMaxChunkEntries) / kMaxEntriesPerChunkByte > md.total_compressed_size) {
    return Status::DataLoss(fmt::format(
        "{}: a {}-byte chunk claims {} values, more than this reader accepts (at most {} plus {} "
        "per byte)",
        ctx, size, md.num_values, kMaxChunkEntries, kMaxEntriesPerChunkByte));
  }
  if (chunk_.size() < size) chunk_.resize(size);
  FL_RETURN_NOT_OK(WithParquetContext(file_->ReadAt(begin, size, chunk_.data()), ctx));
  const uint64_t max_string_bytes = (uint64_t{4} << 30) + file_size_ * 1024;
  FL_RETURN_NOT_OK(WithParquetContext(
      chunk_reader_.Read(desc, md, chunk_.data(), size, &assembler, max_string_bytes), ctx));
  if (assembler.rows() != group.num_rows) {
    return Status::DataLoss(
        fmt::format("{}: {} rows, the row group has {}", ctx, assembler.rows(), group.num_rows));
  }
  return Status::OK();
}

Result<ColumnStatistics> ParquetReader::RowGroupStatistics(int row_group, size_t leaf) const {
  if (row_group < 0 || row_group >= num_row_groups() || leaf >= schema_.leaves.size()) {
    return Status::InvalidArgument(fmt::format(
        "parquet: {}: no leaf column {} in row group {} ({} row groups, {} leaf columns)", path_,
        leaf, row_group, num_row_groups(), schema_.leaves.size()));
  }
  const ColumnChunk& cc = metadata_.row_groups[row_group].columns[leaf];
  const std::string ctx = ColumnContext(row_group, leaf);
  if (!cc.meta_data) return Status::DataLoss(ctx + ": column chunk without metadata");
  auto stats = DecodeStatistics(*cc.meta_data, schema_.leaves[leaf]);
  if (!stats.ok()) return WithParquetContext(stats.status(), ctx + ": statistics");
  return stats;
}

}  // namespace financelake::parquet
