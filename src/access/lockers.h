// access/lockers.h: lockers in a zone (the break room's), each assigned to at most one person.
//
// What it decides: whether a locker is well formed (a zone that exists, a label of 1..32 of
// [A-Za-z0-9 ._-] unique within its zone ignoring case), whether it may be assigned (a person
// who exists and is not terminated, the locker free, and the person holding no other locker
// in the same zone) or released (it is assigned), and which lockers are to be reclaimed:
// those assigned to a terminated person (or to one no longer in the directory).
// Every write and its audit entry ("access.locker.create", "access.locker.assign",
// "access.locker.release") commit in one store transaction.
// What it never does: open a locker or decide a door; it only keeps the register.
// Thread-safety: Lockers is thread-safe; the rules are checked again inside the write, so two
// concurrent assignments cannot both win.
//
//   access::Lockers lockers(db, log, directory);
//   FG_ASSIGN_OR_RETURN(auto locker, lockers.Create({.zone_id = 3, .label = "B-12"}, "user:a"));
//   FG_ASSIGN_OR_RETURN(locker, lockers.Assign(locker.id, person_id, "user:a"));
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "audit/audit.h"
#include "core/clock.h"
#include "core/result.h"
#include "directory/directory.h"
#include "store/store.h"

namespace fg::access {

struct Locker {
  int64_t id = 0;
  int64_t zone_id = 0;
  std::string label;
  std::optional<int64_t> person_id;
  std::optional<core::WallTime> assigned_at;
};

struct LockerInput {
  int64_t zone_id = 0;
  std::string label;
};

struct LockerFilter {
  std::optional<int64_t> zone_id;
  std::optional<int64_t> person_id;
};

// A locker whose holder has left: terminated, or removed from the directory.
struct LockerToReclaim {
  Locker locker;
  std::string person_name;  // empty when the person no longer exists
  std::optional<std::string> end_date;
};

class Lockers {
 public:
  Lockers(store::Database& db, audit::Log& log, directory::Directory& directory,
          core::Clock& clock);

  // Schema of module "access_lockers": db.Migrate("access_lockers", Migrations()).
  static std::span<const store::Migration> Migrations();

  // Bad input InvalidArgument naming the field; a label taken in the zone AlreadyExists on
  // "label".
  Result<Locker> Create(const LockerInput& input, std::string_view actor);
  Result<Locker> Get(int64_t id);
  // Ordered by zone, then label.
  Result<std::vector<Locker>> List(const LockerFilter& filter = {});
  // FailedPrecondition when the locker is assigned to someone else; AlreadyExists on
  // "person_id" when the person holds another locker in the zone; assigning a locker to its
  // holder again changes nothing.
  Result<Locker> Assign(int64_t id, int64_t person_id, std::string_view actor);
  // FailedPrecondition when the locker is not assigned.
  Result<Locker> Release(int64_t id, std::string_view actor);
  Result<std::vector<LockerToReclaim>> ToReclaim();

 private:
  store::Database& db_;
  audit::Log& log_;
  directory::Directory& directory_;
  core::Clock& clock_;
};

}  // namespace fg::access
