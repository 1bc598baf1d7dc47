#include "financelake/sql/lake_catalog.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <string_view>

#include "financelake/io/path.h"
#include "financelake/sql/statement.h"

namespace financelake::sql {
namespace {

Result<bool> IsTableDir(io::FileSystem& fs, const std::string& dir) {
  return fs.Exists(io::JoinPath(dir, "_delta_log"));
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// Strips SQL quoting from a name or a dotted name: each part may be "a", `a`, [a] or 'a', with a
// doubled quote inside standing for one ("x""y", 'x''y'); quote characters elsewhere are kept,
// as is an unclosed quote.
std::string Unquote(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  std::string out;
  size_t i = 0;
  bool part_start = true;
  while (i < s.size()) {
    const char open = s[i];
    const char close = open == '[' ? ']' : open;
    if (part_start && (open == '"' || open == '`' || open == '[' || open == '\'')) {
      std::string part;
      size_t j = i + 1;
      bool closed = false;
      while (j < s.size()) {
        if (s[j] == close) {
          if (close != ']' && j + 1 < s.size() && s[j + 1] == close) {
            part += close;
            j += 2;
            continue;
          }
          closed = true;
          break;
        }
        part += s[j++];
      }
      if (closed && (j + 1 == s.size() || s[j + 1] == '.')) {
        out += part;
        i = j + 1;
        part_start = false;
        continue;
      }
    }
    part_start = s[i] == '.';
    out += s[i++];
  }
  return out;
}

// Decides the names each table holds (see LakeTable).
void AssignSqlNames(std::vector<LakeTable>* tables) {
  std::map<std::string, std::set<std::string>> spellings;  // lower-case layer -> its spellings
  for (const LakeTable& t : *tables) {
    if (!t.layer.empty()) spellings[Lower(t.layer)].insert(t.layer);
  }
  std::map<std::string, std::vector<LakeTable*>> dotted, flat;  // lower-case name -> claimants
  for (LakeTable& t : *tables) {
    const std::string layer = Lower(t.layer);
    if (!t.layer.empty() && layer != "main" && layer != "temp" && spellings[layer].size() == 1) {
      dotted[layer + "." + Lower(t.name)].push_back(&t);
    }
    flat[Lower(t.FlatName())].push_back(&t);
  }
  for (auto& [name, claimants] : dotted) {
    if (claimants.size() == 1) claimants[0]->dotted = true;
  }
  for (auto& [name, claimants] : flat) {
    std::vector<LakeTable*> roots;
    for (LakeTable* t : claimants) {
      if (t->layer.empty()) roots.push_back(t);
    }
    if (claimants.size() == 1) {
      claimants[0]->flat = true;
    } else if (roots.size() == 1) {
      roots[0]->flat = true;
    }
  }
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
  AssignSqlNames(&out);
  return out;
}

Result<LakeTable> ResolveLakeTable(const std::vector<LakeTable>& tables, std::string ref) {
  const std::string unquoted = Unquote(ref);
  for (const LakeTable& t : tables) {
    if (unquoted == t.rel || unquoted == t.rel + "/") return t;
  }
  const std::string want = Lower(unquoted);
  std::vector<const LakeTable*> found;
  for (const LakeTable& t : tables) {
    const std::string rel = Lower(t.rel);
    if (want == rel || want == rel + "/" || (t.dotted && want == Lower(t.layer + "." + t.name)) ||
        (t.flat && want == Lower(t.FlatName()))) {
      found.push_back(&t);
    }
  }
  if (found.size() == 1) return *found[0];
  if (found.size() > 1) {
    std::string paths;
    for (const LakeTable* t : found) paths += (paths.empty() ? "" : ", ") + t->rel;
    return Status::InvalidArgument(fmt::format(
        "'{}' names {} tables ({}), whose names differ only in case: name one by its exact path, "
        "as in delta({})",
        unquoted, found.size(), paths, SqlString(found[0]->rel)));
  }
  std::string known;
  for (const LakeTable& t : tables) known += (known.empty() ? "" : ", ") + t.SqlName();
  return Status::NotFound(fmt::format("no table '{}' in the lake (tables: {})", unquoted,
                                      known.empty() ? "none" : known));
}

}  // namespace financelake::sql
