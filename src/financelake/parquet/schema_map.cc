#include "financelake/parquet/schema_map.h"

#include <fmt/format.h>

#include <cmath>
#include <set>

namespace financelake::parquet {

using columnar::DataType;
using columnar::Field;
using columnar::TypeKind;

namespace {

constexpr int kMaxDepth = 64;

// ---------- columnar -> Parquet ----------

int DecimalBytes(int precision) {
  // Smallest n with 2^(8n-1) > 10^precision.
  int n = 1;
  while (n < 16) {
    const double max = std::ldexp(1.0, 8 * n - 1);
    if (max > std::pow(10.0, precision)) break;
    ++n;
  }
  return n;
}

LogicalType MakeLogical(LogicalType::Kind kind) {
  LogicalType lt;
  lt.kind = kind;
  return lt;
}

Status AppendField(const Field& f, Repetition rep, int depth, std::vector<SchemaElement>* out) {
  if (depth > kMaxDepth) return Status::InvalidArgument("parquet schema: nesting too deep");
  SchemaElement e;
  e.name = f.name;
  e.repetition_type = rep;
  const DataType& t = f.type;
  switch (t.kind()) {
    case TypeKind::kBoolean: e.type = Type::BOOLEAN; break;
    case TypeKind::kByte:
    case TypeKind::kShort: {
      const int bits = t.kind() == TypeKind::kByte ? 8 : 16;
      e.type = Type::INT32;
      e.converted_type = bits == 8 ? ConvertedType::INT_8 : ConvertedType::INT_16;
      LogicalType lt = MakeLogical(LogicalType::Kind::kInteger);
      lt.bit_width = static_cast<int8_t>(bits);
      lt.is_signed = true;
      e.logical_type = lt;
      break;
    }
    case TypeKind::kInteger: e.type = Type::INT32; break;
    case TypeKind::kLong: e.type = Type::INT64; break;
    case TypeKind::kFloat: e.type = Type::FLOAT; break;
    case TypeKind::kDouble: e.type = Type::DOUBLE; break;
    case TypeKind::kString:
      e.type = Type::BYTE_ARRAY;
      e.converted_type = ConvertedType::UTF8;
      e.logical_type = MakeLogical(LogicalType::Kind::kString);
      break;
    case TypeKind::kBinary: e.type = Type::BYTE_ARRAY; break;
    case TypeKind::kDate:
      e.type = Type::INT32;
      e.converted_type = ConvertedType::DATE;
      e.logical_type = MakeLogical(LogicalType::Kind::kDate);
      break;
    case TypeKind::kTimestamp: {
      e.type = Type::INT64;
      e.converted_type = ConvertedType::TIMESTAMP_MICROS;
      LogicalType lt = MakeLogical(LogicalType::Kind::kTimestamp);
      lt.is_adjusted_to_utc = true;
      lt.unit = TimeUnit::kMicros;
      e.logical_type = lt;
      break;
    }
    case TypeKind::kDecimal: {
      if (t.precision() < 1 || t.precision() > 38 || t.scale() < 0 || t.scale() > t.precision()) {
        return Status::InvalidArgument(
            fmt::format("parquet schema: field '{}': bad {}", f.name, t.ToString()));
      }
      if (t.precision() <= 9) {
        e.type = Type::INT32;
      } else if (t.precision() <= 18) {
        e.type = Type::INT64;
      } else {
        e.type = Type::FIXED_LEN_BYTE_ARRAY;
        e.type_length = DecimalBytes(t.precision());
      }
      e.converted_type = ConvertedType::DECIMAL;
      e.precision = t.precision();
      e.scale = t.scale();
      LogicalType lt = MakeLogical(LogicalType::Kind::kDecimal);
      lt.precision = t.precision();
      lt.scale = t.scale();
      e.logical_type = lt;
      break;
    }
    case TypeKind::kStruct: {
      if (t.children().empty()) {
        return Status::InvalidArgument(
            fmt::format("parquet schema: struct '{}' has no fields", f.name));
      }
      e.num_children = static_cast<int32_t>(t.children().size());
      out->push_back(std::move(e));
      for (const auto& c : t.children()) {
        FL_RETURN_NOT_OK(AppendField(c, c.nullable ? Repetition::OPTIONAL : Repetition::REQUIRED,
                                     depth + 1, out));
      }
      return Status::OK();
    }
    case TypeKind::kArray: {
      e.num_children = 1;
      e.converted_type = ConvertedType::LIST;
      e.logical_type = MakeLogical(LogicalType::Kind::kList);
      out->push_back(std::move(e));
      SchemaElement list;
      list.name = "list";
      list.repetition_type = Repetition::REPEATED;
      list.num_children = 1;
      out->push_back(std::move(list));
      const Field& el = t.children()[0];
      return AppendField(el, el.nullable ? Repetition::OPTIONAL : Repetition::REQUIRED,
                         depth + 1, out);
    }
    case TypeKind::kMap: {
      e.num_children = 1;
      e.converted_type = ConvertedType::MAP;
      e.logical_type = MakeLogical(LogicalType::Kind::kMap);
      out->push_back(std::move(e));
      SchemaElement kv;
      kv.name = "key_value";
      kv.repetition_type = Repetition::REPEATED;
      kv.num_children = 2;
      out->push_back(std::move(kv));
      FL_RETURN_NOT_OK(AppendField(t.children()[0], Repetition::REQUIRED, depth + 1, out));
      const Field& v = t.children()[1];
      return AppendField(v, v.nullable ? Repetition::OPTIONAL : Repetition::REQUIRED, depth + 1,
                         out);
    }
  }
  out->push_back(std::move(e));
  return Status::OK();
}

// ---------- Parquet -> columnar ----------

struct TreeNode {
  const SchemaElement* e = nullptr;
  size_t index = 0;
  std::vector<TreeNode> children;
};

Status BuildTree(const std::vector<SchemaElement>& els, size_t* pos, int depth, TreeNode* node) {
  if (depth > kMaxDepth) return Status::DataLoss("parquet schema: nesting too deep");
  if (*pos >= els.size()) return Status::DataLoss("parquet schema: fewer elements than declared");
  node->e = &els[*pos];
  node->index = *pos;
  ++*pos;
  const int32_t n = node->e->num_children.value_or(0);
  if (n < 0 || static_cast<size_t>(n) > els.size() - *pos) {
    return Status::DataLoss(fmt::format("parquet schema: element '{}' claims {} children",
                                        node->e->name, n));
  }
  node->children.resize(static_cast<size_t>(n));
  for (auto& c : node->children) FL_RETURN_NOT_OK(BuildTree(els, pos, depth + 1, &c));
  return Status::OK();
}

bool IsGroup(const TreeNode& n) { return n.e->num_children.has_value() && !n.e->type.has_value(); }

LogicalType::Kind LogicalKind(const SchemaElement& e) {
  return e.logical_type ? e.logical_type->kind : LogicalType::Kind::kNone;
}

bool HasConverted(const SchemaElement& e, ConvertedType c) {
  return e.converted_type && *e.converted_type == c;
}

Status Unsupported(const SchemaElement& e, std::string_view what) {
  return Status::Unimplemented(fmt::format("parquet schema: column '{}': {}", e.name, what));
}

Status LeafType(const SchemaElement& e, LeafDescriptor* leaf) {
  if (!e.type) return Status::DataLoss(fmt::format("parquet schema: leaf '{}' has no type", e.name));
  const LogicalType::Kind lk = LogicalKind(e);
  const bool is_decimal = lk == LogicalType::Kind::kDecimal || HasConverted(e, ConvertedType::DECIMAL);
  int precision = e.precision.value_or(0), scale = e.scale.value_or(0);
  if (lk == LogicalType::Kind::kDecimal) {
    precision = e.logical_type->precision;
    scale = e.logical_type->scale;
  }
  auto decimal = [&](LeafConversion conv) -> Status {
    if (precision < 1 || precision > 38 || scale < 0 || scale > precision) {
      return Unsupported(e, fmt::format("decimal({},{}) is outside 1..38 digits", precision, scale));
    }
    leaf->type = DataType::Decimal(precision, scale);
    leaf->conversion = conv;
    return Status::OK();
  };
  leaf->physical_type = *e.type;
  leaf->type_length = e.type_length.value_or(0);
  switch (*e.type) {
    case Type::BOOLEAN: leaf->type = DataType::Boolean(); return Status::OK();
    case Type::INT32: {
      if (is_decimal) return decimal(LeafConversion::kDecimalFromInt32);
      if (lk == LogicalType::Kind::kDate || HasConverted(e, ConvertedType::DATE)) {
        leaf->type = DataType::Date();
        return Status::OK();
      }
      int bits = 32;
      bool is_signed = true;
      if (lk == LogicalType::Kind::kInteger) {
        bits = e.logical_type->bit_width;
        is_signed = e.logical_type->is_signed;
      } else if (e.converted_type) {
        switch (*e.converted_type) {
          case ConvertedType::INT_8: bits = 8; break;
          case ConvertedType::INT_16: bits = 16; break;
          case ConvertedType::UINT_8: bits = 8, is_signed = false; break;
          case ConvertedType::UINT_16: bits = 16, is_signed = false; break;
          case ConvertedType::UINT_32: bits = 32, is_signed = false; break;
          default: break;
        }
      }
      leaf->is_unsigned = !is_signed;
      if (bits == 8 && is_signed) {
        leaf->type = DataType::Byte();
        leaf->conversion = LeafConversion::kInt32ToInt8;
      } else if ((bits == 16 && is_signed) || (bits == 8 && !is_signed)) {
        leaf->type = DataType::Short();
        leaf->conversion = LeafConversion::kInt32ToInt16;
      } else if (bits == 32 && !is_signed) {
        leaf->type = DataType::Long();
        leaf->conversion = LeafConversion::kUInt32ToInt64;
      } else {
        leaf->type = DataType::Integer();
      }
      return Status::OK();
    }
    case Type::INT64: {
      if (is_decimal) return decimal(LeafConversion::kDecimalFromInt64);
      if (lk == LogicalType::Kind::kTimestamp) {
        leaf->type = DataType::Timestamp();
        switch (e.logical_type->unit) {
          case TimeUnit::kMillis: leaf->conversion = LeafConversion::kMillisToMicros; break;
          case TimeUnit::kNanos: leaf->conversion = LeafConversion::kNanosToMicros; break;
          default: break;
        }
        return Status::OK();
      }
      if (HasConverted(e, ConvertedType::TIMESTAMP_MICROS)) {
        leaf->type = DataType::Timestamp();
        return Status::OK();
      }
      if (HasConverted(e, ConvertedType::TIMESTAMP_MILLIS)) {
        leaf->type = DataType::Timestamp();
        leaf->conversion = LeafConversion::kMillisToMicros;
        return Status::OK();
      }
      const bool is_unsigned = lk == LogicalType::Kind::kInteger
                                   ? !e.logical_type->is_signed
                                   : HasConverted(e, ConvertedType::UINT_64);
      if (is_unsigned) {
        // Values past 2^63 do not fit a long: decimal(20,0) holds every uint64 exactly.
        leaf->type = DataType::Decimal(20, 0);
        leaf->conversion = LeafConversion::kUInt64ToDecimal;
        leaf->is_unsigned = true;
        return Status::OK();
      }
      leaf->type = DataType::Long();
      return Status::OK();
    }
    case Type::INT96:
      leaf->type = DataType::Timestamp();
      leaf->conversion = LeafConversion::kInt96ToMicros;
      return Status::OK();
    case Type::FLOAT: leaf->type = DataType::Float(); return Status::OK();
    case Type::DOUBLE: leaf->type = DataType::Double(); return Status::OK();
    case Type::BYTE_ARRAY:
      if (is_decimal) return decimal(LeafConversion::kDecimalFromBytes);
      if (lk == LogicalType::Kind::kString || lk == LogicalType::Kind::kEnum ||
          lk == LogicalType::Kind::kJson || HasConverted(e, ConvertedType::UTF8) ||
          HasConverted(e, ConvertedType::ENUM) || HasConverted(e, ConvertedType::JSON)) {
        leaf->type = DataType::String();
      } else {
        leaf->type = DataType::Binary();
      }
      return Status::OK();
    case Type::FIXED_LEN_BYTE_ARRAY:
      if (leaf->type_length <= 0) return Unsupported(e, "FIXED_LEN_BYTE_ARRAY without a length");
      if (is_decimal) {
        if (leaf->type_length > 16) return Unsupported(e, "decimal wider than 16 bytes");
        return decimal(LeafConversion::kDecimalFromBytes);
      }
      if (lk == LogicalType::Kind::kFloat16) {
        if (leaf->type_length != 2) return Unsupported(e, "FLOAT16 must be 2 bytes");
        leaf->type = DataType::Float();
        leaf->conversion = LeafConversion::kFloat16ToFloat;
        return Status::OK();
      }
      leaf->type = DataType::Binary();
      return Status::OK();
  }
  return Unsupported(e, fmt::format("physical type {}", static_cast<int>(*e.type)));
}

struct Ctx {
  int16_t def = 0;
  int16_t rep = 0;
  int16_t slot_def = 0;
  int16_t slot_rep = 0;
  int child_index = -1;
  std::vector<std::string> path;
  std::vector<PathNode> nodes;
};

class Converter {
 public:
  explicit Converter(std::vector<LeafDescriptor>* leaves) : leaves_(leaves) {}

