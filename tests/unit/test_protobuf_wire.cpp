// The protobuf wire reader on hand-encoded bytes: varint limits, every wire type,
// lengths past the end, refused groups.
#include <gtest/gtest.h>

#include "analysis/formats/protobuf_wire.h"
#include "tests/unit/protobuf_builder.h"

namespace qs::pb {
namespace {

using namespace qs::testing;

std::span<const std::byte> span_of(const std::string& s) {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

TEST(ProtobufWire, VarintLimits) {
  size_t pos = 0;
  const std::string max = "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01";  // 2^64 − 1 in 10 bytes
  EXPECT_EQ(read_varint(span_of(max), &pos), ~uint64_t(0));
  EXPECT_EQ(pos, 10u);
  pos = 0;
  EXPECT_FALSE(read_varint(span_of("\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02"), &pos));  // bit 64
  pos = 0;
  EXPECT_FALSE(read_varint(span_of("\xff\xff\xff\xff\xff\xff\xff\xff\xff\x80\x01"), &pos));  // 11 bytes
  pos = 0;
  EXPECT_FALSE(read_varint(span_of("\x80\x80"), &pos));  // truncated
  pos = 0;
  EXPECT_EQ(read_varint(span_of(pb_varint(300)), &pos), 300u);  // 0xAC 0x02
  EXPECT_EQ(pb_varint(300), "\xac\x02");
}

TEST(ProtobufWire, EveryWireType) {
  std::string msg = pb_uint(1, 150);       // 08 96 01
  msg += pb_tag(2, 1) + std::string("\x01\x00\x00\x00\x00\x00\x00\x80", 8);
  msg += pb_bytes(3, "abc");
  msg += pb_tag(4, 5) + std::string("\x00\x00\x80\x3f", 4);  // 1.0f
  Reader r(span_of(msg));
  auto a = r.next();
  ASSERT_TRUE(a);
  EXPECT_EQ(a->number, 1u);
  EXPECT_EQ(a->value, 150u);
  auto b = r.next();
  ASSERT_TRUE(b);
  EXPECT_EQ(b->type, kI64);
  EXPECT_EQ(b->value, 0x8000000000000001ull);
  auto c = r.next();
  ASSERT_TRUE(c);
  EXPECT_EQ(c->type, kLen);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(c->bytes.data()), c->bytes.size()), "abc");
  auto d = r.next();
  ASSERT_TRUE(d);
  EXPECT_EQ(d->value, 0x3f800000u);
  EXPECT_FALSE(r.next());
  EXPECT_TRUE(r.error().empty());
}

TEST(ProtobufWire, MalformedInput) {
  auto first_error = [](const std::string& s) {
    Reader r(span_of(s));
    while (r.next()) {
    }
    return r.error();
  };
  EXPECT_EQ(first_error(pb_tag(3, 2) + pb_varint(100) + "short"), "field 3 length 100 runs past the end (5 bytes left) at byte 0");
  EXPECT_EQ(first_error(pb_tag(3, 3)), "field 3 uses the deprecated group wire type at byte 0");
  EXPECT_EQ(first_error(pb_tag(3, 4)), "field 3 uses the deprecated group wire type at byte 0");
  EXPECT_EQ(first_error(pb_tag(3, 7)), "field 3 has unknown wire type 7 at byte 0");
  EXPECT_EQ(first_error(std::string("\x00", 1)), "invalid field number at byte 0");
  EXPECT_EQ(first_error(pb_uint(1, 5) + pb_tag(2, 5) + "ab"), "truncated fixed-size value in field 2 at byte 2");
  EXPECT_EQ(first_error(pb_tag(9, 0) + "\xff"), "truncated varint in field 9 at byte 0");
  // Packed varints.
  std::vector<uint64_t> got;
  EXPECT_TRUE(for_each_packed_varint(span_of(pb_varint(1) + pb_varint(1ull << 40)), [&](uint64_t v) { got.push_back(v); }));
  EXPECT_EQ(got, (std::vector<uint64_t>{1, 1ull << 40}));
  EXPECT_FALSE(for_each_packed_varint(span_of("\x80"), [](uint64_t) {}));
}

}  // namespace
}  // namespace qs::pb
