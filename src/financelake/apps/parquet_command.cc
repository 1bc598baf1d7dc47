// `financelake parquet schema|cat|write`.
#include <fmt/format.h>

#include <cstdio>
#include <memory>
#include <sstream>

#include "financelake/apps/commands.h"
#include "financelake/apps/table_format.h"
#include "financelake/columnar/csv_reader.h"
#include "financelake/columnar/text_values.h"
#include "financelake/io/posix_filesystem.h"
#include "financelake/parquet/compression.h"
#include "financelake/parquet/reader.h"
#include "financelake/parquet/writer.h"

namespace financelake::apps {

namespace {

struct ParquetArgs {
  std::string file;
  std::string format = "jsonl";
  std::string columns;
  int64_t limit = -1;  // -1: no limit
  std::string csv;
  std::string out;
  std::string compression = "snappy";
  std::string schema;
};

Status WriteStdout(const std::string& s) {
  if (!s.empty() && std::fwrite(s.data(), 1, s.size(), stdout) != s.size()) {
    return Status::IOError("cannot write to standard output");
  }
  return Status::OK();
}

Status RunSchema(const ParquetArgs& a) {
  auto fs = io::PosixFileSystem();
  FL_ASSIGN_OR_RETURN(auto reader, parquet::ParquetReader::Open(*fs, a.file));
  std::string out = fmt::format("rows: {}\n", reader->num_rows());
  for (const auto& f : reader->schema().fields()) {
    out += fmt::format("{}: {}{}\n", f.name, f.type.ToString(), f.nullable ? "" : " not null");
  }
  return WriteStdout(out);
}

Status RunCat(const ParquetArgs& a) {
  if (a.format != "jsonl" && a.format != "csv") {
    return Status::InvalidArgument(fmt::format("--format must be csv or jsonl, not '{}'", a.format));
  }
  if (a.limit < -1) return Status::InvalidArgument(fmt::format("--limit must be >= 0, not {}", a.limit));
  auto fs = io::PosixFileSystem();
  FL_ASSIGN_OR_RETURN(auto reader, parquet::ParquetReader::Open(*fs, a.file));
  FL_ASSIGN_OR_RETURN(auto cols, ResolveColumnList(reader->schema(), a.columns, a.file));
  int64_t remaining = a.limit < 0 ? INT64_MAX : a.limit;
  bool header_done = false;
  std::string out;
  for (int rg = 0; rg < reader->num_row_groups() && remaining > 0; ++rg) {
    FL_ASSIGN_OR_RETURN(auto batch, reader->ReadRowGroup(rg, cols));
    if (a.format == "csv" && !header_done) {
      columnar::AppendCsvHeader(batch.schema(), &out);
      header_done = true;
    }
    const int64_t n = std::min(batch.num_rows(), remaining);
    for (int64_t r = 0; r < n; ++r) {
      if (a.format == "csv") {
        columnar::AppendCsvRow(batch, r, &out);
      } else {
        columnar::AppendJsonRow(batch, r, &out);
        out.push_back('\n');
      }
      if (out.size() > (1 << 20)) {
        FL_RETURN_NOT_OK(WriteStdout(out));
        out.clear();
      }
    }
    remaining -= n;
  }
  if (a.format == "csv" && !header_done) {
    auto projected = cols.empty() ? reader->schema() : columnar::Schema();
    if (!cols.empty()) {
      std::vector<columnar::Field> fields;
      for (size_t i : cols) fields.push_back(reader->schema().field(i));
      projected = columnar::Schema(std::move(fields));
    }
    columnar::AppendCsvHeader(projected, &out);
  }
  return WriteStdout(out);
}

Status RunWrite(const ParquetArgs& a) {
  FL_ASSIGN_OR_RETURN(auto codec, parquet::ParseCodecName(a.compression));
  std::optional<columnar::Schema> schema;
  if (!a.schema.empty()) {
    FL_ASSIGN_OR_RETURN_CTX(schema, columnar::Schema::Parse(a.schema), "--schema");
  }
  auto fs = io::PosixFileSystem();
  FL_ASSIGN_OR_RETURN(std::string text, fs->ReadFile(a.csv));
  FL_ASSIGN_OR_RETURN(auto batch, columnar::ReadCsv(text, schema, a.csv));
  parquet::WriterOptions opts;
  opts.compression = codec;
  // Write to a temporary name and publish on success, so a failed write leaves no partial file.
  const std::string tmp = a.out + ".tmp";
  FL_ASSIGN_OR_RETURN(auto writer, parquet::ParquetWriter::Open(*fs, tmp, batch.schema(), opts));
  Status st = writer->Write(batch);
  if (st.ok()) st = writer->Close().status();
  if (st.ok()) st = fs->Rename(tmp, a.out);
  if (!st.ok()) {
    (void)fs->Delete(tmp);
    return st;
  }
  std::fprintf(stderr, "wrote %lld rows to %s\n", static_cast<long long>(batch.num_rows()),
               a.out.c_str());
  return Status::OK();
}

}  // namespace

void RegisterParquetCommands(CLI::App& app, Action* action) {
  auto args = std::make_shared<ParquetArgs>();
  CLI::App* pq = app.add_subcommand("parquet", "Inspect, print and write Parquet files");
  pq->require_subcommand(1);

  CLI::App* schema = pq->add_subcommand("schema", "Print a Parquet file's row count and schema");
  schema->add_option("FILE", args->file, "Parquet file")->required();
  schema->callback([args, action] { *action = [args] { return RunSchema(*args); }; });

  CLI::App* cat = pq->add_subcommand("cat", "Print a Parquet file's rows");
  cat->add_option("FILE", args->file, "Parquet file")->required();
  cat->add_option("--format", args->format, "csv or jsonl (default jsonl)");
  cat->add_option("--columns", args->columns, "comma-separated columns to print, in order");
  cat->add_option("--limit", args->limit, "print at most N rows");
  cat->callback([args, action] { *action = [args] { return RunCat(*args); }; });

  CLI::App* write = pq->add_subcommand("write", "Write a CSV file as Parquet");
  write->add_option("--csv", args->csv, "input CSV with a header line")->required();
  write->add_option("--out", args->out, "output Parquet file")->required();
  write->add_option("--compression", args->compression, "snappy (default), zstd, gzip or none");
  write->add_option("--schema", args->schema,
                    "column types 'name:type,...' (default: inferred from the data)");
  write->callback([args, action] { *action = [args] { return RunWrite(*args); }; });
}

}  // namespace financelake::apps
