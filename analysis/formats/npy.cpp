// NumPy .npy reader (numpy/lib/format.py, "Format Version 1.0" .. "3.0").
//
//   "\x93NUMPY" major minor  header_len (u16 LE for v1, u32 LE for v2/v3)  header  data
//
// The header is a Python dict literal, e.g. {'descr': '<f4', 'fortran_order': False,
// 'shape': (3, 4), }. NumPy reads it with ast.literal_eval; we parse the small literal
// subset by hand and never evaluate anything. Decisions:
// - descr: '<' '>' '|' '=' (or none = native) + f8 f4 f2 i8 i4 i2 i1 u1 b1; others error.
// - unknown extra header keys are ignored (NumPy's writer never adds any).
// - data shorter than numel × itemsize is an error; bytes after the array are ignored,
//   as np.load does (several arrays saved into one open file read back as the first).
#include "analysis/formats/npy.h"

#include <cstring>
#include <filesystem>

namespace qs {
namespace {

constexpr uint64_t kMaxNumel = uint64_t(1) << 48;
constexpr int kMaxDepth = 16;  // nesting limit: the parser is recursive

// ------------------------------------------------------------------ Python literal subset
struct PyValue {
  enum class Kind { Str, Int, Bool, None, Tuple, List, Dict } kind = Kind::None;
  std::string str;             // Str
  int64_t integer = 0;         // Int (valid when !too_big)
  bool too_big = false;        // Int beyond ±2^62: only ever an error for us
  bool boolean = false;        // Bool
  std::vector<PyValue> items;  // Tuple, List; Dict as key, value, key, value, ...
};

class LiteralParser {
 public:
  explicit LiteralParser(std::string_view s) : s_(s) {}

  // The whole text must be one literal plus whitespace (NumPy pads with spaces + '\n').
  Result<PyValue> parse_document() {
    auto v = value(0);
    if (!v) return v;
    skip_ws();
    if (pos_ != s_.size()) return error("unexpected text after the dict");
    return v;
  }

 private:
  std::string_view s_;
  size_t pos_ = 0;

  tl::unexpected<Error> error(const std::string& what) const {
    return make_error("header is not a valid dict literal at offset " + std::to_string(pos_) +
                      ": " + what);
  }
  void skip_ws() {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) {
      ++pos_;
    }
  }
  bool eat(char c) {
    skip_ws();
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  Result<PyValue> value(int depth) {
    if (depth > kMaxDepth) return error("nested too deeply");
    skip_ws();
    if (pos_ >= s_.size()) return error("unexpected end");
    const char c = s_[pos_];
    if (c == '\'' || c == '"') return string();
    if (c == '-' || c == '+' || (c >= '0' && c <= '9')) return integer();
    if (c == '(') return sequence(PyValue::Kind::Tuple, ')', depth);
    if (c == '[') return sequence(PyValue::Kind::List, ']', depth);
    if (c == '{') return sequence(PyValue::Kind::Dict, '}', depth);
    for (const auto& [word, kind, b] : {std::tuple{"True", PyValue::Kind::Bool, true},
                                        std::tuple{"False", PyValue::Kind::Bool, false},
                                        std::tuple{"None", PyValue::Kind::None, false}}) {
      const size_t n = std::strlen(word);
      if (s_.substr(pos_, n) == word) {
        pos_ += n;
        PyValue v;
        v.kind = kind;
        v.boolean = b;
        return v;
      }
    }
    return error(std::string("unexpected character '") + c + "'");
  }

  Result<PyValue> string() {
    const char quote = s_[pos_++];
    PyValue v;
    v.kind = PyValue::Kind::Str;
    while (pos_ < s_.size() && s_[pos_] != quote) {
      if (s_[pos_] == '\\' && pos_ + 1 < s_.size()) ++pos_;  // keep the escaped char
      v.str += s_[pos_++];
    }
    if (pos_ >= s_.size()) return error("unterminated string");
    ++pos_;
    return v;
  }

  Result<PyValue> integer() {
    PyValue v;
    v.kind = PyValue::Kind::Int;
    const bool negative = s_[pos_] == '-';
    if (s_[pos_] == '-' || s_[pos_] == '+') ++pos_;
    const size_t start = pos_;
    uint64_t mag = 0;
    while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') {
      // Saturate instead of overflowing; anything past 2^62 is rejected later anyway.
      if (mag > (uint64_t(1) << 62)) {
        v.too_big = true;
      } else {
        mag = mag * 10 + uint64_t(s_[pos_] - '0');
      }
      ++pos_;
    }
    if (pos_ == start) return error("expected digits");
    if (pos_ < s_.size() && (s_[pos_] == 'L' || s_[pos_] == 'l')) ++pos_;  // Python 2 long
    if (mag > (uint64_t(1) << 62)) v.too_big = true;
    v.integer = v.too_big ? 0 : (negative ? -int64_t(mag) : int64_t(mag));
    return v;
  }

