#pragma once
// The values a scheme can produce for one group (its representable levels): what the
// Distribution view draws on the value axis and what learners count.
#include <vector>

#include "analysis/quant/quant_math.h"
#include "analysis/quant/scheme.h"

namespace qs {

// Every finite x̂ the scheme can output for a group with params `p`, ascending, without
// duplicates (+0 and -0 are one level). Computed with the same float32 arithmetic as
// quantize_element, so each level equals some x̂ bit for bit.
//   absmax: q·s for q in [qmin, qmax]; minmax: (q - z)·s or q·s + m; nf4: code·s;
//   float casts: every finite value of the format (times s when scale=absmax).
std::vector<float> representable_levels(const Scheme& s, const GroupParams& p);

}  // namespace qs
