// A small deterministic fuzzing driver so the fuzz harnesses run as ordinary ctest tests
// on any compiler: it mutates a corpus of valid seeds with a seeded PRNG and feeds each
// result to LLVMFuzzerTestOneInput. No coverage feedback; the mutations are aimed at
// the things binary readers get wrong (length fields, numbers in headers, truncation).
//
//   NAME --iterations N --seed S [--trace] [--dump K FILE] [--write-corpus DIR] [FILES...]
//
// FILES are added to the built-in seeds (FuzzSeeds(), defined by each harness). --trace
// prints each input's number before running it, so after a crash the last line names
// the input; --dump K FILE writes input K (same N/S) for a debugger. --write-corpus
// writes the seeds as files, e.g. as the starting corpus for libFuzzer.
//
// libFuzzer build (clang): the harness alone, without this file, from the repository root
// (one command line):
//   clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -I.
//     tests/fuzz/safetensors_fuzz.cpp analysis/tensor.cpp analysis/formats/*.cpp
//     analysis/atomic_file.cpp analysis/numeric/float_formats.cpp -o st_fuzz
//   build/tests/safetensors_fuzz --write-corpus corpus && ./st_fuzz corpus
// FuzzSeeds() is then simply unused.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
std::vector<std::vector<uint8_t>> FuzzSeeds();

