#include "financelake/delta/schema_json.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>

#include "financelake/columnar/text_values.h"

namespace financelake::delta {
namespace {

using columnar::DataType;
using columnar::Field;
using columnar::TypeKind;
using columnar::Value;

Result<DataType> PrimitiveFromName(std::string_view name) {
  static constexpr std::pair<std::string_view, TypeKind> kNames[] = {
      {"string", TypeKind::kString},       {"long", TypeKind::kLong},
      {"integer", TypeKind::kInteger},     {"short", TypeKind::kShort},
      {"byte", TypeKind::kByte},           {"float", TypeKind::kFloat},
      {"double", TypeKind::kDouble},       {"boolean", TypeKind::kBoolean},
      {"binary", TypeKind::kBinary},       {"date", TypeKind::kDate},
      {"timestamp", TypeKind::kTimestamp},
  };
  for (const auto& [n, kind] : kNames) {
    if (name == n) return DataType(kind);
  }
  // decimal(p,s); Spark also writes a bare "decimal" meaning decimal(10,0).
  if (name == "decimal") return DataType::Decimal(10, 0);
  if (name.substr(0, 8) == "decimal(" && name.back() == ')') {
    std::string_view args = name.substr(8, name.size() - 9);
    const size_t comma = args.find(',');
    int p = -1, s = -1;
    if (comma != std::string_view::npos) {
      std::string_view ps = args.substr(0, comma), ss = args.substr(comma + 1);
      while (!ss.empty() && ss.front() == ' ') ss.remove_prefix(1);
      auto r1 = std::from_chars(ps.data(), ps.data() + ps.size(), p);
      auto r2 = std::from_chars(ss.data(), ss.data() + ss.size(), s);
      if (r1.ptr != ps.data() + ps.size() || r2.ptr != ss.data() + ss.size()) p = -1;
    }
    if (p < 1 || p > 38 || s < 0 || s > p) {
      return Status::InvalidArgument(fmt::format("bad decimal type '{}'", name));
    }
    return DataType::Decimal(p, s);
  }
  return Status::Unimplemented(fmt::format("unsupported type '{}'", name));
}

Result<bool> GetBoolField(const Json& j, std::string_view key, std::string_view what) {
  const Json* v = j.Find(key);
  if (v == nullptr || v->is_null()) return true;  // Spark's default for nullable/containsNull
  if (!v->is_bool())
    return Status::InvalidArgument(fmt::format("{}: '{}' is not a boolean", what, key));
  return v->as_bool();
}

Result<DataType> TypeFromJson(const Json& type, const std::string& where);

Result<std::vector<Field>> FieldsFromJson(const Json& fields, const std::string& prefix) {
  if (!fields.is_array()) return Status::InvalidArgument("struct: 'fields' is not an array");
  std::vector<Field> out;
  out.reserve(fields.size());
  for (const Json& f : fields.items()) {
    const Json* n = f.Find("name");
    if (n == nullptr || !n->is_string()) {
      return Status::InvalidArgument("struct field without a string 'name'");
    }
    std::string name = n->as_string();
    const std::string path = prefix.empty() ? name : prefix + "." + name;
    const Json* t = f.Find("type");
    if (t == nullptr)
      return Status::InvalidArgument(fmt::format("field '{}': missing 'type'", path));
    FL_ASSIGN_OR_RETURN(DataType dt, TypeFromJson(*t, path));
    FL_ASSIGN_OR_RETURN(bool nullable, GetBoolField(f, "nullable", path));
    out.push_back(Field{std::move(name), std::move(dt), nullable});
  }
  return out;
}

Result<DataType> TypeFromJson(const Json& type, const std::string& where) {
  auto context = [&](Status st) {
    return where.empty() ? st : st.WithContext(fmt::format("field '{}'", where));
  };
  if (type.is_string()) {
    auto r = PrimitiveFromName(type.as_string());
    if (!r.ok()) return context(r.status());
    return r;
  }
  if (!type.is_object()) return context(Status::InvalidArgument("type is not a string or object"));
  const std::string kind = type.GetString("type", "");
  if (kind == "struct") {
    const Json* fields = type.Find("fields");
    if (fields == nullptr) return context(Status::InvalidArgument("struct: missing 'fields'"));
    FL_ASSIGN_OR_RETURN(std::vector<Field> fs, FieldsFromJson(*fields, where));
    return DataType::Struct(std::move(fs));
  }
  if (kind == "array") {
    const Json* e = type.Find("elementType");
    if (e == nullptr) return context(Status::InvalidArgument("array: missing 'elementType'"));
    FL_ASSIGN_OR_RETURN(DataType et, TypeFromJson(*e, where + ".element"));
    auto cn = GetBoolField(type, "containsNull", "array");
    if (!cn.ok()) return context(cn.status());
    return DataType::Array(std::move(et), *cn);
  }
  if (kind == "map") {
    const Json* k = type.Find("keyType");
    const Json* v = type.Find("valueType");
    if (k == nullptr || v == nullptr) {
      return context(Status::InvalidArgument("map: missing 'keyType' or 'valueType'"));
    }
    FL_ASSIGN_OR_RETURN(DataType kt, TypeFromJson(*k, where + ".key"));
    FL_ASSIGN_OR_RETURN(DataType vt, TypeFromJson(*v, where + ".value"));
    auto vcn = GetBoolField(type, "valueContainsNull", "map");
    if (!vcn.ok()) return context(vcn.status());
    return DataType::Map(std::move(kt), std::move(vt), *vcn);
  }
  return context(Status::Unimplemented(fmt::format("unsupported type '{}'", type.Dump())));
}

std::string PrimitiveName(const DataType& t) {
  if (t.kind() == TypeKind::kDecimal)
    return fmt::format("decimal({},{})", t.precision(), t.scale());
  return std::string(columnar::TypeKindName(t.kind()));
}

Json FieldToJson(const Field& f) {
  Json j = Json::Object();
  j.Set("name", Json::String(f.name));
  j.Set("type", DataTypeToJson(f.type));
  j.Set("nullable", Json::Bool(f.nullable));
  j.Set("metadata", Json::Object());
  return j;
}

// 'YYYY-MM-DD HH:MM:SS[.ffffff]' (UTC), the form Spark writes into partitionValues.
std::string FormatPartitionTimestamp(int64_t micros) {
  constexpr int64_t kDay = 86'400'000'000;
  int64_t days = micros / kDay, rem = micros % kDay;
  if (rem < 0) {
    rem += kDay;
    --days;
  }
  const int64_t secs = rem / 1'000'000, frac = rem % 1'000'000;
  std::string out =
      fmt::format("{} {:02}:{:02}:{:02}", columnar::FormatDate(static_cast<int32_t>(days)),
                  secs / 3600, secs / 60 % 60, secs % 60);
  if (frac != 0) out += fmt::format(".{:06}", frac);
  return out;
}

// As Java's Double.toString / Float.toString (the shortest digits that read back the same):
// plain decimals with at least one fraction digit for 1e-3 <= |d| < 1e7 ("0.001", "1.0E7"),
// else one digit, a fraction and an exponent ("1.0E20", "1.5E-5").
std::string FormatJavaDouble(double d, bool is_float) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  if (d == 0) return std::signbit(d) ? "-0.0" : "0.0";
  char buf[64];
  const auto written = is_float
                           ? std::to_chars(buf, buf + sizeof buf, static_cast<float>(d),
                                           std::chars_format::scientific)
                           : std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string_view sci(buf, static_cast<size_t>(written.ptr - buf));  // "-1.25e+20"
  if (sci.find('.') == std::string_view::npos) {
    // One digit is enough: Java then takes the closest of the one- and two-digit decimals that
    // read back the same (4.9E-324, not 5.0E-324).
    char two[64];
    const auto w2 = is_float
                        ? std::to_chars(two, two + sizeof two, static_cast<float>(d),
                                        std::chars_format::scientific, 1)
                        : std::to_chars(two, two + sizeof two, d, std::chars_format::scientific, 1);
    double back = 0;
    float back_float = 0;
    if (is_float) {
      std::from_chars(two, w2.ptr, back_float);
    } else {
      std::from_chars(two, w2.ptr, back);
    }
    const bool same = is_float ? back_float == static_cast<float>(d) : back == d;
    if (same) {
      std::copy(two, w2.ptr, buf);
      sci = std::string_view(buf, static_cast<size_t>(w2.ptr - two));
    }
  }
  std::string out;
  if (sci.front() == '-') {
    out = "-";
    sci.remove_prefix(1);
  }
  const size_t e = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e)) {
    if (c != '.') digits += c;
  }
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  std::string_view exp_text = sci.substr(e + 1);
  if (exp_text.front() == '+') exp_text.remove_prefix(1);
  int exp = 0;
  std::from_chars(exp_text.data(), exp_text.data() + exp_text.size(), exp);
  if (exp >= -3 && exp < 7) {
    if (exp >= 0) {
      const size_t int_digits = static_cast<size_t>(exp) + 1;
      if (digits.size() < int_digits) digits.append(int_digits - digits.size(), '0');
      out += digits.substr(0, int_digits);
      out += '.';
      out += digits.size() > int_digits ? digits.substr(int_digits) : "0";
    } else {
      out += "0.";
      out.append(static_cast<size_t>(-exp - 1), '0');
      out += digits;
    }
    return out;
  }
  out += digits[0];
  out += '.';
  out += digits.size() > 1 ? digits.substr(1) : "0";
  out += 'E';
  out += std::to_string(exp);
  return out;
}

}  // namespace

