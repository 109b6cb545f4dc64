#include "access/demo.h"

#include <map>

#include "directory/demo.h"

namespace fg::access {

Result<void> SeedDemoAccess(AccessControl& access, directory::Directory& directory,
                            std::string_view actor) {
  FG_ASSIGN_OR_RETURN(auto doors, access.ListDoors());
  if (!doors.empty()) return {};
  FG_ASSIGN_OR_RETURN(auto sites, directory.ListSites({}, directory::kMaxListLimit));
  std::optional<int64_t> site_id;
  for (const auto& s : sites.items) {
    if (s.name == directory::kDemoSiteName) site_id = s.id;
  }
  if (!site_id) return {};

  std::map<std::string, int64_t> zone;  // by name
  FG_ASSIGN_OR_RETURN(auto zones,
                      directory.ListZones({.site_id = *site_id}, directory::kMaxListLimit));
  for (const auto& z : zones.items) zone[z.name] = z.id;
  if (!zone.contains("Street")) {
    FG_ASSIGN_OR_RETURN(auto street, directory.CreateZone(
                                         {.site_id = *site_id,
                                          .name = "Street",
                                          .classification = directory::ZoneClassification::kPublic},
                                         actor));
    zone["Street"] = street.id;
  }
  struct DemoDoor {
    const char* name;
    const char* from;
    const char* to;
    const char* reader;
    const char* controller;
  };
  constexpr DemoDoor kDoors[] = {
      {"Main entrance", "Street", "Lobby / front desk", "main", "dc-front"},
      {"Break room", "Lobby / front desk", "Break room and lockers", "break", "dc-front"},
      {"Floor entrance", "Lobby / front desk", "Production floor", "floor", "dc-floor"},
      {"Campaign A", "Production floor", "Campaign A area", "area-a", "dc-floor"},
      {"Campaign B", "Production floor", "Campaign B area", "area-b", "dc-floor"},
      {"Training room", "Lobby / front desk", "Training room", "training", "dc-front"},
      {"Server room", "Production floor", "Server room", "server", "dc-server"},
  };
  for (const DemoDoor& d : kDoors) {
    if (!zone.contains(d.from) || !zone.contains(d.to)) continue;
    FG_RETURN_IF_ERROR(access
                           .CreateDoor({.name = d.name,
                                        .from_zone_id = zone[d.from],
                                        .to_zone_id = zone[d.to],
                                        .entry_reader_id = std::string(d.reader) + "-in",
                                        .exit_reader_id = std::string(d.reader) + "-out",
                                        .controller = d.controller},
                                       actor)
                           .transform([](auto) {}));
  }
  if (zone.contains("Production floor")) {
    FG_RETURN_IF_ERROR(
        access
            .UpdateZoneSettings(zone["Production floor"], {.passback = PassbackMode::kSoft}, actor)
            .transform([](auto) {}));
  }
  if (zone.contains("Server room")) {
    FG_RETURN_IF_ERROR(
        access
            .UpdateZoneSettings(zone["Server room"],
                                {.passback = PassbackMode::kHard, .pin_required = true}, actor)
            .transform([](auto) {}));
  }

  int64_t after = 0;
  for (;;) {
    FG_ASSIGN_OR_RETURN(auto page, directory.ListPeople({}, directory::kMaxListLimit, after));
    for (const auto& p : page.items) {
      if (p.status == directory::PersonStatus::kTerminated) continue;
      FG_RETURN_IF_ERROR(access
                             .CreateBadge({.credential = "w26:100:" + std::to_string(1000 + p.id),
                                           .person_id = p.id},
                                          actor)
                             .transform([](auto) {}));
    }
    if (!page.next_after_id) break;
    after = *page.next_after_id;
  }
  return {};
}

}  // namespace fg::access
