// access/presence.h: who is in which zone now, from granted passages.
//
// What it decides: a person's current zone is the zone entered by their last granted passage
// (an exit puts them in the door's other zone). Implements identity::Presence for the logon
// presence check; Occupancy() counts people per zone for the floor view and muster.
// What it never does: read the database on a query (AccessControl loads it at start and moves
// people after each committed passage).
// Thread-safety: thread-safe; reads take a shared lock.
//
//   PresenceTracker presence;
//   presence.Move(person_id, zone_id, now);
//   bool inside = *presence.IsPresent(person_id, zone_id, now);
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <shared_mutex>
#include <unordered_map>

#include "core/clock.h"
#include "identity/identity.h"

namespace fg::access {

class PresenceTracker final : public identity::Presence {
 public:
  struct Location {
    int64_t zone_id = 0;
    core::WallTime since;
  };

  // True when the person's current zone is zone_id and they got there at or before `at`.
  Result<bool> IsPresent(int64_t person_id, int64_t zone_id, core::WallTime at) override;

  std::optional<Location> Where(int64_t person_id) const;
  std::optional<int64_t> CurrentZone(int64_t person_id) const;
  void Move(int64_t person_id, int64_t zone_id, core::WallTime at);
  // The person is no longer anywhere (terminated, or swept out).
  void Remove(int64_t person_id);
  // People per zone now, by zone id.
  std::map<int64_t, int64_t> Occupancy() const;

 private:
  mutable std::shared_mutex mutex_;
  std::unordered_map<int64_t, Location> where_;
};

}  // namespace fg::access