  // Converts `n` (whose own repetition is taken into account unless `as_required`).
  Result<Field> Convert(const TreeNode& n, Ctx ctx, bool as_required, size_t top) {
    if (ctx.nodes.size() > kMaxDepth) return Status::DataLoss("parquet schema: nesting too deep");
    const SchemaElement& e = *n.e;
    const Repetition rep = as_required ? Repetition::REQUIRED
                                       : e.repetition_type.value_or(Repetition::OPTIONAL);
    ctx.path.push_back(e.name);
    if (rep == Repetition::REPEATED) {
      // A bare repeated field: a non-null list of required elements.
      PathNode list;
      list.kind = PathNode::Kind::kList;
      list.child_index = ctx.child_index;
      list.slot_def = ctx.slot_def;
      list.slot_rep = ctx.slot_rep;
      list.def_defined = ctx.def;
      list.def_elem = static_cast<int16_t>(ctx.def + 1);
      list.rep_elem = static_cast<int16_t>(ctx.rep + 1);
      Ctx inner = ctx;
      inner.path.pop_back();  // the element is the same schema node
      inner.nodes.push_back(list);
      inner.def = inner.slot_def = list.def_elem;
      inner.rep = inner.slot_rep = list.rep_elem;
      inner.child_index = 0;
      FL_ASSIGN_OR_RETURN(Field el, Convert(n, inner, /*as_required=*/true, top));
      return Field{e.name, DataType::Array(el.type, false), false};
    }
    const bool nullable = rep == Repetition::OPTIONAL;
    PathNode node;
    node.child_index = ctx.child_index;
    node.slot_def = ctx.slot_def;
    node.slot_rep = ctx.slot_rep;
    node.def_defined = static_cast<int16_t>(ctx.def + (nullable ? 1 : 0));

    if (!IsGroup(n)) {
      node.kind = PathNode::Kind::kPrimitive;
      LeafDescriptor leaf;
      leaf.path = ctx.path;
      leaf.schema_index = n.index;
      FL_RETURN_NOT_OK(LeafType(e, &leaf));
      leaf.max_def = node.def_defined;
      leaf.max_rep = ctx.rep;
      leaf.top_field = top;
      leaf.nodes = ctx.nodes;
      leaf.nodes.push_back(node);
      DataType t = leaf.type;
      leaves_->push_back(std::move(leaf));
      return Field{e.name, std::move(t), nullable};
    }
    if (n.children.empty()) return Unsupported(e, "group without fields");
    const LogicalType::Kind lk = LogicalKind(e);
    const bool is_list = lk == LogicalType::Kind::kList || HasConverted(e, ConvertedType::LIST);
    const bool is_map = lk == LogicalType::Kind::kMap || HasConverted(e, ConvertedType::MAP) ||
                        HasConverted(e, ConvertedType::MAP_KEY_VALUE);
    if ((is_list || is_map) && n.children.size() == 1 &&
        n.children[0].e->repetition_type.value_or(Repetition::OPTIONAL) == Repetition::REPEATED) {
      const TreeNode& repeated = n.children[0];
      node.kind = is_map ? PathNode::Kind::kMap : PathNode::Kind::kList;
      node.def_elem = static_cast<int16_t>(node.def_defined + 1);
      node.rep_elem = static_cast<int16_t>(ctx.rep + 1);
      Ctx inner;
      inner.def = inner.slot_def = node.def_elem;
      inner.rep = inner.slot_rep = node.rep_elem;
      inner.path = ctx.path;
      inner.path.push_back(repeated.e->name);
      inner.nodes = ctx.nodes;
      inner.nodes.push_back(node);
      if (is_map) {
        if (!IsGroup(repeated) || repeated.children.size() != 2) {
          return Unsupported(e, "map whose key_value group does not hold exactly key and value");
        }
        inner.child_index = 0;
        FL_ASSIGN_OR_RETURN(Field k, Convert(repeated.children[0], inner, true, top));
        inner.child_index = 1;
        FL_ASSIGN_OR_RETURN(Field v, Convert(repeated.children[1], inner, false, top));
        return Field{e.name, DataType::Map(k.type, v.type, v.nullable), nullable};
      }
      inner.child_index = 0;
      const bool three_level = IsGroup(repeated) && repeated.children.size() == 1 &&
                               repeated.e->name != "array" &&
                               repeated.e->name != e.name + "_tuple";
      if (three_level) {
        FL_ASSIGN_OR_RETURN(Field el, Convert(repeated.children[0], inner, false, top));
        return Field{e.name, DataType::Array(el.type, el.nullable), nullable};
      }
      // Two-level list: the repeated node itself is the (required) element.
      inner.path.pop_back();
      FL_ASSIGN_OR_RETURN(Field el, Convert(repeated, inner, true, top));
      return Field{e.name, DataType::Array(el.type, false), nullable};
    }
    node.kind = PathNode::Kind::kStruct;
    std::vector<Field> fields;
    for (size_t i = 0; i < n.children.size(); ++i) {
      Ctx inner;
      inner.def = node.def_defined;
      inner.rep = ctx.rep;
      inner.slot_def = ctx.slot_def;
      inner.slot_rep = ctx.slot_rep;
      inner.child_index = static_cast<int>(i);
      inner.path = ctx.path;
      inner.nodes = ctx.nodes;
      inner.nodes.push_back(node);
      FL_ASSIGN_OR_RETURN(Field f, Convert(n.children[i], inner, false, top));
      fields.push_back(std::move(f));
    }
    return Field{e.name, DataType::Struct(std::move(fields)), nullable};
  }

