// Decoding stored bytes to float32, and streaming statistics.
//
// Decoding is the one place that touches untrusted bytes after the readers validated the
// sizes, so every load goes through memcpy (no alignment or aliasing assumptions).
#include "analysis/numeric/tensor_decode.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>

#include "analysis/base/parallel.h"
#include "analysis/numeric/float_formats.h"
#include "analysis/numeric/gguf_blocks.h"

namespace qs {


// ----------------------------------------------------------------------------- decoding
namespace {

// std::byteswap is C++23; the builtins exist in both g++ and clang.
inline uint16_t bswap(uint16_t v) {
  return __builtin_bswap16(v);
}
inline uint32_t bswap(uint32_t v) {
  return __builtin_bswap32(v);
}
inline uint64_t bswap(uint64_t v) {
  return __builtin_bswap64(v);
}
inline uint8_t bswap(uint8_t v) {
  return v;
}

// Loads one stored element as an unsigned integer, swapping if it is big-endian.
template <class U>
U load(const std::byte* p, bool swap) {
  U v;
  std::memcpy(&v, p, sizeof(U));
  return swap ? bswap(v) : v;
}

// TF.js's affine decode: q·scale + min with JavaScript (double) numbers, stored into a
// Float32Array (one rounding). -ffp-contract=off keeps the multiply and add unfused.
inline float affine_decode(unsigned q, double scale, double min) {
  return static_cast<float>(double(q) * scale + min);
}

// One element at byte address p → float. The switch sits outside the hot loops (see
// decode_run); this scalar form serves the strided path.
float decode_one(DType t, const std::byte* p, bool swap, double qs, double qm) {
  switch (t) {
    case DType::U8Q:
      return affine_decode(load<uint8_t>(p, false), qs, qm);
    case DType::U16Q:
      return affine_decode(load<uint16_t>(p, swap), qs, qm);
    case DType::F64:
      return static_cast<float>(std::bit_cast<double>(load<uint64_t>(p, swap)));
    case DType::F32:
      return std::bit_cast<float>(load<uint32_t>(p, swap));
    case DType::F16:
      return numeric::fp16_decode(load<uint16_t>(p, swap));
    case DType::BF16:
      return numeric::bf16_decode(load<uint16_t>(p, swap));
    case DType::F8_E4M3:
      return numeric::fp8_e4m3_decode(load<uint8_t>(p, false));
    case DType::F8_E5M2:
      return numeric::fp8_e5m2_decode(load<uint8_t>(p, false));
    case DType::I64:
      return static_cast<float>(static_cast<int64_t>(load<uint64_t>(p, swap)));
    case DType::I32:
      return static_cast<float>(static_cast<int32_t>(load<uint32_t>(p, swap)));
    case DType::I16:
      return static_cast<float>(static_cast<int16_t>(load<uint16_t>(p, swap)));
    case DType::I8:
      return static_cast<float>(static_cast<int8_t>(load<uint8_t>(p, false)));
    case DType::U8:
      return static_cast<float>(load<uint8_t>(p, false));
    case DType::BOOL:
      return load<uint8_t>(p, false) != 0 ? 1.0f : 0.0f;
    default:
      return 0.0f;  // block types never take the per-element path (decode_to_float)
  }
}

// Contiguous run: a tight loop per dtype so the compiler can vectorize the common cases.
template <class F>
void decode_loop(const std::byte* p, size_t size, std::span<float> out, F&& f) {
  for (size_t i = 0; i < out.size(); ++i) out[i] = f(p + i * size);
}

void decode_run(DType t, const std::byte* p, bool swap, double qs, double qm, std::span<float> out) {
  const size_t n = out.size();
  if (t == DType::F32 && !swap) {
    std::memcpy(out.data(), p, n * sizeof(float));
    return;
  }
  const size_t sz = dtype_size(t);
  switch (t) {
    case DType::F32:
      return decode_loop(p, sz, out, [](const std::byte* q) {
        return std::bit_cast<float>(load<uint32_t>(q, true));
      });
    case DType::F64:
      return decode_loop(p, sz, out, [swap](const std::byte* q) {
        return static_cast<float>(std::bit_cast<double>(load<uint64_t>(q, swap)));
      });
    case DType::F16:
      return decode_loop(p, sz, out, [swap](const std::byte* q) {
        return numeric::fp16_decode(load<uint16_t>(q, swap));
      });
    case DType::BF16:
      return decode_loop(p, sz, out, [swap](const std::byte* q) {
        return numeric::bf16_decode(load<uint16_t>(q, swap));
      });
    case DType::F8_E4M3:
      return decode_loop(p, sz, out,
                         [](const std::byte* q) { return numeric::fp8_e4m3_decode(uint8_t(*q)); });
    case DType::F8_E5M2:
      return decode_loop(p, sz, out,
                         [](const std::byte* q) { return numeric::fp8_e5m2_decode(uint8_t(*q)); });
    case DType::I64:
      return decode_loop(p, sz, out, [swap](const std::byte* q) {
        return static_cast<float>(static_cast<int64_t>(load<uint64_t>(q, swap)));
      });
    case DType::I32:
      return decode_loop(p, sz, out, [swap](const std::byte* q) {
        return static_cast<float>(static_cast<int32_t>(load<uint32_t>(q, swap)));
      });
    case DType::I16:
      return decode_loop(p, sz, out, [swap](const std::byte* q) {
        return static_cast<float>(static_cast<int16_t>(load<uint16_t>(q, swap)));
      });
    case DType::I8:
      return decode_loop(p, sz, out,
                         [](const std::byte* q) { return static_cast<float>(int8_t(*q)); });
    case DType::U8:
      return decode_loop(p, sz, out,
                         [](const std::byte* q) { return static_cast<float>(uint8_t(*q)); });
    case DType::BOOL:
      return decode_loop(p, sz, out,
                         [](const std::byte* q) { return uint8_t(*q) != 0 ? 1.0f : 0.0f; });
    case DType::U8Q:
      return decode_loop(p, sz, out, [qs, qm](const std::byte* q) { return affine_decode(uint8_t(*q), qs, qm); });
    case DType::U16Q:
      return decode_loop(p, sz, out, [swap, qs, qm](const std::byte* q) {
        return affine_decode(load<uint16_t>(q, swap), qs, qm);
      });
    default:
      return;  // block types: decode_to_float sends them to gguf_dequantize_range
  }
}

}  // namespace

void decode_to_float(const TensorView& t, int64_t first, std::span<float> out) {
  if (out.empty()) return;
  if (dtype_is_block(t.dtype)) {  // always contiguous: blocks run along the rows
    numeric::gguf_dequantize_range(t.dtype, t.bytes, first, out);
    return;
  }
  const size_t sz = dtype_size(t.dtype);
  if (t.contiguous()) {
    decode_run(t.dtype, t.bytes.data() + size_t(first) * sz, t.swap_bytes, t.q_scale, t.q_min, out);
    return;
  }
  // Strided (e.g. Fortran order): walk the logical C-order multi-index like an odometer
  // and keep the storage offset in step, so each element costs an add, not a division.
  const size_t nd = t.shape.size();
  std::vector<int64_t> idx(nd, 0);
  int64_t rem = first, offset = 0;
  for (size_t d = nd; d-- > 0;) {
    idx[d] = t.shape[d] > 0 ? rem % t.shape[d] : 0;
    rem = t.shape[d] > 0 ? rem / t.shape[d] : 0;
    offset += idx[d] * t.strides[d];
  }
  for (size_t i = 0; i < out.size(); ++i) {
    out[i] = decode_one(t.dtype, t.bytes.data() + size_t(offset) * sz, t.swap_bytes, t.q_scale, t.q_min);
    for (size_t d = nd; d-- > 0;) {
      offset += t.strides[d];
      if (++idx[d] < t.shape[d]) break;
      offset -= idx[d] * t.strides[d];
      idx[d] = 0;
    }
  }
}

std::optional<std::span<const float>> as_float_span(const TensorView& t) {
  if (t.dtype != DType::F32 || t.swap_bytes || !t.contiguous()) return std::nullopt;
  const size_t n = size_t(t.numel());
  if (n == 0) return std::span<const float>();
  if (t.bytes.size() < n * sizeof(float)) return std::nullopt;
  if (reinterpret_cast<uintptr_t>(t.bytes.data()) % alignof(float) != 0) return std::nullopt;
  return std::span<const float>(reinterpret_cast<const float*>(t.bytes.data()), n);
}

std::span<const float> to_float(const TensorView& t, std::vector<float>& storage, int threads) {
  if (auto s = as_float_span(t)) return *s;
  const int64_t n = t.numel();
  storage.resize(size_t(n));
  // Chunks decode independently (block types: kDecodeChunk is whole 256-element blocks).
  parallel_for(chunk_count(n, kDecodeChunk), threads, [&](int64_t c, int) {
    const int64_t first = c * kDecodeChunk;
    decode_to_float(t, first, std::span<float>(storage).subspan(size_t(first), size_t(std::min(kDecodeChunk, n - first))));
  });
  return storage;
}

// ---------------------------------------------------------------------------- statistics
namespace {

// Running moments, merged chunk by chunk with Chan et al.'s pairwise update. Within a
// chunk we use two passes (exact mean first, then squared deviations), so the result is
// as accurate as NumPy's two-pass np.std and never suffers the cancellation of Σx² - nμ².
struct Moments {
  int64_t n = 0;
  double mean = 0, m2 = 0;
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();
  int64_t nonfinite = 0;

