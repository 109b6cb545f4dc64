#include "identity/internal/common.h"

namespace fg::identity::internal {

std::string AsciiLower(std::string_view text) {
  std::string out(text);
  for (char& ch : out) {
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
  }
  return out;
}

bool PlausibleUsername(std::string_view lower) {
  if (lower.size() < 3 || lower.size() > 64) return false;
  for (char ch : lower) {
    bool ok =
        (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-';
    if (!ok) return false;
  }
  return true;
}

Result<std::string> NormaliseUsername(std::string_view username) {
  std::string lower = AsciiLower(username);
  if (lower.size() < 3 || lower.size() > 64) {
    return InvalidArgument("username", "must be 3 to 64 characters long");
  }
  if (!PlausibleUsername(lower)) {
    return InvalidArgument("username", "may hold only letters a-z, digits, '.', '_' and '-'");
  }
  return lower;
}

std::string Details(const nlohmann::json& details) {
  return details.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

namespace {

constexpr std::string_view kAccountColumns =
    "a.id, a.person_id, a.username, a.must_change_password, a.disabled, a.disabled_reason, "
    "a.totp_confirmed, a.created_at, a.password_changed_at, a.password_hash, a.totp_sealed, "
    "a.totp_last_step, (SELECT MAX(l.until) FROM identity_lockouts l WHERE l.account_id = a.id "
    "AND l.lifted_at IS NULL AND l.until > ?1), a.schedule";

Result<std::optional<AccountRow>> LoadOne(store::Connection& c, std::string_view where,
                                          store::Param key, int64_t now) {
  std::optional<AccountRow> out;
  std::string sql = "SELECT " + std::string(kAccountColumns) + " FROM identity_accounts a WHERE " +
                    std::string(where);
  FG_RETURN_IF_ERROR(c.Exec(sql, {store::Param(now), key}, [&](const store::Row& row) {
    AccountRow r;
    r.account.id = row.Int(0);
    r.account.person_id = row.Int(1);
    r.account.username = row.Text(2);
    r.account.must_change_password = row.Int(3) != 0;
    r.account.disabled = row.Int(4) != 0;
    r.account.disabled_reason = row.Text(5);
    r.totp_confirmed = row.Int(6) != 0;
    r.account.totp_enabled = r.totp_confirmed;
    r.account.created_at = core::FromUnixMicros(row.Int(7));
    if (auto t = row.OptInt(8)) r.account.password_changed_at = core::FromUnixMicros(*t);
    r.password_hash = row.Text(9);
    r.totp_sealed = row.OptText(10);
    r.totp_last_step = row.Int(11);
    if (auto until = row.OptInt(12)) r.account.locked_until = core::FromUnixMicros(*until);
    r.account.schedule = row.OptText(13);
    out = std::move(r);
  }));
  return out;
}

}  // namespace

Result<std::optional<AccountRow>> LoadAccountRow(store::Connection& c, int64_t id, int64_t now) {
  return LoadOne(c, "a.id = ?2", id, now);
}
Result<std::optional<AccountRow>> LoadAccountRowByName(store::Connection& c,
                                                       std::string_view username, int64_t now) {
  return LoadOne(c, "a.username = ?2", username, now);
}
Result<std::optional<AccountRow>> LoadAccountRowByPerson(store::Connection& c, int64_t person_id,
                                                         int64_t now) {
  return LoadOne(c, "a.person_id = ?2", person_id, now);
}

Result<std::optional<int64_t>> ActiveLockUntil(store::Connection& c, int64_t account_id,
                                               int64_t now) {
  std::optional<int64_t> until;
  FG_RETURN_IF_ERROR(c.Exec(
      "SELECT MAX(until) FROM identity_lockouts WHERE account_id = ? AND lifted_at IS NULL AND "
      "until > ?",
      {account_id, now}, [&](const store::Row& row) { until = row.OptInt(0); }));
  return until;
}

Result<std::optional<int64_t>> ActiveBanUntil(store::Connection& c,
                                              const std::vector<std::string>& keys, int64_t now) {
  std::optional<int64_t> latest;
  for (const std::string& key : keys) {
    FG_RETURN_IF_ERROR(
        c.Exec("SELECT until FROM identity_source_bans WHERE source_key = ? AND until > ?",
               {key, now}, [&](const store::Row& row) {
                 if (!latest || row.Int(0) > *latest) latest = row.Int(0);
               }));
  }
  return latest;
}

StationSession ReadSession(const store::Row& row) {
  StationSession s;
  s.id = row.Int(0);
  s.station_id = row.Int(1);
  s.account_id = row.Int(2);
  s.username = row.Text(3);
  s.person_id = row.Int(4);
  s.started_at = core::FromUnixMicros(row.Int(5));
  if (auto ended = row.OptInt(6)) s.ended_at = core::FromUnixMicros(*ended);
  s.end_reason = row.Text(7);
  s.state = row.TextView(8) == "locked" ? SessionState::kLocked : SessionState::kActive;
  if (s.ended_at) s.state = SessionState::kEnded;
  s.last_heartbeat_at = core::FromUnixMicros(row.Int(9));
  s.source_address = row.Text(10);
  return s;
}

Result<std::optional<StationSession>> LoadSession(store::Connection& c, int64_t session_id) {
  std::optional<StationSession> out;
  FG_RETURN_IF_ERROR(c.Exec(
      "SELECT " + std::string(kSessionColumns) + std::string(kSessionFrom) + "WHERE s.id = ?",
      {session_id}, [&](const store::Row& row) { out = ReadSession(row); }));
  return out;
}

Result<std::vector<StationSession>> EndOpenSessions(store::Connection& c, audit::Log& log,
                                                    std::string_view where, store::Param key,
                                                    int64_t now, std::string_view reason,
                                                    std::string_view actor,
                                                    std::string_view action) {
  std::vector<StationSession> open;
  FG_RETURN_IF_ERROR(c.Exec("SELECT " + std::string(kSessionColumns) + std::string(kSessionFrom) +
                                "WHERE s.ended_at IS NULL AND " + std::string(where),
                            {key},
                            [&](const store::Row& row) { open.push_back(ReadSession(row)); }));
  for (StationSession& s : open) {
    FG_RETURN_IF_ERROR(
        c.Exec("UPDATE identity_station_sessions SET ended_at = ?, end_reason = ? WHERE id = ?",
               {now, reason, s.id}));
    s.ended_at = core::FromUnixMicros(now);
    s.end_reason = std::string(reason);
    s.state = SessionState::kEnded;
    FG_RETURN_IF_ERROR(log.Append(c, {.actor = std::string(actor),
                                      .action = std::string(action),
                                      .subject = Subject("session", s.id),
                                      .details = Details({{"station_id", s.station_id},
                                                          {"account_id", s.account_id},
                                                          {"username", s.username},
                                                          {"reason", reason}})}));
  }
  return open;
}

}  // namespace fg::identity::internal
