// Door events from controllers: each kind's effect on the door state, which kinds raise which
// alert, idempotent event ids, refusals, and controllers going silent (DoorEvents::Sweep).
#include "access/door_events.h"

#include <gtest/gtest.h>

#include <mutex>
#include <vector>

#include "fixture.h"

namespace fg::access {
namespace {

using std::chrono::seconds;

// Records what would have been raised; can be told to fail.
class FakeAlertPort final : public AlertPort {
 public:
  Result<int64_t> Raise(const AccessAlert& alert) override {
    std::lock_guard lock(mu_);
    if (fail_) return MakeError(ErrorCode::kUnavailable, "alert store down");
    raised_.push_back(alert);
    return static_cast<int64_t>(raised_.size());
  }
  std::vector<AccessAlert> raised() const {
    std::lock_guard lock(mu_);
    return raised_;
  }
  std::vector<std::string> rules() const {
    std::vector<std::string> out;
    for (const auto& a : raised()) out.push_back(a.rule);
    return out;
  }
  void set_fail(bool fail) {
    std::lock_guard lock(mu_);
    fail_ = fail;
  }

 private:
  mutable std::mutex mu_;
  std::vector<AccessAlert> raised_;
  bool fail_ = false;
};

class DoorEventsTest : public AccessFixture {
 protected:
  void SetUp() override {
    AccessFixture::SetUp();
    ASSERT_TRUE(db_->Migrate("access_events", DoorEvents::Migrations()));
    events_ = std::make_unique<DoorEvents>(*db_, *log_, *access_, alerts_, clock_);
    door_ = Door("floor", lobby_, floor_);
  }
  void TearDown() override {
    events_.reset();
    AccessFixture::TearDown();
  }

  RecordResult Record(DoorEventKind kind, std::string_view controller = "ctl-1",
                      std::optional<std::string> event_id = std::nullopt) {
    auto r = events_->Record({.kind = kind, .door_id = door_, .event_id = event_id}, controller);
    EXPECT_TRUE(r) << r.error().ToString();
    return r ? *r : RecordResult{};
  }
  DoorState State() {
    auto states = events_->States();
    EXPECT_TRUE(states) << states.error().ToString();
    for (const auto& s : *states) {
      if (s.door_id == door_) return s;
    }
    ADD_FAILURE() << "no state for door " << door_;
    return {};
  }
  size_t AuditCount(const std::string& action) {
    auto entries = log_->List({.action = action, .limit = 500});
    EXPECT_TRUE(entries) << entries.error().ToString();
    return entries ? entries->size() : 0;
  }

