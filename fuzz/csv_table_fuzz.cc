// libFuzzer target: any bytes as a CSV file for `table create/append` (columnar/csv_reader.h).
// Besides never crashing: when the types are inferred, the same text read with the inferred
// schema gives the same values, and the batch written out as CSV (text_values.h, as `table scan
// --format csv` prints it) reads back to the same values: no value changes on the way through.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "financelake/columnar/csv_reader.h"
#include "financelake/columnar/text_values.h"

namespace {

using namespace financelake::columnar;

void Require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "violated: %s\n", what);
    std::abort();
  }
}

bool SameValue(const Value& a, const Value& b) {
  if (std::holds_alternative<double>(a.v) && std::holds_alternative<double>(b.v)) {
    const double x = a.as_double(), y = b.as_double();
    if (x != x && y != y) return true;
    return x == y && std::signbit(x) == std::signbit(y);
  }
  return a == b;
}

bool SameBatch(const RecordBatch& a, const RecordBatch& b) {
  if (!(a.schema() == b.schema()) || a.num_rows() != b.num_rows()) return false;
  for (size_t c = 0; c < a.schema().fields().size(); ++c) {
    for (int64_t i = 0; i < a.num_rows(); ++i) {
      if (!SameValue(a.column(c).GetValue(i), b.column(c).GetValue(i))) {
        std::fprintf(stderr, "column %zu row %lld differs\n", c, static_cast<long long>(i));
        return false;
      }
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 8192) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto inferred = ReadCsv(text, std::nullopt, "fuzz.csv");
  if (!inferred.ok()) {
    Require(!inferred.status().message().empty(), "an error has a message");
    return 0;
  }
  auto typed = ReadCsv(text, inferred->schema(), "fuzz.csv");
  Require(typed.ok(), "the text reads with its own inferred schema");
  Require(SameBatch(*inferred, *typed), "inferred and typed reads agree");

  std::string out;
  AppendCsvHeader(inferred->schema(), &out);
  for (int64_t i = 0; i < inferred->num_rows(); ++i) AppendCsvRow(*inferred, i, &out);
  auto back = ReadCsv(out, inferred->schema(), "written.csv");
  if (!back.ok()) std::fprintf(stderr, "%s\n%s\n", back.status().ToString().c_str(), out.c_str());
  Require(back.ok(), "the written CSV reads back");
  Require(SameBatch(*inferred, *back), "the written CSV reads back to the same values");
  return 0;
}
