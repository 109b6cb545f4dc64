// directory: who and what the call center is made of — people (employees, applicants,
// visitors, contractors), campaigns (client programs), training records, sites, zones and
// the stations (workstations) placed in them.
//
// What it decides: whether a record is well formed and consistent (names, employee numbers,
// real calendar dates, end after hire, zones in one site without cycles, references that
// exist, unique codes and workstation ids) and whether it may be deleted (nothing still
// refers to it). Every change and its audit entry ("person.create", subject "person:42",
// details with the fields or the old and new values) commit in one store transaction; a
// rejected change leaves neither. Lookups for later modules: people by employee number,
// stations by workstation id, whether training is valid on a date, counts for the dashboard.
// What it never does: decide access or logon (those modules ask it), speak HTTP or JSON on
// the wire, or delete anything still referenced (terminate a person instead).
// Thread-safety: Directory is thread-safe; writes serialise on the store's single writer. A
// Transaction belongs to the callback it was handed to and must not escape it.
//
//   directory::Directory directory(db, audit_log, clock);
//   FG_ASSIGN_OR_RETURN(auto person, directory.CreatePerson({.kind = PersonKind::kEmployee,
//       .employee_number = "E1001", .name = "Ada Byron"}, "user:admin"));
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "audit/audit.h"
#include "core/clock.h"
#include "core/event_bus.h"
#include "core/result.h"
#include "store/store.h"

