// The zip reader on hand-built archives: stored/deflated members, ZIP64 records, and the
// malformed cases (CRC, truncation, zip bombs, impossible entry counts) as errors.
#include <gtest/gtest.h>

#include <chrono>

#include "analysis/formats/zip_archive.h"
#include "tests/unit/zip_builder.h"

namespace qs {
namespace {

using test::build_zip;
using test::bytes_of;
using test::ZipMember;
using test::ZipOptions;

std::span<const std::byte> as_bytes(const std::vector<uint8_t>& v) {
  return {reinterpret_cast<const std::byte*>(v.data()), v.size()};
}

std::string str(std::span<const std::byte> s) {
  return std::string(reinterpret_cast<const char*>(s.data()), s.size());
}

std::vector<ZipMember> sample() {
  std::string big;
  for (int i = 0; i < 5000; ++i) big += "row " + std::to_string(i % 17) + "\n";
  return {{"a.txt", bytes_of("hello stored"), false},
          {"dir/b.bin", bytes_of(big), true},
          {"empty", {}, false},
          {"empty_deflated", {}, true}};
}

void expect_sample(const std::vector<uint8_t>& zip) {
  auto entries = read_zip_directory(as_bytes(zip), "t.zip");
  ASSERT_TRUE(entries) << entries.error().message;
  const auto members = sample();
  ASSERT_EQ(entries->size(), members.size());
  for (size_t i = 0; i < members.size(); ++i) {
    const ZipEntry& e = (*entries)[i];
    EXPECT_EQ(e.name, members[i].name);
    EXPECT_EQ(e.method, members[i].deflate ? 8 : 0);
    EXPECT_EQ(e.uncompressed_size, members[i].data.size());
    std::vector<std::byte> storage;
    auto data = zip_member_bytes(e, storage, "t.zip", 1 << 20);
    ASSERT_TRUE(data) << data.error().message;
    EXPECT_EQ(str(*data), std::string(members[i].data.begin(), members[i].data.end()));
    if (!members[i].deflate && !data->empty()) {
      // Stored: a zero-copy view into the archive bytes.
      const auto* lo = reinterpret_cast<const std::byte*>(zip.data());
      EXPECT_GE(data->data(), lo);
      EXPECT_LE(data->data() + data->size(), lo + zip.size());
      EXPECT_TRUE(storage.empty());
    }
  }
}

TEST(Zip, StoredAndDeflated) {
  const auto zip = build_zip(sample());
  EXPECT_TRUE(looks_like_zip(as_bytes(zip)));
  expect_sample(zip);
}

TEST(Zip, Zip64Records) {
  ZipOptions opt;
  opt.zip64 = true;
  expect_sample(build_zip(sample(), opt));
}

TEST(Zip, EmptyArchive) {
  const auto zip = build_zip({});
  EXPECT_EQ(zip.size(), 22u);
  EXPECT_TRUE(looks_like_zip(as_bytes(zip)));
  auto entries = read_zip_directory(as_bytes(zip), "e.zip");
  ASSERT_TRUE(entries) << entries.error().message;
  EXPECT_TRUE(entries->empty());
}

TEST(Zip, ArchiveComment) {
  auto zip = build_zip(sample());
  const std::string comment(300, 'c');
  zip[zip.size() - 2] = uint8_t(comment.size());
  zip[zip.size() - 1] = uint8_t(comment.size() >> 8);
  zip.insert(zip.end(), comment.begin(), comment.end());
  expect_sample(zip);
}

TEST(Zip, NotAZip) {
  const auto junk = bytes_of(std::string(100, 'x'));
  EXPECT_FALSE(looks_like_zip(as_bytes(junk)));
  auto r = read_zip_directory(as_bytes(junk), "junk.bin");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "junk.bin: not a zip archive (no end of central directory record)");
}

TEST(Zip, CrcMismatch) {
  ZipOptions opt;
  opt.declared_crc = 0x12345678;
  const auto zip = build_zip({{"x.npy", bytes_of("some deflated data data data"), true}}, opt);
  auto entries = read_zip_directory(as_bytes(zip), "c.zip");
  ASSERT_TRUE(entries) << entries.error().message;
  std::vector<std::byte> storage;
  auto r = zip_member_bytes((*entries)[0], storage, "c.zip", 1 << 20);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "c.zip: member 'x.npy': CRC-32 mismatch (corrupt data)");
}

TEST(Zip, TruncatedAtEveryLength) {
  const auto zip = build_zip(sample());
  for (size_t n = 0; n < zip.size(); ++n) {
    std::vector<uint8_t> cut(zip.begin(), zip.begin() + long(n));
    auto entries = read_zip_directory(as_bytes(cut), "t.zip");
    if (!entries) {
      EXPECT_EQ(entries.error().message.rfind("t.zip: ", 0), 0u);
      continue;
    }
    // A prefix that still parses (cannot happen with the EOCD at the end, but be sure
    // reading members is safe either way).
    for (const ZipEntry& e : *entries) {
      std::vector<std::byte> storage;
      (void)zip_member_bytes(e, storage, "t.zip", 1 << 20);
    }
  }
}

TEST(Zip, TruncatedDeflateStream) {
  auto members = sample();
  auto zip = build_zip({members[1]});
  auto entries = read_zip_directory(as_bytes(zip), "t.zip");
  ASSERT_TRUE(entries);
  ZipEntry e = (*entries)[0];
  e.data = e.data.first(e.data.size() / 2);
  std::vector<std::byte> storage;
  auto r = zip_member_bytes(e, storage, "t.zip", 1 << 20);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "t.zip: member 'dir/b.bin': deflate stream is truncated");
}