namespace {

using Bytes = std::vector<uint8_t>;
constexpr size_t kMaxInput = 1 << 20;  // mutations never grow an input past 1 MB

class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed) {}
  uint64_t next() {  // splitmix64: tiny, fast and well mixed
    uint64_t z = (s_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  size_t below(size_t n) { return n == 0 ? 0 : size_t(next() % n); }

 private:
  uint64_t s_;
};

// Tokens of the header languages the readers parse (JSON, Python literals).
const char* const kTokens[] = {"{",
                               "}",
                               "[",
                               "]",
                               "(",
                               ")",
                               ",",
                               ":",
                               "\"",
                               "'",
                               "\\",
                               "-1",
                               "0",
                               "1",
                               "2.5",
                               "1e400",
                               "18446744073709551615",
                               "281474976710656",
                               "99999999999999999999999",
                               "True",
                               "False",
                               "None",
                               "null",
                               "\"dtype\"",
                               "\"shape\"",
                               "\"data_offsets\"",
                               "\"__metadata__\"",
                               "'descr'",
                               "'shape'",
                               "'fortran_order'",
                               "'<f4'",
                               "'>f8'",
                               "'|b1'",
                               "\"F32\"",
                               "\"BF16\"",
                               "\"BOOL\"",
                               "\xff",
                               "\xc3\x28",
                               "\0"};
const char* const kNumbers[] = {"0",
                                "1",
                                "-1",
                                "7",
                                "255",
                                "65536",
                                "4294967296",
                                "281474976710656",
                                "18446744073709551615",
                                "1e3",
                                "2.5",
                                "99999999999999999999999999"};

uint64_t interesting_length(Rng& rng, size_t size) {
  const uint64_t picks[] = {
      0,         1,          7,          8,           size,        size - 8,          size + 1,
      0xffff,    0x7fffffff, 0xffffffff, 100'000'000, 100'000'001, uint64_t(1) << 63, ~uint64_t(0),
      rng.next()};
  return picks[rng.below(std::size(picks))];
}

void put_le(Bytes& b, size_t at, uint64_t v, size_t width) {
  for (size_t i = 0; i < width && at + i < b.size(); ++i) b[at + i] = uint8_t(v >> (8 * i));
}

void mutate_once(Bytes& b, const std::vector<Bytes>& corpus, Rng& rng) {
  switch (rng.below(10)) {
    case 0:  // flip one bit
      if (!b.empty()) b[rng.below(b.size())] ^= uint8_t(1u << rng.below(8));
      break;
    case 1: {  // set a byte to a boundary value
      const uint8_t vals[] = {0, 0xff, 0x7f, 0x80, 1, '{', '"', '\n'};
      if (!b.empty()) b[rng.below(b.size())] = vals[rng.below(std::size(vals))];
      break;
    }
    case 2:  // truncate
      b.resize(rng.below(b.size() + 1));
      break;
    case 3: {  // insert random bytes
      Bytes ins(1 + rng.below(16));
      for (uint8_t& x : ins) x = uint8_t(rng.next());
      b.insert(b.begin() + long(rng.below(b.size() + 1)), ins.begin(), ins.end());
      break;
    }
    case 4: {  // erase a range
      if (b.empty()) break;
      const size_t at = rng.below(b.size()), n = 1 + rng.below(std::min<size_t>(32, b.size() - at));
      b.erase(b.begin() + long(at), b.begin() + long(at + n));
      break;
    }
    case 5: {  // splice: our prefix + another seed's suffix
      const Bytes& other = corpus[rng.below(corpus.size())];
      b.resize(rng.below(b.size() + 1));
      const size_t from = rng.below(other.size() + 1);
      b.insert(b.end(), other.begin() + long(from), other.end());
      break;
    }
    case 6: {  // the length fields: safetensors u64 at 0, npy u16/u32 at 8
      const int which = int(rng.below(3));
      if (which == 0) put_le(b, 0, interesting_length(rng, b.size()), 8);
      if (which == 1) put_le(b, 8, interesting_length(rng, b.size()), 2);
      if (which == 2) put_le(b, 8, interesting_length(rng, b.size()), 4);
      break;
    }
    case 7: {  // insert a header token
      const char* tok = kTokens[rng.below(std::size(kTokens))];
      const size_t n = std::max<size_t>(1, std::strlen(tok));  // "\0" inserts one NUL
      b.insert(b.begin() + long(rng.below(b.size() + 1)), tok, tok + n);
      break;
    }
    case 8: {  // replace a number in the header with an extreme one
      if (b.empty()) break;
      size_t at = rng.below(b.size());
      while (at < b.size() && !(b[at] >= '0' && b[at] <= '9')) ++at;
      if (at == b.size()) break;
      size_t end = at;
      while (end < b.size() && b[end] >= '0' && b[end] <= '9') ++end;
      const char* num = kNumbers[rng.below(std::size(kNumbers))];
      b.erase(b.begin() + long(at), b.begin() + long(end));
      b.insert(b.begin() + long(at), num, num + std::strlen(num));
      break;
    }
    default: {  // copy a chunk of the input elsewhere
      if (b.empty()) break;
      const size_t from = rng.below(b.size()),
                   n = 1 + rng.below(std::min<size_t>(64, b.size() - from));
      const Bytes chunk(b.begin() + long(from), b.begin() + long(from + n));
      b.insert(b.begin() + long(rng.below(b.size() + 1)), chunk.begin(), chunk.end());
      break;
    }
  }
  if (b.size() > kMaxInput) b.resize(kMaxInput);
}

// Input i: iteration 0..corpus-1 replays the seeds unchanged, later ones mutate a seed.
Bytes make_input(const std::vector<Bytes>& corpus, uint64_t seed, long i) {
  if (size_t(i) < corpus.size()) return corpus[size_t(i)];
  Rng rng(seed * 0x100000001b3ull + uint64_t(i));
  Bytes b = corpus[rng.below(corpus.size())];
  const size_t rounds = 1 + rng.below(4);
  for (size_t r = 0; r < rounds; ++r) mutate_once(b, corpus, rng);
  return b;
}

int usage() {
  std::fprintf(stderr,
               "usage: fuzzer --iterations N --seed S [--trace] [--dump K FILE] "
               "[--write-corpus DIR] [FILES...]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  long iterations = 1000, dump_index = -1;
  uint64_t seed = 1;
  bool trace = false;
  std::string dump_file, corpus_dir;
  std::vector<Bytes> corpus = FuzzSeeds();
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--iterations" && i + 1 < argc) {
      iterations = std::atol(argv[++i]);
    } else if (a == "--seed" && i + 1 < argc) {
      seed = std::strtoull(argv[++i], nullptr, 10);
    } else if (a == "--trace") {
      trace = true;
    } else if (a == "--dump" && i + 2 < argc) {
      dump_index = std::atol(argv[++i]);
      dump_file = argv[++i];
    } else if (a == "--write-corpus" && i + 1 < argc) {
      corpus_dir = argv[++i];
    } else if (!a.empty() && a[0] == '-') {
      return usage();
    } else {
      std::ifstream f(a, std::ios::binary);
      if (!f) {
        std::fprintf(stderr, "fuzz: cannot read %s\n", a.c_str());
        return 2;
      }
      corpus.emplace_back(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
    }
  }
  if (corpus.empty()) corpus.emplace_back();
  if (!corpus_dir.empty()) {
    for (size_t i = 0; i < corpus.size(); ++i) {
      std::ofstream(corpus_dir + "/seed-" + std::to_string(i), std::ios::binary)
          .write(reinterpret_cast<const char*>(corpus[i].data()), long(corpus[i].size()));
    }
    return 0;
  }
  if (dump_index >= 0) {
    const Bytes b = make_input(corpus, seed, dump_index);
    std::ofstream(dump_file, std::ios::binary)
        .write(reinterpret_cast<const char*>(b.data()), long(b.size()));
    return 0;
  }
  for (long i = 0; i < iterations; ++i) {
    const Bytes b = make_input(corpus, seed, i);
    if (trace) std::fprintf(stderr, "fuzz: input %ld (%zu bytes)\n", i, b.size());
    try {
      LLVMFuzzerTestOneInput(b.data(), b.size());
    } catch (const std::exception& e) {  // the readers promise never to throw
      std::fprintf(stderr, "fuzz: input %ld threw: %s (--dump %ld FILE to get it)\n", i, e.what(),
                   i);
      return 1;
    } catch (...) {
      std::fprintf(stderr, "fuzz: input %ld threw (--dump %ld FILE to get it)\n", i, i);
      return 1;
    }
  }
  std::printf("fuzz: %ld inputs, 0 crashes\n", iterations);
  return 0;
}
