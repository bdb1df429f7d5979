// safetensors reader and writer (https://github.com/huggingface/safetensors, "Format").
// The file is untrusted: every header field is checked against the bytes that really
// exist before a TensorView is made, so nothing is allocated on the word of a header and
// decoding can never read past the mapping.
#include "analysis/formats/safetensors.h"

#include <algorithm>
#include <cstring>
#include <unordered_set>

#include "analysis/base/atomic_file.h"

namespace qs {
namespace {

using ordered_json = nlohmann::ordered_json;

// Same limit as the Rust reference implementation (MAX_HEADER_SIZE).
constexpr uint64_t kMaxHeaderBytes = 100'000'000;
// No real tensor comes near this; it keeps every product and byte count inside int64.
constexpr uint64_t kMaxNumel = uint64_t(1) << 48;

std::string supported_dtypes() {
  std::string s;
  for (int i = 0; i <= int(DType::BOOL); ++i) {
    if (i) s += ' ';
    s += dtype_name(DType(i));
  }
  return s;
}

// A JSON value for an error message: short, so a hostile header cannot flood the UI.
std::string brief(const ordered_json& v) {
  std::string s = v.dump(-1, ' ', false, ordered_json::error_handler_t::replace);
  return s.size() > 40 ? s.substr(0, 37) + "..." : s;
}

uint64_t read_u64_le(const std::byte* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | uint64_t(p[i]);
  return v;
}

struct Entry {
  std::string name;
  uint64_t begin = 0, end = 0;
};

// Validates one tensor entry; on success fills `t` (bytes still unset) and `e`.
Result<void> parse_entry(const std::string& name, const ordered_json& v, uint64_t data_size,
                         TensorView& t, Entry& e) {
  const std::string where = "tensor '" + name + "': ";
  if (!v.is_object()) return make_error(where + "entry is " + brief(v) + ", not an object");

  const auto dt = v.find("dtype");
  if (dt == v.end()) return make_error(where + "missing \"dtype\"");
  if (!dt->is_string()) return make_error(where + "dtype " + brief(*dt) + " is not a string");
  auto dtype = dtype_from_name(dt->get_ref<const std::string&>());
  if (dtype && (dtype_is_block(*dtype) || dtype_is_affine(*dtype))) dtype.reset();  // GGUF's, TF.js's types are not safetensors'
  if (!dtype) {
    return make_error(where + "unsupported dtype \"" + dt->get<std::string>() +
                      "\" (supported: " + supported_dtypes() + ")");
  }

  const auto sh = v.find("shape");
  if (sh == v.end()) return make_error(where + "missing \"shape\"");
  if (!sh->is_array()) return make_error(where + "shape " + brief(*sh) + " is not an array");
  std::vector<int64_t> shape;
  uint64_t numel = 1, bound = 1;
  for (size_t i = 0; i < sh->size(); ++i) {
    const ordered_json& d = (*sh)[i];
    // nlohmann stores non-negative integers as unsigned, negative ones as signed.
    if (!d.is_number_unsigned()) {
      return make_error(where + "shape[" + std::to_string(i) + "] is " + brief(d) +
                        ", not a non-negative integer");
    }
    const uint64_t n = d.get<uint64_t>();
    // Checked before multiplying, so the product never overflows. The bound is on the
    // non-zero dimensions: an empty tensor's other dimensions must not multiply past
    // 2^48 either (code computes partial products such as the inner size of an axis).
    const uint64_t m = n ? n : 1;
    if (n > kMaxNumel || bound > kMaxNumel / m) {
      return make_error(where + "shape " + brief(*sh) + " has more than 2^48 elements");
    }
    bound *= m;
    numel *= n;
    shape.push_back(int64_t(n));
  }

  const auto off = v.find("data_offsets");
  if (off == v.end()) return make_error(where + "missing \"data_offsets\"");
  if (!off->is_array() || off->size() != 2 || !(*off)[0].is_number_unsigned() ||
      !(*off)[1].is_number_unsigned()) {
    return make_error(where + "data_offsets " + brief(*off) +
                      " is not [begin, end] with non-negative integers");
  }
  const uint64_t begin = (*off)[0].get<uint64_t>(), end = (*off)[1].get<uint64_t>();
  const std::string range = "[" + std::to_string(begin) + ", " + std::to_string(end) + "]";
  if (end < begin) return make_error(where + "data_offsets " + range + " end before begin");
  if (end > data_size) {
    return make_error(where + "data_offsets " + range + " out of bounds (the data buffer has " +
                      std::to_string(data_size) + " bytes)");
  }
  const uint64_t need = numel * dtype_size(*dtype);
  if (end - begin != need) {
    return make_error(where + "data_offsets " + range + " hold " + std::to_string(end - begin) +
                      " bytes but " + std::string(dtype_name(*dtype)) + " " + shape_string(shape) +
                      " needs " + std::to_string(need));
  }
  t.name = name;
  t.dtype = *dtype;
  t.shape = std::move(shape);
  e = Entry{name, begin, end};
  return {};
}

// Tensors may leave gaps (some writers align), but no byte may belong to two tensors.
Result<void> check_overlap(std::vector<Entry> entries) {
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  const Entry* last = nullptr;  // the non-empty range reaching furthest so far
  for (const Entry& e : entries) {
    if (e.begin == e.end) continue;  // empty tensors own no bytes
    if (last && e.begin < last->end) {
      return make_error("tensors '" + last->name + "' [" + std::to_string(last->begin) + ", " +
                        std::to_string(last->end) + "] and '" + e.name + "' [" +
                        std::to_string(e.begin) + ", " + std::to_string(e.end) + "] overlap");
    }
    if (!last || e.end > last->end) last = &e;
  }
  return {};
}

Result<nlohmann::json> parse_metadata(const ordered_json& v) {
  if (!v.is_object()) return make_error("__metadata__ is " + brief(v) + ", not an object");
  nlohmann::json m = nlohmann::json::object();
  for (auto it = v.begin(); it != v.end(); ++it) {
    if (!it->is_string()) {
      return make_error("__metadata__[\"" + it.key() + "\"] is " + brief(*it) + ", not a string");
    }
    m[it.key()] = it->get<std::string>();
  }
  return m;
}

}  // namespace

Result<Model> parse_safetensors_bytes(std::span<const std::byte> bytes, const std::string& path) {
  auto fail = [&](const std::string& what) { return make_error(path + ": " + what); };
  if (bytes.size() < 8) {
    return fail("file too short for a safetensors header (" + std::to_string(bytes.size()) +
                " bytes, need at least 8)");
  }
  const uint64_t header_len = read_u64_le(bytes.data());
  if (header_len > kMaxHeaderBytes) {
    return fail("header length " + std::to_string(header_len) +
                " exceeds the 100 MB limit for safetensors headers");
  }
  if (header_len > bytes.size() - 8) {
    return fail("header length " + std::to_string(header_len) + " runs past the end of the file (" +
                std::to_string(bytes.size()) + " bytes)");
  }
  const char* text = reinterpret_cast<const char*>(bytes.data() + 8);
  const std::span<const std::byte> data = bytes.subspan(8 + header_len);

  // A callback sees each top-level key: JSON objects silently keep one of two duplicate
  // keys, and a duplicated tensor name would hide a tensor.
  std::string duplicate;
  std::unordered_set<std::string> seen;
  const ordered_json::parser_callback_t on_event = [&](int depth, ordered_json::parse_event_t event,
                                                       ordered_json& parsed) {
    if (depth == 1 && event == ordered_json::parse_event_t::key && duplicate.empty() &&
        !seen.insert(parsed.get<std::string>()).second) {
      duplicate = parsed.get<std::string>();
    }
    return true;
  };
  ordered_json header;
  try {
    header = ordered_json::parse(text, text + header_len, on_event);
  } catch (const std::exception& e) {
    return fail(std::string("invalid JSON header: ") + e.what());
  }
  if (!header.is_object()) return fail("header is " + brief(header) + ", not a JSON object");
  if (!duplicate.empty()) return fail("duplicate key '" + duplicate + "' in the header");

  Model model;
  model.path = path;
  model.format = "safetensors";
  std::vector<Entry> entries;
  for (auto it = header.begin(); it != header.end(); ++it) {
    if (it.key() == "__metadata__") {
      auto m = parse_metadata(*it);
      if (!m) return fail(m.error().message);
      model.metadata = std::move(*m);
      continue;
    }
    TensorView t;
    Entry e;
    if (auto ok = parse_entry(it.key(), *it, data.size(), t, e); !ok) {
      return fail(ok.error().message);
    }
    t.bytes = data.subspan(size_t(e.begin), size_t(e.end - e.begin));
    model.tensors.push_back(std::move(t));
    entries.push_back(std::move(e));
  }
  if (auto ok = check_overlap(std::move(entries)); !ok) return fail(ok.error().message);
  return model;
}

Result<Model> parse_safetensors(std::shared_ptr<const MappedFile> file, const std::string& path) {
  auto m = parse_safetensors_bytes(file->bytes(), path);
  if (m) m->files.push_back(std::move(file));  // the views point into this mapping
  return m;
}

Result<Model> read_safetensors(const std::string& path) {
  auto file = MappedFile::open(path);
  if (!file) return tl::unexpected(file.error());
  return parse_safetensors(std::move(*file), path);
}

// ------------------------------------------------------------------------------- writer
Result<void> write_safetensors(const std::string& path, const std::vector<OwnedTensor>& tensors,
                               const nlohmann::json& metadata) {
  auto fail = [&](const std::string& what) { return make_error(path + ": " + what); };
  ordered_json header = ordered_json::object();
  if (!metadata.is_null() && !metadata.empty()) {
    if (!metadata.is_object()) return fail("metadata must be a JSON object of strings");
    ordered_json m = ordered_json::object();
    for (auto it = metadata.begin(); it != metadata.end(); ++it) {
      if (!it->is_string()) return fail("metadata[\"" + it.key() + "\"] is not a string");
      m[it.key()] = it->get<std::string>();
    }
    header["__metadata__"] = std::move(m);  // first, as the Rust writer puts it
  }
  // Tensors keep the caller's order; their data is laid out back to back in that order.
  std::unordered_set<std::string> names;
  uint64_t offset = 0;
  for (const OwnedTensor& t : tensors) {
    const std::string where = "tensor '" + t.name + "': ";
    if (t.name.empty() || t.name == "__metadata__") return fail(where + "invalid tensor name");
    if (!names.insert(t.name).second) return fail(where + "duplicate tensor name");
    uint64_t numel = 1;
    for (int64_t d : t.shape) {
      if (d < 0 || uint64_t(d) > kMaxNumel || (d != 0 && numel > kMaxNumel / uint64_t(d))) {
        return fail(where + "invalid shape " + shape_string(t.shape));
      }
      numel *= uint64_t(d);
    }
    const uint64_t need = numel * dtype_size(t.dtype);
    if (t.data.size() != need) {
      return fail(where + "has " + std::to_string(t.data.size()) + " bytes but " +
                  std::string(dtype_name(t.dtype)) + " " + shape_string(t.shape) + " needs " +
                  std::to_string(need));
    }
    header[t.name] = {{"dtype", std::string(dtype_name(t.dtype))},
                      {"shape", t.shape},
                      {"data_offsets", {offset, offset + need}}};
    offset += need;
  }
  std::string text;
  try {
    text = header.dump();  // compact, like serde_json::to_string
  } catch (const std::exception& e) {
    return fail(std::string("cannot encode the header (tensor names must be UTF-8): ") + e.what());
  }
  // Spaces up to a multiple of 8, as the Rust writer does: the data buffer then starts
  // 8-byte aligned, so float views into a mapped file need no copy.
  text.append((8 - text.size() % 8) % 8, ' ');

  std::byte len[8];
  for (int i = 0; i < 8; ++i) len[i] = std::byte((uint64_t(text.size()) >> (8 * i)) & 0xff);
  std::vector<std::span<const std::byte>> pieces;
  pieces.push_back(len);
  pieces.push_back(std::as_bytes(std::span<const char>(text.data(), text.size())));
  for (const OwnedTensor& t : tensors) pieces.push_back(t.data);
  return write_file_atomic_pieces(path, pieces);
}

}  // namespace qs
