// The identity module's HTTP routes, as docs/api.md describes them: the workstation calls
// (/api/v1/logon, /logoff, /lock, /unlock, /heartbeat, /logon/password; device role
// workstation, the station taken from the token), badge presence (/api/v1/presence), workforce
// accounts (/api/v1/accounts...), and the reports (/api/v1/floor, station and person
// histories, failed logons, locked accounts), each also as CSV with ?format=csv.
// A deny is a 200 answer with "decision": "deny"; secrets appear only once, when created.
#pragma once

#include "api/routes.h"
#include "directory/directory.h"
#include "identity/identity.h"

namespace fg::api {

void AddIdentityRoutes(RouteTable& table, identity::Identity& identity,
                       directory::Directory& directory);

}  // namespace fg::api
