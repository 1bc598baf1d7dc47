#include "financelake/ml/labelled_csv.h"

#include "financelake/columnar/csv_reader.h"

namespace financelake::ml {

Result<columnar::RecordBatch> ReadLabelledCsv(std::string text, std::string_view source,
                                              bool* index_column_out) {
  bool index = false;
  size_t start = text.compare(0, 3, "\xEF\xBB\xBF") == 0 ? 3 : 0;  // UTF-8 byte order mark
  if (start < text.size() && text[start] == ',') {
    text.insert(start, kIndexColumn);
    index = true;
  }
  if (index_column_out != nullptr) *index_column_out = index;
  return columnar::ReadCsv(std::string_view(text).substr(start), std::nullopt, source);
}

}  // namespace financelake::ml
