#pragma once
// NumPy .npy v1/v2/v3: magic, version, header dict (descr, fortran_order, shape), data.
#include <string>

#include "analysis/base/error.h"
#include "analysis/formats/model.h"

namespace qs {

Result<Model> read_npy(const std::string& path);
Result<Model> parse_npy_bytes(std::span<const std::byte> bytes, const std::string& path);

}  // namespace qs
