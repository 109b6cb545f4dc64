// Console users' TOTP: enrolment, login with codes and recovery codes, replay, removal,
// and the must_enroll_totp flag for roles that require it.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "auth/totp.h"
#include "fixture.h"

namespace fg::auth {
namespace {

class AuthTotp : public AuthFixture {
 protected:
  void SetUp() override {
    AuthFixture::SetUp();
    MakeAuth({.secret_box = &box_});
  }

  // Enrols and confirms TOTP for `user_id`; returns the secret and fills recovery codes.
  std::string Enrol(int64_t user_id, std::vector<std::string>* recovery = nullptr) {
    auto enrolment = auth_->BeginTotpEnrolment(user_id);
    EXPECT_TRUE(enrolment) << enrolment.error().ToString();
    if (!enrolment) return {};
    auto codes = auth_->ConfirmTotp(user_id, Code(enrolment->secret));
    EXPECT_TRUE(codes) << codes.error().ToString();
    if (codes && recovery != nullptr) *recovery = *codes;
    return enrolment->secret;
  }

  std::string Code(const std::string& secret) {
    return totp::CodeAt(secret, totp::StepAt(clock_.WallNow()));
  }

  void NextStep() { clock_.Advance(std::chrono::seconds(totp::kStepSeconds)); }

  std::string LastDenialReason() {
    auto denied = AuditEntries("session.login.denied");
    if (denied.empty()) return "";
    auto details = nlohmann::json::parse(denied.front().details, nullptr, false);
    return details.value("reason", "");  // newest first
  }

  SecretBox box_ = SecretBox::Ephemeral();
};

TEST_F(AuthTotp, EnrolmentShowsASecretUriAndQrAndStaysPendingUntilConfirmed) {
  User alice = MakeUser("alice");
  auto enrolment = auth_->BeginTotpEnrolment(alice.id);
  ASSERT_TRUE(enrolment) << enrolment.error().ToString();
  EXPECT_EQ(enrolment->secret.size(), 32u);
  EXPECT_TRUE(enrolment->otpauth_uri.starts_with("otpauth://totp/floorguard:alice?secret=" +
                                                 enrolment->secret));
  EXPECT_TRUE(enrolment->qr_svg.starts_with("<svg"));
  EXPECT_FALSE(auth_->GetUser(alice.id)->totp_enabled);
  // Pending: the password alone still logs in.
  MustLogIn("alice");
  // The secret is stored sealed, never in plain form, and is not in the audit trail.
  EXPECT_FALSE(StoredAnywhere(enrolment->secret));
}

TEST_F(AuthTotp, ConfirmationNeedsACurrentCodeAndReturnsRecoveryCodesOnce) {
  User alice = MakeUser("alice");
  auto enrolment = auth_->BeginTotpEnrolment(alice.id);
  ASSERT_TRUE(enrolment);
  auto wrong =
      auth_->ConfirmTotp(alice.id, "000000" == Code(enrolment->secret) ? "111111" : "000000");
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().field, "code");
  auto codes = auth_->ConfirmTotp(alice.id, Code(enrolment->secret));
  ASSERT_TRUE(codes) << codes.error().ToString();
  EXPECT_EQ(codes->size(), 10u);
  EXPECT_TRUE(auth_->GetUser(alice.id)->totp_enabled);
  EXPECT_EQ(*auth_->RecoveryCodesLeft(alice.id), 10);
  for (const std::string& code : *codes) EXPECT_FALSE(StoredAnywhere(code)) << code;
  // Confirming again, or enrolling again, needs TOTP disabled first.
  EXPECT_FALSE(auth_->ConfirmTotp(alice.id, Code(enrolment->secret)));
  auto again = auth_->BeginTotpEnrolment(alice.id);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(AuditEntries("user.totp.enrol").size(), 1u);
  EXPECT_EQ(AuditEntries("user.totp.confirm").size(), 1u);
}

TEST_F(AuthTotp, WithoutASecretBoxEnrolmentIsUnavailable) {
  MakeAuth({});
  User alice = MakeUser("alice");
  auto enrolment = auth_->BeginTotpEnrolment(alice.id);
  ASSERT_FALSE(enrolment);
  EXPECT_EQ(enrolment.error().code, ErrorCode::kFailedPrecondition);
}

TEST_F(AuthTotp, LoginWithTotpNeedsACodeAndDeniesGenerically) {
  User alice = MakeUser("alice");
  std::string secret = Enrol(alice.id);
  NextStep();
  auto missing = auth_->LogIn("alice", kGoodPassword, "192.0.2.10");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(LastDenialReason(), "totp_required");
  std::string code = Code(secret);
  std::string wrong_code = code == "123456" ? "654321" : "123456";
  auto wrong = auth_->LogIn("alice", kGoodPassword, "192.0.2.10", wrong_code);
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().message, missing.error().message);
  EXPECT_EQ(LastDenialReason(), "bad_totp");
  auto login = auth_->LogIn("alice", kGoodPassword, "192.0.2.10", code);
  ASSERT_TRUE(login) << login.error().ToString();
  // A right code with a wrong password tells nothing either.
  NextStep();
  auto bad_password = auth_->LogIn("alice", kOtherPassword, "192.0.2.10", Code(secret));
  ASSERT_FALSE(bad_password);
  EXPECT_EQ(bad_password.error().message, missing.error().message);
  EXPECT_EQ(LastDenialReason(), "wrong_password");
  for (const auto& entry : AuditEntries()) {
    EXPECT_EQ(entry.details.find(code), std::string::npos) << entry.action;
  }
}

