#include "financelake/parquet/thrift_compact.h"

#include <bit>
#include <cstring>
#include <limits>
#include <string>

#include "financelake/base/check.h"

namespace financelake::parquet {
namespace {

uint64_t ZigZag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}

int64_t UnZigZag(uint64_t v) {
  return static_cast<int64_t>((v >> 1) ^ (0 - (v & 1)));
}

uint8_t TypeByte(CompactType t) {
  return static_cast<uint8_t>(t);
}

bool IsValueType(uint8_t t) {
  return t >= TypeByte(CompactType::kBoolTrue) && t <= TypeByte(CompactType::kStruct);
}

// Fewest bytes one collection element of type `t` can take; used to reject sizes that cannot fit.
uint64_t MinElementBytes(CompactType t) {
  return t == CompactType::kDouble ? 8 : 1;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// CompactWriter

void CompactWriter::BeginStruct() {
  FL_DCHECK(depth_ < kMaxThriftDepth);
  saved_ids_[depth_++] = last_id_;
  last_id_ = 0;
}

void CompactWriter::EndStruct() {
  FL_DCHECK(depth_ > 0);
  Stop();
  last_id_ = saved_ids_[--depth_];
}

void CompactWriter::WriteFieldHeader(int16_t id, CompactType type) {
  const int delta = static_cast<int>(id) - last_id_;
  if (delta > 0 && delta <= 15) {
    out_->push_back(static_cast<char>((delta << 4) | TypeByte(type)));
  } else {
    out_->push_back(static_cast<char>(TypeByte(type)));
    WriteVarint(ZigZag(id));
  }
  last_id_ = id;
}

void CompactWriter::FieldBool(int16_t id, bool value) {
  WriteFieldHeader(id, value ? CompactType::kBoolTrue : CompactType::kBoolFalse);
}

void CompactWriter::WriteI64(int64_t value) {
  WriteVarint(ZigZag(value));
}

void CompactWriter::WriteDouble(double value) {
  uint64_t bits = std::bit_cast<uint64_t>(value);
  char buf[8];
  for (int i = 0; i < 8; ++i) buf[i] = static_cast<char>(bits >> (8 * i));
  out_->append(buf, 8);
}

void CompactWriter::WriteBinary(std::string_view value) {
  WriteVarint(value.size());
  out_->append(value);
}

void CompactWriter::WriteListHeader(CompactType elem, uint32_t size) {
  if (size < 15) {
    out_->push_back(static_cast<char>((size << 4) | TypeByte(elem)));
  } else {
    out_->push_back(static_cast<char>(0xf0 | TypeByte(elem)));
    WriteVarint(size);
  }
}

void CompactWriter::WriteMapHeader(CompactType key, CompactType value, uint32_t size) {
  WriteVarint(size);
  if (size > 0) out_->push_back(static_cast<char>((TypeByte(key) << 4) | TypeByte(value)));
}

void CompactWriter::WriteVarint(uint64_t v) {
  char buf[10];
  int n = 0;
  while (v >= 0x80) {
    buf[n++] = static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  buf[n++] = static_cast<char>(v);
  out_->append(buf, n);
}

// ---------------------------------------------------------------------------------------------
// CompactReader

Status CompactReader::Error(std::string_view what) const {
  std::string msg = "parquet: thrift: ";
  msg += what;
  msg += ", at byte ";
  msg += std::to_string(pos_);
  return Status::DataLoss(std::move(msg));
}

Status CompactReader::Enter() {
  if (depth_ >= kMaxThriftDepth) {
    return Error("nesting deeper than " + std::to_string(kMaxThriftDepth) + " levels");
  }
  ++depth_;
  return Status::OK();
}

Status CompactReader::BeginStruct() {
  FL_RETURN_NOT_OK(Enter());
  saved_ids_[depth_ - 1] = last_id_;
  last_id_ = 0;
  return Status::OK();
}

Status CompactReader::EndStruct() {
  FL_DCHECK(depth_ > 0);
  last_id_ = saved_ids_[--depth_];
  return Status::OK();
}

Status CompactReader::ReadVarint(uint64_t* out) {
  if (pos_ < size_ && data_[pos_] < 0x80) {  // the common one-byte case
    *out = data_[pos_++];
    return Status::OK();
  }
  uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (pos_ >= size_) return Error("truncated varint");
    const uint8_t b = data_[pos_++];
    v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) {
      *out = v;
      return Status::OK();
    }
  }
  return Error("varint longer than 10 bytes");
}

Status CompactReader::ReadFieldHeaderSlow(FieldHeader* header) {
  if (pos_ >= size_) return Error("truncated struct (no stop byte)");
  const uint8_t b = data_[pos_++];
  if (b == 0) {
    header->id = 0;
    header->type = CompactType::kStop;
    return Status::OK();
  }
  const uint8_t t = b & 0x0f;
  if (!IsValueType(t)) return Error("invalid field type " + std::to_string(t));
  const int delta = b >> 4;
  if (delta != 0) {
    const int id = last_id_ + delta;
    if (id > std::numeric_limits<int16_t>::max()) return Error("field id overflows i16");
    header->id = static_cast<int16_t>(id);
  } else {
    FL_RETURN_NOT_OK(ReadI16(&header->id));
  }
  header->type = static_cast<CompactType>(t);
  last_id_ = header->id;
  return Status::OK();
}

Status CompactReader::ReadI8(int8_t* out) {
  if (pos_ >= size_) return Error("truncated i8");
  *out = static_cast<int8_t>(data_[pos_++]);
  return Status::OK();
}

Status CompactReader::ReadI16(int16_t* out) {
  uint64_t v;
  FL_RETURN_NOT_OK(ReadVarint(&v));
  if (v > 0xffff) return Error("i16 value out of range");
  *out = static_cast<int16_t>(UnZigZag(v));
  return Status::OK();
}

Status CompactReader::ReadI32Slow(int32_t* out) {
  uint64_t v;
  FL_RETURN_NOT_OK(ReadVarint(&v));
  if (v > 0xffffffff) return Error("i32 value out of range");
  *out = static_cast<int32_t>(UnZigZag(v));
  return Status::OK();
}

Status CompactReader::ReadI64Slow(int64_t* out) {
  uint64_t v;
  FL_RETURN_NOT_OK(ReadVarint(&v));
  *out = UnZigZag(v);
  return Status::OK();
}

Status CompactReader::ReadDouble(double* out) {
  if (remaining() < 8) return Error("truncated double");
  uint64_t bits = 0;
  for (int i = 0; i < 8; ++i) bits |= static_cast<uint64_t>(data_[pos_ + i]) << (8 * i);
  pos_ += 8;
  *out = std::bit_cast<double>(bits);
  return Status::OK();
}

Status CompactReader::ReadBinary(std::string_view* out) {
  uint64_t len;
  FL_RETURN_NOT_OK(ReadVarint(&len));
  if (len > remaining()) {
    return Error("binary of " + std::to_string(len) + " bytes exceeds the " +
                 std::to_string(remaining()) + " bytes left");
  }
  *out = std::string_view(reinterpret_cast<const char*>(data_ + pos_), len);
  pos_ += len;
  return Status::OK();
}

Status CompactReader::ReadBinary(std::string* out) {
  std::string_view view;
  FL_RETURN_NOT_OK(ReadBinary(&view));
  out->assign(view.data(), view.size());
  return Status::OK();
}

Status CompactReader::ReadBool(bool* out) {
  if (pos_ >= size_) return Error("truncated bool");
  const uint8_t b = data_[pos_];
  if (b > 2) return Error("invalid bool byte " + std::to_string(b));
  ++pos_;
  *out = b == 1;
  return Status::OK();
}

Status CompactReader::ReadElemType(uint8_t nibble, CompactType* out) {
  if (!IsValueType(nibble)) return Error("invalid element type " + std::to_string(nibble));
  // Writers disagree on 1 vs 2 for bool elements; report one value.
  *out = nibble == TypeByte(CompactType::kBoolFalse) ? CompactType::kBoolTrue
                                                     : static_cast<CompactType>(nibble);
  return Status::OK();
}

Status CompactReader::ReadListHeader(ListHeader* header) {
  if (pos_ >= size_) return Error("truncated list header");
  const uint8_t b = data_[pos_++];
  uint64_t size = b >> 4;
  if (size == 15) {
    FL_RETURN_NOT_OK(ReadVarint(&size));
    if (size > static_cast<uint64_t>(std::numeric_limits<int32_t>::max())) {
      return Error("list size " + std::to_string(size) + " out of range");
    }
  }
  header->size = static_cast<uint32_t>(size);
  if (size == 0 && (b & 0x0f) == 0) {  // an empty list need not name its element type
    header->elem = CompactType::kStop;
    return Status::OK();
  }
  FL_RETURN_NOT_OK(ReadElemType(b & 0x0f, &header->elem));
  if (size * MinElementBytes(header->elem) > remaining()) {
    return Error("list of " + std::to_string(size) + " elements exceeds the " +
                 std::to_string(remaining()) + " bytes left");
  }
  return Status::OK();
}

Status CompactReader::ReadMapHeader(MapHeader* header) {
  uint64_t size;
  FL_RETURN_NOT_OK(ReadVarint(&size));
  if (size > static_cast<uint64_t>(std::numeric_limits<int32_t>::max())) {
    return Error("map size " + std::to_string(size) + " out of range");
  }
  header->size = static_cast<uint32_t>(size);
  header->key = header->value = CompactType::kStop;
  if (size == 0) return Status::OK();
  if (pos_ >= size_) return Error("truncated map header");
  const uint8_t b = data_[pos_++];
  FL_RETURN_NOT_OK(ReadElemType(b >> 4, &header->key));
  FL_RETURN_NOT_OK(ReadElemType(b & 0x0f, &header->value));
  const uint64_t min_bytes = MinElementBytes(header->key) + MinElementBytes(header->value);
  if (size * min_bytes > remaining()) {
    return Error("map of " + std::to_string(size) + " entries exceeds the " +
                 std::to_string(remaining()) + " bytes left");
  }
  return Status::OK();
}

Status CompactReader::Skip(CompactType type) {
  return SkipValue(type, /*in_collection=*/false);
}

Status CompactReader::SkipListElements(const ListHeader& header) {
  for (uint32_t i = 0; i < header.size; ++i) {
    FL_RETURN_NOT_OK(SkipValue(header.elem, /*in_collection=*/true));
  }
  return Status::OK();
}

// Every element consumes at least one byte and nesting is bounded by Enter(), so skipping is
// linear in the input size whatever the bytes say.
Status CompactReader::SkipValue(CompactType type, bool in_collection) {
  switch (type) {
    case CompactType::kBoolTrue:
    case CompactType::kBoolFalse: {
      if (!in_collection) return Status::OK();  // the value was in the field header
      bool ignored;
      return ReadBool(&ignored);
    }
    case CompactType::kByte: {
      int8_t ignored;
      return ReadI8(&ignored);
    }
    case CompactType::kI16:
    case CompactType::kI32:
    case CompactType::kI64: {
      uint64_t ignored;
      return ReadVarint(&ignored);
    }
    case CompactType::kDouble: {
      double ignored;
      return ReadDouble(&ignored);
    }
    case CompactType::kBinary: {
      std::string_view ignored;
      return ReadBinary(&ignored);
    }
    case CompactType::kList:
    case CompactType::kSet: {
      FL_RETURN_NOT_OK(Enter());
      ListHeader header;
      FL_RETURN_NOT_OK(ReadListHeader(&header));
      FL_RETURN_NOT_OK(SkipListElements(header));
      Leave();
      return Status::OK();
    }
    case CompactType::kMap: {
      FL_RETURN_NOT_OK(Enter());
      MapHeader header;
      FL_RETURN_NOT_OK(ReadMapHeader(&header));
      for (uint32_t i = 0; i < header.size; ++i) {
        FL_RETURN_NOT_OK(SkipValue(header.key, /*in_collection=*/true));
        FL_RETURN_NOT_OK(SkipValue(header.value, /*in_collection=*/true));
      }
      Leave();
      return Status::OK();
    }
    case CompactType::kStruct: {
      FL_RETURN_NOT_OK(BeginStruct());
      while (true) {
        FieldHeader field;
        FL_RETURN_NOT_OK(ReadFieldHeader(&field));
        if (field.type == CompactType::kStop) break;
        FL_RETURN_NOT_OK(SkipValue(field.type, /*in_collection=*/false));
      }
      return EndStruct();
    }
    case CompactType::kStop: break;
  }
  return Error("cannot skip a value of type " + std::to_string(TypeByte(type)));
}

}  // namespace financelake::parquet