namespace fg::directory {

enum class PersonKind { kEmployee, kApplicant, kVisitor, kContractor };
enum class PersonStatus { kHired, kActive, kSuspended, kTerminated };
enum class ZoneClassification { kPublic, kStaff, kSecure, kRestricted };

// Wire and storage names: "employee", "terminated", "restricted"...
std::string_view PersonKindName(PersonKind kind);
std::string_view PersonStatusName(PersonStatus status);
std::string_view ZoneClassificationName(ZoneClassification classification);
std::optional<PersonKind> ParsePersonKind(std::string_view name);
std::optional<PersonStatus> ParsePersonStatus(std::string_view name);
std::optional<ZoneClassification> ParseZoneClassification(std::string_view name);

// A patch field for a nullable column: nullopt leaves it, a held nullopt clears it.
template <typename T>
using NullablePatch = std::optional<std::optional<T>>;

// Dates are calendar dates "YYYY-MM-DD" (UTC); they compare as strings.
struct Person {
  int64_t id = 0;
  PersonKind kind = PersonKind::kEmployee;
  std::optional<std::string> employee_number;  // required for employees, unique
  std::string name;
  PersonStatus status = PersonStatus::kActive;
  std::optional<std::string> hire_date;
  std::optional<std::string> end_date;
  std::string company;  // may be empty (a visitor's employer, a contractor's firm)
  std::optional<std::string> email;
  core::WallTime created_at;
  core::WallTime updated_at;
};

struct PersonInput {
  PersonKind kind = PersonKind::kEmployee;
  std::optional<std::string> employee_number;
  std::string name;
  PersonStatus status = PersonStatus::kActive;
  std::optional<std::string> hire_date;
  std::optional<std::string> end_date;
  std::string company;
  std::optional<std::string> email;
};

struct PersonPatch {
  std::optional<PersonKind> kind;
  NullablePatch<std::string> employee_number;
  std::optional<std::string> name;
  std::optional<PersonStatus> status;
  NullablePatch<std::string> hire_date;
  NullablePatch<std::string> end_date;
  std::optional<std::string> company;
  NullablePatch<std::string> email;
};

struct PersonFilter {
  std::optional<PersonKind> kind;
  std::optional<PersonStatus> status;
  std::string query;  // name or employee number contains (case-insensitive); empty = any
};

struct Campaign {
  int64_t id = 0;
  std::string code;  // [A-Z0-9-]{2,32}, stored upper case, unique
  std::string name;
  std::string client;  // may be empty
  bool active = true;
};

struct CampaignInput {
  std::string code;
  std::string name;
  std::string client;
  bool active = true;
};

struct CampaignPatch {
  std::optional<std::string> code;
  std::optional<std::string> name;
  std::optional<std::string> client;
  std::optional<bool> active;
};

struct CampaignFilter {
  std::optional<bool> active;
};

// Training of one employee or contractor for one campaign. Valid from completed_on up to,
// not including, expires_on (no expiry when absent).
struct TrainingRecord {
  int64_t id = 0;
  int64_t person_id = 0;
  int64_t campaign_id = 0;
  std::string completed_on;
  std::optional<std::string> expires_on;
};

struct TrainingInput {
  int64_t person_id = 0;
  int64_t campaign_id = 0;
  std::string completed_on;
  std::optional<std::string> expires_on;
};

struct TrainingPatch {
  std::optional<int64_t> person_id;
  std::optional<int64_t> campaign_id;
  std::optional<std::string> completed_on;
  NullablePatch<std::string> expires_on;
};

struct TrainingFilter {
  std::optional<int64_t> person_id;
  std::optional<int64_t> campaign_id;
};

// A person assigned to work a campaign. Secure campaign zones admit an employee who is
// assigned to the zone's campaign and holds valid training for it (access/decide.h).
struct CampaignAssignment {
  int64_t person_id = 0;
  int64_t campaign_id = 0;
  core::WallTime assigned_at;
};

struct Site {
  int64_t id = 0;
  std::string name;      // unique (case-insensitive)
  std::string timezone;  // IANA name: "Europe/Lisbon", "UTC"
};

struct SiteInput {
  std::string name;
  std::string timezone;
};

struct SitePatch {
  std::optional<std::string> name;
  std::optional<std::string> timezone;
};

struct SiteFilter {
  std::string name;  // exact, case-insensitive; empty = any
};

// A zone belongs to one site for life; its parent is a zone of the same site.
struct Zone {
  int64_t id = 0;
  int64_t site_id = 0;
  std::string name;  // unique within its site (case-insensitive)
  ZoneClassification classification = ZoneClassification::kStaff;
  std::optional<int64_t> parent_id;
  std::optional<int64_t> campaign_id;
};

struct ZoneInput {
  int64_t site_id = 0;
  std::string name;
  ZoneClassification classification = ZoneClassification::kStaff;
  std::optional<int64_t> parent_id;
  std::optional<int64_t> campaign_id;
};

struct ZonePatch {
  std::optional<std::string> name;
  std::optional<ZoneClassification> classification;
  NullablePatch<int64_t> parent_id;
  NullablePatch<int64_t> campaign_id;
};

struct ZoneFilter {
  std::optional<int64_t> site_id;
};

struct Station {
  int64_t id = 0;
  std::string workstation_id;  // [A-Za-z0-9._-]{1,64}, unique ignoring case
  int64_t zone_id = 0;
  std::optional<int64_t> campaign_id;
  bool enabled = true;
};

struct StationInput {
  std::string workstation_id;
  int64_t zone_id = 0;
  std::optional<int64_t> campaign_id;
  bool enabled = true;
};

struct StationPatch {
  std::optional<std::string> workstation_id;
  std::optional<int64_t> zone_id;
  NullablePatch<int64_t> campaign_id;
  std::optional<bool> enabled;
};

struct StationFilter {
  std::optional<int64_t> zone_id;
};

// One page of a list ordered by id ascending; pass next_after_id back as after_id for the
// next page (absent on the last page).
template <typename T>
struct Page {
  std::vector<T> items;
  std::optional<int64_t> next_after_id;
};

inline constexpr int kMaxListLimit = 1000;

struct DirectoryCounts {
  int64_t employees = 0;  // people by kind, whatever their status
  int64_t applicants = 0;
  int64_t visitors = 0;
  int64_t contractors = 0;
  int64_t terminated = 0;  // people of any kind with status terminated
  int64_t sites = 0;
  int64_t zones = 0;
  int64_t stations = 0;
  int64_t campaigns = 0;
};

// Published on the Directory's event bus (when it has one) after a transaction that changed a
// person's status has committed, on the thread that called the Directory, never on the
// store's writer thread: handlers may write to the store themselves.
struct PersonStatusChanged {
  int64_t person_id = 0;
  PersonStatus old_status = PersonStatus::kActive;
  PersonStatus new_status = PersonStatus::kActive;
};

class Directory;

// Writes that commit together (seeding, imports). Each one is validated and audited exactly
// as the Directory method of the same name; if the callback fails, none of them happened.
class Transaction {
 public:
  Result<Person> CreatePerson(const PersonInput& input, std::string_view actor);
  Result<Person> UpdatePerson(int64_t id, const PersonPatch& patch, std::string_view actor);
  Result<void> DeletePerson(int64_t id, std::string_view actor);

