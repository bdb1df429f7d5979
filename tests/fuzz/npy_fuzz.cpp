// Fuzz harness for the .npy reader: any input must give a Model or an Error, never a
// crash; every accepted array must lie inside the input and decode fully (strided too).
// Runs under tests/fuzz/fuzz_driver.cpp (ctest) or libFuzzer (see the driver's comment).
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "analysis/formats/npy.h"
#include "analysis/numeric/tensor_decode.h"
#include "tests/fuzz/fuzz_checks.h"

namespace {

// A .npy file as NumPy writes it: header padded with spaces to 64 bytes, then '\n'.
std::vector<uint8_t> npy(const std::string& dict, size_t data_bytes, int major = 1) {
  const size_t pre = major == 1 ? 10 : 12;
  std::string h = dict;
  h.append((64 - (pre + h.size() + 1) % 64) % 64, ' ');
  h += '\n';
  std::vector<uint8_t> out = {0x93, 'N', 'U', 'M', 'P', 'Y', uint8_t(major), 0};
  for (size_t i = 0; i < pre - 8; ++i) out.push_back(uint8_t(h.size() >> (8 * i)));
  out.insert(out.end(), h.begin(), h.end());
  for (size_t i = 0; i < data_bytes; ++i) out.push_back(uint8_t(i * 37 + 11));
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
  auto m = qs::parse_npy_bytes(bytes, "fuzz.npy");
  if (!m) {
    if (m.error().message.rfind("fuzz.npy: ", 0) != 0) __builtin_trap();
    return 0;
  }
  if (m->tensors.size() != 1) __builtin_trap();
  qs::fuzz::check_tensor(m->tensors[0], *m, reinterpret_cast<const std::byte*>(data), size);
  return 0;
}

std::vector<std::vector<uint8_t>> FuzzSeeds() {
  std::vector<std::vector<uint8_t>> seeds;
  const std::pair<const char*, size_t> descrs[] = {{"<f8", 8}, {"<f4", 4}, {"<f2", 2}, {"<i8", 8},
                                                   {"<i4", 4}, {"<i2", 2}, {"|i1", 1}, {"|u1", 1},
                                                   {"|b1", 1}, {">f4", 4}, {">f8", 8}, {">i2", 2}};
  for (const auto& [descr, size] : descrs) {
    seeds.push_back(
        npy(std::string("{'descr': '") + descr + "', 'fortran_order': False, 'shape': (3, 4), }",
            12 * size));
  }
  seeds.push_back(npy("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3, 4), }", 96));
  seeds.push_back(npy("{'descr': '>f8', 'fortran_order': True, 'shape': (5, 3), }", 120, 2));
  seeds.push_back(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (), }", 4, 3));
  seeds.push_back(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (0, 5), }", 0));
  seeds.push_back(npy("{'descr': '<f2', 'fortran_order': False, 'shape': (7,), }", 14));
  seeds.push_back(
      npy("{'descr': [('a', '<f4'), ('b', '<i4')], 'fortran_order': False, "
          "'shape': (3,), }",
          24));
  return seeds;
}
