#include "financelake/sql/scan_cache.h"

#include <cmath>
#include <cstring>

#include "financelake/columnar/value.h"

namespace financelake::sql {
namespace {

using columnar::TypeKind;

bool ComparedAsInteger(TypeKind k) {
  return k == TypeKind::kBoolean || columnar::IsIntegerKind(k);
}

bool IsFloating(TypeKind k) {
  return k == TypeKind::kFloat || k == TypeKind::kDouble;
}

bool IsText(TypeKind k) {
  return k == TypeKind::kString || k == TypeKind::kDate || k == TypeKind::kTimestamp;
}

std::string IntKey(int64_t v) {
  return std::string(reinterpret_cast<const char*>(&v), sizeof v);
}

std::string RealKey(double d) {
  d += 0.0;  // -0.0 == 0.0
  return std::string(reinterpret_cast<const char*>(&d), sizeof d);
}

// Row r of `c` as the key of the value SQLite sees, or nullopt when SQLite sees NULL or text
// where numbers are expected (a NaN).
std::optional<std::string> KeyAt(const columnar::Column& c, int64_t r) {
  if (c.IsNull(r)) return std::nullopt;
  switch (c.type().kind()) {
    case TypeKind::kBoolean: return IntKey(c.ValueAt<uint8_t>(r) != 0);
    case TypeKind::kByte: return IntKey(c.ValueAt<int8_t>(r));
    case TypeKind::kShort: return IntKey(c.ValueAt<int16_t>(r));
    case TypeKind::kInteger: return IntKey(c.ValueAt<int32_t>(r));
    case TypeKind::kLong: return IntKey(c.ValueAt<int64_t>(r));
    case TypeKind::kFloat:
    case TypeKind::kDouble: {
      const double d =
          c.type().kind() == TypeKind::kFloat ? c.ValueAt<float>(r) : c.ValueAt<double>(r);
      if (std::isnan(d)) return std::nullopt;
      return RealKey(d);
    }
    case TypeKind::kString: return std::string(c.StringAt(r));
    case TypeKind::kDate: return columnar::FormatDate(c.ValueAt<int32_t>(r));
    case TypeKind::kTimestamp: return columnar::FormatTimestampMicros(c.ValueAt<int64_t>(r));
    default: return std::nullopt;
  }
}

bool SameValue(const SqlValue& a, const SqlValue& b) {
  return a.kind == b.kind && a.i == b.i && (a.d == b.d || (std::isnan(a.d) && std::isnan(b.d))) &&
         a.s == b.s;
}

}  // namespace

KeyIndex::KeyIndex(const columnar::Column& column) : kind_(column.type().kind()) {
  for (int64_t r = 0; r < column.length(); ++r) {
    if (auto key = KeyAt(column, r)) rows_[*key].push_back(static_cast<uint32_t>(r));
  }
}

KeyIndex::Match KeyIndex::Lookup(const SqlValue& v, const std::vector<uint32_t>** rows) const {
  std::string key;
  if (ComparedAsInteger(kind_) && v.kind == SqlValue::Kind::kInteger) {
    key = IntKey(v.i);
  } else if (ComparedAsInteger(kind_) && v.kind == SqlValue::Kind::kReal) {
    // SQLite compares integers with reals exactly: only a whole real in range can match.
    if (!(v.d == std::floor(v.d) && v.d >= -9223372036854775808.0 && v.d < 9223372036854775808.0)) {
      return Match::kNone;
    }
    key = IntKey(static_cast<int64_t>(v.d));
  } else if (IsFloating(kind_) && v.kind == SqlValue::Kind::kReal) {
    key = RealKey(v.d);
  } else if (IsFloating(kind_) && v.kind == SqlValue::Kind::kInteger &&
             v.i >= -(int64_t{1} << 53) && v.i <= (int64_t{1} << 53)) {
    key = RealKey(static_cast<double>(v.i));
  } else if (IsText(kind_) && v.kind == SqlValue::Kind::kText) {
    key = v.s;
  } else {
    return Match::kAll;  // SQLite's conversions decide
  }
  const auto it = rows_.find(key);
  if (it == rows_.end()) return Match::kNone;
  *rows = &it->second;
  return Match::kRows;
}

Result<RowSelection> RepeatedScans::Filter(const void* table, const std::string& plan,
                                           std::shared_ptr<const void> snapshot,
                                           const std::vector<PlanTerm>& terms, const ScanFn& scan) {
  State& s = plans_[{table, plan}];
  if (s.snapshot != snapshot || s.last.size() != terms.size()) {
    s = State();
    s.snapshot = std::move(snapshot);
    s.varied.assign(terms.size(), false);
  }
  for (size_t i = 0; s.calls > 0 && i < terms.size(); ++i) {
    if (!SameValue(terms[i].value, s.last[i])) s.varied[i] = true;
  }
  s.last.clear();
  for (const PlanTerm& t : terms) s.last.push_back(t.value);
  ++s.calls;
  if (s.kept == nullptr && (s.calls == 1 || s.direct_files < s.files_total)) {
    // Its own scan with every pushed term, not kept, while such scans cost less than one read
    // of the whole table.
    std::vector<std::string> pushed;
    for (const PlanTerm& t : terms) {
      if (t.pushed.has_value()) pushed.push_back(*t.pushed);
    }
    FL_ASSIGN_OR_RETURN(ScannedRows rows, scan(pushed));
    s.direct_files += rows.files_read;
    s.files_total = rows.files_total;
    return RowSelection{std::make_shared<const ScannedRows>(std::move(rows)), nullptr, nullptr};
  }

  // Apply the pushed terms that have kept their value; rescan only when that set changes.
  std::vector<bool> applied(terms.size());
  for (size_t i = 0; i < terms.size(); ++i)
    applied[i] = terms[i].pushed.has_value() && !s.varied[i];
  bool reuse = s.kept != nullptr && s.kept_applied == applied;
  for (size_t i = 0; reuse && i < terms.size(); ++i)
    reuse = !applied[i] || SameValue(terms[i].value, s.kept_values[i]);
  if (!reuse) {
    std::vector<std::string> pushed;
    for (size_t i = 0; i < terms.size(); ++i) {
      if (applied[i]) pushed.push_back(*terms[i].pushed);
    }
    FL_ASSIGN_OR_RETURN(ScannedRows rows, scan(pushed));
    s.kept = std::make_shared<const ScannedRows>(std::move(rows));
    s.kept_applied = applied;
    s.kept_values = s.last;
    s.index.reset();
    s.index_term = -1;
  }
  RowSelection out{s.kept, nullptr, nullptr};
  int key = -1;
  for (size_t i = 0; key < 0 && i < terms.size(); ++i) {
    if (terms[i].op == PushOp::kEq && !applied[i]) key = static_cast<int>(i);
  }
  if (key < 0) return out;
  if (s.index == nullptr || s.index_term != key) {
    const auto col = s.kept->batch.schema().FieldIndex(terms[static_cast<size_t>(key)].column);
    if (!col.has_value()) return out;
    s.index = std::make_shared<const KeyIndex>(s.kept->batch.column(*col));
    s.index_term = key;
  }
  static const std::vector<uint32_t> kNoRows;
  const std::vector<uint32_t>* rows = nullptr;
  switch (s.index->Lookup(terms[static_cast<size_t>(key)].value, &rows)) {
    case KeyIndex::Match::kRows: return RowSelection{s.kept, s.index, rows};
    case KeyIndex::Match::kNone: return RowSelection{s.kept, s.index, &kNoRows};
    case KeyIndex::Match::kAll: return out;
  }
  return out;
}

}  // namespace financelake::sql
