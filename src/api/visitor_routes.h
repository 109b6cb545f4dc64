// The front desk, lockers, muster and occupancy over HTTP (docs/api.md, "Visitors, lockers,
// muster"). Check-in/out and locker changes for admin, security and supervisor (there is no
// separate front-desk role); reads, photos and the muster for every console role.
#pragma once

#include "access/access.h"
#include "access/lockers.h"
#include "access/muster.h"
#include "access/visitors.h"
#include "api/routes.h"

namespace fg::api {

void AddVisitorRoutes(RouteTable& table, access::VisitorDesk& desk, access::Lockers& lockers,
                      access::Muster& muster);

}  // namespace fg::api
