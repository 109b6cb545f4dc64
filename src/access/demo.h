// access/demo.h: doors and badges for the demo site (directory/demo.h), so a fresh
// `floorguard serve --demo` has a building to badge through: a street entrance to the lobby,
// doors to the break room, the production floor, both campaign areas, the training room and
// the server room (hard anti-passback, PIN), and a badge "w26:100:<1000 + person id>" for
// every person of the demo site. Idempotent: does nothing when any door exists, or when the
// demo site is missing.
//
//   FG_RETURN_IF_ERROR(access::SeedDemoAccess(access, directory, "system"));
#pragma once

#include <string_view>

#include "access/access.h"

namespace fg::access {

Result<void> SeedDemoAccess(AccessControl& access, directory::Directory& directory,
                            std::string_view actor);

}  // namespace fg::access
