#include "access/lockers.h"

#include <cctype>
#include <map>
#include <nlohmann/json.hpp>

namespace fg::access {

namespace {

using Json = nlohmann::json;

constexpr store::Migration kMigrations[] = {
    {1, R"sql(
CREATE TABLE access_lockers (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  zone_id INTEGER NOT NULL,
  label TEXT NOT NULL,
  person_id INTEGER,
  assigned_at INTEGER,
  UNIQUE (zone_id, label COLLATE NOCASE),
  UNIQUE (zone_id, person_id)
);
CREATE INDEX access_lockers_person ON access_lockers (person_id);
)sql"},
};

constexpr std::string_view kColumns =
    "SELECT id, zone_id, label, person_id, assigned_at FROM access_lockers";

Locker LockerOf(const store::Row& r) {
  Locker l{.id = r.Int(0), .zone_id = r.Int(1), .label = r.Text(2), .person_id = r.OptInt(3)};
  if (auto at = r.OptInt(4)) l.assigned_at = core::FromUnixMicros(*at);
  return l;
}

Json LockerJson(const Locker& l) {
  return Json{{"zone_id", l.zone_id},
              {"label", l.label},
              {"person_id", l.person_id ? Json(*l.person_id) : Json(nullptr)}};
}

Result<std::string> CleanLabel(std::string_view label) {
  while (!label.empty() && label.front() == ' ') label.remove_prefix(1);
  while (!label.empty() && label.back() == ' ') label.remove_suffix(1);
  if (label.empty() || label.size() > 32) {
    return InvalidArgument("label", "must be 1..32 of [A-Za-z0-9 ._-]");
  }
  for (char c : label) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == ' ' || c == '.' || c == '_' ||
          c == '-')) {
      return InvalidArgument("label", "must be 1..32 of [A-Za-z0-9 ._-]");
    }
  }
  return std::string(label);
}

std::optional<Locker> FindIn(store::Connection& c, std::string_view where,
                             std::initializer_list<store::Param> params, Result<int64_t>* status) {
  std::optional<Locker> found;
  *status = c.Exec(std::string(kColumns) + " WHERE " + std::string(where), params,
                   [&](const store::Row& r) { found = LockerOf(r); });
  return found;
}

}  // namespace

Lockers::Lockers(store::Database& db, audit::Log& log, directory::Directory& directory,
                 core::Clock& clock)
    : db_(db), log_(log), directory_(directory), clock_(clock) {}

std::span<const store::Migration> Lockers::Migrations() { return kMigrations; }

Result<Locker> Lockers::Create(const LockerInput& in, std::string_view actor) {
  Locker locker{.zone_id = in.zone_id};
  FG_ASSIGN_OR_RETURN(locker.label, CleanLabel(in.label));
  if (in.zone_id <= 0) return InvalidArgument("zone_id", "must be a positive zone id");
  if (auto zone = directory_.GetZone(in.zone_id); !zone) {
    if (zone.error().code != ErrorCode::kNotFound) return tl::unexpected(zone.error());
    return InvalidArgument("zone_id", "zone " + std::to_string(in.zone_id) + " does not exist");
  }
  FG_RETURN_IF_ERROR(db_.Write([&](store::Connection& c) -> Result<void> {
    Result<int64_t> status = 0;
    auto taken = FindIn(c, "zone_id = ? AND label = ? COLLATE NOCASE",
                        {locker.zone_id, locker.label}, &status);
    FG_RETURN_IF_ERROR(status);
    if (taken) {
      return MakeError(
          ErrorCode::kAlreadyExists,
          "zone " + std::to_string(locker.zone_id) + " already has locker '" + taken->label + "'",
          "label");
    }
    FG_RETURN_IF_ERROR(c.Exec("INSERT INTO access_lockers (zone_id, label) VALUES (?, ?)",
                              {locker.zone_id, locker.label}));
    locker.id = c.LastInsertRowId();
    return log_
        .Append(c, {.actor = std::string(actor),
                    .action = "access.locker.create",
                    .subject = "locker:" + std::to_string(locker.id),
                    .details = LockerJson(locker).dump()})
        .transform([](int64_t) {});
  }));
  return locker;
}

Result<Locker> Lockers::Get(int64_t id) {
  std::optional<Locker> locker;
  FG_RETURN_IF_ERROR(db_.Read([&](store::Connection& c) {
    return c.Exec(std::string(kColumns) + " WHERE id = ?", {id},
                  [&](const store::Row& r) { locker = LockerOf(r); });
  }));
  if (!locker) return NotFound("locker " + std::to_string(id) + " does not exist");
  return *locker;
}

Result<std::vector<Locker>> Lockers::List(const LockerFilter& filter) {
  std::vector<Locker> lockers;
  FG_RETURN_IF_ERROR(db_.Read([&](store::Connection& c) {
    return c.Exec(std::string(kColumns) +
                      " WHERE (?1 IS NULL OR zone_id = ?1) AND (?2 IS NULL OR person_id = ?2) "
                      "ORDER BY zone_id, label COLLATE NOCASE, id",
                  {filter.zone_id, filter.person_id},
                  [&](const store::Row& r) { lockers.push_back(LockerOf(r)); });
  }));
  return lockers;
}

