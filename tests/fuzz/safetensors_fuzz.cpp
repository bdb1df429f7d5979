// Fuzz harness for the safetensors reader: any input must give a Model or an Error,
// never a crash, and every accepted tensor must lie inside the input and decode fully.
// Runs under tests/fuzz/fuzz_driver.cpp (ctest) or libFuzzer (see the driver's comment).
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "analysis/formats/safetensors.h"
#include "analysis/numeric/tensor_decode.h"
#include "tests/fuzz/fuzz_checks.h"

namespace {

// The reader's promises, checked on every accepted tensor; a broken one aborts.
std::vector<uint8_t> file(const std::string& header, const std::vector<uint8_t>& data) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[size_t(i)] = char(uint64_t(header.size()) >> (8 * i));
  out += header;
  out.append(data.begin(), data.end());
  return std::vector<uint8_t>(out.begin(), out.end());
}

std::vector<uint8_t> pattern(size_t n) {
  std::vector<uint8_t> d(n);
  for (size_t i = 0; i < n; ++i) d[i] = uint8_t(i * 37 + 11);
  return d;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
  auto m = qs::parse_safetensors_bytes(bytes, "fuzz.safetensors");
  if (!m) {
    if (m.error().message.rfind("fuzz.safetensors: ", 0) != 0) __builtin_trap();
    return 0;
  }
  for (const qs::TensorView& t : m->tensors)
    qs::fuzz::check_tensor(t, *m, reinterpret_cast<const std::byte*>(data), size);
  return 0;
}

std::vector<std::vector<uint8_t>> FuzzSeeds() {
  std::vector<std::vector<uint8_t>> seeds;
  // Every dtype, 4 elements each, back to back, with metadata.
  std::string h = R"({"__metadata__":{"format":"pt"})";
  size_t off = 0;
  for (const char* dt : {"F64", "F32", "F16", "BF16", "F8_E4M3", "F8_E5M2", "I64", "I32", "I16",
                         "I8", "U8", "BOOL"}) {
    const size_t n = 4 * qs::dtype_size(*qs::dtype_from_name(dt));
    h += std::string(",\"t_") + dt + "\":{\"dtype\":\"" + dt +
         "\",\"shape\":[2,2],\"data_offsets\":[" + std::to_string(off) + "," +
         std::to_string(off + n) + "]}";
    off += n;
  }
  h += "}";
  h.append((8 - h.size() % 8) % 8, ' ');
  seeds.push_back(file(h, pattern(off)));
  // Gaps, a scalar, an empty tensor, unpadded header (unaligned floats), trailing bytes.
  seeds.push_back(file(R"({"w":{"dtype":"F32","shape":[2,3],"data_offsets":[4,28]},)"
                       R"("s":{"dtype":"F32","shape":[],"data_offsets":[28,32]},)"
                       R"("e":{"dtype":"BF16","shape":[0,7],"data_offsets":[32,32]}})",
                       pattern(40)));
  seeds.push_back(file("{}      ", {}));
  seeds.push_back(
      file(R"({"x":{"dtype":"F16","shape":[3,1,2],"data_offsets":[0,12]}})", pattern(12)));
  return seeds;
}
