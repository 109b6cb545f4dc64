// Helpers shared by the auth module's sources: errors, audit details, rows. Private.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "auth/auth.h"
#include "core/result.h"
#include "store/store.h"

namespace fg::auth::internal {

inline tl::unexpected<Error> Unauthenticated(std::string message) {
  return MakeError(ErrorCode::kUnauthenticated, std::move(message));
}
inline tl::unexpected<Error> FailedPrecondition(std::string message) {
  return MakeError(ErrorCode::kFailedPrecondition, std::move(message));
}
inline tl::unexpected<Error> AlreadyExists(std::string field, std::string message) {
  return MakeError(ErrorCode::kAlreadyExists, std::move(message), std::move(field));
}

// "user:42", "token:7": audit subjects.
inline std::string Subject(std::string_view kind, int64_t id) {
  return std::string(kind) + ":" + std::to_string(id);
}

std::string AsciiLower(std::string_view text);

// Compact JSON for audit details; invalid UTF-8 from a client is replaced, never thrown.
std::string Details(const nlohmann::json& details);

// Console user row with its password hash (never leaves the module).
struct UserRow {
  User user;
  std::string password_hash;
};

// Columns for LoadUser*: keep in step with ReadUserRow.
inline constexpr std::string_view kUserColumns =
    "id, username, role, disabled, must_change_password, created_at, last_login_at, "
    "password_hash, EXISTS (SELECT 1 FROM auth_totp t WHERE t.user_id = auth_users.id AND "
    "t.confirmed = 1)";
UserRow ReadUserRow(const store::Row& row);
Result<std::optional<UserRow>> LoadUser(store::Connection& c, int64_t id);
Result<std::optional<UserRow>> LoadUserByName(store::Connection& c, std::string_view username);

// Enabled admins other than `except_id`.
Result<int64_t> CountOtherEnabledAdmins(store::Connection& c, int64_t except_id);
// Ends every live session of the user (but keep_session_id); returns how many.
Result<int64_t> EndSessions(store::Connection& c, int64_t user_id, core::WallTime now,
                            std::string_view reason, int64_t keep_session_id = 0);
// Remembers a replaced password hash for the reuse rule and trims the history.
// The user's TOTP row (migration 4), secrets still sealed.
struct TotpRow {
  std::string secret_sealed;
  bool confirmed = false;
  int64_t last_step = 0;
};
Result<std::optional<TotpRow>> LoadTotp(store::Connection& c, int64_t user_id);
// "totp:user:42": the SecretBox context of a user's seed.
inline std::string TotpContext(int64_t user_id) { return Subject("totp:user", user_id); }

Result<void> RememberPassword(store::Connection& c, int64_t user_id, std::string_view hash,
                              core::WallTime now, int keep);

}  // namespace fg::auth::internal
