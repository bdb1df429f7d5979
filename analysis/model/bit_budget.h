#pragma once
// Bit budget planner (issue #7): given each tensor's cost (bits) and error (Σ(x − x̂)²)
// under each candidate scheme, choose one scheme per tensor within an average
// bits/weight budget.
//
//  - PooledSqnr: maximize the model's pooled SQNR = 10·log10(Σx² / Σerr²), i.e. minimize
//    Σerr² subject to Σbits ≤ budget: a multiple-choice knapsack. Solved by the
//    Lagrangian / convex-hull greedy: each tensor's candidates are reduced to the lower
//    convex hull of (bits, err²); starting from every tensor's cheapest point, hull
//    upgrades are taken in decreasing order of error removed per bit while they fit.
//    The result is optimal whenever the budget ends on a step boundary (then it solves
//    the LP relaxation exactly); otherwise it is within the one step that did not fit,
//    and `bound_sqnr_db` reports the LP relaxation's value, an upper bound on the optimum.
//  - WorstTensor: maximize the smallest per-tensor SQNR. Exact: the largest threshold t
//    (among the candidates' SQNRs) for which every tensor's cheapest scheme reaching t
//    fits the budget (cost is monotone in t, so a binary search finds it).
#include <cstdint>
#include <limits>
#include <vector>

#include "analysis/base/error.h"

namespace qs {

struct BudgetOption {
  double bits = 0;    // total bits this tensor costs under the scheme
  double err2 = 0;    // Σ (x − x̂)² over its finite elements
  bool valid = true;  // false: the scheme does not apply to this tensor
};

struct BudgetTensor {
  int64_t numel = 0;
  double sum_x2 = 0;                 // Σ x² (the same for every scheme)
  std::vector<BudgetOption> options;  // one per candidate scheme
};

enum class BudgetObjective { PooledSqnr, WorstTensor };

struct BudgetPlan {
  std::vector<int> choice;   // candidate index per tensor
  double total_bits = 0;
  double bits_per_weight = 0;
  double pooled_sqnr_db = 0;
  double worst_sqnr_db = 0;
  double bound_sqnr_db = std::numeric_limits<double>::infinity();  // PooledSqnr: LP bound
};

// An error when no choice fits the budget (names the smallest possible bits/weight) or a
// tensor has no valid option.
Result<BudgetPlan> plan_budget(const std::vector<BudgetTensor>& tensors, double target_bits_per_weight,
                               BudgetObjective objective);

// SQNR in dB of one tensor under one option (+inf for zero error).
double option_sqnr_db(const BudgetTensor& t, const BudgetOption& o);

}  // namespace qs
