#include "financelake/sql/lake_catalog.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "financelake/io/path.h"

namespace financelake::sql {
namespace {

Result<bool> IsTableDir(io::FileSystem& fs, const std::string& dir) {
  return fs.Exists(io::JoinPath(dir, "_delta_log"));
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// Strips SQL quoting: "a", `a`, [a], 'a'.
std::string Unquote(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  size_t b = 0;
  while (b < s.size() && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  s = s.substr(b);
  std::string out;
  for (char c : s) {
    if (c != '"' && c != '`' && c != '[' && c != ']' && c != '\'') out += c;
  }
  return out;
}

}  // namespace

Result<std::vector<LakeTable>> ListLakeTables(io::FileSystem& fs, const std::string& lake) {
  FL_ASSIGN_OR_RETURN(bool exists, fs.Exists(lake));
  if (!exists) return Status::NotFound(fmt::format("lake {} does not exist", lake));
  std::vector<LakeTable> out;
  FL_ASSIGN_OR_RETURN(auto top, fs.ListDirNames(lake));
  for (const auto& e : top) {
    if (!e.is_dir || e.name.empty() || e.name[0] == '.' || e.name[0] == '_') continue;
    const std::string dir = io::JoinPath(lake, e.name);
    FL_ASSIGN_OR_RETURN(bool table, IsTableDir(fs, dir));
    if (table) {
      out.push_back({"", e.name, e.name, dir});
      continue;
    }
    if (e.name == "models") continue;
    FL_ASSIGN_OR_RETURN(auto inner, fs.ListDirNames(dir));
    for (const auto& t : inner) {
      if (!t.is_dir || t.name.empty() || t.name[0] == '.' || t.name[0] == '_') continue;
      const std::string tdir = io::JoinPath(dir, t.name);
      FL_ASSIGN_OR_RETURN(bool is, IsTableDir(fs, tdir));
      if (is) out.push_back({e.name, t.name, e.name + "/" + t.name, tdir});
    }
  }
  std::sort(out.begin(), out.end(), [](const LakeTable& a, const LakeTable& b) { return a.rel < b.rel; });
  return out;
}

Result<LakeTable> ResolveLakeTable(const std::vector<LakeTable>& tables, std::string ref) {
  const std::string want = Lower(Unquote(ref));
  for (const LakeTable& t : tables) {
    const std::string rel = Lower(t.rel);
    if (want == rel || want == Lower(t.SqlName()) || want == Lower(t.FlatName()) || want == rel + "/") return t;
  }
  std::string known;
  for (const LakeTable& t : tables) known += (known.empty() ? "" : ", ") + t.SqlName();
  return Status::NotFound(fmt::format("no table '{}' in the lake (tables: {})", Unquote(ref),
                                      known.empty() ? "none" : known));
}

}  // namespace financelake::sql
