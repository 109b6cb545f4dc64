// The directory's HTTP routes: /api/v1/people, /campaigns, /training, /sites, /zones and
// /stations (list, create, get, patch, delete each) and /api/v1/directory/counts.
// JSON in and out as docs/api.md describes; every rule is the directory module's.
#pragma once

#include "api/routes.h"
#include "directory/directory.h"

namespace fg::api {

void AddDirectoryRoutes(RouteTable& table, directory::Directory& directory);

}  // namespace fg::api
