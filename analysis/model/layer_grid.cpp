#include "analysis/model/layer_grid.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <string_view>

namespace qs {
namespace {

struct Parsed {
  std::string prefix, module;
  int64_t layer = -1;
};

bool is_layer_word(std::string_view w) {
  return w == "layers" || w == "layer" || w == "h" || w == "blocks" || w == "block" || w == "blk";
}

// The first component that is a layer word followed by ".N.": prefix through the word's
// dot, N, and the rest. Components are split on '.'; the word must start the name or
// follow a '.', so "fc_layers.2.w" does not match "layers" inside another word.
std::optional<Parsed> parse(const std::string& name) {
  size_t start = 0;
  while (start < name.size()) {
    const size_t dot = name.find('.', start);
    if (dot == std::string::npos) return std::nullopt;
    if (is_layer_word(std::string_view(name).substr(start, dot - start))) {
      size_t k = dot + 1;
      int64_t n = 0;
      size_t digits = 0;
      while (k < name.size() && name[k] >= '0' && name[k] <= '9' && digits < 9) n = n * 10 + (name[k++] - '0'), ++digits;
      if (digits > 0 && k + 1 < name.size() && name[k] == '.') {
        return Parsed{name.substr(0, dot + 1), name.substr(k + 1), n};
      }
    }
    start = dot + 1;
  }
  return std::nullopt;
}

std::string strip_weight(const std::string& m) {
  constexpr std::string_view kWeight = ".weight";
  if (m.size() > kWeight.size() && m.compare(m.size() - kWeight.size(), kWeight.size(), kWeight) == 0)
    return m.substr(0, m.size() - kWeight.size());
  return m;
}

// The shortest '.'-suffix of each module (without ".weight") that no other module shares:
// "self_attn.q_proj.weight" → "q_proj", but "attn.c_proj" and "mlp.c_proj" keep their parent.
std::vector<std::string> short_labels(const std::vector<std::string>& modules) {
  std::vector<std::string> base;
  for (const std::string& m : modules) base.push_back(strip_weight(m));
  std::vector<std::string> out(base.size());
  for (size_t i = 0; i < base.size(); ++i) {
    const std::string& b = base[i];
    size_t pos = b.size();
    while (true) {
      const size_t dot = pos == 0 ? std::string::npos : b.rfind('.', pos - 1);
      const std::string cand = dot == std::string::npos ? b : b.substr(dot + 1);
      const bool unique = std::none_of(base.begin(), base.end(), [&](const std::string& o) {
        return &o != &b && (o == cand || (o.size() > cand.size() && o.compare(o.size() - cand.size(), cand.size(), cand) == 0 &&
                                          o[o.size() - cand.size() - 1] == '.'));
      });
      if (unique || dot == std::string::npos) {
        out[i] = cand;
        break;
      }
      pos = dot;
    }
  }
  return out;
}

}  // namespace

std::optional<LayerGrid> layer_grid(const std::vector<std::string>& names) {
  std::vector<std::optional<Parsed>> parsed;
  std::map<std::string, std::set<int64_t>> layers_of;
  std::map<std::string, size_t> first_seen;
  for (const std::string& n : names) {
    parsed.push_back(parse(n));
    if (parsed.back()) {
      layers_of[parsed.back()->prefix].insert(parsed.back()->layer);
      first_seen.emplace(parsed.back()->prefix, first_seen.size());
    }
  }
  // The prefix with the most layers (then the first seen) is the model's stack.
  const std::string* best = nullptr;
  for (const auto& [prefix, layers] : layers_of) {
    if (layers.size() < 2) continue;
    if (!best || layers.size() > layers_of[*best].size() ||
        (layers.size() == layers_of[*best].size() && first_seen[prefix] < first_seen[*best]))
      best = &prefix;
  }
  if (!best) return std::nullopt;
  LayerGrid g;
  g.prefix = *best;
  g.layers.assign(layers_of[*best].begin(), layers_of[*best].end());
  for (const auto& p : parsed) {
    if (p && p->prefix == g.prefix && std::find(g.modules.begin(), g.modules.end(), p->module) == g.modules.end())
      g.modules.push_back(p->module);
  }
  g.labels = short_labels(g.modules);
  g.cells.assign(g.layers.size() * g.modules.size(), -1);
  for (size_t i = 0; i < names.size(); ++i) {
    const auto& p = parsed[i];
    if (!p || p->prefix != g.prefix) {
      g.rest.push_back(i);
      continue;
    }
    const size_t row = size_t(std::lower_bound(g.layers.begin(), g.layers.end(), p->layer) - g.layers.begin());
    const size_t col = size_t(std::find(g.modules.begin(), g.modules.end(), p->module) - g.modules.begin());
    int64_t& c = g.cells[row * g.modules.size() + col];
    if (c >= 0) g.rest.push_back(i);
    else c = int64_t(i);
  }
  return g;
}

std::optional<LayerGrid> layer_grid(const Model& m, const ModelAnalysis& a) {
  std::vector<std::string> names;
  for (const TensorAnalysis& t : a.tensors) names.push_back(m.tensors[t.index].name);
  return layer_grid(names);
}

std::vector<size_t> worst_cells(const LayerGrid& grid, const ModelAnalysis& a, size_t scheme, size_t k) {
  std::vector<std::pair<double, size_t>> v;
  for (size_t c = 0; c < grid.cells.size(); ++c) {
    if (grid.cells[c] < 0) continue;
    const SchemeOnTensor& r = a.tensors[size_t(grid.cells[c])].results[scheme];
    if (r.metrics && r.metrics->sqnr_db && !std::isnan(*r.metrics->sqnr_db)) v.push_back({*r.metrics->sqnr_db, c});
  }
  std::stable_sort(v.begin(), v.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
  std::vector<size_t> out;
  for (size_t i = 0; i < v.size() && i < k; ++i) out.push_back(v[i].second);
  return out;
}

std::pair<double, double> sqnr_range(const LayerGrid& grid, const ModelAnalysis& a) {
  double lo = INFINITY, hi = -INFINITY;
  for (int64_t idx : grid.cells) {
    if (idx < 0) continue;
    for (const SchemeOnTensor& s : a.tensors[size_t(idx)].results) {
      if (s.metrics && s.metrics->sqnr_db && std::isfinite(*s.metrics->sqnr_db))
        lo = std::min(lo, *s.metrics->sqnr_db), hi = std::max(hi, *s.metrics->sqnr_db);
    }
  }
  if (!(lo <= hi)) return {0.0, 1.0};
  return {lo, hi};
}

Rgb sqnr_rgb(double v, double lo, double hi) {
  // Five stops from red through yellow to green, interpolated in sRGB.
  static constexpr int kStops[5][3] = {{185, 28, 28}, {234, 88, 12}, {250, 204, 21}, {132, 204, 22}, {21, 128, 61}};
  double t = hi > lo && std::isfinite(v) ? (v - lo) / (hi - lo) : (v > lo ? 1.0 : 0.0);
  t = std::clamp(t, 0.0, 1.0) * 4;
  const int k = std::min(3, int(t));
  const double f = t - k;
  auto ch = [&](int c) { return int(std::lround(kStops[k][c] + f * (kStops[k + 1][c] - kStops[k][c]))); };
  return {ch(0), ch(1), ch(2)};
}

nlohmann::json layer_grid_json(const LayerGrid& g, const Model& m, const ModelAnalysis& a, size_t schemes) {
  using nlohmann::json;
  auto name = [&](int64_t idx) { return idx < 0 ? json(nullptr) : json(m.tensors[a.tensors[size_t(idx)].index].name); };
  json cells = json::array();
  for (size_t r = 0; r < g.rows(); ++r) {
    json row = json::array();
    for (size_t c = 0; c < g.cols(); ++c) row.push_back(name(g.at(r, c)));
    cells.push_back(row);
  }
  json worst = json::array();
  for (size_t s = 0; s < schemes; ++s) {
    json names = json::array();
    for (size_t c : worst_cells(g, a, s, kFlaggedPerScheme)) names.push_back(name(g.cells[c]));
    worst.push_back(names);
  }
  return {{"prefix", g.prefix}, {"layers", g.layers}, {"modules", g.modules}, {"labels", g.labels},
          {"cells", cells},     {"worst", worst}};
}

}  // namespace qs
