// The Defender: findings become responder calls, stored alerts, deliveries and bans.
#include "detect/defender.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "fixture.h"

namespace fg::detect {
namespace {

using Outcome = logs::AuthOutcome;

class CollectingSink : public AlertSink {
 public:
  void Deliver(const Alert& alert) override {
    std::lock_guard lock(mu_);
    alerts.push_back(alert);
  }
  std::mutex mu_;
  std::vector<Alert> alerts;
};

class RecordingBan : public BanCommand {
 public:
  Result<void> Ban(std::string_view address, std::chrono::seconds duration) override {
    bans.emplace_back(std::string(address), duration);
    return {};
  }
  std::vector<std::pair<std::string, std::chrono::seconds>> bans;
};

class DefenderTest : public StoreFixture {
 protected:
  void SetUp() override {
    StoreFixture::SetUp();
    engine_ = std::make_unique<Engine>(clock_, Thresholds{});
    defender_ = std::make_unique<Defender>(*engine_, *alerts_, responder_,
                                           std::vector<AlertSink*>{&sink_, nullptr}, &ban_);
  }
  void TearDown() override {
    defender_.reset();
    engine_.reset();
    StoreFixture::TearDown();
  }
  std::vector<Handled> Fail(const std::string& user, const std::string& address,
                            bool unknown = false) {
    auto e = Event(clock_.WallNow(), Outcome::kFailure, user, address);
    e.unknown_user = unknown;
    return defender_->Handle(e);
  }

  RecordingResponder responder_;
  CollectingSink sink_;
  RecordingBan ban_;
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<Defender> defender_;
};

TEST_F(DefenderTest, AccountBruteForceLocksStoresAlertsAndDelivers) {
  std::vector<Handled> all;
  for (int i = 0; i < 6; ++i) {
    for (auto& h : Fail("alice", "10.0.0.1")) all.push_back(std::move(h));
  }
  ASSERT_EQ(all.size(), 1u);
  const Handled& h = all[0];
  EXPECT_EQ(h.finding.rule, kAccountBruteForce);
  ASSERT_TRUE(h.alert_id);
  ASSERT_EQ(h.outcomes.size(), 1u);
  EXPECT_TRUE(h.outcomes[0].ok);

  auto calls = responder_.calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].kind, "lock");
  EXPECT_EQ(calls[0].target, "alice");
  EXPECT_EQ(calls[0].until, clock_.WallNow() + std::chrono::minutes(30));
  EXPECT_TRUE(calls[0].reason.starts_with("detect account_brute_force: "));

  auto alert = alerts_->Get(*h.alert_id);
  ASSERT_TRUE(alert);
  EXPECT_EQ(alert->status, AlertStatus::kOpen);
  auto details = nlohmann::json::parse(alert->details);
  EXPECT_EQ(details["actions"][0]["kind"], "lock_account");
  EXPECT_EQ(details["actions"][0]["result"], "ok");
  EXPECT_EQ(AuditEntries("alert.raise").size(), 1u);

  ASSERT_EQ(sink_.alerts.size(), 1u);
  EXPECT_EQ(sink_.alerts[0].id, *h.alert_id);
  EXPECT_TRUE(ban_.bans.empty());
}

TEST_F(DefenderTest, FailingActionIsRecordedInTheAlertAndDoesNotStopIt) {
  responder_.fail_ = {"lock"};
  std::vector<Handled> all;
  for (int i = 0; i < 6; ++i) {
    for (auto& h : Fail("ghost", "10.0.0.1")) all.push_back(std::move(h));
  }
  ASSERT_EQ(all.size(), 1u);
  ASSERT_EQ(all[0].outcomes.size(), 1u);
  EXPECT_FALSE(all[0].outcomes[0].ok);
  EXPECT_EQ(all[0].outcomes[0].error, "no such account in identity");
  ASSERT_TRUE(all[0].alert_id);
  auto details = nlohmann::json::parse(alerts_->Get(*all[0].alert_id)->details);
  EXPECT_EQ(details["actions"][0]["result"], "failed");
  EXPECT_EQ(details["actions"][0]["error"], "no such account in identity");
  EXPECT_EQ(sink_.alerts.size(), 1u);
  EXPECT_EQ(defender_->Stats().action_failures, 1u);
}

