// The detector rules, one test per rule, driven by a manual clock.
#include "detect/engine.h"

#include <gtest/gtest.h>

#include <thread>

#include "fixture.h"

namespace fg::detect {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
using Outcome = logs::AuthOutcome;

class EngineTest : public ::testing::Test {
 protected:
  void Make(Thresholds t = {}) {
    ASSERT_TRUE(t.Validate()) << t.Validate().error().ToString();
    engine_ = std::make_unique<Engine>(clock_, t);
  }
  void SetUp() override { Make(); }

  std::vector<Finding> Fail(const std::string& user, const std::string& address,
                            bool unknown_user = false) {
    auto e = Event(clock_.WallNow(), Outcome::kFailure, user, address);
    e.unknown_user = unknown_user;
    return engine_->Observe(e);
  }
  std::vector<Finding> Succeed(const std::string& user, const std::string& station) {
    return engine_->Observe(Event(clock_.WallNow(), Outcome::kSuccess, user, "", station));
  }
  // n failures of `user` from `address`, one every `every`; returns all findings.
  std::vector<Finding> FailTimes(int n, const std::string& user, const std::string& address,
                                 std::chrono::microseconds every = minutes(1),
                                 bool unknown_user = false) {
    std::vector<Finding> all;
    for (int i = 0; i < n; ++i) {
      if (i > 0) clock_.Advance(every);
      for (auto& f : Fail(user, address, unknown_user)) all.push_back(std::move(f));
    }
    return all;
  }

  core::ManualClock clock_{core::FromUnixMicros(kStartMicros)};
  std::unique_ptr<Engine> engine_;
};

// --- account brute force (PCI DSS 8.3.4) ---

TEST_F(EngineTest, AccountLocksAfterSixFailuresInFifteenMinutes) {
  auto first_five = FailTimes(5, "alice", "10.0.0.1");
  EXPECT_EQ(CountRule(first_five, kAccountBruteForce), 0);
  clock_.Advance(minutes(1));
  auto sixth = Fail("alice", "10.0.0.1");
  const Finding* f = FindRule(sixth, kAccountBruteForce);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->account, "alice");
  EXPECT_EQ(f->source, "address:10.0.0.1");
  EXPECT_EQ(f->severity, Severity::kMedium);
  EXPECT_EQ(f->evidence.count, 6);
  EXPECT_EQ(f->evidence.threshold, 6);
  EXPECT_EQ(f->evidence.window, minutes(15));
  EXPECT_EQ(f->evidence.last - f->evidence.first, minutes(5));
  ASSERT_EQ(f->actions.size(), 1u);
  EXPECT_EQ(f->actions[0].kind, ActionKind::kLockAccount);
  EXPECT_EQ(f->actions[0].target, "alice");
  EXPECT_EQ(f->actions[0].duration, minutes(30));
  EXPECT_EQ(f->actions[0].until, clock_.WallNow() + minutes(30));
}

TEST_F(EngineTest, FailuresOutsideTheWindowDoNotCount) {
  EXPECT_EQ(CountRule(FailTimes(5, "alice", "10.0.0.1", minutes(3)), kAccountBruteForce), 0);
  // The first failure is now 15 minutes old: it has left the window.
  clock_.Advance(minutes(3));
  EXPECT_EQ(CountRule(Fail("alice", "10.0.0.1"), kAccountBruteForce), 0);
  clock_.Advance(minutes(1));
  EXPECT_EQ(CountRule(Fail("alice", "10.0.0.1"), kAccountBruteForce), 1);
}

TEST_F(EngineTest, SuccessClearsTheAccountFailureCount) {
  FailTimes(5, "alice", "10.0.0.1");
  Succeed("alice", "W1");
  EXPECT_EQ(CountRule(FailTimes(5, "alice", "10.0.0.1"), kAccountBruteForce), 0);
  EXPECT_EQ(CountRule(Fail("alice", "10.0.0.1"), kAccountBruteForce), 1);
}

TEST_F(EngineTest, LockedAccountDoesNotFireAgainWhileLocked) {
  ASSERT_EQ(CountRule(FailTimes(6, "alice", "10.0.0.1", seconds(10)), kAccountBruteForce), 1);
  // A success does not lift a lock, and further failures are the lock doing its job.
  Succeed("alice", "W1");
  EXPECT_EQ(CountRule(FailTimes(9, "alice", "10.0.0.1", minutes(3)), kAccountBruteForce), 0);
  clock_.Advance(minutes(7));  // 31 min after the lock
  EXPECT_EQ(CountRule(FailTimes(6, "alice", "10.0.0.1", seconds(10)), kAccountBruteForce), 1);
}

