// The locker register (lockers.h): uniqueness, one locker per person per zone, reclaim list.
#include "access/lockers.h"

#include <gtest/gtest.h>

#include "fixture.h"

namespace fg::access {
namespace {

class LockersTest : public AccessFixture {
 protected:
  void SetUp() override {
    AccessFixture::SetUp();
    ASSERT_TRUE(db_->Migrate("access_lockers", Lockers::Migrations()));
    lockers_ = std::make_unique<Lockers>(*db_, *log_, *directory_, clock_);
    break_room_ = Zone("Break room", ZoneClassification::kStaff);
  }
  void TearDown() override {
    lockers_.reset();
    AccessFixture::TearDown();
  }
  int64_t NewLocker(int64_t zone, const std::string& label) {
    auto l = lockers_->Create({.zone_id = zone, .label = label}, "user:test");
    EXPECT_TRUE(l) << l.error().ToString();
    return l ? l->id : 0;
  }

  std::unique_ptr<Lockers> lockers_;
  int64_t break_room_ = 0;
};

TEST_F(LockersTest, LabelIsUniqueWithinItsZoneIgnoringCase) {
  NewLocker(break_room_, "B-12");
  auto again = lockers_->Create({.zone_id = break_room_, .label = "b-12"}, "user:test");
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(again.error().field, "label");
  // The same label in another zone is another locker.
  NewLocker(floor_, "B-12");
  EXPECT_EQ(lockers_->List({.zone_id = break_room_})->size(), 1u);
  EXPECT_EQ(lockers_->List()->size(), 2u);
  EXPECT_EQ(log_->List({.action = "access.locker.create"})->size(), 2u);
}

TEST_F(LockersTest, BadInputNamesTheField) {
  EXPECT_EQ(lockers_->Create({.zone_id = break_room_, .label = ""}, "u").error().field, "label");
  EXPECT_EQ(lockers_->Create({.zone_id = break_room_, .label = "a;b"}, "u").error().field, "label");
  EXPECT_EQ(lockers_->Create({.zone_id = 9999, .label = "A1"}, "u").error().field, "zone_id");
  const int64_t locker = NewLocker(break_room_, "A1");
  EXPECT_EQ(lockers_->Assign(locker, 9999, "u").error().field, "person_id");
  EXPECT_EQ(lockers_->Assign(locker, Person(PersonKind::kEmployee, PersonStatus::kTerminated), "u")
                .error()
                .field,
            "person_id");
  EXPECT_EQ(lockers_->Assign(4242, Person(PersonKind::kEmployee), "u").error().code,
            ErrorCode::kNotFound);
}

TEST_F(LockersTest, OnePersonHoldsOneLockerPerZoneUntilReleased) {
  const int64_t ada = Person(PersonKind::kEmployee);
  const int64_t bob = Person(PersonKind::kEmployee);
  const int64_t a1 = NewLocker(break_room_, "A1");
  const int64_t a2 = NewLocker(break_room_, "A2");
  const int64_t other_zone = NewLocker(floor_, "F1");

  auto assigned = lockers_->Assign(a1, ada, "user:test");
  ASSERT_TRUE(assigned) << assigned.error().ToString();
  EXPECT_EQ(assigned->person_id, ada);
  EXPECT_TRUE(lockers_->Assign(a1, ada, "user:test"));  // again: no change

  auto second = lockers_->Assign(a2, ada, "user:test");
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(second.error().field, "person_id");
  EXPECT_TRUE(lockers_->Assign(other_zone, ada, "user:test"));  // another zone is fine

  auto taken = lockers_->Assign(a1, bob, "user:test");
  ASSERT_FALSE(taken);
  EXPECT_EQ(taken.error().code, ErrorCode::kFailedPrecondition);

  auto released = lockers_->Release(a1, "user:test");
  ASSERT_TRUE(released);
  EXPECT_FALSE(released->person_id);
  EXPECT_EQ(lockers_->Release(a1, "user:test").error().code, ErrorCode::kFailedPrecondition);
  EXPECT_TRUE(lockers_->Assign(a2, ada, "user:test"));
  EXPECT_TRUE(lockers_->Assign(a1, bob, "user:test"));

  auto adas = lockers_->List({.person_id = ada});
  ASSERT_EQ(adas->size(), 2u);
  EXPECT_EQ(log_->List({.action = "access.locker.assign"})->size(), 4u);
  EXPECT_EQ(log_->List({.action = "access.locker.release"})->size(), 1u);
}

TEST_F(LockersTest, TerminatedPersonsLockersAreToReclaim) {
  const int64_t staying = Person(PersonKind::kEmployee);
  const int64_t leaving = Person(PersonKind::kEmployee);
  const int64_t a1 = NewLocker(break_room_, "A1");
  const int64_t a2 = NewLocker(break_room_, "A2");
  ASSERT_TRUE(lockers_->Assign(a1, staying, "user:test"));
  ASSERT_TRUE(lockers_->Assign(a2, leaving, "user:test"));
  EXPECT_TRUE(lockers_->ToReclaim()->empty());

  ASSERT_TRUE(directory_->UpdatePerson(leaving, {.status = PersonStatus::kTerminated}, "user:hr"));
  auto reclaim = lockers_->ToReclaim();
  ASSERT_TRUE(reclaim);
  ASSERT_EQ(reclaim->size(), 1u);
  EXPECT_EQ(reclaim->front().locker.id, a2);
  EXPECT_EQ(reclaim->front().person_name, directory_->GetPerson(leaving)->name);
  EXPECT_TRUE(reclaim->front().end_date.has_value());

  ASSERT_TRUE(lockers_->Release(a2, "user:test"));
  EXPECT_TRUE(lockers_->ToReclaim()->empty());
}

}  // namespace
}  // namespace fg::access
