// The workstation logon decision: each check, its order, and what is recorded.
#include "auth/totp.h"
#include "fixture.h"

namespace fg::identity {
namespace {

using namespace std::chrono_literals;

class LogonTest : public IdentityFixture {};

void ExpectDeny(const LogonDecision& d, Check check, const std::string& reason) {
  EXPECT_EQ(d.verdict, Verdict::kDeny);
  EXPECT_EQ(CheckName(d.check), CheckName(check));
  EXPECT_EQ(d.reason, reason);
  EXPECT_FALSE(d.message.empty());
  EXPECT_FALSE(d.session);
}

TEST_F(LogonTest, AllowOpensSessionAndAuditsWithoutThePassword) {
  Account ada = Agent();
  LogonDecision d = Decide(ws1_, "ADA");
  ASSERT_EQ(d.verdict, Verdict::kAllow) << d.reason;
  ASSERT_TRUE(d.session);
  EXPECT_EQ(d.session->station_id, ws1_);
  EXPECT_EQ(d.session->workstation_id, "WS-1");
  EXPECT_EQ(d.account->id, ada.id);
  EXPECT_EQ(d.account->person_name, "Ada Byron");
  EXPECT_TRUE(d.alerts.empty());
  auto entries = AuditEntries("logon.allow");
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].actor, "station:WS-1");
  EXPECT_EQ(entries[0].details.find(kPassword), std::string::npos);
  EXPECT_NE(entries[0].details.find("\"username\":\"ada\""), std::string::npos);
}

TEST_F(LogonTest, DenyWhenStationUnknown) {
  Agent();
  ExpectDeny(Decide(9999, "ada"), Check::kStation, "station_unknown");
}

TEST_F(LogonTest, DenyWhenStationDisabled) {
  Agent();
  ASSERT_TRUE(directory_->UpdateStation(ws1_, {.enabled = false}, "user:t"));
  ExpectDeny(Decide(ws1_, "ada"), Check::kStation, "station_disabled");
}

TEST_F(LogonTest, DenyUnknownAccountWithTheSameMessageAsAWrongPassword) {
  Agent();
  LogonDecision unknown = Decide(ws1_, "nobody");
  ExpectDeny(unknown, Check::kAccount, "account_unknown");
  LogonDecision wrong = Decide(ws1_, "ada", "wrong password entirely");
  EXPECT_EQ(unknown.message, wrong.message);
  ASSERT_FALSE(events_.empty());
  EXPECT_TRUE(events_[events_.size() - 2].unknown_user);
}

TEST_F(LogonTest, DenyTerminatedAccount) {
  Account ada = Agent();
  ASSERT_TRUE(directory_->UpdatePerson(
      ada.person_id, {.status = directory::PersonStatus::kTerminated}, "user:hr"));
  ExpectDeny(Decide(ws1_, "ada"), Check::kAccount, "account_inactive");
}

TEST_F(LogonTest, DenyDisabledAccount) {
  Account ada = Agent();
  ASSERT_TRUE(identity_->SetDisabled("user:admin", ada.id, true));
  ExpectDeny(Decide(ws1_, "ada"), Check::kAccount, "account_inactive");
}

TEST_F(LogonTest, LockedAccountDeniedBeforeCredentialsAreChecked) {
  Agent();
  ASSERT_TRUE(identity_->LockAccount("ada", clock_.WallNow() + 30min, "brute_force", "detect"));
  // Even a wrong password is answered by the lockout: the password is never tried.
  ExpectDeny(Decide(ws1_, "ada", "not the password at all"), Check::kLockout, "account_locked");
  ExpectDeny(Decide(ws1_, "ada"), Check::kLockout, "account_locked");
  clock_.Advance(31min);
  EXPECT_EQ(Decide(ws1_, "ada").verdict, Verdict::kAllow);
}

TEST_F(LogonTest, BannedSourceDenied) {
  Agent();
  ASSERT_TRUE(identity_->BanSource("address:10.0.0.5", clock_.WallNow() + 15min, "spray", "x"));
  ExpectDeny(Decide(ws1_, "ada", kPassword, "", "10.0.0.5"), Check::kSource, "source_banned");
  EXPECT_EQ(Decide(ws1_, "ada", kPassword, "", "10.0.0.6").verdict, Verdict::kAllow);
  ASSERT_TRUE(identity_->BanSource("station:WS-2", clock_.WallNow() + 15min, "guess", "x"));
  EXPECT_TRUE(*identity_->IsBanned("station:WS-2"));
  ExpectDeny(Decide(ws2_, "ada", kPassword, "", ""), Check::kSource, "source_banned");
}

