#include "auth/auth.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "fixture.h"

namespace fg::auth {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

class AuthUsers : public AuthFixture {};
class AuthSessions : public AuthFixture {};
class AuthTokens : public AuthFixture {};

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// ---------------------------------------------------------------- first start and users

TEST_F(AuthUsers, FirstStartCreatesAdminWithAGeneratedTemporaryPassword) {
  auto generated = auth_->EnsureAdmin(std::nullopt);
  ASSERT_TRUE(generated) << generated.error().ToString();
  ASSERT_TRUE(generated->has_value());
  EXPECT_EQ((*generated)->size(), 20u);
  auto login = MustLogIn("admin", **generated);
  EXPECT_EQ(login.user.role, Role::kAdmin);
  EXPECT_TRUE(login.user.must_change_password);
  auto created = AuditEntries("user.create");
  ASSERT_EQ(created.size(), 1u);
  EXPECT_EQ(created[0].actor, "system");
  EXPECT_FALSE(Contains(created[0].details, **generated));
}

TEST_F(AuthUsers, FirstStartUsesTheGivenPasswordWhichIsNotTemporary) {
  auto generated = auth_->EnsureAdmin(std::string(kGoodPassword));
  ASSERT_TRUE(generated) << generated.error().ToString();
  EXPECT_FALSE(generated->has_value());
  auto login = MustLogIn("admin", kGoodPassword);
  EXPECT_FALSE(login.user.must_change_password);
}

TEST_F(AuthUsers, FirstStartRejectsAGivenPasswordThatBreaksThePolicy) {
  auto generated = auth_->EnsureAdmin(std::string("admin12345678"));
  ASSERT_FALSE(generated);
  EXPECT_EQ(generated.error().field, "password");
  EXPECT_EQ(auth_->ListUsers(10, std::nullopt)->items.size(), 0u);
}

TEST_F(AuthUsers, FirstStartIsIdempotent) {
  ASSERT_TRUE(auth_->EnsureAdmin(std::nullopt));
  auto again = auth_->EnsureAdmin(std::nullopt);
  ASSERT_TRUE(again);
  EXPECT_FALSE(again->has_value());
  auto given = auth_->EnsureAdmin(std::string(kGoodPassword));
  ASSERT_TRUE(given);
  EXPECT_FALSE(given->has_value());
  // A password left in the environment is not judged once the admin exists.
  EXPECT_TRUE(auth_->EnsureAdmin(std::string("weak")));
  EXPECT_EQ(auth_->ListUsers(10, std::nullopt)->items.size(), 1u);
  EXPECT_EQ(AuditEntries("user.create").size(), 1u);
}

TEST_F(AuthUsers, UsernamesAreStoredLowerCaseAndUniqueIgnoringCase) {
  auto created = auth_->CreateUser("user:admin", "Alice.Smith", Role::kSecurity, std::nullopt);
  ASSERT_TRUE(created) << created.error().ToString();
  EXPECT_EQ(created->user.username, "alice.smith");
  auto again = auth_->CreateUser("user:admin", "ALICE.smith", Role::kAuditor, std::nullopt);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(again.error().field, "username");
}

TEST_F(AuthUsers, UsernameIsThreeToSixtyFourOfLettersDigitsDotUnderscoreDash) {
  for (const std::string& bad :
       std::vector<std::string>{"ab", std::string(65, 'a'), "al ice", "al@ice", "élise"}) {
    auto r = auth_->CreateUser("user:admin", bad, Role::kSecurity, std::nullopt);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().field, "username") << bad;
  }
  EXPECT_TRUE(auth_->CreateUser("user:admin", "a.b_c-9", Role::kSecurity, std::nullopt));
  EXPECT_TRUE(auth_->CreateUser("user:admin", std::string(64, 'z'), Role::kSecurity, std::nullopt));
}

TEST_F(AuthUsers, ConsoleUsersHoldConsoleRolesOnly) {
  auto r = auth_->CreateUser("user:admin", "door1", Role::kDoorController, std::nullopt);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field, "role");
  User bob = MakeUser("bob");
  auto u = auth_->UpdateUser("user:admin", bob.id, Role::kPbx, std::nullopt);
  ASSERT_FALSE(u);
  EXPECT_EQ(u.error().field, "role");
}

