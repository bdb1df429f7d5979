// Protocol-buffers wire format: base-128 varints (least significant group first, high bit
// = more), little-endian fixed 32/64-bit values, and length-delimited spans.
#include "analysis/formats/protobuf_wire.h"

namespace qs::pb {

std::optional<uint64_t> read_varint(std::span<const std::byte> b, size_t* pos) {
  uint64_t v = 0;
  for (int i = 0; i < 10; ++i) {
    if (*pos >= b.size()) return std::nullopt;
    const uint8_t c = uint8_t(b[(*pos)++]);
    // The 10th byte may only hold bit 63.
    if (i == 9 && (c & 0xFE) != 0) return std::nullopt;
    v |= uint64_t(c & 0x7F) << (7 * i);
    if (!(c & 0x80)) return v;
  }
  return std::nullopt;
}

std::optional<uint64_t> Reader::varint() { return read_varint(b_, &pos_); }

std::optional<Field> Reader::next() {
  if (done()) return std::nullopt;
  const size_t at = pos_;
  auto fail = [&](const std::string& what) -> std::optional<Field> {
    error_ = what + " at byte " + std::to_string(at);
    pos_ = b_.size();
    return std::nullopt;
  };
  auto tag = varint();
  if (!tag) return fail("truncated or overlong field tag");
  Field f;
  f.number = uint32_t(*tag >> 3);
  if ((*tag >> 3) > 0x1FFFFFFF || f.number == 0) return fail("invalid field number");
  const uint32_t wt = uint32_t(*tag & 7);
  switch (wt) {
    case kVarint: {
      auto v = varint();
      if (!v) return fail("truncated varint in field " + std::to_string(f.number));
      f.type = kVarint;
      f.value = *v;
      return f;
    }
    case kI64:
    case kI32: {
      const size_t n = wt == kI64 ? 8 : 4;
      if (b_.size() - pos_ < n) return fail("truncated fixed-size value in field " + std::to_string(f.number));
      uint64_t v = 0;
      for (size_t i = n; i-- > 0;) v = (v << 8) | uint64_t(b_[pos_ + i]);
      pos_ += n;
      f.type = WireType(wt);
      f.value = v;
      return f;
    }
    case kLen: {
      auto n = varint();
      if (!n) return fail("truncated length of field " + std::to_string(f.number));
      if (*n > b_.size() - pos_) {
        return fail("field " + std::to_string(f.number) + " length " + std::to_string(*n) +
                    " runs past the end (" + std::to_string(b_.size() - pos_) + " bytes left)");
      }
      f.type = kLen;
      f.bytes = b_.subspan(pos_, size_t(*n));
      pos_ += size_t(*n);
      return f;
    }
    case 3:
    case 4: return fail("field " + std::to_string(f.number) + " uses the deprecated group wire type");
    default: return fail("field " + std::to_string(f.number) + " has unknown wire type " + std::to_string(wt));
  }
}

}  // namespace qs::pb
