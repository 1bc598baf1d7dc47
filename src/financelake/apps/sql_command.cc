// `financelake sql [--lake DIR] [--format table|csv|jsonl] ["QUERY; ..."]`: SQL over every Delta
// table of the lake (module sql). With a query: runs it and prints each result. Without one:
// an interactive shell on a terminal (line editing and history in ~/.financelake_sql_history,
// statements end with ';', `.tables`, `.quit`), or a script read from stdin otherwise.
#include <editline/readline.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>

#include "financelake/apps/commands.h"
#include "financelake/io/posix_filesystem.h"
#include "financelake/sql/sql_session.h"
#include "financelake/sql/statement.h"

namespace financelake::apps {
namespace {

struct SqlArgs {
  std::string lake = "lake";
  std::string format;  // default: table on a terminal, else table too (explicit csv/jsonl)
  std::string query;
  bool no_pushdown = false;
  bool stats = false;
};

Result<sql::OutputFormat> ParseFormat(const std::string& f) {
  if (f.empty() || f == "table") return sql::OutputFormat::kTable;
  if (f == "csv") return sql::OutputFormat::kCsv;
  if (f == "jsonl" || f == "json") return sql::OutputFormat::kJsonl;
  return Status::InvalidArgument(fmt::format("--format: '{}' is not table, csv or jsonl", f));
}

Status Print(const sql::ResultSet& result, sql::OutputFormat format, bool first) {
  const std::string text = sql::FormatResult(result, format);
  if (!first && format == sql::OutputFormat::kTable && !text.empty()) std::fputc('\n', stdout);
  if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size()) return Status::IOError("writing stdout");
  std::fflush(stdout);
  return Status::OK();
}

// Runs the statements one by one, printing each result as it comes; stops at the first error
// (the results before it are printed).
Status RunScript(sql::SqlSession& session, std::string_view script, sql::OutputFormat format) {
  bool first = true;
  for (const std::string& st : sql::SplitStatements(script)) {
    FL_ASSIGN_OR_RETURN(sql::ResultSet r, session.ExecuteOne(st));
    FL_RETURN_NOT_OK(Print(r, format, first));
    first = false;
  }
  return Status::OK();
}

void PrintStats(const sql::SqlSession& s) {
  const auto& st = s.scan_stats();
  std::fprintf(stderr, "scans: %lld, files read %lld of %lld, rows read %lld\n", static_cast<long long>(st.scans),
               static_cast<long long>(st.files_read), static_cast<long long>(st.files_total),
               static_cast<long long>(st.rows_read));
}

// A shell command line (".tables", ".schema t", ...): blanks around it and a trailing ';'
// are not part of it; the name ends at the first blank (space or tab).
struct DotLine {
  std::string name, arg;
};
DotLine ParseDotLine(std::string_view line) {
  const size_t b = line.find_first_not_of(" \t");
  size_t e = line.find_last_not_of(" \t\r;");
  if (b == std::string_view::npos || e == std::string_view::npos || e < b) return {};
  line = line.substr(b, e + 1 - b);
  const size_t blank = line.find_first_of(" \t");
  if (blank == std::string_view::npos) return {std::string(line), ""};
  const size_t arg = line.find_first_not_of(" \t", blank);
  return {std::string(line.substr(0, blank)), std::string(line.substr(arg))};
}

// True when `line` (outside a statement) is a shell command: its first non-blank is a '.' (no
// SQL statement starts with one).
bool IsDotLine(std::string_view line) {
  const size_t b = line.find_first_not_of(" \t");
  return b != std::string_view::npos && line[b] == '.';
}

// Runs a shell command; sets *quit for .quit/.exit. Errors name the command.
Status DotCommand(sql::SqlSession& session, const DotLine& cmd, sql::OutputFormat format,
                  bool* quit) {
  if (cmd.name == ".quit" || cmd.name == ".exit") {
    *quit = true;
  } else if (cmd.name == ".tables") {
    for (const auto& t : session.tables()) {
      if (t.dotted && t.flat) {
        std::printf("%s (%s)\n", t.SqlName().c_str(), t.FlatName().c_str());
      } else if (t.HasSqlName()) {
        std::printf("%s\n", t.SqlName().c_str());
      } else {
        std::printf("%s (no SQL name: delta(%s))\n", t.rel.c_str(), sql::SqlString(t.rel).c_str());
      }
    }
    std::fflush(stdout);
  } else if (cmd.name == ".help") {
    std::printf(
        "statements end with ';' and may span lines (SQLite SQL over the lake's tables; "
        "docs/queries.md)\n"
        "  SHOW TABLES;  DESCRIBE <table>;  DESCRIBE HISTORY <table>;\n"
        "  SELECT ... FROM <table>;  time travel: FROM delta('<table>', version => N)\n"
        "  OPTIMIZE <table>;  VACUUM <table> [RETAIN <n> HOURS] [DRY RUN] [FORCE];\n"
        ".tables           the tables, by both names\n"
        ".schema <table>   its columns (DESCRIBE <table>)\n"
        ".help             this text\n"
        ".quit, .exit      leave (or Ctrl-D)\n");
    std::fflush(stdout);
  } else if (cmd.name == ".schema" && !cmd.arg.empty()) {
    return RunScript(session, "DESCRIBE " + cmd.arg + ";", format);
  } else if (cmd.name == ".schema") {
    return Status::InvalidArgument(".schema needs a table (.tables lists them)");
  } else {
    return Status::InvalidArgument("unknown command '" + cmd.name + "' (.help lists the commands)");
  }
  return Status::OK();
}

// A script on stdin: its statements, each run as soon as it is complete (a program feeding
// statements gets each answer before sending the next), and shell commands on lines of their
// own between statements; stops at the first error (the results before it printed).
Status Script(sql::SqlSession& session, sql::OutputFormat format) {
  std::string chunk, line;
  sql::StatementBoundary boundary;
  while (std::getline(std::cin, line)) {
    if (boundary.AtBoundary() && IsDotLine(line)) {
      bool quit = false;
      FL_RETURN_NOT_OK(DotCommand(session, ParseDotLine(line), format, &quit));
      if (quit) return Status::OK();
      continue;
    }
    line += '\n';
    boundary.Feed(line);
    chunk += line;
    if (boundary.AtBoundary()) {
      FL_RETURN_NOT_OK(RunScript(session, chunk, format));
      chunk.clear();
    }
  }
  return RunScript(session, chunk, format);  // a last statement needs no ';'
}

Status Shell(sql::SqlSession& session, sql::OutputFormat format, bool stats) {
  const bool tty = ::isatty(STDIN_FILENO) != 0;
  if (!tty) {  // a script on stdin
    Status st = Script(session, format);
    if (stats) PrintStats(session);
    return st;
  }
  const char* home = std::getenv("HOME");
  const std::string history = home != nullptr ? std::string(home) + "/.financelake_sql_history" : "";
  using_history();
  if (!history.empty()) read_history(history.c_str());
  std::printf(
      "financelake sql: %zu tables (.tables lists them, .help the commands; statements end with "
      "';'; .quit or Ctrl-D leaves)\n",
      session.tables().size());
  std::string buffer;
  sql::StatementBoundary boundary;
  while (true) {
    char* line = readline(buffer.empty() ? "sql> " : "  -> ");
    if (line == nullptr) break;
    std::string text(line);
    std::free(line);
    if (buffer.empty()) {
      if (text.find_first_not_of(" \t") == std::string::npos) continue;
      if (IsDotLine(text)) {
        add_history(text.c_str());
        if (!history.empty()) append_history(1, history.c_str());
        bool quit = false;
        Status st = DotCommand(session, ParseDotLine(text), format, &quit);
        if (!st.ok()) std::fprintf(stderr, "error: %s\n", st.message().c_str());
        if (quit) break;
        continue;
      }
    }
    buffer += text + "\n";
    boundary.Feed(text + "\n");
    if (!boundary.AtBoundary()) continue;
    std::string entry = buffer.substr(0, buffer.find_last_not_of("\n") + 1);
    add_history(entry.c_str());
    if (!history.empty()) append_history(1, history.c_str());
    Status st = RunScript(session, buffer, format);
    buffer.clear();
    if (!st.ok()) std::fprintf(stderr, "error: %s\n", st.message().c_str());
    if (stats) PrintStats(session);
  }
  std::printf("\n");
  return Status::OK();
}

Status RunSql(const SqlArgs& a) {
  FL_ASSIGN_OR_RETURN(sql::OutputFormat format, ParseFormat(a.format));
  FL_ASSIGN_OR_RETURN(auto session, sql::SqlSession::Open(io::PosixFileSystem(), a.lake));
  session->set_pushdown(!a.no_pushdown);
  if (a.query.empty()) return Shell(*session, format, a.stats);
  Status st = RunScript(*session, a.query, format);
  if (a.stats) PrintStats(*session);
  return st;
}

}  // namespace

void RegisterSqlCommand(CLI::App& app, Action* action) {
  auto a = std::make_shared<SqlArgs>();
  CLI::App* cmd = app.add_subcommand(
      "sql", "SQL (SQLite) over the lake's Delta tables: time travel, history, OPTIMIZE/VACUUM (docs/queries.md)");
  cmd->add_option("query", a->query, "statements to run (none: interactive shell, or a script on stdin)");
  cmd->add_option("--lake", a->lake, "lake directory (default ./lake)");
  cmd->add_option("--format", a->format, "table (default), csv or jsonl");
  cmd->add_flag("--no-pushdown", a->no_pushdown, "leave every WHERE constraint to SQLite (full scans)");
  cmd->add_flag("--stats", a->stats, "print files and rows the scans read to stderr");
  cmd->callback([action, a] { *action = [a] { return RunSql(*a); }; });
}

}  // namespace financelake::apps