TEST_F(AuthUsers, GeneratedPasswordIsTemporaryAndReturnedOnce) {
  auto created = auth_->CreateUser("user:admin", "carol", Role::kSupervisor, std::nullopt);
  ASSERT_TRUE(created);
  ASSERT_TRUE(created->temporary_password);
  EXPECT_TRUE(created->user.must_change_password);
  EXPECT_TRUE(CheckPasswordPolicy(*created->temporary_password, "carol"));
  EXPECT_FALSE(StoredAnywhere(*created->temporary_password));
}

TEST_F(AuthUsers, AdminGivenPasswordIsAlsoTemporary) {
  auto created =
      auth_->CreateUser("user:admin", "dave", Role::kAuditor, std::string(kGoodPassword));
  ASSERT_TRUE(created);
  EXPECT_FALSE(created->temporary_password);
  EXPECT_TRUE(created->user.must_change_password);
  auto login = MustLogIn("dave");
  EXPECT_TRUE(login.user.must_change_password);
  auto who = auth_->AuthenticateSession(login.session_token);
  ASSERT_TRUE(who);
  EXPECT_TRUE(who->must_change_password);
}

TEST_F(AuthUsers, AdminGivenPasswordMustPassThePolicy) {
  auto r =
      auth_->CreateUser("user:admin", "erin", Role::kAuditor, std::string("erin-and-more-text"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field, "password");
  EXPECT_TRUE(Contains(r.error().message, "username"));
}

TEST_F(AuthUsers, CreationIsAuditedWithoutThePassword) {
  auto created =
      auth_->CreateUser("user:root", "frank", Role::kSecurity, std::string(kGoodPassword));
  ASSERT_TRUE(created);
  auto entries = AuditEntries("user.create");
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].actor, "user:root");
  EXPECT_EQ(entries[0].subject, "user:" + std::to_string(created->user.id));
  EXPECT_TRUE(Contains(entries[0].details, "\"role\":\"security\""));
  EXPECT_FALSE(Contains(entries[0].details, kGoodPassword));
  EXPECT_FALSE(Contains(entries[0].details, "argon2"));
}

TEST_F(AuthUsers, TheLastEnabledAdminCannotBeDisabled) {
  ASSERT_TRUE(auth_->EnsureAdmin(std::string(kGoodPassword)));
  int64_t admin = auth_->ListUsers(1, std::nullopt)->items[0].id;
  auto r = auth_->UpdateUser("user:admin", admin, std::nullopt, true);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_FALSE(auth_->GetUser(admin)->disabled);
}

TEST_F(AuthUsers, TheLastEnabledAdminCannotBeDemoted) {
  ASSERT_TRUE(auth_->EnsureAdmin(std::string(kGoodPassword)));
  int64_t admin = auth_->ListUsers(1, std::nullopt)->items[0].id;
  // A disabled admin does not count.
  User other = MakeUser("other", Role::kAdmin);
  ASSERT_TRUE(auth_->UpdateUser("user:admin", other.id, std::nullopt, true));
  auto r = auth_->UpdateUser("user:admin", admin, Role::kAuditor, std::nullopt);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kFailedPrecondition);
  // With a second enabled admin, the first may step down.
  ASSERT_TRUE(auth_->UpdateUser("user:admin", other.id, std::nullopt, false));
  auto demoted = auth_->UpdateUser("user:admin", admin, Role::kAuditor, std::nullopt);
  ASSERT_TRUE(demoted) << demoted.error().ToString();
  EXPECT_EQ(demoted->role, Role::kAuditor);
  auto entry = AuditEntries("user.update").front();
  EXPECT_TRUE(Contains(entry.details, R"("role":{"from":"admin","to":"auditor"})"))
      << entry.details;
}

TEST_F(AuthUsers, DisablingAUserEndsItsSessionsAndBlocksLogin) {
  User bob = MakeUser("bob");
  auto login = MustLogIn("bob");
  ASSERT_TRUE(auth_->AuthenticateSession(login.session_token));
  auto updated = auth_->UpdateUser("user:admin", bob.id, std::nullopt, true);
  ASSERT_TRUE(updated);
  EXPECT_TRUE(updated->disabled);
  EXPECT_FALSE(auth_->AuthenticateSession(login.session_token));
  auto again = auth_->LogIn("bob", kGoodPassword, "192.0.2.10");
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kUnauthenticated);
  EXPECT_TRUE(Contains(AuditEntries("user.update").front().details, "\"sessions_ended\":1"));
  // Enabling again does not revive the old session.
  ASSERT_TRUE(auth_->UpdateUser("user:admin", bob.id, std::nullopt, false));
  EXPECT_FALSE(auth_->AuthenticateSession(login.session_token));
  EXPECT_TRUE(auth_->LogIn("bob", kGoodPassword, "192.0.2.10"));
}

