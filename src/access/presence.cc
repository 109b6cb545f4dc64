#include "access/presence.h"

#include <mutex>

namespace fg::access {

Result<bool> PresenceTracker::IsPresent(int64_t person_id, int64_t zone_id, core::WallTime at) {
  std::shared_lock lock(mutex_);
  auto it = where_.find(person_id);
  return it != where_.end() && it->second.zone_id == zone_id && it->second.since <= at;
}

std::optional<PresenceTracker::Location> PresenceTracker::Where(int64_t person_id) const {
  std::shared_lock lock(mutex_);
  auto it = where_.find(person_id);
  if (it == where_.end()) return std::nullopt;
  return it->second;
}

std::optional<int64_t> PresenceTracker::CurrentZone(int64_t person_id) const {
  std::shared_lock lock(mutex_);
  auto it = where_.find(person_id);
  if (it == where_.end()) return std::nullopt;
  return it->second.zone_id;
}

void PresenceTracker::Move(int64_t person_id, int64_t zone_id, core::WallTime at) {
  std::unique_lock lock(mutex_);
  where_[person_id] = Location{.zone_id = zone_id, .since = at};
}

void PresenceTracker::Remove(int64_t person_id) {
  std::unique_lock lock(mutex_);
  where_.erase(person_id);
}

std::map<int64_t, int64_t> PresenceTracker::Occupancy() const {
  std::shared_lock lock(mutex_);
  std::map<int64_t, int64_t> counts;
  for (const auto& [person, location] : where_) ++counts[location.zone_id];
  return counts;
}

}  // namespace fg::access
