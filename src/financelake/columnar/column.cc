#include "financelake/columnar/column.h"

namespace financelake::columnar {

Column::Column(DataType type) : type_(std::move(type)) {
  switch (type_.kind()) {
    case TypeKind::kString:
    case TypeKind::kBinary:
    case TypeKind::kArray:
    case TypeKind::kMap: offsets_.push_back(0); break;
    default: break;
  }
  for (const auto& f : type_.children()) children_.emplace_back(f.type);
}

void Column::Reserve(int64_t slots, int64_t chars) {
  const int w = type_.fixed_width();
  if (w > 0) data_.reserve(static_cast<size_t>(slots * w));
  if (!offsets_.empty()) offsets_.reserve(static_cast<size_t>(slots + 1));
  if (chars > 0) chars_.reserve(static_cast<size_t>(chars));
  if (!validity_.empty()) validity_.reserve(static_cast<size_t>((slots + 7) / 8));
}

void Column::MaterializeValidity() {
  validity_.assign(static_cast<size_t>((length_ + 7) / 8), 0xFF);
  if (validity_.empty()) return;
  // Clear the bits past length_ in the last byte so later appends can OR in.
  const int used = static_cast<int>(length_ & 7);
  if (used != 0) validity_.back() = static_cast<uint8_t>((1u << used) - 1);
}

void Column::PushNullBit() {
  if (validity_.empty()) MaterializeValidity();
  if ((length_ & 7) == 0) validity_.push_back(0);
  ++length_;
  ++null_count_;
}

void Column::AppendNull() {
  const int w = type_.fixed_width();
  if (w > 0) {
    GrowZeroed(static_cast<size_t>(w));  // null slots hold zeros
  } else if (type_.is_binary_like()) {
    offsets_.push_back(static_cast<int64_t>(chars_.size()));
  } else if (type_.kind() == TypeKind::kArray || type_.kind() == TypeKind::kMap) {
    offsets_.push_back(children_[0].length());
  } else if (type_.kind() == TypeKind::kStruct) {
    for (auto& c : children_) c.AppendNull();
  }
  PushNullBit();
}

void Column::AppendNullShallow() {
  const int w = type_.fixed_width();
  if (w > 0) {
    GrowZeroed(static_cast<size_t>(w));
  } else if (type_.is_binary_like()) {
    offsets_.push_back(static_cast<int64_t>(chars_.size()));
  } else if (type_.kind() == TypeKind::kArray || type_.kind() == TypeKind::kMap) {
    offsets_.push_back(offsets_.back());
  }
  PushNullBit();
}

uint8_t* Column::AppendRaw(int64_t n) {
  const size_t w = static_cast<size_t>(type_.fixed_width());
  FL_DCHECK(w > 0);
  uint8_t* slots = GrowZeroed(w * static_cast<size_t>(n));  // callers rely on zeroed slots
  if (!validity_.empty()) {
    const int64_t end = length_ + n;
    validity_.resize(static_cast<size_t>((end + 7) / 8), 0);
    for (int64_t i = length_; i < end; ++i) {
      validity_[i >> 3] |= static_cast<uint8_t>(1u << (i & 7));
    }
  }
  length_ += n;
  return slots;
}

uint8_t* Column::GrowZeroed(size_t bytes) {
  const size_t old = data_.size();
  data_.resize(old + bytes);
  if (bytes > 0) std::memset(data_.data() + old, 0, bytes);  // (data() may be null when empty)
  return data_.data() + old;
}

void Column::SetNull(int64_t i) {
  if (validity_.empty()) MaterializeValidity();
  uint8_t& byte = validity_[i >> 3];
  const uint8_t mask = static_cast<uint8_t>(1u << (i & 7));
  if (byte & mask) {
    byte &= static_cast<uint8_t>(~mask);
    ++null_count_;
  }
}

void Column::Clear() {
  length_ = 0;
  null_count_ = 0;
  validity_.clear();
  data_.clear();
  chars_.clear();
  if (!offsets_.empty()) offsets_.resize(1);
  for (auto& c : children_) c.Clear();
}

void Column::AppendValue(const Value& v) {
  if (v.is_null()) return AppendNull();
  switch (type_.kind()) {
    case TypeKind::kBoolean: return Append<uint8_t>(v.as_bool() ? 1 : 0);
    case TypeKind::kByte: return Append<int8_t>(static_cast<int8_t>(v.as_int()));
    case TypeKind::kShort: return Append<int16_t>(static_cast<int16_t>(v.as_int()));
    case TypeKind::kInteger:
    case TypeKind::kDate: return Append<int32_t>(static_cast<int32_t>(v.as_int()));
    case TypeKind::kLong:
    case TypeKind::kTimestamp: return Append<int64_t>(v.as_int());
    case TypeKind::kFloat: return Append<float>(static_cast<float>(v.as_double()));
    case TypeKind::kDouble: return Append<double>(v.as_double());
    case TypeKind::kDecimal: return Append<int128_t>(v.as_decimal());
    case TypeKind::kString:
    case TypeKind::kBinary: return AppendString(v.as_bytes());
    default: FL_CHECK(false && "AppendValue on a nested column");
  }
}

Value Column::GetValue(int64_t i) const {
  if (IsNull(i)) return Value::Null();
  switch (type_.kind()) {
    case TypeKind::kBoolean: return Value::Bool(ValueAt<uint8_t>(i) != 0);
    case TypeKind::kByte: return Value::Int(ValueAt<int8_t>(i));
    case TypeKind::kShort: return Value::Int(ValueAt<int16_t>(i));
    case TypeKind::kInteger:
    case TypeKind::kDate: return Value::Int(ValueAt<int32_t>(i));
    case TypeKind::kLong:
    case TypeKind::kTimestamp: return Value::Int(ValueAt<int64_t>(i));
    case TypeKind::kFloat: return Value::Real(ValueAt<float>(i));
    case TypeKind::kDouble: return Value::Real(ValueAt<double>(i));
    case TypeKind::kDecimal: return Value::Decimal(ValueAt<int128_t>(i));
    case TypeKind::kString:
    case TypeKind::kBinary: return Value::Bytes(std::string(StringAt(i)));
    default: return Value::Null();
  }
}

int64_t Column::ByteSize() const {
  int64_t n = static_cast<int64_t>(validity_.size() + data_.size() + chars_.size() +
                                   offsets_.size() * sizeof(int64_t));
  for (const auto& c : children_) n += c.ByteSize();
  return n;
}

}  // namespace financelake::columnar