TEST_F(AuthUsers, AnUnchangedUpdateWritesNoAuditEntry) {
  User bob = MakeUser("bob");
  size_t before = AuditEntries().size();
  ASSERT_TRUE(auth_->UpdateUser("user:admin", bob.id, Role::kSecurity, false));
  EXPECT_EQ(AuditEntries().size(), before);
}

TEST_F(AuthUsers, ResetGivesATemporaryPasswordAndEndsSessions) {
  User bob = MakeUser("bob");
  auto login = MustLogIn("bob");
  auto password = auth_->ResetPassword("user:admin", bob.id);
  ASSERT_TRUE(password) << password.error().ToString();
  EXPECT_FALSE(auth_->AuthenticateSession(login.session_token));
  EXPECT_FALSE(auth_->LogIn("bob", kGoodPassword, "192.0.2.10"));
  auto fresh = MustLogIn("bob", *password);
  EXPECT_TRUE(fresh.user.must_change_password);
  auto entry = AuditEntries("user.password.reset").front();
  EXPECT_EQ(entry.actor, "user:admin");
  EXPECT_FALSE(Contains(entry.details, *password));
  EXPECT_FALSE(auth_->ResetPassword("user:admin", 999));
}

TEST_F(AuthUsers, ListPagesByIdWithACursor) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(
        auth_->CreateUser("user:admin", "user" + std::to_string(i), Role::kAuditor, std::nullopt));
  }
  auto first = auth_->ListUsers(2, std::nullopt);
  ASSERT_TRUE(first);
  ASSERT_EQ(first->items.size(), 2u);
  ASSERT_TRUE(first->next_after_id);
  auto second = auth_->ListUsers(2, first->next_after_id);
  EXPECT_EQ(second->items[0].username, "user2");
  auto last = auth_->ListUsers(2, second->next_after_id);
  EXPECT_EQ(last->items.size(), 1u);
  EXPECT_FALSE(last->next_after_id);
  EXPECT_EQ(auth_->GetUser(12345).error().code, ErrorCode::kNotFound);
}

// ---------------------------------------------------------------- login and sessions

TEST_F(AuthSessions, LoginOpensASessionAndIsAudited) {
  User bob = MakeUser("bob");
  auto login = auth_->LogIn("Bob", kGoodPassword, "192.0.2.77");
  ASSERT_TRUE(login) << login.error().ToString();
  EXPECT_TRUE(login->session_token.starts_with("fgs_"));
  EXPECT_TRUE(login->csrf_token.starts_with("fgc_"));
  EXPECT_EQ(login->session_token.size(), 47u);
  EXPECT_NE(login->session_token.substr(4), login->csrf_token.substr(4));
  EXPECT_EQ(login->user.id, bob.id);
  EXPECT_TRUE(login->user.last_login_at);
  auto who = auth_->AuthenticateSession(login->session_token);
  ASSERT_TRUE(who);
  EXPECT_EQ(who->kind, Principal::Kind::kUser);
  EXPECT_EQ(who->id, bob.id);
  EXPECT_EQ(who->name, "bob");
  EXPECT_EQ(who->role, Role::kSecurity);
  EXPECT_EQ(who->session_id, login->session_id);
  EXPECT_FALSE(who->must_change_password);
  auto entry = AuditEntries("session.login").front();
  EXPECT_EQ(entry.actor, "user:bob");
  EXPECT_EQ(entry.subject, "user:" + std::to_string(bob.id));
  EXPECT_TRUE(Contains(entry.details, "192.0.2.77"));
}

TEST_F(AuthSessions, UnknownUserWrongPasswordAndDisabledAccountGiveIdenticalErrors) {
  User bob = MakeUser("bob");
  MakeUser("carl");
  ASSERT_TRUE(auth_->UpdateUser("user:admin", bob.id, std::nullopt, true));
  auto unknown = auth_->LogIn("nobody", kGoodPassword, "192.0.2.1");
  auto wrong = auth_->LogIn("carl", kOtherPassword, "192.0.2.1");
  auto disabled = auth_->LogIn("bob", kGoodPassword, "192.0.2.1");
  auto malformed = auth_->LogIn("x y", kGoodPassword, "192.0.2.1");
  for (const auto* r : {&unknown, &wrong, &disabled, &malformed}) {
    ASSERT_FALSE(*r);
    EXPECT_EQ(r->error().code, ErrorCode::kUnauthenticated);
    EXPECT_EQ(r->error().message, unknown.error().message);
    EXPECT_EQ(r->error().field, "");
  }
}

