// Tolerant reading of the CSV files people actually have: RFC 4180 records (quoted fields may
// hold commas, doubled quotes and line breaks), CRLF or LF line ends, a UTF-8 byte-order mark,
// blank lines between records; numbers with thousands separators ("4,787,699"); dates as
// YYYY-MM-DD, YYYY/MM/DD or M/D/YYYY. Values that cannot be read come back as a reason string
// for the malformed-record report, never as a guess. Thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace financelake::sources {

struct CsvRecord {
  int64_t line = 0;      // 1-based line where the record starts
  std::string_view raw;  // the record's text, without the line end
  std::vector<std::string> fields;
  bool unterminated_quote = false;  // a quoted field ran to the end of the input
};

class CsvRecordReader {
 public:
  explicit CsvRecordReader(std::string_view text);

  // Reads the next non-blank record into *record (reusing its field storage). False at the end.
  bool Next(CsvRecord* record);

 private:
  std::string_view text_;
  size_t pos_ = 0;
  int64_t line_ = 1;
};

// Lower-cases and keeps only letters and digits: "Adj Close" -> "adjclose", "AAPL.Open" ->
// "aaplopen". Used to match headers by name, not position.
std::string NormalizeHeader(std::string_view name);

// Parses a finite decimal number (optional sign, fraction, exponent). Accepts surrounding
// spaces and thousands separators in groups of three ("4,787,699.5"). On failure returns false
// and sets *reason ("'abc' is not a number").
bool ParseCsvNumber(std::string_view text, double* value, std::string* reason);

// Parses a calendar date: YYYY-MM-DD, YYYY/MM/DD or M/D/YYYY (US order), optionally followed by
// a midnight time after ' ' or 'T' ("2018-10-15 00:00:00"), with a zero fraction, 'Z' or a UTC
// offset ("2024-01-02 00:00:00-05:00", "2024-01-03T00:00:00Z", "2024-01-04 00:00:00.000"): the
// date as written. Returns days since 1970-01-01; on failure false and
// *reason (for example "'11:34' is a time of day without a date (an intraday row)").
bool ParseCsvDate(std::string_view text, int32_t* days, std::string* reason);

std::string_view TrimSpaces(std::string_view s);

}  // namespace financelake::sources
