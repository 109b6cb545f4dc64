#include "directory/internal/rows.h"

#include <string>
#include <vector>

namespace fg::directory::internal {

namespace {

using store::Connection;
using store::Param;
using store::Row;

// A SELECT over one table with "id > after" and optional AND-ed conditions. Params hold
// views: whatever they point at must outlive Run.
struct Select {
  std::string sql;
  std::vector<Param> params;

  Select(std::string_view columns, std::string_view table, int64_t after_id) {
    sql = "SELECT " + std::string(columns) + " FROM " + std::string(table) + " WHERE id > ?";
    params.emplace_back(after_id);
  }
  void And(std::string_view condition, std::initializer_list<Param> values) {
    sql += " AND ";
    sql += condition;
    params.insert(params.end(), values);
  }
};

Result<void> CheckLimit(int limit) {
  if (limit < 1 || limit > kMaxListLimit) {
    return InvalidArgument("limit", "must be from 1 to " + std::to_string(kMaxListLimit));
  }
  return {};
}

// Runs a SELECT whose rows `read` turns into T (false: a row the schema should not allow).
template <typename T, typename ReadFn>
Result<std::vector<T>> Fetch(Connection& c, std::string_view sql, std::span<const Param> params,
                             ReadFn read) {
  std::vector<T> out;
  bool corrupt = false;
  FG_RETURN_IF_ERROR(c.Exec(sql, params, [&](const Row& row) {
    T value;
    if (read(row, &value)) {
      out.push_back(std::move(value));
    } else {
      corrupt = true;
    }
  }));
  if (corrupt) return MakeError(ErrorCode::kDataLoss, "a directory row holds an unknown value");
  return out;
}

template <typename T, typename ReadFn>
Result<std::optional<T>> FetchOne(Connection& c, std::string_view sql,
                                  std::initializer_list<Param> params, ReadFn read) {
  FG_ASSIGN_OR_RETURN(
      std::vector<T> rows,
      Fetch<T>(c, sql, std::span<const Param>(params.begin(), params.size()), read));
  if (rows.empty()) return std::optional<T>();
  return std::optional<T>(std::move(rows.front()));
}

template <typename T, typename ReadFn>
Result<Page<T>> FetchPage(Connection& c, Select select, int limit, ReadFn read) {
  FG_RETURN_IF_ERROR(CheckLimit(limit));
  select.sql += " ORDER BY id LIMIT ?";
  select.params.emplace_back(static_cast<int64_t>(limit) + 1);
  FG_ASSIGN_OR_RETURN(std::vector<T> items, Fetch<T>(c, select.sql, select.params, read));
  Page<T> page;
  if (items.size() > static_cast<size_t>(limit)) {
    items.resize(static_cast<size_t>(limit));
    page.next_after_id = items.back().id;
  }
  page.items = std::move(items);
  return page;
}

Result<void> ExecVoid(Connection& c, std::string_view sql, std::initializer_list<Param> params) {
  return c.Exec(sql, params).transform([](int64_t) {});
}

// LIKE pattern for "contains", with the pattern characters of the input escaped by '\'.
std::string ContainsPattern(std::string_view text) {
  std::string out = "%";
  for (char ch : text) {
    if (ch == '%' || ch == '_' || ch == '\\') out += '\\';
    out += ch;
  }
  out += '%';
  return out;
}

std::optional<int64_t> OptId(const Row& row, int col) { return row.OptInt(col); }

// --- people ---

constexpr std::string_view kPersonColumns =
    "id, kind, employee_number, name, status, hire_date, end_date, company, email, created_at, "
    "updated_at";

bool ReadPerson(const Row& row, Person* p) {
  auto kind = ParsePersonKind(row.TextView(1));
  auto status = ParsePersonStatus(row.TextView(4));
  if (!kind || !status) return false;
  p->id = row.Int(0);
  p->kind = *kind;
  p->employee_number = row.OptText(2);
  p->name = row.Text(3);
  p->status = *status;
  p->hire_date = row.OptText(5);
  p->end_date = row.OptText(6);
  p->company = row.Text(7);
  p->email = row.OptText(8);
  p->created_at = core::FromUnixMicros(row.Int(9));
  p->updated_at = core::FromUnixMicros(row.Int(10));
  return true;
}

// --- campaigns ---

constexpr std::string_view kCampaignColumns = "id, code, name, client, active";

bool ReadCampaign(const Row& row, Campaign* c) {
  c->id = row.Int(0);
  c->code = row.Text(1);
  c->name = row.Text(2);
  c->client = row.Text(3);
  c->active = row.Int(4) != 0;
  return true;
}

// --- training ---

constexpr std::string_view kTrainingColumns =
    "id, person_id, campaign_id, completed_on, expires_on";

bool ReadTraining(const Row& row, TrainingRecord* t) {
  t->id = row.Int(0);
  t->person_id = row.Int(1);
  t->campaign_id = row.Int(2);
  t->completed_on = row.Text(3);
  t->expires_on = row.OptText(4);
  return true;
}

// --- sites ---

constexpr std::string_view kSiteColumns = "id, name, timezone";

bool ReadSite(const Row& row, Site* s) {
  s->id = row.Int(0);
  s->name = row.Text(1);
  s->timezone = row.Text(2);
  return true;
}

// --- zones ---

constexpr std::string_view kZoneColumns =
    "id, site_id, name, classification, parent_id, campaign_id";

bool ReadZone(const Row& row, Zone* z) {
  auto classification = ParseZoneClassification(row.TextView(3));
  if (!classification) return false;
  z->id = row.Int(0);
  z->site_id = row.Int(1);
  z->name = row.Text(2);
  z->classification = *classification;
  z->parent_id = OptId(row, 4);
  z->campaign_id = OptId(row, 5);
  return true;
}

// --- stations ---

constexpr std::string_view kStationColumns = "id, workstation_id, zone_id, campaign_id, enabled";

bool ReadStation(const Row& row, Station* s) {
  s->id = row.Int(0);
  s->workstation_id = row.Text(1);
  s->zone_id = row.Int(2);
  s->campaign_id = OptId(row, 3);
  s->enabled = row.Int(4) != 0;
  return true;
}

std::string SelectById(std::string_view columns, std::string_view table) {
  return "SELECT " + std::string(columns) + " FROM " + std::string(table) + " WHERE id = ?";
}

}  // namespace

// People.

Result<std::optional<Person>> LoadPerson(Connection& c, int64_t id) {
  static const std::string sql = SelectById(kPersonColumns, "people");
  return FetchOne<Person>(c, sql, {id}, ReadPerson);
}

Result<std::optional<Person>> LoadPersonByEmployeeNumber(Connection& c,
                                                         std::string_view employee_number) {
  static const std::string sql =
      "SELECT " + std::string(kPersonColumns) + " FROM people WHERE employee_number = ?";
  return FetchOne<Person>(c, sql, {employee_number}, ReadPerson);
}

Result<Page<Person>> QueryPeople(Connection& c, const PersonFilter& filter, int limit,
                                 int64_t after_id) {
  Select select(kPersonColumns, "people", after_id);
  if (filter.kind) select.And("kind = ?", {PersonKindName(*filter.kind)});
  if (filter.status) select.And("status = ?", {PersonStatusName(*filter.status)});
  std::string pattern;
  if (!filter.query.empty()) {
    pattern = ContainsPattern(filter.query);
    select.And("(name LIKE ? ESCAPE '\\' OR employee_number LIKE ? ESCAPE '\\')",
               {pattern, pattern});
  }
  return FetchPage<Person>(c, std::move(select), limit, ReadPerson);
}

Result<int64_t> InsertPerson(Connection& c, const Person& p) {
  FG_RETURN_IF_ERROR(ExecVoid(
      c,
      "INSERT INTO people (kind, employee_number, name, status, hire_date, end_date, company, "
      "email, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      {PersonKindName(p.kind), p.employee_number, p.name, PersonStatusName(p.status), p.hire_date,
       p.end_date, p.company, p.email, core::ToUnixMicros(p.created_at),
       core::ToUnixMicros(p.updated_at)}));
  return c.LastInsertRowId();
}

