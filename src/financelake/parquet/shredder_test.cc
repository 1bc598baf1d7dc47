#include "financelake/parquet/shredder.h"

#include <gtest/gtest.h>

namespace financelake::parquet {
namespace {

using columnar::Column;
using columnar::DataType;
using columnar::Field;
using columnar::Schema;

ParquetSchema SchemaOf(const Schema& s) {
  auto elements = ToParquetSchema(s);
  EXPECT_TRUE(elements.ok());
  auto ps = FromParquetSchema(*elements);
  EXPECT_TRUE(ps.ok()) << ps.status().ToString();
  return *ps;
}

TEST(SchemaMapTest, LevelsOfListOfOptionalInts) {
  Schema s({Field{"l", DataType::Array(DataType::Integer(), true), true}});
  ParquetSchema ps = SchemaOf(s);
  ASSERT_EQ(ps.leaves.size(), 1u);
  EXPECT_EQ(ps.leaves[0].max_def, 3);
  EXPECT_EQ(ps.leaves[0].max_rep, 1);
  EXPECT_EQ(ps.leaves[0].path, (std::vector<std::string>{"l", "list", "element"}));
  EXPECT_EQ(ps.schema, s);
}

TEST(SchemaMapTest, RoundTripsNestedSchemaAndMarksOwners) {
  Schema s({Field{"id", DataType::Long(), false},
            Field{"m", DataType::Map(DataType::String(), DataType::Long()), true},
            Field{"st", DataType::Struct({Field{"a", DataType::Integer(), true},
                                          Field{"b", DataType::Decimal(20, 3), true}}),
                  true}});
  ParquetSchema ps = SchemaOf(s);
  EXPECT_EQ(ps.schema, s);
  ASSERT_EQ(ps.leaves.size(), 5u);
  EXPECT_EQ(ps.leaves[0].max_def, 0);
  // map key: owner of the map node; value: not.
  EXPECT_TRUE(ps.leaves[1].nodes[0].owner);
  EXPECT_FALSE(ps.leaves[2].nodes[0].owner);
  EXPECT_EQ(ps.leaves[2].max_def, 3);
  EXPECT_EQ(ps.leaves[1].max_def, 2);
  EXPECT_EQ(ps.leaves[4].physical_type, Type::FIXED_LEN_BYTE_ARRAY);
  EXPECT_EQ(ps.leaves[4].type_length, 9);
  EXPECT_EQ(ps.field_leaves[2], (std::pair<size_t, size_t>{3, 5}));
}

TEST(ShredderTest, ListLevelsFollowDremel) {
  // rows: [1, null], null, [], [4]
  Schema s({Field{"l", DataType::Array(DataType::Integer(), true), true}});
  ParquetSchema ps = SchemaOf(s);
  Column c(s.field(0).type);
  c.mutable_child(0).Append<int32_t>(1);
  c.mutable_child(0).AppendNull();
  c.CloseList();
  c.AppendNull();
  c.CloseList();
  c.mutable_child(0).Append<int32_t>(4);
  c.CloseList();
  ShreddedLeaf out;
  ASSERT_TRUE(ShredLeaf(c, 0, 4, ps.leaves[0], &out).ok());
  EXPECT_EQ(out.def, (std::vector<int16_t>{3, 2, 0, 1, 3}));
  EXPECT_EQ(out.rep, (std::vector<int16_t>{0, 1, 0, 0, 0}));
  EXPECT_EQ(out.value_index, (std::vector<int64_t>{0, 2}));
}

TEST(ShredderTest, StructChildrenOfNullStructGetParentLevel) {
  Schema s({Field{"st", DataType::Struct({Field{"a", DataType::Integer(), true}}), true}});
  ParquetSchema ps = SchemaOf(s);
  Column c(s.field(0).type);
  c.mutable_child(0).Append<int32_t>(5);
  c.AppendStructValid();
  c.AppendNull();
  c.mutable_child(0).AppendNull();
  c.AppendStructValid();
  ShreddedLeaf out;
  ASSERT_TRUE(ShredLeaf(c, 0, 3, ps.leaves[0], &out).ok());
  EXPECT_EQ(out.def, (std::vector<int16_t>{2, 0, 1}));
  EXPECT_EQ(out.value_index, (std::vector<int64_t>{0}));
}

TEST(ShredderTest, NullInRequiredFieldIsAnError) {
  Schema s({Field{"st", DataType::Struct({Field{"a", DataType::Integer(), false}}), true}});
  ParquetSchema ps = SchemaOf(s);
  Column c(s.field(0).type);
  c.mutable_child(0).AppendNull();
  c.AppendStructValid();
  ShreddedLeaf out;
  Status st = ShredLeaf(c, 0, 1, ps.leaves[0], &out);
  EXPECT_TRUE(st.IsInvalidArgument());
  EXPECT_NE(st.message().find("st.a"), std::string::npos) << st.message();
}

}  // namespace
}  // namespace financelake::parquet