TEST_F(LogonTest, WrongPasswordDenied) {
  Agent();
  ExpectDeny(Decide(ws1_, "ada", "violet kettle harbour 43"), Check::kCredentials, "bad_password");
  ASSERT_FALSE(events_.empty());
  EXPECT_EQ(events_.back().outcome, logs::AuthOutcome::kFailure);
  EXPECT_EQ(events_.back().reason, "bad_password");
  EXPECT_EQ(events_.back().station, "WS-1");
  EXPECT_EQ(logs::SourceKey(events_.back()), "station:WS-1");
}

TEST_F(LogonTest, TotpRequiredOnceEnrolled) {
  Account ada = Agent();
  auto enrolment = identity_->BeginTotpEnrolment("user:admin", ada.id);
  ASSERT_TRUE(enrolment) << enrolment.error().ToString();
  EXPECT_TRUE(enrolment->otpauth_uri.starts_with("otpauth://totp/"));
  EXPECT_NE(enrolment->qr_svg.find("<svg"), std::string::npos);
  std::string code = auth::totp::CodeAt(enrolment->secret, auth::totp::StepAt(clock_.WallNow()));
  auto codes = identity_->ConfirmTotp("user:admin", ada.id, code);
  ASSERT_TRUE(codes) << codes.error().ToString();
  ExpectDeny(Decide(ws1_, "ada"), Check::kCredentials, "totp_required");
  clock_.Advance(30s);
  code = auth::totp::CodeAt(enrolment->secret, auth::totp::StepAt(clock_.WallNow()));
  EXPECT_EQ(Decide(ws1_, "ada", kPassword, code).verdict, Verdict::kAllow);
}

TEST_F(LogonTest, TotpCodeCannotBeReplayed) {
  Account ada = Agent();
  auto enrolment = identity_->BeginTotpEnrolment("user:admin", ada.id);
  ASSERT_TRUE(enrolment);
  ASSERT_TRUE(identity_->ConfirmTotp(
      "user:admin", ada.id,
      auth::totp::CodeAt(enrolment->secret, auth::totp::StepAt(clock_.WallNow()))));
  clock_.Advance(30s);
  std::string code = auth::totp::CodeAt(enrolment->secret, auth::totp::StepAt(clock_.WallNow()));
  LogonDecision first = Decide(ws1_, "ada", kPassword, code);
  ASSERT_EQ(first.verdict, Verdict::kAllow) << first.reason;
  ASSERT_TRUE(identity_->Logoff(ws1_, first.session->id));
  ExpectDeny(Decide(ws1_, "ada", kPassword, code), Check::kCredentials, "bad_totp");
}

TEST_F(LogonTest, RecoveryCodeWorksOnce) {
  Account ada = Agent();
  auto enrolment = identity_->BeginTotpEnrolment("user:admin", ada.id);
  ASSERT_TRUE(enrolment);
  auto codes = identity_->ConfirmTotp(
      "user:admin", ada.id,
      auth::totp::CodeAt(enrolment->secret, auth::totp::StepAt(clock_.WallNow())));
  ASSERT_TRUE(codes && !codes->empty());
  LogonDecision first = Decide(ws1_, "ada", kPassword, (*codes)[0]);
  ASSERT_EQ(first.verdict, Verdict::kAllow) << first.reason;
  ASSERT_TRUE(identity_->Logoff(ws1_, first.session->id));
  ExpectDeny(Decide(ws1_, "ada", kPassword, (*codes)[0]), Check::kCredentials, "bad_totp");
}

TEST_F(LogonTest, RequireTotpDeniesAccountsWithoutEnrolment) {
  Agent();
  MakeIdentity({.require_totp = true});
  ExpectDeny(Decide(ws1_, "ada"), Check::kCredentials, "totp_required");
}

TEST_F(LogonTest, ExpiredTrainingDenied) {
  int64_t person = MakePerson("E1");
  Train(person, "2025-01-01", "2027-01-01");  // expired two weeks ago
  ASSERT_TRUE(identity_->ReportPresence("device:door", person, floor_, true));
  MakeAccount(person, "ada");
  ExpectDeny(Decide(ws1_, "ada"), Check::kTraining, "training_invalid");
}

TEST_F(LogonTest, StationWithoutCampaignNeedsNoTraining) {
  int64_t person = MakePerson("E1");
  ASSERT_TRUE(identity_->ReportPresence("device:door", person, lobby_, true));
  MakeAccount(person, "ada");
  EXPECT_EQ(Decide(lobby1_, "ada").verdict, Verdict::kAllow);
  ExpectDeny(Decide(ws1_, "ada"), Check::kTraining, "training_invalid");
}