Result<void> UpdatePersonRow(Connection& c, const Person& p) {
  return ExecVoid(
      c,
      "UPDATE people SET kind = ?, employee_number = ?, name = ?, status = ?, "
      "hire_date = ?, end_date = ?, company = ?, email = ?, updated_at = ? "
      "WHERE id = ?",
      {PersonKindName(p.kind), p.employee_number, p.name, PersonStatusName(p.status), p.hire_date,
       p.end_date, p.company, p.email, core::ToUnixMicros(p.updated_at), p.id});
}

// Campaigns.

Result<std::optional<Campaign>> LoadCampaign(Connection& c, int64_t id) {
  static const std::string sql = SelectById(kCampaignColumns, "campaigns");
  return FetchOne<Campaign>(c, sql, {id}, ReadCampaign);
}

Result<std::optional<Campaign>> LoadCampaignByCode(Connection& c, std::string_view code) {
  static const std::string sql =
      "SELECT " + std::string(kCampaignColumns) + " FROM campaigns WHERE code = ?";
  return FetchOne<Campaign>(c, sql, {code}, ReadCampaign);
}

Result<Page<Campaign>> QueryCampaigns(Connection& c, const CampaignFilter& filter, int limit,
                                      int64_t after_id) {
  Select select(kCampaignColumns, "campaigns", after_id);
  if (filter.active) select.And("active = ?", {*filter.active});
  return FetchPage<Campaign>(c, std::move(select), limit, ReadCampaign);
}

