// The directory's rows: reading and writing its six tables on a store::Connection. No rules
// here beyond what the schema enforces; callers validate first (internal/rules.h).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string_view>

#include "core/result.h"
#include "directory/directory.h"
#include "store/store.h"

namespace fg::directory::internal {

Result<std::optional<Person>> LoadPerson(store::Connection& c, int64_t id);
Result<std::optional<Person>> LoadPersonByEmployeeNumber(store::Connection& c,
                                                         std::string_view employee_number);
Result<Page<Person>> QueryPeople(store::Connection& c, const PersonFilter& filter, int limit,
                                 int64_t after_id);
Result<int64_t> InsertPerson(store::Connection& c, const Person& person);
Result<void> UpdatePersonRow(store::Connection& c, const Person& person);

Result<std::optional<Campaign>> LoadCampaign(store::Connection& c, int64_t id);
Result<std::optional<Campaign>> LoadCampaignByCode(store::Connection& c, std::string_view code);
Result<Page<Campaign>> QueryCampaigns(store::Connection& c, const CampaignFilter& filter, int limit,
                                      int64_t after_id);
Result<int64_t> InsertCampaign(store::Connection& c, const Campaign& campaign);
Result<void> UpdateCampaignRow(store::Connection& c, const Campaign& campaign);

Result<std::optional<TrainingRecord>> LoadTraining(store::Connection& c, int64_t id);
Result<Page<TrainingRecord>> QueryTraining(store::Connection& c, const TrainingFilter& filter,
                                           int limit, int64_t after_id);
Result<int64_t> InsertTraining(store::Connection& c, const TrainingRecord& training);
Result<void> UpdateTrainingRow(store::Connection& c, const TrainingRecord& training);
Result<bool> HasValidTraining(store::Connection& c, int64_t person_id, int64_t campaign_id,
                              std::string_view date);

Result<std::optional<Site>> LoadSite(store::Connection& c, int64_t id);
Result<std::optional<Site>> LoadSiteByName(store::Connection& c, std::string_view name);
Result<Page<Site>> QuerySites(store::Connection& c, const SiteFilter& filter, int limit,
                              int64_t after_id);
Result<int64_t> InsertSite(store::Connection& c, const Site& site);
Result<void> UpdateSiteRow(store::Connection& c, const Site& site);

Result<std::optional<Zone>> LoadZone(store::Connection& c, int64_t id);
Result<std::optional<Zone>> LoadZoneByName(store::Connection& c, int64_t site_id,
                                           std::string_view name);
Result<Page<Zone>> QueryZones(store::Connection& c, const ZoneFilter& filter, int limit,
                              int64_t after_id);
Result<int64_t> InsertZone(store::Connection& c, const Zone& zone);
Result<void> UpdateZoneRow(store::Connection& c, const Zone& zone);

Result<std::optional<Station>> LoadStation(store::Connection& c, int64_t id);
Result<std::optional<Station>> LoadStationByWorkstationId(store::Connection& c,
                                                          std::string_view workstation_id);
Result<Page<Station>> QueryStations(store::Connection& c, const StationFilter& filter, int limit,
                                    int64_t after_id);
Result<int64_t> InsertStation(store::Connection& c, const Station& station);
Result<void> UpdateStationRow(store::Connection& c, const Station& station);

// DELETE FROM <table> WHERE id = ?; the table name is one of ours, never input.
Result<void> DeleteRow(store::Connection& c, std::string_view table, int64_t id);
// The single integer a COUNT(*) query answers.
Result<int64_t> CountRows(store::Connection& c, std::string_view sql,
                          std::initializer_list<store::Param> params = {});

Result<DirectoryCounts> LoadCounts(store::Connection& c);

}  // namespace fg::directory::internal