TEST_F(AuthSessions, EveryFailedLoginIsAuditedWithItsReason) {
  User bob = MakeUser("bob");
  ASSERT_FALSE(auth_->LogIn("nobody", kGoodPassword, "198.51.100.1"));
  ASSERT_FALSE(auth_->LogIn("bob", kOtherPassword, "198.51.100.2"));
  ASSERT_TRUE(auth_->UpdateUser("user:admin", bob.id, std::nullopt, true));
  ASSERT_FALSE(auth_->LogIn("bob", kGoodPassword, "198.51.100.3"));
  auto denied = AuditEntries("session.login.denied");  // newest first
  ASSERT_EQ(denied.size(), 3u);
  EXPECT_TRUE(Contains(denied[2].details, "\"reason\":\"unknown_user\""));
  EXPECT_TRUE(Contains(denied[2].details, "198.51.100.1"));
  EXPECT_EQ(denied[2].subject, "user:unknown");
  EXPECT_TRUE(Contains(denied[1].details, "\"reason\":\"wrong_password\""));
  EXPECT_EQ(denied[1].subject, "user:" + std::to_string(bob.id));
  EXPECT_TRUE(Contains(denied[0].details, "\"reason\":\"disabled\""));
  for (const auto& e : denied) EXPECT_EQ(e.actor, "anonymous");
}

TEST_F(AuthSessions, NoPasswordEverAppearsInTheAuditTrail) {
  const std::string wrong = "wrong horse battery clip";
  const std::string given = "given by admin 7 banjo";
  const std::string next = "my own choice 9 walrus";
  ASSERT_TRUE(auth_->EnsureAdmin(std::string(kGoodPassword)));
  auto created = auth_->CreateUser("user:admin", "bob", Role::kSecurity, given);
  ASSERT_TRUE(created);
  ASSERT_FALSE(auth_->LogIn("admin", wrong, "192.0.2.1"));
  ASSERT_FALSE(auth_->LogIn("ghost", wrong, "192.0.2.1"));
  // A password typed into the username field is not copied into the trail either.
  ASSERT_FALSE(auth_->LogIn(kOtherPassword, kOtherPassword, "192.0.2.1"));
  MustLogIn("admin");
  ASSERT_FALSE(auth_->ChangePassword(created->user.id, wrong, next));
  ASSERT_TRUE(auth_->ChangePassword(created->user.id, given, next));
  auto reset = auth_->ResetPassword("user:admin", created->user.id);
  ASSERT_TRUE(reset);
  auto entries = AuditEntries();
  ASSERT_GE(entries.size(), 8u);
  for (const audit::Entry& e : entries) {
    std::string all = e.actor + "|" + e.action + "|" + e.subject + "|" + e.details;
    for (const std::string& secret :
         {std::string(kGoodPassword), std::string(kOtherPassword), wrong, given, next, *reset}) {
      EXPECT_FALSE(Contains(all, secret)) << e.action << ": " << all;
    }
    EXPECT_FALSE(Contains(all, "argon2")) << all;
  }
}

TEST_F(AuthSessions, DisabledUserCannotLogInEvenWithTheRightPassword) {
  User bob = MakeUser("bob");
  ASSERT_TRUE(auth_->UpdateUser("user:admin", bob.id, std::nullopt, true));
  auto r = auth_->LogIn("bob", kGoodPassword, "192.0.2.1");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUnauthenticated);
}

TEST_F(AuthSessions, IdleSessionEndsAfterTheIdleTimeout) {
  MakeUser("bob");
  auto login = MustLogIn("bob");
  clock_.Advance(minutes(15));
  EXPECT_TRUE(auth_->AuthenticateSession(login.session_token));  // exactly 15 min idle
  clock_.Advance(minutes(15) + seconds(1));
  auto r = auth_->AuthenticateSession(login.session_token);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUnauthenticated);
  EXPECT_FALSE(auth_->AuthenticateSession(login.session_token));  // stays ended
}

