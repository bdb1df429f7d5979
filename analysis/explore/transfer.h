#pragma once
// The transfer function x → x̂ of one group, as steps: what the Error view draws as the
// staircase (x̂ vs x) and the sawtooth (x̂ − x vs x), computed from the group's levels
// and clip range instead of from the data, so it is exact at any zoom.
//
// Rounding to nearest puts the boundary between two neighbouring levels at their
// midpoint (which side an exact midpoint goes to depends on the tie rule: a single
// point, not drawn). Values beyond the clip range are clamped first, so they land on
// the level nearest the clip bound: the flat ends of the staircase.
#include <span>
#include <vector>

namespace qs {

struct TransferStep {
  double x0 = 0, x1 = 0;  // [x0, x1) maps to `level`
  float level = 0;
};

// Steps covering [view_lo, view_hi] for ascending `levels` and the clip range
// [clip_lo, clip_hi] (pass ±inf for none). Empty when levels is empty.
std::vector<TransferStep> transfer_steps(std::span<const float> levels, double clip_lo, double clip_hi,
                                         double view_lo, double view_hi);

// The largest gap between neighbouring levels among those that values in [lo, hi] round
// to (for the error histogram's range: rounding errors stay within half of it).
double largest_gap_within(std::span<const float> levels, double lo, double hi);

}  // namespace qs