TEST_F(EngineTest, LockUntilAnAdministratorUnlocksHasNoEnd) {
  Thresholds t;
  t.account_brute_force.until_unlocked = true;
  Make(t);
  auto findings = FailTimes(6, "alice", "10.0.0.1");
  const Finding* f = FindRule(findings, kAccountBruteForce);
  ASSERT_NE(f, nullptr);
  EXPECT_FALSE(f->actions[0].duration);
  EXPECT_FALSE(f->actions[0].until);
}

TEST_F(EngineTest, ClearedAccountFiresAgainAfterAnAdministratorUnlocks) {
  ASSERT_EQ(CountRule(FailTimes(6, "alice", "10.0.0.1"), kAccountBruteForce), 1);
  engine_->ClearAccount("ALICE");
  EXPECT_EQ(CountRule(FailTimes(6, "alice", "10.0.0.1"), kAccountBruteForce), 1);
}

TEST_F(EngineTest, UsernamesCompareCaseInsensitively) {
  std::vector<Finding> all;
  for (const char* name : {"Alice", "ALICE", "alice", "aLiCe", "ALICe", "alicE"}) {
    for (auto& f : Fail(name, "10.0.0.1")) all.push_back(f);
  }
  const Finding* f = FindRule(all, kAccountBruteForce);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->account, "alice");
}

TEST_F(EngineTest, UnknownUsersAreNotLockedButStillCountAgainstTheSource) {
  auto findings = FailTimes(20, "nobody", "10.0.0.9", seconds(5), /*unknown_user=*/true);
  EXPECT_EQ(CountRule(findings, kAccountBruteForce), 0);
  EXPECT_EQ(CountRule(findings, kSourceBruteForce), 1);
}

TEST_F(EngineTest, ThresholdsRefuseMoreThanTenFailures) {
  Thresholds t;
  t.account_brute_force.failures = 11;
  auto result = t.Validate();
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(result.error().field, "account_brute_force.failures");
  t.account_brute_force.failures = 10;
  EXPECT_TRUE(t.Validate());
}

TEST_F(EngineTest, ThresholdsRefuseALockShorterThanThirtyMinutes) {
  Thresholds t;
  t.account_brute_force.lock_duration = minutes(29);
  auto result = t.Validate();
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().field, "account_brute_force.lock_duration");
  t = {};
  t.distributed_guessing.lock_account = true;
  t.distributed_guessing.lock_duration = minutes(10);
  ASSERT_FALSE(t.Validate());
  EXPECT_EQ(t.Validate().error().field, "distributed_guessing.lock_duration");
}

TEST_F(EngineTest, ThresholdsRefuseNonPositiveWindowsAndCounts) {
  Thresholds t;
  t.source_brute_force.window = seconds(0);
  EXPECT_EQ(t.Validate().error().field, "source_brute_force.window");
  t = {};
  t.password_spraying.distinct_accounts = 1;
  EXPECT_EQ(t.Validate().error().field, "password_spraying.distinct_accounts");
  t = {};
  t.source_brute_force.max_ban_duration = minutes(1);
  EXPECT_EQ(t.Validate().error().field, "source_brute_force.max_ban_duration");
}

TEST_F(EngineTest, DefaultThresholdsFollowPciDss) {
  Thresholds t;
  EXPECT_TRUE(t.Validate());
  EXPECT_EQ(t.account_brute_force.failures, 6);
  EXPECT_EQ(t.account_brute_force.window, minutes(15));
  EXPECT_EQ(t.account_brute_force.lock_duration, minutes(30));
}

// --- source brute force ---

TEST_F(EngineTest, SourceBanGrowsWithEachRepeat) {
  std::vector<seconds> bans;
  for (int round = 0; round < 4; ++round) {
    auto findings = FailTimes(20, "root", "203.0.113.9", seconds(5), true);
    const Finding* f = FindRule(findings, kSourceBruteForce);
    ASSERT_NE(f, nullptr) << "round " << round;
    EXPECT_EQ(f->source, "address:203.0.113.9");
    EXPECT_EQ(f->evidence.repeat, round + 1);
    ASSERT_EQ(f->actions.size(), 1u);
    EXPECT_EQ(f->actions[0].kind, ActionKind::kBanSource);
    EXPECT_EQ(f->actions[0].target, "address:203.0.113.9");
    bans.push_back(*f->actions[0].duration);
    clock_.Advance(*f->actions[0].duration + seconds(1));
  }
  EXPECT_EQ(bans, (std::vector<seconds>{minutes(15), minutes(30), minutes(60), minutes(120)}));
}

