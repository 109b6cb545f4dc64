#include "api/routes.h"

namespace fg::api {

std::string Caller::Actor() const { return (kind == Kind::kUser ? "user:" : "device:") + name; }

std::string_view Context::Param(std::string_view name) const {
  for (const auto& [key, value] : params) {
    if (key == name) return value;
  }
  return {};
}

}  // namespace fg::api
