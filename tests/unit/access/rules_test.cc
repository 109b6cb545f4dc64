// Door rules beyond who a person is: PINs, opening hours and holidays, tailgating hints, and
// the hints reaching the alert port. One test per rule (decide.h), on real SQLite.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "access/decide.h"
#include "fixture.h"

namespace fg::access {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

class RecordingAlerts final : public AlertPort {
 public:
  Result<int64_t> Raise(const AccessAlert& alert) override {
    std::lock_guard lock(mutex);
    raised.push_back(alert);
    return static_cast<int64_t>(raised.size());
  }
  std::mutex mutex;
  std::vector<AccessAlert> raised;
};

class AccessRules : public AccessFixture {
 protected:
  // Rebuilds access control with an alert port (the fixture's has none).
  void WithAlerts() {
    access_ = std::make_unique<AccessControl>(*db_, *log_, *directory_, clock_, &bus_,
                                              AccessOptions{.alerts = &alerts_});
    ASSERT_TRUE(access_->Start());
  }
  int64_t BadgeId(const std::string& credential) {
    auto badges = access_->ListBadges();
    EXPECT_TRUE(badges);
    for (const auto& b : *badges) {
      if ("w26:1:" + b.credential_key.substr(b.credential_key.rfind(':') + 1) == credential) {
        return b.id;
      }
    }
    return 0;
  }
  Decision DecideWithPin(const std::string& reader, const std::string& credential,
                         std::optional<std::string> pin) {
    auto d = access_->Decide({.reader_id = reader, .credential = credential, .pin = pin});
    EXPECT_TRUE(d) << d.error().ToString();
    return d ? *d : Decision{};
  }
  RecordingAlerts alerts_;
};

TEST_F(AccessRules, PinZoneNeedsTheBadgesPin) {
  Door("front", lobby_, floor_);
  ASSERT_TRUE(access_->UpdateZoneSettings(floor_, {.pin_required = true}, "user:test"));
  const auto badge = Badge(Person(PersonKind::kEmployee), 1);
  // No PIN set on the badge yet: nothing can match.
  EXPECT_EQ(DecideWithPin("front-in", badge, "1234").reason, Reason::kPinRequired);
  ASSERT_TRUE(access_->UpdateBadge(BadgeId(badge), {.pin = "1234"}, "user:test"));
  EXPECT_EQ(DecideWithPin("front-in", badge, std::nullopt).reason, Reason::kPinRequired);
  EXPECT_EQ(DecideWithPin("front-in", badge, "4321").reason, Reason::kPinInvalid);
  EXPECT_TRUE(DecideWithPin("front-in", badge, "1234").granted());
  // Leaving into the lobby (no PIN there) needs none.
  EXPECT_TRUE(DecideWithPin("front-out", badge, std::nullopt).granted());
}

TEST_F(AccessRules, PinIsStoredHashedAndNeverAudited) {
  const auto badge = Badge(Person(PersonKind::kEmployee), 1);
  const int64_t id = BadgeId(badge);
  for (const char* bad : {"12", "1234567890123", "12a4"}) {
    auto r = access_->UpdateBadge(id, {.pin = bad}, "user:test");
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().field, "pin");
  }
  auto set = access_->UpdateBadge(id, {.pin = "908172"}, "user:test");
  ASSERT_TRUE(set);
  EXPECT_TRUE(set->has_pin);
  bool plain_anywhere = false;
  ASSERT_TRUE(db_->Read([&](store::Connection& c) -> Result<void> {
    FG_RETURN_IF_ERROR(c.Exec("SELECT pin_hash FROM access_badges", {}, [&](const store::Row& r) {
      plain_anywhere |= r.Text(0).find("908172") != std::string::npos;
    }));
    FG_RETURN_IF_ERROR(c.Exec("SELECT details FROM audit_log", {}, [&](const store::Row& r) {
      plain_anywhere |= r.Text(0).find("908172") != std::string::npos;
    }));
    return {};
  }));
  EXPECT_FALSE(plain_anywhere);
  auto cleared = access_->UpdateBadge(id, {.pin = ""}, "user:test");
  ASSERT_TRUE(cleared);
  EXPECT_FALSE(cleared->has_pin);
}