  // One chunk's moments (two passes over it), independent of every other chunk.
  static Moments of_chunk(std::span<const float> x) {
    Moments c;
    int64_t nc = 0;
    double sum = 0, lo = std::numeric_limits<double>::infinity(), hi = -lo;
    for (float f : x) {
      if (!std::isfinite(f)) continue;
      const double v = f;
      ++nc;
      sum += v;
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
    c.nonfinite = int64_t(x.size()) - nc;
    if (nc == 0) return c;
    double mc = sum / double(nc), m2c = 0;
    if (lo == hi) {
      mc = lo;  // a constant chunk: mean exact, deviation exactly zero
    } else {
      for (float f : x) {
        if (!std::isfinite(f)) continue;
        const double d = double(f) - mc;
        m2c += d * d;
      }
    }
    c.n = nc, c.mean = mc, c.m2 = m2c, c.min = lo, c.max = hi;
    return c;
  }

  // Chan et al.'s update with the next chunk's moments (chunks merged in chunk order).
  void merge(const Moments& c) {
    nonfinite += c.nonfinite;
    if (c.n == 0) return;
    min = std::min(min, c.min);
    max = std::max(max, c.max);
    const int64_t nt = n + c.n;
    const double delta = c.mean - mean;
    mean += delta * (double(c.n) / double(nt));
    m2 += c.m2 + delta * delta * (double(n) * double(c.n) / double(nt));
    n = nt;
  }

  TensorStats finish(int64_t numel) const {
    TensorStats s;
    s.numel = numel;
    s.n_finite = n;
    s.n_nonfinite = nonfinite;
    if (n == 0) return s;  // empty or all non-finite: zeros
    s.min = min;
    s.max = max;
    s.mean = (min == max) ? min : mean;
    s.std = (min == max) ? 0.0 : std::sqrt(m2 / double(n));
    s.absmax = std::max(std::fabs(min), std::fabs(max));
    return s;
  }
};

}  // namespace

// Chunk moments on any thread, merged in chunk order: the same bits at any thread count.
TensorStats compute_stats(std::span<const float> x, int threads) {
  const int64_t n = int64_t(x.size());
  const Moments m = parallel_reduce(
      chunk_count(n, kDecodeChunk), threads, Moments{},
      [&](int64_t c) {
        const int64_t first = c * kDecodeChunk;
        return Moments::of_chunk(x.subspan(size_t(first), size_t(std::min(kDecodeChunk, n - first))));
      },
      [](Moments& acc, const Moments& part) { acc.merge(part); });
  return m.finish(n);
}

TensorStats scan_stats(const TensorView& t, int threads) {
  // Zero-copy when the bytes already are aligned little-endian float32.
  if (auto s = as_float_span(t)) return compute_stats(*s, threads);
  const int64_t n = t.numel();
  // Same chunking as compute_stats, so both give bit-identical results; one decode
  // buffer per worker, so memory stays at a few chunks.
  const int64_t chunks = chunk_count(n, kDecodeChunk);
  const int workers = resolve_threads(threads);
  std::vector<std::vector<float>> buf(static_cast<size_t>(workers));
  std::vector<Moments> part(static_cast<size_t>(chunks));
  parallel_for(chunks, workers, [&](int64_t c, int w) {
    const int64_t first = c * kDecodeChunk;
    std::vector<float>& b = buf[size_t(w)];
    b.resize(size_t(std::min(n - first, kDecodeChunk)));
    decode_to_float(t, first, b);
    part[size_t(c)] = Moments::of_chunk(b);
  });
  Moments m;
  for (const Moments& p : part) m.merge(p);
  return m.finish(n);
}

}  // namespace qs