TEST_F(AuthSessions, PassiveChecksDoNotKeepAnIdleSessionAlive) {
  MakeUser("bob");
  auto login = MustLogIn("bob");
  for (int i = 0; i < 3; ++i) {
    clock_.Advance(minutes(5));
    ASSERT_TRUE(auth_->AuthenticateSession(login.session_token, Auth::Activity::kPassive)) << i;
  }
  clock_.Advance(minutes(1));
  EXPECT_FALSE(auth_->AuthenticateSession(login.session_token, Auth::Activity::kPassive));
  EXPECT_FALSE(auth_->AuthenticateSession(login.session_token));
}

TEST_F(AuthSessions, ActivityKeepsASessionAlive) {
  MakeUser("bob");
  auto login = MustLogIn("bob");
  for (int i = 0; i < 8; ++i) {
    clock_.Advance(minutes(14));
    ASSERT_TRUE(auth_->AuthenticateSession(login.session_token)) << i;
  }
}

TEST_F(AuthSessions, ActivityIsRecordedForOtherInstancesAtMostEvery30Seconds) {
  MakeUser("bob");
  auto login = MustLogIn("bob");
  auto stored = [&] {
    DrainWrites();
    int64_t us = 0;
    EXPECT_TRUE(db_->Read([&](store::Connection& c) {
      return c.Exec("SELECT last_seen_at FROM auth_sessions WHERE id = ?", {login.session_id},
                    [&](const store::Row& row) { us = row.Int(0); });
    }));
    return us;
  };
  int64_t at_login = stored();
  clock_.Advance(seconds(10));
  ASSERT_TRUE(auth_->AuthenticateSession(login.session_token));
  EXPECT_EQ(stored(), at_login);  // not worth a write yet
  clock_.Advance(seconds(25));
  ASSERT_TRUE(auth_->AuthenticateSession(login.session_token));
  EXPECT_EQ(stored(), core::ToUnixMicros(clock_.WallNow()));
  // A restarted server (fresh memory) still sees the recorded activity.
  clock_.Advance(minutes(14) + seconds(50));  // 15:25 after login, 14:50 after the last use
  MakeAuth({});
  EXPECT_TRUE(auth_->AuthenticateSession(login.session_token));
}

TEST_F(AuthSessions, BusySessionEndsAfterTheAbsoluteTimeout) {
  MakeUser("bob");
  auto login = MustLogIn("bob");
  for (int i = 0; i < 72; ++i) {  // every 10 minutes for 12 hours
    clock_.Advance(minutes(10));
    ASSERT_TRUE(auth_->AuthenticateSession(login.session_token)) << i;
  }
  clock_.Advance(seconds(1));
  auto r = auth_->AuthenticateSession(login.session_token);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUnauthenticated);
}

TEST_F(AuthSessions, TimeoutsComeFromOptions) {
  MakeAuth({.idle_timeout = minutes(5), .absolute_timeout = hours(1)});
  MakeUser("bob");
  auto login = MustLogIn("bob");
  clock_.Advance(minutes(5) + seconds(1));
  EXPECT_FALSE(auth_->AuthenticateSession(login.session_token));
}

TEST_F(AuthSessions, UnknownAndMalformedSessionTokensAreRejected) {
  MakeUser("bob");
  auto login = MustLogIn("bob");
  std::string forged = login.session_token;
  forged.back() = forged.back() == 'A' ? 'B' : 'A';
  for (const std::string& token : {forged, std::string(""), std::string("fgs_short"),
                                   login.csrf_token, "fgd_" + login.session_token.substr(4)}) {
    auto r = auth_->AuthenticateSession(token);
    ASSERT_FALSE(r) << token;
    EXPECT_EQ(r.error().code, ErrorCode::kUnauthenticated);
  }
}

TEST_F(AuthSessions, CsrfTokenMatchesOnlyItsOwnLiveSession) {
  MakeUser("bob");
  auto a = MustLogIn("bob");
  auto b = MustLogIn("bob");
  EXPECT_TRUE(auth_->CheckCsrf(a.session_id, a.csrf_token));
  EXPECT_FALSE(auth_->CheckCsrf(a.session_id, b.csrf_token));
  EXPECT_FALSE(auth_->CheckCsrf(b.session_id, a.csrf_token));
  EXPECT_FALSE(auth_->CheckCsrf(a.session_id, ""));
  EXPECT_FALSE(auth_->CheckCsrf(a.session_id, a.session_token));
  ASSERT_TRUE(auth_->LogOut(a.session_id, "user:bob"));
  EXPECT_FALSE(auth_->CheckCsrf(a.session_id, a.csrf_token));
}

