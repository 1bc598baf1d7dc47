#include "financelake/sql/sqlite_lake.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include <cmath>
#include <cstring>
#include <sstream>

#include "financelake/columnar/expr.h"
#include "financelake/columnar/text_values.h"
#include "financelake/columnar/value.h"
#include "financelake/sql/group_order.h"
#include "financelake/sql/limit_bound.h"
#include "financelake/sql/pushdown.h"
#include "financelake/sql/statement.h"

namespace financelake::sql {

delta::Table& LakeContext::TableAt(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& t = open_[path];
  if (t == nullptr) t = delta::Table::Open(fs, path);
  return *t;
}

Result<delta::SnapshotPtr> LakeContext::StatementSnapshot(const std::string& path) {
  auto it = statement_snapshots_.find(path);
  if (it != statement_snapshots_.end()) return it->second;
  FL_ASSIGN_OR_RETURN(delta::SnapshotPtr snap, TableAt(path).Latest());
  statement_snapshots_[path] = snap;
  return snap;
}

void LakeContext::EndStatement() {
  statement_snapshots_.clear();
  repeated.Clear();
}

namespace {

using columnar::TypeKind;

const char* SqlType(const columnar::DataType& t) {
  switch (t.kind()) {
    case TypeKind::kBoolean:
    case TypeKind::kByte:
    case TypeKind::kShort:
    case TypeKind::kInteger:
    case TypeKind::kLong: return "INTEGER";
    case TypeKind::kFloat:
    case TypeKind::kDouble:
    case TypeKind::kDecimal: return "REAL";
    case TypeKind::kBinary: return "BLOB";
    default: return "TEXT";
  }
}

// A module argument as written: '...' unquoted.
std::string Arg(const char* a) {
  std::string s(a);
  if (s.size() >= 2 && (s.front() == '\'' || s.front() == '"') && s.back() == s.front()) {
    std::string out;
    for (size_t i = 1; i + 1 < s.size(); ++i) {
      out += s[i];
      if (s[i] == s.front() && s[i + 1] == s.front()) ++i;
    }
    return out;
  }
  return s;
}

void SetError(sqlite3_vtab* tab, const std::string& msg) {
  sqlite3_free(tab->zErrMsg);
  tab->zErrMsg = sqlite3_mprintf("%s", msg.c_str());
}

char* Mprintf(const std::string& s) {
  return sqlite3_mprintf("%s", s.c_str());
}

// ---------------------------------------------------------------------------------------------
// delta

struct DeltaVtab {
  sqlite3_vtab base{};  // first: SQLite casts
  LakeContext* ctx = nullptr;
  std::string path;
  delta::SnapshotPtr pinned;  // time travel; null = latest at each query
  columnar::Schema schema;    // the declared columns
};

struct DeltaCursor {
  sqlite3_vtab_cursor base{};
  RowSelection rows;     // row ids are stable per snapshot: SQLite's OR plans deduplicate by rowid
  std::vector<int> col;  // declared column -> batch column, or -1 (null)
  size_t at = 0;         // into rows.selected, or the batch's row when all are selected
  // rows.selected in GROUP BY order, when SQLite asked for it, and what it was made from: a
  // nested loop's next call on the same kept rows reuses it (the pointers keep their targets).
  std::vector<uint32_t> grouped;
  std::shared_ptr<const ScannedRows> grouped_rows;
  std::shared_ptr<const KeyIndex> grouped_index;
  const std::vector<uint32_t>* grouped_selected = nullptr;
  std::string grouped_plan;

