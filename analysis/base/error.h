#pragma once
// Errors at the edges (file readers, spec parser, CLI args) are values with a human
// message; the core assumes validated input.
#include <string>
#include <utility>

#include <tl/expected.hpp>

namespace qs {

struct Error {
  std::string message;  // names the file/key and the problem, ready to show a user
};

template <class T>
using Result = tl::expected<T, Error>;

inline tl::unexpected<Error> make_error(std::string message) {
  return tl::unexpected<Error>(Error{std::move(message)});
}

}  // namespace qs