TEST_F(EngineTest, SourceBanIsCappedAtItsMaximum) {
  Thresholds t;
  t.source_brute_force.max_ban_duration = minutes(40);
  Make(t);
  std::vector<seconds> bans;
  for (int round = 0; round < 3; ++round) {
    auto findings = FailTimes(20, "root", "203.0.113.9", seconds(5), true);
    const Finding* f = FindRule(findings, kSourceBruteForce);
    ASSERT_NE(f, nullptr);
    bans.push_back(*f->actions[0].duration);
    clock_.Advance(*f->actions[0].duration + seconds(1));
  }
  EXPECT_EQ(bans, (std::vector<seconds>{minutes(15), minutes(30), minutes(40)}));
}

TEST_F(EngineTest, SourceBanRepeatsAreForgottenAfterAQuietDay) {
  ASSERT_EQ(CountRule(FailTimes(20, "root", "203.0.113.9", seconds(5), true), kSourceBruteForce),
            1);
  clock_.Advance(minutes(15) + hours(24));
  auto findings = FailTimes(20, "root", "203.0.113.9", seconds(5), true);
  const Finding* f = FindRule(findings, kSourceBruteForce);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->evidence.repeat, 1);
  EXPECT_EQ(f->actions[0].duration, minutes(15));
}

TEST_F(EngineTest, BannedSourceDoesNotFireAgainDuringItsBan) {
  ASSERT_EQ(CountRule(FailTimes(20, "root", "203.0.113.9", seconds(5), true), kSourceBruteForce),
            1);
  EXPECT_TRUE(FailTimes(100, "root", "203.0.113.9", seconds(5), true).empty());
}

TEST_F(EngineTest, StationIsTrackedAsTheSourceWhenKnown) {
  std::vector<Finding> all;
  for (int i = 0; i < 20; ++i) {
    auto e = Event(clock_.WallNow(), Outcome::kFailure, "root", "10.0.0.1", "W7");
    e.unknown_user = true;
    for (auto& f : engine_->Observe(e)) all.push_back(f);
  }
  const Finding* f = FindRule(all, kSourceBruteForce);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->source, "station:W7");
}

// --- password spraying ---

TEST_F(EngineTest, SprayingOneSourceManyAccounts) {
  std::vector<Finding> all;
  for (const char* user : {"ann", "ANN", "bob", "cy", "dee"}) {
    for (auto& f : Fail(user, "198.51.100.4")) all.push_back(f);
    clock_.Advance(minutes(1));
  }
  EXPECT_EQ(CountRule(all, kPasswordSpraying), 0) << "ann and ANN are one account";
  auto fifth = Fail("eve", "198.51.100.4");
  const Finding* f = FindRule(fifth, kPasswordSpraying);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::kHigh);
  EXPECT_EQ(f->source, "address:198.51.100.4");
  EXPECT_EQ(f->evidence.count, 5);
  EXPECT_EQ(f->evidence.distinct, (std::vector<std::string>{"ann", "bob", "cy", "dee", "eve"}));
  ASSERT_EQ(f->actions.size(), 1u);
  EXPECT_EQ(f->actions[0].kind, ActionKind::kBanSource);
  EXPECT_EQ(f->actions[0].duration, minutes(15));
}

TEST_F(EngineTest, SprayingSlowerThanTheWindowDoesNotFire) {
  std::vector<Finding> all;
  for (const char* user : {"ann", "bob", "cy", "dee", "eve", "fay"}) {
    for (auto& f : Fail(user, "198.51.100.4")) all.push_back(f);
    clock_.Advance(minutes(3));
  }
  EXPECT_EQ(CountRule(all, kPasswordSpraying), 0);
}

// --- distributed guessing ---

