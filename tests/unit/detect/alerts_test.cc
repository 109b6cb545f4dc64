// The alert lifecycle over real SQLite, with its audit entries and bus events.
#include "detect/alerts.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "fixture.h"

namespace fg::detect {
namespace {

class AlertsTest : public StoreFixture {
 protected:
  Alert RaiseOne(std::string rule = "account_brute_force", std::string account = "alice") {
    auto alert = alerts_->Raise({.rule = rule,
                                 .severity = Severity::kHigh,
                                 .summary = "Account alice had 6 failed logons",
                                 .account = account,
                                 .source = "address:10.0.0.1",
                                 .details = R"({"evidence":{"count":6}})"});
    EXPECT_TRUE(alert) << alert.error().ToString();
    return alert ? *alert : Alert{};
  }
};

TEST_F(AlertsTest, RaiseStoresAnOpenAlertAndAuditsIt) {
  Alert alert = RaiseOne();
  EXPECT_GT(alert.id, 0);
  EXPECT_EQ(alert.status, AlertStatus::kOpen);
  EXPECT_EQ(alert.created_at, clock_.WallNow());
  auto loaded = alerts_->Get(alert.id);
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->rule, "account_brute_force");
  EXPECT_EQ(loaded->severity, Severity::kHigh);
  EXPECT_EQ(loaded->account, "alice");
  EXPECT_EQ(nlohmann::json::parse(loaded->details)["evidence"]["count"], 6);
  auto entries = AuditEntries("alert.raise");
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].actor, "system");
  EXPECT_EQ(entries[0].subject, "alert:" + std::to_string(alert.id));
  EXPECT_EQ(nlohmann::json::parse(entries[0].details)["rule"], "account_brute_force");
}

TEST_F(AlertsTest, AcknowledgeThenResolveWithANote) {
  Alert alert = RaiseOne();
  clock_.Advance(std::chrono::minutes(2));
  auto acked = alerts_->Acknowledge("user:officer", alert.id);
  ASSERT_TRUE(acked) << acked.error().ToString();
  EXPECT_EQ(acked->status, AlertStatus::kAcknowledged);
  EXPECT_EQ(acked->acknowledged_by, "user:officer");
  EXPECT_EQ(acked->acknowledged_at, clock_.WallNow());
  clock_.Advance(std::chrono::minutes(3));
  auto resolved = alerts_->Resolve("user:lead", alert.id, "Pen test by Acme, ticket 12");
  ASSERT_TRUE(resolved) << resolved.error().ToString();
  EXPECT_EQ(resolved->status, AlertStatus::kResolved);
  EXPECT_EQ(resolved->resolved_by, "user:lead");
  EXPECT_EQ(resolved->resolution_note, "Pen test by Acme, ticket 12");
  EXPECT_EQ(resolved->acknowledged_by, "user:officer");

  auto loaded = alerts_->Get(alert.id);
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->status, AlertStatus::kResolved);
  EXPECT_EQ(loaded->resolved_at, clock_.WallNow());
  EXPECT_EQ(loaded->updated_at, clock_.WallNow());

  auto acks = AuditEntries("alert.acknowledge");
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].actor, "user:officer");
  auto resolves = AuditEntries("alert.resolve");
  ASSERT_EQ(resolves.size(), 1u);
  auto details = nlohmann::json::parse(resolves[0].details);
  EXPECT_EQ(details["note"], "Pen test by Acme, ticket 12");
  EXPECT_EQ(details["from"], "acknowledged");
}

TEST_F(AlertsTest, OpenAlertCanBeResolvedDirectly) {
  Alert alert = RaiseOne();
  auto resolved = alerts_->Resolve("user:lead", alert.id, "False positive");
  ASSERT_TRUE(resolved);
  EXPECT_FALSE(resolved->acknowledged_by);
}

