// libFuzzer target: `--where` expressions (columnar/expr.h) against rows the input also picks.
// The first line is the expression; every further line is a row, cells separated by '|' in the
// order of kColumns, each read with ParseValue (text that does not parse, or is missing, is a
// null). Besides never crashing:
//  - ToString reads back to the same expression (same text, same answers on every row);
//  - data skipping is never wrong: a file whose only row satisfies the expression, and the file
//    of all rows when any satisfies it, must not be skipped by MayMatch over their statistics.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "financelake/columnar/expr.h"
#include "financelake/columnar/text_values.h"

namespace {

using namespace financelake::columnar;

void Require(bool ok) {
  if (!ok) std::abort();
}

Schema FuzzSchema() {
  return Schema({{"l", DataType::Long()},
                 {"i", DataType::Integer()},
                 {"d", DataType::Double()},
                 {"f", DataType::Float()},
                 {"s", DataType::String()},
                 {"dt", DataType::Date()},
                 {"ts", DataType::Timestamp()},
                 {"b", DataType::Boolean()},
                 {"dec", DataType::Decimal(10, 2)},
                 {"by", DataType::Byte()}});
}

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t begin = 0;
  while (true) {
    const size_t end = s.find(sep, begin);
    out.push_back(
        s.substr(begin, end == std::string_view::npos ? std::string_view::npos : end - begin));
    if (end == std::string_view::npos) return out;
    begin = end + 1;
  }
}

bool IsNaN(const Value& v) {
  return std::holds_alternative<double>(v.v) && v.as_double() != v.as_double();
}

// Statistics of rows [begin, end) of every column, as a Delta writer would record them.
std::map<std::string, Expr::ColumnRange> Ranges(const RecordBatch& batch, int64_t begin,
                                                int64_t end) {
  std::map<std::string, Expr::ColumnRange> out;
  for (size_t c = 0; c < batch.schema().fields().size(); ++c) {
    const Field& field = batch.schema().fields()[c];
    const Column& col = batch.column(c);
    Expr::ColumnRange r;
    r.num_records = end - begin;
    int64_t nulls = 0, nans = 0;
    for (int64_t i = begin; i < end; ++i) {
      if (col.IsNull(i)) {
        ++nulls;
        continue;
      }
      const Value v = col.GetValue(i);
      if (IsNaN(v)) {
        ++nans;
        continue;
      }
      if (!r.min || CompareValuesOfType(v, *r.min, field.type.kind()) < 0) r.min = v;
      if (!r.max || CompareValuesOfType(v, *r.max, field.type.kind()) > 0) r.max = v;
    }
    r.null_count = nulls;
    if (field.type.kind() == TypeKind::kDouble || field.type.kind() == TypeKind::kFloat)
      r.nan_count = nans;
    out[field.name] = r;
  }
  return out;
}

bool MayMatch(const Expr& e, const std::map<std::string, Expr::ColumnRange>& ranges) {
  return e.MayMatch([&](const std::string& name) -> const Expr::ColumnRange* {
    auto it = ranges.find(name);
    return it == ranges.end() ? nullptr : &it->second;
  });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  if (size > 4096) return 0;
  const std::vector<std::string_view> lines = Split(input, '\n');
  const Schema schema = FuzzSchema();

  std::vector<Column> cols;
  for (const Field& f : schema.fields()) cols.emplace_back(f.type);
  for (size_t line = 1; line < lines.size() && line <= 16; ++line) {
    const std::vector<std::string_view> cells = Split(lines[line], '|');
    for (size_t c = 0; c < cols.size(); ++c) {
      auto v = c < cells.size() ? ParseValue(cells[c], schema.fields()[c].type)
                                : financelake::Result<Value>(Value::Null());
      cols[c].AppendValue(v.ok() ? *v : Value::Null());
    }
  }
  auto batch = RecordBatch::Make(schema, std::move(cols));
  Require(batch.ok());

  auto expr = Expr::Parse(lines[0], schema);
  if (!expr.ok()) return 0;
  const std::string text = expr->ToString();
  auto again = Expr::Parse(text, schema);
  Require(again.ok());
  Require(again->ToString() == text);

  auto flags = expr->Evaluate(*batch);
  Require(flags.ok());
  auto flags_again = again->Evaluate(*batch);
  Require(flags_again.ok() && *flags_again == *flags);

  bool any = false;
  for (int64_t i = 0; i < batch->num_rows(); ++i) {
    if (!(*flags)[i]) continue;
    any = true;
    Require(MayMatch(*expr, Ranges(*batch, i, i + 1)));
  }
  if (any) Require(MayMatch(*expr, Ranges(*batch, 0, batch->num_rows())));
  return 0;
}