  Result<Campaign> CreateCampaign(const CampaignInput& input, std::string_view actor);
  Result<Campaign> UpdateCampaign(int64_t id, const CampaignPatch& patch, std::string_view actor);
  Result<void> DeleteCampaign(int64_t id, std::string_view actor);

  Result<TrainingRecord> CreateTraining(const TrainingInput& input, std::string_view actor);
  Result<TrainingRecord> UpdateTraining(int64_t id, const TrainingPatch& patch,
                                        std::string_view actor);
  Result<void> DeleteTraining(int64_t id, std::string_view actor);

  // Replaces the person's campaign assignments with `campaign_ids` (an empty list removes
  // them all); audited "person.assign" with the before and after sets when they differ.
  Result<std::vector<CampaignAssignment>> SetAssignments(int64_t person_id,
                                                         const std::vector<int64_t>& campaign_ids,
                                                         std::string_view actor);

  Result<Site> CreateSite(const SiteInput& input, std::string_view actor);
  Result<Site> UpdateSite(int64_t id, const SitePatch& patch, std::string_view actor);
  Result<void> DeleteSite(int64_t id, std::string_view actor);

  Result<Zone> CreateZone(const ZoneInput& input, std::string_view actor);
  Result<Zone> UpdateZone(int64_t id, const ZonePatch& patch, std::string_view actor);
  Result<void> DeleteZone(int64_t id, std::string_view actor);

  Result<Station> CreateStation(const StationInput& input, std::string_view actor);
  Result<Station> UpdateStation(int64_t id, const StationPatch& patch, std::string_view actor);
  Result<void> DeleteStation(int64_t id, std::string_view actor);

  Result<std::optional<Site>> FindSiteByName(std::string_view name);

 private:
  friend class Directory;
  Transaction(Directory& directory, store::Connection& connection)
      : directory_(directory), c_(connection) {}
  Result<void> Audit(std::string_view actor, std::string action, std::string subject,
                     std::string details);
  std::string Today() const;

  Directory& directory_;
  store::Connection& c_;
  // Published by Directory::InTransaction once the transaction is durable.
  std::vector<PersonStatusChanged> status_changes_;
};

class Directory {
 public:
  // With a bus, status changes of people are published as PersonStatusChanged.
  Directory(store::Database& db, audit::Log& log, core::Clock& clock, core::EventBus* bus = nullptr)
      : db_(db), log_(log), clock_(clock), bus_(bus) {}

  // Schema of module "directory": db.Migrate("directory", Directory::Migrations()).
  static std::span<const store::Migration> Migrations();

  // Runs fn in one store transaction; everything it wrote commits or rolls back together.
  // fn must not call other Directory methods (the writer is busy running it).
  Result<void> InTransaction(const std::function<Result<void>(Transaction&)>& fn);

  // Writes take the audit actor ("user:admin") and leave exactly one audit entry, except an
  // update that changes nothing, which writes nothing. Missing ids are NotFound; bad input
  // is InvalidArgument naming the field; a taken unique key is AlreadyExists naming the
  // field; deleting something still referenced is FailedPrecondition saying by what.
  Result<Person> CreatePerson(const PersonInput& input, std::string_view actor);
  Result<Person> GetPerson(int64_t id);
  Result<Page<Person>> ListPeople(const PersonFilter& filter, int limit = 50, int64_t after_id = 0);
  Result<Person> UpdatePerson(int64_t id, const PersonPatch& patch, std::string_view actor);
  Result<void> DeletePerson(int64_t id, std::string_view actor);

