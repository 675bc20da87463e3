// Always-on invariant checks: a broken invariant logs where and why, then aborts.
// Not for input validation (bad input is an error value), only for "cannot happen" states.
#pragma once

namespace sluice::detail {
[[noreturn]] void assertion_failed(const char* expr, const char* message, const char* file, int line);
}

#define SLUICE_ASSERT(expr, message)                                            \
  do {                                                                          \
    if (!(expr)) [[unlikely]]                                                   \
      ::sluice::detail::assertion_failed(#expr, (message), __FILE__, __LINE__); \
  } while (false)
