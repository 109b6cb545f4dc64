// Physical access over HTTP: door decisions for controllers, doors and badges for security
// (docs/api.md, "Physical access").
#pragma once

#include "access/access.h"
#include "api/routes.h"

namespace fg::api {

// Decisions, doors and badges; then AddAccessRuleRoutes.
void AddAccessRoutes(RouteTable& table, access::AccessControl& access);
// Door updates, grants, zone rules (passback, PIN, hours), holidays and the passage log.
void AddAccessRuleRoutes(RouteTable& table, access::AccessControl& access);

}  // namespace fg::api