  int64_t Row() const {
    return rows.selected != nullptr ? (*rows.selected)[at] : static_cast<int64_t>(at);
  }
  size_t Size() const {
    return rows.selected != nullptr ? rows.selected->size()
                                    : static_cast<size_t>(rows.rows->batch.num_rows());
  }
};

PushOp OpFrom(unsigned char op) {
  switch (op) {
    case SQLITE_INDEX_CONSTRAINT_LT: return PushOp::kLt;
    case SQLITE_INDEX_CONSTRAINT_LE: return PushOp::kLe;
    case SQLITE_INDEX_CONSTRAINT_GT: return PushOp::kGt;
    case SQLITE_INDEX_CONSTRAINT_GE: return PushOp::kGe;
    default: return PushOp::kEq;
  }
}

bool Pushable(unsigned char op) {
  return op == SQLITE_INDEX_CONSTRAINT_EQ || op == SQLITE_INDEX_CONSTRAINT_LT ||
         op == SQLITE_INDEX_CONSTRAINT_LE || op == SQLITE_INDEX_CONSTRAINT_GT ||
         op == SQLITE_INDEX_CONSTRAINT_GE;
}

int DeltaConnect(sqlite3* db, void* aux, int argc, const char* const* argv, sqlite3_vtab** out,
                 char** err) {
  auto* ctx = static_cast<LakeContext*>(aux);
  if (argc < 4) {
    *err = sqlite3_mprintf("delta: USING delta('<table path>' [, 'version=N' | 'timestamp=T'])");
    return SQLITE_ERROR;
  }
  auto v = std::make_unique<DeltaVtab>();
  v->ctx = ctx;
  v->path = Arg(argv[3]);
  delta::Table& table = ctx->TableAt(v->path);
  const std::string pin = argc > 4 ? Arg(argv[4]) : "";
  auto open_snapshot = [&]() -> Result<delta::SnapshotPtr> {
    if (pin.rfind("version=", 0) == 0)
      return table.AtVersion(DeltaVersion(std::strtoll(pin.c_str() + 8, nullptr, 10)));
    if (pin.rfind("timestamp=", 0) == 0) {
      auto ts = columnar::ParseValue(pin.substr(10), columnar::DataType::Timestamp());
      if (!ts.ok()) {
        return Status::InvalidArgument(fmt::format(
            "timestamp '{}' is not a time (e.g. 2026-11-20T10:00:00Z)", pin.substr(10)));
      }
      return table.AsOfTimestamp(ts->as_int() / 1000);
    }
    return table.Latest();
  };
  Result<delta::SnapshotPtr> snap = open_snapshot();
  if (!snap.ok()) {
    *err = Mprintf(fmt::format("{}: {}", v->path, snap.status().message()));
    return SQLITE_ERROR;
  }
  if (!pin.empty()) v->pinned = *snap;
  v->schema = (*snap)->schema();
  std::string ddl = "CREATE TABLE x(";
  for (size_t i = 0; i < v->schema.num_fields(); ++i) {
    const columnar::Field& f = v->schema.field(i);
    ddl += (i ? ", " : "") + SqlIdentifier(f.name) + " " + SqlType(f.type);
  }
  ddl += ")";
  const int rc = sqlite3_declare_vtab(db, ddl.c_str());
  if (rc != SQLITE_OK) {
    *err = Mprintf(fmt::format("{}: cannot declare its columns: {}", v->path, sqlite3_errmsg(db)));
    return rc;
  }
  *out = &v.release()->base;
  return SQLITE_OK;
}

int DeltaDisconnect(sqlite3_vtab* tab) {
  delete reinterpret_cast<DeltaVtab*>(tab);
  return SQLITE_OK;
}

// The plan for xFilter, in idxStr: "<used-columns mask hex>|<col>:<op>,..." (op = PushOp).
int DeltaBestIndex(sqlite3_vtab* tab, sqlite3_index_info* info) {
  auto* v = reinterpret_cast<DeltaVtab*>(tab);
  std::string terms;
  int argv = 0;
  double rows = 1e6;
  for (int i = 0; i < info->nConstraint; ++i) {
    const auto& c = info->aConstraint[i];
    if (!c.usable || c.iColumn < 0 || !Pushable(c.op)) continue;
    // Without pushdown an equality still reaches xFilter: a nested loop looks it up in the rows
    // read once (scan_cache.h); the scan itself reads everything.
    if (!v->ctx->pushdown && c.op != SQLITE_INDEX_CONSTRAINT_EQ) continue;
    if (static_cast<size_t>(c.iColumn) >= v->schema.num_fields()) continue;
    const char* collation = sqlite3_vtab_collation(info, i);
    if (!MayPushDown(v->schema.field(static_cast<size_t>(c.iColumn)).type, OpFrom(c.op),
                     collation != nullptr ? collation : "BINARY")) {
      continue;
    }
    info->aConstraintUsage[i].argvIndex = ++argv;
    info->aConstraintUsage[i].omit = 0;  // SQLite checks again: pushdown only saves reading
    terms +=
        fmt::format("{}{}:{}", terms.empty() ? "" : ",", c.iColumn, static_cast<int>(OpFrom(c.op)));
    rows /= c.op == SQLITE_INDEX_CONSTRAINT_EQ ? 50 : 4;
  }
  // A GROUP BY over this table's own columns (SQLite passes them only when every term is a
  // plain column of this table under its declared collation): hand the rows over grouped and
  // SQLite aggregates as they stream past instead of sorting them all (group_order.h).
  std::string group;
  if (info->nOrderBy > 0 && sqlite3_vtab_distinct(info) == 1) {
    for (int k = 0; k < info->nOrderBy; ++k) {
      const int col = info->aOrderBy[k].iColumn;
      if (col < 0 || static_cast<size_t>(col) >= v->schema.num_fields() ||
          !GroupableType(v->schema.field(static_cast<size_t>(col)).type)) {
        group.clear();
        break;
      }
      group +=
          fmt::format("{}{}{}", group.empty() ? "" : ",", col, info->aOrderBy[k].desc ? "d" : "");
    }
    if (!group.empty()) info->orderByConsumed = 1;
  }
  // LIMIT n [OFFSET m] with ORDER BY c: SQLite passes them (after every other term) only for a
  // query over this table alone whose ORDER BY is plain columns of it. With no other term, the
  // scan need not return rows that cannot be among the first n + m (limit_bound.h). Neither is
  // omitted: SQLite still sorts, skips m rows and stops after n. Without an ORDER BY passed, the
  // LIMIT is not used: SQLite also passes it, with no ORDER BY, for an ORDER BY of more than 63
  // columns that it sorts by itself, and nothing here tells the two apart.
  std::string limit;
  int limit_at = -1;
  int offset_at = -1;
  bool others = false;
  for (int i = 0; i < info->nConstraint; ++i) {
    const unsigned char op = info->aConstraint[i].op;
    if (op == SQLITE_INDEX_CONSTRAINT_LIMIT) {
      limit_at = i;
    } else if (op == SQLITE_INDEX_CONSTRAINT_OFFSET) {
      offset_at = i;
    } else {
      others = true;
    }
  }
  const int order_col = info->nOrderBy > 0 ? info->aOrderBy[0].iColumn : -1;
  const bool usable = limit_at >= 0 && info->aConstraint[limit_at].usable &&
                      (offset_at < 0 || info->aConstraint[offset_at].usable);
  if (v->ctx->pushdown && usable && !others && group.empty() && argv == 0 && order_col >= 0 &&
      static_cast<size_t>(order_col) < v->schema.num_fields()) {
    info->aConstraintUsage[limit_at].argvIndex = ++argv;
    if (offset_at >= 0) info->aConstraintUsage[offset_at].argvIndex = ++argv;
    limit = fmt::format("{}{}{}", order_col, info->aOrderBy[0].desc ? "d" : "a",
                        offset_at >= 0 ? "o" : "");
  }
  info->idxStr = Mprintf(
      fmt::format("{:x}|{}|{}|{}", static_cast<uint64_t>(info->colUsed), terms, group, limit));
  info->needToFreeIdxStr = 1;
  info->estimatedRows = static_cast<sqlite3_int64>(std::max(1.0, rows));
  info->estimatedCost = std::max(1.0, rows);
  return SQLITE_OK;
}

int DeltaOpen(sqlite3_vtab*, sqlite3_vtab_cursor** out) {
  *out = &(new DeltaCursor)->base;
  return SQLITE_OK;
}

int DeltaClose(sqlite3_vtab_cursor* cur) {
  delete reinterpret_cast<DeltaCursor*>(cur);
  return SQLITE_OK;
}

SqlValue ValueOf(sqlite3_value* v) {
  SqlValue out;
  switch (sqlite3_value_type(v)) {
    case SQLITE_INTEGER:
      out.kind = SqlValue::Kind::kInteger;
      out.i = sqlite3_value_int64(v);
      break;
    case SQLITE_FLOAT:
      out.kind = SqlValue::Kind::kReal;
      out.d = sqlite3_value_double(v);
      break;
    case SQLITE_TEXT:
      out.kind = SqlValue::Kind::kText;
      out.s.assign(reinterpret_cast<const char*>(sqlite3_value_text(v)),
                   static_cast<size_t>(sqlite3_value_bytes(v)));
      break;
    case SQLITE_BLOB: out.kind = SqlValue::Kind::kBlob; break;
    default: break;
  }
  return out;
}

int DeltaFilter(sqlite3_vtab_cursor* base, int, const char* idx, int argc, sqlite3_value** argv) {
  auto* cur = reinterpret_cast<DeltaCursor*>(base);
  auto* v = reinterpret_cast<DeltaVtab*>(base->pVtab);
  delta::Table& table = v->ctx->TableAt(v->path);
  delta::SnapshotPtr snap = v->pinned;
  if (snap == nullptr) {
    auto latest = v->ctx->StatementSnapshot(v->path);
    if (!latest.ok()) {
      SetError(base->pVtab, fmt::format("{}: {}", v->path, latest.status().message()));
      return SQLITE_ERROR;
    }
    snap = *latest;
  }
  const columnar::Schema& schema = snap->schema();
  const std::string plan = idx != nullptr ? idx : "";
  const size_t bar = plan.find('|');
  const size_t group_bar = plan.find('|', bar + 1);
  const size_t limit_bar = plan.find('|', group_bar + 1);
  const std::string group_plan =
      group_bar == std::string::npos ? "" : plan.substr(group_bar + 1, limit_bar - group_bar - 1);
  const std::string limit_plan = limit_bar == std::string::npos ? "" : plan.substr(limit_bar + 1);
  const uint64_t used = std::strtoull(plan.substr(0, bar).c_str(), nullptr, 16);
  // The plan's terms with their values; pushed down when they bind to the snapshot (one that
  // does not, e.g. '2024-13-45' for a date, is simply left to SQLite).
  std::vector<PlanTerm> terms;
  if (bar != std::string::npos && bar + 1 < group_bar) {
    std::stringstream ss(plan.substr(bar + 1, group_bar - bar - 1));
    std::string item;
    int k = 0;
    while (std::getline(ss, item, ',')) {
      const size_t colon = item.find(':');
      const size_t col = std::strtoul(item.substr(0, colon).c_str(), nullptr, 10);
      const auto op = static_cast<PushOp>(std::strtol(item.substr(colon + 1).c_str(), nullptr, 10));
      if (k >= argc) break;
      sqlite3_value* value = argv[k++];
      if (col >= v->schema.num_fields()) continue;
      const columnar::Field& f = v->schema.field(col);
      PlanTerm t{f.name, op, ValueOf(value), std::nullopt};
      if (v->ctx->pushdown) {
        auto term = PushDownTerm(f.name, f.type, op, t.value);
        if (term && columnar::Expr::Parse(*term, schema).ok()) t.pushed = std::move(term);
      }
      terms.push_back(std::move(t));
    }
  }
  delta::ScanOptions options;
  for (size_t i = 0; i < v->schema.num_fields(); ++i) {
    const bool wanted = i >= 63 ? (used >> 63) != 0 : ((used >> i) & 1) != 0;
    if (wanted && schema.FieldIndex(v->schema.field(i).name).has_value())
      options.columns.push_back(v->schema.field(i).name);
  }
  if (options.columns.empty() && schema.num_fields() > 0)
    options.columns.push_back(schema.field(0).name);  // count(*)
  // LIMIT n [OFFSET m], the last values of argv: the scan may leave out rows beyond the bound of
  // the first n + m in the ORDER BY's order.
  if (!limit_plan.empty()) {
    const bool has_offset = limit_plan.back() == 'o';
    const int need = has_offset ? 2 : 1;
    int64_t k = 0;
    if (argc >= need && sqlite3_value_type(argv[argc - need]) == SQLITE_INTEGER &&
        (!has_offset || sqlite3_value_type(argv[argc - 1]) == SQLITE_INTEGER)) {
      const int64_t n = sqlite3_value_int64(argv[argc - need]);
      const int64_t m = has_offset ? std::max<int64_t>(0, sqlite3_value_int64(argv[argc - 1])) : 0;
      if (n >= 0 && n <= (int64_t{1} << 40) && m <= (int64_t{1} << 40)) k = n + m;
    }
    if (k > 0) {
      const size_t col = std::strtoul(limit_plan.c_str(), nullptr, 10);
      const bool desc = limit_plan.find('d') != std::string::npos;
      if (col < v->schema.num_fields()) {
        const columnar::Field& f = v->schema.field(col);
        const auto at = schema.FieldIndex(f.name);
        // The bound is in the snapshot's type; SQLite compares values of the declared one.
        if (at.has_value() && schema.field(*at).type.kind() == f.type.kind()) {
          auto term = OrderLimitTerm(*snap, f.name, desc, k);
          if (term && columnar::Expr::Parse(*term, schema).ok()) {
            terms.push_back(
                PlanTerm{f.name, desc ? PushOp::kGe : PushOp::kLe, SqlValue::Text(*term), term});
          }
        }
      }
    }
  }
  auto scan = [&](const std::vector<std::string>& pushed) -> Result<ScannedRows> {
    delta::ScanOptions o = options;
    std::string text;
    for (const std::string& t : pushed) text += (text.empty() ? "" : " AND ") + t;
    if (!text.empty()) {
      auto expr = columnar::Expr::Parse(text, schema);
      if (expr.ok()) o.filter = std::move(*expr);
    }
    ScannedRows out;
    o.row_ids = &out.row_ids;
    delta::ScanMetrics metrics;
    FL_ASSIGN_OR_RETURN(out.batch, table.Scan(*snap, o, &metrics));
    v->ctx->stats.scans += 1;
    v->ctx->stats.files_total += metrics.files_total;
    v->ctx->stats.files_read += metrics.files_read;
    v->ctx->stats.rows_read += metrics.rows_read;
    out.files_read = metrics.files_read;
    out.files_total = metrics.files_total;
    return out;
  };
  auto rows = v->ctx->repeated.Filter(v, plan, snap, terms, scan);
  if (!rows.ok()) {
    SetError(base->pVtab, fmt::format("{}: {}", v->path, rows.status().message()));
    return SQLITE_ERROR;
  }
  cur->rows = std::move(*rows);
  const columnar::RecordBatch& batch = cur->rows.rows->batch;
  cur->col.assign(v->schema.num_fields(), -1);
  for (size_t i = 0; i < v->schema.num_fields(); ++i) {
    for (size_t j = 0; j < batch.num_columns(); ++j) {
      if (batch.schema().field(j).name == v->schema.field(i).name)
        cur->col[i] = static_cast<int>(j);
    }
  }
  cur->at = 0;
  const bool wants_groups = !group_plan.empty();
  const bool same_as_grouped = cur->grouped_rows == cur->rows.rows &&
                               cur->grouped_selected == cur->rows.selected &&
                               cur->grouped_plan == plan;
  if (wants_groups && same_as_grouped) {
    cur->rows.selected = &cur->grouped;
  } else if (wants_groups) {
    std::vector<GroupKey> keys;
    std::stringstream ss(group_plan);
    std::string item;
    while (std::getline(ss, item, ',')) {
      const size_t col = std::strtoul(item.c_str(), nullptr, 10);
      // A column the snapshot lacks reads as NULL in every row: it groups nothing.
      if (col < cur->col.size() && cur->col[col] >= 0)
        keys.push_back(GroupKey{cur->col[col], item.back() == 'd'});
    }
    if (!keys.empty()) {
      auto grouped = GroupRows(batch, cur->rows.selected, keys);
      if (!grouped.ok()) {
        SetError(base->pVtab, fmt::format("{}: {}", v->path, grouped.status().message()));
        return SQLITE_ERROR;
      }
      v->ctx->stats.groupings += 1;
      cur->grouped = std::move(*grouped);
      cur->grouped_rows = cur->rows.rows;
      cur->grouped_index = cur->rows.index;
      cur->grouped_selected = cur->rows.selected;
      cur->grouped_plan = plan;
      cur->rows.selected = &cur->grouped;
    }
  }
  return SQLITE_OK;
}

int DeltaNext(sqlite3_vtab_cursor* base) {
  ++reinterpret_cast<DeltaCursor*>(base)->at;
  return SQLITE_OK;
}

int DeltaEof(sqlite3_vtab_cursor* base) {
  auto* cur = reinterpret_cast<DeltaCursor*>(base);
  return cur->at >= cur->Size();
}

void ResultText(sqlite3_context* ctx, const std::string& s) {
  sqlite3_result_text(ctx, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
}

int DeltaColumn(sqlite3_vtab_cursor* base, sqlite3_context* ctx, int i) {
  auto* cur = reinterpret_cast<DeltaCursor*>(base);
  const int j =
      i >= 0 && static_cast<size_t>(i) < cur->col.size() ? cur->col[static_cast<size_t>(i)] : -1;
  if (j < 0) {
    sqlite3_result_null(ctx);
    return SQLITE_OK;
  }
  const columnar::Column& c = cur->rows.rows->batch.column(static_cast<size_t>(j));
  const int64_t r = cur->Row();
  if (c.IsNull(r)) {
    sqlite3_result_null(ctx);
    return SQLITE_OK;
  }
  switch (c.type().kind()) {
    case TypeKind::kBoolean: sqlite3_result_int(ctx, c.ValueAt<uint8_t>(r) != 0); break;
    case TypeKind::kByte: sqlite3_result_int(ctx, c.ValueAt<int8_t>(r)); break;
    case TypeKind::kShort: sqlite3_result_int(ctx, c.ValueAt<int16_t>(r)); break;
    case TypeKind::kInteger: sqlite3_result_int(ctx, c.ValueAt<int32_t>(r)); break;
    case TypeKind::kLong: sqlite3_result_int64(ctx, c.ValueAt<int64_t>(r)); break;
    case TypeKind::kFloat: sqlite3_result_double(ctx, c.ValueAt<float>(r)); break;
    case TypeKind::kDouble: sqlite3_result_double(ctx, c.ValueAt<double>(r)); break;
    case TypeKind::kString: {
      const std::string_view s = c.StringAt(r);
      sqlite3_result_text(ctx, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
      break;
    }
    case TypeKind::kBinary: {
      const std::string_view s = c.StringAt(r);
      sqlite3_result_blob(ctx, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
      break;
    }
    case TypeKind::kDate: ResultText(ctx, columnar::FormatDate(c.ValueAt<int32_t>(r))); break;
    case TypeKind::kTimestamp:
      ResultText(ctx, columnar::FormatTimestampMicros(c.ValueAt<int64_t>(r)));
      break;
    case TypeKind::kDecimal: sqlite3_result_double(ctx, DecimalAsReal(c, r)); break;
    default: {
      std::string json;  // struct, array, map: JSON text, as `table scan` prints it
      columnar::AppendJsonValue(c, r, &json);
      ResultText(ctx, json);
      break;
    }
  }
  return SQLITE_OK;
}

int DeltaRowid(sqlite3_vtab_cursor* base, sqlite3_int64* rowid) {
  auto* cur = reinterpret_cast<DeltaCursor*>(base);
  *rowid = cur->rows.rows->row_ids[static_cast<size_t>(cur->Row())];
  return SQLITE_OK;
}

sqlite3_module DeltaModule() {
  sqlite3_module m{};
  m.iVersion = 1;
  m.xCreate = DeltaConnect;
  m.xConnect = DeltaConnect;
  m.xBestIndex = DeltaBestIndex;
  m.xDisconnect = DeltaDisconnect;
  m.xDestroy = DeltaDisconnect;
  m.xOpen = DeltaOpen;
  m.xClose = DeltaClose;
  m.xFilter = DeltaFilter;
  m.xNext = DeltaNext;
  m.xEof = DeltaEof;
  m.xColumn = DeltaColumn;
  m.xRowid = DeltaRowid;
  return m;  // xUpdate stays null: the tables are read-only
}

// ---------------------------------------------------------------------------------------------
// history('<table>')

struct HistoryVtab {
  sqlite3_vtab base{};
  LakeContext* ctx = nullptr;
};

struct Row {
  int64_t version = 0;
  std::string timestamp, operation, parameters, metrics, engine;
};

// Commits are read a page at a time, newest first, so that `LIMIT 50` (the dashboard's
// explorer) reads 64 commits of a log that may hold millions; the pages double up to 4096.
struct HistoryCursor {
  sqlite3_vtab_cursor base{};
  std::vector<Row> rows;
  size_t at = 0;
  delta::Table* table = nullptr;
  std::string name;                    // for errors
  std::optional<DeltaVersion> before;  // the next page ends below this version
  std::optional<int64_t> oldest_ms;    // the previous page's oldest timestamp
  int64_t page = 64;
  bool last_page = false;
};

constexpr int kHistoryTableArg = 6;

int HistoryConnect(sqlite3* db, void* aux, int, const char* const*, sqlite3_vtab** out, char**) {
  const int rc =
      sqlite3_declare_vtab(db,
                           "CREATE TABLE x(version INTEGER, timestamp TEXT, operation TEXT, "
                           "operation_parameters TEXT, operation_metrics TEXT, engine_info TEXT, "
                           "tbl HIDDEN TEXT)");
  if (rc != SQLITE_OK) return rc;
  auto* v = new HistoryVtab;
  v->ctx = static_cast<LakeContext*>(aux);
  *out = &v->base;
  return SQLITE_OK;
}

int HistoryDisconnect(sqlite3_vtab* tab) {
  delete reinterpret_cast<HistoryVtab*>(tab);
  return SQLITE_OK;
}

int HistoryBestIndex(sqlite3_vtab*, sqlite3_index_info* info) {
  info->idxNum = 0;
  info->estimatedCost = 1e12;
  for (int i = 0; i < info->nConstraint; ++i) {
    const auto& c = info->aConstraint[i];
    if (c.usable && c.iColumn == kHistoryTableArg && c.op == SQLITE_INDEX_CONSTRAINT_EQ) {
      info->aConstraintUsage[i].argvIndex = 1;
      info->aConstraintUsage[i].omit = 1;
      info->idxNum = 1;
      info->estimatedCost = 10;
    }
  }
  return SQLITE_OK;
}

int HistoryOpen(sqlite3_vtab*, sqlite3_vtab_cursor** out) {
  *out = &(new HistoryCursor)->base;
  return SQLITE_OK;
}

int HistoryClose(sqlite3_vtab_cursor* cur) {
  delete reinterpret_cast<HistoryCursor*>(cur);
  return SQLITE_OK;
}

std::string JsonMember(const Json& o, const char* key) {
  const Json* v = o.Find(key);
  if (v == nullptr || v->is_null()) return "";
  return v->is_string() ? v->as_string() : v->Dump();
}

// The next `page` commits below `before` (the newest when unset) into `rows`.
int LoadHistoryPage(HistoryCursor* cur) {
  cur->rows.clear();
  cur->at = 0;
  auto history = cur->table->History(cur->page, cur->before);
  if (!history.ok()) {
    SetError(cur->base.pVtab, fmt::format("{}: {}", cur->name, history.status().message()));
    return SQLITE_ERROR;
  }
  cur->last_page = static_cast<int64_t>(history->size()) < cur->page;
  if (!history->empty()) cur->before = history->back().version;
  for (const delta::HistoryEntry& h : *history) {
    const Json& ci = h.commit_info.value;
    // A page makes its timestamps increasing from its own oldest commit; below the previous
    // page's they stay decreasing down the rows.
    int64_t ts = h.timestamp_ms;
    if (cur->oldest_ms && ts >= *cur->oldest_ms) ts = *cur->oldest_ms - 1;
    cur->oldest_ms = ts;
    cur->rows.push_back({h.version.value(), columnar::FormatTimestampMicros(ts * 1000),
                         h.commit_info.operation(), JsonMember(ci, "operationParameters"),
                         JsonMember(ci, "operationMetrics"), JsonMember(ci, "engineInfo")});
  }
  cur->page = std::min<int64_t>(cur->page * 2, 4096);
  return SQLITE_OK;
}

int HistoryFilter(sqlite3_vtab_cursor* base, int idx, const char*, int argc, sqlite3_value** argv) {
  auto* cur = reinterpret_cast<HistoryCursor*>(base);
  auto* v = reinterpret_cast<HistoryVtab*>(base->pVtab);
  cur->rows.clear();
  cur->at = 0;
  if (idx != 1 || argc < 1 || sqlite3_value_type(argv[0]) != SQLITE_TEXT) {
    SetError(base->pVtab, "history() needs the table: history('silver/stock_trades')");
    return SQLITE_ERROR;
  }
  const std::string ref(reinterpret_cast<const char*>(sqlite3_value_text(argv[0])));
  auto t = ResolveLakeTable(v->ctx->tables, ref);
  if (!t.ok()) {
    SetError(base->pVtab, t.status().message());
    return SQLITE_ERROR;
  }
  cur->table = &v->ctx->TableAt(t->path);
  cur->name = t->SqlName();
  cur->before.reset();
  cur->oldest_ms.reset();
  cur->page = 64;
  cur->last_page = false;
  return LoadHistoryPage(cur);
}

int HistoryNext(sqlite3_vtab_cursor* base) {
  auto* cur = reinterpret_cast<HistoryCursor*>(base);
  if (++cur->at < cur->rows.size() || cur->last_page) return SQLITE_OK;
  return LoadHistoryPage(cur);
}

int HistoryEof(sqlite3_vtab_cursor* base) {
  auto* cur = reinterpret_cast<HistoryCursor*>(base);
  return cur->at >= cur->rows.size();
}

int HistoryColumn(sqlite3_vtab_cursor* base, sqlite3_context* ctx, int i) {
  const Row& r =
      reinterpret_cast<HistoryCursor*>(base)->rows[reinterpret_cast<HistoryCursor*>(base)->at];
  const std::string* text = nullptr;
  switch (i) {
    case 0: sqlite3_result_int64(ctx, r.version); return SQLITE_OK;
    case 1: text = &r.timestamp; break;
    case 2: text = &r.operation; break;
    case 3: text = &r.parameters; break;
    case 4: text = &r.metrics; break;
    case 5: text = &r.engine; break;
    default: sqlite3_result_null(ctx); return SQLITE_OK;
  }
  if (text->empty()) {
    sqlite3_result_null(ctx);
  } else {
    ResultText(ctx, *text);
  }
  return SQLITE_OK;
}

int HistoryRowid(sqlite3_vtab_cursor* base, sqlite3_int64* rowid) {
  const auto* cur = reinterpret_cast<HistoryCursor*>(base);
  *rowid = cur->rows[cur->at].version;  // unique across pages
  return SQLITE_OK;
}

sqlite3_module HistoryModule() {
  sqlite3_module m{};
  m.iVersion = 1;
  m.xCreate = nullptr;  // eponymous only: history('<table>')
  m.xConnect = HistoryConnect;
  m.xBestIndex = HistoryBestIndex;
  m.xDisconnect = HistoryDisconnect;
  m.xDestroy = HistoryDisconnect;
  m.xOpen = HistoryOpen;
  m.xClose = HistoryClose;
  m.xFilter = HistoryFilter;
  m.xNext = HistoryNext;
  m.xEof = HistoryEof;
  m.xColumn = HistoryColumn;
  m.xRowid = HistoryRowid;
  return m;
}

}  // namespace

int RegisterLakeModules(sqlite3* db, LakeContext* ctx) {
  static const sqlite3_module delta_module = DeltaModule();
  static const sqlite3_module history_module = HistoryModule();
  int rc = sqlite3_create_module(db, "delta", &delta_module, ctx);
  if (rc == SQLITE_OK) rc = sqlite3_create_module(db, "history", &history_module, ctx);
  return rc;
}

}  // namespace financelake::sql
