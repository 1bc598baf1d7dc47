#include "financelake/columnar/schema.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <unordered_set>

#include "financelake/base/utf8.h"

namespace financelake::columnar {

std::optional<size_t> Schema::FieldIndex(std::string_view name) const {
  for (size_t i = 0; i < fields_.size(); ++i) {
    if (fields_[i].name == name) return i;
  }
  return std::nullopt;
}

std::optional<size_t> Schema::ResolveFieldIndex(std::string_view name) const {
  if (auto exact = FieldIndex(name)) return exact;
  std::optional<size_t> found;
  for (size_t i = 0; i < fields_.size(); ++i) {
    const std::string& f = fields_[i].name;
    const bool same =
        f.size() == name.size() && std::equal(f.begin(), f.end(), name.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) ==
                 std::tolower(static_cast<unsigned char>(b));
        });
    if (!same) continue;
    if (found) return std::nullopt;  // ambiguous
    found = i;
  }
  return found;
}

Result<Schema> Schema::Select(const std::vector<std::string>& names) const {
  std::vector<Field> out;
  for (const auto& n : names) {
    auto idx = FieldIndex(n);
    if (!idx) return Status::NotFound(fmt::format("no column named '{}'", n));
    out.push_back(fields_[*idx]);
  }
  return Schema(std::move(out));
}

std::string Schema::ToString() const {
  std::string out;
  for (const auto& f : fields_) {
    out += fmt::format("{}: {}{}\n", f.name, f.type.ToString(), f.nullable ? "" : " not null");
  }
  return out;
}

Result<Schema> Schema::Parse(std::string_view text) {
  // Names go into Parquet footers and the Delta log (JSON): both hold UTF-8 text only.
  if (!IsValidUtf8(text)) return Status::InvalidArgument("schema: not UTF-8 text");
  std::vector<Field> fields;
  std::unordered_set<std::string> seen;
  size_t pos = 0;
  while (pos <= text.size()) {
    // A field ends at a comma outside <> and ().
    int depth = 0;
    size_t end = pos;
    for (; end < text.size(); ++end) {
      char c = text[end];
      if (c == '<' || c == '(') ++depth;
      if (c == '>' || c == ')') --depth;
      if (c == ',' && depth == 0) break;
    }
    std::string_view item = text.substr(pos, end - pos);
    size_t colon = item.find(':');
    if (colon == std::string_view::npos) {
      return Status::InvalidArgument(
          fmt::format("schema '{}': field '{}' needs the form name:type", text, item));
    }
    std::string name(item.substr(0, colon));
    while (!name.empty() && name.front() == ' ') name.erase(name.begin());
    while (!name.empty() && name.back() == ' ') name.pop_back();
    if (name.empty()) {
      return Status::InvalidArgument(fmt::format("schema '{}': empty field name", text));
    }
    if (!seen.insert(name).second) {
      return Status::InvalidArgument(fmt::format("schema '{}': duplicate field '{}'", text, name));
    }
    FL_ASSIGN_OR_RETURN_CTX(DataType type, DataType::Parse(item.substr(colon + 1)),
                            fmt::format("schema field '{}'", name));
    fields.push_back(Field{std::move(name), std::move(type), true});
    pos = end + 1;
  }
  return Schema(std::move(fields));
}

}  // namespace financelake::columnar
