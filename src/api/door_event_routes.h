// Door events, door states, personal-device violations, company devices and device sightings
// over HTTP (docs/api.md, "Door events and personal devices"). Issue 4.
//
// Controllers (door-controller tokens) post one event or {"events": [...]} (up to 500) and get a
// result per event, so one bad event never loses the others; sensors post sightings the same
// way. Every handler checks its role through the route table; every write is audited by the
// module in the same transaction; bad input is a 400 naming the field ("events[2].door_id").
#pragma once

#include "access/devices.h"
#include "access/door_events.h"
#include "api/routes.h"

namespace fg::api {

void AddDoorEventRoutes(RouteTable& table, access::DoorEvents& events, access::Devices& devices);

}  // namespace fg::api