  FakeAlertPort alerts_;
  std::unique_ptr<DoorEvents> events_;
  int64_t door_ = 0;
};

TEST_F(DoorEventsTest, ADoorNeverReportedIsUnknown) {
  DoorState s = State();
  EXPECT_EQ(s.door_name, "floor");
  EXPECT_EQ(s.position, DoorPosition::kUnknown);
  EXPECT_EQ(s.status, ControllerStatus::kUnknown);
  EXPECT_FALSE(s.last_event);
}

TEST_F(DoorEventsTest, EachKindMovesTheDoorState) {
  Record(DoorEventKind::kPassageConfirmed);
  EXPECT_EQ(State().position, DoorPosition::kOpen);
  EXPECT_EQ(State().last_passage_at, Now());
  Record(DoorEventKind::kDoorClosed);
  EXPECT_EQ(State().position, DoorPosition::kClosed);
  Record(DoorEventKind::kDoorHeldOpen);
  EXPECT_EQ(State().position, DoorPosition::kHeld);
  Record(DoorEventKind::kDoorForcedOpen);
  EXPECT_EQ(State().position, DoorPosition::kForced);
  clock_.Advance(seconds(1));
  Record(DoorEventKind::kTamper);
  DoorState s = State();
  EXPECT_EQ(s.position, DoorPosition::kForced) << "tamper keeps the position";
  EXPECT_EQ(s.tamper_at, Now());
  EXPECT_EQ(s.last_event, DoorEventKind::kTamper);
  EXPECT_EQ(s.last_event_at, Now());
  EXPECT_EQ(s.controller, "ctl-1");
  EXPECT_EQ(s.status, ControllerStatus::kOnline);
  EXPECT_EQ(s.last_seen_at, Now());

  Record(DoorEventKind::kControllerOffline);
  EXPECT_EQ(State().status, ControllerStatus::kOffline);
  Record(DoorEventKind::kControllerOnline);
  EXPECT_EQ(State().status, ControllerStatus::kOnline);
}

TEST_F(DoorEventsTest, EveryStoredEventIsAuditedUnderItsKind) {
  Record(DoorEventKind::kPassageConfirmed);
  Record(DoorEventKind::kDoorForcedOpen);
  Record(DoorEventKind::kTamper);
  EXPECT_EQ(AuditCount("access.door.passage_confirmed"), 1u);
  EXPECT_EQ(AuditCount("access.door.door_forced_open"), 1u);
  EXPECT_EQ(AuditCount("access.door.tamper"), 1u);
  auto entries = log_->List({.action = "access.door.door_forced_open"});
  ASSERT_TRUE(entries);
  EXPECT_EQ(entries->front().actor, "device:ctl-1");
  EXPECT_EQ(entries->front().subject, "door:" + std::to_string(door_));
}

TEST_F(DoorEventsTest, ForcedHeldAndTamperRaiseTheirAlertsWithTheDoorName) {
  Record(DoorEventKind::kDoorForcedOpen);
  Record(DoorEventKind::kDoorHeldOpen);
  auto tamper = Record(DoorEventKind::kTamper);
  auto raised = alerts_.raised();
  ASSERT_EQ(raised.size(), 3u);
  EXPECT_EQ(raised[0].rule, "access.door_forced");
  EXPECT_EQ(raised[0].severity, "high");
  EXPECT_EQ(raised[1].rule, "access.door_held");
  EXPECT_EQ(raised[1].severity, "medium");
  EXPECT_EQ(raised[2].rule, "access.door_tamper");
  EXPECT_EQ(raised[2].severity, "high");
  for (const auto& a : raised) {
    EXPECT_NE(a.summary.find("'floor'"), std::string::npos) << a.summary;
    EXPECT_EQ(a.subject, "door:" + std::to_string(door_));
  }
  // The alert id is kept with the event.
  EXPECT_EQ(tamper.event.alert_id, 3);
  auto listed = events_->List({.door_id = door_});
  ASSERT_TRUE(listed);
  EXPECT_EQ(listed->front().alert_id, 3);
}

TEST_F(DoorEventsTest, PassageClosedAndControllerEventsRaiseNothing) {
  Record(DoorEventKind::kPassageConfirmed);
  Record(DoorEventKind::kDoorClosed);
  Record(DoorEventKind::kControllerOnline);
  Record(DoorEventKind::kHeartbeat);
  Record(DoorEventKind::kControllerOffline);
  EXPECT_TRUE(alerts_.raised().empty());
}

TEST_F(DoorEventsTest, ARepeatedForcedReportOfAForcedDoorIsOneAlert) {
  Record(DoorEventKind::kDoorForcedOpen);
  clock_.Advance(seconds(10));
  Record(DoorEventKind::kDoorForcedOpen);
  EXPECT_EQ(alerts_.raised().size(), 1u);
  // Closed, then forced again: a new incident.
  Record(DoorEventKind::kDoorClosed);
  Record(DoorEventKind::kDoorForcedOpen);
  EXPECT_EQ(alerts_.raised().size(), 2u);
}

TEST_F(DoorEventsTest, TheSameControllerEventIdIsStoredOnce) {
  auto first = Record(DoorEventKind::kDoorForcedOpen, "ctl-1", "evt-77");
  auto second = Record(DoorEventKind::kDoorForcedOpen, "ctl-1", "evt-77");
  EXPECT_FALSE(first.duplicate);
  EXPECT_TRUE(second.duplicate);
  EXPECT_EQ(second.event.id, first.event.id);
  EXPECT_EQ(AuditCount("access.door.door_forced_open"), 1u);
  EXPECT_EQ(alerts_.raised().size(), 1u);
  auto listed = events_->List({});
  ASSERT_TRUE(listed);
  EXPECT_EQ(listed->size(), 1u);
  // Another controller may use the same id for its own event.
  auto other = Record(DoorEventKind::kPassageConfirmed, "ctl-2", "evt-77");
  EXPECT_FALSE(other.duplicate);
}

TEST_F(DoorEventsTest, AReaderIdResolvesToItsDoor) {
  auto r =
      events_->Record({.kind = DoorEventKind::kDoorHeldOpen, .reader_id = "floor-out"}, "ctl-1");
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->event.door_id, door_);
  EXPECT_EQ(State().position, DoorPosition::kHeld);
}

TEST_F(DoorEventsTest, UnknownDoorOrReaderIsRefusedNamingTheField) {
  auto by_door = events_->Record({.kind = DoorEventKind::kDoorClosed, .door_id = 999}, "ctl-1");
  ASSERT_FALSE(by_door);
  EXPECT_EQ(by_door.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(by_door.error().field, "door_id");
  auto by_reader =
      events_->Record({.kind = DoorEventKind::kDoorClosed, .reader_id = "nowhere"}, "ctl-1");
  ASSERT_FALSE(by_reader);
  EXPECT_EQ(by_reader.error().field, "reader_id");
  auto none = events_->Record({.kind = DoorEventKind::kDoorForcedOpen}, "ctl-1");
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().field, "door_id");
  auto mismatch = events_->Record(
      {.kind = DoorEventKind::kDoorClosed, .door_id = door_ + 1, .reader_id = "floor-in"}, "ctl-1");
  ASSERT_FALSE(mismatch);
  EXPECT_EQ(mismatch.error().field, "reader_id");
  EXPECT_TRUE(alerts_.raised().empty());
  EXPECT_EQ(AuditCount("access.door."), 1u) << "only the door's creation";
}

TEST_F(DoorEventsTest, ADoorOfAnotherControllerIsRefused) {
  auto assigned = access_->CreateDoor({.name = "server room",
                                       .from_zone_id = floor_,
                                       .to_zone_id = lobby_,
                                       .entry_reader_id = "srv-in",
                                       .controller = "ctl-srv"},
                                      "user:test");
  ASSERT_TRUE(assigned) << assigned.error().ToString();
  auto r =
      events_->Record({.kind = DoorEventKind::kDoorForcedOpen, .door_id = assigned->id}, "ctl-1");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kPermissionDenied);
  EXPECT_TRUE(
      events_->Record({.kind = DoorEventKind::kDoorClosed, .door_id = assigned->id}, "ctl-srv"));
}

