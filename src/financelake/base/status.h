// Status: the outcome of an operation that can fail at run time.
//
// A Status is either OK or carries a code and a human-readable message. Context is prepended as
// an error travels up ("delta: commit v42: create _delta_log/...: exists"). Cheap to copy when OK.
// Thread-compatible (a value type).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace financelake {

enum class StatusCode : int {
  kOk = 0,
  kInvalidArgument,    // bad input, flag or config
  kNotFound,           // a file, table or key does not exist
  kAlreadyExists,      // create-if-absent lost (e.g. a commit conflict)
  kFailedPrecondition, // schema or protocol mismatch
  kAborted,            // a transaction conflict that cannot be retried
  kUnavailable,        // retryable: broker down, resource busy
  kDataLoss,           // a corrupt or truncated file
  kIOError,            // the operating system refused
  kOutOfRange,         // read past the end
  kUnimplemented,      // a valid feature we do not support
  kInternal,           // a bug
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message);

  static Status OK() { return Status(); }
  static Status InvalidArgument(std::string msg) { return {StatusCode::kInvalidArgument, std::move(msg)}; }
  static Status NotFound(std::string msg) { return {StatusCode::kNotFound, std::move(msg)}; }
  static Status AlreadyExists(std::string msg) { return {StatusCode::kAlreadyExists, std::move(msg)}; }
  static Status FailedPrecondition(std::string msg) {
    return {StatusCode::kFailedPrecondition, std::move(msg)};
  }
  static Status Aborted(std::string msg) { return {StatusCode::kAborted, std::move(msg)}; }
  static Status Unavailable(std::string msg) { return {StatusCode::kUnavailable, std::move(msg)}; }
  static Status DataLoss(std::string msg) { return {StatusCode::kDataLoss, std::move(msg)}; }
  static Status IOError(std::string msg) { return {StatusCode::kIOError, std::move(msg)}; }
  static Status OutOfRange(std::string msg) { return {StatusCode::kOutOfRange, std::move(msg)}; }
  static Status Unimplemented(std::string msg) { return {StatusCode::kUnimplemented, std::move(msg)}; }
  static Status Internal(std::string msg) { return {StatusCode::kInternal, std::move(msg)}; }

  bool ok() const { return state_ == nullptr; }
  StatusCode code() const { return ok() ? StatusCode::kOk : state_->code; }
  const std::string& message() const;

  bool IsInvalidArgument() const { return code() == StatusCode::kInvalidArgument; }
  bool IsNotFound() const { return code() == StatusCode::kNotFound; }
  bool IsAlreadyExists() const { return code() == StatusCode::kAlreadyExists; }
  bool IsDataLoss() const { return code() == StatusCode::kDataLoss; }
  bool IsIOError() const { return code() == StatusCode::kIOError; }

  // Returns a copy whose message is "<context>: <message>". OK stays OK.
  Status WithContext(std::string_view context) const;

  // "InvalidArgument: message", or "OK".
  std::string ToString() const;

  bool operator==(const Status& other) const {
    return code() == other.code() && message() == other.message();
  }

 private:
  struct State {
    StatusCode code;
    std::string message;
  };
  // shared_ptr keeps copies cheap; the state is immutable once built.
  std::shared_ptr<const State> state_;
};

}  // namespace financelake

#define FL_CONCAT_IMPL(a, b) a##b
#define FL_CONCAT(a, b) FL_CONCAT_IMPL(a, b)

// Returns from the enclosing function when `expr` (a Status) is not OK.
#define FL_RETURN_NOT_OK(expr)                          \
  do {                                                  \
    ::financelake::Status _fl_st = (expr);              \
    if (!_fl_st.ok()) return _fl_st;                    \
  } while (false)

// Same, adding context to the error message.
#define FL_RETURN_NOT_OK_CTX(expr, context)             \
  do {                                                  \
    ::financelake::Status _fl_st = (expr);              \
    if (!_fl_st.ok()) return _fl_st.WithContext(context); \
  } while (false)