TEST(Zip, CorruptDeflateStream) {
  std::vector<uint8_t> zip = build_zip({{"m", std::vector<uint8_t>(1000, 7), true}});
  auto entries = read_zip_directory(as_bytes(zip), "t.zip");
  ASSERT_TRUE(entries);
  // 0xFF as the first byte: block type 3 (reserved) is invalid deflate.
  std::vector<uint8_t> bad(entries->at(0).data.size(), 0xFF);
  ZipEntry e = (*entries)[0];
  e.data = as_bytes(bad);
  std::vector<std::byte> storage;
  auto r = zip_member_bytes(e, storage, "t.zip", 1 << 20);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("t.zip: member 'm': deflate stream is corrupt"),
            std::string::npos)
      << r.error().message;
}

TEST(Zip, ZipBombDeclaringLessIsRefusedQuickly) {
  // 100 MB of zeros deflates to ~100 KB; the member declares 1 KB.
  ZipOptions opt;
  opt.declared_usize = 1024;
  const auto zip = build_zip({{"bomb.npy", std::vector<uint8_t>(100u << 20, 0), true}}, opt);
  auto entries = read_zip_directory(as_bytes(zip), "b.zip");
  ASSERT_TRUE(entries) << entries.error().message;
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::byte> storage;
  auto r = zip_member_bytes((*entries)[0], storage, "b.zip", uint64_t(1) << 40);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message,
            "b.zip: member 'bomb.npy': inflates to more than its declared 1024 bytes");
  EXPECT_LE(storage.capacity(), 1024u);  // memory bounded by the declared size
  EXPECT_LT(secs, 1.0);
}

TEST(Zip, DeclaredSizeLimits) {
  ZipOptions opt;
  opt.declared_usize = 100u << 20;
  const auto zip = build_zip({{"big", std::vector<uint8_t>(4096, 1), true}}, opt);
  auto entries = read_zip_directory(as_bytes(zip), "d.zip");
  ASSERT_TRUE(entries);
  std::vector<std::byte> storage;
  auto r = zip_member_bytes((*entries)[0], storage, "d.zip", 1 << 20);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message,
            "d.zip: member 'big': 104857600 bytes uncompressed is more than the limit of 1048576");
  // Within the limit but beyond what deflate can expand the stored bytes to.
  r = zip_member_bytes((*entries)[0], storage, "d.zip", uint64_t(1) << 40);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("more than"), std::string::npos);
  EXPECT_NE(r.error().message.find("deflated bytes can produce"), std::string::npos);
  // Declaring more than the stream holds (but plausible) is an error after inflating.
  opt.declared_usize = 5000;
  const auto zip2 = build_zip({{"short", std::vector<uint8_t>(4096, 1), true}}, opt);
  entries = read_zip_directory(as_bytes(zip2), "d.zip");
  ASSERT_TRUE(entries);
  r = zip_member_bytes((*entries)[0], storage, "d.zip", 1 << 20);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message,
            "d.zip: member 'short': inflates to 4096 bytes, not its declared 5000");
}

TEST(Zip, EntryCountOverflow) {
  auto zip = build_zip({{"a", bytes_of("x"), false}});
  // total entries (EOCD offset 10) = 0xFFFE, far more than one 47-byte directory holds.
  const size_t eocd = zip.size() - 22;
  zip[eocd + 8] = zip[eocd + 10] = 0xFE;
  zip[eocd + 9] = zip[eocd + 11] = 0xFF;
  auto r = read_zip_directory(as_bytes(zip), "n.zip");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message,
            "n.zip: the end record declares 65534 entries, more than a 47-byte central "
            "directory can hold");
}

TEST(Zip, UnsupportedMethodNamesMember) {
  ZipOptions opt;
  opt.method_override = 12;  // bzip2
  const auto zip = build_zip({{"w.npy", bytes_of("abc"), false}}, opt);
  auto entries = read_zip_directory(as_bytes(zip), "m.zip");
  ASSERT_TRUE(entries);
  std::vector<std::byte> storage;
  auto r = zip_member_bytes((*entries)[0], storage, "m.zip", 1 << 20);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message,
            "m.zip: member 'w.npy': compression method 12 is not supported (only stored and "
            "deflate)");
}

TEST(Zip, EncryptedAndDuplicate) {
  ZipOptions opt;
  opt.flags = 1;
  auto r = read_zip_directory(as_bytes(build_zip({{"s", bytes_of("abc"), false}}, opt)), "e.zip");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "e.zip: member 's': encrypted members are not supported");
  r = read_zip_directory(
      as_bytes(build_zip({{"s", bytes_of("abc"), false}, {"s", bytes_of("d"), false}})), "d.zip");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "d.zip: member 's' appears twice");
}

TEST(Zip, BadLocalHeader) {
  auto zip = build_zip({{"a", bytes_of("xyz"), false}});
  zip[0] = 'Q';
  auto r = read_zip_directory(as_bytes(zip), "l.zip");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "l.zip: member 'a': local header has a bad signature");
  zip = build_zip({{"a", bytes_of("xyz"), false}});
  zip[28] = 0xFF;  // local extra length: pushes the data into the directory
  r = read_zip_directory(as_bytes(zip), "l.zip");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "l.zip: member 'a': local header runs into the central directory");
}

}  // namespace
}  // namespace qs
