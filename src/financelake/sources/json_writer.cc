#include "financelake/sources/json_writer.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>

#include "financelake/columnar/value.h"

namespace financelake::sources {
namespace {

constexpr char kHex[] = "0123456789abcdef";

inline void Put2(int v, char* out) {
  out[0] = static_cast<char>('0' + v / 10);
  out[1] = static_cast<char>('0' + v % 10);
}

// Length of the valid UTF-8 sequence starting at s[0] (1..4), or 0 if it is invalid.
size_t Utf8SequenceLength(const unsigned char* s, size_t avail) {
  const unsigned char c = s[0];
  size_t n;
  uint32_t cp;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
    cp = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    cp = c & 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (avail < n) return 0;
  for (size_t i = 1; i < n; ++i) {
    if ((s[i] & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (s[i] & 0x3F);
  }
  // Overlong forms, surrogates and code points past U+10FFFF are invalid.
  if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
      (cp >= 0xD800 && cp <= 0xDFFF)) {
    return 0;
  }
  return n;
}

}  // namespace

int FormatInt64(int64_t v, char* out) {
  const auto r = std::to_chars(out, out + 20, v);
  return static_cast<int>(r.ptr - out);
}

void TimestampFormatter::Format(int64_t micros, char* out) {
  int64_t day = micros / 86400000000LL;
  int64_t rem = micros % 86400000000LL;
  if (rem < 0) {
    rem += 86400000000LL;
    --day;
  }
  if (day != cached_day_) {
    int64_t y;
    unsigned m, d;
    columnar::CivilFromDays(day, &y, &m, &d);
    // Years outside 0..9999 are not ISO-8601 basic format; clamp the digits (never produced by
    // our sources, which validate their time ranges).
    const int yy = static_cast<int>(y < 0 ? 0 : (y > 9999 ? 9999 : y));
    date_[0] = static_cast<char>('0' + yy / 1000);
    date_[1] = static_cast<char>('0' + yy / 100 % 10);
    date_[2] = static_cast<char>('0' + yy / 10 % 10);
    date_[3] = static_cast<char>('0' + yy % 10);
    date_[4] = '-';
    Put2(static_cast<int>(m), date_ + 5);
    date_[7] = '-';
    Put2(static_cast<int>(d), date_ + 8);
    date_[10] = 'T';
    cached_day_ = day;
  }
  std::memcpy(out, date_, 11);
  const int64_t secs = rem / 1000000;
  int frac = static_cast<int>(rem % 1000000);
  Put2(static_cast<int>(secs / 3600), out + 11);
  out[13] = ':';
  Put2(static_cast<int>(secs / 60 % 60), out + 14);
  out[16] = ':';
  Put2(static_cast<int>(secs % 60), out + 17);
  out[19] = '.';
  for (int i = 25; i >= 20; --i) {
    out[i] = static_cast<char>('0' + frac % 10);
    frac /= 10;
  }
  out[26] = 'Z';
}

void JsonWriter::Grow(size_t n) {
  const size_t used = p_ == nullptr ? 0 : static_cast<size_t>(p_ - buf_.data());
  buf_.resize(std::max(buf_.size() * 2, used + n + 256));
  p_ = buf_.data() + used;
}

void JsonWriter::String(std::string_view s) {
  // Worst case: every byte becomes a 6-char escape, plus the quotes.
  Reserve(s.size() * 6 + 2);
  *p_++ = '"';
  const auto* in = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    const unsigned char c = in[i];
    if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
      *p_++ = static_cast<char>(c);
      ++i;
      continue;
    }
    if (c >= 0x80) {
      const size_t len = Utf8SequenceLength(in + i, n - i);
      if (len != 0) {
        std::memcpy(p_, in + i, len);
        p_ += len;
        i += len;
        continue;
      }
      std::memcpy(p_, "\xEF\xBF\xBD", 3);  // U+FFFD for an invalid byte
      p_ += 3;
      ++i;
      continue;
    }
    *p_++ = '\\';
    switch (c) {
      case '"': *p_++ = '"'; break;
      case '\\': *p_++ = '\\'; break;
      case '\n': *p_++ = 'n'; break;
      case '\r': *p_++ = 'r'; break;
      case '\t': *p_++ = 't'; break;
      default:
        *p_++ = 'u';
        *p_++ = '0';
        *p_++ = '0';
        *p_++ = kHex[c >> 4];
        *p_++ = kHex[c & 15];
    }
    ++i;
  }
  *p_++ = '"';
}

void JsonWriter::Int(int64_t v) {
  Reserve(24);
  p_ += FormatInt64(v, p_);
}

void JsonWriter::Fixed(double v, int decimals) {
  static constexpr double kPow10[] = {1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};
  if (!std::isfinite(v)) return Null();
  const double scaled = v * kPow10[decimals];
  if (std::fabs(scaled) >= 9.0e15) return Double(v);  // beyond exact int64 maths
  const int64_t units = std::llround(scaled);
  char buf[32];
  char* end = buf + sizeof(buf);
  char* q = end;
  const bool neg = units < 0;
  uint64_t mag = neg ? static_cast<uint64_t>(-units) : static_cast<uint64_t>(units);
  for (int i = 0; i < decimals; ++i) {
    *--q = static_cast<char>('0' + mag % 10);
    mag /= 10;
  }
  if (decimals > 0) *--q = '.';
  do {
    *--q = static_cast<char>('0' + mag % 10);
    mag /= 10;
  } while (mag != 0);
  if (neg) *--q = '-';
  Raw(std::string_view(q, static_cast<size_t>(end - q)));
}

void JsonWriter::Double(double v) {
  if (!std::isfinite(v)) return Null();
  Reserve(32);
  p_ = std::to_chars(p_, p_ + 32, v).ptr;
}

void JsonWriter::Timestamp(int64_t micros) {
  Reserve(TimestampFormatter::kLength + 2);
  *p_++ = '"';
  ts_.Format(micros, p_);
  p_ += TimestampFormatter::kLength;
  *p_++ = '"';
}

}  // namespace financelake::sources