  // (a, b, ), [a, b], {k: v, }: trailing commas allowed, as in Python.
  Result<PyValue> sequence(PyValue::Kind kind, char close, int depth) {
    ++pos_;
    PyValue v;
    v.kind = kind;
    while (!eat(close)) {
      auto item = value(depth + 1);
      if (!item) return item;
      v.items.push_back(std::move(*item));
      if (kind == PyValue::Kind::Dict) {
        if (!eat(':')) return error("expected ':'");
        auto val = value(depth + 1);
        if (!val) return val;
        v.items.push_back(std::move(*val));
      }
      if (eat(close)) break;
      if (!eat(',')) return error(std::string("expected ',' or '") + close + "'");
    }
    return v;
  }
};

// ------------------------------------------------------------------------------ header
struct Header {
  DType dtype = DType::F32;
  bool big_endian = false;
  bool fortran = false;
  std::vector<int64_t> shape;
  std::string descr;
};

std::string describe(const PyValue& v) {
  switch (v.kind) {
    case PyValue::Kind::Str:
      return "'" + v.str.substr(0, 40) + "'";
    case PyValue::Kind::Int:
      return v.too_big ? "a huge integer" : std::to_string(v.integer);
    case PyValue::Kind::Bool:
      return v.boolean ? "True" : "False";
    case PyValue::Kind::None:
      return "None";
    case PyValue::Kind::Tuple:
      return "a tuple";
    case PyValue::Kind::List:
      return "a list";
    case PyValue::Kind::Dict:
      return "a dict";
  }
  return "?";
}

Result<void> parse_descr(const PyValue& v, Header& h) {
  if (v.kind == PyValue::Kind::List) {
    return make_error("structured dtypes (descr is a list of fields) are not supported");
  }
  if (v.kind != PyValue::Kind::Str) return make_error("descr is " + describe(v) + ", not a string");
  std::string_view s = v.str;
  h.descr = v.str;
  char order = '=';
  if (!s.empty() && std::strchr("<>|=", s[0]) != nullptr) {
    order = s[0];
    s.remove_prefix(1);
  }
  static constexpr std::pair<std::string_view, DType> kCodes[] = {
      {"f8", DType::F64}, {"f4", DType::F32}, {"f2", DType::F16},
      {"i8", DType::I64}, {"i4", DType::I32}, {"i2", DType::I16},
      {"i1", DType::I8},  {"u1", DType::U8},  {"b1", DType::BOOL}};
  for (const auto& [code, dtype] : kCodes) {
    if (s == code) {
      h.dtype = dtype;
      h.big_endian = order == '>' && dtype_size(dtype) > 1;
      return {};
    }
  }
  if (s == "O") return make_error("object arrays (descr '" + v.str + "') are not supported");
  return make_error("unsupported dtype descr '" + v.str +
                    "' (supported: f8 f4 f2 i8 i4 i2 i1 u1 b1)");
}

Result<void> parse_shape(const PyValue& v, Header& h) {
  if (v.kind != PyValue::Kind::Tuple) {
    return make_error("shape is " + describe(v) + ", not a tuple");
  }
  uint64_t numel = 1, bound = 1;
  for (size_t i = 0; i < v.items.size(); ++i) {
    const PyValue& d = v.items[i];
    if (d.kind != PyValue::Kind::Int || (!d.too_big && d.integer < 0)) {
      return make_error("shape[" + std::to_string(i) + "] is " + describe(d) +
                        ", not a non-negative integer");
    }
    const uint64_t n = d.too_big ? UINT64_MAX : uint64_t(d.integer);
    const uint64_t m = n ? n : 1;  // bound the non-zero dimensions too (see safetensors.cpp)
    if (n > kMaxNumel || bound > kMaxNumel / m) {
      return make_error("shape has more than 2^48 elements (shape[" + std::to_string(i) + "] is " +
                        describe(d) + ")");
    }
    bound *= m;
    numel *= n;
    h.shape.push_back(int64_t(n));
  }
  return {};
}

Result<Header> parse_header(std::string_view text) {
  auto dict = LiteralParser(text).parse_document();
  if (!dict) return tl::unexpected(dict.error());
  if (dict->kind != PyValue::Kind::Dict) {
    return make_error("header is " + describe(*dict) + ", not a dict");
  }
  const PyValue* descr = nullptr;
  const PyValue* fortran = nullptr;
  const PyValue* shape = nullptr;
  for (size_t i = 0; i + 1 < dict->items.size(); i += 2) {
    const PyValue& key = dict->items[i];
    if (key.kind != PyValue::Kind::Str) {
      return make_error("header key " + describe(key) + " is not a string");
    }
    // Later duplicates win, as in a Python dict display.
    if (key.str == "descr") descr = &dict->items[i + 1];
    if (key.str == "fortran_order") fortran = &dict->items[i + 1];
    if (key.str == "shape") shape = &dict->items[i + 1];
  }
  for (const auto& [p, name] : {std::pair{descr, "descr"}, std::pair{fortran, "fortran_order"},
                                std::pair{shape, "shape"}}) {
    if (p == nullptr) return make_error(std::string("header is missing the '") + name + "' key");
  }
  Header h;
  if (auto ok = parse_descr(*descr, h); !ok) return tl::unexpected(ok.error());
  if (fortran->kind != PyValue::Kind::Bool) {
    return make_error("fortran_order is " + describe(*fortran) + ", not True or False");
  }
  h.fortran = fortran->boolean;
  if (auto ok = parse_shape(*shape, h); !ok) return tl::unexpected(ok.error());
  return h;
}

// Fortran order = column-major element strides. When at most one dimension exceeds 1
// the two orders coincide, so we keep the fast contiguous path.
std::vector<int64_t> fortran_strides(const std::vector<int64_t>& shape) {
  int non_trivial = 0;
  for (int64_t d : shape) non_trivial += d > 1;
  if (non_trivial <= 1) return {};
  std::vector<int64_t> s(shape.size());
  int64_t step = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    s[i] = step;
    step *= shape[i];
  }
  return s;
}

