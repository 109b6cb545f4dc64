// Doors that keep working when floorguard is down, over HTTP: the signed offline cache for a
// door controller, the public key that verifies it, and the upload of decisions made offline
// (docs/api.md, "Offline cache and uploads"). A controller only ever sees and reports its own
// doors: the caller's device token name is the controller name (access::Door::controller).
#pragma once

#include "access/offline.h"
#include "api/routes.h"

namespace fg::api {

void AddAccessOfflineRoutes(RouteTable& table, access::OfflineService& offline);

}  // namespace fg::api
