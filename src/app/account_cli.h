// `floorguard account ...` and `floorguard ban ...`: workforce accounts and source bans from
// the shell, for what an administrator
// // scripts (a locked agent at 6 a.m., a leaver's account, a forgotten password, a NAT address
// banned by mistake).
#pragma once

#include <string>

#include "app/config.h"

namespace fg::app {

// action: list, locked, unlock, disable, enable, reset. `actor` names the operator in the
// audit trail ("cli:alice"). Returns the exit code.
int AccountCommand(const Config& config, const std::string& action, const std::string& username,
                   const std::string& actor);

// action: list, lift (`source` is "address:10.0.0.5" or "station:WS-12").
int BanCommand(const Config& config, const std::string& action, const std::string& source,
               const std::string& actor);

}  // namespace fg::app
