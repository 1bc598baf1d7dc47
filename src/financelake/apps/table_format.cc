#include "financelake/apps/table_format.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <string>
#include <vector>

#include "financelake/base/utf8.h"
#include "financelake/columnar/text_values.h"

namespace financelake::apps {

namespace {

using columnar::RecordBatch;
using columnar::TypeKind;

constexpr size_t kFlushBytes = 1 << 20;

// Display width in terminal columns, counting one per UTF-8 code point.
size_t DisplayWidth(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// The value part of `{"name":VALUE}` as AppendJsonRow prints a one-column row.
std::string_view JsonValueOfSingleColumnRow(std::string_view obj) {
  size_t i = 1;  // past '{'
  if (i < obj.size() && obj[i] == '"') {
    for (++i; i < obj.size() && obj[i] != '"'; ++i) {
      if (obj[i] == '\\') ++i;
    }
    ++i;  // closing quote
  }
  if (i < obj.size() && obj[i] == ':') ++i;
  if (obj.size() < i + 1) return {};
  return obj.substr(i, obj.size() - i - 1);
}

// Every cell of one column as text for the kTable format.
std::vector<std::string> ColumnCells(const RecordBatch& batch, size_t c) {
  const columnar::Column& col = batch.column(c);
  const columnar::DataType& type = col.type();
  std::vector<std::string> cells(static_cast<size_t>(batch.num_rows()));
  if (type.is_nested()) {
    // Nested values print as their JSON text: one single-column batch, reused for every row.
    auto single = RecordBatch::Make(columnar::Schema({batch.schema().field(c)}), {col});
    for (int64_t r = 0; r < batch.num_rows(); ++r) {
      if (col.IsNull(r)) {
        cells[r] = "NULL";
        continue;
      }
      std::string obj;
      if (single.ok()) columnar::AppendJsonRow(*single, r, &obj);
      cells[r] = EscapeControl(JsonValueOfSingleColumnRow(obj));
    }
    return cells;
  }
  for (int64_t r = 0; r < batch.num_rows(); ++r) {
    cells[r] = col.IsNull(r) ? "NULL" : EscapeControl(columnar::FormatValue(col.GetValue(r), type));
  }
  return cells;
}

void AppendPadded(std::string_view text, size_t width, bool right, std::string* out) {
  const size_t w = DisplayWidth(text);
  const size_t pad = width > w ? width - w : 0;
  if (right) out->append(pad, ' ');
  out->append(text);
  if (!right) out->append(pad, ' ');
}

Status PrintTable(const RecordBatch& batch) {
  const size_t ncols = batch.num_columns();
  std::vector<std::vector<std::string>> cells(ncols);
  std::vector<size_t> width(ncols);
  std::vector<bool> right(ncols);
  for (size_t c = 0; c < ncols; ++c) {
    cells[c] = ColumnCells(batch, c);
    right[c] = batch.column(c).type().is_numeric();
    width[c] = DisplayWidth(batch.schema().field(c).name);
    for (const std::string& s : cells[c]) width[c] = std::max(width[c], DisplayWidth(s));
  }
  auto end_line = [](std::string* out) {
    while (!out->empty() && out->back() == ' ') out->pop_back();
    out->push_back('\n');
  };
  std::string out;
  for (size_t c = 0; c < ncols; ++c) {
    if (c > 0) out += "  ";
    AppendPadded(EscapeControl(batch.schema().field(c).name), width[c], right[c], &out);
  }
  end_line(&out);
  for (size_t c = 0; c < ncols; ++c) {
    if (c > 0) out += "  ";
    out.append(width[c], '-');
  }
  end_line(&out);
  for (int64_t r = 0; r < batch.num_rows(); ++r) {
    for (size_t c = 0; c < ncols; ++c) {
      if (c > 0) out += "  ";
      AppendPadded(cells[c][r], width[c], right[c], &out);
    }
    end_line(&out);
    if (out.size() > kFlushBytes) {
      FL_RETURN_NOT_OK(WriteStdout(out));
      out.clear();
    }
  }
  out += fmt::format("({} row{})\n", batch.num_rows(), batch.num_rows() == 1 ? "" : "s");
  return WriteStdout(out);
}

}  // namespace

Result<OutputFormat> ParseOutputFormat(std::string_view text) {
  if (text == "table") return OutputFormat::kTable;
  if (text == "csv") return OutputFormat::kCsv;
  if (text == "jsonl") return OutputFormat::kJsonl;
  return Status::InvalidArgument(
      fmt::format("--format must be table, csv or jsonl, not '{}'", text));
}

Result<std::vector<size_t>> ResolveColumnList(const columnar::Schema& schema,
                                              const std::string& list, const std::string& where) {
  std::vector<size_t> out;
  if (list.empty()) return out;
  size_t from = 0;
  while (true) {
    const size_t comma = std::min(list.find(',', from), list.size());
    std::string_view name(list.data() + from, comma - from);
    while (!name.empty() && (name.front() == ' ' || name.front() == '\t')) name.remove_prefix(1);
    while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.remove_suffix(1);
    const auto idx = schema.ResolveFieldIndex(name);
    if (!idx) {
      // Not found, or only case-insensitively and more than once: say which.
      std::vector<std::string> alike;
      for (const columnar::Field& f : schema.fields()) {
        if (f.name.size() == name.size() &&
            std::equal(f.name.begin(), f.name.end(), name.begin(), [](char a, char b) {
              return std::tolower(static_cast<unsigned char>(a)) ==
                     std::tolower(static_cast<unsigned char>(b));
            })) {
          alike.push_back("'" + f.name + "'");
        }
      }
      if (alike.size() > 1) {
        return Status::InvalidArgument(
            fmt::format("{}: '{}' is ambiguous: the table has columns {}; give the exact name",
                        where, name, fmt::join(alike, ", ")));
      }
      return Status::NotFound(fmt::format("{}: no column named '{}'", where, name));
    }
    if (std::find(out.begin(), out.end(), *idx) != out.end()) {
      return Status::InvalidArgument(fmt::format(
          "--columns: '{}' is named twice (a JSON line cannot hold a key twice)", name));
    }
    out.push_back(*idx);
    if (comma == list.size()) break;
    from = comma + 1;
  }
  return out;
}

Status WriteStdout(std::string_view text) {
  if (!text.empty() && std::fwrite(text.data(), 1, text.size(), stdout) != text.size()) {
    return Status::IOError("cannot write to standard output");
  }
  return Status::OK();
}

Status PrintBatch(const RecordBatch& batch, OutputFormat format) {
  if (format == OutputFormat::kTable) return PrintTable(batch);
  std::string out;
  if (format == OutputFormat::kCsv) columnar::AppendCsvHeader(batch.schema(), &out);
  for (int64_t r = 0; r < batch.num_rows(); ++r) {
    if (format == OutputFormat::kCsv) {
      columnar::AppendCsvRow(batch, r, &out);
    } else {
      columnar::AppendJsonRow(batch, r, &out);
      out.push_back('\n');
    }
    if (out.size() > kFlushBytes) {
      FL_RETURN_NOT_OK(WriteStdout(out));
      out.clear();
    }
  }
  return WriteStdout(out);
}

}  // namespace financelake::apps
