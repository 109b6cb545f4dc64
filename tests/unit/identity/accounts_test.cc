// Workforce accounts: one per person, names never reused, the password policy, temporary
// passwords, and what a termination does.
#include "fixture.h"

namespace fg::identity {
namespace {

using namespace std::chrono_literals;

class AccountsTest : public IdentityFixture {};

TEST_F(AccountsTest, UsernamesUniqueIgnoringCase) {
  int64_t ada = MakePerson("E1");
  int64_t grace = MakePerson("E2", "Grace Hopper");
  auto first = identity_->CreateAccount("user:admin", ada, "Agent.One");
  ASSERT_TRUE(first) << first.error().ToString();
  EXPECT_EQ(first->account.username, "agent.one");
  auto second = identity_->CreateAccount("user:admin", grace, "AGENT.ONE");
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(second.error().field, "username");
}

TEST_F(AccountsTest, UsernameNeverReusedAfterTermination) {
  int64_t ada = MakePerson("E1");
  ASSERT_TRUE(identity_->CreateAccount("user:admin", ada, "ada"));
  ASSERT_TRUE(
      directory_->UpdatePerson(ada, {.status = directory::PersonStatus::kTerminated}, "user:hr"));
  int64_t newcomer = MakePerson("E2", "Ada Lovelace");
  auto reused = identity_->CreateAccount("user:admin", newcomer, "ada");
  ASSERT_FALSE(reused);
  EXPECT_EQ(reused.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(reused.error().field, "username");
}

TEST_F(AccountsTest, OnePersonOneAccount) {
  int64_t ada = MakePerson("E1");
  ASSERT_TRUE(identity_->CreateAccount("user:admin", ada, "ada"));
  auto again = identity_->CreateAccount("user:admin", ada, "ada2");
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().field, "person_id");
}

TEST_F(AccountsTest, OnlyWorkingEmployeesAndContractorsGetAccounts) {
  int64_t visitor = MakePerson("", "Vera Visitor", directory::PersonKind::kVisitor);
  EXPECT_EQ(identity_->CreateAccount("user:admin", visitor, "vera").error().field, "person_id");
  int64_t contractor = MakePerson("", "Carl Contractor", directory::PersonKind::kContractor);
  EXPECT_TRUE(identity_->CreateAccount("user:admin", contractor, "carl"));
  int64_t gone = MakePerson("E9", "Gone Person");
  ASSERT_TRUE(
      directory_->UpdatePerson(gone, {.status = directory::PersonStatus::kTerminated}, "user:hr"));
  EXPECT_EQ(identity_->CreateAccount("user:admin", gone, "gone").error().field, "person_id");
}

TEST_F(AccountsTest, UsernameRulesEnforced) {
  int64_t ada = MakePerson("E1");
  EXPECT_EQ(identity_->CreateAccount("user:admin", ada, "ab").error().field, "username");
  EXPECT_EQ(identity_->CreateAccount("user:admin", ada, "a b c").error().field, "username");
}

TEST_F(AccountsTest, PasswordContainingPersonNameRejected) {
  int64_t person = MakePerson("E1", "Marguerite Okonkwo");
  auto created = identity_->CreateAccount("user:admin", person, "agent7",
                                          std::string("okonkwo river lantern 9"));
  ASSERT_FALSE(created);
  EXPECT_EQ(created.error().field, "password");
  auto ok = identity_->CreateAccount("user:admin", person, "agent7");
  ASSERT_TRUE(ok);
  auto changed = identity_->ChangePassword(ok->account.id, *ok->temporary_password,
                                           "Marguerite sails the bay");
  ASSERT_FALSE(changed);
  EXPECT_EQ(changed.error().field, "password");
}

TEST_F(AccountsTest, PasswordContainingUsernameRejected) {
  int64_t person = MakePerson("E1");
  auto created = identity_->CreateAccount("user:admin", person, "zebra42",
                                          std::string("my zebra42 long passphrase"));
  ASSERT_FALSE(created);
  EXPECT_EQ(created.error().field, "password");
}

TEST_F(AccountsTest, TemporaryPasswordMustBeChangedAtFirstLogon) {
  int64_t person = MakePerson("E1");
  Train(person);
  auto created = identity_->CreateAccount("user:admin", person, "ada");
  ASSERT_TRUE(created);
  ASSERT_TRUE(created->temporary_password);
  EXPECT_TRUE(created->account.must_change_password);
  LogonDecision first = Decide(ws1_, "ada", *created->temporary_password);
  ASSERT_EQ(first.verdict, Verdict::kAllow) << first.reason;
  EXPECT_TRUE(first.must_change_password);
  ASSERT_TRUE(identity_->ChangePasswordAtStation(ws1_, first.session->id,
                                                 *created->temporary_password, kPassword));
  ASSERT_TRUE(identity_->Logoff(ws1_, first.session->id));
  LogonDecision second = Decide(ws1_, "ada");
  ASSERT_EQ(second.verdict, Verdict::kAllow);
  EXPECT_FALSE(second.must_change_password);
}

TEST_F(AccountsTest, AdminChosenPasswordIsTemporaryToo) {
  int64_t person = MakePerson("E1");
  auto created = identity_->CreateAccount("user:admin", person, "ada", std::string(kPassword));
  ASSERT_TRUE(created);
  EXPECT_FALSE(created->temporary_password);
  EXPECT_TRUE(created->account.must_change_password);
}

TEST_F(AccountsTest, PasswordHistoryRefusesReuse) {
  Account ada = Agent();
  auto same = identity_->ChangePassword(ada.id, kPassword, kPassword);
  ASSERT_FALSE(same);
  EXPECT_EQ(same.error().field, "new_password");
  ASSERT_TRUE(identity_->ChangePassword(ada.id, kPassword, "copper thistle morning 8"));
  EXPECT_FALSE(identity_->ChangePassword(ada.id, "copper thistle morning 8", kPassword));
}

TEST_F(AccountsTest, WrongCurrentPasswordRefused) {
  Account ada = Agent();
  auto changed = identity_->ChangePassword(ada.id, "not the password", "copper thistle morning 8");
  ASSERT_FALSE(changed);
  EXPECT_EQ(changed.error().field, "current_password");
}

TEST_F(AccountsTest, ResetPasswordEndsSessionsAndIsTemporary) {
  Account ada = Agent();
  LogonDecision d = Decide(ws1_, "ada");
  auto temporary = identity_->ResetPassword("user:admin", ada.id);
  ASSERT_TRUE(temporary);
  EXPECT_EQ(identity_->GetSession(d.session->id)->state, SessionState::kEnded);
  EXPECT_TRUE(identity_->GetAccount(ada.id)->must_change_password);
  EXPECT_EQ(Decide(ws1_, "ada", *temporary).verdict, Verdict::kAllow);
}

TEST_F(AccountsTest, TerminationDisablesAccountAndEndsSessions) {
  Account ada = Agent();
  LogonDecision d = Decide(ws1_, "ada");
  ASSERT_EQ(d.verdict, Verdict::kAllow);
  ASSERT_TRUE(directory_->UpdatePerson(
      ada.person_id, {.status = directory::PersonStatus::kTerminated}, "user:hr"));
  auto account = identity_->GetAccount(ada.id);
  ASSERT_TRUE(account);
  EXPECT_TRUE(account->disabled);
  EXPECT_EQ(account->disabled_reason, "person_terminated");
  auto session = identity_->GetSession(d.session->id);
  EXPECT_EQ(session->state, SessionState::kEnded);
  EXPECT_EQ(session->end_reason, "person_terminated");
  auto entries = AuditEntries("account.disable");
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].actor, "system");
  EXPECT_EQ(session_changes_.back().state, SessionState::kEnded);
  // And it cannot come back while the person is terminated.
  EXPECT_FALSE(identity_->SetDisabled("user:admin", ada.id, false));
}

