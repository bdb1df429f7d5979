// ZIP reader (PKWARE APPNOTE.TXT 6.3: 4.3.7 local header, 4.3.12 central directory,
// 4.3.14-16 ZIP64 end records, 4.5.3 ZIP64 extra field).
// Decisions:
// - the End Of Central Directory is the last "PK\5\6" in the final 64 KiB + 22 bytes whose
//   comment fits in the file; a ZIP64 locator right before it takes precedence.
// - offsets are absolute (no self-extractor prefixes): an archive with a prefix is an error.
// - the entry count is capped by the directory size (46 bytes per entry at least), so a
//   header cannot make us reserve memory the file does not back.
// - stored members are not CRC-checked (that would read a whole multi-GB checkpoint at
//   open time); inflated members are, since we touch every byte anyway.
// - deflate output grows only up to the declared size; one more byte is an error, so a
//   zip bomb costs at most its declared size (itself capped by the caller and by the
//   deflate ratio limit of 1032:1).
#include "analysis/formats/zip_archive.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <unordered_set>

namespace qs {
namespace {

constexpr uint32_t kLocalSig = 0x04034b50;
constexpr uint32_t kCentralSig = 0x02014b50;
constexpr uint32_t kEocdSig = 0x06054b50;
constexpr uint32_t kZip64LocatorSig = 0x07064b50;
constexpr uint32_t kZip64EocdSig = 0x06064b50;
constexpr size_t kEocdSize = 22;
constexpr size_t kCentralSize = 46;
constexpr size_t kLocalSize = 30;
constexpr size_t kZip64LocatorSize = 20;
constexpr size_t kZip64EocdSize = 56;
// Deflate cannot expand more than ~1032:1 (a 258-byte match costs at least 2 bits).
constexpr uint64_t kMaxDeflateRatio = 1032;

uint64_t le(const std::byte* p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | uint64_t(p[i]);
  return v;
}

std::string quoted(const std::string& name) {
  std::string s = "member '";
  s.append(name.size() > 200 ? name.substr(0, 200) + "..." : name);
  s += '\'';
  return s;
}

struct Eocd {
  uint64_t entries = 0;
  uint64_t cd_size = 0;
  uint64_t cd_offset = 0;
  size_t pos = 0;  // of the EOCD record
};

Result<Eocd> find_eocd(std::span<const std::byte> b, const std::string& path) {
  auto fail = [&](const std::string& what) { return make_error(path + ": " + what); };
  if (b.size() < kEocdSize) return fail("not a zip archive (too short for an end record)");
  const size_t lowest = b.size() > 65535 + kEocdSize ? b.size() - 65535 - kEocdSize : 0;
  size_t pos = b.size() - kEocdSize;
  bool found = false;
  for (;;) {
    if (le(&b[pos], 4) == kEocdSig && pos + kEocdSize + le(&b[pos + 20], 2) <= b.size()) {
      found = true;
      break;
    }
    if (pos == lowest) break;
    --pos;
  }
  if (!found) return fail("not a zip archive (no end of central directory record)");
  Eocd e;
  e.pos = pos;
  const uint64_t disk = le(&b[pos + 4], 2), cd_disk = le(&b[pos + 6], 2);
  const uint64_t on_disk = le(&b[pos + 8], 2);
  e.entries = le(&b[pos + 10], 2);
  e.cd_size = le(&b[pos + 12], 4);
  e.cd_offset = le(&b[pos + 16], 4);
  const bool wants64 = e.entries == 0xFFFF || on_disk == 0xFFFF || e.cd_size == 0xFFFFFFFF ||
                       e.cd_offset == 0xFFFFFFFF || disk == 0xFFFF || cd_disk == 0xFFFF;
  const bool has_locator =
      pos >= kZip64LocatorSize && le(&b[pos - kZip64LocatorSize], 4) == kZip64LocatorSig;
  if (has_locator) {
    const std::byte* loc = &b[pos - kZip64LocatorSize];
    const uint64_t rec = le(loc + 8, 8);
    if (le(loc + 16, 4) > 1) return fail("multi-disk (split) zip archives are not supported");
    if (rec > b.size() || b.size() - rec < kZip64EocdSize ||
        rec + kZip64EocdSize > pos - kZip64LocatorSize) {
      return fail("ZIP64 end record offset " + std::to_string(rec) + " is outside the file");
    }
    const std::byte* r = &b[size_t(rec)];
    if (le(r, 4) != kZip64EocdSig) return fail("ZIP64 end record has a bad signature");
    if (le(r + 16, 4) != 0 || le(r + 20, 4) != 0) {
      return fail("multi-disk (split) zip archives are not supported");
    }
    e.entries = le(r + 32, 8);
    if (le(r + 24, 8) != e.entries)
      return fail("multi-disk (split) zip archives are not supported");
    e.cd_size = le(r + 40, 8);
    e.cd_offset = le(r + 48, 8);
    e.pos = size_t(rec);  // the directory must end before the ZIP64 record
  } else if (wants64) {
    if (disk != 0 || cd_disk != 0) return fail("multi-disk (split) zip archives are not supported");
    return fail("the end record needs ZIP64 values but there is no ZIP64 locator");
  } else if (disk != 0 || cd_disk != 0 || on_disk != e.entries) {
    return fail("multi-disk (split) zip archives are not supported");
  }
  if (e.cd_offset > e.pos || e.cd_size > e.pos - e.cd_offset) {
    return fail("central directory (offset " + std::to_string(e.cd_offset) + ", " +
                std::to_string(e.cd_size) + " bytes) is outside the file");
  }
  if (e.entries > e.cd_size / kCentralSize) {
    return fail("the end record declares " + std::to_string(e.entries) + " entries, more than a " +
                std::to_string(e.cd_size) + "-byte central directory can hold");
  }
  return e;
}

// Applies the ZIP64 extended information extra field (0x0001) to the values that the
// fixed header marked as 0xFFFFFFFF, in the order the spec lists them.
Result<void> apply_zip64_extra(std::span<const std::byte> extra, ZipEntry& z, bool& need_usize,
                               bool& need_csize, bool& need_offset) {
  size_t p = 0;
  while (p + 4 <= extra.size()) {
    const uint64_t id = le(&extra[p], 2), len = le(&extra[p + 2], 2);
    if (len > extra.size() - p - 4) return make_error("extra field runs past its end");
    if (id == 0x0001) {
      size_t q = p + 4;
      const size_t end = q + size_t(len);
      auto take = [&](bool& need, uint64_t& v) -> bool {
        if (!need) return true;
        if (end - q < 8) return false;
        v = le(&extra[q], 8);
        q += 8;
        need = false;
        return true;
      };
      if (!take(need_usize, z.uncompressed_size) || !take(need_csize, z.compressed_size) ||
          !take(need_offset, z.local_offset)) {
        return make_error("ZIP64 extra field is too short");
      }
    }
    p += 4 + size_t(len);
  }
  return {};
}

}  // namespace

bool looks_like_zip(std::span<const std::byte> b) {
  return b.size() >= 4 && (le(b.data(), 4) == kLocalSig || le(b.data(), 4) == kEocdSig);
}

Result<std::vector<ZipEntry>> read_zip_directory(std::span<const std::byte> b,
                                                 const std::string& path) {
  auto eocd = find_eocd(b, path);
  if (!eocd) return tl::unexpected(eocd.error());
  std::vector<ZipEntry> entries;
  entries.reserve(size_t(eocd->entries));  // bounded by cd_size / 46 above
  std::unordered_set<std::string> names;
  size_t p = size_t(eocd->cd_offset);
  const size_t cd_end = size_t(eocd->cd_offset + eocd->cd_size);
  for (uint64_t i = 0; i < eocd->entries; ++i) {
    const std::string where = path + ": central directory entry " + std::to_string(i);
    if (cd_end - p < kCentralSize) return make_error(where + " runs past the directory end");
    const std::byte* h = &b[p];
    if (le(h, 4) != kCentralSig) return make_error(where + " has a bad signature");
    ZipEntry z;
    z.flags = uint16_t(le(h + 8, 2));
    z.method = uint16_t(le(h + 10, 2));
    z.crc32 = uint32_t(le(h + 16, 4));
    z.compressed_size = le(h + 20, 4);
    z.uncompressed_size = le(h + 24, 4);
    const size_t name_len = size_t(le(h + 28, 2)), extra_len = size_t(le(h + 30, 2)),
                 comment_len = size_t(le(h + 32, 2));
    const uint64_t disk = le(h + 34, 2);
    z.local_offset = le(h + 42, 4);
    if (cd_end - p - kCentralSize < name_len + extra_len + comment_len) {
      return make_error(where + ": name/extra/comment run past the directory end");
    }
    z.name.assign(reinterpret_cast<const char*>(h + kCentralSize), name_len);
    const std::string member = path + ": " + quoted(z.name);
    bool need_usize = z.uncompressed_size == 0xFFFFFFFF;
    bool need_csize = z.compressed_size == 0xFFFFFFFF;
    bool need_offset = z.local_offset == 0xFFFFFFFF;
    if (auto ok =
            apply_zip64_extra(std::span<const std::byte>(h + kCentralSize + name_len, extra_len), z,
                              need_usize, need_csize, need_offset);
        !ok) {
      return make_error(member + ": " + ok.error().message);
    }
    if (need_usize || need_csize || need_offset) {
      return make_error(member + ": sizes need ZIP64 values but there is no ZIP64 extra field");
    }
    if (disk != 0 && disk != 0xFFFF) {
      return make_error(member + ": multi-disk (split) zip archives are not supported");
    }
    if (z.flags & 0x0001) return make_error(member + ": encrypted members are not supported");
    if (!names.insert(z.name).second) return make_error(member + " appears twice");
    p += kCentralSize + name_len + extra_len + comment_len;

    // The local header: signature, then its own name/extra lengths decide where data starts.
    const uint64_t lo = z.local_offset;
    if (lo > eocd->cd_offset || eocd->cd_offset - lo < kLocalSize) {
      return make_error(member + ": local header offset " + std::to_string(lo) +
                        " is outside the archive's data");
    }
    const std::byte* l = &b[size_t(lo)];
    if (le(l, 4) != kLocalSig) return make_error(member + ": local header has a bad signature");
    const uint64_t lname = le(l + 26, 2), lextra = le(l + 28, 2);
    const uint64_t start = lo + kLocalSize + lname + lextra;
    if (start > eocd->cd_offset) {
      return make_error(member + ": local header runs into the central directory");
    }
    if (z.compressed_size > eocd->cd_offset - start) {
      return make_error(member + ": data (" + std::to_string(z.compressed_size) +
                        " bytes at offset " + std::to_string(start) +
                        ") runs into the central directory");
    }
    z.data = b.subspan(size_t(start), size_t(z.compressed_size));
    entries.push_back(std::move(z));
  }
  return entries;
}

Result<std::span<const std::byte>> zip_member_bytes(const ZipEntry& z,
                                                    std::vector<std::byte>& storage,
                                                    const std::string& path, uint64_t max_bytes) {
  const std::string member = path + ": " + quoted(z.name);
  if (z.uncompressed_size > max_bytes) {
    return make_error(member + ": " + std::to_string(z.uncompressed_size) +
                      " bytes uncompressed is more than the limit of " + std::to_string(max_bytes));
  }
  if (z.method == 0) {
    if (z.compressed_size != z.uncompressed_size) {
      return make_error(member + ": stored member has compressed size " +
                        std::to_string(z.compressed_size) + " but uncompressed size " +
                        std::to_string(z.uncompressed_size));
    }
    return z.data;
  }
  if (z.method != 8) {
    return make_error(member + ": compression method " + std::to_string(z.method) +
                      " is not supported (only stored and deflate)");
  }
  if (z.uncompressed_size > z.compressed_size * kMaxDeflateRatio + 1024) {
    return make_error(member + ": declares " + std::to_string(z.uncompressed_size) +
                      " bytes, more than " + std::to_string(z.compressed_size) +
                      " deflated bytes can produce");
  }
  z_stream s;
  std::memset(&s, 0, sizeof s);
  if (inflateInit2(&s, -15) != Z_OK) return make_error(member + ": zlib could not start");
  struct Closer {
    z_stream* s;
    ~Closer() { inflateEnd(s); }
  } closer{&s};
  const uint64_t want = z.uncompressed_size;
  storage.clear();
  storage.resize(size_t(std::min<uint64_t>(want, uint64_t(1) << 20)));
  uint64_t in_done = 0, out_done = 0;
  bool ended = false;
  constexpr uint64_t kChunk = uint64_t(1) << 30;  // zlib counts in uInt
  while (!ended) {
    if (out_done == storage.size()) {
      if (storage.size() == want) break;  // full: check for excess below
      storage.resize(size_t(std::min<uint64_t>(want, uint64_t(storage.size()) * 2)));
    }
    const uint64_t in_left = z.data.size() - in_done;
    s.next_in = reinterpret_cast<Bytef*>(const_cast<std::byte*>(z.data.data() + in_done));
    s.avail_in = uInt(std::min(in_left, kChunk));
    s.next_out = reinterpret_cast<Bytef*>(storage.data() + out_done);
    s.avail_out = uInt(std::min<uint64_t>(storage.size() - out_done, kChunk));
    const uInt in_before = s.avail_in, out_before = s.avail_out;
    const int rc = inflate(&s, Z_NO_FLUSH);
    in_done += in_before - s.avail_in;
    out_done += out_before - s.avail_out;
    if (rc == Z_STREAM_END) {
      ended = true;
    } else if (rc == Z_BUF_ERROR ||
               (rc == Z_OK && in_before == s.avail_in && out_before == s.avail_out)) {
      if (in_done == z.data.size()) {
        return make_error(member + ": deflate stream is truncated");
      }
      if (s.avail_out != 0) return make_error(member + ": deflate stream is corrupt");
    } else if (rc != Z_OK) {
      return make_error(member + ": deflate stream is corrupt (" +
                        std::string(s.msg ? s.msg : "zlib error") + ")");
    }
  }
  if (!ended) {
    // Output is full at the declared size: the stream must end without producing more.
    std::byte extra[64];
    for (;;) {
      const uint64_t in_left = z.data.size() - in_done;
      s.next_in = reinterpret_cast<Bytef*>(const_cast<std::byte*>(z.data.data() + in_done));
      s.avail_in = uInt(std::min(in_left, kChunk));
      s.next_out = reinterpret_cast<Bytef*>(extra);
      s.avail_out = sizeof extra;
      const uInt in_before = s.avail_in;
      const int rc = inflate(&s, Z_NO_FLUSH);
      in_done += in_before - s.avail_in;
      if (s.avail_out != sizeof extra) {
        return make_error(member + ": inflates to more than its declared " + std::to_string(want) +
                          " bytes");
      }
      if (rc == Z_STREAM_END) break;
      if (rc != Z_OK) {
        return make_error(member + (in_done == z.data.size() ? ": deflate stream is truncated"
                                                             : ": deflate stream is corrupt"));
      }
      if (in_before == s.avail_in) return make_error(member + ": deflate stream is truncated");
    }
  }
  if (out_done != want) {
    return make_error(member + ": inflates to " + std::to_string(out_done) +
                      " bytes, not its declared " + std::to_string(want));
  }
  uLong crc = crc32(0L, Z_NULL, 0);
  for (uint64_t off = 0; off < out_done; off += kChunk) {
    const uint64_t n = std::min(kChunk, out_done - off);
    crc = crc32(crc, reinterpret_cast<const Bytef*>(storage.data() + off), uInt(n));
  }
  if (uint32_t(crc) != z.crc32) return make_error(member + ": CRC-32 mismatch (corrupt data)");
  return std::span<const std::byte>(storage.data(), size_t(out_done));
}

}  // namespace qs