Result<Locker> Lockers::Assign(int64_t id, int64_t person_id, std::string_view actor) {
  if (person_id <= 0) return InvalidArgument("person_id", "must be a positive person id");
  auto person = directory_.GetPerson(person_id);
  if (!person) {
    if (person.error().code != ErrorCode::kNotFound) return tl::unexpected(person.error());
    return InvalidArgument("person_id", "person " + std::to_string(person_id) + " does not exist");
  }
  if (person->status == directory::PersonStatus::kTerminated) {
    return InvalidArgument("person_id", "person " + std::to_string(person_id) + " is terminated");
  }
  Locker locker;
  const core::WallTime now = clock_.WallNow();
  FG_RETURN_IF_ERROR(db_.Write([&](store::Connection& c) -> Result<void> {
    Result<int64_t> status = 0;
    auto current = FindIn(c, "id = ?", {id}, &status);
    FG_RETURN_IF_ERROR(status);
    if (!current) return NotFound("locker " + std::to_string(id) + " does not exist");
    locker = *current;
    if (locker.person_id == person_id) return Result<void>{};
    if (locker.person_id) {
      return MakeError(ErrorCode::kFailedPrecondition,
                       "locker " + std::to_string(id) + " is assigned to person " +
                           std::to_string(*locker.person_id) + "; release it first");
    }
    auto held = FindIn(c, "zone_id = ? AND person_id = ?", {locker.zone_id, person_id}, &status);
    FG_RETURN_IF_ERROR(status);
    if (held) {
      return MakeError(ErrorCode::kAlreadyExists,
                       "person " + std::to_string(person_id) + " already holds locker '" +
                           held->label + "' in this zone",
                       "person_id");
    }
    FG_RETURN_IF_ERROR(
        c.Exec("UPDATE access_lockers SET person_id = ?, assigned_at = ? WHERE id = ?",
               {person_id, core::ToUnixMicros(now), id}));
    locker.person_id = person_id;
    locker.assigned_at = now;
    return log_
        .Append(c, {.actor = std::string(actor),
                    .action = "access.locker.assign",
                    .subject = "locker:" + std::to_string(id),
                    .details = LockerJson(locker).dump()})
        .transform([](int64_t) {});
  }));
  return locker;
}

Result<Locker> Lockers::Release(int64_t id, std::string_view actor) {
  Locker locker;
  FG_RETURN_IF_ERROR(db_.Write([&](store::Connection& c) -> Result<void> {
    Result<int64_t> status = 0;
    auto current = FindIn(c, "id = ?", {id}, &status);
    FG_RETURN_IF_ERROR(status);
    if (!current) return NotFound("locker " + std::to_string(id) + " does not exist");
    locker = *current;
    if (!locker.person_id) {
      return MakeError(ErrorCode::kFailedPrecondition,
                       "locker " + std::to_string(id) + " is not assigned");
    }
    const int64_t previous = *locker.person_id;
    FG_RETURN_IF_ERROR(c.Exec(
        "UPDATE access_lockers SET person_id = NULL, assigned_at = NULL WHERE id = ?", {id}));
    locker.person_id.reset();
    locker.assigned_at.reset();
    return log_
        .Append(c, {.actor = std::string(actor),
                    .action = "access.locker.release",
                    .subject = "locker:" + std::to_string(id),
                    .details = Json{{"zone_id", locker.zone_id},
                                    {"label", locker.label},
                                    {"previous_person_id", previous}}
                                   .dump()})
        .transform([](int64_t) {});
  }));
  return locker;
}

Result<std::vector<LockerToReclaim>> Lockers::ToReclaim() {
  std::vector<Locker> assigned;
  FG_RETURN_IF_ERROR(db_.Read([&](store::Connection& c) {
    return c.Exec(std::string(kColumns) +
                      " WHERE person_id IS NOT NULL ORDER BY zone_id, label COLLATE NOCASE, id",
                  {}, [&](const store::Row& r) { assigned.push_back(LockerOf(r)); });
  }));
  std::map<int64_t, std::optional<directory::Person>> people;  // absent: no longer exists
  std::vector<LockerToReclaim> out;
  for (const Locker& l : assigned) {
    auto it = people.find(*l.person_id);
    if (it == people.end()) {
      auto person = directory_.GetPerson(*l.person_id);
      if (!person && person.error().code != ErrorCode::kNotFound) {
        return tl::unexpected(person.error());
      }
      it = people.emplace(*l.person_id, person ? std::optional(*person) : std::nullopt).first;
    }
    const auto& person = it->second;
    if (person && person->status != directory::PersonStatus::kTerminated) continue;
    out.push_back({.locker = l,
                   .person_name = person ? person->name : std::string(),
                   .end_date = person ? person->end_date : std::nullopt});
  }
  return out;
}

}  // namespace fg::access
