// The reader on damaged copies of valid files: truncations, broken magic and footer lengths,
// garbage footers, damaged page headers and random byte flips. Every variant must give an
// error (or, when the damage stays within valid data, the right number of rows): never a crash,
// a hang or a runaway allocation. Run under the sanitizer build too (FL_SANITIZE=ON).
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "financelake/parquet/metadata.h"
#include "financelake/parquet/reader.h"

namespace financelake::parquet {
namespace {

constexpr char kPath[] = "/mem/corrupt.parquet";

class StringFile : public io::RandomAccessFile {
 public:
  explicit StringFile(std::string data) : RandomAccessFile(kPath), data_(std::move(data)) {}
  Result<uint64_t> Size() override { return static_cast<uint64_t>(data_.size()); }
  Status ReadAt(uint64_t offset, size_t n, uint8_t* out) override {
    if (offset > data_.size() || n > data_.size() - offset) {
      return Status::OutOfRange("io: read past the end of " + path());
    }
    std::memcpy(out, data_.data() + offset, n);
    return Status::OK();
  }

 private:
  std::string data_;
};

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string DataFile(const std::string& name) {
  return Slurp(std::string(FL_SOURCE_DIR) + "/tests/data/parquet/" + name);
}

std::string SparkCheckpoint() {
  return Slurp(std::string(FL_SOURCE_DIR) +
               "/../shared/fixtures/delta_golden/core/basic-with-inserts-deletes-checkpoint/"
               "_delta_log/00000000000000000010.checkpoint.parquet");
}

// Opens and reads everything; returns the status and, when OK, the rows read.
Status OpenAndRead(std::string bytes, int64_t* rows = nullptr) {
  FL_ASSIGN_OR_RETURN(auto reader, ParquetReader::Open(std::make_unique<StringFile>(bytes)));
  FL_ASSIGN_OR_RETURN(auto batch, reader->ReadAll());
  if (batch.num_rows() != reader->num_rows()) {
    return Status::Internal("read " + std::to_string(batch.num_rows()) + " rows of " +
                            std::to_string(reader->num_rows()));
  }
  if (rows != nullptr) *rows = batch.num_rows();
  return Status::OK();
}

void ExpectErrorNamingFile(const Status& st) {
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.code(), StatusCode::kInternal) << st.ToString();
  EXPECT_EQ(st.message().rfind(std::string("parquet: ") + kPath + ": ", 0), 0u) << st.ToString();
}

// Reads a damaged variant: an error (not Internal) or the original number of rows.
void ExpectErrorOrRows(const std::string& bytes, int64_t want_rows) {
  int64_t rows = -1;
  Status st = OpenAndRead(bytes, &rows);
  if (st.ok()) {
    EXPECT_EQ(rows, want_rows);
  } else {
    EXPECT_NE(st.code(), StatusCode::kInternal) << st.ToString();
    EXPECT_EQ(st.message().rfind("parquet: ", 0), 0u) << st.ToString();
  }
}

struct Original {
  std::string name;
  std::string bytes;
  int64_t rows = 0;
};

std::vector<Original> Originals() {
  std::vector<Original> out = {{"duckdb_types", DataFile("duckdb_types.parquet")},
                               {"duckdb_nested", DataFile("duckdb_nested.parquet")},
                               {"duckdb_types_v2", DataFile("duckdb_types_v2.parquet")},
                               {"spark_checkpoint", SparkCheckpoint()}};
  for (auto& o : out) {
    EXPECT_GT(o.bytes.size(), 100u) << o.name;
    Status st = OpenAndRead(o.bytes, &o.rows);
    EXPECT_TRUE(st.ok()) << o.name << ": " << st.ToString();
  }
  return out;
}

// Offsets and sizes of the first page header of every column chunk.
std::vector<std::pair<size_t, size_t>> PageHeaders(const std::string& bytes) {
  auto reader = ParquetReader::Open(std::make_unique<StringFile>(bytes)).value();
  std::vector<std::pair<size_t, size_t>> out;
  for (const RowGroup& rg : reader->metadata().row_groups) {
    for (const ColumnChunk& cc : rg.columns) {
      const ColumnMetaData& md = *cc.meta_data;
      int64_t off = md.data_page_offset;
      if (md.dictionary_page_offset && *md.dictionary_page_offset > 0) {
        off = std::min(off, *md.dictionary_page_offset);
      }
      size_t header_size = 0;
      const auto* p = reinterpret_cast<const uint8_t*>(bytes.data()) + off;
      EXPECT_TRUE(ParsePageHeader(p, bytes.size() - off, &header_size).ok());
      out.emplace_back(static_cast<size_t>(off), header_size);
    }
  }
  return out;
}

TEST(CorruptFileTest, Truncated) {
  for (const Original& o : Originals()) {
    SCOPED_TRACE(o.name);
    const size_t size = o.bytes.size();
    const size_t step = std::max<size_t>(1, size / 400);
    for (size_t len = 0; len < size; len += (len < 64 || len + 300 > size) ? 1 : step) {
      Status st = OpenAndRead(o.bytes.substr(0, len));
      ASSERT_FALSE(st.ok()) << len;
      ExpectErrorNamingFile(st);
      EXPECT_EQ(st.code(), StatusCode::kDataLoss) << st.ToString();
    }
  }
}

TEST(CorruptFileTest, BadMagicAndFooterLength) {
  for (const Original& o : Originals()) {
    SCOPED_TRACE(o.name);
    std::string b = o.bytes;
    b[0] = 'X';
    ExpectErrorNamingFile(OpenAndRead(b));
    EXPECT_NE(OpenAndRead(b).message().find("leading magic"), std::string::npos);
    b = o.bytes;
    b[b.size() - 1] = 'X';
    ExpectErrorNamingFile(OpenAndRead(b));
    EXPECT_NE(OpenAndRead(b).message().find("trailing magic"), std::string::npos);
    for (uint32_t len : {uint32_t(o.bytes.size()), uint32_t(o.bytes.size() - 11), 0xFFFFFFFFu}) {
      b = o.bytes;
      std::memcpy(&b[b.size() - 8], &len, 4);
      Status st = OpenAndRead(b);
      ExpectErrorNamingFile(st);
      EXPECT_NE(st.message().find("footer length"), std::string::npos) << st.ToString();
    }
    // Footer lengths a little off point the parser at the wrong bytes.
    uint32_t real;
    std::memcpy(&real, &o.bytes[o.bytes.size() - 8], 4);
    for (int delta : {-3, -1, 1, 7, 100}) {
      b = o.bytes;
      const uint32_t len = real + static_cast<uint32_t>(delta);
      std::memcpy(&b[b.size() - 8], &len, 4);
      ExpectErrorNamingFile(OpenAndRead(b));
    }
  }
}

TEST(CorruptFileTest, GarbageFooter) {
  std::mt19937 rng(7);
  for (const Original& o : Originals()) {
    SCOPED_TRACE(o.name);
    uint32_t len;
    std::memcpy(&len, &o.bytes[o.bytes.size() - 8], 4);
    const size_t start = o.bytes.size() - 8 - len;
    for (int v = 0; v < 50; ++v) {
      std::string b = o.bytes;
      for (size_t i = start; i < b.size() - 8; ++i) b[i] = static_cast<char>(rng());
      ExpectErrorNamingFile(OpenAndRead(b));
    }
  }
}

TEST(CorruptFileTest, DamagedPageHeaders) {
  for (const Original& o : Originals()) {
    SCOPED_TRACE(o.name);
    for (auto [off, size] : PageHeaders(o.bytes)) {
      for (size_t i = off; i < off + size; ++i) {
        for (int bit = 0; bit < 8; ++bit) {
          std::string b = o.bytes;
          b[i] = static_cast<char>(b[i] ^ (1 << bit));
          ExpectErrorOrRows(b, o.rows);
        }
      }
    }
  }
}

TEST(CorruptFileTest, WrongPageSizes) {
  for (const Original& o : Originals()) {
    SCOPED_TRACE(o.name);
    for (auto [off, size] : PageHeaders(o.bytes)) {
      const auto* p = reinterpret_cast<const uint8_t*>(o.bytes.data()) + off;
      size_t header_size = 0;
      const PageHeader h = ParsePageHeader(p, o.bytes.size() - off, &header_size).value();
      for (int which = 0; which < 2; ++which) {
        for (int32_t v : {-1, 0, 1, 7, 1 << 20, 0x7FFFFFFF}) {
          PageHeader bad = h;
          (which == 0 ? bad.compressed_page_size : bad.uncompressed_page_size) =
              v == 1 || v == 7
                  ? (which == 0 ? h.compressed_page_size : h.uncompressed_page_size) + v
                  : v;
          std::string header;
          SerializePageHeader(bad, &header);
          std::string b = o.bytes.substr(0, off) + header + o.bytes.substr(off + header_size);
          if (header.size() != header_size) continue;  // would move everything after it
          ExpectErrorOrRows(b, o.rows);
        }
      }
    }
  }
}

TEST(CorruptFileTest, RandomByteFlips) {
  std::mt19937_64 rng(20240601);
  for (const Original& o : Originals()) {
    SCOPED_TRACE(o.name);
    int failed = 0;
    for (int v = 0; v < 1000; ++v) {
      std::string b = o.bytes;
      const int flips = 1 + static_cast<int>(rng() % 3);
      for (int k = 0; k < flips; ++k) {
        const size_t pos = rng() % b.size();
        b[pos] = static_cast<char>(b[pos] ^ static_cast<char>(1 + rng() % 255));
      }
      int64_t rows = -1;
      Status st = OpenAndRead(b, &rows);
      if (!st.ok()) {
        ++failed;
        EXPECT_NE(st.code(), StatusCode::kInternal) << st.ToString();
      } else {
        EXPECT_EQ(rows, o.rows);
      }
    }
    EXPECT_GT(failed, 0);
  }
}

}  // namespace
}  // namespace financelake::parquet
