// ember::Error and the EMBER_CHECK macro: user-facing errors that name the op and the values.
#pragma once

#include <cstdint>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace ember {

// Everything ember throws for bad input. what() starts with the op name, e.g.
// "matmul: shapes [2, 3] and [4, 5] cannot be multiplied (3 != 4)".
class Error : public std::runtime_error {
public:
  explicit Error(const std::string &message) : std::runtime_error(message) {}
};

// Thrown for an index out of range (Python maps it to IndexError).
class IndexError : public Error {
public:
  using Error::Error;
};

// Thrown for a wrong type of argument (Python maps it to TypeError).
class TypeError : public Error {
public:
  using Error::Error;
};

// Shapes print as [2, 3]; declared here so that error messages can include them.
std::ostream &operator<<(std::ostream &out, const std::vector<int64_t> &values);

namespace detail {
template <typename... Args> std::string concat(Args &&...args) {
  std::ostringstream out;
  (out << ... << std::forward<Args>(args));
  return out.str();
}
} // namespace detail

} // namespace ember

// Throws ember::Error with the concatenated message when cond is false.
#define EMBER_CHECK(cond, ...)                                                                     \
  do {                                                                                             \
    if (!(cond)) [[unlikely]]                                                                      \
      throw ::ember::Error(::ember::detail::concat(__VA_ARGS__));                                  \
  } while (0)

// Same, for a given subclass of ember::Error.
#define EMBER_CHECK_T(type, cond, ...)                                                             \
  do {                                                                                             \
    if (!(cond)) [[unlikely]]                                                                      \
      throw ::ember::type(::ember::detail::concat(__VA_ARGS__));                                   \
  } while (0)

// An internal invariant: failing it is a bug in ember, not in the caller.
#define EMBER_INTERNAL_ASSERT(cond)                                                                \
  do {                                                                                             \
    if (!(cond)) [[unlikely]]                                                                      \
      throw ::ember::Error(::ember::detail::concat("internal error (please report): ", #cond,     \
                                                   " at ", __FILE__, ":", __LINE__));              \
  } while (0)