TEST_F(AuthTotp, ACodeIsAcceptedOnlyOnce) {
  User alice = MakeUser("alice");
  std::string secret = Enrol(alice.id);
  NextStep();
  std::string code = Code(secret);
  ASSERT_TRUE(auth_->LogIn("alice", kGoodPassword, "192.0.2.10", code));
  auto replay = auth_->LogIn("alice", kGoodPassword, "192.0.2.10", code);
  ASSERT_FALSE(replay);
  EXPECT_EQ(LastDenialReason(), "totp_replayed");
  // An earlier step within the drift window is no better than the same one.
  std::string previous = totp::CodeAt(secret, totp::StepAt(clock_.WallNow()) - 1);
  EXPECT_FALSE(auth_->LogIn("alice", kGoodPassword, "192.0.2.10", previous));
  NextStep();
  EXPECT_TRUE(auth_->LogIn("alice", kGoodPassword, "192.0.2.10", Code(secret)));
}

TEST_F(AuthTotp, TheConfirmationCodeCannotBeReplayedAtLogin) {
  User alice = MakeUser("alice");
  auto enrolment = auth_->BeginTotpEnrolment(alice.id);
  ASSERT_TRUE(enrolment);
  std::string code = Code(enrolment->secret);
  ASSERT_TRUE(auth_->ConfirmTotp(alice.id, code));
  EXPECT_FALSE(auth_->LogIn("alice", kGoodPassword, "192.0.2.10", code));
  EXPECT_EQ(LastDenialReason(), "totp_replayed");
}

TEST_F(AuthTotp, ARecoveryCodeWorksOnceInAnyCase) {
  User alice = MakeUser("alice");
  std::vector<std::string> recovery;
  Enrol(alice.id, &recovery);
  ASSERT_EQ(recovery.size(), 10u);
  std::string upper = recovery[3];
  for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  auto login = auth_->LogIn("alice", kGoodPassword, "192.0.2.10", upper);
  ASSERT_TRUE(login) << login.error().ToString();
  EXPECT_EQ(*auth_->RecoveryCodesLeft(alice.id), 9);
  EXPECT_FALSE(auth_->LogIn("alice", kGoodPassword, "192.0.2.10", recovery[3]));
  EXPECT_EQ(LastDenialReason(), "bad_totp");
  EXPECT_TRUE(auth_->LogIn("alice", kGoodPassword, "192.0.2.10", recovery[4]));
  auto logins = AuditEntries("session.login");
  ASSERT_FALSE(logins.empty());
  EXPECT_NE(logins.front().details.find("recovery_code"), std::string::npos);
}

