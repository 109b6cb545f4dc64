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
// Console users may add a TOTP second factor (RFC 6238, totp.h): once confirmed, LogIn needs a
// current code (never one of a step already used) or a one-time recovery code; roles listed
// in Options::require_totp_for_roles log in with must_enroll_totp until they enrol.
// What it never does: keep a secret in plain form. TOTP seeds are sealed with a SecretBox
// (secret_box.h), recovery codes kept as BLAKE2b-256. Passwords are stored as Argon2id hashes;
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
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "audit/audit.h"
#include "auth/password.h"
#include "auth/roles.h"
#include "auth/secret_box.h"
#include "core/clock.h"
#include "core/result.h"
#include "store/store.h"

namespace fg::auth {

namespace internal {
struct TotpRow;
}

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
  // Config password.blocklist_file: passwords refused on top of the built-in list, for
  // console users (and anyone else checking through this Auth). Not owned; outlives Auth.
  const Blocklist* extra_blocklist = nullptr;
  // Seals TOTP seeds at rest (the key file DATA/secrets.key). Not owned; outlives Auth.
  // Without one, TOTP enrolment answers FailedPrecondition and TOTP codes cannot be checked
  // (recovery codes still work).
  const SecretBox* secret_box = nullptr;
  // Config auth.require_totp_for_roles: users of these roles without TOTP log in with
  // must_enroll_totp set, and the API lets them do little but enrol.
  std::set<Role> require_totp_for_roles;
  // Shown by authenticator apps as the account's issuer.
  std::string totp_issuer = "floorguard";
  // Recovery codes handed out at TOTP confirmation.
  int recovery_codes = 10;
};

struct User {
  int64_t id = 0;
  std::string username;  // lower-case, [a-z0-9._-], 3..64
  Role role = Role::kAuditor;
  bool disabled = false;
  bool must_change_password = false;  // set by an admin (or generated): change at first use
  bool totp_enabled = false;          // a confirmed TOTP second factor
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
  // The role requires TOTP (Options::require_totp_for_roles) and the user has none yet.
  bool must_enroll_totp = false;
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
    bool must_enroll_totp = false;
  };
  // Unauthenticated with one message for an unknown user, a wrong password, a disabled or
  // locked account, and, for a user with TOTP, a missing, wrong or replayed `second_factor`
  // (a 6-digit code whose step is later than the last one used, or an unused recovery code,
  // which is then spent). Every attempt is audited (session.login / session.login.denied with
  // the reason: unknown_user, wrong_password, locked, disabled, totp_required, bad_totp,
  // totp_replayed; the remote address; never a secret). A wrong or replayed code counts
  // towards the lockout like a wrong password. Rehashes a password made with older
  // parameters.
  Result<Login> LogIn(std::string_view username, std::string_view password,
                      std::string_view remote_address, std::string_view second_factor = {});
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

  // --- TOTP second factor of console users.
  struct TotpEnrolment {
    std::string secret;       // base32, for typing into an app by hand
    std::string otpauth_uri;  // otpauth://totp/...
    std::string qr_svg;       // the URI as a QR code (qr.h)
  };
  // Starts (or restarts) an enrolment: a new secret, pending until ConfirmTotp.
  // FailedPrecondition when no SecretBox was configured or TOTP is already confirmed (disable
  // it first). Audited as user.totp.enrol (without the secret).
  Result<TotpEnrolment> BeginTotpEnrolment(int64_t user_id);
  // Confirms the pending enrolment with a current code; returns the recovery codes, shown
  // once (only their hashes are kept). InvalidArgument on "code" when it does not match;
  // FailedPrecondition when no enrolment is pending. Audited as user.totp.confirm.
  Result<std::vector<std::string>> ConfirmTotp(int64_t user_id, std::string_view code);
  // Removes the user's TOTP (pending or confirmed) and recovery codes, and ends the user's
  // sessions but keep_session_id. With `current_password` (one's own, from the console) the
  // password must match (InvalidArgument on "password"); without it the caller has checked
  // that `actor` is an admin. NotFound when the user has no TOTP. Audited as
  // user.totp.disable.
  Result<void> DisableTotp(std::string_view actor, int64_t user_id,
                           std::optional<std::string_view> current_password = std::nullopt,
                           int64_t keep_session_id = 0);
  // Unused recovery codes left, for the console to warn when few remain.
  Result<int> RecoveryCodesLeft(int64_t user_id);

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
  bool MustEnrollTotp(Role role, bool totp_enabled) const;
  // Judges a second factor: empty when it passes (setting totp_step or recovery_hash for the
  // login's write to spend), else the denial reason.
  Result<std::string> CheckSecondFactor(int64_t user_id, const internal::TotpRow& factor,
                                        std::string_view second_factor,
                                        std::optional<int64_t>& totp_step,
                                        std::string& recovery_hash);
  Result<void> AuditLoginDenied(std::string_view username, std::optional<int64_t> user_id,
                                std::string_view reason, std::string_view remote_address);

  store::Database& db_;
  audit::Log& log_;
  core::Clock& clock_;
  Options options_;
  std::unique_ptr<State> state_;
};

}  // namespace fg::auth
