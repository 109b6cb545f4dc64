// Directory: the read side and the one-write-per-call wrappers around Transaction. The
// rules of each kind live with its Transaction methods (people.cc, campaigns.cc, places.cc).
#include "directory/directory.h"

#include <array>
#include <utility>

#include "directory/internal/rows.h"
#include "directory/internal/rules.h"

namespace fg::directory {

namespace {

constexpr std::array<std::pair<PersonKind, std::string_view>, 4> kKinds = {{
    {PersonKind::kEmployee, "employee"},
    {PersonKind::kApplicant, "applicant"},
    {PersonKind::kVisitor, "visitor"},
    {PersonKind::kContractor, "contractor"},
}};
constexpr std::array<std::pair<PersonStatus, std::string_view>, 4> kStatuses = {{
    {PersonStatus::kHired, "hired"},
    {PersonStatus::kActive, "active"},
    {PersonStatus::kSuspended, "suspended"},
    {PersonStatus::kTerminated, "terminated"},
}};
constexpr std::array<std::pair<ZoneClassification, std::string_view>, 4> kClassifications = {{
    {ZoneClassification::kPublic, "public"},
    {ZoneClassification::kStaff, "staff"},
    {ZoneClassification::kSecure, "secure"},
    {ZoneClassification::kRestricted, "restricted"},
}};

template <typename E, size_t N>
std::string_view NameOf(const std::array<std::pair<E, std::string_view>, N>& table, E value) {
  for (const auto& [v, name] : table) {
    if (v == value) return name;
  }
  return "unknown";
}

template <typename E, size_t N>
std::optional<E> ValueOf(const std::array<std::pair<E, std::string_view>, N>& table,
                         std::string_view name) {
  for (const auto& [v, n] : table) {
    if (n == name) return v;
  }
  return std::nullopt;
}

// A Get: the record, or NotFound naming it.
template <typename T>
Result<T> Found(Result<std::optional<T>> loaded, std::string_view kind, int64_t id) {
  if (!loaded) return tl::unexpected(loaded.error());
  if (!*loaded) return NotFound(std::string(kind) + " " + std::to_string(id) + " does not exist");
  return std::move(**loaded);
}

}  // namespace

std::string_view PersonKindName(PersonKind kind) { return NameOf(kKinds, kind); }
std::string_view PersonStatusName(PersonStatus status) { return NameOf(kStatuses, status); }
std::string_view ZoneClassificationName(ZoneClassification classification) {
  return NameOf(kClassifications, classification);
}
std::optional<PersonKind> ParsePersonKind(std::string_view name) { return ValueOf(kKinds, name); }
std::optional<PersonStatus> ParsePersonStatus(std::string_view name) {
  return ValueOf(kStatuses, name);
}
std::optional<ZoneClassification> ParseZoneClassification(std::string_view name) {
  return ValueOf(kClassifications, name);
}

// Transaction plumbing.

Result<void> Transaction::Audit(std::string_view actor, std::string action, std::string subject,
                                std::string details) {
  return directory_.log_
      .Append(c_, {.actor = std::string(actor),
                   .action = std::move(action),
                   .subject = std::move(subject),
                   .details = std::move(details)})
      .transform([](int64_t) {});
}

std::string Transaction::Today() const { return directory_.Today(); }

std::string Directory::Today() const { return internal::DateOf(clock_.WallNow()); }

Result<std::optional<Site>> Transaction::FindSiteByName(std::string_view name) {
  return internal::LoadSiteByName(c_, name);
}

Result<void> Directory::InTransaction(const std::function<Result<void>(Transaction&)>& fn) {
  std::vector<PersonStatusChanged> changes;
  FG_RETURN_IF_ERROR(db_.Write([&](store::Connection& c) -> Result<void> {
    Transaction tx(*this, c);
    FG_RETURN_IF_ERROR(fn(tx));
    changes = std::move(tx.status_changes_);
    return {};
  }));
  generation_.fetch_add(1, std::memory_order_acq_rel);
  // After Write returned: durable, and off the writer thread, so a subscriber may write.
  if (bus_ != nullptr) {
    for (const PersonStatusChanged& change : changes) bus_->Publish(change);
  }
  return {};
}

template <typename T, typename Fn>
Result<T> Directory::WriteOne(Fn&& fn) {
  std::optional<T> out;
  FG_RETURN_IF_ERROR(InTransaction([&](Transaction& tx) -> Result<void> {
    FG_ASSIGN_OR_RETURN(T value, fn(tx));
    out = std::move(value);
    return {};
  }));
  return std::move(*out);
}

// Writes: one transaction each.

Result<Person> Directory::CreatePerson(const PersonInput& input, std::string_view actor) {
  return WriteOne<Person>([&](Transaction& tx) { return tx.CreatePerson(input, actor); });
}
Result<Person> Directory::UpdatePerson(int64_t id, const PersonPatch& patch,
                                       std::string_view actor) {
  return WriteOne<Person>([&](Transaction& tx) { return tx.UpdatePerson(id, patch, actor); });
}
Result<void> Directory::DeletePerson(int64_t id, std::string_view actor) {
  return InTransaction([&](Transaction& tx) { return tx.DeletePerson(id, actor); });
}

Result<Campaign> Directory::CreateCampaign(const CampaignInput& input, std::string_view actor) {
  return WriteOne<Campaign>([&](Transaction& tx) { return tx.CreateCampaign(input, actor); });
}
Result<Campaign> Directory::UpdateCampaign(int64_t id, const CampaignPatch& patch,
                                           std::string_view actor) {
  return WriteOne<Campaign>([&](Transaction& tx) { return tx.UpdateCampaign(id, patch, actor); });
}
Result<void> Directory::DeleteCampaign(int64_t id, std::string_view actor) {
  return InTransaction([&](Transaction& tx) { return tx.DeleteCampaign(id, actor); });
}

Result<TrainingRecord> Directory::CreateTraining(const TrainingInput& input,
                                                 std::string_view actor) {
  return WriteOne<TrainingRecord>([&](Transaction& tx) { return tx.CreateTraining(input, actor); });
}
Result<TrainingRecord> Directory::UpdateTraining(int64_t id, const TrainingPatch& patch,
                                                 std::string_view actor) {
  return WriteOne<TrainingRecord>(
      [&](Transaction& tx) { return tx.UpdateTraining(id, patch, actor); });
}
Result<void> Directory::DeleteTraining(int64_t id, std::string_view actor) {
  return InTransaction([&](Transaction& tx) { return tx.DeleteTraining(id, actor); });
}

Result<Site> Directory::CreateSite(const SiteInput& input, std::string_view actor) {
  return WriteOne<Site>([&](Transaction& tx) { return tx.CreateSite(input, actor); });
}
Result<Site> Directory::UpdateSite(int64_t id, const SitePatch& patch, std::string_view actor) {
  return WriteOne<Site>([&](Transaction& tx) { return tx.UpdateSite(id, patch, actor); });
}
Result<void> Directory::DeleteSite(int64_t id, std::string_view actor) {
  return InTransaction([&](Transaction& tx) { return tx.DeleteSite(id, actor); });
}

Result<Zone> Directory::CreateZone(const ZoneInput& input, std::string_view actor) {
  return WriteOne<Zone>([&](Transaction& tx) { return tx.CreateZone(input, actor); });
}
Result<Zone> Directory::UpdateZone(int64_t id, const ZonePatch& patch, std::string_view actor) {
  return WriteOne<Zone>([&](Transaction& tx) { return tx.UpdateZone(id, patch, actor); });
}
Result<void> Directory::DeleteZone(int64_t id, std::string_view actor) {
  return InTransaction([&](Transaction& tx) { return tx.DeleteZone(id, actor); });
}

Result<Station> Directory::CreateStation(const StationInput& input, std::string_view actor) {
  return WriteOne<Station>([&](Transaction& tx) { return tx.CreateStation(input, actor); });
}
Result<Station> Directory::UpdateStation(int64_t id, const StationPatch& patch,
                                         std::string_view actor) {
  return WriteOne<Station>([&](Transaction& tx) { return tx.UpdateStation(id, patch, actor); });
}
Result<void> Directory::DeleteStation(int64_t id, std::string_view actor) {
  return InTransaction([&](Transaction& tx) { return tx.DeleteStation(id, actor); });
}

// Reads: one snapshot each.

Result<Person> Directory::GetPerson(int64_t id) {
  return Found(db_.Read([&](store::Connection& c) { return internal::LoadPerson(c, id); }),
               "person", id);
}
Result<Page<Person>> Directory::ListPeople(const PersonFilter& filter, int limit,
                                           int64_t after_id) {
  return db_.Read(
      [&](store::Connection& c) { return internal::QueryPeople(c, filter, limit, after_id); });
}

Result<Campaign> Directory::GetCampaign(int64_t id) {
  return Found(db_.Read([&](store::Connection& c) { return internal::LoadCampaign(c, id); }),
               "campaign", id);
}
Result<Page<Campaign>> Directory::ListCampaigns(const CampaignFilter& filter, int limit,
                                                int64_t after_id) {
  return db_.Read(
      [&](store::Connection& c) { return internal::QueryCampaigns(c, filter, limit, after_id); });
}

Result<TrainingRecord> Directory::GetTraining(int64_t id) {
  return Found(db_.Read([&](store::Connection& c) { return internal::LoadTraining(c, id); }),
               "training record", id);
}
Result<Page<TrainingRecord>> Directory::ListTraining(const TrainingFilter& filter, int limit,
                                                     int64_t after_id) {
  return db_.Read(
      [&](store::Connection& c) { return internal::QueryTraining(c, filter, limit, after_id); });
}

Result<Site> Directory::GetSite(int64_t id) {
  return Found(db_.Read([&](store::Connection& c) { return internal::LoadSite(c, id); }), "site",
               id);
}
Result<Page<Site>> Directory::ListSites(const SiteFilter& filter, int limit, int64_t after_id) {
  return db_.Read(
      [&](store::Connection& c) { return internal::QuerySites(c, filter, limit, after_id); });
}

Result<Zone> Directory::GetZone(int64_t id) {
  return Found(db_.Read([&](store::Connection& c) { return internal::LoadZone(c, id); }), "zone",
               id);
}
Result<Page<Zone>> Directory::ListZones(const ZoneFilter& filter, int limit, int64_t after_id) {
  return db_.Read(
      [&](store::Connection& c) { return internal::QueryZones(c, filter, limit, after_id); });
}

Result<Station> Directory::GetStation(int64_t id) {
  return Found(db_.Read([&](store::Connection& c) { return internal::LoadStation(c, id); }),
               "station", id);
}
Result<Page<Station>> Directory::ListStations(const StationFilter& filter, int limit,
                                              int64_t after_id) {
  return db_.Read(
      [&](store::Connection& c) { return internal::QueryStations(c, filter, limit, after_id); });
}

Result<std::optional<Person>> Directory::FindPersonByEmployeeNumber(
    std::string_view employee_number) {
  return db_.Read([&](store::Connection& c) {
    return internal::LoadPersonByEmployeeNumber(c, employee_number);
  });
}

Result<std::optional<Station>> Directory::FindStationByWorkstationId(
    std::string_view workstation_id) {
  return db_.Read([&](store::Connection& c) {
    return internal::LoadStationByWorkstationId(c, workstation_id);
  });
}

Result<bool> Directory::ValidTraining(int64_t person_id, int64_t campaign_id,
                                      std::string_view date) {
  if (!core::IsValidDate(date)) {
    return InvalidArgument("date", "must be a real calendar date YYYY-MM-DD");
  }
  return db_.Read([&](store::Connection& c) {
    return internal::HasValidTraining(c, person_id, campaign_id, date);
  });
}

Result<DirectoryCounts> Directory::Counts() {
  return db_.Read([&](store::Connection& c) { return internal::LoadCounts(c); });
}

}  // namespace fg::directory