Result<int64_t> InsertCampaign(Connection& c, const Campaign& k) {
  FG_RETURN_IF_ERROR(ExecVoid(c,
                              "INSERT INTO campaigns (code, name, client, active) "
                              "VALUES (?, ?, ?, ?)",
                              {k.code, k.name, k.client, k.active}));
  return c.LastInsertRowId();
}

Result<void> UpdateCampaignRow(Connection& c, const Campaign& k) {
  return ExecVoid(c, "UPDATE campaigns SET code = ?, name = ?, client = ?, active = ? WHERE id = ?",
                  {k.code, k.name, k.client, k.active, k.id});
}

// Training.

Result<std::optional<TrainingRecord>> LoadTraining(Connection& c, int64_t id) {
  static const std::string sql = SelectById(kTrainingColumns, "training_records");
  return FetchOne<TrainingRecord>(c, sql, {id}, ReadTraining);
}

Result<Page<TrainingRecord>> QueryTraining(Connection& c, const TrainingFilter& filter, int limit,
                                           int64_t after_id) {
  Select select(kTrainingColumns, "training_records", after_id);
  if (filter.person_id) select.And("person_id = ?", {*filter.person_id});
  if (filter.campaign_id) select.And("campaign_id = ?", {*filter.campaign_id});
  return FetchPage<TrainingRecord>(c, std::move(select), limit, ReadTraining);
}

Result<int64_t> InsertTraining(Connection& c, const TrainingRecord& t) {
  FG_RETURN_IF_ERROR(ExecVoid(c,
                              "INSERT INTO training_records (person_id, campaign_id, completed_on, "
                              "expires_on) VALUES (?, ?, ?, ?)",
                              {t.person_id, t.campaign_id, t.completed_on, t.expires_on}));
  return c.LastInsertRowId();
}

Result<void> UpdateTrainingRow(Connection& c, const TrainingRecord& t) {
  return ExecVoid(c,
                  "UPDATE training_records SET person_id = ?, campaign_id = ?, completed_on = ?, "
                  "expires_on = ? WHERE id = ?",
                  {t.person_id, t.campaign_id, t.completed_on, t.expires_on, t.id});
}

Result<bool> HasValidTraining(Connection& c, int64_t person_id, int64_t campaign_id,
                              std::string_view date) {
  FG_ASSIGN_OR_RETURN(int64_t n, CountRows(c,
                                           "SELECT COUNT(*) FROM training_records "
                                           "WHERE person_id = ? AND campaign_id = ? "
                                           "AND completed_on <= ? "
                                           "AND (expires_on IS NULL OR expires_on > ?)",
                                           {person_id, campaign_id, date, date}));
  return n > 0;
}

// Sites.

Result<std::optional<Site>> LoadSite(Connection& c, int64_t id) {
  static const std::string sql = SelectById(kSiteColumns, "sites");
  return FetchOne<Site>(c, sql, {id}, ReadSite);
}

Result<std::optional<Site>> LoadSiteByName(Connection& c, std::string_view name) {
  static const std::string sql =
      "SELECT " + std::string(kSiteColumns) + " FROM sites WHERE name = ? COLLATE NOCASE";
  return FetchOne<Site>(c, sql, {name}, ReadSite);
}

Result<Page<Site>> QuerySites(Connection& c, const SiteFilter& filter, int limit,
                              int64_t after_id) {
  Select select(kSiteColumns, "sites", after_id);
  if (!filter.name.empty()) select.And("name = ? COLLATE NOCASE", {filter.name});
  return FetchPage<Site>(c, std::move(select), limit, ReadSite);
}

Result<int64_t> InsertSite(Connection& c, const Site& s) {
  FG_RETURN_IF_ERROR(
      ExecVoid(c, "INSERT INTO sites (name, timezone) VALUES (?, ?)", {s.name, s.timezone}));
  return c.LastInsertRowId();
}

Result<void> UpdateSiteRow(Connection& c, const Site& s) {
  return ExecVoid(c, "UPDATE sites SET name = ?, timezone = ? WHERE id = ?",
                  {s.name, s.timezone, s.id});
}

// Zones.

Result<std::optional<Zone>> LoadZone(Connection& c, int64_t id) {
  static const std::string sql = SelectById(kZoneColumns, "zones");
  return FetchOne<Zone>(c, sql, {id}, ReadZone);
}

Result<std::optional<Zone>> LoadZoneByName(Connection& c, int64_t site_id, std::string_view name) {
  static const std::string sql = "SELECT " + std::string(kZoneColumns) +
                                 " FROM zones WHERE site_id = ? AND name = ? COLLATE NOCASE";
  return FetchOne<Zone>(c, sql, {site_id, name}, ReadZone);
}

