// strong_int: an integer with a name, so an epoch cannot be passed where an offset or an id is
// expected. Explicit in, explicit out (value()); compares and orders like its integer.
#pragma once

#include <compare>
#include <cstdint>

namespace sluice {

template <class Tag, class Int>
class strong_int {
 public:
  using underlying = Int;
  constexpr strong_int() = default;
  constexpr explicit strong_int(Int v) : v_(v) {}
  constexpr Int value() const { return v_; }
  constexpr strong_int next() const { return strong_int(v_ + 1); }
  friend constexpr auto operator<=>(strong_int, strong_int) = default;

 private:
  Int v_ = 0;
};

}  // namespace sluice
