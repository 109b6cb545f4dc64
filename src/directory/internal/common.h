// Small helpers shared by the directory's transaction code.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace fg::directory::internal {

// "person:42": the audit subject of a record.
inline std::string Subject(std::string_view kind, int64_t id) {
  return std::string(kind) + ":" + std::to_string(id);
}

inline tl::unexpected<Error> FailedPrecondition(std::string message) {
  return MakeError(ErrorCode::kFailedPrecondition, std::move(message));
}

inline tl::unexpected<Error> AlreadyExists(std::string field, std::string message) {
  return MakeError(ErrorCode::kAlreadyExists, std::move(message), std::move(field));
}

// "1 zone", "3 zones".
inline std::string Count(int64_t n, std::string_view singular, std::string_view plural) {
  return std::to_string(n) + " " + std::string(n == 1 ? singular : plural);
}

}  // namespace fg::directory::internal
