// unique_function: a move-only, one-shot callable, so a completion can own move-only state (a
// handlers::responder waiting for a coordinator or controller decision). Calling an empty or
// already-called unique_function is a programming error and aborts. Value type, no
// synchronisation: whoever holds it calls it.
#pragma once

#include <memory>
#include <type_traits>
#include <utility>

#include "base/assert.h"

namespace sluice {

template <class Signature>
class unique_function;

template <class R, class... Args>
class unique_function<R(Args...)> {
 public:
  unique_function() = default;
  template <class F, class = std::enable_if_t<!std::is_same_v<std::decay_t<F>, unique_function>>>
  unique_function(F f)  // NOLINT: implicit, like std::function
      : impl_(std::make_unique<model<std::decay_t<F>>>(std::move(f))) {}

  unique_function(unique_function&&) noexcept = default;
  unique_function& operator=(unique_function&&) noexcept = default;
  unique_function(const unique_function&) = delete;
  unique_function& operator=(const unique_function&) = delete;

  explicit operator bool() const { return impl_ != nullptr; }

  // Calls the target and leaves this empty (one-shot).
  R operator()(Args... args) {
    SLUICE_ASSERT(impl_ != nullptr, "empty or already-called unique_function");
    auto impl = std::move(impl_);
    return impl->call(std::forward<Args>(args)...);
  }

 private:
  struct concept_t {
    virtual ~concept_t() = default;
    virtual R call(Args... args) = 0;
  };
  template <class F>
  struct model final : concept_t {
    explicit model(F f) : fn(std::move(f)) {}
    R call(Args... args) override { return fn(std::forward<Args>(args)...); }
    F fn;
  };
  std::unique_ptr<concept_t> impl_;
};

}  // namespace sluice