TEST_F(EngineTest, DistributedGuessingOneAccountManySources) {
  std::vector<Finding> all;
  for (int i = 1; i <= 4; ++i) {
    for (auto& f : Fail("carol", "192.0.2." + std::to_string(i))) all.push_back(f);
    clock_.Advance(minutes(5));
  }
  EXPECT_EQ(CountRule(all, kDistributedGuessing), 0);
  auto fifth = Fail("carol", "192.0.2.5");
  const Finding* f = FindRule(fifth, kDistributedGuessing);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::kHigh);
  EXPECT_EQ(f->account, "carol");
  EXPECT_EQ(f->evidence.count, 5);
  EXPECT_TRUE(f->actions.empty()) << "locking is optional and off by default";
  // The same account does not fire again within the window.
  EXPECT_EQ(CountRule(Fail("carol", "192.0.2.6"), kDistributedGuessing), 0);
}

TEST_F(EngineTest, DistributedGuessingCanLockTheAccount) {
  Thresholds t;
  t.distributed_guessing.lock_account = true;
  Make(t);
  std::vector<Finding> all;
  for (int i = 1; i <= 5; ++i) {
    for (auto& f : Fail("carol", "192.0.2." + std::to_string(i))) all.push_back(f);
  }
  const Finding* f = FindRule(all, kDistributedGuessing);
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(f->actions.size(), 1u);
  EXPECT_EQ(f->actions[0].kind, ActionKind::kLockAccount);
  EXPECT_EQ(f->actions[0].duration, minutes(30));
}

// --- credential sharing ---

TEST_F(EngineTest, CredentialSharingAtTwoStations) {
  EXPECT_TRUE(Succeed("dave", "W1").empty());
  clock_.Advance(hours(2));
  auto findings = Succeed("Dave", "W2");
  const Finding* f = FindRule(findings, kCredentialSharing);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::kHigh);
  EXPECT_EQ(f->account, "dave");
  EXPECT_EQ(f->source, "station:W2");
  EXPECT_EQ(f->evidence.distinct, (std::vector<std::string>{"station:W1", "station:W2"}));
  ASSERT_EQ(f->actions.size(), 1u);
  EXPECT_EQ(f->actions[0].kind, ActionKind::kEndSessions);
  EXPECT_EQ(f->actions[0].target, "dave");
}

TEST_F(EngineTest, LogoffBeforeTheSecondStationIsNotSharing) {
  Succeed("dave", "W1");
  clock_.Advance(hours(1));
  engine_->Observe(Event(clock_.WallNow(), Outcome::kLogoff, "dave", "", "W1"));
  EXPECT_TRUE(Succeed("dave", "W2").empty());
}

TEST_F(EngineTest, SessionOlderThanTheSessionWindowIsNotSharing) {
  Succeed("dave", "W1");
  clock_.Advance(hours(12) + seconds(1));
  EXPECT_TRUE(Succeed("dave", "W2").empty());
}

TEST_F(EngineTest, LogonAgainAtTheSameStationIsNotSharing) {
  Succeed("dave", "W1");
  clock_.Advance(hours(1));
  EXPECT_TRUE(Succeed("dave", "W1").empty());
}

TEST_F(EngineTest, ConcurrentSessionFlagAlerts) {
  auto e = Event(clock_.WallNow(), Outcome::kSuccess, "erin", "", "W3");
  e.concurrent_session = true;
  auto findings = engine_->Observe(e);
  const Finding* f = FindRule(findings, kCredentialSharing);
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(f->actions.size(), 1u);
  EXPECT_EQ(f->actions[0].kind, ActionKind::kEndSessions);
  Thresholds t;
  t.credential_sharing.end_sessions = false;
  Make(t);
  findings = engine_->Observe(e);
  ASSERT_EQ(CountRule(findings, kCredentialSharing), 1);
  EXPECT_TRUE(findings[0].actions.empty());
}

// --- reporter flags ---

TEST_F(EngineTest, LogonWithoutPresenceAlerts) {
  auto e = Event(clock_.WallNow(), Outcome::kSuccess, "fran", "", "W4");
  e.without_presence = true;
  auto findings = engine_->Observe(e);
  const Finding* f = FindRule(findings, kNoPresence);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->account, "fran");
  EXPECT_TRUE(f->actions.empty());
  // Once per account and station within the dedupe window.
  clock_.Advance(minutes(5));
  e.time = clock_.WallNow();
  EXPECT_EQ(CountRule(engine_->Observe(e), kNoPresence), 0);
  clock_.Advance(minutes(6));
  e.time = clock_.WallNow();
  EXPECT_EQ(CountRule(engine_->Observe(e), kNoPresence), 1);
}

