#pragma once
// Hand-built zip archives for the zip/npz/pytorch tests: stored or raw-deflate members
// (zlib), optional ZIP64 records, so malformed variants can be made byte by byte.
#include <zlib.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace qs::test {

struct ZipMember {
  std::string name;
  std::vector<uint8_t> data;  // uncompressed
  bool deflate = false;
};

inline std::vector<uint8_t> raw_deflate(const std::vector<uint8_t>& in) {
  z_stream s;
  std::memset(&s, 0, sizeof s);
  // Fast for the big zip-bomb input, thorough for the small ones.
  deflateInit2(&s, in.size() > (1u << 20) ? 1 : 9, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY);
  std::vector<uint8_t> out(deflateBound(&s, uLong(in.size())) + 16);
  s.next_in = const_cast<Bytef*>(in.data());
  s.avail_in = uInt(in.size());
  s.next_out = out.data();
  s.avail_out = uInt(out.size());
  deflate(&s, Z_FINISH);
  out.resize(s.total_out);
  deflateEnd(&s);
  return out;
}

inline uint32_t crc_of(const std::vector<uint8_t>& d) {
  return uint32_t(crc32(crc32(0L, Z_NULL, 0), d.data(), uInt(d.size())));
}

inline void put(std::vector<uint8_t>& o, uint64_t v, int n) {
  for (int i = 0; i < n; ++i) o.push_back(uint8_t(v >> (8 * i)));
}

// Per-member overrides for malformed archives.
struct ZipOptions {
  bool zip64 = false;           // 0xFFFFFFFF sizes/offsets + extra field + ZIP64 end records
  int64_t declared_usize = -1;  // override every member's uncompressed size
  int64_t declared_crc = -1;
  uint16_t method_override = 0xFFFF;
  uint16_t flags = 0;
};

inline std::vector<uint8_t> build_zip(const std::vector<ZipMember>& members,
                                      const ZipOptions& opt = ZipOptions()) {
  std::vector<uint8_t> out, cd;
  for (const ZipMember& m : members) {
    const std::vector<uint8_t> body = m.deflate ? raw_deflate(m.data) : m.data;
    const uint16_t method =
        opt.method_override != 0xFFFF ? opt.method_override : uint16_t(m.deflate ? 8 : 0);
    const uint32_t crc = opt.declared_crc >= 0 ? uint32_t(opt.declared_crc) : crc_of(m.data);
    const uint64_t usize = opt.declared_usize >= 0 ? uint64_t(opt.declared_usize) : m.data.size();
    const uint64_t offset = out.size();
    // local header
    put(out, 0x04034b50, 4);
    put(out, 20, 2);
    put(out, opt.flags, 2);
    put(out, method, 2);
    put(out, 0, 4);
    put(out, crc, 4);
    put(out, opt.zip64 ? 0xFFFFFFFF : body.size(), 4);
    put(out, opt.zip64 ? 0xFFFFFFFF : usize, 4);
    put(out, m.name.size(), 2);
    put(out, opt.zip64 ? 20 : 0, 2);
    out.insert(out.end(), m.name.begin(), m.name.end());
    if (opt.zip64) {
      put(out, 1, 2);
      put(out, 16, 2);
      put(out, usize, 8);
      put(out, body.size(), 8);
    }
    out.insert(out.end(), body.begin(), body.end());
    // central directory header
    put(cd, 0x02014b50, 4);
    put(cd, 45, 2);
    put(cd, 45, 2);
    put(cd, opt.flags, 2);
    put(cd, method, 2);
    put(cd, 0, 4);
    put(cd, crc, 4);
    put(cd, opt.zip64 ? 0xFFFFFFFF : body.size(), 4);
    put(cd, opt.zip64 ? 0xFFFFFFFF : usize, 4);
    put(cd, m.name.size(), 2);
    put(cd, opt.zip64 ? 28 : 0, 2);
    put(cd, 0, 2);
    put(cd, 0, 2);
    put(cd, 0, 2);
    put(cd, 0, 4);
    put(cd, opt.zip64 ? 0xFFFFFFFF : offset, 4);
    cd.insert(cd.end(), m.name.begin(), m.name.end());
    if (opt.zip64) {
      put(cd, 1, 2);
      put(cd, 24, 2);
      put(cd, usize, 8);
      put(cd, body.size(), 8);
      put(cd, offset, 8);
    }
  }
  const uint64_t cd_offset = out.size();
  out.insert(out.end(), cd.begin(), cd.end());
  if (opt.zip64) {
    const uint64_t rec = out.size();
    put(out, 0x06064b50, 4);
    put(out, 44, 8);
    put(out, 45, 2);
    put(out, 45, 2);
    put(out, 0, 4);
    put(out, 0, 4);
    put(out, members.size(), 8);
    put(out, members.size(), 8);
    put(out, cd.size(), 8);
    put(out, cd_offset, 8);
    put(out, 0x07064b50, 4);
    put(out, 0, 4);
    put(out, rec, 8);
    put(out, 1, 4);
  }
  put(out, 0x06054b50, 4);
  put(out, 0, 2);
  put(out, 0, 2);
  put(out, opt.zip64 ? 0xFFFF : members.size(), 2);
  put(out, opt.zip64 ? 0xFFFF : members.size(), 2);
  put(out, opt.zip64 ? 0xFFFFFFFF : cd.size(), 4);
  put(out, opt.zip64 ? 0xFFFFFFFF : cd_offset, 4);
  put(out, 0, 2);
  return out;
}

inline std::vector<uint8_t> bytes_of(const std::string& s) {
  return std::vector<uint8_t>(s.begin(), s.end());
}

}  // namespace qs::test