TEST_F(AuthSessions, LogoutEndsTheSessionAndIsAudited) {
  User bob = MakeUser("bob");
  auto login = MustLogIn("bob");
  auto other = MustLogIn("bob");
  ASSERT_TRUE(auth_->LogOut(login.session_id, "user:bob"));
  EXPECT_FALSE(auth_->AuthenticateSession(login.session_token));
  EXPECT_TRUE(auth_->AuthenticateSession(other.session_token));
  auto entries = AuditEntries("session.logout");
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].actor, "user:bob");
  EXPECT_EQ(entries[0].subject, "user:" + std::to_string(bob.id));
  // Logging out twice is harmless and not audited again.
  ASSERT_TRUE(auth_->LogOut(login.session_id, "user:bob"));
  EXPECT_EQ(AuditEntries("session.logout").size(), 1u);
}

TEST_F(AuthSessions, TemporaryPasswordMustBeChangedAndChangingClearsTheFlag) {
  auto created = auth_->CreateUser("user:admin", "bob", Role::kSecurity, std::nullopt);
  ASSERT_TRUE(created);
  auto login = MustLogIn("bob", *created->temporary_password);
  EXPECT_TRUE(auth_->AuthenticateSession(login.session_token)->must_change_password);
  ASSERT_TRUE(auth_->ChangePassword(created->user.id, *created->temporary_password, kGoodPassword,
                                    login.session_id));
  auto who = auth_->AuthenticateSession(login.session_token);
  ASSERT_TRUE(who);  // the session that changed the password goes on
  EXPECT_FALSE(who->must_change_password);
  EXPECT_FALSE(auth_->GetUser(created->user.id)->must_change_password);
  auto entry = AuditEntries("user.password.change").front();
  EXPECT_EQ(entry.actor, "user:bob");
}

TEST_F(AuthSessions, ChangePasswordNeedsTheCurrentPassword) {
  User bob = MakeUser("bob");
  auto r = auth_->ChangePassword(bob.id, kOtherPassword, "brand new walrus 99");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field, "current_password");
  EXPECT_EQ(AuditEntries("user.password.change.denied").size(), 1u);
  EXPECT_TRUE(auth_->LogIn("bob", kGoodPassword, "192.0.2.1"));
}

TEST_F(AuthSessions, ChangePasswordAppliesThePolicyToTheNewPassword) {
  User bob = MakeUser("bob");
  auto r = auth_->ChangePassword(bob.id, kGoodPassword, "short");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field, "new_password");
  r = auth_->ChangePassword(bob.id, kGoodPassword, "bob-is-my-name-ok");
  ASSERT_FALSE(r);
  EXPECT_TRUE(Contains(r.error().message, "username"));
}

TEST_F(AuthSessions, NewPasswordMustDifferFromTheCurrentOne) {
  User bob = MakeUser("bob");
  auto r = auth_->ChangePassword(bob.id, kGoodPassword, kGoodPassword);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field, "new_password");
  EXPECT_TRUE(Contains(r.error().message, "differ"));
}

TEST_F(AuthSessions, NewPasswordMustDifferFromTheLastFour) {
  User bob = MakeUser("bob");  // history: a temporary password, then kGoodPassword
  const std::string p2 = "second walrus choice";
  const std::string p3 = "third walrus choice";
  const std::string p4 = "fourth walrus choice";
  ASSERT_TRUE(auth_->ChangePassword(bob.id, kGoodPassword, p2));
  ASSERT_TRUE(auth_->ChangePassword(bob.id, p2, p3));
  auto reused = auth_->ChangePassword(bob.id, p3, kGoodPassword);
  ASSERT_FALSE(reused);
  EXPECT_EQ(reused.error().field, "new_password");
  ASSERT_TRUE(auth_->ChangePassword(bob.id, p3, p4));
  ASSERT_TRUE(auth_->ChangePassword(bob.id, p4, "fifth walrus choice"));
  // kGoodPassword is now five passwords back: allowed again.
  EXPECT_TRUE(auth_->ChangePassword(bob.id, "fifth walrus choice", kGoodPassword));
}

