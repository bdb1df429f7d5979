#pragma once
// A minimal protocol-buffers wire-format reader (protobuf.dev, "Encoding"): enough to
// walk the few ONNX messages QuantScope needs without libprotobuf or generated code.
// A message is a sequence of (tag = field << 3 | wire type, value); we read the wire
// types VARINT (0), I64 (1), LEN (2) and I32 (5), refuse the deprecated groups (3, 4)
// and unknown types, and never recurse: a nested message is just a LEN span that the
// caller may open with another reader.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace qs::pb {

enum WireType : uint32_t { kVarint = 0, kI64 = 1, kLen = 2, kI32 = 5 };

struct Field {
  uint32_t number = 0;
  WireType type = kVarint;
  uint64_t value = 0;                  // VARINT, I64, I32 (raw bits)
  std::span<const std::byte> bytes;    // LEN
};

class Reader {
 public:
  explicit Reader(std::span<const std::byte> b) : b_(b) {}
  bool done() const { return pos_ >= b_.size(); }
  size_t pos() const { return pos_; }

  // The next field; nullopt at the end or on malformed input (then error() says why).
  std::optional<Field> next();
  const std::string& error() const { return error_; }

 private:
  std::optional<uint64_t> varint();
  std::span<const std::byte> b_;
  size_t pos_ = 0;
  std::string error_;
};

// Reads one varint from b at *pos (advancing it); nullopt when truncated or longer than
// 10 bytes / 64 bits.
std::optional<uint64_t> read_varint(std::span<const std::byte> b, size_t* pos);

// Calls fn(value) for each varint of a packed repeated field; false when malformed.
bool for_each_packed_varint(std::span<const std::byte> b, const auto& fn) {
  size_t pos = 0;
  while (pos < b.size()) {
    auto v = read_varint(b, &pos);
    if (!v) return false;
    fn(*v);
  }
  return true;
}
}  // namespace qs::pb
