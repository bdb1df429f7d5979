// Sharded safetensors: the index names the shards; each shard is an ordinary safetensors
// file read by read_safetensors, then the tensor lists are joined in shard order.
#include "analysis/formats/sharded_safetensors.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <system_error>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "analysis/formats/safetensors.h"

namespace qs {
namespace fs = std::filesystem;

namespace {

// Real indexes are a few hundred KB (one line per tensor); anything far bigger is not one.
constexpr size_t kMaxIndexBytes = 64u << 20;
constexpr std::string_view kIndexSuffix = ".safetensors.index.json";

bool ends_with(std::string_view s, std::string_view tail) {
  return s.size() >= tail.size() && s.substr(s.size() - tail.size()) == tail;
}

// A shard must be a plain file name in the index's directory: no separators, no "..".
bool plain_file_name(const std::string& s) {
  return !s.empty() && s != "." && s != ".." && s.find('/') == std::string::npos &&
         s.find('\\') == std::string::npos && s.find('\0') == std::string::npos;
}

struct Index {
  nlohmann::json metadata = nlohmann::json::object();
  std::vector<std::pair<std::string, std::string>> weight_map;  // tensor → shard, file order
};

Result<Index> parse_index(std::span<const std::byte> bytes, const std::string& path) {
  auto fail = [&](const std::string& what) { return make_error(path + ": " + what); };
  if (bytes.size() > kMaxIndexBytes) return fail("too large for a safetensors index");
  nlohmann::ordered_json j;
  try {
    j = nlohmann::ordered_json::parse(reinterpret_cast<const char*>(bytes.data()),
                                      reinterpret_cast<const char*>(bytes.data()) + bytes.size());
  } catch (const std::exception& e) {
    return fail(std::string("not valid JSON: ") + e.what());
  }
  if (!j.is_object()) return fail("a safetensors index must be a JSON object");
  const auto wm = j.find("weight_map");
  if (wm == j.end()) {
    return fail("JSON without \"weight_map\": not a safetensors index (model.safetensors.index.json)");
  }
  if (!wm->is_object() || wm->empty()) return fail("\"weight_map\" must be a non-empty object");
  Index idx;
  for (auto it = wm->begin(); it != wm->end(); ++it) {
    if (!it->is_string()) return fail("weight_map[\"" + it.key() + "\"] is not a file name");
    const std::string shard = it->get<std::string>();
    if (!plain_file_name(shard)) {
      return fail("weight_map[\"" + it.key() + "\"] names \"" + shard +
                  "\", which is not a file in the index's directory");
    }
    idx.weight_map.emplace_back(it.key(), shard);
  }
  if (const auto md = j.find("metadata"); md != j.end() && md->is_object()) {
    idx.metadata = nlohmann::json::parse(md->dump());
  }
  return idx;
}

Result<Index> load_index(const std::string& path) {
  auto file = MappedFile::open(path);
  if (!file) return tl::unexpected(file.error());
  return parse_index((*file)->bytes(), path);
}

}  // namespace

bool looks_like_json_object(std::span<const std::byte> b) {
  for (std::byte c : b) {
    const char ch = char(c);
    if (ch == ' ' || ch == '\n' || ch == '\r' || ch == '\t') continue;
    return ch == '{';
  }
  return false;
}

Result<Model> read_sharded_safetensors(const std::string& index_path) {
  auto idx = load_index(index_path);
  if (!idx) return tl::unexpected(idx.error());
  const fs::path dir = fs::path(index_path).parent_path();

  // Shards in name order (model-00001-of-N, ...), each read once.
  std::set<std::string> shard_names;
  for (const auto& [tensor, shard] : idx->weight_map) shard_names.insert(shard);

  Model model;
  model.path = index_path;
  model.format = "safetensors";
  nlohmann::json shards = nlohmann::json::array();
  std::unordered_map<std::string, size_t> where;  // tensor → index in model.tensors
  std::unordered_map<std::string, std::string> shard_of;
  for (const std::string& name : shard_names) {
    const std::string shard_path = (dir / name).string();
    std::error_code ec;
    if (!fs::exists(shard_path, ec)) {
      return make_error(index_path + ": shard " + name + " is missing (expected at " + shard_path + ")");
    }
    auto part = read_safetensors(shard_path);
    if (!part) return make_error(index_path + ": shard " + name + ": " + part.error().message);
    if (model.tensors.empty() && !part->metadata.empty()) model.metadata["__metadata__"] = part->metadata;
    for (TensorView& t : part->tensors) {
      if (where.count(t.name)) {
        return make_error(index_path + ": tensor '" + t.name + "' is in both " + shard_of[t.name] +
                          " and " + name);
      }
      where[t.name] = model.tensors.size();
      shard_of[t.name] = name;
      model.tensors.push_back(std::move(t));
    }
    for (auto& f : part->files) model.files.push_back(std::move(f));
    shards.push_back(name);
  }
  for (const auto& [tensor, shard] : idx->weight_map) {
    const auto it = shard_of.find(tensor);
    if (it == shard_of.end()) {
      return make_error(index_path + ": the index puts tensor '" + tensor + "' in " + shard +
                        ", which does not contain it");
    }
    if (it->second != shard) {
      return make_error(index_path + ": the index puts tensor '" + tensor + "' in " + shard +
                        " but it is in " + it->second);
    }
  }
  model.metadata["index"] = idx->metadata;
  model.metadata["shards"] = std::move(shards);
  return model;
}

std::optional<std::string> find_index_for_shard(const std::string& shard_path) {
  const fs::path p(shard_path);
  const std::string name = p.filename().string();
  std::error_code ec;
  fs::directory_iterator it(p.parent_path().empty() ? fs::path(".") : p.parent_path(), ec);
  if (ec) return std::nullopt;
  std::vector<std::string> candidates;
  for (const fs::directory_entry& e : it) {
    const std::string f = e.path().filename().string();
    if (ends_with(f, kIndexSuffix)) candidates.push_back(e.path().string());
  }
  std::sort(candidates.begin(), candidates.end());
  for (const std::string& c : candidates) {
    auto idx = load_index(c);
    if (!idx) continue;
    for (const auto& [tensor, shard] : idx->weight_map) {
      if (shard == name) return c;
    }
  }
  return std::nullopt;
}

std::optional<std::string> find_index_in_directory(const std::string& dir) {
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec) return std::nullopt;
  std::vector<std::string> found;
  for (const fs::directory_entry& e : it) {
    if (ends_with(e.path().filename().string(), kIndexSuffix)) found.push_back(e.path().string());
  }
  if (found.size() != 1) return std::nullopt;
  return found.front();
}

}  // namespace qs