TEST_F(DefenderTest, AddressBanRunsTheBanCommand) {
  std::vector<Handled> all;
  for (int i = 0; i < 20; ++i) {
    for (auto& h : Fail("root", "203.0.113.9", true)) all.push_back(std::move(h));
  }
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].finding.rule, kSourceBruteForce);
  auto calls = responder_.calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].kind, "ban");
  EXPECT_EQ(calls[0].target, "address:203.0.113.9");
  ASSERT_EQ(ban_.bans.size(), 1u);
  EXPECT_EQ(ban_.bans[0].first, "203.0.113.9");
  EXPECT_EQ(ban_.bans[0].second, std::chrono::minutes(15));
  EXPECT_EQ(all[0].outcomes[0].ban_command, "queued");
}

TEST_F(DefenderTest, StationBanDoesNotRunTheBanCommand) {
  for (int i = 0; i < 20; ++i) {
    auto e = Event(clock_.WallNow(), Outcome::kFailure, "root", "10.0.0.5", "W9");
    e.unknown_user = true;
    defender_->Handle(e);
  }
  auto calls = responder_.calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].target, "station:W9");
  EXPECT_TRUE(ban_.bans.empty());
}

TEST_F(DefenderTest, RealBanCommandRefusesAForgedAddressSource) {
  // A syslog line may carry any text as its address; the command must never see it.
  auto file = dir_ / "ban.txt";
  auto command = BanCommand::Start(
      {.argv = {"/bin/sh", "-c", "printf '%s' \"$1\" > \"$2\"", "sh", "{address}", file.string()}});
  ASSERT_TRUE(command);
  Defender defender(*engine_, *alerts_, responder_, {}, command->get());
  std::vector<Handled> all;
  for (int i = 0; i < 20; ++i) {
    auto e = Event(clock_.WallNow(), Outcome::kFailure, "root", "1.2.3.4; rm -rf /");
    e.unknown_user = true;
    for (auto& h : defender.Handle(e)) all.push_back(std::move(h));
  }
  (*command)->Stop();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_TRUE(all[0].outcomes[0].ban_command.starts_with("refused: "));
  EXPECT_FALSE(std::filesystem::exists(file));
  auto details = nlohmann::json::parse(alerts_->Get(*all[0].alert_id)->details);
  EXPECT_TRUE(details["actions"][0]["ban_command"].get<std::string>().starts_with("refused"));
}

TEST_F(DefenderTest, CredentialSharingEndsSessions) {
  defender_->Handle(Event(clock_.WallNow(), Outcome::kSuccess, "dave", "", "W1"));
  auto handled = defender_->Handle(Event(clock_.WallNow(), Outcome::kSuccess, "dave", "", "W2"));
  ASSERT_EQ(handled.size(), 1u);
  auto calls = responder_.calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].kind, "end_sessions");
  EXPECT_EQ(calls[0].target, "dave");
}

TEST_F(DefenderTest, AlertThatCannotBeStoredStillReachesTheSinks) {
  Finding f{.rule = "Not A Valid Rule", .summary = "x"};
  Handled h = defender_->Execute(f);
  EXPECT_FALSE(h.alert_id);
  EXPECT_FALSE(h.alert_error.empty());
  ASSERT_EQ(sink_.alerts.size(), 1u);
  EXPECT_EQ(sink_.alerts[0].id, 0);
  EXPECT_EQ(defender_->Stats().alert_failures, 1u);
}

TEST_F(DefenderTest, ThrowingResponderIsContained) {
  class ThrowingResponder : public Responder {
   public:
    Result<void> LockAccount(std::string_view, std::optional<core::WallTime>,
                             std::string_view) override {
      throw std::runtime_error("boom");
    }
    Result<void> BanSource(std::string_view, core::WallTime, std::string_view) override {
      throw 42;
    }
    Result<void> EndSessions(std::string_view, std::string_view) override { return {}; }
  } responder;
  Defender defender(*engine_, *alerts_, responder, {&sink_});
  std::vector<Handled> all;
  for (int i = 0; i < 6; ++i) {
    for (auto& h : defender.Handle(Event(clock_.WallNow(), Outcome::kFailure, "amy", "10.0.0.1")))
      all.push_back(std::move(h));
  }
  ASSERT_EQ(all.size(), 1u);
  EXPECT_FALSE(all[0].outcomes[0].ok);
  EXPECT_NE(all[0].outcomes[0].error.find("boom"), std::string::npos);
  EXPECT_TRUE(all[0].alert_id);
}

}  // namespace
}  // namespace fg::detect