TEST_F(AuthTotp, WrongCodesCountTowardsTheLockout) {
  MakeAuth({.lockout_after_failures = 3, .secret_box = &box_});
  User alice = MakeUser("alice");
  std::string secret = Enrol(alice.id);
  for (int i = 0; i < 3; ++i) {
    std::string wrong = Code(secret) == "000000" ? "999999" : "000000";
    EXPECT_FALSE(auth_->LogIn("alice", kGoodPassword, "192.0.2.10", wrong));
  }
  NextStep();
  EXPECT_FALSE(auth_->LogIn("alice", kGoodPassword, "192.0.2.10", Code(secret)));
  EXPECT_EQ(LastDenialReason(), "locked");
}

TEST_F(AuthTotp, DisablingOnesOwnNeedsThePasswordAndEndsOtherSessions) {
  User alice = MakeUser("alice");
  std::string secret = Enrol(alice.id);
  NextStep();
  auto first = auth_->LogIn("alice", kGoodPassword, "192.0.2.10", Code(secret));
  NextStep();
  auto second = auth_->LogIn("alice", kGoodPassword, "192.0.2.10", Code(secret));
  ASSERT_TRUE(first && second);
  auto wrong = auth_->DisableTotp("user:alice", alice.id, std::string_view(kOtherPassword),
                                  second->session_id);
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().field, "password");
  EXPECT_TRUE(auth_->GetUser(alice.id)->totp_enabled);
  ASSERT_TRUE(auth_->DisableTotp("user:alice", alice.id, std::string_view(kGoodPassword),
                                 second->session_id));
  EXPECT_FALSE(auth_->GetUser(alice.id)->totp_enabled);
  EXPECT_FALSE(auth_->AuthenticateSession(first->session_token));
  EXPECT_TRUE(auth_->AuthenticateSession(second->session_token));
  MustLogIn("alice");  // the password alone again
  EXPECT_EQ(AuditEntries("user.totp.disable").size(), 1u);
}

TEST_F(AuthTotp, AnAdminDisablesWithoutThePassword) {
  User alice = MakeUser("alice");
  Enrol(alice.id);
  ASSERT_TRUE(auth_->DisableTotp("user:admin", alice.id));
  EXPECT_FALSE(auth_->GetUser(alice.id)->totp_enabled);
  auto none = auth_->DisableTotp("user:admin", alice.id);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, ErrorCode::kNotFound);
}

TEST_F(AuthTotp, RolesRequiringTotpLogInFlaggedUntilEnrolled) {
  MakeAuth({.secret_box = &box_, .require_totp_for_roles = {Role::kAdmin}});
  User admin = MakeUser("root1", Role::kAdmin);
  User auditor = MakeUser("carol", Role::kAuditor);
  Auth::Login login = MustLogIn("root1");
  EXPECT_TRUE(login.must_enroll_totp);
  auto who = auth_->AuthenticateSession(login.session_token);
  ASSERT_TRUE(who);
  EXPECT_TRUE(who->must_enroll_totp);
  EXPECT_FALSE(MustLogIn("carol").must_enroll_totp);

  std::string secret = Enrol(admin.id);
  who = auth_->AuthenticateSession(login.session_token);
  ASSERT_TRUE(who);
  EXPECT_FALSE(who->must_enroll_totp);
  NextStep();
  auto again = auth_->LogIn("root1", kGoodPassword, "192.0.2.10", Code(secret));
  ASSERT_TRUE(again);
  EXPECT_FALSE(again->must_enroll_totp);
}

TEST_F(AuthTotp, ASealedSeedCopiedToAnotherUserDoesNotOpen) {
  User alice = MakeUser("alice");
  User bob = MakeUser("bob");
  std::string secret = Enrol(alice.id);
  Enrol(bob.id);
  ASSERT_TRUE(db_->Write([&](store::Connection& c) {
    return c
        .Exec(
            "UPDATE auth_totp SET secret_sealed = (SELECT secret_sealed FROM auth_totp WHERE "
            "user_id = ?) WHERE user_id = ?",
            {alice.id, bob.id})
        .transform([](int64_t) {});
  }));
  NextStep();
  EXPECT_FALSE(auth_->LogIn("bob", kGoodPassword, "192.0.2.10", Code(secret)));
  EXPECT_EQ(LastDenialReason(), "totp_unavailable");
}

}  // namespace
}  // namespace fg::auth