 private:
  std::vector<LeafDescriptor>* leaves_;
};

void MarkOwners(std::vector<LeafDescriptor>* leaves) {
  std::set<std::vector<int>> seen;
  for (auto& leaf : *leaves) {
    std::vector<int> key{static_cast<int>(leaf.top_field)};
    for (auto& node : leaf.nodes) {
      key.push_back(node.child_index);
      key.push_back(static_cast<int>(node.kind));
      node.owner = seen.insert(key).second;
    }
  }
}

}  // namespace

Result<std::vector<SchemaElement>> ToParquetSchema(const columnar::Schema& schema) {
  std::vector<SchemaElement> out;
  SchemaElement root;
  root.name = "schema";
  root.num_children = static_cast<int32_t>(schema.num_fields());
  out.push_back(std::move(root));
  for (const auto& f : schema.fields()) {
    FL_RETURN_NOT_OK(
        AppendField(f, f.nullable ? Repetition::OPTIONAL : Repetition::REQUIRED, 1, &out));
  }
  return out;
}

Result<ParquetSchema> FromParquetSchema(const std::vector<SchemaElement>& elements) {
  if (elements.empty()) return Status::DataLoss("parquet schema: no elements");
  TreeNode root;
  size_t pos = 0;
  FL_RETURN_NOT_OK(BuildTree(elements, &pos, 0, &root));
  if (pos != elements.size()) {
    return Status::DataLoss(fmt::format("parquet schema: {} elements but the tree uses {}",
                                        elements.size(), pos));
  }
  ParquetSchema out;
  Converter conv(&out.leaves);
  std::vector<Field> fields;
  for (size_t i = 0; i < root.children.size(); ++i) {
    const size_t first = out.leaves.size();
    Ctx ctx;
    FL_ASSIGN_OR_RETURN(Field f, conv.Convert(root.children[i], ctx, false, i));
    fields.push_back(std::move(f));
    out.field_leaves.emplace_back(first, out.leaves.size());
  }
  MarkOwners(&out.leaves);
  out.schema = columnar::Schema(std::move(fields));
  return out;
}

}  // namespace financelake::parquet
