// Thrift Compact Protocol, the subset Parquet metadata needs (no messages, no RPC).
//
// Wire format (apache/thrift doc/specs/thrift-compact-protocol.md):
//   - i16/i32/i64 are zigzag varints; i8 is one raw byte; doubles are 8 bytes little-endian;
//     binary is a varint length then the bytes.
//   - A struct is a sequence of fields ended by a stop byte (0). A field header is one byte
//     (id delta << 4 | type) when the id is 1..15 above the previous field's id, otherwise the
//     type byte followed by the id as a zigzag varint. Bool fields carry their value in the type
//     nibble (1 = true, 2 = false) and have no body.
//   - A list/set header is one byte (size << 4 | element type), or (0xf0 | element type) followed
//     by a varint size when the size is 15 or more. Bool elements are one byte each.
//   - A map header is a varint size, then (only if the size is non-zero) one byte
//     (key type << 4 | value type).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "financelake/base/status.h"

namespace financelake::parquet {

// On-wire type codes of the compact protocol.
enum class CompactType : uint8_t {
  kStop = 0,
  kBoolTrue = 1,
  kBoolFalse = 2,
  kByte = 3,
  kI16 = 4,
  kI32 = 5,
  kI64 = 6,
  kDouble = 7,
  kBinary = 8,
  kList = 9,
  kSet = 10,
  kMap = 11,
  kStruct = 12,
};

// Deepest struct/collection nesting either side accepts. Parquet metadata needs about 6.
inline constexpr int kMaxThriftDepth = 64;

// Appends compact-protocol bytes to a caller-owned string. Thread-compatible.
//
// Call protocol for a struct:
//   1. BeginStruct().
//   2. Per field: a Field*() call, or WriteFieldHeader(id, type) followed by the value (Write*(),
//      a list, or a nested struct). Ids that rise by 1..15 get the one-byte header.
//   3. EndStruct() (writes the stop byte).
// A list is WriteListHeader(elem, n) followed by n values written with Write*() (WriteBool for
// bool elements) or n nested structs.
class CompactWriter {
 public:
  explicit CompactWriter(std::string* out) : out_(out) {}

  void BeginStruct();
  void EndStruct();

  void WriteFieldHeader(int16_t id, CompactType type);
  void FieldBool(int16_t id, bool value);
  void FieldI8(int16_t id, int8_t value) {
    WriteFieldHeader(id, CompactType::kByte);
    WriteI8(value);
  }
  void FieldI16(int16_t id, int16_t value) {
    WriteFieldHeader(id, CompactType::kI16);
    WriteI16(value);
  }
  void FieldI32(int16_t id, int32_t value) {
    WriteFieldHeader(id, CompactType::kI32);
    WriteI32(value);
  }
  void FieldI64(int16_t id, int64_t value) {
    WriteFieldHeader(id, CompactType::kI64);
    WriteI64(value);
  }
  void FieldDouble(int16_t id, double value) {
    WriteFieldHeader(id, CompactType::kDouble);
    WriteDouble(value);
  }
  void FieldBinary(int16_t id, std::string_view value) {
    WriteFieldHeader(id, CompactType::kBinary);
    WriteBinary(value);
  }

  void WriteI8(int8_t value) { out_->push_back(static_cast<char>(value)); }
  void WriteI16(int16_t value) { WriteI64(value); }
  void WriteI32(int32_t value) { WriteI64(value); }
  void WriteI64(int64_t value);
  void WriteDouble(double value);
  void WriteBinary(std::string_view value);
  // A bool as a collection element (fields use FieldBool).
  void WriteBool(bool value) { out_->push_back(value ? 1 : 2); }

  void WriteListHeader(CompactType elem, uint32_t size);
  void WriteSetHeader(CompactType elem, uint32_t size) { WriteListHeader(elem, size); }
  void WriteMapHeader(CompactType key, CompactType value, uint32_t size);

  // Writes a bare stop byte; EndStruct() already does this.
  void Stop() { out_->push_back(0); }

  std::string* out() const { return out_; }

 private:
  void WriteVarint(uint64_t v);

