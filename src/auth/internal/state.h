// Auth's in-memory state: the Argon2 concurrency limit, the dummy hash for unknown users,
// when each session was last seen, and the device-token cache. Private to the auth module.
#pragma once

#include <cstdint>
#include <mutex>
#include <semaphore>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include "auth/auth.h"
#include "core/clock.h"

namespace fg::auth {

struct Auth::State {
  explicit State(int hash_slots) : hash_slots(hash_slots < 1 ? 1 : hash_slots) {}

  // Bounds the Argon2 computations (and their memory) running at once.
  std::counting_semaphore<> hash_slots;
  // A hash of a random password made with the current parameters: unknown users are
  // verified against it so they cost as much time as known ones.
  std::string dummy_hash;

  // Sessions seen by this process. last_seen is exact; the database copy is written at most
  // once per kLastSeenWriteInterval per session, so a busy console is not a write per request.
  struct SeenSession {
    core::WallTime last_seen;
    core::WallTime stored;  // what the database holds
  };
  std::mutex sessions_mu;
  std::unordered_map<int64_t, SeenSession> sessions;
  size_t prune_sessions_at = 10000;

  // Verified device tokens by secret hash. `revocations` counts RevokeToken calls so that a
  // lookup that read the row before a revocation committed does not cache it afterwards.
  struct CachedDevice {
    Principal principal;
    core::SteadyTime verified_at;
  };
  std::shared_mutex devices_mu;
  std::unordered_map<std::string, CachedDevice> devices;
  uint64_t revocations = 0;
};

inline constexpr std::chrono::seconds kLastSeenWriteInterval{30};
inline constexpr size_t kMaxCachedDevices = 100000;

}  // namespace fg::auth