TEST_F(DoorEventsTest, AFutureTimeIsClampedAndAnAncientOneRefused) {
  auto ahead = events_->Record(
      {.kind = DoorEventKind::kDoorClosed, .door_id = door_, .time = Now() + std::chrono::hours(1)},
      "ctl-1");
  ASSERT_TRUE(ahead);
  EXPECT_TRUE(ahead->event.time_clamped);
  EXPECT_EQ(ahead->event.time, Now());
  auto ancient = events_->Record({.kind = DoorEventKind::kDoorClosed,
                                  .door_id = door_,
                                  .time = Now() - std::chrono::hours(25)},
                                 "ctl-1");
  ASSERT_FALSE(ancient);
  EXPECT_EQ(ancient.error().field, "time");
}

TEST_F(DoorEventsTest, ALateEventIsKeptButDoesNotTurnTheStateBack) {
  Record(DoorEventKind::kDoorClosed);
  auto late = events_->Record(
      {.kind = DoorEventKind::kPassageConfirmed, .door_id = door_, .time = Now() - seconds(30)},
      "ctl-1");
  ASSERT_TRUE(late);
  EXPECT_EQ(State().position, DoorPosition::kClosed);
  // A late forced report is still an incident.
  auto forced = events_->Record(
      {.kind = DoorEventKind::kDoorForcedOpen, .door_id = door_, .time = Now() - seconds(20)},
      "ctl-1");
  ASSERT_TRUE(forced);
  EXPECT_EQ(State().position, DoorPosition::kClosed);
  EXPECT_EQ(alerts_.rules(), std::vector<std::string>{"access.door_forced"});
}

