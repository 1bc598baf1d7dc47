#include "financelake/sources/card_csv.h"

#include "financelake/sources/csv_text.h"

namespace financelake::sources {

std::optional<CardLayout> DetectCardLayout(const std::vector<std::string>& header) {
  CardLayout layout;
  layout.num_fields = header.size();
  layout.features.fill(-1);
  for (size_t i = 0; i < header.size(); ++i) {
    const std::string n = NormalizeHeader(header[i]);
    const int col = static_cast<int>(i);
    if (n == "time") {
      layout.time = col;
    } else if (n == "amount") {
      layout.amount = col;
    } else if (n == "class") {
      layout.label = col;
    } else if (n.size() >= 2 && n.size() <= 3 && n[0] == 'v') {
      int k = 0;
      for (size_t j = 1; j < n.size(); ++j)
        k = n[j] >= '0' && n[j] <= '9' ? k * 10 + (n[j] - '0') : -100;
      if (k >= 1 && k <= kCardFeatures) layout.features[static_cast<size_t>(k - 1)] = col;
    }
  }
  if (layout.time < 0 || layout.amount < 0 || layout.label < 0) return std::nullopt;
  for (int col : layout.features) {
    if (col < 0) return std::nullopt;
  }
  return layout;
}

bool ParseCardRow(const CardLayout& layout, const std::vector<std::string>& fields, CardRow* row,
                  std::string* reason) {
  std::string why;
  auto number = [&](int col, std::string_view name, double* out) {
    if (ParseCsvNumber(fields[static_cast<size_t>(col)], out, &why)) return true;
    *reason = "column '" + std::string(name) + "': " + why;
    return false;
  };
  if (!number(layout.time, "Time", &row->seconds)) return false;
  if (row->seconds < 0) {
    *reason = "column 'Time': negative seconds";
    return false;
  }
  if (!number(layout.amount, "Amount", &row->amount)) return false;
  if (row->amount < 0) {
    *reason = "column 'Amount': negative amount";
    return false;
  }
  std::string_view label = TrimSpaces(fields[static_cast<size_t>(layout.label)]);
  if (label.size() == 3 && (label.front() == '\'' || label.front() == '"') &&
      label.back() == label.front()) {
    label = label.substr(1, 1);
  }
  if (label != "0" && label != "1") {
    *reason = "column 'Class': '" + std::string(label) + "' is not 0 or 1";
    return false;
  }
  row->fraud = label == "1";
  for (size_t k = 0; k < kCardFeatures; ++k) {
    if (!ParseCsvNumber(fields[static_cast<size_t>(layout.features[k])], &row->features[k], &why)) {
      *reason = "column 'V" + std::to_string(k + 1) + "': " + why;
      return false;
    }
  }
  return true;
}

}  // namespace financelake::sources