TEST_F(AccountsTest, SuspensionDisablesAndReinstatementEnables) {
  Account ada = Agent();
  ASSERT_TRUE(directory_->UpdatePerson(ada.person_id,
                                       {.status = directory::PersonStatus::kSuspended}, "user:hr"));
  EXPECT_TRUE(identity_->GetAccount(ada.id)->disabled);
  ASSERT_TRUE(directory_->UpdatePerson(ada.person_id, {.status = directory::PersonStatus::kActive},
                                       "user:hr"));
  EXPECT_FALSE(identity_->GetAccount(ada.id)->disabled);
}

TEST_F(AccountsTest, AdminDisableSurvivesReinstatement) {
  Account ada = Agent();
  ASSERT_TRUE(identity_->SetDisabled("user:admin", ada.id, true));
  ASSERT_TRUE(directory_->UpdatePerson(ada.person_id,
                                       {.status = directory::PersonStatus::kSuspended}, "user:hr"));
  ASSERT_TRUE(directory_->UpdatePerson(ada.person_id, {.status = directory::PersonStatus::kActive},
                                       "user:hr"));
  EXPECT_TRUE(identity_->GetAccount(ada.id)->disabled);
}

TEST_F(AccountsTest, UnlockLiftsLockout) {
  Account ada = Agent();
  ASSERT_TRUE(identity_->LockAccount("ada", clock_.WallNow() + 1h, "brute_force", "detect"));
  EXPECT_TRUE(identity_->GetAccount(ada.id)->locked_until);
  ASSERT_TRUE(identity_->Unlock("user:sec", ada.id));
  EXPECT_FALSE(identity_->GetAccount(ada.id)->locked_until);
  EXPECT_EQ(Decide(ws1_, "ada").verdict, Verdict::kAllow);
}

TEST_F(AccountsTest, EndSessionsForTheDetectors) {
  Agent();
  ASSERT_EQ(Decide(ws1_, "ada").verdict, Verdict::kAllow);
  auto ended = identity_->EndSessions("ADA", "credential_sharing", "detect");
  ASSERT_TRUE(ended);
  EXPECT_EQ(*ended, 1);
  EXPECT_EQ(AuditEntries("logon.session.end").size(), 1u);
}

TEST_F(AccountsTest, SecretsAreStoredNowhereInClear) {
  Account ada = Agent();
  auto enrolment = identity_->BeginTotpEnrolment("user:admin", ada.id);
  ASSERT_TRUE(enrolment);
  bool found = false;
  ASSERT_TRUE(db_->Read([&](store::Connection& c) -> Result<void> {
    for (const char* sql :
         {"SELECT password_hash || COALESCE(totp_sealed, '') FROM identity_accounts",
          "SELECT details FROM audit_log"}) {
      FG_RETURN_IF_ERROR(c.Exec(sql, {}, [&](const store::Row& row) {
        std::string v = row.Text(0);
        if (v.find(kPassword) != std::string::npos ||
            v.find(enrolment->secret) != std::string::npos) {
          found = true;
        }
      }));
    }
    return {};
  }));
  EXPECT_FALSE(found);
}

}  // namespace
}  // namespace fg::identity