  Result<Campaign> CreateCampaign(const CampaignInput& input, std::string_view actor);
  Result<Campaign> GetCampaign(int64_t id);
  Result<Page<Campaign>> ListCampaigns(const CampaignFilter& filter, int limit = 50,
                                       int64_t after_id = 0);
  Result<Campaign> UpdateCampaign(int64_t id, const CampaignPatch& patch, std::string_view actor);
  Result<void> DeleteCampaign(int64_t id, std::string_view actor);

  Result<TrainingRecord> CreateTraining(const TrainingInput& input, std::string_view actor);
  Result<TrainingRecord> GetTraining(int64_t id);
  Result<Page<TrainingRecord>> ListTraining(const TrainingFilter& filter, int limit = 50,
                                            int64_t after_id = 0);
  Result<TrainingRecord> UpdateTraining(int64_t id, const TrainingPatch& patch,
                                        std::string_view actor);
  Result<void> DeleteTraining(int64_t id, std::string_view actor);

  // Campaign assignments: only employees and contractors; campaigns must exist.
  Result<std::vector<CampaignAssignment>> SetAssignments(int64_t person_id,
                                                         const std::vector<int64_t>& campaign_ids,
                                                         std::string_view actor);
  // One person's, or everyone's (person_id absent), ordered by person then campaign.
  Result<std::vector<CampaignAssignment>> ListAssignments(
      std::optional<int64_t> person_id = std::nullopt);

  Result<Site> CreateSite(const SiteInput& input, std::string_view actor);
  Result<Site> GetSite(int64_t id);
  Result<Page<Site>> ListSites(const SiteFilter& filter, int limit = 50, int64_t after_id = 0);
  Result<Site> UpdateSite(int64_t id, const SitePatch& patch, std::string_view actor);
  Result<void> DeleteSite(int64_t id, std::string_view actor);

  Result<Zone> CreateZone(const ZoneInput& input, std::string_view actor);
  Result<Zone> GetZone(int64_t id);
  Result<Page<Zone>> ListZones(const ZoneFilter& filter, int limit = 50, int64_t after_id = 0);
  Result<Zone> UpdateZone(int64_t id, const ZonePatch& patch, std::string_view actor);
  Result<void> DeleteZone(int64_t id, std::string_view actor);

  Result<Station> CreateStation(const StationInput& input, std::string_view actor);
  Result<Station> GetStation(int64_t id);
  Result<Page<Station>> ListStations(const StationFilter& filter, int limit = 50,
                                     int64_t after_id = 0);
  Result<Station> UpdateStation(int64_t id, const StationPatch& patch, std::string_view actor);
  Result<void> DeleteStation(int64_t id, std::string_view actor);

  // Lookups for the access and identity modules. Absent is a value, not an error.
  Result<std::optional<Person>> FindPersonByEmployeeNumber(std::string_view employee_number);
  Result<std::optional<Station>> FindStationByWorkstationId(std::string_view workstation_id);
  // Whether the person holds training for the campaign valid on `date` ("YYYY-MM-DD"):
  // completed_on <= date < expires_on.
  Result<bool> ValidTraining(int64_t person_id, int64_t campaign_id, std::string_view date);

  Result<DirectoryCounts> Counts();

  // Today's date "YYYY-MM-DD" in UTC by the injected clock, as the rules see it.
  std::string Today() const;

  // Counts committed write transactions. A reader that caches directory data (access keeps a
  // decision snapshot) reads it before loading and reloads when it has moved.
  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

 private:
  friend class Transaction;
  template <typename T, typename Fn>
  Result<T> WriteOne(Fn&& fn);

  store::Database& db_;
  audit::Log& log_;
  core::Clock& clock_;
  core::EventBus* bus_;
  std::atomic<uint64_t> generation_{0};
};

}  // namespace fg::directory
