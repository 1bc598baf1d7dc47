#include "financelake/server/api_util.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

namespace financelake::server {
namespace {

TEST(WithoutLakePathTest, ErrorTextsDoNotNameTheServersDirectories) {
  const std::string lake = "/srv/data/lake";
  EXPECT_EQ(
      WithoutLakePath("delta: /srv/data/lake/gold/daily_prices: timestamp is before v0", lake),
      "delta: gold/daily_prices: timestamp is before v0");
  EXPECT_EQ(WithoutLakePath("SQL: /srv/data/lake/gold/x: a; /srv/data/lake/silver/y: b", lake),
            "SQL: gold/x: a; silver/y: b");
  EXPECT_EQ(WithoutLakePath("cannot open /srv/data/lake", lake), "cannot open lake");
  EXPECT_EQ(WithoutLakePath("cannot open /srv/data/lake/", "/srv/data/lake/"), "cannot open ");
  // A longer name that starts like it is another directory: left as it is.
  EXPECT_EQ(WithoutLakePath("/srv/data/lake2/gold and /srv/data/lake.old", lake),
            "/srv/data/lake2/gold and /srv/data/lake.old");
  // A relative lake is hidden in its absolute form (what the delta layer may print).
  const std::string cwd = std::filesystem::current_path().string();
  EXPECT_EQ(WithoutLakePath("at " + cwd + "/rel/lake/gold/t: gone", "rel/lake"), "at gold/t: gone");
  EXPECT_EQ(WithoutLakePath("nothing to hide", lake), "nothing to hide");
  // A path that only ends like the lake's is another one.
  EXPECT_EQ(WithoutLakePath("/mnt/srv/data/lake/gold: x", lake), "/mnt/srv/data/lake/gold: x");
  EXPECT_EQ(WithoutLakePath("a lake with a quote: /srv/q\"x/gold/t", "/srv/q\"x"),
            "a lake with a quote: gold/t");
}

}  // namespace
}  // namespace financelake::server
