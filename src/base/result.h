// result<T, E>: a value or an error, the way every module reports failure.
//
// E is the module's own error enum (storage::errc, protocol::errc, ...); Kafka error codes appear only
// where a handler turns a module error into a response. An error carries an optional human message
// for logs and for the error_message fields of Kafka responses. Value type; no exceptions.
#pragma once

#include <string>
#include <type_traits>
#include <utility>
#include <variant>

#include "base/assert.h"

namespace sluice {

template <class E>
struct failure {
  E code;
  std::string message;
};

template <class E>
failure<E> fail(E code, std::string message = {}) {
  return failure<E>{code, std::move(message)};
}

template <class T, class E>
class [[nodiscard]] result {
 public:
  result(T value) : state_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  result(failure<E> f) : state_(std::in_place_index<1>, std::move(f)) {}  // NOLINT
  result(E code) : state_(std::in_place_index<1>, failure<E>{code, {}}) {}  // NOLINT

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    SLUICE_ASSERT(ok(), "result::value() on an error");
    return std::get<0>(state_);
  }
  const T& value() const& {
    SLUICE_ASSERT(ok(), "result::value() on an error");
    return std::get<0>(state_);
  }
  T&& value() && {
    SLUICE_ASSERT(ok(), "result::value() on an error");
    return std::get<0>(std::move(state_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  E code() const {
    SLUICE_ASSERT(!ok(), "result::code() on a value");
    return std::get<1>(state_).code;
  }
  const std::string& message() const {
    SLUICE_ASSERT(!ok(), "result::message() on a value");
    return std::get<1>(state_).message;
  }
  const failure<E>& error() const& {
    SLUICE_ASSERT(!ok(), "result::error() on a value");
    return std::get<1>(state_);
  }
  failure<E> error() && {
    SLUICE_ASSERT(!ok(), "result::error() on a value");
    return std::get<1>(std::move(state_));
  }

 private:
  std::variant<T, failure<E>> state_;
};

// result<void, E>: success or an error.
struct ok_t {};
inline constexpr ok_t ok_v{};

template <class E>
class [[nodiscard]] result<void, E> {
 public:
  result() = default;
  result(ok_t) {}  // NOLINT
  result(failure<E> f) : failed_(true), error_(std::move(f)) {}  // NOLINT
  result(E code) : failed_(true), error_{code, {}} {}  // NOLINT

  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  E code() const {
    SLUICE_ASSERT(failed_, "result::code() on success");
    return error_.code;
  }
  const std::string& message() const { return error_.message; }
  const failure<E>& error() const& { return error_; }
  failure<E> error() && { return std::move(error_); }

 private:
  bool failed_ = false;
  failure<E> error_{};
};

}  // namespace sluice
