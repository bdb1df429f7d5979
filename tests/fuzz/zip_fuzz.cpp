// Fuzz harness for the zip readers (zip directory, .npz, PyTorch checkpoints, and the
// dispatch between them): any input gives a Model or an Error naming the file, never a
// crash; every accepted tensor addresses only bytes inside the input or the model's own
// inflated buffers, and decodes fully (strided views too).
// Runs under tests/fuzz/fuzz_driver.cpp (ctest) or libFuzzer (see the driver's comment).
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "analysis/formats/npz.h"
#include "analysis/formats/pytorch.h"
#include "analysis/formats/zip_model.h"
#include "analysis/numeric/tensor_decode.h"
#include "tests/unit/pickle_builder.h"
#include "tests/unit/zip_builder.h"

namespace {

bool inside(std::span<const std::byte> part, const std::byte* lo, size_t size) {
  return part.empty() || (part.data() >= lo && part.data() + part.size() <= lo + size);
}

void exercise(const qs::Model& m, const uint8_t* data, size_t size) {
  const auto* lo = reinterpret_cast<const std::byte*>(data);
  for (const qs::TensorView& t : m.tensors) {
    bool ok = inside(t.bytes, lo, size);
    for (const auto& b : m.buffers) ok = ok || inside(t.bytes, b->data(), b->size());
    if (!ok) __builtin_trap();
    const int64_t es = int64_t(qs::dtype_size(t.dtype));
    if (t.contiguous()) {
      if (int64_t(t.bytes.size()) != t.numel() * es) __builtin_trap();
    } else if (t.numel() > 0) {
      if (t.strides.size() != t.shape.size()) __builtin_trap();
      int64_t last = 0;
      for (size_t d = 0; d < t.shape.size(); ++d) {
        if (t.strides[d] < 0) __builtin_trap();
        last += (t.shape[d] - 1) * t.strides[d];
      }
      if ((last + 1) * es > int64_t(t.bytes.size())) __builtin_trap();
    }
    std::vector<float> buf(256);
    for (int64_t i = 0; i < t.numel() && i < (int64_t(1) << 22); i += int64_t(buf.size())) {
      const size_t n = size_t(std::min<int64_t>(t.numel() - i, int64_t(buf.size())));
      qs::decode_to_float(t, i, std::span<float>(buf.data(), n));
    }
  }
}

void check(const qs::Result<qs::Model>& m, const uint8_t* data, size_t size) {
  if (!m) {
    if (m.error().message.rfind("fuzz.zip: ", 0) != 0) __builtin_trap();
    return;
  }
  exercise(*m, data, size);
}

std::vector<uint8_t> npy(const std::string& descr, const std::string& shape, size_t data_bytes) {
  std::string h = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
  h.append((64 - (10 + h.size() + 1) % 64) % 64, ' ');
  h += '\n';
  std::string out = "\x93NUMPY";
  out.push_back('\x01');
  out.push_back('\0');
  out.push_back(char(uint8_t(h.size())));
  out.push_back(char(uint8_t(h.size() >> 8)));
  out.append(h);
  for (size_t i = 0; i < data_bytes; ++i) out.push_back(char(uint8_t(i * 37 + 11)));
  return std::vector<uint8_t>(out.begin(), out.end());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
  check(qs::parse_zip_model_bytes(bytes, "fuzz.zip"), data, size);
  check(qs::parse_pytorch_bytes(bytes, "fuzz.zip"), data, size);
  check(qs::parse_npz_bytes(bytes, "fuzz.zip", 1 << 24), data, size);
  return 0;
}

std::vector<std::vector<uint8_t>> FuzzSeeds() {
  using namespace qs::test;
  std::vector<std::vector<uint8_t>> seeds;
  const std::vector<ZipMember> npz = {
      {"w.npy", npy("<f4", "(3, 4)", 48), false},
      {"b.npy", npy("<f2", "(5,)", 10), true},
      {"i.npy", npy(">i8", "(2, 2)", 32), false},
  };
  seeds.push_back(build_zip(npz));
  ZipOptions z64;
  z64.zip64 = true;
  seeds.push_back(build_zip(npz, z64));
  seeds.push_back(build_zip({}));
  std::vector<uint8_t> storage(6 * 4);
  for (size_t i = 0; i < storage.size(); ++i) storage[i] = uint8_t(i * 13);
  const std::string pkl = p_dict({{"w", p_tensor("FloatStorage", "0", 6, 0, {2, 3}, {3, 1})},
                                  {"t", p_tensor("FloatStorage", "0", 6, 0, {3, 2}, {1, 3})},
                                  {"e", p_tensor("HalfStorage", "1", 4, 1, {3, 2}, {0, 1})},
                                  {"epoch", p_int(3)}});
  for (bool deflate : {false, true}) {
    seeds.push_back(build_zip({{"archive/data.pkl", bytes_of(pkl), deflate},
                               {"archive/byteorder", bytes_of(deflate ? "big" : "little"), false},
                               {"archive/data/0", storage, deflate},
                               {"archive/data/1", std::vector<uint8_t>(8, 0x3c), false},
                               {"archive/version", bytes_of("3\n"), false}}));
  }
  return seeds;
}
