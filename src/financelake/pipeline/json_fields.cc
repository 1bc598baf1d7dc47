#include "financelake/pipeline/json_fields.h"

#include <cstdint>

namespace financelake::pipeline {
namespace {

constexpr int kMaxDepth = 128;

class Scanner {
 public:
  explicit Scanner(std::string_view s) : s_(s) {}

  void SkipSpace() {
    while (i_ < s_.size() &&
           (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\r' || s_[i_] == '\t')) {
      ++i_;
    }
  }
  bool AtEnd() const { return i_ == s_.size(); }
  bool Eat(char c) {
    if (i_ < s_.size() && s_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  char Peek() const { return i_ < s_.size() ? s_[i_] : '\0'; }
  size_t pos() const { return i_; }
  std::string_view Slice(size_t from) const { return s_.substr(from, i_ - from); }

  // A string token; with `view`, its unescaped text: a view into the input when it has no
  // escapes, else built in *scratch.
  bool String(std::string_view* view, std::string* scratch) {
    if (!Eat('"')) return false;
    const size_t start = i_;
    size_t run = i_;
    while (run < s_.size() && s_[run] != '"' && s_[run] != '\\' && static_cast<unsigned char>(s_[run]) >= 0x20) {
      ++run;
    }
    if (run < s_.size() && s_[run] == '"') {  // no escapes: the usual case
      if (view != nullptr) *view = s_.substr(start, run - start);
      i_ = run + 1;
      return true;
    }
    std::string* out = nullptr;
    if (view != nullptr) {
      scratch->clear();
      out = scratch;
    }
    if (!EscapedString(out)) return false;
    if (view != nullptr) *view = *scratch;
    return true;
  }

  // The rest of a string token from i_ (after its opening quote); appends its unescaped text to
  // *out when out != nullptr.
  bool EscapedString(std::string* out) {
    while (i_ < s_.size()) {
      // Copy the run without escapes or quotes in one go.
      size_t run = i_;
      while (run < s_.size() && s_[run] != '"' && s_[run] != '\\' &&
             static_cast<unsigned char>(s_[run]) >= 0x20) {
        ++run;
      }
      if (out != nullptr) out->append(s_.data() + i_, run - i_);
      i_ = run;
      if (i_ == s_.size()) return false;
      const char c = s_[i_];
      if (c == '"') {
        ++i_;
        return true;
      }
      if (c != '\\') return false;  // a control character
      if (++i_ == s_.size()) return false;
      const char e = s_[i_++];
      char plain = 0;
      switch (e) {
        case '"': plain = '"'; break;
        case '\\': plain = '\\'; break;
        case '/': plain = '/'; break;
        case 'b': plain = '\b'; break;
        case 'f': plain = '\f'; break;
        case 'n': plain = '\n'; break;
        case 'r': plain = '\r'; break;
        case 't': plain = '\t'; break;
        case 'u': {
          uint32_t cp = 0;
          if (!Hex4(&cp)) return false;
          if (cp >= 0xD800 && cp <= 0xDBFF) {  // a high surrogate needs its low half
            uint32_t lo = 0;
            if (!Eat('\\') || !Eat('u') || !Hex4(&lo) || lo < 0xDC00 || lo > 0xDFFF) return false;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            return false;
          }
          if (out != nullptr) AppendUtf8(cp, out);
          continue;
        }
        default:
          return false;
      }
      if (out != nullptr) out->push_back(plain);
    }
    return false;
  }

  bool Number() {
    const size_t start = i_;
    Eat('-');
    if (Eat('0')) {
      // no leading zeros
    } else if (Digits() == 0) {
      return false;
    }
    if (Eat('.') && Digits() == 0) return false;
    if (Peek() == 'e' || Peek() == 'E') {
      ++i_;
      if (!Eat('+')) Eat('-');
      if (Digits() == 0) return false;
    }
    return i_ > start;
  }

  bool Literal(std::string_view word) {
    if (s_.substr(i_, word.size()) != word) return false;
    i_ += word.size();
    return true;
  }

  // Any value; nested containers are checked but not kept.
  bool Value(int depth) {
    switch (Peek()) {
      case '"': return String(nullptr, nullptr);
      case '{': return Object(depth + 1, nullptr);
      case '[': return Array(depth + 1);
      case 't': return Literal("true");
      case 'f': return Literal("false");
      case 'n': return Literal("null");
      default: return Number();
    }
  }

  bool Array(int depth) {
    if (depth > kMaxDepth || !Eat('[')) return false;
    SkipSpace();
    if (Eat(']')) return true;
    while (true) {
      SkipSpace();
      if (!Value(depth)) return false;
      SkipSpace();
      if (Eat(']')) return true;
      if (!Eat(',')) return false;
    }
  }

  // An object; with `fields`, the top-level values of the named keys are captured.
  bool Object(int depth, std::span<JsonField>* fields) {
    if (depth > kMaxDepth || !Eat('{')) return false;
    SkipSpace();
    if (Eat('}')) return true;
    std::string key_scratch;
    std::string_view key;
    size_t hint = 0;  // payloads usually list their keys in the order of `fields`
    while (true) {
      SkipSpace();
      if (!String(&key, &key_scratch)) return false;
      SkipSpace();
      if (!Eat(':')) return false;
      SkipSpace();
      JsonField* target = nullptr;
      if (fields != nullptr) {
        std::span<JsonField>& fs = *fields;
        if (hint < fs.size() && !fs[hint].present && fs[hint].name == key) {
          target = &fs[hint];
        } else {
          for (JsonField& f : fs) {
            if (!f.present && f.name == key) {
              target = &f;
              break;
            }
          }
        }
        if (target != nullptr) hint = static_cast<size_t>(target - fs.data()) + 1;
      }
      if (target != nullptr && Peek() == '"') {
        if (!String(&target->value, &target->storage)) return false;
        target->present = true;
        target->is_string = true;
      } else {
        const size_t start = pos();
        if (!Value(depth)) return false;
        if (target != nullptr && Slice(start) != "null") {
          target->value = Slice(start);
          target->present = true;
        } else if (target != nullptr) {
          target->is_null = true;
        }
      }
      SkipSpace();
      if (Eat('}')) return true;
      if (!Eat(',')) return false;
    }
  }

 private:
  int Digits() {
    int n = 0;
    while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') {
      ++i_;
      ++n;
    }
    return n;
  }
  bool Hex4(uint32_t* out) {
    if (i_ + 4 > s_.size()) return false;
    uint32_t v = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = s_[i_++];
      v <<= 4;
      if (c >= '0' && c <= '9') v |= static_cast<uint32_t>(c - '0');
      else if (c >= 'a' && c <= 'f') v |= static_cast<uint32_t>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') v |= static_cast<uint32_t>(c - 'A' + 10);
      else return false;
    }
    *out = v;
    return true;
  }
  static void AppendUtf8(uint32_t cp, std::string* out) {
    if (cp < 0x80) {
      out->push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  std::string_view s_;
  size_t i_ = 0;
};

void Clear(std::span<JsonField> fields) {
  for (JsonField& f : fields) {
    f.present = false;
    f.is_string = false;
    f.is_null = false;
    f.value = {};
  }
}

}  // namespace

bool ExtractJsonFields(std::string_view json, std::span<JsonField> fields) {
  Clear(fields);
  Scanner sc(json);
  sc.SkipSpace();
  const bool ok = sc.Object(1, &fields) && (sc.SkipSpace(), sc.AtEnd());
  if (!ok) Clear(fields);
  return ok;
}

}  // namespace financelake::pipeline
