// Alerts raised by the detectors: list, read, acknowledge, resolve (docs/api.md, "Alerts").
#pragma once

#include "api/routes.h"
#include "detect/alerts.h"

namespace fg::api {

// Security and admin act on alerts; supervisors and auditors read them.
void AddAlertRoutes(RouteTable& table, detect::Alerts& alerts);

}  // namespace fg::api
