#pragma once
// Short labels shared by the tables of the browser and the Model view.
#include <cstdint>
#include <span>
#include <string>

namespace qs::app {

std::string human_count(int64_t n);                       // 16.8M, 524k, 4608
std::string compact_shape(std::span<const int64_t> shape);  // "4096×4096", "scalar"

}  // namespace qs::app
