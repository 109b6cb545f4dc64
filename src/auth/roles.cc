#include "auth/roles.h"

#include <array>
#include <utility>

namespace fg::auth {

namespace {
constexpr std::array<std::pair<Role, std::string_view>, 9> kNames = {{
    {Role::kAdmin, "admin"},
    {Role::kSecurity, "security"},
    {Role::kSupervisor, "supervisor"},
    {Role::kAuditor, "auditor"},
    {Role::kDoorController, "door-controller"},
    {Role::kWorkstation, "workstation"},
    {Role::kPbx, "pbx"},
    {Role::kSensor, "sensor"},
    {Role::kMonitor, "monitor"},
}};
}  // namespace

std::string_view RoleName(Role role) {
  for (const auto& [r, name] : kNames) {
    if (r == role) return name;
  }
  return "unknown";
}

std::optional<Role> ParseRole(std::string_view name) {
  for (const auto& [r, n] : kNames) {
    if (n == name) return r;
  }
  return std::nullopt;
}

bool IsDeviceRole(Role role) { return !IsConsoleRole(role); }
bool IsConsoleRole(Role role) {
  return role == Role::kAdmin || role == Role::kSecurity || role == Role::kSupervisor ||
         role == Role::kAuditor;
}

}  // namespace fg::auth
