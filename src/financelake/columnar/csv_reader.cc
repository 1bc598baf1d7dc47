#include "financelake/columnar/csv_reader.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <vector>

#include "financelake/base/utf8.h"
#include "financelake/columnar/text_values.h"
#include "financelake/columnar/value.h"

namespace financelake::columnar {

namespace {

struct CsvField {
  std::string text;
  bool quoted = false;
};

struct CsvRecord {
  std::vector<CsvField> fields;
  int64_t line = 0;
};

Status SplitRecords(std::string_view t, std::string_view source, std::vector<CsvRecord>* out) {
  size_t i = 0;
  int64_t line = 1;
  if (t.size() >= 3 && t.substr(0, 3) == "\xEF\xBB\xBF") i = 3;  // UTF-8 byte order mark
  while (i < t.size()) {
    CsvRecord rec;
    rec.line = line;
    while (true) {
      CsvField f;
      if (i < t.size() && t[i] == '"') {
        f.quoted = true;
        ++i;
        while (true) {
          if (i >= t.size()) {
            return Status::InvalidArgument(
                fmt::format("{}: line {}: unterminated quoted field", source, rec.line));
          }
          if (t[i] == '"') {
            if (i + 1 < t.size() && t[i + 1] == '"') {
              f.text.push_back('"');
              i += 2;
              continue;
            }
            ++i;
            break;
          }
          if (t[i] == '\n') ++line;
          f.text.push_back(t[i++]);
        }
        if (i < t.size() && t[i] != ',' && t[i] != '\n' && t[i] != '\r') {
          return Status::InvalidArgument(
              fmt::format("{}: line {}: text after a closing quote", source, line));
        }
      } else {
        while (i < t.size() && t[i] != ',' && t[i] != '\n' && t[i] != '\r')
          f.text.push_back(t[i++]);
      }
      rec.fields.push_back(std::move(f));
      if (i < t.size() && t[i] == ',') {
        ++i;
        continue;
      }
      break;
    }
    if (i < t.size() && t[i] == '\r') ++i;
    if (i < t.size() && t[i] == '\n') ++i;
    ++line;
    const bool blank =
        rec.fields.size() == 1 && rec.fields[0].text.empty() && !rec.fields[0].quoted;
    if (!blank) out->push_back(std::move(rec));
  }
  return Status::OK();
}

Result<Value> ParseBase64Cell(std::string_view t) {
  std::string bytes;
  if (!Base64Decode(t, &bytes)) {
    return Status::InvalidArgument(
        fmt::format("'{}' is not base64 (binary values are read and written as base64)", t));
  }
  return Value::Bytes(std::move(bytes));
}

bool IsWholeNumber(std::string_view t) {
  if (!t.empty() && (t[0] == '-' || t[0] == '+')) t.remove_prefix(1);
  return !t.empty() && std::all_of(t.begin(), t.end(), [](char c) { return c >= '0' && c <= '9'; });
}

DataType InferType(const std::vector<CsvRecord>& rows, size_t col) {
  // Whole numbers beyond a long's range are kept exact (decimal(38,0), else text), never
  // rounded through a double.
  bool whole = true, any_value = false;
  for (size_t r = 1; r < rows.size() && whole; ++r) {
    const CsvField& f = rows[r].fields[col];
    if (f.text.empty() && !f.quoted) continue;
    any_value = true;
    whole = IsWholeNumber(f.text);
  }
  const std::vector<DataType> candidates =
      whole && any_value
          ? std::vector<DataType>{DataType::Long(), DataType::Decimal(38, 0)}
          : std::vector<DataType>{DataType::Long(), DataType::Double(), DataType::Boolean(),
                                  DataType::Date(), DataType::Timestamp()};
  for (const DataType& t : candidates) {
    bool all = true, any = false;
    for (size_t r = 1; r < rows.size() && all; ++r) {
      const CsvField& f = rows[r].fields[col];
      if (f.text.empty() && !f.quoted) continue;
      any = true;
      // "1"/"0" parse as booleans but are numbers first; keep booleans to true/false words.
      all = ParseValue(f.text, t).ok();
    }
    if (all && any) return t;
  }
  return DataType::String();
}

}  // namespace

Result<RecordBatch> ReadCsv(std::string_view text, const std::optional<Schema>& schema,
                            std::string_view source) {
  // Parquet strings must be UTF-8 (readers such as DuckDB refuse a file holding one that is
  // not), and binary cells are base64: a file in another encoding is refused, not written.
  if (!IsValidUtf8(text)) {
    size_t at = 0;
    while (at < text.size() && Utf8SequenceLength(text, at) != 0)
      at += Utf8SequenceLength(text, at);
    const int64_t line =
        1 + std::count(text.begin(), text.begin() + static_cast<ptrdiff_t>(at), '\n');
    return Status::InvalidArgument(
        fmt::format("{}: line {}: not UTF-8 text (byte 0x{:02X}); convert the file, e.g. iconv -f "
                    "WINDOWS-1252 -t UTF-8",
                    source, line, static_cast<unsigned char>(text[at])));
  }
  std::vector<CsvRecord> rows;
  FL_RETURN_NOT_OK(SplitRecords(text, source, &rows));
  if (rows.empty()) return Status::InvalidArgument(fmt::format("{}: no header line", source));
  // Byte order marks (after leading blank lines, or repeated) are not part of a column name.
  while (rows[0].fields[0].text.rfind("\xEF\xBB\xBF", 0) == 0) {
    rows[0].fields[0].text.erase(0, 3);
  }
  const auto& header = rows[0].fields;
  for (size_t r = 1; r < rows.size(); ++r) {
    if (rows[r].fields.size() != header.size()) {
      return Status::InvalidArgument(fmt::format("{}: line {}: {} fields, the header has {}",
                                                 source, rows[r].line, rows[r].fields.size(),
                                                 header.size()));
    }
  }
  Schema s;
  if (schema) {
    if (schema->num_fields() != header.size()) {
      return Status::InvalidArgument(fmt::format("{}: the schema has {} columns, the header {}",
                                                 source, schema->num_fields(), header.size()));
    }
    for (size_t c = 0; c < header.size(); ++c) {
      if (schema->field(c).name != header[c].text) {
        return Status::InvalidArgument(
            fmt::format("{}: header column {} is '{}', the schema says '{}'", source, c + 1,
                        header[c].text, schema->field(c).name));
      }
      if (schema->field(c).type.is_nested()) {
        return Status::InvalidArgument(fmt::format(
            "{}: column '{}': nested types cannot come from CSV", source, header[c].text));
      }
    }
    s = *schema;
  } else {
    std::vector<Field> fields;
    std::set<std::string_view> names;
    for (size_t c = 0; c < header.size(); ++c) {
      if (header[c].text.empty()) {
        return Status::InvalidArgument(
            fmt::format("{}: header column {} has no name", source, c + 1));
      }
      if (!names.insert(header[c].text).second) {
        return Status::InvalidArgument(fmt::format("{}: header column {} repeats the name '{}'",
                                                   source, c + 1, header[c].text));
      }
      fields.push_back(Field{header[c].text, InferType(rows, c), true});
    }
    s = Schema(std::move(fields));
  }
  RecordBatch batch(s);
  for (size_t c = 0; c < header.size(); ++c) {
    Column& col = batch.mutable_column(c);
    col.Reserve(static_cast<int64_t>(rows.size()));
    for (size_t r = 1; r < rows.size(); ++r) {
      const CsvField& f = rows[r].fields[c];
      if (f.text.empty() && !f.quoted) {
        col.AppendNull();
        continue;
      }
      // A binary value in CSV is base64, as CSV output writes it (a literal in --where is raw).
      auto v = s.field(c).type.kind() == TypeKind::kBinary ? ParseBase64Cell(f.text)
                                                           : ParseValue(f.text, s.field(c).type);
      if (!v.ok()) {
        return v.status().WithContext(
            fmt::format("{}: line {}, column '{}'", source, rows[r].line, s.field(c).name));
      }
      col.AppendValue(*v);
    }
  }
  return batch;
}

}  // namespace financelake::columnar
