// Result<T>: the value of an operation that can fail in an expected way.
//
// A Result holds either a T or an Error{code, message}. Codes follow Abseil's canonical
// set; only src/api maps them to HTTP statuses. A deny is not an error: an Error means
// "could not decide", and the caller then fails closed.
//
//   Result<Person> person = directory.GetPerson(id);
//   if (!person) return person.error();
//   FG_ASSIGN_OR_RETURN(auto user, users.Find(name));
#pragma once

#include <string>
#include <string_view>
#include <tl/expected.hpp>
#include <utility>

namespace fg {

enum class ErrorCode {
  kInvalidArgument,     // the caller sent something malformed; retrying will not help
  kUnauthenticated,     // no or bad credentials
  kPermissionDenied,    // authenticated, but the role may not do this
  kNotFound,            // the named thing does not exist
  kAlreadyExists,       // a unique key is taken
  kFailedPrecondition,  // the system is not in a state that allows this (e.g. newer schema)
  kResourceExhausted,   // a limit was hit (body size, queue full, disk full)
  kUnavailable,         // transient: try again later
  kDataLoss,            // stored data is corrupt or was tampered with
  kInternal,            // a bug or an unexpected library failure
};

std::string_view ErrorCodeName(ErrorCode code);

struct Error {
  ErrorCode code;
  std::string message;
  // For kInvalidArgument: the input field at fault ("name", "zones[2].parent_id").
  std::string field;

  std::string ToString() const;
};

template <typename T>
using Result = tl::expected<T, Error>;

inline tl::unexpected<Error> MakeError(ErrorCode code, std::string message,
                                       std::string field = {}) {
  return tl::unexpected<Error>(Error{code, std::move(message), std::move(field)});
}
inline tl::unexpected<Error> InvalidArgument(std::string field, std::string message) {
  return MakeError(ErrorCode::kInvalidArgument, std::move(message), std::move(field));
}
inline tl::unexpected<Error> NotFound(std::string message) {
  return MakeError(ErrorCode::kNotFound, std::move(message));
}
inline tl::unexpected<Error> Internal(std::string message) {
  return MakeError(ErrorCode::kInternal, std::move(message));
}

}  // namespace fg

#define FG_CONCAT_INNER(a, b) a##b
#define FG_CONCAT(a, b) FG_CONCAT_INNER(a, b)

// Returns the error of a Result-valued expression from the enclosing function.
#define FG_RETURN_IF_ERROR(expr)                                             \
  do {                                                                       \
    auto fg_status_ = (expr);                                                \
    if (!fg_status_) return tl::unexpected<::fg::Error>(fg_status_.error()); \
  } while (false)

// Declares `lhs` from a Result-valued expression, or returns its error.
#define FG_ASSIGN_OR_RETURN(lhs, expr) \
  FG_ASSIGN_OR_RETURN_IMPL(FG_CONCAT(fg_result_, __LINE__), lhs, expr)
#define FG_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr)                        \
  auto tmp = (expr);                                                    \
  if (!tmp) return tl::unexpected<::fg::Error>(std::move(tmp).error()); \
  lhs = std::move(*tmp)
