// The demo site: a small call center to explore floorguard with — one site, seven zones
// from the lobby to the server room, two campaigns, 40 employees with training (a few
// expired, one suspended, one terminated), 30 stations, 3 visitors and 2 applicants.
// Dates are relative to the directory's clock so training stays current whenever it runs.
// Idempotent: does nothing when a site named "Demo Call Center" exists. Everything goes in
// one transaction (and is audited entry by entry), so a failure leaves nothing behind.
//
//   FG_RETURN_IF_ERROR(directory::SeedDemoSite(directory, "system"));
#pragma once

#include <string_view>

#include "core/result.h"
#include "directory/directory.h"

namespace fg::directory {

inline constexpr std::string_view kDemoSiteName = "Demo Call Center";

Result<void> SeedDemoSite(Directory& directory, std::string_view actor);

}  // namespace fg::directory
