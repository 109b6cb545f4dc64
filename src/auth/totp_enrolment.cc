// Console users' TOTP second factor: enrolment, confirmation with recovery codes, removal.
// Checking codes at login lives in sessions.cc.
#include "auth/auth.h"
#include "auth/internal/common.h"
#include "auth/internal/state.h"
#include "auth/qr.h"
#include "auth/totp.h"

namespace fg::auth {

namespace {

using internal::Details;
using internal::FailedPrecondition;
using internal::Subject;
using Json = nlohmann::json;

std::string UserActor(std::string_view username) { return "user:" + std::string(username); }

}  // namespace

bool Auth::MustEnrollTotp(Role role, bool totp_enabled) const {
  return !totp_enabled && options_.require_totp_for_roles.contains(role);
}

Result<Auth::TotpEnrolment> Auth::BeginTotpEnrolment(int64_t user_id) {
  if (options_.secret_box == nullptr) {
    return FailedPrecondition("TOTP is not available: no secrets key is configured");
  }
  FG_ASSIGN_OR_RETURN(User user, GetUser(user_id));
  if (user.totp_enabled) {
    return FailedPrecondition("TOTP is already enabled for '" + user.username +
                              "'; disable it before enrolling again");
  }
  TotpEnrolment enrolment;
  enrolment.secret = totp::GenerateSecret();
  enrolment.otpauth_uri = totp::OtpauthUri(options_.totp_issuer, user.username, enrolment.secret);
  FG_ASSIGN_OR_RETURN(enrolment.qr_svg, QrSvg(enrolment.otpauth_uri));
  FG_ASSIGN_OR_RETURN(std::string sealed,
                      options_.secret_box->Seal(enrolment.secret, internal::TotpContext(user_id)));
  FG_RETURN_IF_ERROR(db_.Write([&](store::Connection& c) -> Result<void> {
    FG_ASSIGN_OR_RETURN(auto current, internal::LoadTotp(c, user_id));
    if (current && current->confirmed) {
      return FailedPrecondition("TOTP is already enabled for '" + user.username + "'");
    }
    FG_RETURN_IF_ERROR(
        c.Exec("INSERT INTO auth_totp (user_id, secret_sealed, confirmed, last_step, created_at) "
               "VALUES (?, ?, 0, 0, ?) ON CONFLICT(user_id) DO UPDATE SET "
               "secret_sealed = excluded.secret_sealed, created_at = excluded.created_at",
               {user_id, sealed, core::ToUnixMicros(clock_.WallNow())}));
    return log_
        .Append(c, {.actor = UserActor(user.username),
                    .action = "user.totp.enrol",
                    .subject = Subject("user", user_id),
                    .details = Details({{"restarted", current.has_value()}})})
        .transform([](int64_t) {});
  }));
  return enrolment;
}

Result<std::vector<std::string>> Auth::ConfirmTotp(int64_t user_id, std::string_view code) {
  if (options_.secret_box == nullptr) {
    return FailedPrecondition("TOTP is not available: no secrets key is configured");
  }
  FG_ASSIGN_OR_RETURN(User user, GetUser(user_id));
  FG_ASSIGN_OR_RETURN(
      auto row, db_.Read([&](store::Connection& c) { return internal::LoadTotp(c, user_id); }));
  if (!row || row->confirmed) {
    return FailedPrecondition("no TOTP enrolment is pending; start one first");
  }
  FG_ASSIGN_OR_RETURN(std::string secret, options_.secret_box->Open(
                                              row->secret_sealed, internal::TotpContext(user_id)));
  std::optional<int64_t> step = totp::MatchStep(secret, code, clock_.WallNow());
  if (!step) {
    return InvalidArgument("code",
                           "does not match; check the device's clock and try the next code");
  }
  std::vector<std::string> codes = totp::GenerateRecoveryCodes(options_.recovery_codes);
  FG_RETURN_IF_ERROR(db_.Write([&](store::Connection& c) -> Result<void> {
    FG_ASSIGN_OR_RETURN(auto current, internal::LoadTotp(c, user_id));
    // Another enrolment may have replaced the secret meanwhile: its code is not this one's.
    if (!current || current->confirmed || current->secret_sealed != row->secret_sealed) {
      return FailedPrecondition("the TOTP enrolment changed meanwhile; start again");
    }
    int64_t now = core::ToUnixMicros(clock_.WallNow());
    FG_RETURN_IF_ERROR(
        c.Exec("UPDATE auth_totp SET confirmed = 1, confirmed_at = ?, last_step = ? "
               "WHERE user_id = ?",
               {now, *step, user_id}));
    FG_RETURN_IF_ERROR(c.Exec("DELETE FROM auth_recovery_codes WHERE user_id = ?", {user_id}));
    for (const std::string& recovery : codes) {
      FG_RETURN_IF_ERROR(c.Exec(
          "INSERT INTO auth_recovery_codes (user_id, code_hash, created_at) VALUES (?, ?, ?)",
          {user_id, totp::HashRecoveryCode(totp::NormalizeRecoveryCode(recovery)), now}));
    }
    return log_
        .Append(c, {.actor = UserActor(user.username),
                    .action = "user.totp.confirm",
                    .subject = Subject("user", user_id),
                    .details = Details({{"recovery_codes", codes.size()}})})
        .transform([](int64_t) {});
  }));
  return codes;
}

Result<void> Auth::DisableTotp(std::string_view actor, int64_t user_id,
                               std::optional<std::string_view> current_password,
                               int64_t keep_session_id) {
  FG_ASSIGN_OR_RETURN(auto user_row, db_.Read([&](store::Connection& c) {
    return internal::LoadUser(c, user_id);
  }));
  if (!user_row) return NotFound("console user " + std::to_string(user_id) + " does not exist");
  if (current_password) {
    if (current_password->size() > kMaxPasswordBytes ||
        !Verify(user_row->password_hash, *current_password)) {
      FG_RETURN_IF_ERROR(log_.AppendDurably({.actor = std::string(actor),
                                             .action = "user.totp.disable.denied",
                                             .subject = Subject("user", user_id),
                                             .details = Details({{"reason", "wrong_password"}})}));
      return InvalidArgument("password", "is not the current password");
    }
  }
  return db_.Write([&](store::Connection& c) -> Result<void> {
    FG_ASSIGN_OR_RETURN(auto row, internal::LoadTotp(c, user_id));
    if (!row) return NotFound("'" + user_row->user.username + "' has no TOTP to disable");
    FG_RETURN_IF_ERROR(c.Exec("DELETE FROM auth_totp WHERE user_id = ?", {user_id}));
    FG_RETURN_IF_ERROR(c.Exec("DELETE FROM auth_recovery_codes WHERE user_id = ?", {user_id}));
    // Sessions opened with the second factor should not outlive it; one's own stays.
    FG_ASSIGN_OR_RETURN(int64_t ended, internal::EndSessions(c, user_id, clock_.WallNow(),
                                                             "totp_disabled", keep_session_id));
    return log_
        .Append(c, {.actor = std::string(actor),
                    .action = "user.totp.disable",
                    .subject = Subject("user", user_id),
                    .details = Details({{"was_confirmed", row->confirmed},
                                        {"by", current_password ? "self" : "admin"},
                                        {"sessions_ended", ended}})})
        .transform([](int64_t) {});
  });
}

Result<int> Auth::RecoveryCodesLeft(int64_t user_id) {
  int left = 0;
  FG_RETURN_IF_ERROR(db_.Read([&](store::Connection& c) {
    return c.Exec("SELECT COUNT(*) FROM auth_recovery_codes WHERE user_id = ? AND used_at IS NULL",
                  {user_id}, [&](const store::Row& row) { left = static_cast<int>(row.Int(0)); });
  }));
  return left;
}

}  // namespace fg::auth