  std::string* out_;
  int depth_ = 0;
  int16_t last_id_ = 0;
  std::array<int16_t, kMaxThriftDepth> saved_ids_{};
};

// A field header as read: `type` is kStop at the end of a struct.
struct FieldHeader {
  int16_t id = 0;
  CompactType type = CompactType::kStop;
};

// A list or set header. Bool element types (1 or 2 on the wire) are reported as kBoolTrue.
struct ListHeader {
  CompactType elem = CompactType::kStop;
  uint32_t size = 0;
};

struct MapHeader {
  CompactType key = CompactType::kStop;
  CompactType value = CompactType::kStop;
  uint32_t size = 0;
};

// Reads compact-protocol bytes from a caller-owned buffer that must outlive the reader.
// Every read is bounds-checked; errors are DataLoss("parquet: thrift: <what>, at byte N").
// Collection sizes are checked against the bytes left (every element takes at least one byte),
// and nesting is limited to kMaxThriftDepth, so no input makes it allocate hugely, recurse
// without bound or loop for long. After an error the reader is in an unspecified state and must
// not be used further. Thread-compatible.
//
// Call protocol for a struct: BeginStruct(); then ReadFieldHeader() until it returns kStop,
// reading each field's value with the matching Read*() (bools: BoolFieldValue()) or Skip();
// then EndStruct().
class CompactReader {
 public:
  CompactReader(const uint8_t* data, size_t size) : data_(data), size_(size) {}

  size_t position() const { return pos_; }
  size_t remaining() const { return size_ - pos_; }

  Status BeginStruct();
  Status EndStruct();
  Status ReadFieldHeader(FieldHeader* header) {
    // Inline fast path (once per field of every page header): the one-byte forms.
    if (pos_ < size_) {
      const uint8_t b = data_[pos_];
      const uint8_t t = b & 0x0f;
      const int id = last_id_ + (b >> 4);
      if (b == 0 || (b >= 0x10 && t >= 1 && t <= 12 && id <= 0x7fff)) {
        ++pos_;
        header->type = static_cast<CompactType>(t);
        header->id = b == 0 ? 0 : static_cast<int16_t>(id);
        if (b != 0) last_id_ = header->id;
        return Status::OK();
      }
    }
    return ReadFieldHeaderSlow(header);
  }

  // The value of a bool field, from its header type.
  static bool BoolFieldValue(CompactType type) { return type == CompactType::kBoolTrue; }
  static bool IsBool(CompactType type) {
    return type == CompactType::kBoolTrue || type == CompactType::kBoolFalse;
  }

  Status ReadI8(int8_t* out);
  Status ReadI16(int16_t* out);
  Status ReadI32(int32_t* out) {
    if (pos_ < size_ && data_[pos_] < 0x80) {  // inline fast path: one-byte varint
      const uint32_t v = data_[pos_++];
      *out = static_cast<int32_t>((v >> 1) ^ (0u - (v & 1)));
      return Status::OK();
    }
    return ReadI32Slow(out);
  }
  Status ReadI64(int64_t* out) {
    if (pos_ < size_ && data_[pos_] < 0x80) {
      const uint64_t v = data_[pos_++];
      *out = static_cast<int64_t>((v >> 1) ^ (0 - (v & 1)));
      return Status::OK();
    }
    return ReadI64Slow(out);
  }
  Status ReadDouble(double* out);
  // The view points into the input buffer.
  Status ReadBinary(std::string_view* out);
  Status ReadBinary(std::string* out);
  // A bool collection element (one byte: 1 true; 2, or 0 from old writers, false).
  Status ReadBool(bool* out);

  Status ReadListHeader(ListHeader* header);
  Status ReadSetHeader(ListHeader* header) { return ReadListHeader(header); }
  Status ReadMapHeader(MapHeader* header);

  // Skips the value of a field of wire type `type` (nested structs and collections included).
  Status Skip(CompactType type);
  // Skips the elements of a list/set whose header was just read.
  Status SkipListElements(const ListHeader& header);

  // DataLoss("parquet: thrift: <what>, at byte <position>").
  Status Error(std::string_view what) const;

 private:
  Status ReadFieldHeaderSlow(FieldHeader* header);
  Status ReadI32Slow(int32_t* out);
  Status ReadI64Slow(int64_t* out);
  Status ReadVarint(uint64_t* out);
  Status ReadElemType(uint8_t nibble, CompactType* out);
  Status SkipValue(CompactType type, bool in_collection);
  Status Enter();
  void Leave() { --depth_; }

  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
  int depth_ = 0;
  int16_t last_id_ = 0;
  std::array<int16_t, kMaxThriftDepth> saved_ids_{};
};

}  // namespace financelake::parquet
