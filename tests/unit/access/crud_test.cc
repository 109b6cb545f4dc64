// Doors, badges, grants and zone settings: validation, audit, presence.
#include <gtest/gtest.h>

#include "fixture.h"

namespace fg::access {
namespace {

class AccessAdmin : public AccessFixture {};

TEST_F(AccessAdmin, DoorNeedsExistingDistinctZonesAndValidReaders) {
  auto same = access_->CreateDoor(
      {.name = "x", .from_zone_id = lobby_, .to_zone_id = lobby_, .entry_reader_id = "r1"}, "u");
  ASSERT_FALSE(same);
  EXPECT_EQ(same.error().field, "to_zone_id");
  auto missing = access_->CreateDoor(
      {.name = "x", .from_zone_id = lobby_, .to_zone_id = 999, .entry_reader_id = "r1"}, "u");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().field, "to_zone_id");
  auto bad_reader = access_->CreateDoor(
      {.name = "x", .from_zone_id = lobby_, .to_zone_id = floor_, .entry_reader_id = "a b"}, "u");
  ASSERT_FALSE(bad_reader);
  EXPECT_EQ(bad_reader.error().field, "entry_reader_id");
  auto no_name = access_->CreateDoor(
      {.from_zone_id = lobby_, .to_zone_id = floor_, .entry_reader_id = "r1"}, "u");
  ASSERT_FALSE(no_name);
  EXPECT_EQ(no_name.error().field, "name");
}

TEST_F(AccessAdmin, ReaderIdsAreUniqueAcrossDoorsAndSides) {
  Door("front", lobby_, floor_);
  auto taken = access_->CreateDoor({.name = "back",
                                    .from_zone_id = lobby_,
                                    .to_zone_id = floor_,
                                    .entry_reader_id = "front-out"},
                                   "u");
  ASSERT_FALSE(taken);
  EXPECT_EQ(taken.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(taken.error().field, "entry_reader_id");
}

TEST_F(AccessAdmin, EachWriteLeavesOneAuditEntry) {
  auto before = log_->LastSeq();
  ASSERT_TRUE(before);
  const int64_t door = Door("front", lobby_, floor_);
  const int64_t person = Person(PersonKind::kEmployee);  // directory: +1
  Badge(person, 1);
  ASSERT_TRUE(access_->UpdateDoor(door,
                                  {.name = "Front door",
                                   .from_zone_id = lobby_,
                                   .to_zone_id = floor_,
                                   .entry_reader_id = "front-in"},
                                  "user:admin"));
  ASSERT_TRUE(access_->SetPassbackMode(floor_, PassbackMode::kSoft, "user:admin"));
  auto after = log_->LastSeq();
  ASSERT_TRUE(after);
  EXPECT_EQ(*after - *before, 5);
  auto entries = log_->List({.action = "access."});
  ASSERT_TRUE(entries);
  ASSERT_EQ(entries->size(), 4u);
  EXPECT_EQ((*entries)[0].action, "access.zone.settings");
  EXPECT_EQ((*entries)[1].action, "access.door.update");
  EXPECT_EQ((*entries)[2].action, "access.badge.create");
  EXPECT_EQ((*entries)[3].action, "access.door.create");
}

TEST_F(AccessAdmin, BadgeCredentialMustParseAndBeUnique) {
  const int64_t person = Person(PersonKind::kEmployee);
  auto bad = access_->CreateBadge({.credential = "w26:1", .person_id = person}, "u");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().field, "credential");
  Badge(person, 7);
  // The same card as raw bits is the same key.
  auto again = access_->CreateBadge(
      {.credential = EncodeWiegandBits(CredentialFormat::kWiegand26, 1, 7), .person_id = person},
      "u");
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists);
  auto nobody = access_->CreateBadge({.credential = "w26:1:8", .person_id = 999}, "u");
  ASSERT_FALSE(nobody);
  EXPECT_EQ(nobody.error().field, "person_id");
}

TEST_F(AccessAdmin, BadgeWindowMustEndAfterItStarts) {
  const int64_t person = Person(PersonKind::kEmployee);
  auto b = access_->CreateBadge(
      {.credential = "w26:1:1", .person_id = person, .valid_from = Now(), .valid_until = Now()},
      "u");
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().field, "valid_until");
}

TEST_F(AccessAdmin, RevokedBadgeCannotBeReactivated) {
  Badge(Person(PersonKind::kEmployee), 1);
  const int64_t id = access_->ListBadges()->front().id;
  ASSERT_TRUE(access_->UpdateBadge(id, {.status = BadgeStatus::kRevoked}, "user:admin"));
  EXPECT_EQ(log_->List({.limit = 1})->front().action, "access.badge.revoke");
  auto back = access_->UpdateBadge(id, {.status = BadgeStatus::kActive}, "user:admin");
  ASSERT_FALSE(back);
  EXPECT_EQ(back.error().field, "status");
}

TEST_F(AccessAdmin, DeletingAGrantEndsItsAccess) {
  const int64_t servers = Zone("Servers", ZoneClassification::kRestricted);
  Door("srv", floor_, servers);
  const int64_t person = Person(PersonKind::kEmployee);
  const auto badge = Badge(person, 1);
  auto grant =
      access_->CreateGrant({.person_id = person, .zone_id = servers, .valid_from = Now()}, "u");
  ASSERT_TRUE(grant);
  ASSERT_TRUE(Decide("srv-in", badge).granted());
  ASSERT_TRUE(Decide("srv-out", badge).granted());
  ASSERT_TRUE(access_->DeleteGrant(grant->id, "u"));
  EXPECT_EQ(Decide("srv-in", badge).reason, Reason::kNoGrant);
  EXPECT_EQ(access_->DeleteGrant(grant->id, "u").error().code, ErrorCode::kNotFound);
}

TEST_F(AccessAdmin, PresenceIsTheZoneOfTheLastGrantedPassage) {
  Door("front", lobby_, floor_);
  const int64_t person = Person(PersonKind::kEmployee);
  const auto badge = Badge(person, 1);
  identity::Presence& presence = access_->presence();
  EXPECT_FALSE(*presence.IsPresent(person, floor_, Now()));
  ASSERT_TRUE(Decide("front-in", badge).granted());
  EXPECT_TRUE(*presence.IsPresent(person, floor_, Now()));
  EXPECT_EQ(access_->presence().Occupancy()[floor_], 1);
  ASSERT_TRUE(Decide("front-out", badge).granted());
  EXPECT_FALSE(*presence.IsPresent(person, floor_, Now()));
  EXPECT_TRUE(*presence.IsPresent(person, lobby_, Now()));
  // A denied read moves nobody.
  const int64_t visitor = Person(PersonKind::kVisitor);
  EXPECT_FALSE(Decide("front-in", Badge(visitor, 2)).granted());
  EXPECT_FALSE(access_->presence().CurrentZone(visitor));
  EXPECT_EQ(access_->presence().Occupancy().count(floor_), 0u);
}

TEST_F(AccessAdmin, PresenceIsReloadedFromPassagesOnStart) {
  Door("front", lobby_, floor_);
  const int64_t person = Person(PersonKind::kEmployee);
  ASSERT_TRUE(Decide("front-in", Badge(person, 1)).granted());
  AccessControl restarted(*db_, *log_, *directory_, clock_);
  ASSERT_TRUE(restarted.Start());
  EXPECT_EQ(restarted.presence().CurrentZone(person), floor_);
}

}  // namespace
}  // namespace fg::access
