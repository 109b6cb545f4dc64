// Roles: who a caller is allowed to be. Console roles belong to people logged in through the
// console; device roles belong to machines holding a device token.
#pragma once

#include <optional>
#include <string_view>

namespace fg::auth {

enum class Role {
  kAdmin,           // manages console users, tokens and everything else
  kSecurity,        // security officer: directory, zones, investigations
  kSupervisor,      // floor supervisor: campaigns, training, who is where
  kAuditor,         // read-only, including the audit trail
  kDoorController,  // device: asks for door decisions
  kWorkstation,     // device: asks for logon decisions for one station
  kPbx,             // device: reports calls
  kSensor,          // device: reports sightings
  kMonitor,         // device: scrapes /metrics
};

std::string_view RoleName(Role role);
std::optional<Role> ParseRole(std::string_view name);
bool IsDeviceRole(Role role);
bool IsConsoleRole(Role role);

}  // namespace fg::auth
