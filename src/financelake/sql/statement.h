// What `financelake sql` does with a statement before SQLite sees it: splitting a script into
// statements, the lake's own statements (OPTIMIZE, VACUUM <table>, DESCRIBE [HISTORY], SHOW
// TABLES), and time travel: `delta('silver/stock_trades', version => 0)` or
// `delta('gold.daily_prices', timestamp => '2026-11-20T10:00:00Z')` in a FROM clause becomes a
// temporary table pinned to that snapshot. Pure text processing; no SQLite here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "financelake/base/result.h"

namespace financelake::sql {

// SQL quoting: "identifier" and 'string' (the quote character doubled inside).
std::string SqlIdentifier(std::string_view name);
std::string SqlString(std::string_view text);

// Statements of a script, split at ';' outside quotes and comments; blank ones dropped.
std::vector<std::string> SplitStatements(std::string_view text);

// Follows a script fed piece by piece (the shell's lines) and tells whether the text so far
// ends between statements: outside quotes and comments, and nothing but blanks and comments
// after the last ';'. The shell runs what it has there, and takes a line starting with '.'
// there as a shell command.
class StatementBoundary {
 public:
  void Feed(std::string_view text);
  bool AtBoundary() const { return state_ == State::kCode && !pending_ && !dash_ && !slash_; }

 private:
  enum class State : uint8_t { kCode, kQuoted, kLineComment, kBlockComment };
  State state_ = State::kCode;
  char close_ = 0;            // kQuoted: the closing character
  bool quote_ended_ = false;  // kQuoted: the closing character was just met (unless doubled)
  bool star_ = false;         // kBlockComment: the previous character was '*'
  bool dash_ = false;         // kCode: the previous character was '-'
  bool slash_ = false;        // kCode: the previous character was '/'
  bool pending_ = false;      // statement text since the last ';'
};

struct LakeStatement {
  enum class Kind : uint8_t { kNone, kOptimize, kVacuum, kDescribe, kDescribeHistory, kShowTables };
  Kind kind = Kind::kNone;
  std::string table;  // as written
  std::optional<double> retain_hours;
  bool dry_run = false;
  bool force = false;  // retention shorter than the table's delta.deletedFileRetentionDuration
};

// Recognises the lake statements (case-insensitive):
//   OPTIMIZE <table>
//   VACUUM <table> [RETAIN <n> HOURS] [DRY RUN] [FORCE]
//   DESCRIBE HISTORY <table> | DESCRIBE [TABLE] <table> | SHOW TABLES
// kNone for anything else (left to SQLite). InvalidArgument for a malformed one ("VACUUM needs
// a table").
Result<LakeStatement> ParseLakeStatement(std::string_view statement);

// Whether the statement is CREATE [TEMP|TEMPORARY] VIEW (a view keeps its text, and so the
// time-travel tables it names, which exist only while their statement runs).
bool CreatesView(std::string_view statement);

struct TimeTravel {
  std::string table;  // as written in the call
  std::optional<int64_t> version;
  std::optional<std::string> timestamp;
  std::string alias;  // the temporary table's name the call was replaced with
};

// Replaces every delta(...) call with a generated table name (`__delta_tt<k>`, k from
// *counter) and lists them. InvalidArgument for a malformed call ("delta(): expected version
// => N or timestamp => 'T'").
Result<std::string> RewriteTimeTravel(std::string_view statement, int* counter,
                                      std::vector<TimeTravel>* calls);

}  // namespace financelake::sql