TEST_F(AuthSessions, ChangingThePasswordEndsTheOtherSessions) {
  User bob = MakeUser("bob");
  auto here = MustLogIn("bob");
  auto elsewhere = MustLogIn("bob");
  ASSERT_TRUE(auth_->ChangePassword(bob.id, kGoodPassword, "brand new walrus 99", here.session_id));
  EXPECT_TRUE(auth_->AuthenticateSession(here.session_token));
  EXPECT_FALSE(auth_->AuthenticateSession(elsewhere.session_token));
}

TEST_F(AuthSessions, RoleChangesApplyToLiveSessions) {
  User bob = MakeUser("bob");
  auto login = MustLogIn("bob");
  ASSERT_TRUE(auth_->UpdateUser("user:admin", bob.id, Role::kAuditor, std::nullopt));
  EXPECT_EQ(auth_->AuthenticateSession(login.session_token)->role, Role::kAuditor);
}

TEST_F(AuthSessions, PasswordIsRehashedAtLoginWhenParametersRise) {
  MakeUser("bob");
  auto stored_hash = [&] {
    std::string hash;
    EXPECT_TRUE(db_->Read([&](store::Connection& c) {
      return c.Exec("SELECT password_hash FROM auth_users WHERE username = 'bob'", {},
                    [&](const store::Row& row) { hash = row.Text(0); });
    }));
    return hash;
  };
  EXPECT_TRUE(Contains(stored_hash(), "$m=8,t=1,")) << stored_hash();
  Options stronger;
  stronger.password = {.iterations = 2, .memory_bytes = 16384};
  MakeAuth(stronger, /*fast=*/false);
  MustLogIn("bob");
  EXPECT_TRUE(Contains(stored_hash(), "$m=16,t=2,")) << stored_hash();
  EXPECT_TRUE(Contains(AuditEntries("session.login").front().details, "password_rehashed"));
  MustLogIn("bob");  // the new hash verifies, and is not replaced again
  EXPECT_FALSE(Contains(AuditEntries("session.login").front().details, "password_rehashed"));
}

TEST_F(AuthSessions, SessionAndCsrfTokensAreStoredOnlyAsHashes) {
  MakeUser("bob");
  auto login = MustLogIn("bob");
  EXPECT_FALSE(StoredAnywhere(login.session_token));
  EXPECT_FALSE(StoredAnywhere(login.session_token.substr(4)));
  EXPECT_FALSE(StoredAnywhere(login.csrf_token.substr(4)));
  EXPECT_FALSE(StoredAnywhere(kGoodPassword));
}

// ---------------------------------------------------------------- device tokens

TEST_F(AuthTokens, ATokenAuthenticatesItsDevice) {
  auto created = auth_->CreateToken("user:admin", "ws-0142", Role::kWorkstation, 142);
  ASSERT_TRUE(created) << created.error().ToString();
  EXPECT_TRUE(created->secret.starts_with("fgd_"));
  EXPECT_EQ(created->secret.size(), 47u);
  auto who = auth_->AuthenticateDevice(created->secret);
  ASSERT_TRUE(who) << who.error().ToString();
  EXPECT_EQ(who->kind, Principal::Kind::kDevice);
  EXPECT_EQ(who->id, created->token.id);
  EXPECT_EQ(who->name, "ws-0142");
  EXPECT_EQ(who->role, Role::kWorkstation);
  EXPECT_EQ(who->station_id, 142);
  EXPECT_EQ(who->session_id, 0);
  auto entry = AuditEntries("token.create").front();
  EXPECT_EQ(entry.subject, "token:" + std::to_string(created->token.id));
  EXPECT_FALSE(Contains(entry.details, created->secret.substr(4)));
}

TEST_F(AuthTokens, ARevokedTokenFailsImmediatelyEvenWhenCached) {
  auto created = auth_->CreateToken("user:admin", "door-3", Role::kDoorController, std::nullopt);
  ASSERT_TRUE(created);
  ASSERT_TRUE(auth_->AuthenticateDevice(created->secret));  // now cached
  ASSERT_TRUE(auth_->RevokeToken("user:admin", created->token.id));
  auto r = auth_->AuthenticateDevice(created->secret);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUnauthenticated);
  EXPECT_TRUE(auth_->GetToken(created->token.id)->revoked);
  EXPECT_EQ(AuditEntries("token.revoke").size(), 1u);
  ASSERT_TRUE(auth_->RevokeToken("user:admin", created->token.id));  // no-op, not re-audited
  EXPECT_EQ(AuditEntries("token.revoke").size(), 1u);
  EXPECT_EQ(auth_->RevokeToken("user:admin", 999).error().code, ErrorCode::kNotFound);
}

