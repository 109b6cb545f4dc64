// access/decide.h: the door decision — reader + credential -> grant or deny with a reason.
//
// What it decides, in this order (the first failing rule names the reason):
//   reader known -> credential well formed -> badge known -> badge active (not revoked/lost)
//   -> badge inside its validity window -> PIN, when the zone entered requires one -> person
//   active (not suspended/terminated; an applicant only into public zones) -> non-employees
//   only into public zones unless an escort grant for the zone holds now -> staff/secure
//   zones need a hired or active employee -> a campaign zone needs an assignment to that
//   campaign and training for it valid today -> restricted zones need an explicit grant ->
//   the zone's schedule, on entry only (holidays closed, then weekly hours in the site's
//   time zone; leaving is never locked in, for safety) -> anti-passback of the zone entered
//   (hard: deny; soft: grant with alert "passback_soft").
// A grant into a zone inside another (Zone::parent_id) by someone not last seen inside the
// enclosing zone carries the hint "tailgate_suspected": they got in without badging.
// The zone entered is the door's `to` zone at its entry reader, its `from` zone at its exit
// reader. DecideInMemory is pure: it reads an immutable Snapshot and a presence view and
// does no I/O, so a decision costs a few hash lookups.
// What it never does: write (AccessControl::Decide records the decision), or treat a deny
// as an error.
// Thread-safety: a Snapshot is immutable and shared between threads; DecideInMemory is
// reentrant.
//
//   auto snapshot = access_control.snapshot();
//   Decision d = DecideInMemory(*snapshot, &presence, {.reader_id = "door-1-in",
//                                                     .credential = "w26:12:34567"}, now);
#pragma once

#include <climits>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/time_zone.h"
#include "directory/directory.h"
#include "identity/schedule.h"

namespace fg::access {

class PresenceTracker;

enum class BadgeStatus { kActive, kRevoked, kLost };
enum class PassbackMode { kOff, kSoft, kHard };
std::string_view BadgeStatusName(BadgeStatus status);  // "active", "revoked", "lost"
std::optional<BadgeStatus> ParseBadgeStatus(std::string_view name);
std::string_view PassbackModeName(PassbackMode mode);  // "off", "soft", "hard"
std::optional<PassbackMode> ParsePassbackMode(std::string_view name);

enum class Verdict { kGrant, kDeny };
enum class Reason {
  kGranted,
  kUnknownReader,
  kMalformedCredential,
  kUnknownCredential,
  kBadgeRevoked,
  kBadgeLost,
  kBadgeNotYetValid,
  kBadgeExpired,
  kPersonNotActive,
  kEscortRequired,    // a non-employee outside public zones without an escort grant
  kEmployeeRequired,  // staff or secure zone, not a hired or active employee
  kNotTrained,
  kNoGrant,  // restricted zone without an explicit grant
  kPassback,
  kPinRequired,  // the zone needs a PIN and none was given, or the badge has none set
  kPinInvalid,
  kNotAssigned,  // campaign zone, person not assigned to the campaign
  kOutsideSchedule,
  kHoliday,
};
// Wire names: "granted", "unknown_reader", "badge_revoked", "not_trained"...
std::string_view ReasonName(Reason reason);

enum class Direction { kEntry, kExit };

struct DecideRequest {
  std::string reader_id;
  std::string credential;  // any form ParseCredential accepts
  std::optional<std::string> pin;
};

struct Decision {
  Verdict verdict = Verdict::kDeny;
  Reason reason = Reason::kUnknownReader;
  std::optional<int64_t> person_id;
  std::optional<int64_t> badge_id;
  std::optional<int64_t> door_id;
  Direction direction = Direction::kEntry;
  int64_t from_zone_id = 0;  // where the person stands (direction applied)
  int64_t to_zone_id = 0;    // the zone entered
  std::string credential_key;
  std::vector<std::string> alerts;
  uint64_t snapshot_version = 0;

  bool granted() const { return verdict == Verdict::kGrant; }
};

// Everything a decision reads, built once per change and then never modified.
struct Snapshot {
  struct PersonInfo {
    directory::PersonKind kind = directory::PersonKind::kEmployee;
    directory::PersonStatus status = directory::PersonStatus::kActive;
  };
  // Opening hours of a zone: weekly windows in the site's local time, closed on holidays.
  struct Hours {
    identity::Schedule weekly;
    std::shared_ptr<const core::TimeZone> time_zone;  // null: the zone could not be loaded
    std::vector<int32_t> holidays;                    // local day numbers, sorted
  };
  struct ZoneInfo {
    directory::ZoneClassification classification = directory::ZoneClassification::kStaff;
    std::optional<int64_t> campaign_id;
    std::optional<int64_t> parent_id;
    int64_t site_id = 0;
    PassbackMode passback = PassbackMode::kOff;
    bool pin_required = false;
    std::shared_ptr<const Hours> hours;  // null: always open
  };
  struct ReaderInfo {
    int64_t door_id = 0;
    Direction direction = Direction::kEntry;
    int64_t from_zone_id = 0;  // direction applied
    int64_t to_zone_id = 0;
  };
  struct BadgeInfo {
    int64_t id = 0;
    int64_t person_id = 0;
    BadgeStatus status = BadgeStatus::kActive;
    std::optional<core::WallTime> valid_from;
    std::optional<core::WallTime> valid_until;  // exclusive
    std::string pin_hash;                       // empty: no PIN set
  };
  struct Window {
    int64_t from_us = 0;
    int64_t until_us = INT64_MAX;  // exclusive
  };
  struct DayWindow {
    int32_t from_day = 0;  // days since 1970-01-01, UTC
    int32_t until_day = INT32_MAX;
  };
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  struct PairHash {
    size_t operator()(const std::pair<int64_t, int64_t>& p) const {
      return std::hash<uint64_t>{}(static_cast<uint64_t>(p.first) * 0x9E3779B97F4A7C15ULL ^
                                   static_cast<uint64_t>(p.second));
    }
  };
  template <typename T>
  using ByString = std::unordered_map<std::string, T, StringHash, std::equal_to<>>;
  template <typename T>
  using ByPair = std::unordered_map<std::pair<int64_t, int64_t>, T, PairHash>;

  uint64_t version = 0;
  uint64_t directory_generation = 0;  // directory::Directory::generation() when built
  uint64_t access_writes = 0;         // AccessControl's own write count when built
  std::unordered_map<int64_t, PersonInfo> people;
  std::unordered_map<int64_t, ZoneInfo> zones;
  ByString<ReaderInfo> readers;
  ByString<BadgeInfo> badges;                             // by credential key
  ByPair<std::vector<Window>> grants;                     // (person, zone)
  ByPair<std::vector<DayWindow>> trainings;               // (person, campaign)
  ByPair<bool> assignments;                               // (person, campaign)
  std::unordered_map<int64_t, bool> zones_with_stations;  // leaving one may lock a session
  // The PIN's keyed hash for a credential key (PinHash in access.h); null: PINs cannot be
  // checked here (an offline controller), so a PIN zone denies.
  std::function<std::string(std::string_view credential_key, std::string_view pin)> pin_hash;
};

// Days since 1970-01-01 of a date "YYYY-MM-DD" (nullopt when malformed).
std::optional<int32_t> DayNumber(std::string_view date);

// Decides on the snapshot alone. presence may be null (anti-passback then sees nobody inside).
Decision DecideInMemory(const Snapshot& snapshot, const PresenceTracker* presence,
                        const DecideRequest& request, core::WallTime now);

}  // namespace fg::access