TEST_F(AccessRules, ScheduledZoneOpensOnlyDuringItsHours) {
  Door("front", lobby_, floor_);
  const auto badge = Badge(Person(PersonKind::kEmployee), 1);
  // Friday 2027-01-15 06:00 UTC; the site is on UTC.
  ASSERT_TRUE(
      access_->UpdateZoneSettings(floor_, {.schedule = "mon-fri 07:00-19:00"}, "user:test"));
  EXPECT_EQ(Decide("front-in", badge).reason, Reason::kOutsideSchedule);
  clock_.Advance(hours(1));
  EXPECT_TRUE(Decide("front-in", badge).granted());
  clock_.Advance(hours(13));  // 20:00: closed, but nobody is locked in
  EXPECT_TRUE(Decide("front-out", badge).granted());
  EXPECT_EQ(Decide("front-in", badge).reason, Reason::kOutsideSchedule);
}

TEST_F(AccessRules, ScheduleIsReadInTheSitesTimeZone) {
  auto chicago =
      directory_->CreateSite({.name = "Chicago", .timezone = "America/Chicago"}, "user:test");
  ASSERT_TRUE(chicago);
  auto outside = directory_->CreateZone(
      {.site_id = chicago->id, .name = "Street", .classification = ZoneClassification::kPublic},
      "user:test");
  auto office = directory_->CreateZone(
      {.site_id = chicago->id, .name = "Office", .classification = ZoneClassification::kStaff},
      "user:test");
  ASSERT_TRUE(outside && office);
  Door("chi", outside->id, office->id);
  ASSERT_TRUE(
      access_->UpdateZoneSettings(office->id, {.schedule = "mon-fri 07:00-19:00"}, "user:test"));
  const auto badge = Badge(Person(PersonKind::kEmployee), 1);
  clock_.Advance(hours(2));  // 08:00 UTC is 02:00 in Chicago (UTC-6 in January)
  EXPECT_EQ(Decide("chi-in", badge).reason, Reason::kOutsideSchedule);
  clock_.Advance(hours(5));  // 13:00 UTC = 07:00 local
  EXPECT_TRUE(Decide("chi-in", badge).granted());
}

TEST_F(AccessRules, HolidayClosesScheduledZonesAllDay) {
  Door("front", lobby_, floor_);
  const auto badge = Badge(Person(PersonKind::kEmployee), 1);
  ASSERT_TRUE(
      access_->UpdateZoneSettings(floor_, {.schedule = "mon-sun 00:00-24:00"}, "user:test"));
  EXPECT_TRUE(Decide("front-in", badge).granted());
  ASSERT_TRUE(Decide("front-out", badge).granted());
  ASSERT_TRUE(access_->AddHoliday({.site_id = site_id_, .date = "2027-01-15", .name = "Founders"},
                                  "user:test"));
  EXPECT_EQ(Decide("front-in", badge).reason, Reason::kHoliday);
  // An unscheduled zone ignores holidays: the lobby stays open.
  const int64_t street = Zone("Street", ZoneClassification::kPublic);
  Door("lobby", street, lobby_);
  EXPECT_TRUE(Decide("lobby-in", badge).granted());
  clock_.Advance(hours(18));  // the next day
  EXPECT_TRUE(Decide("front-in", badge).granted());
}

