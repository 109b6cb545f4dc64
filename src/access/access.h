// access: physical access control — doors between zones, badges, grants, anti-passback, and
// the decision for every badge read (decide.h), with presence from granted passages.
//
// What it decides: whether a door, badge, grant or zone setting is well formed (names, reader
// ids unique across doors, zones and people that exist, a credential that parses, windows
// that end after they start); and, per badge read, grant or deny (decide.h). Every write and
// its audit entry ("access.door.create", "access.badge.revoke", "access.grant.create",
// "access.decide.grant" / "access.decide.deny") commit in one store transaction.
// Decisions read an immutable Snapshot swapped atomically (RCU via shared_ptr) after each
// access write and on Refresh(); a revoked badge is denied from the very next decision.
// What it never does: change directory data, speak HTTP, or run SQL on the decision path
// (DecideInMemory); Decide writes only the passage and its audit entry (group commit).
// Thread-safety: AccessControl is thread-safe. Directory changes (training, zones, people)
// reach decisions on Refresh(); person status changes arrive by the bus when one is given.
//
//   access::AccessControl access(db, log, directory, clock, &bus);
//   FG_RETURN_IF_ERROR(access.Start());
//   FG_ASSIGN_OR_RETURN(auto decision, access.Decide({.reader_id = "d1-in", .credential = bits}));
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "access/credential.h"
#include "access/decide.h"
#include "access/presence.h"
#include "audit/audit.h"
#include "core/clock.h"
#include "core/event_bus.h"
#include "core/result.h"
#include "directory/directory.h"
#include "store/store.h"

namespace fg::access {

struct Door {
  int64_t id = 0;
  std::string name;
  int64_t from_zone_id = 0;
  int64_t to_zone_id = 0;
  std::string entry_reader_id;                // on the from side: entering to_zone
  std::optional<std::string> exit_reader_id;  // on the to side: back to from_zone
  // The door controller (its device token's name) that drives the readers; it receives this
  // door's rules in its offline cache. Empty: no controller assigned yet.
  std::string controller;
};
struct DoorInput {
  std::string name;
  int64_t from_zone_id = 0;
  int64_t to_zone_id = 0;
  std::string entry_reader_id;
  std::optional<std::string> exit_reader_id;
  std::string controller;
};

struct Badge {
  int64_t id = 0;
  std::string credential_key;  // normalised (credential.h)
  int64_t person_id = 0;
  BadgeStatus status = BadgeStatus::kActive;
  std::optional<core::WallTime> valid_from;
  std::optional<core::WallTime> valid_until;  // exclusive
};
struct BadgeInput {
  std::string credential;  // any form ParseCredential accepts
  int64_t person_id = 0;
  std::optional<core::WallTime> valid_from;
  std::optional<core::WallTime> valid_until;
};
struct BadgePatch {
  std::optional<BadgeStatus> status;
  std::optional<std::optional<core::WallTime>> valid_from;
  std::optional<std::optional<core::WallTime>> valid_until;
};

// An explicit grant (restricted zones) or an escort grant (visitors beyond public zones).
struct Grant {
  int64_t id = 0;
  int64_t person_id = 0;
  int64_t zone_id = 0;
  core::WallTime valid_from;
  std::optional<core::WallTime> valid_until;  // exclusive
  std::string note;                           // "escort by E1001", "server room maintenance"
};
struct GrantInput {
  int64_t person_id = 0;
  int64_t zone_id = 0;
  core::WallTime valid_from;
  std::optional<core::WallTime> valid_until;
  std::string note;
};

// One recorded decision.
struct Passage {
  int64_t id = 0;
  core::WallTime time;
  std::string reader_id;
  std::optional<int64_t> door_id;
  std::optional<int64_t> badge_id;
  std::optional<int64_t> person_id;
  int64_t from_zone_id = 0;
  int64_t to_zone_id = 0;
  bool granted = false;
  std::string reason;
};

class AccessControl {
 public:
  AccessControl(store::Database& db, audit::Log& log, directory::Directory& directory,
                core::Clock& clock, core::EventBus* bus = nullptr);
  ~AccessControl();

  // Schema of module "access": db.Migrate("access", AccessControl::Migrations()).
  static std::span<const store::Migration> Migrations();

  // Loads the snapshot and presence (last granted passage per person). Call once.
  Result<void> Start();
  // Rebuilds the snapshot from the store (after directory changes).
  Result<void> Refresh();
  std::shared_ptr<const Snapshot> snapshot() const;
  PresenceTracker& presence() { return presence_; }

  // Decides on the current snapshot, records the passage and its audit entry, moves the person
  // on a grant, and returns after the commit. An Error means "could not record": fail closed.
  Result<Decision> Decide(const DecideRequest& request);

  // Writes: missing ids NotFound; bad input InvalidArgument naming the field; taken unique
  // keys AlreadyExists naming the field.
  Result<Door> CreateDoor(const DoorInput& input, std::string_view actor);
  Result<Door> GetDoor(int64_t id);
  Result<std::vector<Door>> ListDoors();
  Result<Door> UpdateDoor(int64_t id, const DoorInput& input, std::string_view actor);
  Result<void> DeleteDoor(int64_t id, std::string_view actor);

  Result<Badge> CreateBadge(const BadgeInput& input, std::string_view actor);
  Result<Badge> GetBadge(int64_t id);
  Result<std::vector<Badge>> ListBadges(std::optional<int64_t> person_id = std::nullopt);
  Result<Badge> UpdateBadge(int64_t id, const BadgePatch& patch, std::string_view actor);
  Result<void> DeleteBadge(int64_t id, std::string_view actor);

  Result<Grant> CreateGrant(const GrantInput& input, std::string_view actor);
  Result<std::vector<Grant>> ListGrants(std::optional<int64_t> person_id = std::nullopt);
  Result<void> DeleteGrant(int64_t id, std::string_view actor);

  Result<void> SetPassbackMode(int64_t zone_id, PassbackMode mode, std::string_view actor);

  // Newest first.
  Result<std::vector<Passage>> ListPassages(int limit = 50);

 private:
  Result<void> CheckZone(int64_t zone_id, const std::string& field);
  Result<void> CheckPerson(int64_t person_id, const std::string& field);
  Result<void> Audit(store::Connection& c, std::string_view actor, std::string action,
                     std::string subject, std::string details);

  store::Database& db_;
  audit::Log& log_;
  directory::Directory& directory_;
  core::Clock& clock_;
  PresenceTracker presence_;
  std::mutex refresh_mutex_;
  std::atomic<uint64_t> version_{0};
  std::shared_ptr<const Snapshot> snapshot_;  // read and swapped with std::atomic_load/store
  std::optional<core::Subscription> status_subscription_;
};

}  // namespace fg::access
