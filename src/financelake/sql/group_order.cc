#include "financelake/sql/group_order.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>
#include <numeric>
#include <string>
#include <string_view>

#include "financelake/base/hash.h"
#include "financelake/columnar/value.h"

namespace financelake::sql {
namespace {

using columnar::Column;
using columnar::TypeKind;

struct KeyColumn {
  const Column* column;
  TypeKind kind;
  size_t width;  // 0: strings and binaries
  bool descending;
  const double* reals = nullptr;  // a wide decimal's REALs, per batch row (DecimalByReal)
};

uint64_t Mix(uint64_t h, uint64_t v) {
  h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  return h;
}

// Decimals of up to 15 digits each become a REAL of their own in SQLite (DBL_DIG), in the same
// order, so their unscaled values group and order them as SQLite does; wider ones are grouped
// and ordered by that REAL, which several of them can share (found by a differential hunt:
// GROUP BY k, g over decimal(38,0) keys one apart gave the group (k, 1) twice).
constexpr int kExactDecimalDigits = 15;

bool DecimalByReal(const columnar::DataType& type) {
  return type.kind() == TypeKind::kDecimal && type.precision() > kExactDecimalDigits;
}

// A fixed-width value's bits, false for NULL. NaN reads as NULL and -0.0 as 0.0, as SQLite sees
// them, so rows SQLite calls equal share a group (and keep their scan order within it).
bool FixedBits(const KeyColumn& k, uint32_t row, uint64_t bits[2]) {
  if (k.column->IsNull(row)) return false;
  bits[0] = bits[1] = 0;
  if (k.kind == TypeKind::kDouble || k.kind == TypeKind::kFloat || k.reals != nullptr) {
    const double d = k.reals != nullptr            ? k.reals[row]
                     : k.kind == TypeKind::kDouble ? k.column->ValueAt<double>(row)
                                                   : k.column->ValueAt<float>(row);
    if (std::isnan(d)) return false;
    const double normal = d == 0 ? 0.0 : d;
    std::memcpy(bits, &normal, sizeof normal);
    return true;
  }
  std::memcpy(bits, k.column->values<uint8_t>() + row * k.width, k.width);
  return true;
}

uint64_t HashRow(const std::vector<KeyColumn>& keys, uint32_t row) {
  uint64_t h = 0x243f6a8885a308d3ULL;
  for (const KeyColumn& k : keys) {
    if (k.width == 0) {
      h = k.column->IsNull(row) ? Mix(h, 0x51ed27)
                                : Mix(h, std::hash<std::string_view>{}(k.column->StringAt(row)));
      continue;
    }
    uint64_t bits[2];
    h = FixedBits(k, row, bits) ? Mix(Mix(h, bits[0]), bits[1]) : Mix(h, 0x51ed27);
  }
  return MixBits64(h);  // Mix alone leaves zero low bits (whole-number doubles) in place
}

// Same group: equal as SQLite compares.
bool SameRow(const std::vector<KeyColumn>& keys, uint32_t a, uint32_t b) {
  for (const KeyColumn& k : keys) {
    if (k.width == 0) {
      const bool na = k.column->IsNull(a);
      if (na != k.column->IsNull(b)) return false;
      if (!na && k.column->StringAt(a) != k.column->StringAt(b)) return false;
      continue;
    }
    uint64_t x[2], y[2];
    const bool va = FixedBits(k, a, x);
    if (va != FixedBits(k, b, y)) return false;
    if (va && (x[0] != y[0] || x[1] != y[1])) return false;
  }
  return true;
}

// Dates and timestamps reach SQLite as text ('YYYY-MM-DD', 'YYYY-MM-DDTHH:MM:SS.ffffffZ'). For
// years 0000-9999 the text sorts as the number does; outside them ('-001-..', '10000-..') it
// does not, and the text is compared.
constexpr int64_t kFirstDay = -719528;  // 0000-01-01
constexpr int64_t kLastDay = 2932896;   // 9999-12-31
constexpr int64_t kMicrosPerDay = 86400000000LL;

template <typename T>
int Order(T a, T b) {
  return a < b ? -1 : (b < a ? 1 : 0);
}

int OrderText(const std::string& a, const std::string& b) {
  return Order(a.compare(b), 0);
}

// SQLite's order of one key column's values in rows a and b of the groups' representatives:
// NULL (and NaN, which reads as NULL) first, numbers by value, text and blobs by memcmp and then
// length (the BINARY collation), dates and timestamps as their text, decimals as the REALs
// SQLite sees (by their unscaled values where that is the same order, see kExactDecimalDigits).
int CompareRows(const KeyColumn& k, uint32_t a, uint32_t b) {
  const Column& c = *k.column;
  auto null_like = [&](uint32_t r) {
    if (c.IsNull(r)) return true;
    if (k.kind == TypeKind::kDouble) return std::isnan(c.ValueAt<double>(r));
    if (k.kind == TypeKind::kFloat) return std::isnan(c.ValueAt<float>(r));
    return false;
  };
  const bool na = null_like(a), nb = null_like(b);
  if (na || nb) return static_cast<int>(!na) - static_cast<int>(!nb);
  switch (k.kind) {
    case TypeKind::kBoolean: return Order(c.ValueAt<uint8_t>(a) != 0, c.ValueAt<uint8_t>(b) != 0);
    case TypeKind::kByte: return Order(c.ValueAt<int8_t>(a), c.ValueAt<int8_t>(b));
    case TypeKind::kShort: return Order(c.ValueAt<int16_t>(a), c.ValueAt<int16_t>(b));
    case TypeKind::kInteger: return Order(c.ValueAt<int32_t>(a), c.ValueAt<int32_t>(b));
    case TypeKind::kLong: return Order(c.ValueAt<int64_t>(a), c.ValueAt<int64_t>(b));
    case TypeKind::kFloat: return Order(c.ValueAt<float>(a), c.ValueAt<float>(b));
    case TypeKind::kDouble: return Order(c.ValueAt<double>(a), c.ValueAt<double>(b));
    case TypeKind::kDecimal:
      if (k.reals != nullptr) return Order(k.reals[a], k.reals[b]);
      return Order(c.ValueAt<__int128>(a), c.ValueAt<__int128>(b));
    case TypeKind::kDate: {
      const int32_t x = c.ValueAt<int32_t>(a), y = c.ValueAt<int32_t>(b);
      if (x >= kFirstDay && x <= kLastDay && y >= kFirstDay && y <= kLastDay) return Order(x, y);
      return OrderText(columnar::FormatDate(x), columnar::FormatDate(y));
    }
    case TypeKind::kTimestamp: {
      const int64_t x = c.ValueAt<int64_t>(a), y = c.ValueAt<int64_t>(b);
      const int64_t lo = kFirstDay * kMicrosPerDay, hi = (kLastDay + 1) * kMicrosPerDay;
      if (x >= lo && x < hi && y >= lo && y < hi) return Order(x, y);
      return OrderText(columnar::FormatTimestampMicros(x), columnar::FormatTimestampMicros(y));
    }
    default:  // string, binary (GroupableType keeps nested types out)
      return Order(c.StringAt(a).compare(c.StringAt(b)), 0);
  }
}

}  // namespace

double DecimalAsReal(const Column& column, int64_t row) {
  const std::string text = columnar::FormatValue(column.GetValue(row), column.type());
  const double d = std::strtod(text.c_str(), nullptr);
  return d == 0 ? 0.0 : d;
}

bool GroupableType(const columnar::DataType& type) {
  switch (type.kind()) {
    case TypeKind::kStruct:
    case TypeKind::kArray:
    case TypeKind::kMap: return false;
    default: return true;
  }
}

Result<std::vector<uint32_t>> GroupRows(const columnar::RecordBatch& batch,
                                        const std::vector<uint32_t>* selected,
                                        const std::vector<GroupKey>& keys, GroupRowsStats* stats) {
  if (selected == nullptr && batch.num_rows() > std::numeric_limits<uint32_t>::max()) {
    return Status::OutOfRange(
        fmt::format("{} rows are too many to group in memory; add a WHERE", batch.num_rows()));
  }
  const size_t n = selected != nullptr ? selected->size() : static_cast<size_t>(batch.num_rows());
  auto row_at = [&](size_t i) {
    return selected != nullptr ? (*selected)[i] : static_cast<uint32_t>(i);
  };
  std::vector<KeyColumn> columns;
  std::vector<std::vector<double>> reals;  // converted once: the text round trip is slow
  reals.reserve(keys.size());
  for (const GroupKey& k : keys) {
    const Column& c = batch.column(static_cast<size_t>(k.column));
    if (!GroupableType(c.type()))
      return Status::InvalidArgument(
          fmt::format("cannot group by a {} column", c.type().ToString()));
    columns.push_back(
        KeyColumn{&c, c.type().kind(), static_cast<size_t>(c.type().fixed_width()), k.descending});
    if (DecimalByReal(c.type())) {
      std::vector<double>& r = reals.emplace_back(static_cast<size_t>(c.length()), 0.0);
      for (size_t i = 0; i < n; ++i) {
        const uint32_t row = row_at(i);
        if (c.IsValid(row)) r[row] = DecimalAsReal(c, row);
      }
      columns.back().reals = r.data();
    }
  }

  // Group numbers in order of first appearance, by an open-addressing table of representatives.
  std::vector<uint32_t> first_row;  // per group
  std::vector<uint32_t> group_of(n);
  std::vector<uint32_t> slots(64, 0);  // group + 1; 0 = empty
  std::vector<uint64_t> slot_hash(64, 0);
  size_t mask = slots.size() - 1;
  auto grow = [&] {
    std::vector<uint32_t> old = std::move(slots);
    std::vector<uint64_t> old_hash = std::move(slot_hash);
    slots.assign(old.size() * 2, 0);
    slot_hash.assign(old.size() * 2, 0);
    mask = slots.size() - 1;
    for (size_t s = 0; s < old.size(); ++s) {
      if (old[s] == 0) continue;
      size_t at = old_hash[s] & mask;
      while (slots[at] != 0) at = (at + 1) & mask;
      slots[at] = old[s];
      slot_hash[at] = old_hash[s];
    }
  };
  int64_t probes = 0;
  for (size_t i = 0; i < n; ++i) {
    const uint32_t row = row_at(i);
    const uint64_t h = HashRow(columns, row);
    size_t at = h & mask;
    ++probes;
    while (slots[at] != 0 &&
           (slot_hash[at] != h || !SameRow(columns, first_row[slots[at] - 1], row))) {
      at = (at + 1) & mask;
      ++probes;
    }
    if (slots[at] != 0) {
      group_of[i] = slots[at] - 1;
      continue;
    }
    first_row.push_back(row);
    group_of[i] = static_cast<uint32_t>(first_row.size() - 1);
    slots[at] = static_cast<uint32_t>(first_row.size());
    slot_hash[at] = h;
    if (first_row.size() * 2 > slots.size()) grow();
  }

  // The groups in SQLite's order of their keys.
  const size_t groups = first_row.size();
  std::vector<uint32_t> order(groups);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    for (size_t k = 0; k < columns.size(); ++k) {
      const int c = CompareRows(columns[k], first_row[a], first_row[b]);
      if (c != 0) return columns[k].descending ? c > 0 : c < 0;
    }
    return false;
  });

  // Each group's first position, then the rows in place (scan order within a group).
  std::vector<uint32_t> count(groups, 0);
  for (uint32_t g : group_of) ++count[g];
  std::vector<size_t> start(groups, 0);
  size_t at = 0;
  for (uint32_t g : order) {
    start[g] = at;
    at += count[g];
  }
  std::vector<uint32_t> out(n);
  for (size_t i = 0; i < n; ++i) out[start[group_of[i]]++] = row_at(i);
  if (stats != nullptr) {
    stats->groups = static_cast<int64_t>(groups);
    stats->probes = probes;
  }
  return out;
}

}  // namespace financelake::sql
