// access: physical access control — doors between zones, badges, grants, anti-passback, and
// the decision for every badge read (decide.h), with presence from granted passages.
//
// What it decides: whether a door, badge, grant or zone setting is well formed (names, reader
// ids unique across doors, zones and people that exist, a credential that parses, windows
// that end after they start); and, per badge read, grant or deny (decide.h). Every write and
// its audit entry ("access.door.create", "access.badge.revoke", "access.grant.create",
// "access.decide.grant" / "access.decide.deny") commit in one store transaction.
// Decisions read an immutable Snapshot swapped atomically (RCU via shared_ptr); a write marks
// it stale and the next decision rebuilds it, so a revoked badge is denied from the very next
// decision.
// What it never does: change directory data, speak HTTP, or run SQL on the decision path
// (DecideInMemory); Decide writes only the passage and its audit entry (group commit).
// Thread-safety: AccessControl is thread-safe. Directory changes (people, training,
// assignments, zones) reach the next decision: Decide rebuilds the snapshot first when the
// directory's generation moved since it was built.
//
//   access::AccessControl access(db, log, directory, clock, &bus);
//   FG_RETURN_IF_ERROR(access.Start());
//   FG_ASSIGN_OR_RETURN(auto decision, access.Decide({.reader_id = "d1-in", .credential = bits}));
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "access/alert_port.h"
#include "access/credential.h"
#include "access/decide.h"
#include "access/presence.h"
#include "audit/audit.h"
#include "auth/secret_box.h"
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
  bool has_pin = false;                       // the PIN itself is never read back
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
  // Sets (4..12 digits) or, with an empty string, clears the badge's PIN. Stored only as a
  // keyed hash; never echoed, logged or audited.
  std::optional<std::string> pin;
};

// Per-zone door rules beyond the directory's classification.
struct ZoneSettings {
  int64_t zone_id = 0;
  PassbackMode passback = PassbackMode::kOff;
  bool pin_required = false;
  std::string schedule;  // identity::Schedule text ("mon-fri 07:00-20:00"); empty: always open
};
struct ZoneSettingsPatch {
  std::optional<PassbackMode> passback;
  std::optional<bool> pin_required;
  std::optional<std::string> schedule;
};

// A day a site's scheduled zones stay closed.
struct Holiday {
  int64_t site_id = 0;
  std::string date;  // YYYY-MM-DD, the site's local date
  std::string name;
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

struct AccessOptions {
  // Keys the PIN hashes (SecretBox::Mac). Null: an ephemeral key (tests); PINs set then do
  // not survive a restart.
  const auth::SecretBox* secret_box = nullptr;
  // Receives "access.passback_soft" and "access.tailgate_suspected" hints. May be null.
  AlertPort* alerts = nullptr;
};

class AccessControl {
 public:
  AccessControl(store::Database& db, audit::Log& log, directory::Directory& directory,
                core::Clock& clock, core::EventBus* bus = nullptr, AccessOptions options = {});
  ~AccessControl();

  // Schema of module "access": db.Migrate("access", AccessControl::Migrations()).
  static std::span<const store::Migration> Migrations();

  // Loads the snapshot and presence (last granted passage per person). Call once.
  Result<void> Start();
  // Rebuilds the snapshot from the store now.
  Result<void> Refresh();
  // The snapshot decisions use: rebuilt first when an access or directory write happened
  // since it was built (so a bulk enrolment costs one rebuild, at the next read).
  std::shared_ptr<const Snapshot> snapshot();
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
  // A schedule that does not parse is InvalidArgument("schedule").
  Result<ZoneSettings> UpdateZoneSettings(int64_t zone_id, const ZoneSettingsPatch& patch,
                                          std::string_view actor);
  Result<ZoneSettings> GetZoneSettings(int64_t zone_id);
  Result<std::vector<ZoneSettings>> ListZoneSettings();

  Result<Holiday> AddHoliday(const Holiday& holiday, std::string_view actor);
  Result<void> DeleteHoliday(int64_t site_id, std::string_view date, std::string_view actor);
  Result<std::vector<Holiday>> ListHolidays(std::optional<int64_t> site_id = std::nullopt);

  // Newest first; person_id filters.
  Result<std::vector<Passage>> ListPassages(int limit = 50,
                                            std::optional<int64_t> person_id = std::nullopt);

 private:
  Result<void> CheckZone(int64_t zone_id, const std::string& field);
  Result<void> CheckPerson(int64_t person_id, const std::string& field);
  Result<void> Audit(store::Connection& c, std::string_view actor, std::string action,
                     std::string subject, std::string details);
  std::string PinHash(std::string_view credential_key, std::string_view pin) const;
  std::shared_ptr<const Snapshot> CurrentSnapshot();
  void Invalidate();             // after a committed access write: the next read rebuilds
  Result<void> RebuildLocked();  // holds refresh_mutex_
  void RaiseHints(const Decision& decision, const DecideRequest& request);

  store::Database& db_;
  audit::Log& log_;
  directory::Directory& directory_;
  core::Clock& clock_;
  AccessOptions options_;
  core::EventBus* bus_;                       // may be null: no PersonLeftZone then
  std::unique_ptr<auth::SecretBox> own_box_;  // when options_.secret_box is null
  // Decisions on one credential are serialised, so two simultaneous reads of a badge cannot
  // both pass hard anti-passback before presence moves. Striped: different badges rarely wait.
  static constexpr size_t kDecideStripes = 256;
  std::array<std::mutex, kDecideStripes> decide_stripes_;
  PresenceTracker presence_;
  core::TimeZones time_zones_;
  std::mutex refresh_mutex_;
  std::atomic<uint64_t> version_{0};
  std::atomic<uint64_t> writes_{0};
  std::shared_ptr<const Snapshot> snapshot_;  // read and swapped with std::atomic_load/store
  std::optional<core::Subscription> status_subscription_;
};

}  // namespace fg::access
