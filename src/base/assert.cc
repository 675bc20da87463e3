#include "base/assert.h"

#include <cstdio>
#include <cstdlib>

namespace sluice::detail {

void assertion_failed(const char* expr, const char* message, const char* file, int line) {
  std::fprintf(stderr, "sluice: invariant violated at %s:%d: %s (%s)\n", file, line, message, expr);
  std::fflush(stderr);
  std::abort();
}

}  // namespace sluice::detail
