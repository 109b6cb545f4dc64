// Helpers shared by the identity module's sources: errors, audit details, account rows and
// the in-memory state. Private to the module.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <semaphore>
#include <string>
#include <string_view>

#include "core/event_bus.h"
#include "core/result.h"
#include "core/time_zone.h"
#include "identity/identity.h"
#include "store/store.h"

namespace fg::identity {

struct Identity::State {
  explicit State(int slots) : hash_slots(slots < 1 ? 1 : slots) {}
  // Bounds the Argon2 computations (and their memory) running at once.
  std::counting_semaphore<> hash_slots;
  // A hash of a random password: unknown or inactive accounts are verified against it, so
  // they cost the same time as a wrong password.
  std::string dummy_hash;
  core::Subscription person_status;
  core::Subscription left_zone;
  // Site time zones for the off-shift check, each file read once.
  core::TimeZones zones;
};

namespace internal {

inline tl::unexpected<Error> FailedPrecondition(std::string message) {
  return MakeError(ErrorCode::kFailedPrecondition, std::move(message));
}
inline tl::unexpected<Error> AlreadyExists(std::string field, std::string message) {
  return MakeError(ErrorCode::kAlreadyExists, std::move(message), std::move(field));
}
inline std::string Subject(std::string_view kind, int64_t id) {
  return std::string(kind) + ":" + std::to_string(id);
}
inline int64_t Micros(core::WallTime t) { return core::ToUnixMicros(t); }
template <typename Rep, typename Period>
int64_t Micros(std::chrono::duration<Rep, Period> d) {
  return std::chrono::duration_cast<std::chrono::microseconds>(d).count();
}

std::string AsciiLower(std::string_view text);
// Lower-cased and checked: [a-z0-9._-], 3..64 (the console's rule).
Result<std::string> NormaliseUsername(std::string_view username);
// Could name an account at all (cheap pre-check before a read).
bool PlausibleUsername(std::string_view lower);
// Compact JSON for audit details; invalid UTF-8 replaced, never thrown.
std::string Details(const nlohmann::json& details);

// An account row with the secrets that never leave the module.
struct AccountRow {
  Account account;
  std::string password_hash;
  std::optional<std::string> totp_sealed;
  bool totp_confirmed = false;
  int64_t totp_last_step = 0;
};
Result<std::optional<AccountRow>> LoadAccountRow(store::Connection& c, int64_t id, int64_t now);
Result<std::optional<AccountRow>> LoadAccountRowByName(store::Connection& c,
                                                       std::string_view username, int64_t now);
Result<std::optional<AccountRow>> LoadAccountRowByPerson(store::Connection& c, int64_t person_id,
                                                         int64_t now);
// The end of the account's active lockout, if any.
Result<std::optional<int64_t>> ActiveLockUntil(store::Connection& c, int64_t account_id,
                                               int64_t now);
// The latest ban end among `keys` still in force, if any.
Result<std::optional<int64_t>> ActiveBanUntil(store::Connection& c,
                                              const std::vector<std::string>& keys, int64_t now);
// "totp:account:42": the SecretBox context of an account's seed.
inline std::string TotpContext(int64_t account_id) { return Subject("totp:account", account_id); }

// Sessions table columns, for ReadSession.
inline constexpr std::string_view kSessionColumns =
    "s.id, s.station_id, s.account_id, a.username, a.person_id, s.started_at, s.ended_at, "
    "s.end_reason, s.state, s.last_heartbeat_at, s.source_address";
inline constexpr std::string_view kSessionFrom =
    " FROM identity_station_sessions s JOIN identity_accounts a ON a.id = s.account_id ";
StationSession ReadSession(const store::Row& row);
Result<std::optional<StationSession>> LoadSession(store::Connection& c, int64_t session_id);
// Ends the given open sessions and audits each ("logon.session.end" or `action`). Returns
// the ended sessions.
Result<std::vector<StationSession>> EndOpenSessions(store::Connection& c, audit::Log& log,
                                                    std::string_view where, store::Param key,
                                                    int64_t now, std::string_view reason,
                                                    std::string_view actor,
                                                    std::string_view action);

}  // namespace internal
}  // namespace fg::identity
