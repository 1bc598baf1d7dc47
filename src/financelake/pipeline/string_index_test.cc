#include "financelake/pipeline/string_index.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <unordered_map>

namespace financelake::pipeline {
namespace {

TEST(StringIndexTest, NumbersStringsInTheOrderFirstAdded) {
  StringIndex index;
  EXPECT_EQ(index.Find("a"), StringIndex::kNone);  // empty: no table yet
  bool added = false;
  EXPECT_EQ(index.FindOrAdd("b", &added), 0u);
  EXPECT_TRUE(added);
  EXPECT_EQ(index.FindOrAdd("", &added), 1u);  // the empty string is a string like any other
  EXPECT_TRUE(added);
  EXPECT_EQ(index.FindOrAdd("b", &added), 0u);
  EXPECT_FALSE(added);
  EXPECT_EQ(index.Find(""), 1u);
  EXPECT_EQ(index.Find("bb"), StringIndex::kNone);
  EXPECT_EQ(index.name(1), "");
  EXPECT_EQ(index.size(), 2u);
  index.Clear();
  EXPECT_EQ(index.size(), 0u);
  EXPECT_EQ(index.Find("b"), StringIndex::kNone);
  EXPECT_EQ(index.FindOrAdd("c", &added), 0u);
}

TEST(StringIndexTest, AgreesWithAHashMapAcrossGrowth) {
  // 200,000 random account-like strings, many repeated, some prefixes of others: every lookup
  // gives the number a reference map gives, before and after the table doubles many times.
  StringIndex index;
  std::unordered_map<std::string, uint32_t> reference;
  std::mt19937_64 rng(7);
  for (int i = 0; i < 200000; ++i) {
    std::string s = "AC" + std::to_string(rng() % 60000);
    if (rng() % 5 == 0) s += std::string(rng() % 20, 'x');  // longer than the inline size
    bool added = false;
    const uint32_t n = index.FindOrAdd(s, &added);
    auto [it, fresh] = reference.emplace(s, static_cast<uint32_t>(reference.size()));
    ASSERT_EQ(added, fresh) << s;
    ASSERT_EQ(n, it->second) << s;
  }
  ASSERT_EQ(index.size(), reference.size());
  for (const auto& [s, n] : reference) {
    ASSERT_EQ(index.Find(s), n) << s;
    ASSERT_EQ(index.name(n), s);
  }
  EXPECT_EQ(index.Find("AC60000"), StringIndex::kNone);
  EXPECT_EQ(index.Find("AC1x"), reference.count("AC1x") ? reference["AC1x"] : StringIndex::kNone);
}

}  // namespace
}  // namespace financelake::pipeline