TEST_F(LogonTest, NoPresenceDeniedInEnforceMode) {
  MakeIdentity({.presence_mode = Mode::kEnforce});
  Account ada = Agent();
  ASSERT_TRUE(identity_->ReportPresence("device:door", ada.person_id, floor_, false));
  ExpectDeny(Decide(ws1_, "ada"), Check::kPresence, "no_presence");
  ASSERT_TRUE(identity_->ReportPresence("device:door", ada.person_id, floor_, true));
  EXPECT_EQ(Decide(ws1_, "ada").verdict, Verdict::kAllow);
}

TEST_F(LogonTest, PresenceInAnotherZoneDoesNotCount) {
  MakeIdentity({.presence_mode = Mode::kEnforce});
  Account ada = Agent();
  ASSERT_TRUE(identity_->ReportPresence("device:door", ada.person_id, lobby_, true));
  ExpectDeny(Decide(ws1_, "ada"), Check::kPresence, "no_presence");
}

TEST_F(LogonTest, NoPresenceAllowedAndFlaggedInMonitorMode) {
  Account ada = Agent();
  ASSERT_TRUE(identity_->ReportPresence("device:door", ada.person_id, floor_, false));
  LogonDecision d = Decide(ws1_, "ada");
  ASSERT_EQ(d.verdict, Verdict::kAllow);
  EXPECT_EQ(d.alerts, std::vector<std::string>{"no_presence"});
  EXPECT_TRUE(events_.back().without_presence);
  EXPECT_EQ(events_.back().outcome, logs::AuthOutcome::kSuccess);
}

TEST_F(LogonTest, SecondStationDeniedInEnforceMode) {
  Agent();
  ASSERT_EQ(Decide(ws1_, "ada").verdict, Verdict::kAllow);
  ExpectDeny(Decide(ws2_, "ada"), Check::kSingleSession, "session_elsewhere");
}

TEST_F(LogonTest, SecondStationAllowedAndFlaggedInMonitorMode) {
  MakeIdentity({.single_session_mode = Mode::kMonitor});
  Agent();
  ASSERT_EQ(Decide(ws1_, "ada").verdict, Verdict::kAllow);
  LogonDecision d = Decide(ws2_, "ada");
  ASSERT_EQ(d.verdict, Verdict::kAllow);
  EXPECT_EQ(d.alerts, std::vector<std::string>{"session_elsewhere"});
  EXPECT_TRUE(events_.back().concurrent_session);
}

TEST_F(LogonTest, SessionExpiredByIdleDoesNotCountAsElsewhere) {
  Agent();
  ASSERT_EQ(Decide(ws1_, "ada").verdict, Verdict::kAllow);
  clock_.Advance(8h + 1min);
  EXPECT_EQ(Decide(ws2_, "ada").verdict, Verdict::kAllow);
}

TEST_F(LogonTest, FirstFailingCheckIsReported) {
  // Terminated, locked, banned and with a wrong password: the account check comes first.
  Account ada = Agent();
  ASSERT_TRUE(identity_->LockAccount("ada", clock_.WallNow() + 1h, "x", "detect"));
  ASSERT_TRUE(identity_->BanSource("station:WS-1", clock_.WallNow() + 1h, "x", "detect"));
  ExpectDeny(Decide(ws1_, "ada", "wrong"), Check::kLockout, "account_locked");
  ASSERT_TRUE(directory_->UpdatePerson(
      ada.person_id, {.status = directory::PersonStatus::kTerminated}, "user:hr"));
  ExpectDeny(Decide(ws1_, "ada", "wrong"), Check::kAccount, "account_inactive");
  ASSERT_TRUE(directory_->UpdateStation(ws1_, {.enabled = false}, "user:t"));
  ExpectDeny(Decide(ws1_, "ada", "wrong"), Check::kStation, "station_disabled");
}

TEST_F(LogonTest, EveryDecisionIsAuditedAndRecorded) {
  Agent();
  Decide(ws1_, "ada", "wrong");
  Decide(ws1_, "ada");
  EXPECT_EQ(AuditEntries("logon.deny").size(), 1u);
  EXPECT_EQ(AuditEntries("logon.allow").size(), 1u);
  auto failed = identity_->FailedLogons(clock_.WallNow() - 1h, clock_.WallNow() + 1h);
  ASSERT_TRUE(failed);
  ASSERT_EQ(failed->items.size(), 1u);
  EXPECT_EQ(failed->items[0].reason, "bad_password");
  EXPECT_EQ(failed->items[0].check, "credentials");
  EXPECT_EQ(failed->items[0].workstation_id, "WS-1");
}

TEST_F(LogonTest, NewLogonReplacesSessionLeftOpenAtTheStation) {
  Agent();
  Agent("grace", "E2");
  LogonDecision first = Decide(ws1_, "ada");
  ASSERT_EQ(first.verdict, Verdict::kAllow);
  LogonDecision second = Decide(ws1_, "grace");
  ASSERT_EQ(second.verdict, Verdict::kAllow);
  auto old = identity_->GetSession(first.session->id);
  ASSERT_TRUE(old);
  EXPECT_EQ(old->state, SessionState::kEnded);
  EXPECT_EQ(old->end_reason, "replaced");
}

