// auth: who is calling. Console users with passwords and sessions, machines with device tokens.
//
// What it decides: whether a username and password open a session (Argon2id, one generic
// answer for every failure, every attempt audited); whether a session token is still good
// (not ended, not idle longer than idle_timeout, not older than absolute_timeout, user not
// disabled); whether a CSRF token belongs to a session; whether a device token is live; the
// rules on console users (unique lower-case usernames, console roles only, the password
// policy of password.h, temporary passwords that must be changed at first use, never
// disabling or demoting the last enabled admin) and on device tokens (device roles only,
// names unique among live tokens, revocation effective at once in this process).
// What it never does: keep a secret in plain form. Passwords are stored as Argon2id hashes;
// session, CSRF and device tokens as BLAKE2b-256 of a 256-bit random value, shown to the
// caller once. No secret or hash enters a log line, an audit entry or a return value other
// than the one that hands a new secret over. Every change and every login attempt is
// audited in the same store transaction as the change. Argon2 runs on the caller's thread,
// outside the store's writer.
// Thread-safety: Auth is thread-safe. AuthenticateDevice is on the hot path: verified tokens
// are cached in memory for Options::device_cache_ttl and RevokeToken drops its entry at
// once; another process sharing the database sees a revocation within device_cache_ttl.
//
//   auth::Auth auth(db, audit_log, clock, {.idle_timeout = std::chrono::minutes(15)});
//   FG_ASSIGN_OR_RETURN(auto login, auth.LogIn("alice", password, "10.0.0.7"));
//   FG_ASSIGN_OR_RETURN(auth::Principal who, auth.AuthenticateSession(login.session_token));
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "audit/audit.h"
#include "auth/password.h"
#include "auth/roles.h"
#include "core/clock.h"
#include "core/result.h"
#include "store/store.h"

namespace fg::auth {

struct Options {
  // A session unused for longer than this ends (PCI DSS 8.2.8: 15 minutes at most).
  std::chrono::minutes idle_timeout{15};
  // A session ends this long after login however busy it is.
  std::chrono::hours absolute_timeout{12};
  PasswordParams password;
  // How long a verified device token is trusted without reading the database. Revocation
  // through this Auth drops the entry at once; the TTL bounds what other processes see.
  std::chrono::milliseconds device_cache_ttl{5000};
  // A new password must differ from this many most recent ones, the current one included
  // (PCI DSS 8.3.7: four).
  int password_history = 4;
  // Argon2 computations at once (each takes password.memory_bytes); more wait their turn,
  // so a burst of logins cannot exhaust memory.
  int max_concurrent_hashes = 4;
  // PCI DSS 8.3.4: after this many failed logins within lockout_window the account locks for
  // lockout_duration (or until an admin unlocks it or resets its password).
  int lockout_after_failures = 6;
  std::chrono::minutes lockout_window{15};
  std::chrono::minutes lockout_duration{30};
};

struct User {
  int64_t id = 0;
  std::string username;  // lower-case, [a-z0-9._-], 3..64
  Role role = Role::kAuditor;
  bool disabled = false;
  bool must_change_password = false;  // set by an admin (or generated): change at first use
  core::WallTime created_at;
  std::optional<core::WallTime> last_login_at;
};

struct DeviceToken {
  int64_t id = 0;
  std::string name;
  Role role = Role::kSensor;
  std::optional<int64_t> station_id;  // workstation tokens are bound to one station
  core::WallTime created_at;
  bool revoked = false;
  std::optional<core::WallTime> revoked_at;
};

// Who an authenticated request comes from.
struct Principal {
  enum class Kind { kUser, kDevice };
  Kind kind = Kind::kUser;
  int64_t id = 0;    // user id or device token id
  std::string name;  // username or token name
  Role role = Role::kAuditor;
  std::optional<int64_t> station_id;
  int64_t session_id = 0;  // console sessions only
  bool must_change_password = false;
};

// One page of a list ordered by id; pass next_after_id back as after_id for the next page
// (absent on the last page).
template <typename T>
struct ListPage {
  std::vector<T> items;
  std::optional<int64_t> next_after_id;
};

class Auth {
 public:
  Auth(store::Database& db, audit::Log& log, core::Clock& clock, Options options = {});
  ~Auth();
  Auth(const Auth&) = delete;
  Auth& operator=(const Auth&) = delete;

  static std::span<const store::Migration> Migrations();

  // First start: when no console user exists, creates "admin" (role admin) with `password`
  // (policy-checked; the operator chose it, so it is not temporary) or a generated temporary
  // one. Returns the generated password, to be shown once, or nullopt when a user existed or
  // a password was given. Audited with actor "system".
  Result<std::optional<std::string>> EnsureAdmin(std::optional<std::string> password);