TEST_F(AlertsTest, InvalidTransitionsAreRefusedAndLeaveNoAuditEntry) {
  Alert alert = RaiseOne();
  ASSERT_TRUE(alerts_->Acknowledge("user:a", alert.id));
  auto again = alerts_->Acknowledge("user:b", alert.id);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(again.error().message.find("already acknowledged by user:a"), std::string::npos);
  ASSERT_TRUE(alerts_->Resolve("user:a", alert.id, "done"));
  auto ack_resolved = alerts_->Acknowledge("user:a", alert.id);
  EXPECT_EQ(ack_resolved.error().code, ErrorCode::kFailedPrecondition);
  auto resolve_again = alerts_->Resolve("user:a", alert.id, "done twice");
  EXPECT_EQ(resolve_again.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(AuditEntries("alert.").size(), 3u);  // raise, acknowledge, resolve
  EXPECT_EQ(alerts_->Acknowledge("user:a", 999).error().code, ErrorCode::kNotFound);
}

TEST_F(AlertsTest, ResolutionNeedsANoteOfAtMostTwoThousandCharacters) {
  Alert alert = RaiseOne();
  for (std::string note :
       {std::string(), std::string("   \n"), std::string(2001, 'x'), std::string("bad\x01note")}) {
    auto result = alerts_->Resolve("user:a", alert.id, note);
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(result.error().field, "note");
  }
  // 2000 characters, counted as characters not bytes.
  std::string long_note;
  for (int i = 0; i < 2000; ++i) long_note += "\xc3\xa9";  // é
  EXPECT_TRUE(alerts_->Resolve("user:a", alert.id, long_note));
}

TEST_F(AlertsTest, RaiseRefusesBadInput) {
  EXPECT_EQ(alerts_->Raise({.rule = "Bad Rule", .summary = "x"}).error().field, "rule");
  EXPECT_EQ(alerts_->Raise({.rule = "r", .summary = ""}).error().field, "summary");
  EXPECT_EQ(alerts_->Raise({.rule = "r", .summary = "x", .details = "[1]"}).error().field,
            "details");
  EXPECT_EQ(alerts_->Raise({.rule = "r", .summary = "x", .details = "{"}).error().field, "details");
  EXPECT_EQ(alerts_->Raise({.rule = "r", .summary = "x"}, "").error().field, "actor");
  EXPECT_TRUE(AuditEntries("alert.").empty());
}

TEST_F(AlertsTest, ListFiltersAndPagesByIdCursor) {
  RaiseOne("account_brute_force", "alice");
  Alert b = RaiseOne("password_spraying", "");
  RaiseOne("account_brute_force", "BOB");
  RaiseOne("account_brute_force", "alice");
  ASSERT_TRUE(alerts_->Acknowledge("user:a", b.id));

  auto page = alerts_->List({}, 2);
  ASSERT_TRUE(page);
  ASSERT_EQ(page->items.size(), 2u);
  ASSERT_TRUE(page->next_after_id);
  auto rest = alerts_->List({}, 2, *page->next_after_id);
  ASSERT_TRUE(rest);
  EXPECT_EQ(rest->items.size(), 2u);
  EXPECT_FALSE(rest->next_after_id);
  EXPECT_LT(page->items.back().id, rest->items.front().id);

  EXPECT_EQ(alerts_->List({.status = AlertStatus::kAcknowledged})->items.size(), 1u);
  EXPECT_EQ(alerts_->List({.rule = "account_brute_force"})->items.size(), 3u);
  EXPECT_EQ(alerts_->List({.account = "ALICE"})->items.size(), 2u);
  EXPECT_EQ(alerts_->List({.account = "bob"})->items.size(), 1u);
  EXPECT_EQ(alerts_->List({}, 0).error().field, "limit");
  EXPECT_EQ(alerts_->List({}, kMaxAlertListLimit + 1).error().field, "limit");
}

TEST_F(AlertsTest, CountsByStatus) {
  Alert a = RaiseOne();
  Alert b = RaiseOne();
  RaiseOne();
  ASSERT_TRUE(alerts_->Acknowledge("user:a", a.id));
  ASSERT_TRUE(alerts_->Resolve("user:a", b.id, "ok"));
  auto counts = alerts_->Counts();
  ASSERT_TRUE(counts);
  EXPECT_EQ(counts->open, 1);
  EXPECT_EQ(counts->acknowledged, 1);
  EXPECT_EQ(counts->resolved, 1);
}

TEST_F(AlertsTest, EventsArePublishedAfterCommit) {
  std::vector<AlertRaised> raised;
  std::vector<AlertChanged> changed;
  auto s1 = bus_.Subscribe<AlertRaised>([&](const AlertRaised& e) { raised.push_back(e); });
  auto s2 = bus_.Subscribe<AlertChanged>([&](const AlertChanged& e) { changed.push_back(e); });
  Alert alert = RaiseOne();
  ASSERT_TRUE(alerts_->Acknowledge("user:a", alert.id));
  ASSERT_TRUE(alerts_->Resolve("user:a", alert.id, "ok"));
  (void)alerts_->Resolve("user:a", alert.id, "refused: no event");
  ASSERT_EQ(raised.size(), 1u);
  EXPECT_EQ(raised[0].id, alert.id);
  EXPECT_EQ(raised[0].rule, "account_brute_force");
  EXPECT_EQ(raised[0].severity, Severity::kHigh);
  ASSERT_EQ(changed.size(), 2u);
  EXPECT_EQ(changed[0].status, AlertStatus::kAcknowledged);
  EXPECT_EQ(changed[1].status, AlertStatus::kResolved);
}

TEST_F(AlertsTest, FindingBecomesAnAlertWithEvidenceAndActions) {
  Finding f{.rule = std::string(kAccountBruteForce),
            .severity = Severity::kMedium,
            .summary = "Account alice had 6 failed logons",
            .account = "alice",
            .source = "address:10.0.0.1"};
  f.evidence.count = 6;
  f.evidence.threshold = 6;
  f.evidence.window = std::chrono::minutes(15);
  f.actions.push_back({.kind = ActionKind::kLockAccount,
                       .target = "alice",
                       .duration = std::chrono::minutes(30),
                       .until = clock_.WallNow() + std::chrono::minutes(30)});
  auto alert = alerts_->Raise(AlertInputFrom(f));
  ASSERT_TRUE(alert) << alert.error().ToString();
  auto details = nlohmann::json::parse(alert->details);
  EXPECT_EQ(details["evidence"]["count"], 6);
  EXPECT_EQ(details["evidence"]["window_seconds"], 900);
  EXPECT_EQ(details["actions"][0]["kind"], "lock_account");
  EXPECT_EQ(details["actions"][0]["duration_seconds"], 1800);
  auto json = nlohmann::json::parse(AlertJson(*alert));
  EXPECT_EQ(json["status"], "open");
  EXPECT_EQ(json["details"]["evidence"]["threshold"], 6);
  EXPECT_TRUE(json["resolved_by"].is_null());
}

TEST_F(AlertsTest, InvalidUtf8FromSyslogIsStoredWithoutThrowing) {
  Finding f{.rule = std::string(kNoPresence), .summary = "Account \xff\xfe logged on"};
  f.account = "\xff\xfe";
  auto alert = alerts_->Raise(AlertInputFrom(f));
  ASSERT_TRUE(alert) << alert.error().ToString();
  EXPECT_FALSE(AlertJson(*alert).empty());
}

TEST_F(AlertsTest, MigrationsAreIdempotent) {
  ASSERT_TRUE(db_->Migrate("detect", Alerts::Migrations()));
  auto version = db_->SchemaVersion("detect");
  ASSERT_TRUE(version);
  EXPECT_EQ(*version, 1);
}

}  // namespace
}  // namespace fg::detect
