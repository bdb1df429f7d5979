#pragma once
// The Heatmap view's data: a 2-D tensor (rows = shape[0], columns = everything else, so a
// conv filter [out, ...] becomes out × rest) pooled from a rectangle of elements down to
// an image of at most out_w × out_h cells, computed on the worker (the render thread only
// uploads the cells as a texture).
#include <cstdint>
#include <span>
#include <vector>

#include "analysis/quant/quantize.h"
#include "analysis/base/run_control.h"

namespace qs {

enum class HeatQuantity { AbsX, AbsError, RelError, Scale };
enum class HeatPool { Max, Mean, Min };

struct HeatmapRequest {
  int64_t rows = 1, cols = 1;         // the 2-D view of the tensor
  int64_t r0 = 0, r1 = 1, c0 = 0, c1 = 1;  // element rectangle [r0, r1) × [c0, c1)
  int out_w = 256, out_h = 256;       // at most this many cells (fewer when zoomed in)
  HeatQuantity quantity = HeatQuantity::AbsX;
  HeatPool pool = HeatPool::Max;
};

struct Heatmap {
  int w = 0, h = 0;                  // cells
  std::vector<float> cells;          // h rows of w, row-major; NaN where nothing finite
  float lo = 0, hi = 0;              // over the finite cells
  int64_t r0 = 0, r1 = 0, c0 = 0, c1 = 0;  // the rectangle the cells cover
  bool cancelled = false;
};

// Cell (i, j) pools elements r0 + ⌊i·(r1−r0)/h⌋ … r0 + ⌊(i+1)·(r1−r0)/h⌋ − 1 (likewise for
// columns). |error| and relative error (|x − x̂| / |x|, 0 where x = 0) need `xhat`;
// Scale needs `q` (each element's group scale). Non-finite elements are skipped.
Heatmap pool_heatmap(std::span<const float> x, std::span<const float> xhat, const QuantizeResult* q,
                     const HeatmapRequest& r, RunControl* control = nullptr);

// The 2-D view used for a shape: rows = shape[0] (1 for a scalar), cols = the rest.
void heatmap_dims(std::span<const int64_t> shape, int64_t* rows, int64_t* cols);

}  // namespace qs