Result<columnar::Schema> SchemaFromJson(std::string_view schema_string) {
  FL_ASSIGN_OR_RETURN(Json j, Json::Parse(schema_string).WithContext("schema"));
  return SchemaFromJson(j);
}

Result<columnar::Schema> SchemaFromJson(const Json& schema) {
  if (!schema.is_object() || schema.GetString("type", "") != "struct") {
    return Status::InvalidArgument("schema: not a struct type");
  }
  const Json* fields = schema.Find("fields");
  if (fields == nullptr) return Status::InvalidArgument("schema: missing 'fields'");
  FL_ASSIGN_OR_RETURN(std::vector<Field> fs, FieldsFromJson(*fields, "").WithContext("schema"));
  return columnar::Schema(std::move(fs));
}

Result<DataType> DataTypeFromJson(const Json& type) {
  return TypeFromJson(type, "");
}

Json DataTypeToJson(const DataType& type) {
  switch (type.kind()) {
    case TypeKind::kStruct: {
      Json fields = Json::Array();
      for (const Field& f : type.children()) fields.Push(FieldToJson(f));
      Json j = Json::Object();
      j.Set("type", Json::String("struct"));
      j.Set("fields", std::move(fields));
      return j;
    }
    case TypeKind::kArray: {
      Json j = Json::Object();
      j.Set("type", Json::String("array"));
      j.Set("elementType", DataTypeToJson(type.children()[0].type));
      j.Set("containsNull", Json::Bool(type.children()[0].nullable));
      return j;
    }
    case TypeKind::kMap: {
      Json j = Json::Object();
      j.Set("type", Json::String("map"));
      j.Set("keyType", DataTypeToJson(type.children()[0].type));
      j.Set("valueType", DataTypeToJson(type.children()[1].type));
      j.Set("valueContainsNull", Json::Bool(type.children()[1].nullable));
      return j;
    }
    default: return Json::String(PrimitiveName(type));
  }
}