TEST_F(AccessRules, BadScheduleAndHolidayInputAreRefusedByField) {
  auto bad = access_->UpdateZoneSettings(floor_, {.schedule = "weekdays 9-5"}, "user:test");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().field, "schedule");
  auto missing_zone = access_->UpdateZoneSettings(9999, {.pin_required = true}, "user:test");
  ASSERT_FALSE(missing_zone);
  EXPECT_EQ(missing_zone.error().field, "zone_id");
  auto bad_date = access_->AddHoliday({.site_id = site_id_, .date = "2027-02-30"}, "user:test");
  ASSERT_FALSE(bad_date);
  EXPECT_EQ(bad_date.error().field, "date");
  ASSERT_TRUE(access_->AddHoliday({.site_id = site_id_, .date = "2027-12-25"}, "user:test"));
  auto twice = access_->AddHoliday({.site_id = site_id_, .date = "2027-12-25"}, "user:test");
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(access_->DeleteHoliday(site_id_, "2027-12-24", "user:test").error().code,
            ErrorCode::kNotFound);
  // Settings that were refused changed nothing.
  auto settings = access_->GetZoneSettings(floor_);
  ASSERT_TRUE(settings);
  EXPECT_EQ(settings->schedule, "");
}

TEST_F(AccessRules, EnteringAnInnerZoneWithoutBeingSeenInItsEnclosingZoneIsATailgateHint) {
  WithAlerts();
  auto inner = directory_->CreateZone({.site_id = site_id_,
                                       .name = "Pod",
                                       .classification = ZoneClassification::kStaff,
                                       .parent_id = floor_},
                                      "user:test");
  ASSERT_TRUE(inner);
  Door("front", lobby_, floor_);
  Door("pod", floor_, inner->id);
  const auto tailgater = Badge(Person(PersonKind::kEmployee), 1);
  const auto regular = Badge(Person(PersonKind::kEmployee), 2);

  // Never badged onto the floor: granted, with the hint, and an alert raised.
  auto d = Decide("pod-in", tailgater);
  EXPECT_TRUE(d.granted());
  EXPECT_EQ(d.alerts, std::vector<std::string>{"tailgate_suspected"});
  ASSERT_EQ(alerts_.raised.size(), 1u);
  EXPECT_EQ(alerts_.raised[0].rule, "access.tailgate_suspected");

  ASSERT_TRUE(Decide("front-in", regular).granted());
  EXPECT_TRUE(Decide("front-in", regular).alerts.empty());  // the floor has no parent
  auto through = Decide("pod-in", regular);
  EXPECT_TRUE(through.granted());
  EXPECT_TRUE(through.alerts.empty());
  EXPECT_EQ(alerts_.raised.size(), 1u);
}

TEST_F(AccessRules, SoftPassbackReachesTheAlertPort) {
  WithAlerts();
  Door("front", lobby_, floor_);
  ASSERT_TRUE(access_->SetPassbackMode(floor_, PassbackMode::kSoft, "user:test"));
  const auto badge = Badge(Person(PersonKind::kEmployee), 1);
  ASSERT_TRUE(Decide("front-in", badge).granted());
  EXPECT_TRUE(alerts_.raised.empty());
  ASSERT_TRUE(Decide("front-in", badge).granted());
  ASSERT_EQ(alerts_.raised.size(), 1u);
  EXPECT_EQ(alerts_.raised[0].rule, "access.passback_soft");
}

TEST_F(AccessRules, HardPassbackHoldsUnderSimultaneousReadsOfOneBadge) {
  Door("front", lobby_, floor_);
  ASSERT_TRUE(access_->SetPassbackMode(floor_, PassbackMode::kHard, "user:test"));
  const auto badge = Badge(Person(PersonKind::kEmployee), 1);
  // Eight readers see the same card at once: exactly one may let it in.
  std::atomic<int> granted{0};
  std::vector<std::thread> readers;
  for (int i = 0; i < 8; ++i) {
    readers.emplace_back([&] {
      auto d = access_->Decide({.reader_id = "front-in", .credential = badge});
      if (d && d->granted()) ++granted;
    });
  }
  for (auto& t : readers) t.join();
  EXPECT_EQ(granted.load(), 1);
}

}  // namespace
}  // namespace fg::access
