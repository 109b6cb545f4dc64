// Physical access over HTTP: door decisions for controllers, doors and badges for security
// (docs/api.md, "Physical access"). First slice of issue 4.
#pragma once

#include "access/access.h"
#include "api/routes.h"

namespace fg::api {

void AddAccessRoutes(RouteTable& table, access::AccessControl& access);

}  // namespace fg::api
