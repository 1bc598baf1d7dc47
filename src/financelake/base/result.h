// Result<T>: either a value or a non-OK Status (arrow's Result, without exceptions).
#pragma once

#include <cstdlib>
#include <optional>
#include <utility>

#include "financelake/base/check.h"
#include "financelake/base/status.h"

namespace financelake {

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Status status) : status_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    FL_CHECK(!status_.ok() && "Result built from an OK status");
  }

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }

  const T& value() const& {
    FL_CHECK(ok());
    return *value_;
  }
  T& value() & {
    FL_CHECK(ok());
    return *value_;
  }
  T&& value() && {
    FL_CHECK(ok());
    return std::move(*value_);
  }
  T ValueOr(T fallback) const& { return ok() ? *value_ : std::move(fallback); }

  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

  // Same value or error, with context prepended to the error.
  Result<T> WithContext(std::string_view context) && {
    if (ok()) return std::move(*this);
    return status_.WithContext(context);
  }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace financelake

#define FL_ASSIGN_OR_RETURN_IMPL(tmp, lhs, rexpr) \
  auto tmp = (rexpr);                             \
  if (!tmp.ok()) return tmp.status();             \
  lhs = std::move(tmp).value()

// `lhs` = value of `rexpr` (a Result), or return its error from the enclosing function.
#define FL_ASSIGN_OR_RETURN(lhs, rexpr) \
  FL_ASSIGN_OR_RETURN_IMPL(FL_CONCAT(_fl_result_, __LINE__), lhs, rexpr)

#define FL_ASSIGN_OR_RETURN_CTX_IMPL(tmp, lhs, rexpr, context)       \
  auto tmp = (rexpr);                                                \
  if (!tmp.ok()) return tmp.status().WithContext(context);           \
  lhs = std::move(tmp).value()

#define FL_ASSIGN_OR_RETURN_CTX(lhs, rexpr, context) \
  FL_ASSIGN_OR_RETURN_CTX_IMPL(FL_CONCAT(_fl_result_, __LINE__), lhs, rexpr, context)
