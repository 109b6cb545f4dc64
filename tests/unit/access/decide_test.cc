// One test per decision rule (decide.h), through AccessControl::Decide on real SQLite.
#include "access/decide.h"

#include <gtest/gtest.h>

#include "fixture.h"

namespace fg::access {
namespace {

using std::chrono::hours;

class AccessDecision : public AccessFixture {};

TEST_F(AccessDecision, UnknownReaderIsDenied) {
  const auto badge = Badge(Person(PersonKind::kEmployee), 1);
  auto d = Decide("nowhere", badge);
  EXPECT_EQ(d.reason, Reason::kUnknownReader);
  EXPECT_FALSE(d.granted());
}

TEST_F(AccessDecision, MalformedCredentialIsDenied) {
  Door("front", lobby_, floor_);
  EXPECT_EQ(Decide("front-in", "10101").reason, Reason::kMalformedCredential);
}

TEST_F(AccessDecision, UnknownCredentialIsDenied) {
  Door("front", lobby_, floor_);
  auto d = Decide("front-in", "w26:1:999");
  EXPECT_EQ(d.reason, Reason::kUnknownCredential);
  EXPECT_EQ(d.credential_key, "w26:1:999");
}

TEST_F(AccessDecision, GrantedEntryReportsPersonDoorAndZones) {
  const int64_t person = Person(PersonKind::kEmployee);
  const int64_t door = Door("front", lobby_, floor_);
  // The reader sends raw bits; the badge was enrolled by its key.
  const auto badge = Badge(person, 42);
  (void)badge;
  auto d = Decide("front-in", EncodeWiegandBits(CredentialFormat::kWiegand26, 1, 42));
  EXPECT_TRUE(d.granted()) << ReasonName(d.reason);
  EXPECT_EQ(d.person_id, person);
  EXPECT_EQ(d.door_id, door);
  EXPECT_EQ(d.from_zone_id, lobby_);
  EXPECT_EQ(d.to_zone_id, floor_);
  EXPECT_EQ(d.direction, Direction::kEntry);
}

TEST_F(AccessDecision, RevokedBadgeIsDeniedOnTheVeryNextDecision) {
  Door("front", lobby_, floor_);
  const auto badge = Badge(Person(PersonKind::kEmployee), 1);
  ASSERT_TRUE(Decide("front-in", badge).granted());
  auto badges = access_->ListBadges();
  ASSERT_TRUE(badges);
  ASSERT_TRUE(
      access_->UpdateBadge(badges->front().id, {.status = BadgeStatus::kRevoked}, "user:admin"));
  EXPECT_EQ(Decide("front-out", badge).reason, Reason::kBadgeRevoked);
}

TEST_F(AccessDecision, LostBadgeIsDenied) {
  Door("front", lobby_, floor_);
  const auto badge = Badge(Person(PersonKind::kEmployee), 1);
  ASSERT_TRUE(access_->UpdateBadge(access_->ListBadges()->front().id,
                                   {.status = BadgeStatus::kLost}, "user:admin"));
  EXPECT_EQ(Decide("front-in", badge).reason, Reason::kBadgeLost);
}

TEST_F(AccessDecision, BadgeOutsideItsValidityWindowIsDenied) {
  Door("front", lobby_, floor_);
  const auto badge = Badge(Person(PersonKind::kEmployee), 1,
                           {.valid_from = Now() + hours(1), .valid_until = Now() + hours(3)});
  EXPECT_EQ(Decide("front-in", badge).reason, Reason::kBadgeNotYetValid);
  clock_.Advance(hours(2));
  EXPECT_TRUE(Decide("front-in", badge).granted());
  clock_.Advance(hours(1));
  EXPECT_EQ(Decide("front-in", badge).reason, Reason::kBadgeExpired);
}

TEST_F(AccessDecision, SuspendedOrTerminatedPersonIsDeniedOnTheNextDecision) {
  Door("front", lobby_, floor_);
  const int64_t person = Person(PersonKind::kEmployee);
  const auto badge = Badge(person, 1);
  ASSERT_TRUE(Decide("front-in", badge).granted());
  // The directory publishes the change; access refreshes its snapshot at once.
  ASSERT_TRUE(directory_->UpdatePerson(person, {.status = PersonStatus::kSuspended}, "user:hr"));
  EXPECT_EQ(Decide("front-out", badge).reason, Reason::kPersonNotActive);
  ASSERT_TRUE(directory_->UpdatePerson(person, {.status = PersonStatus::kTerminated}, "user:hr"));
  EXPECT_EQ(Decide("front-out", badge).reason, Reason::kPersonNotActive);
  // Termination also ends presence.
  EXPECT_FALSE(access_->presence().CurrentZone(person));
}

TEST_F(AccessDecision, ApplicantIsNotActiveForNonPublicZones) {
  const int64_t cafe = Zone("Cafe", ZoneClassification::kPublic);
  Door("cafe", lobby_, cafe);
  Door("front", lobby_, floor_);
  const auto badge = Badge(Person(PersonKind::kApplicant), 1);
  EXPECT_TRUE(Decide("cafe-in", badge).granted());
  EXPECT_EQ(Decide("front-in", badge).reason, Reason::kPersonNotActive);
}

TEST_F(AccessDecision, VisitorIsDeniedOutsidePublicZonesWithoutAnEscortGrant) {
  Door("front", lobby_, floor_);
  const int64_t visitor = Person(PersonKind::kVisitor);
  const auto badge = Badge(visitor, 1);
  EXPECT_EQ(Decide("front-in", badge).reason, Reason::kEscortRequired);
  ASSERT_TRUE(access_->CreateGrant({.person_id = visitor,
                                    .zone_id = floor_,
                                    .valid_from = Now(),
                                    .valid_until = Now() + hours(2),
                                    .note = "escort by E1"},
                                   "user:desk"));
  EXPECT_TRUE(Decide("front-in", badge).granted());
  clock_.Advance(hours(2));
  EXPECT_EQ(Decide("front-in", badge).reason, Reason::kEscortRequired);
}

TEST_F(AccessDecision, ContractorNeedsAGrantForAStaffZone) {
  Door("front", lobby_, floor_);
  const auto badge = Badge(Person(PersonKind::kContractor), 1);
  EXPECT_EQ(Decide("front-in", badge).reason, Reason::kEscortRequired);
}

TEST_F(AccessDecision, StaffZoneAdmitsHiredAndActiveEmployees) {
  Door("front", lobby_, floor_);
  EXPECT_TRUE(
      Decide("front-in", Badge(Person(PersonKind::kEmployee, PersonStatus::kHired), 1)).granted());
  EXPECT_TRUE(Decide("front-in", Badge(Person(PersonKind::kEmployee), 2)).granted());
}

TEST_F(AccessDecision, CampaignZoneNeedsAnAssignmentToTheCampaign) {
  auto campaign = directory_->CreateCampaign({.code = "ACME", .name = "Acme"}, "user:test");
  auto other = directory_->CreateCampaign({.code = "BETA", .name = "Beta"}, "user:test");
  ASSERT_TRUE(campaign && other);
  const int64_t pod = Zone("Acme pod", ZoneClassification::kSecure, campaign->id);
  Door("pod", floor_, pod);
  const int64_t person = Person(PersonKind::kEmployee);
  const auto badge = Badge(person, 1);
  ASSERT_TRUE(directory_->CreateTraining(
      {.person_id = person, .campaign_id = campaign->id, .completed_on = "2026-06-01"},
      "user:test"));
  EXPECT_EQ(Decide("pod-in", badge).reason, Reason::kNotAssigned);
  ASSERT_TRUE(directory_->SetAssignments(person, {other->id}, "user:test"));
  EXPECT_EQ(Decide("pod-in", badge).reason, Reason::kNotAssigned);
  // No Refresh(): a directory write reaches the very next decision.
  ASSERT_TRUE(directory_->SetAssignments(person, {campaign->id, other->id}, "user:test"));
  EXPECT_TRUE(Decide("pod-in", badge).granted());
  ASSERT_TRUE(directory_->SetAssignments(person, {}, "user:test"));
  EXPECT_EQ(Decide("pod-out", badge).reason, Reason::kGranted);  // leaving the pod is fine
  EXPECT_EQ(Decide("pod-in", badge).reason, Reason::kNotAssigned);
}

TEST_F(AccessDecision, CampaignZoneNeedsTrainingValidToday) {
  auto campaign = directory_->CreateCampaign({.code = "ACME", .name = "Acme"}, "user:test");
  ASSERT_TRUE(campaign);
  const int64_t pod = Zone("Acme pod", ZoneClassification::kSecure, campaign->id);
  Door("pod", floor_, pod);
  const int64_t person = Person(PersonKind::kEmployee);
  const auto badge = Badge(person, 1);
  ASSERT_TRUE(directory_->SetAssignments(person, {campaign->id}, "user:test"));
  EXPECT_EQ(Decide("pod-in", badge).reason, Reason::kNotTrained);

  // Expired yesterday (2027-01-15 is today).
  ASSERT_TRUE(directory_->CreateTraining({.person_id = person,
                                          .campaign_id = campaign->id,
                                          .completed_on = "2026-01-01",
                                          .expires_on = "2027-01-15"},
                                         "user:test"));
  EXPECT_EQ(Decide("pod-in", badge).reason, Reason::kNotTrained);

  ASSERT_TRUE(directory_->CreateTraining({.person_id = person,
                                          .campaign_id = campaign->id,
                                          .completed_on = "2027-01-15",
                                          .expires_on = "2027-01-16"},
                                         "user:test"));
  EXPECT_TRUE(Decide("pod-in", badge).granted());
  clock_.Advance(hours(24));  // 2027-01-16: expired again
  EXPECT_EQ(Decide("pod-in", badge).reason, Reason::kNotTrained);
}

TEST_F(AccessDecision, RestrictedZoneNeedsAnExplicitGrant) {
  const int64_t servers = Zone("Servers", ZoneClassification::kRestricted);
  Door("srv", floor_, servers);
  const int64_t person = Person(PersonKind::kEmployee);
  const auto badge = Badge(person, 1);
  EXPECT_EQ(Decide("srv-in", badge).reason, Reason::kNoGrant);
  ASSERT_TRUE(access_->CreateGrant({.person_id = person, .zone_id = servers, .valid_from = Now()},
                                   "user:admin"));
  EXPECT_TRUE(Decide("srv-in", badge).granted());
}

TEST_F(AccessDecision, HardPassbackDeniesEnteringAZoneNotLeft) {
  Door("front", lobby_, floor_);
  ASSERT_TRUE(access_->SetPassbackMode(floor_, PassbackMode::kHard, "user:admin"));
  const auto badge = Badge(Person(PersonKind::kEmployee), 1);
  ASSERT_TRUE(Decide("front-in", badge).granted());
  EXPECT_EQ(Decide("front-in", badge).reason, Reason::kPassback);
  ASSERT_TRUE(Decide("front-out", badge).granted());
  EXPECT_TRUE(Decide("front-in", badge).granted());
}

TEST_F(AccessDecision, SoftPassbackGrantsWithAnAlert) {
  Door("front", lobby_, floor_);
  ASSERT_TRUE(access_->SetPassbackMode(floor_, PassbackMode::kSoft, "user:admin"));
  const auto badge = Badge(Person(PersonKind::kEmployee), 1);
  ASSERT_TRUE(Decide("front-in", badge).granted());
  auto again = Decide("front-in", badge);
  EXPECT_TRUE(again.granted());
  EXPECT_EQ(again.alerts, std::vector<std::string>{"passback_soft"});
}

TEST_F(AccessDecision, PassbackOffIgnoresReentry) {
  Door("front", lobby_, floor_);
  const auto badge = Badge(Person(PersonKind::kEmployee), 1);
  ASSERT_TRUE(Decide("front-in", badge).granted());
  auto again = Decide("front-in", badge);
  EXPECT_TRUE(again.granted());
  EXPECT_TRUE(again.alerts.empty());
}

TEST_F(AccessDecision, DecisionIsAuditedAndRecordedAsAPassage) {
  Door("front", lobby_, floor_);
  const int64_t person = Person(PersonKind::kEmployee);
  const auto badge = Badge(person, 1);
  ASSERT_TRUE(Decide("front-in", badge).granted());
  Decide("front-in", "w26:1:77");
  auto entries = log_->List({.action = "access.decide."});
  ASSERT_TRUE(entries);
  ASSERT_EQ(entries->size(), 2u);
  EXPECT_EQ((*entries)[0].action, "access.decide.deny");
  EXPECT_EQ((*entries)[0].actor, "device:reader:front-in");
  EXPECT_NE((*entries)[0].details.find("unknown_credential"), std::string::npos);
  EXPECT_EQ((*entries)[1].action, "access.decide.grant");
  EXPECT_EQ((*entries)[1].subject, "person:" + std::to_string(person));
  auto passages = access_->ListPassages();
  ASSERT_TRUE(passages);
  ASSERT_EQ(passages->size(), 2u);
  EXPECT_FALSE((*passages)[0].granted);
  EXPECT_EQ((*passages)[0].reason, "unknown_credential");
  EXPECT_TRUE((*passages)[1].granted);
}

TEST(AccessDecisionPure, DecideInMemoryNeedsNoDatabase) {
  Snapshot s;
  s.zones[1] = {.classification = ZoneClassification::kPublic};
  s.zones[2] = {.classification = ZoneClassification::kStaff};
  s.readers["r"] = {.door_id = 9, .from_zone_id = 1, .to_zone_id = 2};
  s.people[5] = {.kind = PersonKind::kEmployee};
  s.badges["w26:1:1"] = {.id = 3, .person_id = 5};
  auto d = DecideInMemory(s, nullptr, {.reader_id = "r", .credential = "w26:1:1"},
                          core::FromUnixMicros(0));
  EXPECT_TRUE(d.granted());
  EXPECT_EQ(d.badge_id, 3);
}

TEST(AccessDecisionPure, DayNumberCountsFromTheEpoch) {
  EXPECT_EQ(DayNumber("1970-01-01"), 0);
  EXPECT_EQ(DayNumber("2000-03-01"), 11017);
  EXPECT_FALSE(DayNumber("2027-02-30"));
}

}  // namespace
}  // namespace fg::access
