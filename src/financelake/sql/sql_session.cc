#include "financelake/sql/sql_session.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include <set>

#include "financelake/columnar/value.h"
#include "financelake/delta/operations.h"
#include "financelake/sql/statement.h"

namespace financelake::sql {
namespace {

// Refuses what could write outside the in-memory database, and dropping the lake's tables
// (only the session's own time-travel tables may go); says why in *user (a std::string).
int Authorize(void* user, int action, const char* a, const char*, const char* db, const char*) {
  auto deny = [user](std::string why) {
    *static_cast<std::string*>(user) = std::move(why);
    return SQLITE_DENY;
  };
  if (action == SQLITE_ATTACH) return deny("ATTACH: a query cannot open database files");
  if (action == SQLITE_DETACH) return deny("DETACH: the lake's layers stay attached");
  if (action == SQLITE_DROP_VTABLE) {
    const std::string_view schema = db != nullptr ? db : "";
    const std::string_view name = a != nullptr ? a : "";
    if (schema == "temp" && name.rfind("__delta_tt", 0) == 0) return SQLITE_OK;
    return deny(fmt::format("DROP TABLE {}{}{}: the lake's tables are read-only",
                            schema == "main" ? "" : schema, schema == "main" ? "" : ".", name));
  }
  return SQLITE_OK;
}

// SQLite's refusals ("not authorized" when preparing, "authorization denied" when running) as
// what was refused: the authorizer's reason, else the one other source, load_extension().
std::string Refusal(const std::string& msg, const std::string& denied) {
  if (msg != "not authorized" && msg != "authorization denied") return msg;
  if (!denied.empty()) return "not allowed: " + denied;
  return "not allowed: load_extension(): extensions are not loaded here";
}

Status SqlError(std::string msg) {
  return Status::InvalidArgument("SQL: " + msg);
}

// The error on one line: line breaks in the user's text it quotes (a table name, a string)
// written as \n and \r.
Status OneLine(const Status& st) {
  std::string msg;
  for (char c : st.message()) {
    if (c == '\n') {
      msg += "\\n";
    } else if (c == '\r') {
      msg += "\\r";
    } else {
      msg += c;
    }
  }
  return Status(st.code(), std::move(msg));
}

ResultSet Rows(std::vector<std::string> columns) {
  ResultSet r;
  r.columns = std::move(columns);
  return r;
}

}  // namespace

Result<std::unique_ptr<SqlSession>> SqlSession::Open(std::shared_ptr<io::FileSystem> fs,
                                                     const std::string& lake) {
  std::unique_ptr<SqlSession> s(new SqlSession());
  s->ctx_.fs = fs;
  s->ctx_.lake = lake;
  FL_ASSIGN_OR_RETURN(s->ctx_.tables, ListLakeTables(*fs, lake));
  if (sqlite3_open_v2(":memory:", &s->db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
      SQLITE_OK) {
    return Status::Internal("SQLite: cannot open an in-memory database");
  }
  if (RegisterLakeModules(s->db_, &s->ctx_) != SQLITE_OK) {
    return Status::Internal(
        fmt::format("SQLite: cannot register the lake modules: {}", sqlite3_errmsg(s->db_)));
  }
  // The names each table holds were decided with the lake's listing (lake_catalog.h): no two
  // tables claim one, and a layer is attached only when SQLite can tell it from the others.
  std::set<std::string> layers;
  for (const LakeTable& t : s->ctx_.tables) {
    if (t.dotted && layers.insert(t.layer).second) {
      FL_RETURN_NOT_OK(s->Exec("ATTACH DATABASE ':memory:' AS " + SqlIdentifier(t.layer)));
    }
  }
  // A table that cannot be opened (a damaged log, a missing file it needs) is left out and
  // remembered: queries of the other tables still run; one that names it gets the reason.
  for (const LakeTable& t : s->ctx_.tables) {
    const std::string using_ = " USING delta(" + SqlString(t.path) + ")";
    Status st = Status::OK();
    if (t.dotted) {
      st = s->Exec("CREATE VIRTUAL TABLE " + SqlIdentifier(t.layer) + "." + SqlIdentifier(t.name) +
                   using_);
    }
    if (st.ok() && t.flat) {
      st = s->Exec("CREATE VIRTUAL TABLE main." + SqlIdentifier(t.FlatName()) + using_);
    }
    if (!st.ok()) {
      if (t.dotted) {
        (void)s->Exec("DROP TABLE IF EXISTS " + SqlIdentifier(t.layer) + "." +
                      SqlIdentifier(t.name));
      }
      std::string why = st.message();
      if (why.rfind("SQL: ", 0) == 0) why = why.substr(5);
      s->unreadable_[t.rel] = std::move(why);
    }
  }
  sqlite3_set_authorizer(s->db_, Authorize, &s->denied_);
  return s;
}

SqlSession::~SqlSession() {
  if (db_ != nullptr) sqlite3_close_v2(db_);
}

Status SqlSession::Exec(const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    const std::string msg = err != nullptr ? err : sqlite3_errmsg(db_);
    sqlite3_free(err);
    return SqlError(msg);
  }
  return Status::OK();
}

Result<std::vector<ResultSet>> SqlSession::Execute(std::string_view script) {
  std::vector<ResultSet> out;
  for (const std::string& st : SplitStatements(script)) {
    FL_ASSIGN_OR_RETURN(ResultSet r, ExecuteOne(st));
    out.push_back(std::move(r));
  }
  return out;
}

Result<ResultSet> SqlSession::ExecuteOne(const std::string& statement) {
  Result<ResultSet> r = RunStatement(statement);
  if (r.ok()) return r;
  return OneLine(r.status());
}

Result<ResultSet> SqlSession::RunStatement(const std::string& statement) {
  FL_ASSIGN_OR_RETURN(LakeStatement ls, ParseLakeStatement(statement));
  using Kind = LakeStatement::Kind;
  if (ls.kind == Kind::kNone) return RunQuery(statement);
  if (ls.kind == Kind::kShowTables) {
    ResultSet r = Rows({"table", "also_as", "path", "version", "files", "rows", "bytes"});
    // A table without an SQL name (lake_catalog.h) shows its path and NULL here.
    auto also_as = [](const LakeTable& t) {
      return t.flat ? Cell::Text(t.FlatName()) : Cell::Null();
    };
    for (const LakeTable& t : ctx_.tables) {
      auto snap = ctx_.TableAt(t.path).Latest();
      if (!snap.ok()) {  // listed, so that the damage is visible; nothing else known
        r.rows.push_back({Cell::Text(t.SqlName()), also_as(t), Cell::Text(t.rel), Cell::Null(),
                          Cell::Null(), Cell::Null(), Cell::Null()});
        continue;
      }
      const auto n = (*snap)->num_records();
      r.rows.push_back({Cell::Text(t.SqlName()), also_as(t), Cell::Text(t.rel),
                        Cell::Int((*snap)->version().value()),
                        Cell::Int(static_cast<int64_t>((*snap)->files().size())),
                        n ? Cell::Int(*n) : Cell::Null(), Cell::Int((*snap)->total_bytes())});
    }
    return r;
  }
  FL_ASSIGN_OR_RETURN(LakeTable t, ResolveLakeTable(ctx_.tables, ls.table));
  delta::Table& table = ctx_.TableAt(t.path);
  if (ls.kind == Kind::kDescribeHistory)
    return RunQuery("SELECT * FROM history(" + SqlString(t.rel) + ")");
  if (ls.kind == Kind::kDescribe) {
    FL_ASSIGN_OR_RETURN(delta::SnapshotPtr snap, table.Latest());
    ResultSet r = Rows({"column", "type", "nullable", "partition"});
    const auto& parts = snap->partition_columns();
    for (const columnar::Field& f : snap->schema().fields()) {
      const bool part = std::find(parts.begin(), parts.end(), f.name) != parts.end();
      r.rows.push_back({Cell::Text(f.name), Cell::Text(f.type.ToString()),
                        Cell::Int(f.nullable ? 1 : 0), Cell::Int(part ? 1 : 0)});
    }
    return r;
  }
  ResultSet r;
  if (ls.kind == Kind::kOptimize) {
    FL_ASSIGN_OR_RETURN(delta::WriteOutcome o, delta::Optimize(table));
    // No files in and out: Optimize made no commit (`skipped` is about transaction ids).
    const bool nothing = o.files_removed == 0 && o.files_added == 0;
    r.message = nothing
                    ? fmt::format("OPTIMIZE {}: nothing to compact (version {})", t.SqlName(),
                                  o.version.value())
                    : fmt::format("OPTIMIZE {}: version {}, {} files compacted into {}",
                                  t.SqlName(), o.version.value(), o.files_removed, o.files_added);
    return r;
  }
  delta::VacuumOptions vo;
  vo.retain_hours = ls.retain_hours;
  vo.dry_run = ls.dry_run;
  vo.force = ls.force;
  FL_ASSIGN_OR_RETURN(delta::VacuumResult v, delta::Vacuum(table, vo));
  r.message =
      fmt::format("VACUUM {}: {} {} file{}", t.SqlName(), ls.dry_run ? "would delete" : "deleted",
                  v.deleted.size(), v.deleted.size() == 1 ? "" : "s");
  for (const std::string& f : v.deleted) r.message += "\n  " + f;
  return r;
}

Result<ResultSet> SqlSession::RunQuery(const std::string& statement) {
  denied_.clear();
  std::vector<TimeTravel> calls;
  FL_ASSIGN_OR_RETURN(std::string sql, RewriteTimeTravel(statement, &time_travel_counter_, &calls));
  if (!calls.empty() && CreatesView(statement)) {
    return SqlError(
        "a view cannot hold delta(...): its pinned table exists only while the statement runs "
        "(CREATE TEMP TABLE ... AS SELECT keeps the rows)");
  }
  std::vector<std::string> created;
  auto drop = [&] {
    for (const std::string& a : created) (void)Exec("DROP TABLE IF EXISTS temp.\"" + a + "\"");
  };
  for (const TimeTravel& c : calls) {
    auto t = ResolveLakeTable(ctx_.tables, c.table);
    if (!t.ok()) {
      drop();
      return SqlError(t.status().message());
    }
    std::string pin = c.version ? fmt::format("version={}", *c.version)
                                : (c.timestamp ? "timestamp=" + *c.timestamp : std::string());
    std::string ddl =
        "CREATE VIRTUAL TABLE temp.\"" + c.alias + "\" USING delta(" + SqlString(t->path);
    if (!pin.empty()) ddl += ", " + SqlString(pin);
    Status st = Exec(ddl + ")");
    if (!st.ok()) {
      drop();
      return st;
    }
    created.push_back(c.alias);
  }
  sqlite3_stmt* stmt = nullptr;
  const char* tail = nullptr;
  if (sqlite3_prepare_v2(db_, sql.c_str(), static_cast<int>(sql.size()), &stmt, &tail) !=
      SQLITE_OK) {
    std::string msg = sqlite3_errmsg(db_);
    if (const std::string prefix = "no such table: "; msg.rfind(prefix, 0) == 0) {
      std::string name = msg.substr(prefix.size());
      if (name.rfind("main.", 0) == 0) name = name.substr(5);
      // SQL names ignore case: GOLD.BROKEN is gold.broken.
      auto t = ResolveLakeTable(ctx_.tables, name);
      if (auto it = t.ok() ? unreadable_.find(t->rel) : unreadable_.end();
          it != unreadable_.end()) {
        drop();
        const bool flat = name.find('.') == std::string::npos;
        return SqlError(fmt::format("table {} cannot be read: {}",
                                    flat ? t->FlatName() : t->SqlName(), it->second));
      }
    }
    if (msg.rfind("no such table", 0) == 0) {
      std::string known;
      for (const LakeTable& t : ctx_.tables) known += (known.empty() ? "" : ", ") + t.SqlName();
      msg += fmt::format(" (tables: {})", known.empty() ? "none" : known);
    }
    drop();
    return SqlError(Refusal(msg, denied_));
  }
  ResultSet r;
  const int n = sqlite3_column_count(stmt);
  for (int c = 0; c < n; ++c) r.columns.emplace_back(sqlite3_column_name(stmt, c));
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    std::vector<Cell> row;
    row.reserve(static_cast<size_t>(n));
    for (int c = 0; c < n; ++c) {
      switch (sqlite3_column_type(stmt, c)) {
        case SQLITE_INTEGER: row.push_back(Cell::Int(sqlite3_column_int64(stmt, c))); break;
        case SQLITE_FLOAT: row.push_back(Cell::Real(sqlite3_column_double(stmt, c))); break;
        case SQLITE_TEXT:
          row.push_back(
              Cell::Text(std::string(reinterpret_cast<const char*>(sqlite3_column_text(stmt, c)),
                                     static_cast<size_t>(sqlite3_column_bytes(stmt, c)))));
          break;
        case SQLITE_BLOB: {
          Cell b;
          b.kind = Cell::Kind::kBlob;
          const auto* p = static_cast<const char*>(sqlite3_column_blob(stmt, c));
          b.s.assign(p == nullptr ? "" : p, static_cast<size_t>(sqlite3_column_bytes(stmt, c)));
          row.push_back(std::move(b));
          break;
        }
        default: row.push_back(Cell::Null()); break;
      }
    }
    r.rows.push_back(std::move(row));
  }
  const std::string err = rc == SQLITE_DONE ? "" : sqlite3_errmsg(db_);
  sqlite3_finalize(stmt);
  ctx_.EndStatement();
  drop();
  if (!err.empty()) return SqlError(Refusal(err, denied_));
  if (n == 0)
    r.message = fmt::format("OK ({} row{} changed)", sqlite3_changes(db_),
                            sqlite3_changes(db_) == 1 ? "" : "s");
  return r;
}

}  // namespace financelake::sql
