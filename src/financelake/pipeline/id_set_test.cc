#include "financelake/pipeline/id_set.h"

#include <gtest/gtest.h>

#include <deque>
#include <set>
#include <string>

namespace financelake::pipeline {
namespace {

columnar::Column Ids(int from, int to) {
  columnar::Column c(columnar::DataType::String());
  for (int i = from; i < to; ++i) c.AppendString("id-" + std::to_string(i));
  return c;
}

// Across columns, past several doublings of the table, and after the columns moved: each id is
// new exactly once.
TEST(IdSetTest, EachIdOnceAcrossColumnsGrowthAndMoves) {
  IdSet seen(4);  // far too small: grows
  std::deque<columnar::Column> store;
  std::set<std::string> reference;
  int64_t inserted = 0;
  for (int part = 0; part < 5; ++part) {
    columnar::Column c = Ids(part * 700, part * 700 + 1000);  // overlaps the previous part
    const int k = seen.AddColumn(c);
    for (int64_t i = 0; i < c.length(); ++i) {
      const bool fresh = reference.insert(std::string(c.StringAt(i))).second;
      EXPECT_EQ(seen.Insert(k, i), fresh) << c.StringAt(i);
      inserted += fresh ? 1 : 0;
    }
    store.push_back(std::move(c));  // the column's object moves; its rows are looked up again
    seen.Rebind(k, store.back());
  }
  EXPECT_EQ(seen.size(), inserted);
  EXPECT_EQ(inserted, 4 * 700 + 1000);
  columnar::Column again = Ids(0, 4 * 700 + 1000);
  const int k = seen.AddColumn(again);
  for (int64_t i = 0; i < again.length(); ++i) EXPECT_FALSE(seen.Insert(k, i));
  columnar::Column same_in_column(columnar::DataType::String());
  same_in_column.AppendString("x");
  same_in_column.AppendString("x");
  const int m = seen.AddColumn(same_in_column);
  EXPECT_TRUE(seen.Insert(m, 0));
  EXPECT_FALSE(seen.Insert(m, 1));
}

}  // namespace
}  // namespace financelake::pipeline