  // --- Console users (admin operations; `actor` is the audit actor, "user:alice").
  struct CreatedUser {
    User user;
    std::optional<std::string> temporary_password;  // set when generated: show it once
  };
  // Console roles only. Whatever the source, the password is temporary (PCI DSS 8.3.5: a
  // password set by an administrator is changed at first use).
  Result<CreatedUser> CreateUser(std::string_view actor, std::string_view username, Role role,
                                 std::optional<std::string> password);
  Result<User> GetUser(int64_t id);
  Result<ListPage<User>> ListUsers(int limit, std::optional<int64_t> after_id);
  // Disabling ends the user's sessions. FailedPrecondition when it would leave no enabled
  // admin.
  Result<User> UpdateUser(std::string_view actor, int64_t id, std::optional<Role> role,
                          std::optional<bool> disabled);
  // A new temporary password (returned once); ends the user's sessions.
  Result<std::string> ResetPassword(std::string_view actor, int64_t id);
  // Lifts a lockout from failed logins. Audited as user.unlock.
  Result<void> Unlock(std::string_view actor, int64_t id);
  // When the account is locked out, until when.
  Result<std::optional<core::WallTime>> LockedUntil(int64_t id);
  // One's own password: `current` must match (InvalidArgument on "current_password"), `next`
  // must pass the policy and differ from the last Options::password_history passwords.
  // Clears must_change_password and ends the user's other sessions (all but keep_session_id).
  Result<void> ChangePassword(int64_t user_id, std::string_view current, std::string_view next,
                              int64_t keep_session_id = 0);

  // --- Sessions.
  struct Login {
    User user;
    int64_t session_id = 0;
    std::string session_token;  // for the fg_session cookie
    std::string csrf_token;     // for the csrf cookie and X-CSRF-Token
  };
  // Unauthenticated with one message for an unknown user, a wrong password and a disabled
  // account. Every attempt is audited (session.login / session.login.denied with the reason
  // and remote address, never the password). Rehashes a password made with older parameters.
  Result<Login> LogIn(std::string_view username, std::string_view password,
                      std::string_view remote_address);
  // Whether a check counts as the user's activity. A live stream re-checking its session is
  // passive: an open dashboard must not keep an idle session alive (PCI DSS 8.2.8).
  enum class Activity { kActive, kPassive };
  // Unauthenticated when the token is unknown, ended, idle or expired, or its user disabled.
  Result<Principal> AuthenticateSession(std::string_view session_token,
                                        Activity activity = Activity::kActive);
  // Whether `csrf_token` is the CSRF token of this live session (constant-time).
  bool CheckCsrf(int64_t session_id, std::string_view csrf_token);
  // Ends the session. Audited as session.logout.
  Result<void> LogOut(int64_t session_id, std::string_view actor);

  // --- Device tokens (admin operations).
  struct CreatedToken {
    DeviceToken token;
    std::string secret;  // "fgd_...": shown once, never stored
  };
  // Device roles only; name 1..64 of [A-Za-z0-9._-], unique (ignoring case) among live
  // tokens. Workstation tokens should carry the station they are bound to.
  Result<CreatedToken> CreateToken(std::string_view actor, std::string_view name, Role role,
                                   std::optional<int64_t> station_id);
  Result<DeviceToken> GetToken(int64_t id);
  Result<ListPage<DeviceToken>> ListTokens(int limit, std::optional<int64_t> after_id);
  // Takes effect at once for this process. Revoking a revoked token changes nothing.
  Result<void> RevokeToken(std::string_view actor, int64_t id);
  // Unauthenticated when the token is unknown or revoked.
  Result<Principal> AuthenticateDevice(std::string_view bearer_token);

  const Options& options() const { return options_; }

 private:
  struct State;
  enum class IfUsersExist { kCreate, kSkip };
  Result<std::optional<CreatedUser>> AddUser(std::string_view actor, std::string_view username,
                                             Role role, std::optional<std::string> password,
                                             bool temporary, IfUsersExist if_exist);
  Result<std::string> Hash(std::string_view password);
  bool Verify(std::string_view hash, std::string_view password);
  // Counts a wrong password against the account; locks it at the threshold (user.locked).
  Result<void> RecordFailedLogin(int64_t user_id);
  Result<void> AuditLoginDenied(std::string_view username, std::optional<int64_t> user_id,
                                std::string_view reason, std::string_view remote_address);

  store::Database& db_;
  audit::Log& log_;
  core::Clock& clock_;
  Options options_;
  std::unique_ptr<State> state_;
};

}  // namespace fg::auth