Json SchemaToJsonValue(const columnar::Schema& schema) {
  return DataTypeToJson(DataType::Struct(schema.fields()));
}

std::string SchemaToJson(const columnar::Schema& schema) {
  return SchemaToJsonValue(schema).Dump();
}

Result<Value> ParsePartitionValue(const std::optional<std::string>& text, const DataType& type) {
  if (!text.has_value() || text->empty()) return Value::Null();
  if (type.is_nested()) {
    return Status::InvalidArgument(
        fmt::format("partition column of nested type {}", type.ToString()));
  }
  FL_ASSIGN_OR_RETURN(Value v, columnar::ParseValue(*text, type));
  if (type.kind() == TypeKind::kFloat) v = Value::Real(static_cast<float>(v.as_double()));
  return v;
}

std::optional<std::string> SerializePartitionValue(const Value& value, const DataType& type) {
  if (value.is_null()) return std::nullopt;
  switch (type.kind()) {
    case TypeKind::kBoolean: return std::string(value.as_bool() ? "true" : "false");
    case TypeKind::kByte:
    case TypeKind::kShort:
    case TypeKind::kInteger:
    case TypeKind::kLong: return fmt::format("{}", value.as_int());
    case TypeKind::kFloat:
    case TypeKind::kDouble:
      return FormatJavaDouble(value.as_double(), type.kind() == TypeKind::kFloat);
    case TypeKind::kDate: return columnar::FormatDate(static_cast<int32_t>(value.as_int()));
    case TypeKind::kTimestamp: return FormatPartitionTimestamp(value.as_int());
    case TypeKind::kDecimal: return columnar::FormatDecimal(value.as_decimal(), type.scale());
    case TypeKind::kString:
    case TypeKind::kBinary:
      if (value.as_bytes().empty()) return std::nullopt;
      return value.as_bytes();
    default: return std::nullopt;
  }
}

}  // namespace financelake::delta