TEST_F(EngineTest, OffShiftLogonAlerts) {
  auto e = Event(clock_.WallNow(), Outcome::kSuccess, "gus", "", "W5");
  e.off_shift = true;
  auto findings = engine_->Observe(e);
  ASSERT_EQ(CountRule(findings, kOffShift), 1);
  EXPECT_EQ(FindRule(findings, kOffShift)->severity, Severity::kMedium);
  Thresholds t;
  t.off_shift.enabled = false;
  Make(t);
  EXPECT_EQ(CountRule(engine_->Observe(e), kOffShift), 0);
}

TEST_F(EngineTest, WindowsLockoutAlertsLow) {
  auto e = Event(clock_.WallNow(), Outcome::kLockout, "HANK", "");
  e.origin = logs::AuthOrigin::kWindows;
  e.host = "dc1";
  auto findings = engine_->Observe(e);
  const Finding* f = FindRule(findings, kWindowsLockout);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::kLow);
  EXPECT_EQ(f->account, "hank");
  EXPECT_NE(f->summary.find("dc1"), std::string::npos);
}

// --- time and memory ---

TEST_F(EngineTest, FarFutureTimestampIsClampedToNow) {
  auto future = clock_.WallNow() + hours(24 * 365 * 10);
  for (int i = 0; i < 5; ++i) {
    engine_->Observe(Event(future, Outcome::kFailure, "ivan", "10.0.0.2"));
  }
  EXPECT_EQ(engine_->Stats().clamped_times, 5u);
  // Had the future times been kept, the window would sit ten years ahead and miss this one.
  EXPECT_EQ(CountRule(Fail("ivan", "10.0.0.2"), kAccountBruteForce), 1);
}

TEST_F(EngineTest, LateEventStillCompletesTheWindow) {
  auto start = clock_.WallNow();
  clock_.Advance(minutes(5));
  FailTimes(5, "judy", "10.0.0.3");
  // Syslog delivered one older failure late; six failures lie within 15 minutes.
  auto late = engine_->Observe(Event(start, Outcome::kFailure, "judy", "10.0.0.3"));
  EXPECT_EQ(CountRule(late, kAccountBruteForce), 1);
}

TEST_F(EngineTest, MemoryIsBoundedUnderAFloodOfRandomNames) {
  Thresholds t;
  t.limits.max_tracked_keys = 1000;
  Make(t);
  for (int i = 0; i < 50000; ++i) {
    std::string n = std::to_string(i * 7919 % 1000003);
    auto e = Event(clock_.WallNow(), Outcome::kFailure, "user" + n,
                   "10." + std::to_string(i % 250) + "." + std::to_string(i / 250 % 250) + ".1");
    engine_->Observe(e);
    if (i % 10 == 0) {
      auto s = Event(clock_.WallNow(), Outcome::kSuccess, "user" + n, "", "W" + n);
      s.without_presence = true;
      engine_->Observe(s);
    }
  }
  EngineStats stats = engine_->Stats();
  EXPECT_LE(stats.tracked_accounts, 1000u);
  EXPECT_LE(stats.tracked_sources, 1000u);
  EXPECT_LE(stats.suppressions, 1000u);
  EXPECT_GT(stats.evicted_keys, 0u);
}

TEST_F(EngineTest, IdleKeysAreForgotten) {
  Fail("kim", "10.0.0.4");
  ASSERT_EQ(engine_->Stats().tracked_accounts, 1u);
  clock_.Advance(hours(49));
  Fail("lee", "10.0.0.5");
  EngineStats stats = engine_->Stats();
  EXPECT_EQ(stats.tracked_accounts, 1u);
  EXPECT_EQ(stats.tracked_sources, 1u);
}

TEST_F(EngineTest, EventsWithoutNamesAreHandledSafely) {
  EXPECT_TRUE(engine_->Observe(Event(clock_.WallNow(), Outcome::kFailure, "", "")).empty());
  EXPECT_TRUE(engine_->Observe(Event(clock_.WallNow(), Outcome::kSuccess, "", "")).empty());
  EXPECT_TRUE(engine_->Observe(Event(clock_.WallNow(), Outcome::kLogoff, "", "")).empty());
  EXPECT_EQ(engine_->Stats().events, 3u);
}

TEST_F(EngineTest, ObserveIsSafeFromManyThreads) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        engine_->Observe(Event(clock_.WallNow(), Outcome::kFailure, "u" + std::to_string(i % 50),
                               "10.1." + std::to_string(t) + "." + std::to_string(i % 20)));
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(engine_->Stats().events, 8000u);
}

}  // namespace
}  // namespace fg::detect
