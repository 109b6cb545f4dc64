// Places: sites, the zones inside them (a tree per site) and the stations placed in zones.
#include "directory/directory.h"
#include "directory/internal/common.h"
#include "directory/internal/details.h"
#include "directory/internal/rows.h"
#include "directory/internal/rules.h"

namespace fg::directory {

namespace {

using namespace internal;

// Deeper than any real building; beyond it the tree is treated as broken.
constexpr int kMaxZoneDepth = 64;

template <typename T>
Result<T> Require(Result<std::optional<T>> loaded, std::string_view kind, int64_t id) {
  if (!loaded) return tl::unexpected(loaded.error());
  if (!*loaded) return NotFound(std::string(kind) + " " + std::to_string(id) + " does not exist");
  return std::move(**loaded);
}

Result<void> CheckSiteNameFree(store::Connection& c, const std::string& name, int64_t self_id) {
  FG_ASSIGN_OR_RETURN(auto holder, LoadSiteByName(c, name));
  if (holder && holder->id != self_id) {
    return AlreadyExists(
        "name", "site " + std::to_string(holder->id) + " is already named " + holder->name);
  }
  return {};
}

Result<void> CheckCampaignExists(store::Connection& c, const std::optional<int64_t>& campaign_id) {
  if (!campaign_id) return {};
  FG_ASSIGN_OR_RETURN(auto campaign, LoadCampaign(c, *campaign_id));
  if (!campaign) {
    return InvalidArgument("campaign_id",
                           "campaign " + std::to_string(*campaign_id) + " does not exist");
  }
  return {};
}

// The zone's site and campaign exist, its name is free in its site, and its parent exists,
// is in the same site and is not the zone itself or one of its descendants.
Result<void> CheckZone(store::Connection& c, const Zone& zone) {
  FG_ASSIGN_OR_RETURN(auto site, LoadSite(c, zone.site_id));
  if (!site) {
    return InvalidArgument("site_id", "site " + std::to_string(zone.site_id) + " does not exist");
  }
  if (zone.parent_id) {
    FG_ASSIGN_OR_RETURN(auto parent, LoadZone(c, *zone.parent_id));
    if (!parent) {
      return InvalidArgument("parent_id",
                             "zone " + std::to_string(*zone.parent_id) + " does not exist");
    }
    if (parent->site_id != zone.site_id) {
      return InvalidArgument("parent_id", "zone " + std::to_string(parent->id) +
                                              " is in another site; a parent must be in the "
                                              "same site");
    }
    if (zone.id != 0) {
      std::optional<Zone> ancestor = std::move(parent);
      for (int depth = 0; ancestor; ++depth) {
        if (ancestor->id == zone.id) {
          return InvalidArgument("parent_id", "zone " + std::to_string(*zone.parent_id) +
                                                  " is this zone or inside it; that would make "
                                                  "a cycle");
        }
        if (depth >= kMaxZoneDepth) {
          return InvalidArgument("parent_id", "the zone tree is more than " +
                                                  std::to_string(kMaxZoneDepth) + " levels deep");
        }
        if (!ancestor->parent_id) break;
        FG_ASSIGN_OR_RETURN(ancestor, LoadZone(c, *ancestor->parent_id));
      }
    }
  }
  FG_RETURN_IF_ERROR(CheckCampaignExists(c, zone.campaign_id));
  FG_ASSIGN_OR_RETURN(auto namesake, LoadZoneByName(c, zone.site_id, zone.name));
  if (namesake && namesake->id != zone.id) {
    return AlreadyExists("name", "zone " + std::to_string(namesake->id) + " of site " +
                                     std::to_string(zone.site_id) + " is already named " +
                                     namesake->name);
  }
  return {};
}

Result<void> CheckStation(store::Connection& c, const Station& station) {
  FG_ASSIGN_OR_RETURN(auto zone, LoadZone(c, station.zone_id));
  if (!zone) {
    return InvalidArgument("zone_id",
                           "zone " + std::to_string(station.zone_id) + " does not exist");
  }
  FG_RETURN_IF_ERROR(CheckCampaignExists(c, station.campaign_id));
  FG_ASSIGN_OR_RETURN(auto holder, LoadStationByWorkstationId(c, station.workstation_id));
  if (holder && holder->id != station.id) {
    return AlreadyExists("workstation_id", "workstation id " + station.workstation_id +
                                               " already belongs to station " +
                                               std::to_string(holder->id));
  }
  return {};
}

}  // namespace

// Sites.

Result<Site> Transaction::CreateSite(const SiteInput& input, std::string_view actor) {
  Site site{.name = input.name, .timezone = input.timezone};
  FG_RETURN_IF_ERROR(NormaliseSite(site));
  FG_RETURN_IF_ERROR(CheckSiteNameFree(c_, site.name, 0));
  FG_ASSIGN_OR_RETURN(site.id, InsertSite(c_, site));
  FG_RETURN_IF_ERROR(Audit(actor, "site.create", Subject("site", site.id), DumpJson(ToJson(site))));
  return site;
}

Result<Site> Transaction::UpdateSite(int64_t id, const SitePatch& patch, std::string_view actor) {
  FG_ASSIGN_OR_RETURN(Site before, Require(LoadSite(c_, id), "site", id));
  Site after = before;
  if (patch.name) after.name = *patch.name;
  if (patch.timezone) after.timezone = *patch.timezone;
  FG_RETURN_IF_ERROR(NormaliseSite(after));

  Changes changes;
  changes.Add("name", before.name, after.name);
  changes.Add("timezone", before.timezone, after.timezone);
  if (changes.empty()) return before;

  FG_RETURN_IF_ERROR(CheckSiteNameFree(c_, after.name, id));
  FG_RETURN_IF_ERROR(UpdateSiteRow(c_, after));
  FG_RETURN_IF_ERROR(Audit(actor, "site.update", Subject("site", id), changes.Dump()));
  return after;
}

Result<void> Transaction::DeleteSite(int64_t id, std::string_view actor) {
  FG_ASSIGN_OR_RETURN(Site site, Require(LoadSite(c_, id), "site", id));
  FG_ASSIGN_OR_RETURN(int64_t zones,
                      CountRows(c_, "SELECT COUNT(*) FROM zones WHERE site_id = ?", {id}));
  if (zones > 0) {
    return FailedPrecondition("site " + std::to_string(id) + " still has " +
                              Count(zones, "zone", "zones") + "; delete them first");
  }
  auto deleted = DeleteRow(c_, "sites", id);
  if (!deleted && deleted.error().code == ErrorCode::kFailedPrecondition) {
    return FailedPrecondition("site " + std::to_string(id) +
                              " is still referenced by other records");
  }
  FG_RETURN_IF_ERROR(deleted);
  return Audit(actor, "site.delete", Subject("site", id), DumpJson(ToJson(site)));
}

// Zones.

Result<Zone> Transaction::CreateZone(const ZoneInput& input, std::string_view actor) {
  Zone zone{.site_id = input.site_id,
            .name = input.name,
            .classification = input.classification,
            .parent_id = input.parent_id,
            .campaign_id = input.campaign_id};
  FG_RETURN_IF_ERROR(NormaliseZone(zone));
  FG_RETURN_IF_ERROR(CheckZone(c_, zone));
  FG_ASSIGN_OR_RETURN(zone.id, InsertZone(c_, zone));
  FG_RETURN_IF_ERROR(Audit(actor, "zone.create", Subject("zone", zone.id), DumpJson(ToJson(zone))));
  return zone;
}

Result<Zone> Transaction::UpdateZone(int64_t id, const ZonePatch& patch, std::string_view actor) {
  FG_ASSIGN_OR_RETURN(Zone before, Require(LoadZone(c_, id), "zone", id));
  Zone after = before;
  if (patch.name) after.name = *patch.name;
  if (patch.classification) after.classification = *patch.classification;
  if (patch.parent_id) after.parent_id = *patch.parent_id;
  if (patch.campaign_id) after.campaign_id = *patch.campaign_id;
  FG_RETURN_IF_ERROR(NormaliseZone(after));

  Changes changes;
  changes.Add("name", before.name, after.name);
  changes.Add("classification", before.classification, after.classification);
  changes.Add("parent_id", before.parent_id, after.parent_id);
  changes.Add("campaign_id", before.campaign_id, after.campaign_id);
  if (changes.empty()) return before;

  FG_RETURN_IF_ERROR(CheckZone(c_, after));
  FG_RETURN_IF_ERROR(UpdateZoneRow(c_, after));
  FG_RETURN_IF_ERROR(Audit(actor, "zone.update", Subject("zone", id), changes.Dump()));
  return after;
}

Result<void> Transaction::DeleteZone(int64_t id, std::string_view actor) {
  FG_ASSIGN_OR_RETURN(Zone zone, Require(LoadZone(c_, id), "zone", id));
  FG_ASSIGN_OR_RETURN(int64_t children,
                      CountRows(c_, "SELECT COUNT(*) FROM zones WHERE parent_id = ?", {id}));
  FG_ASSIGN_OR_RETURN(int64_t stations,
                      CountRows(c_, "SELECT COUNT(*) FROM stations WHERE zone_id = ?", {id}));
  if (children + stations > 0) {
    std::string what;
    if (children > 0) what = Count(children, "child zone", "child zones");
    if (stations > 0) {
      if (!what.empty()) what += " and ";
      what += Count(stations, "station", "stations");
    }
    return FailedPrecondition("zone " + std::to_string(id) + " still has " + what +
                              "; move or delete them first");
  }
  auto deleted = DeleteRow(c_, "zones", id);
  if (!deleted && deleted.error().code == ErrorCode::kFailedPrecondition) {
    return FailedPrecondition("zone " + std::to_string(id) +
                              " is still referenced by other records (doors, cameras, ...)");
  }
  FG_RETURN_IF_ERROR(deleted);
  return Audit(actor, "zone.delete", Subject("zone", id), DumpJson(ToJson(zone)));
}

// Stations.

Result<Station> Transaction::CreateStation(const StationInput& input, std::string_view actor) {
  Station station{.workstation_id = input.workstation_id,
                  .zone_id = input.zone_id,
                  .campaign_id = input.campaign_id,
                  .enabled = input.enabled};
  FG_RETURN_IF_ERROR(NormaliseStation(station));
  FG_RETURN_IF_ERROR(CheckStation(c_, station));
  FG_ASSIGN_OR_RETURN(station.id, InsertStation(c_, station));
  FG_RETURN_IF_ERROR(
      Audit(actor, "station.create", Subject("station", station.id), DumpJson(ToJson(station))));
  return station;
}

Result<Station> Transaction::UpdateStation(int64_t id, const StationPatch& patch,
                                           std::string_view actor) {
  FG_ASSIGN_OR_RETURN(Station before, Require(LoadStation(c_, id), "station", id));
  Station after = before;
  if (patch.workstation_id) after.workstation_id = *patch.workstation_id;
  if (patch.zone_id) after.zone_id = *patch.zone_id;
  if (patch.campaign_id) after.campaign_id = *patch.campaign_id;
  if (patch.enabled) after.enabled = *patch.enabled;
  FG_RETURN_IF_ERROR(NormaliseStation(after));

  Changes changes;
  changes.Add("workstation_id", before.workstation_id, after.workstation_id);
  changes.Add("zone_id", before.zone_id, after.zone_id);
  changes.Add("campaign_id", before.campaign_id, after.campaign_id);
  changes.Add("enabled", before.enabled, after.enabled);
  if (changes.empty()) return before;

  FG_RETURN_IF_ERROR(CheckStation(c_, after));
  FG_RETURN_IF_ERROR(UpdateStationRow(c_, after));
  FG_RETURN_IF_ERROR(Audit(actor, "station.update", Subject("station", id), changes.Dump()));
  return after;
}

Result<void> Transaction::DeleteStation(int64_t id, std::string_view actor) {
  FG_ASSIGN_OR_RETURN(Station station, Require(LoadStation(c_, id), "station", id));
  auto deleted = DeleteRow(c_, "stations", id);
  if (!deleted && deleted.error().code == ErrorCode::kFailedPrecondition) {
    return FailedPrecondition("station " + std::to_string(id) +
                              " is still referenced by other records; disable it (enabled "
                              "false) instead of deleting");
  }
  FG_RETURN_IF_ERROR(deleted);
  return Audit(actor, "station.delete", Subject("station", id), DumpJson(ToJson(station)));
}

}  // namespace fg::directory
