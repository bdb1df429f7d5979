#pragma once
// The layer × module grid of a transformer's tensors. LLM checkpoints name their weights
// by layer ("model.layers.17.self_attn.q_proj.weight", "transformer.h.3.mlp.c_fc.weight",
// "blk.12.ffn_down.weight"); a report of 700 tensors as one bar each is pages long, while
// a grid with one row per layer and one column per module shows at a glance which
// projection of which layer quantizes worst. Tensors that follow no layer pattern (the
// embeddings, the final norm, the head) stay in a list of their own.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/model/model_analysis.h"

namespace qs {

struct LayerGrid {
  std::string prefix;                 // the names' common text before the layer index: "model.layers."
  std::vector<int64_t> layers;        // rows: the layer indices, ascending
  std::vector<std::string> modules;   // columns, in first-appearance order: "self_attn.q_proj.weight"
  std::vector<std::string> labels;    // short column labels: "q_proj" (the shortest unique suffix, no ".weight")
  std::vector<int64_t> cells;         // rows × columns, row-major: an index into the names, or −1
  std::vector<size_t> rest;           // the names outside the grid, in order

  size_t rows() const { return layers.size(); }
  size_t cols() const { return modules.size(); }
  int64_t at(size_t row, size_t col) const { return cells[row * modules.size() + col]; }
};

// The grid of the names (in order) when at least 2 layers share one layer pattern: a
// component "layers", "layer", "h", "blocks", "block" or "blk" followed by ".N." (N
// decimal). The most common prefix wins; names under another prefix, and a second name
// for a taken (layer, module) cell, go to `rest`. nullopt when no pattern has 2 layers.
std::optional<LayerGrid> layer_grid(const std::vector<std::string>& names);

// The grid of a model analysis's tensors (names from the model).
std::optional<LayerGrid> layer_grid(const Model& m, const ModelAnalysis& a);

// Per scheme, the cells to mark: the `k` grid cells with the lowest SQNR (an index into
// grid.cells), lowest first; cells with no SQNR are skipped.
std::vector<size_t> worst_cells(const LayerGrid& grid, const ModelAnalysis& a, size_t scheme, size_t k);

// The SQNR range of the grid's cells over every scheme (finite values; [0, 1] when there
// is none): one colour scale for all schemes, so switching schemes shows the change.
std::pair<double, double> sqnr_range(const LayerGrid& grid, const ModelAnalysis& a);

// The grid's colour scale, shared by report.html and the Model view: an SQNR on [lo, hi]
// from red (low) through yellow to green (high), as 8-bit RGB.
struct Rgb {
  int r = 0, g = 0, b = 0;
};
Rgb sqnr_rgb(double v, double lo, double hi);

// {"prefix", "layers", "modules", "labels", "cells": rows × [tensor name or null],
// "worst": per scheme [tensor names, lowest SQNR first]} for report.json and the GUI's
// state dump (`a`'s tensors index `m`'s; the grid was made from them).
nlohmann::json layer_grid_json(const LayerGrid& g, const Model& m, const ModelAnalysis& a, size_t schemes);

}  // namespace qs
