// Console sessions: login, session and CSRF checks, logout, and changing one's password.
#include <algorithm>

#include "auth/auth.h"
#include "auth/internal/common.h"
#include "auth/internal/secrets.h"
#include "auth/internal/state.h"
#include "auth/totp.h"

namespace fg::auth {

namespace {

using internal::Details;
using internal::Subject;
using internal::Unauthenticated;
using internal::UserRow;
using Json = nlohmann::json;

// The one answer to every failed login: it must not tell an unknown user from a wrong
// password or a disabled account.
constexpr std::string_view kLoginFailed = "invalid username or password";

// Usernames that could exist. Anything else is not looked up and is not copied into the
// audit trail verbatim (a password typed into the username field must not land there).
bool PlausibleUsername(std::string_view name) {
  if (name.size() < 3 || name.size() > 64) return false;
  return std::all_of(name.begin(), name.end(), [](char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' ||
           ch == '-';
  });
}

std::string UserActor(std::string_view username) { return "user:" + std::string(username); }

}  // namespace

Result<void> Auth::AuditLoginDenied(std::string_view username, std::optional<int64_t> user_id,
                                    std::string_view reason, std::string_view remote_address) {
  Json details = {{"reason", reason}, {"remote_address", remote_address}};
  if (PlausibleUsername(username)) {
    details["username"] = username;
  } else {
    details["username_malformed"] = true;
  }
  return log_
      .AppendDurably({.actor = "anonymous",
                      .action = "session.login.denied",
                      .subject = user_id ? Subject("user", *user_id) : "user:unknown",
                      .details = Details(details)})
      .transform([](int64_t) {});
}

Result<std::string> Auth::CheckSecondFactor(int64_t user_id, const internal::TotpRow& factor,
                                            std::string_view second_factor,
                                            std::optional<int64_t>& totp_step,
                                            std::string& recovery_hash) {
  if (second_factor.empty()) return std::string("totp_required");
  if (second_factor.size() == static_cast<size_t>(totp::kDigits)) {
    // Without the key the code cannot be checked: fail closed (recovery codes still work).
    if (options_.secret_box == nullptr) return std::string("totp_unavailable");
    auto secret = options_.secret_box->Open(factor.secret_sealed, internal::TotpContext(user_id));
    if (!secret) return std::string("totp_unavailable");
    std::optional<int64_t> step = totp::MatchStep(*secret, second_factor, clock_.WallNow());
    if (!step) return std::string("bad_totp");
    if (*step <= factor.last_step) return std::string("totp_replayed");
    totp_step = step;
    return std::string();
  }
  std::string normalized = totp::NormalizeRecoveryCode(second_factor);
  if (normalized.empty()) return std::string("bad_totp");
  std::string hash = totp::HashRecoveryCode(normalized);
  bool unused = false;
  FG_RETURN_IF_ERROR(db_.Read([&](store::Connection& c) {
    return c.Exec(
        "SELECT 1 FROM auth_recovery_codes WHERE user_id = ? AND code_hash = ? AND used_at IS NULL",
        {user_id, hash}, [&](const store::Row&) { unused = true; });
  }));
  if (!unused) return std::string("bad_totp");
  recovery_hash = std::move(hash);
  return std::string();
}

Result<std::optional<core::WallTime>> Auth::LockedUntil(int64_t id) {
  std::optional<int64_t> until;
  FG_RETURN_IF_ERROR(db_.Read([&](store::Connection& c) {
    return c.Exec("SELECT locked_until FROM auth_lockouts WHERE user_id = ?", {id},
                  [&](const store::Row& row) { until = row.OptInt(0); });
  }));
  if (!until || *until <= core::ToUnixMicros(clock_.WallNow())) {
    return std::optional<core::WallTime>();
  }
  return std::optional<core::WallTime>(core::FromUnixMicros(*until));
}

Result<void> Auth::RecordFailedLogin(int64_t user_id) {
  int64_t now = core::ToUnixMicros(clock_.WallNow());
  int64_t window =
      std::chrono::duration_cast<std::chrono::microseconds>(options_.lockout_window).count();
  int64_t lock =
      std::chrono::duration_cast<std::chrono::microseconds>(options_.lockout_duration).count();
  return db_.Write([&](store::Connection& c) -> Result<void> {
    int64_t failures = 0, window_start = now;
    FG_RETURN_IF_ERROR(c.Exec("SELECT failures, window_start FROM auth_lockouts WHERE user_id = ?",
                              {user_id}, [&](const store::Row& row) {
                                failures = row.Int(0);
                                window_start = row.Int(1);
                              }));
    // Failures older than the window no longer count: start a new one.
    if (now - window_start > window) {
      failures = 0;
      window_start = now;
    }
    ++failures;
    std::optional<int64_t> locked_until;
    if (failures >= options_.lockout_after_failures) locked_until = now + lock;
    FG_RETURN_IF_ERROR(c.Exec(
        "INSERT INTO auth_lockouts (user_id, failures, window_start, locked_until) "
        "VALUES (?, ?, ?, ?) ON CONFLICT(user_id) DO UPDATE SET failures = excluded.failures, "
        "window_start = excluded.window_start, locked_until = excluded.locked_until",
        {user_id, failures, window_start, locked_until}));
    if (!locked_until) return {};
    // Ends the attack's window: the next failures restart the count after the lock.
    FG_RETURN_IF_ERROR(
        c.Exec("UPDATE auth_lockouts SET failures = 0, window_start = ? WHERE user_id = ?",
               {*locked_until, user_id}));
    return log_
        .Append(c, {.actor = "system",
                    .action = "user.locked",
                    .subject = Subject("user", user_id),
                    .details = Details(
                        {{"failures", failures},
                         {"until", core::FormatRfc3339(core::FromUnixMicros(*locked_until))}})})
        .transform([](int64_t) {});
  });
}

Result<void> Auth::Unlock(std::string_view actor, int64_t id) {
  FG_ASSIGN_OR_RETURN(User user, GetUser(id));
  return db_.Write([&](store::Connection& c) -> Result<void> {
    FG_ASSIGN_OR_RETURN(int64_t removed,
                        c.Exec("DELETE FROM auth_lockouts WHERE user_id = ?", {user.id}));
    return log_
        .Append(c, {.actor = std::string(actor),
                    .action = "user.unlock",
                    .subject = Subject("user", user.id),
                    .details = Details({{"was_tracked", removed > 0}})})
        .transform([](int64_t) {});
  });
}

Result<Auth::Login> Auth::LogIn(std::string_view username, std::string_view password,
                                std::string_view remote_address, std::string_view second_factor) {
  std::string name = internal::AsciiLower(username);
  std::optional<UserRow> row;
  if (PlausibleUsername(name)) {
    FG_ASSIGN_OR_RETURN(
        row, db_.Read([&](store::Connection& c) { return internal::LoadUserByName(c, name); }));
  }
  // Argon2 runs whether or not the user exists, so both cost the same time. An oversized
  // password is refused without hashing (its length is no secret).
  bool sized = password.size() <= kMaxPasswordBytes;
  bool match = sized && Verify(row ? row->password_hash : state_->dummy_hash, password) && row;
  // A locked account is refused even with the right password, with the same message, after
  // the same Argon2 work: the answer tells an attacker nothing.
  bool locked = false;
  if (row) {
    FG_ASSIGN_OR_RETURN(auto until, LockedUntil(row->user.id));
    locked = until.has_value();
  }
  std::string reason = !row                 ? "unknown_user"
                       : locked             ? "locked"
                       : !match             ? "wrong_password"
                       : row->user.disabled ? "disabled"
                                            : "";
  // The second factor, only once the password is known to be right: a code is never
  // checked (nor a recovery code spent) for someone who does not hold the password.
  std::optional<int64_t> totp_step;
  std::string recovery_hash;
  if (reason.empty() && row->user.totp_enabled) {
    FG_ASSIGN_OR_RETURN(auto factor, db_.Read([&](store::Connection& c) {
      return internal::LoadTotp(c, row->user.id);
    }));
    if (factor && factor->confirmed) {
      FG_ASSIGN_OR_RETURN(reason, CheckSecondFactor(row->user.id, *factor, second_factor, totp_step,
                                                    recovery_hash));
    }
  }
  if (!reason.empty()) {
    FG_RETURN_IF_ERROR(AuditLoginDenied(name, row ? std::optional(row->user.id) : std::nullopt,
                                        reason, remote_address));
    if (reason == "wrong_password" || reason == "bad_totp" || reason == "totp_replayed") {
      FG_RETURN_IF_ERROR(RecordFailedLogin(row->user.id));
    }
    return Unauthenticated(std::string(kLoginFailed));
  }

  // Parameters rose since this hash was made: replace it now that the password is known.
  std::optional<std::string> rehash;
  if (NeedsRehash(row->password_hash, options_.password)) {
    if (auto fresh = Hash(password)) rehash = std::move(*fresh);
  }
  Login login{.user = row->user,
              .session_token = internal::NewSecret(internal::kSessionPrefix),
              .csrf_token = internal::NewSecret(internal::kCsrfPrefix)};
  std::string token_hash = internal::SecretHash(login.session_token);
  std::string csrf_hash = internal::SecretHash(login.csrf_token);
  core::WallTime now = clock_.WallNow();
  int64_t now_us = core::ToUnixMicros(now);
  std::string raced;  // set when the account changed between the check and the write
  FG_RETURN_IF_ERROR(db_.Write([&](store::Connection& c) -> Result<void> {
    FG_ASSIGN_OR_RETURN(auto current, internal::LoadUser(c, row->user.id));
    raced = !current                                       ? "unknown_user"
            : current->user.disabled                       ? "disabled"
            : current->password_hash != row->password_hash ? "password_changed"
            // TOTP confirmed after the check above: this login did not present it.
            : current->user.totp_enabled && !totp_step && recovery_hash.empty() ? "totp_required"
                                                                                : "";
    if (raced.empty() && totp_step) {
      // Conditional on the stored step, so two logins racing with one code admit one.
      FG_ASSIGN_OR_RETURN(int64_t advanced,
                          c.Exec("UPDATE auth_totp SET last_step = ? WHERE user_id = ? AND "
                                 "confirmed = 1 AND last_step < ?",
                                 {*totp_step, row->user.id, *totp_step}));
      if (advanced == 0) raced = "totp_replayed";
    }
    if (raced.empty() && !recovery_hash.empty()) {
      FG_ASSIGN_OR_RETURN(
          int64_t spent,
          c.Exec("UPDATE auth_recovery_codes SET used_at = ? WHERE id = (SELECT id FROM "
                 "auth_recovery_codes WHERE user_id = ? AND code_hash = ? AND used_at IS NULL "
                 "LIMIT 1)",
                 {now_us, row->user.id, recovery_hash}));
      if (spent == 0) raced = "bad_totp";
    }
    if (!raced.empty()) {
      return log_
          .Append(
              c, {.actor = "anonymous",
                  .action = "session.login.denied",
                  .subject = Subject("user", row->user.id),
                  .details = Details(
                      {{"reason", raced}, {"remote_address", remote_address}, {"username", name}})})
          .transform([](int64_t) {});
    }
    FG_RETURN_IF_ERROR(c.Exec(
        "INSERT INTO auth_sessions (user_id, token_hash, csrf_hash, remote_address, created_at, "
        "last_seen_at) VALUES (?, ?, ?, ?, ?, ?)",
        {row->user.id, store::BlobView{token_hash}, store::BlobView{csrf_hash}, remote_address,
         now_us, now_us}));
    login.session_id = c.LastInsertRowId();
    FG_RETURN_IF_ERROR(c.Exec("DELETE FROM auth_lockouts WHERE user_id = ?", {row->user.id}));
    if (rehash) {
      FG_RETURN_IF_ERROR(
          c.Exec("UPDATE auth_users SET last_login_at = ?, password_hash = ? WHERE id = ?",
                 {now_us, *rehash, row->user.id}));
    } else {
      FG_RETURN_IF_ERROR(
          c.Exec("UPDATE auth_users SET last_login_at = ? WHERE id = ?", {now_us, row->user.id}));
    }
    login.user = current->user;
    login.user.last_login_at = now;
    login.must_enroll_totp = MustEnrollTotp(current->user.role, current->user.totp_enabled);
    Json details = {{"remote_address", remote_address}, {"session_id", login.session_id}};
    if (rehash) details["password_rehashed"] = true;
    if (totp_step) details["second_factor"] = "totp";
    if (!recovery_hash.empty()) details["second_factor"] = "recovery_code";
    if (login.must_enroll_totp) details["must_enroll_totp"] = true;
    return log_
        .Append(c, {.actor = UserActor(name),
                    .action = "session.login",
                    .subject = Subject("user", row->user.id),
                    .details = Details(details)})
        .transform([](int64_t) {});
  }));
  if (!raced.empty()) return Unauthenticated(std::string(kLoginFailed));
  {
    std::lock_guard lock(state_->sessions_mu);
    state_->sessions[login.session_id] = {.last_seen = now, .stored = now};
  }
  return login;
}

Result<Principal> Auth::AuthenticateSession(std::string_view session_token, Activity activity) {
  if (!internal::LooksLikeSecret(session_token, internal::kSessionPrefix)) {
    return Unauthenticated("not a session token");
  }
  std::string hash = internal::SecretHash(session_token);
  struct Found {
    int64_t session_id = 0;
    std::string token_hash;
    int64_t created_at = 0;
    int64_t last_seen_at = 0;
    bool ended = false;
    int64_t user_id = 0;
    std::string username;
    std::string role;
    bool disabled = false;
    bool must_change_password = false;
    bool totp_enabled = false;
  };
  std::optional<Found> found;
  FG_RETURN_IF_ERROR(db_.Read([&](store::Connection& c) -> Result<void> {
    FG_RETURN_IF_ERROR(
        c.Exec("SELECT s.id, s.token_hash, s.created_at, s.last_seen_at, s.ended_at IS NOT NULL, "
               "u.id, u.username, u.role, u.disabled, u.must_change_password, "
               "EXISTS (SELECT 1 FROM auth_totp t WHERE t.user_id = u.id AND t.confirmed = 1) "
               "FROM auth_sessions s JOIN auth_users u ON u.id = s.user_id WHERE s.token_hash = ?",
               {store::BlobView{hash}}, [&](const store::Row& row) {
                 found = Found{.session_id = row.Int(0),
                               .token_hash = row.Blob(1),
                               .created_at = row.Int(2),
                               .last_seen_at = row.Int(3),
                               .ended = row.Int(4) != 0,
                               .user_id = row.Int(5),
                               .username = row.Text(6),
                               .role = row.Text(7),
                               .disabled = row.Int(8) != 0,
                               .must_change_password = row.Int(9) != 0,
                               .totp_enabled = row.Int(10) != 0};
               }));
    return {};
  }));
  if (!found || !internal::SameHash(found->token_hash, hash)) {
    return Unauthenticated("unknown session");
  }
  if (found->ended) return Unauthenticated("session ended; log in again");
  if (found->disabled) return Unauthenticated("account disabled");
  std::optional<Role> role = ParseRole(found->role);
  if (!role || !IsConsoleRole(*role)) return Unauthenticated("account has no console role");

  core::WallTime now = clock_.WallNow();
  core::WallTime created = core::FromUnixMicros(found->created_at);
  if (now - created > options_.absolute_timeout) {
    return Unauthenticated("session expired; log in again");
  }
  core::WallTime stored = core::FromUnixMicros(found->last_seen_at);
  bool write_last_seen = false;
  {
    std::lock_guard lock(state_->sessions_mu);
    auto& seen = state_->sessions[found->session_id];
    seen.last_seen = std::max(seen.last_seen, stored);
    seen.stored = std::max(seen.stored, stored);
    if (now - seen.last_seen > options_.idle_timeout) {
      state_->sessions.erase(found->session_id);
      return Unauthenticated("session idle too long; log in again");
    }
    if (activity == Activity::kActive) seen.last_seen = std::max(seen.last_seen, now);
    if (activity == Activity::kActive && now - seen.stored >= kLastSeenWriteInterval) {
      seen.stored = now;
      write_last_seen = true;
    }
    if (state_->sessions.size() >= state_->prune_sessions_at) {
      std::erase_if(state_->sessions, [&](const auto& entry) {
        return now - entry.second.last_seen > options_.idle_timeout;
      });
      state_->prune_sessions_at = std::max<size_t>(10000, 2 * state_->sessions.size());
    }
  }
  if (write_last_seen) {
    // Not awaited: the request does not wait for an fsync to record that it happened. The
    // in-memory copy is exact; the database copy serves restarts and other processes.
    db_.WriteAsync(
        [id = found->session_id, us = core::ToUnixMicros(now)](store::Connection& c) {
          return c
              .Exec(
                  "UPDATE auth_sessions SET last_seen_at = MAX(last_seen_at, ?) "
                  "WHERE id = ? AND ended_at IS NULL",
                  {us, id})
              .transform([](int64_t) {});
        },
        [](const Result<void>&) {});
  }
  return Principal{.kind = Principal::Kind::kUser,
                   .id = found->user_id,
                   .name = found->username,
                   .role = *role,
                   .session_id = found->session_id,
                   .must_change_password = found->must_change_password,
                   .must_enroll_totp = MustEnrollTotp(*role, found->totp_enabled)};
}

bool Auth::CheckCsrf(int64_t session_id, std::string_view csrf_token) {
  if (!internal::LooksLikeSecret(csrf_token, internal::kCsrfPrefix)) return false;
  std::string hash = internal::SecretHash(csrf_token);
  std::optional<std::string> stored;
  auto read = db_.Read([&](store::Connection& c) {
    return c.Exec("SELECT csrf_hash FROM auth_sessions WHERE id = ? AND ended_at IS NULL",
                  {session_id}, [&](const store::Row& row) { stored = row.Blob(0); });
  });
  return read && stored && internal::SameHash(*stored, hash);
}

Result<void> Auth::LogOut(int64_t session_id, std::string_view actor) {
  FG_RETURN_IF_ERROR(db_.Write([&](store::Connection& c) -> Result<void> {
    std::optional<int64_t> user_id;
    bool ended = false;
    FG_RETURN_IF_ERROR(
        c.Exec("SELECT user_id, ended_at IS NOT NULL FROM auth_sessions WHERE id = ?", {session_id},
               [&](const store::Row& row) {
                 user_id = row.Int(0);
                 ended = row.Int(1) != 0;
               }));
    if (!user_id) return NotFound("session " + std::to_string(session_id) + " does not exist");
    if (ended) return {};
    FG_RETURN_IF_ERROR(
        c.Exec("UPDATE auth_sessions SET ended_at = ?, end_reason = 'logout' WHERE id = ?",
               {core::ToUnixMicros(clock_.WallNow()), session_id}));
    return log_
        .Append(c, {.actor = std::string(actor),
                    .action = "session.logout",
                    .subject = Subject("user", *user_id),
                    .details = Details({{"session_id", session_id}})})
        .transform([](int64_t) {});
  }));
  std::lock_guard lock(state_->sessions_mu);
  state_->sessions.erase(session_id);
  return {};
}

Result<void> Auth::ChangePassword(int64_t user_id, std::string_view current, std::string_view next,
                                  int64_t keep_session_id) {
  FG_ASSIGN_OR_RETURN(
      auto row, db_.Read([&](store::Connection& c) { return internal::LoadUser(c, user_id); }));
  if (!row) return NotFound("console user " + std::to_string(user_id) + " does not exist");
  const std::string& username = row->user.username;

  if (auto policy =
          CheckPasswordPolicy(next, {.username = username, .extra = options_.extra_blocklist});
      !policy) {
    return InvalidArgument("new_password", policy.error().message);
  }
  if (current.size() > kMaxPasswordBytes || !Verify(row->password_hash, current)) {
    // Someone holding a session guesses its owner's password: worth a trail.
    FG_RETURN_IF_ERROR(log_.AppendDurably({.actor = UserActor(username),
                                           .action = "user.password.change.denied",
                                           .subject = Subject("user", user_id),
                                           .details = Details({{"reason", "wrong_password"}})}));
    return InvalidArgument("current_password", "is not the current password");
  }
  if (current == next) {
    return InvalidArgument("new_password", "must differ from the current password");
  }
  // PCI DSS 8.3.7: not one of the last few passwords (the current one was checked above).
  std::vector<std::string> history;
  if (options_.password_history > 1) {
    FG_RETURN_IF_ERROR(db_.Read([&](store::Connection& c) {
      return c.Exec(
          "SELECT password_hash FROM auth_password_history WHERE user_id = ? "
          "ORDER BY id DESC LIMIT ?",
          {user_id, options_.password_history - 1},
          [&](const store::Row& r) { history.push_back(r.Text(0)); });
    }));
  }
  for (const std::string& old : history) {
    if (Verify(old, next)) {
      return InvalidArgument(
          "new_password",
          "must differ from your last " + std::to_string(options_.password_history) + " passwords");
    }
  }
  FG_ASSIGN_OR_RETURN(std::string hash, Hash(next));
  FG_RETURN_IF_ERROR(db_.Write([&](store::Connection& c) -> Result<void> {
    FG_ASSIGN_OR_RETURN(auto now_row, internal::LoadUser(c, user_id));
    if (!now_row) return NotFound("console user " + std::to_string(user_id) + " does not exist");
    if (now_row->password_hash != row->password_hash) {
      return internal::FailedPrecondition("the password was changed meanwhile; try again");
    }
    core::WallTime now = clock_.WallNow();
    FG_RETURN_IF_ERROR(internal::RememberPassword(c, user_id, row->password_hash, now,
                                                  options_.password_history - 1));
    FG_RETURN_IF_ERROR(
        c.Exec("UPDATE auth_users SET password_hash = ?, must_change_password = 0, "
               "password_changed_at = ? WHERE id = ?",
               {hash, core::ToUnixMicros(now), user_id}));
    FG_ASSIGN_OR_RETURN(int64_t ended,
                        internal::EndSessions(c, user_id, now, "password_change", keep_session_id));
    return log_
        .Append(c, {.actor = UserActor(username),
                    .action = "user.password.change",
                    .subject = Subject("user", user_id),
                    .details = Details({{"sessions_ended", ended}})})
        .transform([](int64_t) {});
  }));
  return {};
}

}  // namespace fg::auth