Result<Page<Zone>> QueryZones(Connection& c, const ZoneFilter& filter, int limit,
                              int64_t after_id) {
  Select select(kZoneColumns, "zones", after_id);
  if (filter.site_id) select.And("site_id = ?", {*filter.site_id});
  return FetchPage<Zone>(c, std::move(select), limit, ReadZone);
}

Result<int64_t> InsertZone(Connection& c, const Zone& z) {
  FG_RETURN_IF_ERROR(ExecVoid(
      c,
      "INSERT INTO zones (site_id, name, classification, parent_id, "
      "campaign_id) VALUES (?, ?, ?, ?, ?)",
      {z.site_id, z.name, ZoneClassificationName(z.classification), z.parent_id, z.campaign_id}));
  return c.LastInsertRowId();
}

Result<void> UpdateZoneRow(Connection& c, const Zone& z) {
  return ExecVoid(
      c,
      "UPDATE zones SET name = ?, classification = ?, parent_id = ?, campaign_id = ? "
      "WHERE id = ?",
      {z.name, ZoneClassificationName(z.classification), z.parent_id, z.campaign_id, z.id});
}

// Stations.

Result<std::optional<Station>> LoadStation(Connection& c, int64_t id) {
  static const std::string sql = SelectById(kStationColumns, "stations");
  return FetchOne<Station>(c, sql, {id}, ReadStation);
}

Result<std::optional<Station>> LoadStationByWorkstationId(Connection& c,
                                                          std::string_view workstation_id) {
  static const std::string sql = "SELECT " + std::string(kStationColumns) +
                                 " FROM stations WHERE workstation_id = ? COLLATE NOCASE";
  return FetchOne<Station>(c, sql, {workstation_id}, ReadStation);
}

Result<Page<Station>> QueryStations(Connection& c, const StationFilter& filter, int limit,
                                    int64_t after_id) {
  Select select(kStationColumns, "stations", after_id);
  if (filter.zone_id) select.And("zone_id = ?", {*filter.zone_id});
  return FetchPage<Station>(c, std::move(select), limit, ReadStation);
}

Result<int64_t> InsertStation(Connection& c, const Station& s) {
  FG_RETURN_IF_ERROR(ExecVoid(c,
                              "INSERT INTO stations (workstation_id, zone_id, campaign_id, "
                              "enabled) VALUES (?, ?, ?, ?)",
                              {s.workstation_id, s.zone_id, s.campaign_id, s.enabled}));
  return c.LastInsertRowId();
}

Result<void> UpdateStationRow(Connection& c, const Station& s) {
  return ExecVoid(c,
                  "UPDATE stations SET workstation_id = ?, zone_id = ?, campaign_id = ?, "
                  "enabled = ? WHERE id = ?",
                  {s.workstation_id, s.zone_id, s.campaign_id, s.enabled, s.id});
}

// Shared.

Result<void> DeleteRow(Connection& c, std::string_view table, int64_t id) {
  std::string sql = "DELETE FROM " + std::string(table) + " WHERE id = ?";
  return ExecVoid(c, sql, {id});
}

Result<int64_t> CountRows(Connection& c, std::string_view sql,
                          std::initializer_list<Param> params) {
  int64_t n = 0;
  FG_RETURN_IF_ERROR(c.Exec(sql, params, [&](const Row& row) { n = row.Int(0); }));
  return n;
}

Result<DirectoryCounts> LoadCounts(Connection& c) {
  DirectoryCounts counts;
  FG_RETURN_IF_ERROR(
      c.Exec("SELECT kind, COUNT(*), SUM(status = 'terminated') FROM people GROUP BY kind", {},
             [&](const Row& row) {
               auto kind = ParsePersonKind(row.TextView(0));
               int64_t n = row.Int(1);
               counts.terminated += row.Int(2);
               if (!kind) return;
               switch (*kind) {
                 case PersonKind::kEmployee:
                   counts.employees = n;
                   break;
                 case PersonKind::kApplicant:
                   counts.applicants = n;
                   break;
                 case PersonKind::kVisitor:
                   counts.visitors = n;
                   break;
                 case PersonKind::kContractor:
                   counts.contractors = n;
                   break;
               }
             }));
  FG_ASSIGN_OR_RETURN(counts.sites, CountRows(c, "SELECT COUNT(*) FROM sites"));
  FG_ASSIGN_OR_RETURN(counts.zones, CountRows(c, "SELECT COUNT(*) FROM zones"));
  FG_ASSIGN_OR_RETURN(counts.stations, CountRows(c, "SELECT COUNT(*) FROM stations"));
  FG_ASSIGN_OR_RETURN(counts.campaigns, CountRows(c, "SELECT COUNT(*) FROM campaigns"));
  return counts;
}

}  // namespace fg::directory::internal