std::string tensor_name_for(const std::string& path) {
  std::string stem = std::filesystem::path(path).stem().string();
  return stem.empty() ? "array" : stem;
}

}  // namespace

Result<Model> parse_npy_bytes(std::span<const std::byte> bytes, const std::string& path) {
  auto fail = [&](const std::string& what) { return make_error(path + ": " + what); };
  if (bytes.size() < 6 || std::memcmp(bytes.data(), "\x93NUMPY", 6) != 0) {
    return fail("not a NumPy .npy file (bad magic; expected \\x93NUMPY)");
  }
  if (bytes.size() < 8) return fail("truncated .npy preamble (no version bytes)");
  const int major = int(bytes[6]), minor = int(bytes[7]);
  if (major < 1 || major > 3 || minor != 0) {
    return fail("unsupported .npy format version " + std::to_string(major) + "." +
                std::to_string(minor) + " (supported: 1.0, 2.0, 3.0)");
  }
  const size_t len_bytes = major == 1 ? 2 : 4;
  const size_t preamble = 8 + len_bytes;
  if (bytes.size() < preamble) return fail("truncated header (the header length is cut off)");
  uint64_t header_len = 0;
  for (size_t i = len_bytes; i-- > 0;) header_len = (header_len << 8) | uint64_t(bytes[8 + i]);
  if (header_len > bytes.size() - preamble) {
    return fail("truncated header: header length " + std::to_string(header_len) +
                " runs past the end of the file (" + std::to_string(bytes.size()) + " bytes)");
  }
  // v1/v2 headers are latin-1 and v3 is UTF-8; both only matter inside field names of
  // structured dtypes, which we reject, so the bytes are parsed as they are.
  const std::string_view text(reinterpret_cast<const char*>(bytes.data() + preamble),
                              size_t(header_len));
  auto h = parse_header(text);
  if (!h) return fail(h.error().message);

  TensorView t;
  t.name = tensor_name_for(path);
  t.dtype = h->dtype;
  t.shape = h->shape;
  t.swap_bytes = h->big_endian;
  if (h->fortran) t.strides = fortran_strides(t.shape);
  const uint64_t need = uint64_t(t.numel()) * dtype_size(t.dtype);
  const uint64_t have = bytes.size() - preamble - header_len;
  if (have < need) {
    return fail("truncated data: " + std::string(dtype_name(t.dtype)) + " " +
                shape_string(t.shape) + " needs " + std::to_string(need) + " bytes, the file has " +
                std::to_string(have) + " after the header");
  }
  t.bytes = bytes.subspan(preamble + size_t(header_len), size_t(need));

  Model m;
  m.path = path;
  m.format = "npy";
  m.metadata = {{"npy_version", std::to_string(major) + ".0"},
                {"descr", h->descr},
                {"fortran_order", h->fortran ? "True" : "False"}};
  m.tensors.push_back(std::move(t));
  return m;
}

Result<Model> read_npy(const std::string& path) {
  auto file = MappedFile::open(path);
  if (!file) return tl::unexpected(file.error());
  auto m = parse_npy_bytes((*file)->bytes(), path);
  if (m) m->files.push_back(std::move(*file));
  return m;
}

}  // namespace qs