TEST_F(LogonTest, SessionOfAnotherStationIsNotFound) {
  Agent();
  LogonDecision d = Decide(ws1_, "ada");
  ASSERT_TRUE(d.session);
  EXPECT_EQ(identity_->Logoff(ws2_, d.session->id).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(identity_->Lock(ws2_, d.session->id).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(identity_->Heartbeat(ws2_, d.session->id).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(identity_->Unlock(ws2_, d.session->id, kPassword, "").error().code,
            ErrorCode::kNotFound);
}

TEST_F(LogonTest, LockThenUnlockWithPassword) {
  Agent();
  LogonDecision d = Decide(ws1_, "ada");
  auto locked = identity_->Lock(ws1_, d.session->id);
  ASSERT_TRUE(locked);
  EXPECT_EQ(locked->state, SessionState::kLocked);
  auto wrong = identity_->Unlock(ws1_, d.session->id, "not it", "");
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->reason, "bad_password");
  EXPECT_EQ(identity_->GetSession(d.session->id)->state, SessionState::kLocked);
  auto unlocked = identity_->Unlock(ws1_, d.session->id, kPassword, "");
  ASSERT_TRUE(unlocked);
  EXPECT_EQ(unlocked->verdict, Verdict::kAllow);
  EXPECT_EQ(identity_->GetSession(d.session->id)->state, SessionState::kActive);
}

TEST_F(LogonTest, IdleSessionNeedsUnlockHeartbeatDoesNotReviveIt) {
  Agent();
  LogonDecision d = Decide(ws1_, "ada");
  clock_.Advance(14min);
  EXPECT_EQ(identity_->Heartbeat(ws1_, d.session->id)->state, SessionState::kActive);
  clock_.Advance(15min);
  EXPECT_EQ(identity_->Heartbeat(ws1_, d.session->id)->state, SessionState::kIdle);
  EXPECT_EQ(identity_->Heartbeat(ws1_, d.session->id)->state, SessionState::kIdle);
  ASSERT_EQ(identity_->Unlock(ws1_, d.session->id, kPassword, "")->verdict, Verdict::kAllow);
  EXPECT_EQ(identity_->Heartbeat(ws1_, d.session->id)->state, SessionState::kActive);
}

TEST_F(LogonTest, SweepEndsSessionsIdleBeyondTheLimit) {
  Agent();
  LogonDecision d = Decide(ws1_, "ada");
  clock_.Advance(7h);
  EXPECT_EQ(*identity_->Sweep(), 0);
  clock_.Advance(2h);
  EXPECT_EQ(*identity_->Sweep(), 1);
  auto s = identity_->GetSession(d.session->id);
  EXPECT_EQ(s->state, SessionState::kEnded);
  EXPECT_EQ(s->end_reason, "expired");
  EXPECT_EQ(AuditEntries("logon.session.expire").size(), 1u);
  EXPECT_EQ(session_changes_.back().state, SessionState::kEnded);
}

TEST_F(LogonTest, LogoffEndsTheSessionOnce) {
  Agent();
  LogonDecision d = Decide(ws1_, "ada");
  auto ended = identity_->Logoff(ws1_, d.session->id);
  ASSERT_TRUE(ended);
  EXPECT_TRUE(ended->ended_at);
  EXPECT_EQ(ended->end_reason, "logoff");
  EXPECT_TRUE(identity_->Logoff(ws1_, d.session->id));
  EXPECT_EQ(AuditEntries("logon.logoff").size(), 1u);
  EXPECT_EQ(events_.back().outcome, logs::AuthOutcome::kLogoff);
  EXPECT_EQ(identity_->Lock(ws1_, d.session->id).error().code, ErrorCode::kFailedPrecondition);
}

TEST_F(LogonTest, RehashOnLogonWhenParametersRise) {
  Agent();
  std::string before;
  auto read_hash = [&] {
    std::string hash;
    EXPECT_TRUE(db_->Read([&](store::Connection& c) {
      return c.Exec("SELECT password_hash FROM identity_accounts", {},
                    [&](const store::Row& row) { hash = row.Text(0); });
    }));
    return hash;
  };
  before = read_hash();
  Options stronger;
  stronger.password = {.iterations = 2, .memory_bytes = 16384};
  MakeIdentity(stronger, /*fast=*/false);
  ASSERT_EQ(Decide(ws1_, "ada").verdict, Verdict::kAllow);
  std::string after = read_hash();
  EXPECT_NE(before, after);
  EXPECT_FALSE(auth::NeedsRehash(after, stronger.password));
}

}  // namespace
}  // namespace fg::identity
