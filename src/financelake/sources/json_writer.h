// JsonWriter: builds one compact JSON object at a time, fast enough for 1M+ events/s: values are
// written through a raw pointer into a scratch buffer that keeps its capacity from object to
// object (no allocation in the steady state, no locale, no printf). Used by the event
// serializers in contracts.h; the event contracts themselves are in docs/events.md.
//
// Call protocol: BeginObject(); then for each member Key(name) followed by exactly one value
// (String, Int, Fixed, Double, Bool, Null, Timestamp, or BeginArray, ArrayDouble..., EndArray);
// EndObject(); then view() or CopyTo(). The protocol is not checked. Thread-compatible.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace financelake::sources {

// Writes micros since the epoch as "YYYY-MM-DDTHH:MM:SS.ffffffZ" (exactly 27 chars) to out.
// Caches the date part, so consecutive calls within one day are cheap.
class TimestampFormatter {
 public:
  static constexpr size_t kLength = 27;
  void Format(int64_t micros, char* out);

 private:
  int64_t cached_day_ = INT64_MIN;
  char date_[11] = {};  // "YYYY-MM-DDT"
};

class JsonWriter {
 public:
  JsonWriter() { Grow(1024); }
  // p_ points into buf_: copying would alias another writer's buffer. (A move keeps the heap
  // buffer, which is never in the small-string area since it starts at 1 KiB.)
  JsonWriter(const JsonWriter&) = delete;
  JsonWriter& operator=(const JsonWriter&) = delete;
  JsonWriter(JsonWriter&&) = default;
  JsonWriter& operator=(JsonWriter&&) = default;

  void BeginObject() {
    p_ = buf_.data();
    *p_++ = '{';
    first_ = true;
  }
  void EndObject() {
    Reserve(1);
    *p_++ = '}';
  }
  void BeginArray() {
    Reserve(1);
    *p_++ = '[';
    first_ = true;
  }
  void EndArray() {
    Reserve(1);
    *p_++ = ']';
    first_ = false;
  }
  // `name` must need no escaping (our field names are ASCII identifiers).
  void Key(std::string_view name) {
    Reserve(name.size() + 4);
    if (!first_) *p_++ = ',';
    first_ = false;
    *p_++ = '"';
    std::memcpy(p_, name.data(), name.size());
    p_ += name.size();
    *p_++ = '"';
    *p_++ = ':';
  }

  // Escapes '"', '\\' and control characters; invalid UTF-8 bytes become U+FFFD so the output
  // is always valid JSON text.
  void String(std::string_view s);
  void Int(int64_t v);
  // `v` rounded half away from zero to `decimals` (0..9) places, without exponent and with
  // trailing zeros kept, as prices are quoted (12.5 at 2 places is 12.50). Non-finite -> null.
  void Fixed(double v, int decimals);
  // Shortest text that reads back as the same double (std::to_chars); null if not finite.
  void Double(double v);
  void Bool(bool b) { Raw(b ? std::string_view("true") : std::string_view("false")); }
  void Null() { Raw("null"); }
  void Timestamp(int64_t micros);
  void ArrayDouble(double v) {
    Reserve(1);
    if (!first_) *p_++ = ',';
    first_ = false;
    Double(v);
  }

  std::string_view view() const {
    return std::string_view(buf_.data(), static_cast<size_t>(p_ - buf_.data()));
  }
  // Replaces *out with the object (reusing out's capacity).
  void CopyTo(std::string* out) const {
    out->assign(buf_.data(), static_cast<size_t>(p_ - buf_.data()));
  }

 private:
  void Reserve(size_t n) {
    if (static_cast<size_t>(buf_.data() + buf_.size() - p_) < n) Grow(n);
  }
  void Grow(size_t n);
  void Raw(std::string_view s) {
    Reserve(s.size());
    std::memcpy(p_, s.data(), s.size());
    p_ += s.size();
  }

  std::string buf_;  // scratch; only [data, p_) is meaningful
  char* p_ = nullptr;
  bool first_ = true;
  TimestampFormatter ts_;
};

// Writes `v` in decimal to out; returns the number of chars (at most 20).
int FormatInt64(int64_t v, char* out);

}  // namespace financelake::sources
