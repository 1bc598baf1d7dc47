// Labelled card-transaction files in the layout of the ULB/Worldline "creditcardfraud" data set:
// Time (seconds from the start of the capture), V1..V28 (anonymised PCA features), Amount
// (EUR), Class (1 = fraud), optionally with a leading unnamed index column. Columns are matched
// by name. Thread-compatible.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace financelake::sources {

inline constexpr int kCardFeatures = 28;

struct CardLayout {
  size_t num_fields = 0;
  int time = -1, amount = -1, label = -1;
  std::array<int, kCardFeatures> features{};  // column of V1..V28
};

// The layout if the header has Time, V1..V28, Amount and Class; otherwise nullopt.
std::optional<CardLayout> DetectCardLayout(const std::vector<std::string>& header);

struct CardRow {
  double seconds = 0;  // from the capture start
  double amount = 0;
  bool fraud = false;
  std::array<double, kCardFeatures> features{};
  // A hash of the row's text: with the file's name and line it tells two files of the same name
  // apart in the event id (a replay of one file keeps its ids).
  uint64_t content_hash = 0;
};

// False with *reason naming the column if a value is missing or invalid (Time and Amount must
// be >= 0, Class 0 or 1; quotes as in "'1'" are tolerated).
bool ParseCardRow(const CardLayout& layout, const std::vector<std::string>& fields, CardRow* row,
                  std::string* reason);

}  // namespace financelake::sources