TEST_F(AuthTokens, ARevocationByAnotherProcessIsSeenWithinTheCacheWindow) {
  auto created = auth_->CreateToken("user:admin", "pbx-1", Role::kPbx, std::nullopt);
  ASSERT_TRUE(created);
  ASSERT_TRUE(auth_->AuthenticateDevice(created->secret));
  // Another node revokes through the shared database; this process only has its cache.
  ASSERT_TRUE(db_->Write([&](store::Connection& c) {
    return c.Exec("UPDATE auth_tokens SET revoked_at = 1 WHERE id = ?", {created->token.id})
        .transform([](int64_t) {});
  }));
  clock_.Advance(std::chrono::milliseconds(4900));
  EXPECT_TRUE(auth_->AuthenticateDevice(created->secret));  // cached: documented window
  clock_.Advance(std::chrono::milliseconds(200));
  EXPECT_FALSE(auth_->AuthenticateDevice(created->secret));
}

TEST_F(AuthTokens, TheSecretIsNeverStoredInPlain) {
  auto created = auth_->CreateToken("user:admin", "sensor-9", Role::kSensor, std::nullopt);
  ASSERT_TRUE(created);
  ASSERT_TRUE(auth_->AuthenticateDevice(created->secret));
  EXPECT_FALSE(StoredAnywhere(created->secret));
  EXPECT_FALSE(StoredAnywhere(created->secret.substr(4)));
  EXPECT_FALSE(StoredAnywhere(created->secret.substr(4, 16)));
}

TEST_F(AuthTokens, TokensHoldDeviceRolesOnly) {
  auto r = auth_->CreateToken("user:admin", "sneaky", Role::kAdmin, std::nullopt);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field, "role");
}

TEST_F(AuthTokens, NamesAreUniqueAmongLiveTokensOnly) {
  auto first = auth_->CreateToken("user:admin", "door-1", Role::kDoorController, std::nullopt);
  ASSERT_TRUE(first);
  auto clash = auth_->CreateToken("user:admin", "DOOR-1", Role::kDoorController, std::nullopt);
  ASSERT_FALSE(clash);
  EXPECT_EQ(clash.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(clash.error().field, "name");
  ASSERT_TRUE(auth_->RevokeToken("user:admin", first->token.id));
  EXPECT_TRUE(auth_->CreateToken("user:admin", "door-1", Role::kDoorController, std::nullopt));
}

TEST_F(AuthTokens, NamesAndStationsAreValidated) {
  EXPECT_EQ(auth_->CreateToken("user:admin", "", Role::kSensor, std::nullopt).error().field,
            "name");
  EXPECT_EQ(auth_->CreateToken("user:admin", "a b", Role::kSensor, std::nullopt).error().field,
            "name");
  EXPECT_EQ(auth_->CreateToken("user:admin", "ws", Role::kWorkstation, 0).error().field,
            "station_id");
}

TEST_F(AuthTokens, UnknownAndMalformedTokensAreRejected) {
  auto created = auth_->CreateToken("user:admin", "door-1", Role::kDoorController, std::nullopt);
  ASSERT_TRUE(created);
  std::string forged = created->secret;
  forged[10] = forged[10] == 'A' ? 'B' : 'A';
  for (const std::string& token :
       {forged, std::string(""), std::string("fgd_"), created->secret + "x",
        "fgs_" + created->secret.substr(4), std::string(47, '!')}) {
    auto r = auth_->AuthenticateDevice(token);
    ASSERT_FALSE(r) << token;
    EXPECT_EQ(r.error().code, ErrorCode::kUnauthenticated);
  }
}

TEST_F(AuthTokens, ListShowsRevokedTokensWithoutSecrets) {
  auto a = auth_->CreateToken("user:admin", "a-1", Role::kSensor, std::nullopt);
  auto b = auth_->CreateToken("user:admin", "b-1", Role::kSensor, std::nullopt);
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(auth_->RevokeToken("user:admin", a->token.id));
  auto page = auth_->ListTokens(50, std::nullopt);
  ASSERT_TRUE(page);
  ASSERT_EQ(page->items.size(), 2u);
  EXPECT_TRUE(page->items[0].revoked);
  EXPECT_TRUE(page->items[0].revoked_at);
  EXPECT_FALSE(page->items[1].revoked);
}

}  // namespace
}  // namespace fg::auth
