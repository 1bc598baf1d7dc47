#include "financelake/parquet/thrift_compact.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace financelake::parquet {
namespace {

using CT = CompactType;

std::vector<uint8_t> Bytes(const std::string& s) {
  return {s.begin(), s.end()};
}

void AppendVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

CompactReader ReaderOf(const std::string& s) {
  return CompactReader(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

TEST(CompactWriterTest, ShortFieldHeaderAndStop) {
  std::string out;
  CompactWriter w(&out);
  w.BeginStruct();
  w.FieldI32(1, -1);
  w.EndStruct();
  EXPECT_EQ(Bytes(out), (std::vector<uint8_t>{0x15, 0x01, 0x00}));
}

TEST(CompactWriterTest, LongFieldHeaderWhenDeltaAbove15OrNotIncreasing) {
  std::string out;
  CompactWriter w(&out);
  w.BeginStruct();
  w.FieldI32(1, 1);   // 0x15 0x02
  w.FieldI32(20, 2);  // delta 19: 0x05, zigzag(20) = 40, then 0x04
  w.FieldI32(5, 3);   // decreasing: 0x05, zigzag(5) = 10, then 0x06
  w.FieldI32(20, 0);  // delta 15 is still short: 0xf5 0x00
  w.EndStruct();
  EXPECT_EQ(Bytes(out), (std::vector<uint8_t>{0x15, 0x02, 0x05, 0x28, 0x04, 0x05, 0x0a, 0x06, 0xf5,
                                              0x00, 0x00}));
}

TEST(CompactWriterTest, ScalarEncodings) {
  std::string out;
  CompactWriter w(&out);
  w.BeginStruct();
  w.FieldBool(1, true);     // 0x11
  w.FieldBool(2, false);    // 0x12 (delta 1, type 2)
  w.FieldI8(3, -1);         // 0x13 0xff (raw byte)
  w.FieldI16(4, -2);        // 0x14 0x03
  w.FieldI64(5, 300);       // 0x16, zigzag 600 = 0xd8 0x04
  w.FieldBinary(6, "abc");  // 0x18 0x03 'a' 'b' 'c'
  w.FieldDouble(7, 1.0);    // 0x17, 8 bytes little-endian
  w.EndStruct();
  EXPECT_EQ(Bytes(out), (std::vector<uint8_t>{0x11, 0x12, 0x13, 0xff, 0x14, 0x03, 0x16, 0xd8,
                                              0x04, 0x18, 0x03, 'a',  'b',  'c',  0x17, 0,
                                              0,    0,    0,    0,    0,    0xf0, 0x3f, 0x00}));
}

TEST(CompactWriterTest, CollectionHeadersAndNestedStructIds) {
  std::string out;
  CompactWriter w(&out);
  w.BeginStruct();
  w.WriteFieldHeader(1, CT::kList);
  w.WriteListHeader(CT::kI32, 3);  // 0x35
  for (int i = 0; i < 3; ++i) w.WriteI32(i);
  w.WriteFieldHeader(2, CT::kList);
  w.WriteListHeader(CT::kBinary, 20);  // 0xf8 then varint 20
  for (int i = 0; i < 20; ++i) w.WriteBinary("");
  w.WriteFieldHeader(3, CT::kStruct);
  w.BeginStruct();
  w.FieldI32(7, 1);  // ids restart inside the nested struct: delta 7
  w.EndStruct();
  w.FieldI32(4, 1);  // and resume at 3 after it: delta 1
  w.WriteFieldHeader(5, CT::kMap);
  w.WriteMapHeader(CT::kBinary, CT::kI32, 0);  // empty map: just 0x00
  w.EndStruct();
  std::vector<uint8_t> want = {0x19, 0x35, 0x00, 0x02, 0x04, 0x19, 0xf8, 0x14};
  want.insert(want.end(), 20, 0x00);
  want.insert(want.end(), {0x1c, 0x75, 0x02, 0x00, 0x15, 0x02, 0x1b, 0x00, 0x00});
  EXPECT_EQ(Bytes(out), want);
}

TEST(CompactReaderTest, ReadsBackWhatTheWriterWrote) {
  std::string out;
  CompactWriter w(&out);
  w.BeginStruct();
  w.FieldI64(1, std::numeric_limits<int64_t>::min());
  w.FieldI64(2, std::numeric_limits<int64_t>::max());
  w.FieldI32(3, std::numeric_limits<int32_t>::min());
  w.FieldI16(300, std::numeric_limits<int16_t>::min());
  w.FieldBool(301, true);
  w.FieldDouble(-5, -2.5);
  w.FieldBinary(-4, std::string("x\0y", 3));
  w.FieldI8(-3, -128);
  w.WriteFieldHeader(-2, CT::kList);
  w.WriteListHeader(CT::kBoolTrue, 3);
  w.WriteBool(true);
  w.WriteBool(false);
  w.WriteBool(true);
  w.EndStruct();

  CompactReader r = ReaderOf(out);
  ASSERT_TRUE(r.BeginStruct().ok());
  FieldHeader h;
  int64_t i64;
  int32_t i32;
  int16_t i16;
  int8_t i8;
  double d;
  std::string s;
  ListHeader lh;
  bool b;
  ASSERT_TRUE(r.ReadFieldHeader(&h).ok());
  EXPECT_EQ(h.id, 1);
  EXPECT_EQ(h.type, CT::kI64);
  ASSERT_TRUE(r.ReadI64(&i64).ok());
  EXPECT_EQ(i64, std::numeric_limits<int64_t>::min());
  ASSERT_TRUE(r.ReadFieldHeader(&h).ok());
  ASSERT_TRUE(r.ReadI64(&i64).ok());
  EXPECT_EQ(i64, std::numeric_limits<int64_t>::max());
  ASSERT_TRUE(r.ReadFieldHeader(&h).ok());
  ASSERT_TRUE(r.ReadI32(&i32).ok());
  EXPECT_EQ(i32, std::numeric_limits<int32_t>::min());
  ASSERT_TRUE(r.ReadFieldHeader(&h).ok());
  EXPECT_EQ(h.id, 300);
  ASSERT_TRUE(r.ReadI16(&i16).ok());
  EXPECT_EQ(i16, std::numeric_limits<int16_t>::min());
  ASSERT_TRUE(r.ReadFieldHeader(&h).ok());
  EXPECT_EQ(h.id, 301);
  EXPECT_TRUE(CompactReader::IsBool(h.type));
  EXPECT_TRUE(CompactReader::BoolFieldValue(h.type));
  ASSERT_TRUE(r.ReadFieldHeader(&h).ok());
  EXPECT_EQ(h.id, -5);
  ASSERT_TRUE(r.ReadDouble(&d).ok());
  EXPECT_EQ(d, -2.5);
  ASSERT_TRUE(r.ReadFieldHeader(&h).ok());
  ASSERT_TRUE(r.ReadBinary(&s).ok());
  EXPECT_EQ(s, std::string("x\0y", 3));
  ASSERT_TRUE(r.ReadFieldHeader(&h).ok());
  EXPECT_EQ(h.id, -3);
  ASSERT_TRUE(r.ReadI8(&i8).ok());
  EXPECT_EQ(i8, -128);
  ASSERT_TRUE(r.ReadFieldHeader(&h).ok());
  EXPECT_EQ(h.id, -2);  // short form: delta 1 from -3
  ASSERT_TRUE(r.ReadListHeader(&lh).ok());
  EXPECT_EQ(lh.elem, CT::kBoolTrue);
  ASSERT_EQ(lh.size, 3u);
  std::vector<bool> bools;
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(r.ReadBool(&b).ok());
    bools.push_back(b);
  }
  EXPECT_EQ(bools, (std::vector<bool>{true, false, true}));
  ASSERT_TRUE(r.ReadFieldHeader(&h).ok());
  EXPECT_EQ(h.type, CT::kStop);
  ASSERT_TRUE(r.EndStruct().ok());
  EXPECT_EQ(r.position(), out.size());
}

TEST(CompactReaderTest, BoolElementsAcceptOldFalseByte) {
  const std::string in("\x01\x02\x00\x03", 4);
  CompactReader r = ReaderOf(in);
  bool b;
  ASSERT_TRUE(r.ReadBool(&b).ok());
  EXPECT_TRUE(b);
  ASSERT_TRUE(r.ReadBool(&b).ok());
  EXPECT_FALSE(b);
  ASSERT_TRUE(r.ReadBool(&b).ok());
  EXPECT_FALSE(b);
  EXPECT_TRUE(r.ReadBool(&b).IsDataLoss());
}

TEST(CompactReaderTest, ErrorsNameWhatAndWhere) {
  const std::string in("\x15\x80\x80", 3);  // i32 field whose varint is cut off
  CompactReader r = ReaderOf(in);
  ASSERT_TRUE(r.BeginStruct().ok());
  FieldHeader h;
  ASSERT_TRUE(r.ReadFieldHeader(&h).ok());
  int32_t v;
  Status st = r.ReadI32(&v);
  EXPECT_TRUE(st.IsDataLoss());
  EXPECT_EQ(st.message(), "parquet: thrift: truncated varint, at byte 3");
}

TEST(CompactReaderTest, RejectsMalformedScalars) {
  int32_t i32;
  int16_t i16;
  uint8_t i32_too_big[] = {0x80, 0x80, 0x80, 0x80, 0x20};  // 2^33
  EXPECT_TRUE(CompactReader(i32_too_big, 5).ReadI32(&i32).IsDataLoss());
  uint8_t i16_too_big[] = {0x80, 0x80, 0x04};  // 2^16
  EXPECT_TRUE(CompactReader(i16_too_big, 3).ReadI16(&i16).IsDataLoss());
  std::vector<uint8_t> eleven(11, 0x80);
  eleven.back() = 0x01;
  int64_t i64;
  EXPECT_TRUE(CompactReader(eleven.data(), eleven.size()).ReadI64(&i64).IsDataLoss());
  uint8_t long_binary[] = {0x05, 'a', 'b'};
  std::string s;
  EXPECT_TRUE(CompactReader(long_binary, 3).ReadBinary(&s).IsDataLoss());
  double d;
  EXPECT_TRUE(CompactReader(long_binary, 3).ReadDouble(&d).IsDataLoss());
  uint8_t bad_type[] = {0x1d};
  FieldHeader h;
  CompactReader r(bad_type, 1);
  ASSERT_TRUE(r.BeginStruct().ok());
  EXPECT_TRUE(r.ReadFieldHeader(&h).IsDataLoss());
}

TEST(CompactReaderTest, HugeListSizeFailsFast) {
  // A list of i32 claiming 2^31 - 1 elements, then 2^31 (out of i32 range), with 10 bytes left.
  for (uint64_t claimed : {uint64_t{0x7fffffff}, uint64_t{0x80000000}}) {
    std::string in = "\xf5";  // long-form size, element type i32
    AppendVarint(&in, claimed);
    in.append(10, '\x02');
    ListHeader lh;
    Status st = ReaderOf(in).ReadListHeader(&lh);
    EXPECT_TRUE(st.IsDataLoss()) << claimed;
    EXPECT_NE(st.message().find(std::to_string(claimed)), std::string::npos) << st.message();
    EXPECT_TRUE(ReaderOf(in).Skip(CT::kList).IsDataLoss()) << claimed;
  }
  // Maps too, and doubles need 8 bytes each.
  const std::string map("\xff\xff\xff\xff\x07\x55\x00\x00", 8);
  EXPECT_TRUE(ReaderOf(map).Skip(CT::kMap).IsDataLoss());
  const std::string doubles(
      "\x27"
      "12345678"
      "1234567",
      16);
  EXPECT_TRUE(ReaderOf(doubles).Skip(CT::kList).IsDataLoss());
}

TEST(CompactReaderTest, SkipsEveryTypeExactly) {
  std::string out;
  CompactWriter w(&out);
  w.BeginStruct();
  w.FieldBool(1, true);
  w.FieldBool(2, false);
  w.FieldI8(3, 7);
  w.FieldI16(4, -300);
  w.FieldI32(5, 1 << 30);
  w.FieldI64(6, -(int64_t{1} << 60));
  w.FieldDouble(7, 3.25);
  w.FieldBinary(8, std::string(200, 'z'));
  w.WriteFieldHeader(9, CT::kList);  // list<list<bool>>
  w.WriteListHeader(CT::kList, 2);
  w.WriteListHeader(CT::kBoolTrue, 2);
  w.WriteBool(true);
  w.WriteBool(false);
  w.WriteListHeader(CT::kBoolTrue, 0);
  w.WriteFieldHeader(10, CT::kSet);
  w.WriteSetHeader(CT::kDouble, 1);
  w.WriteDouble(1.5);
  w.WriteFieldHeader(11, CT::kMap);  // map<binary, struct>
  w.WriteMapHeader(CT::kBinary, CT::kStruct, 2);
  for (int i = 0; i < 2; ++i) {
    w.WriteBinary("k");
    w.BeginStruct();
    w.FieldI32(1, i);
    w.EndStruct();
  }
  w.WriteFieldHeader(12, CT::kStruct);  // struct { list<struct { struct {} }> }
  w.BeginStruct();
  w.WriteFieldHeader(1, CT::kList);
  w.WriteListHeader(CT::kStruct, 17);
  for (int i = 0; i < 17; ++i) {
    w.BeginStruct();
    w.WriteFieldHeader(40, CT::kStruct);
    w.BeginStruct();
    w.EndStruct();
    w.EndStruct();
  }
  w.EndStruct();
  w.EndStruct();
  const size_t size = out.size();
  out += "trailing";

  CompactReader r = ReaderOf(out);
  ASSERT_TRUE(r.Skip(CT::kStruct).ok());
  EXPECT_EQ(r.position(), size);
}

TEST(CompactReaderTest, NestingLimit) {
  std::string ok_depth(kMaxThriftDepth - 1, '\x1c');  // field 1: struct, nested
  ok_depth.append(kMaxThriftDepth, '\x00');
  CompactReader r = ReaderOf(ok_depth);
  EXPECT_TRUE(r.Skip(CT::kStruct).ok());

  std::string too_deep(100000, '\x1c');
  too_deep.append(100000, '\x00');
  Status st = ReaderOf(too_deep).Skip(CT::kStruct);
  EXPECT_TRUE(st.IsDataLoss());
  EXPECT_NE(st.message().find("nesting deeper than 64"), std::string::npos) << st.message();

  std::string lists(100000, '\x19');  // list of one list of one list ...
  EXPECT_TRUE(ReaderOf(lists).Skip(CT::kList).IsDataLoss());
}

TEST(CompactReaderTest, RandomBytesNeverCrashOrHang) {
  std::mt19937 rng(20240601);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<int> len(0, 300);
  for (int iter = 0; iter < 20000; ++iter) {
    std::string in(len(rng), '\0');
    for (char& c : in) c = static_cast<char>(byte(rng));
    CompactReader r = ReaderOf(in);
    Status st = r.Skip(CT::kStruct);
    EXPECT_LE(r.position(), in.size());
    if (!st.ok()) {
      EXPECT_TRUE(st.IsDataLoss());
    }
  }
}

}  // namespace
}  // namespace financelake::parquet
