#include "auth/internal/common.h"

namespace fg::auth::internal {

std::string AsciiLower(std::string_view text) {
  std::string out(text);
  for (char& ch : out) {
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
  }
  return out;
}

std::string Details(const nlohmann::json& details) {
  return details.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

UserRow ReadUserRow(const store::Row& row) {
  UserRow out;
  out.user.id = row.Int(0);
  out.user.username = row.Text(1);
  out.user.role = ParseRole(row.TextView(2)).value_or(Role::kAuditor);
  out.user.disabled = row.Int(3) != 0;
  out.user.must_change_password = row.Int(4) != 0;
  out.user.created_at = core::FromUnixMicros(row.Int(5));
  if (auto last = row.OptInt(6)) out.user.last_login_at = core::FromUnixMicros(*last);
  out.password_hash = row.Text(7);
  out.user.totp_enabled = row.Int(8) != 0;
  return out;
}

namespace {
Result<std::optional<UserRow>> LoadOne(store::Connection& c, std::string_view where,
                                       store::Param key) {
  std::optional<UserRow> out;
  std::string sql =
      "SELECT " + std::string(kUserColumns) + " FROM auth_users WHERE " + std::string(where);
  FG_RETURN_IF_ERROR(c.Exec(sql, {key}, [&](const store::Row& row) { out = ReadUserRow(row); }));
  return out;
}
}  // namespace

Result<std::optional<UserRow>> LoadUser(store::Connection& c, int64_t id) {
  return LoadOne(c, "id = ?", id);
}

Result<std::optional<UserRow>> LoadUserByName(store::Connection& c, std::string_view username) {
  return LoadOne(c, "username = ?", username);
}

Result<int64_t> CountOtherEnabledAdmins(store::Connection& c, int64_t except_id) {
  int64_t count = 0;
  FG_RETURN_IF_ERROR(
      c.Exec("SELECT COUNT(*) FROM auth_users WHERE role = 'admin' AND disabled = 0 AND id <> ?",
             {except_id}, [&](const store::Row& row) { count = row.Int(0); }));
  return count;
}

Result<int64_t> EndSessions(store::Connection& c, int64_t user_id, core::WallTime now,
                            std::string_view reason, int64_t keep_session_id) {
  return c.Exec(
      "UPDATE auth_sessions SET ended_at = ?, end_reason = ? "
      "WHERE user_id = ? AND ended_at IS NULL AND id <> ?",
      {core::ToUnixMicros(now), reason, user_id, keep_session_id});
}

Result<std::optional<TotpRow>> LoadTotp(store::Connection& c, int64_t user_id) {
  std::optional<TotpRow> out;
  FG_RETURN_IF_ERROR(c.Exec(
      "SELECT secret_sealed, confirmed, last_step FROM auth_totp WHERE user_id = ?", {user_id},
      [&](const store::Row& row) {
        out = TotpRow{
            .secret_sealed = row.Text(0), .confirmed = row.Int(1) != 0, .last_step = row.Int(2)};
      }));
  return out;
}

Result<void> RememberPassword(store::Connection& c, int64_t user_id, std::string_view hash,
                              core::WallTime now, int keep) {
  if (keep <= 0) return {};
  FG_RETURN_IF_ERROR(c.Exec(
      "INSERT INTO auth_password_history (user_id, password_hash, replaced_at) VALUES (?, ?, ?)",
      {user_id, hash, core::ToUnixMicros(now)}));
  FG_RETURN_IF_ERROR(
      c.Exec("DELETE FROM auth_password_history WHERE user_id = ?1 AND id NOT IN "
             "(SELECT id FROM auth_password_history WHERE user_id = ?1 ORDER BY id DESC LIMIT ?2)",
             {user_id, keep}));
  return {};
}

}  // namespace fg::auth::internal
