// The syslog intake's raw events: what arrived, what did not parse (docs/api.md, "Syslog
// intake"). Raw lines can hold what a user typed as a name, so only admin and security read.
#pragma once

#include <functional>

#include "api/routes.h"
#include "logs/intake.h"

namespace fg::api {

// `intake` returns null while the syslog intake is off: the routes then answer an empty list
// and zero counts, so a client need not special-case it.
void AddLogRoutes(RouteTable& table, std::function<logs::Intake*()> intake);

}  // namespace fg::api
