#include <algorithm>
#include <string>

#include "analysis/quant/quantize.h"
#include "analysis/presets/preset.h"

namespace qs {

int64_t GroupLayout::group_of(int64_t i) const {
  switch (granularity) {
    case Granularity::Tensor: return 0;
    case Granularity::Channel: return (i / inner) % dim;
    case Granularity::Block: return (i / cols) * blocks_per_row + (i % cols) / block;
  }
  return 0;
}

int64_t GroupLayout::run_length(int64_t i) const {
  switch (granularity) {
    case Granularity::Tensor: return numel - i;
    case Granularity::Channel: return inner - i % inner;
    case Granularity::Block: {
      const int64_t col = i % cols;
      const int64_t block_end = std::min(cols, (col / block + 1) * block);
      return block_end - col;
    }
  }
  return 1;
}

Result<GroupLayout> make_layout(std::span<const int64_t> shape, const Scheme& s) {
  if (s.kind == Kind::Preset) {
    // The preset's own grouping, expressed as a generic layout (bitsandbytes' blocks run
    // over the flattened tensor: one row of numel elements).
    if (auto fits = preset_fits(s.preset, shape); !fits) return tl::unexpected(fits.error());
    const PresetInfo& info = preset_info(s.preset);
    Scheme g;
    int64_t numel = 1;
    for (int64_t d : shape) numel *= d;
    const int64_t flat[1] = {numel};
    switch (info.groups) {
      case PresetGroups::Tensor: g.granularity = Granularity::Tensor; break;
      case PresetGroups::Channel0: g.granularity = Granularity::Channel, g.axis = 0; break;
      case PresetGroups::RowBlocks:
      case PresetGroups::RowBlocksPadded: g.granularity = Granularity::Block, g.block = info.block; break;
      case PresetGroups::FlatBlocks:
        g.granularity = Granularity::Block, g.block = preset_block(s.preset, shape);  // quanto: per shape
        return make_layout(flat, g);
    }
    return make_layout(shape, g);
  }
  if (has_transform(s))
    if (auto fits = transform_fits(s.transform, shape); !fits) return tl::unexpected(fits.error());
  GroupLayout L;
  L.granularity = s.granularity;
  int64_t numel = 1;
  for (int64_t d : shape) {
    if (d < 0) return make_error("shape has a negative dimension");
    numel *= d;
  }
  L.numel = numel;
  switch (s.granularity) {
    case Granularity::Tensor: L.groups = numel > 0 ? 1 : 0; break;
    case Granularity::Channel: {
      const int rank = int(shape.size());
      if (rank == 0) {
        L.dim = 1;
        L.inner = 1;
      } else {
        const int axis = s.axis < 0 ? s.axis + rank : s.axis;
        if (axis < 0 || axis >= rank) {
          return make_error("axis=" + std::to_string(s.axis) + " is out of range for a rank-" +
                            std::to_string(rank) + " tensor (allowed: " +
                            std::to_string(-rank) + ".." + std::to_string(rank - 1) + ")");
        }
        L.dim = shape[size_t(axis)];
        L.inner = 1;
        for (int d = axis + 1; d < rank; ++d) L.inner *= shape[size_t(d)];
      }
      L.groups = numel > 0 ? L.dim : 0;
      if (L.inner == 0) L.inner = 1;
      break;
    }
    case Granularity::Block: {
      L.cols = shape.empty() ? 1 : shape.back();
      L.block = s.block;
      if (L.cols <= 0 || numel == 0) {
        L.cols = 1;
        L.blocks_per_row = 1;
        L.groups = 0;
      } else {
        L.blocks_per_row = (L.cols + L.block - 1) / L.block;
        L.groups = (numel / L.cols) * L.blocks_per_row;
      }
      break;
    }
  }
  return L;
}

}  // namespace qs
