// Column: a typed, growable column of values with a validity (null) bitmap.
//
// Layout (Arrow-like):
//  - validity: one bit per slot, 1 = valid; not materialised until the first null.
//  - fixed-width types: a packed buffer of `length` values (boolean as uint8 0/1, date as int32
//    days, timestamp as int64 µs, decimal as __int128 unscaled). A null slot holds zero.
//  - string/binary: `offsets` (length + 1 entries into `chars`).
//  - array: `offsets` into child(0); map: `offsets` into child(0) (keys) and child(1) (values).
//  - struct: one child per field, each with `length` slots (a null struct has null children).
//
// Building: append values (Append*, AppendNull), or for nested types append to the children
// first and then close the slot (AppendStructValid / CloseList). Not thread-safe; a finished
// column may be read from many threads.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

#include "financelake/base/check.h"
#include "financelake/columnar/types.h"
#include "financelake/columnar/value.h"

namespace financelake::columnar {

class Column {
 public:
  explicit Column(DataType type);

  const DataType& type() const { return type_; }
  int64_t length() const { return length_; }
  int64_t null_count() const { return null_count_; }
  bool IsValid(int64_t i) const {
    return validity_.empty() || ((validity_[i >> 3] >> (i & 7)) & 1);
  }
  bool IsNull(int64_t i) const { return !IsValid(i); }
  // The validity bitmap, or nullptr when every slot is valid.
  const uint8_t* validity_bits() const { return validity_.empty() ? nullptr : validity_.data(); }

  // Fixed-width access. T must match the type's storage (see the layout above).
  template <typename T>
  const T* values() const {
    return reinterpret_cast<const T*>(data_.data());
  }
  template <typename T>
  T* mutable_values() {
    return reinterpret_cast<T*>(data_.data());
  }
  template <typename T>
  T ValueAt(int64_t i) const {
    T v;
    std::memcpy(&v, data_.data() + i * sizeof(T), sizeof(T));
    return v;
  }
  // String/binary access.
  std::string_view StringAt(int64_t i) const {
    return std::string_view(chars_.data() + offsets_[i],
                            static_cast<size_t>(offsets_[i + 1] - offsets_[i]));
  }
  const std::vector<int64_t>& offsets() const { return offsets_; }
  const std::string& chars() const { return chars_; }
  // Nested access.
  size_t num_children() const { return children_.size(); }
  const Column& child(size_t i) const { return children_[i]; }
  Column& mutable_child(size_t i) { return children_[i]; }
  // Number of elements in list/map slot i.
  int64_t ListLength(int64_t i) const { return offsets_[i + 1] - offsets_[i]; }

  // Slot i as a Value (primitive types only; nested types give Null).
  Value GetValue(int64_t i) const;

  // --- building ---
  void Reserve(int64_t slots, int64_t chars = 0);
  template <typename T>
  void Append(T v) {
    const size_t old = data_.size();
    data_.resize(old + sizeof(T));
    std::memcpy(data_.data() + old, &v, sizeof(T));
    PushValid();
  }
  void AppendString(std::string_view s) {
    chars_.append(s.data(), s.size());
    offsets_.push_back(static_cast<int64_t>(chars_.size()));
    PushValid();
  }
  // Appends a primitive Value (Null allowed); the value's alternative must fit the type.
  void AppendValue(const Value& v);
  // A null slot of any type (children of a struct get null slots too).
  void AppendNull();
  // Struct: children were appended one slot each; marks the struct slot valid.
  void AppendStructValid() { PushValid(); }
  // Array/map: elements were appended to the children; closes a valid list slot.
  void CloseList() {
    offsets_.push_back(children_[0].length());
    PushValid();
  }
  // --- level-by-level building (the Parquet reader's record assembly) ---
  // There each producer appends to its own sub-column, so a parent's slots and offsets are
  // kept apart from its children: the children's lengths are checked once at the end.
  //
  // A null slot that leaves the children alone: a struct's children get their null slots from
  // their own producers; a list's offsets continue from the previous end.
  void AppendNullShallow();
  // Array/map: opens a valid, empty list slot after the previous one.
  void StartList() {
    offsets_.push_back(offsets_.back());
    PushValid();
  }
  // Array/map: counts n more elements (appended to the children separately) in the last slot.
  void ExtendLastList(int64_t n) {
    FL_DCHECK(length_ > 0);
    offsets_.back() += n;
  }

  // Fixed-width bulk append: extends by n valid zero slots and returns their bytes to fill.
  uint8_t* AppendRaw(int64_t n);
  // Marks an existing slot null (used with AppendRaw).
  void SetNull(int64_t i);
  // Drops all slots, keeping capacity.
  void Clear();

  // Approximate bytes held (for row-group sizing and memory accounting).
  int64_t ByteSize() const;

 private:
  void PushValid() {
    if (!validity_.empty()) {
      if ((length_ & 7) == 0) validity_.push_back(0);
      validity_[length_ >> 3] |= static_cast<uint8_t>(1u << (length_ & 7));
    }
    ++length_;
  }
  void PushNullBit();
  void MaterializeValidity();
  // Appends `bytes` zero bytes to the value buffer (which itself does not zero-fill); returns them.
  uint8_t* GrowZeroed(size_t bytes);

  // Value bytes are written right after they are allocated, so growing the buffer skips the
  // zero-fill a std::vector<uint8_t> would do (a measurable share of Silver's parse).
  template <typename U>
  struct UninitializedAllocator : std::allocator<U> {
    template <typename V>
    struct rebind {
      using other = UninitializedAllocator<V>;
    };
    UninitializedAllocator() = default;
    template <typename V>
    UninitializedAllocator(const UninitializedAllocator<V>&) {}
    template <typename V>
    void construct(V* p) noexcept {
      ::new (static_cast<void*>(p)) V;  // default-initialised: no zeroing
    }
    template <typename V, typename... Args>
    void construct(V* p, Args&&... args) {
      ::new (static_cast<void*>(p)) V(std::forward<Args>(args)...);
    }
  };

  DataType type_;
  int64_t length_ = 0;
  int64_t null_count_ = 0;
  std::vector<uint8_t> validity_;
  std::vector<uint8_t, UninitializedAllocator<uint8_t>> data_;
  std::vector<int64_t> offsets_;
  std::string chars_;
  std::vector<Column> children_;
};

}  // namespace financelake::columnar
