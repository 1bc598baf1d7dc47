#include "financelake/columnar/types.h"

#include <fmt/format.h>

#include <cctype>

namespace financelake::columnar {

DataType DataType::Decimal(int precision, int scale) {
  DataType t(TypeKind::kDecimal);
  t.precision_ = precision;
  t.scale_ = scale;
  return t;
}

DataType DataType::Struct(std::vector<Field> fields) {
  DataType t(TypeKind::kStruct);
  t.children_ = std::move(fields);
  return t;
}

DataType DataType::Array(DataType element, bool contains_null) {
  DataType t(TypeKind::kArray);
  t.children_.push_back(Field{"element", std::move(element), contains_null});
  return t;
}

DataType DataType::Map(DataType key, DataType value, bool value_contains_null) {
  DataType t(TypeKind::kMap);
  t.children_.push_back(Field{"key", std::move(key), false});
  t.children_.push_back(Field{"value", std::move(value), value_contains_null});
  return t;
}

int DataType::fixed_width() const {
  switch (kind_) {
    case TypeKind::kBoolean:
    case TypeKind::kByte: return 1;
    case TypeKind::kShort: return 2;
    case TypeKind::kInteger:
    case TypeKind::kFloat:
    case TypeKind::kDate: return 4;
    case TypeKind::kLong:
    case TypeKind::kDouble:
    case TypeKind::kTimestamp: return 8;
    case TypeKind::kDecimal: return 16;
    default: return 0;
  }
}

std::string_view TypeKindName(TypeKind kind) {
  switch (kind) {
    case TypeKind::kBoolean: return "boolean";
    case TypeKind::kByte: return "byte";
    case TypeKind::kShort: return "short";
    case TypeKind::kInteger: return "integer";
    case TypeKind::kLong: return "long";
    case TypeKind::kFloat: return "float";
    case TypeKind::kDouble: return "double";
    case TypeKind::kString: return "string";
    case TypeKind::kBinary: return "binary";
    case TypeKind::kDate: return "date";
    case TypeKind::kTimestamp: return "timestamp";
    case TypeKind::kDecimal: return "decimal";
    case TypeKind::kStruct: return "struct";
    case TypeKind::kArray: return "array";
    case TypeKind::kMap: return "map";
  }
  return "unknown";
}

std::string DataType::ToString() const {
  switch (kind_) {
    case TypeKind::kDecimal: return fmt::format("decimal({},{})", precision_, scale_);
    case TypeKind::kArray: return fmt::format("array<{}>", children_[0].type.ToString());
    case TypeKind::kMap:
      return fmt::format("map<{},{}>", children_[0].type.ToString(), children_[1].type.ToString());
    case TypeKind::kStruct: {
      std::string out = "struct<";
      for (size_t i = 0; i < children_.size(); ++i) {
        if (i) out += ',';
        out += children_[i].name;
        out += ':';
        out += children_[i].type.ToString();
      }
      return out + ">";
    }
    default: return std::string(TypeKindName(kind_));
  }
}

bool DataType::operator==(const DataType& other) const {
  return kind_ == other.kind_ && precision_ == other.precision_ && scale_ == other.scale_ &&
         children_ == other.children_;
}

namespace {

// Recursive-descent parser over the simple-string form.
class TypeParser {
 public:
  explicit TypeParser(std::string_view text) : text_(text) {}

  Result<DataType> ParseAll() {
    FL_ASSIGN_OR_RETURN(DataType t, ParseType(0));
    SkipSpace();
    if (pos_ != text_.size()) return Error("unexpected trailing text");
    return t;
  }

 private:
  Status Error(std::string_view what) const {
    return Status::InvalidArgument(
        fmt::format("type '{}': {} at position {}", text_, what, pos_));
  }
  void SkipSpace() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  std::string Word(bool lower = true) {
    SkipSpace();
    size_t start = pos_;
    while (pos_ < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[pos_])) ||
                                   text_[pos_] == '_')) {
      ++pos_;
    }
    std::string w(text_.substr(start, pos_ - start));
    if (lower) {
      for (auto& c : w) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return w;
  }
  bool Eat(char c) {
    SkipSpace();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  Result<int> Int() {
    SkipSpace();
    size_t start = pos_;
    while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) ++pos_;
    if (start == pos_ || pos_ - start > 3) return Error("expected a small number");
    return std::stoi(std::string(text_.substr(start, pos_ - start)));
  }

  Result<DataType> ParseType(int depth) {
    if (depth > 32) return Error("nesting too deep");
    std::string w = Word();
    if (w.empty()) return Error("expected a type name");
    if (w == "boolean" || w == "bool") return DataType::Boolean();
    if (w == "byte" || w == "tinyint") return DataType::Byte();
    if (w == "short" || w == "smallint") return DataType::Short();
    if (w == "integer" || w == "int") return DataType::Integer();
    if (w == "long" || w == "bigint") return DataType::Long();
    if (w == "float" || w == "real") return DataType::Float();
    if (w == "double") return DataType::Double();
    if (w == "string" || w == "str" || w == "varchar") return DataType::String();
    if (w == "binary" || w == "blob") return DataType::Binary();
    if (w == "date") return DataType::Date();
    if (w == "timestamp") return DataType::Timestamp();
    if (w == "decimal") {
      int p = 10, s = 0;
      if (Eat('(')) {
        FL_ASSIGN_OR_RETURN(p, Int());
        if (Eat(',')) {
          FL_ASSIGN_OR_RETURN(s, Int());
        }
        if (!Eat(')')) return Error("expected ')'");
      }
      if (p < 1 || p > 38 || s < 0 || s > p) {
        return Error("decimal needs 1 <= precision <= 38 and 0 <= scale <= precision");
      }
      return DataType::Decimal(p, s);
    }
    if (w == "array") {
      if (!Eat('<')) return Error("expected '<'");
      FL_ASSIGN_OR_RETURN(DataType e, ParseType(depth + 1));
      if (!Eat('>')) return Error("expected '>'");
      return DataType::Array(std::move(e));
    }
    if (w == "map") {
      if (!Eat('<')) return Error("expected '<'");
      FL_ASSIGN_OR_RETURN(DataType k, ParseType(depth + 1));
      if (!Eat(',')) return Error("expected ','");
      FL_ASSIGN_OR_RETURN(DataType v, ParseType(depth + 1));
      if (!Eat('>')) return Error("expected '>'");
      return DataType::Map(std::move(k), std::move(v));
    }
    if (w == "struct") {
      if (!Eat('<')) return Error("expected '<'");
      std::vector<Field> fields;
      if (!Eat('>')) {
        do {
          std::string name = Word(/*lower=*/false);
          if (name.empty()) return Error("expected a field name");
          if (!Eat(':')) return Error("expected ':'");
          FL_ASSIGN_OR_RETURN(DataType t, ParseType(depth + 1));
          fields.push_back(Field{std::move(name), std::move(t), true});
        } while (Eat(','));
        if (!Eat('>')) return Error("expected '>'");
      }
      return DataType::Struct(std::move(fields));
    }
    return Error(fmt::format("unknown type '{}'", w));
  }

  std::string_view text_;
  size_t pos_ = 0;
};

}  // namespace

Result<DataType> DataType::Parse(std::string_view text) { return TypeParser(text).ParseAll(); }

}  // namespace financelake::columnar