TEST_F(DoorEventsTest, EventsListNewestFirstByDoorWithALimit) {
  const int64_t other = Door("break", lobby_, Zone("Break", ZoneClassification::kStaff));
  Record(DoorEventKind::kPassageConfirmed);
  clock_.Advance(seconds(1));
  ASSERT_TRUE(events_->Record({.kind = DoorEventKind::kDoorClosed, .door_id = other}, "ctl-1"));
  clock_.Advance(seconds(1));
  Record(DoorEventKind::kDoorClosed);
  auto all = events_->List({});
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 3u);
  EXPECT_GE(all->at(0).time, all->at(1).time);
  EXPECT_EQ(all->at(0).door_id, door_);
  auto mine = events_->List({.door_id = door_, .limit = 1});
  ASSERT_TRUE(mine);
  ASSERT_EQ(mine->size(), 1u);
  EXPECT_EQ(mine->front().kind, DoorEventKind::kDoorClosed);
  EXPECT_FALSE(events_->List({.limit = 0}));
}

TEST_F(DoorEventsTest, AHeartbeatOfAnOnlineControllerStoresNothing) {
  Record(DoorEventKind::kControllerOnline);
  clock_.Advance(seconds(30));
  auto beat = Record(DoorEventKind::kHeartbeat);
  EXPECT_FALSE(beat.stored);
  EXPECT_EQ(AuditCount("access.door.heartbeat"), 0u);
  EXPECT_EQ(State().last_seen_at, Now()) << "but it refreshes last seen";
}

TEST_F(DoorEventsTest, ASilentControllerGoesOfflineOnceAndComesBack) {
  Record(DoorEventKind::kDoorClosed);
  clock_.Advance(seconds(120));
  auto early = events_->Sweep(Now());
  ASSERT_TRUE(early);
  EXPECT_TRUE(early->marked_offline.empty()) << "120 s is not longer than 120 s";

  clock_.Advance(seconds(1));
  auto sweep = events_->Sweep(Now());
  ASSERT_TRUE(sweep) << sweep.error().ToString();
  EXPECT_EQ(sweep->marked_offline, std::vector<std::string>{"ctl-1"});
  EXPECT_EQ(State().status, ControllerStatus::kOffline);
  ASSERT_EQ(alerts_.rules(), std::vector<std::string>{"access.controller_offline"});
  EXPECT_NE(alerts_.raised().front().summary.find("'floor'"), std::string::npos);
  EXPECT_EQ(AuditCount("access.door.controller_offline"), 1u);

  clock_.Advance(seconds(600));
  ASSERT_TRUE(events_->Sweep(Now()));
  EXPECT_EQ(alerts_.raised().size(), 1u) << "once until seen again";

  // Seen again (a heartbeat is enough), then silent again: a second alert.
  auto back = Record(DoorEventKind::kHeartbeat);
  EXPECT_TRUE(back.stored) << "the heartbeat that brings it back is recorded";
  EXPECT_EQ(State().status, ControllerStatus::kOnline);
  clock_.Advance(seconds(121));
  ASSERT_TRUE(events_->Sweep(Now()));
  EXPECT_EQ(alerts_.raised().size(), 2u);
}

TEST_F(DoorEventsTest, AControllerThatSaysItGoesOfflineRaisesNoSilenceAlert) {
  Record(DoorEventKind::kControllerOffline);
  clock_.Advance(seconds(1000));
  ASSERT_TRUE(events_->Sweep(Now()));
  EXPECT_TRUE(alerts_.raised().empty());
}

TEST_F(DoorEventsTest, AFailedAlertLeavesTheEventStanding) {
  alerts_.set_fail(true);
  auto r = events_->Record({.kind = DoorEventKind::kDoorForcedOpen, .door_id = door_}, "ctl-1");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->alert_error);
  EXPECT_EQ(State().position, DoorPosition::kForced);
  EXPECT_EQ(AuditCount("access.door.door_forced_open"), 1u);
}

TEST_F(DoorEventsTest, KindNamesRoundTrip) {
  for (int i = 0; i <= static_cast<int>(DoorEventKind::kHeartbeat); ++i) {
    auto kind = static_cast<DoorEventKind>(i);
    EXPECT_EQ(ParseDoorEventKind(DoorEventKindName(kind)), kind);
  }
  EXPECT_FALSE(ParseDoorEventKind("door_exploded"));
}

}  // namespace
}  // namespace fg::access
