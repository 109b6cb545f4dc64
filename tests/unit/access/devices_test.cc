// Personal devices: violations open an alert; identifiers are hashed MACs or BLE ids, never raw
// MACs; an unregistered device lingering in a watched zone alerts once per episode.
#include "access/devices.h"

#include <gtest/gtest.h>

#include <mutex>
#include <vector>

#include "fixture.h"

namespace fg::access {
namespace {

using std::chrono::seconds;

class FakeAlerts final : public AlertPort {
 public:
  Result<int64_t> Raise(const AccessAlert& alert) override {
    std::lock_guard lock(mu_);
    if (fail_) return MakeError(ErrorCode::kUnavailable, "alert store down");
    raised_.push_back(alert);
    return static_cast<int64_t>(100 + raised_.size());
  }
  std::vector<AccessAlert> raised() const {
    std::lock_guard lock(mu_);
    return raised_;
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

const std::string kHashed = "sha256:" + std::string(64, 'a');
const std::string kOtherHashed = "sha256:" + std::string(64, 'b');

class DevicesTest : public AccessFixture {
 protected:
  void SetUp() override {
    AccessFixture::SetUp();
    ASSERT_TRUE(db_->Migrate("access_devices", Devices::Migrations()));
    devices_ = std::make_unique<Devices>(*db_, *log_, *directory_, *access_, alerts_, clock_);
    ASSERT_TRUE(devices_->Start());
    secure_ = Zone("Server room", ZoneClassification::kSecure);
    restricted_ = Zone("Vault", ZoneClassification::kRestricted);
    ASSERT_TRUE(access_->Refresh());
  }
  void TearDown() override {
    devices_.reset();
    AccessFixture::TearDown();
  }

  SightingResult See(const std::string& identifier, int64_t zone, int rssi = -60) {
    auto r = devices_->RecordSighting({.identifier = identifier, .zone_id = zone, .rssi = rssi},
                                      "sensor-1");
    EXPECT_TRUE(r) << r.error().ToString();
    return r ? *r : SightingResult{};
  }
  // Sightings every `step` seconds for `total` seconds, starting now; the clock moves along.
  void Linger(const std::string& identifier, int64_t zone, int total, int step = 30) {
    for (int t = 0; t <= total; t += step) {
      See(identifier, zone);
      if (t + step <= total) clock_.Advance(seconds(step));
    }
  }
  size_t Alerts(const std::string& rule) {
    size_t n = 0;
    for (const auto& a : alerts_.raised()) n += a.rule == rule ? 1 : 0;
    return n;
  }

  FakeAlerts alerts_;
  std::unique_ptr<Devices> devices_;
  int64_t secure_ = 0;
  int64_t restricted_ = 0;
};

TEST_F(DevicesTest, AViolationIsStoredAuditedAndOpensAnAlert) {
  const int64_t agent = Person(PersonKind::kEmployee);
  auto r = devices_->RecordViolation({.person_id = agent,
                                      .zone_id = floor_,
                                      .kind = ViolationKind::kCamera,
                                      .note = "photographed a screen",
                                      .camera_ref = "cam-7 06:01:30"},
                                     "user:sup");
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_FALSE(r->alert_error);
  auto raised = alerts_.raised();
  ASSERT_EQ(raised.size(), 1u);
  EXPECT_EQ(raised[0].rule, "access.device_violation");
  EXPECT_EQ(raised[0].severity, "medium");
  EXPECT_NE(raised[0].summary.find("camera"), std::string::npos);
  EXPECT_NE(raised[0].summary.find("'Floor'"), std::string::npos);
  EXPECT_EQ(r->violation.alert_id, 101);

  auto listed = devices_->ListViolations({});
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed->front().alert_id, 101) << "the alert id is kept with the violation";
  EXPECT_EQ(listed->front().recorded_by, "user:sup");
  EXPECT_EQ(listed->front().camera_ref, "cam-7 06:01:30");
  auto entries = log_->List({.action = "access.violation.create"});
  ASSERT_TRUE(entries);
  EXPECT_EQ(entries->size(), 1u);
}

TEST_F(DevicesTest, AViolationNamesAMissingPersonOrZone) {
  auto nobody = devices_->RecordViolation({.person_id = 999, .zone_id = floor_}, "user:sup");
  ASSERT_FALSE(nobody);
  EXPECT_EQ(nobody.error().field, "person_id");
  auto nowhere = devices_->RecordViolation(
      {.person_id = Person(PersonKind::kEmployee), .zone_id = 999}, "user:sup");
  ASSERT_FALSE(nowhere);
  EXPECT_EQ(nowhere.error().field, "zone_id");
  auto future = devices_->RecordViolation({.person_id = Person(PersonKind::kEmployee),
                                           .zone_id = floor_,
                                           .time = Now() + std::chrono::hours(1)},
                                          "user:sup");
  ASSERT_FALSE(future);
  EXPECT_EQ(future.error().field, "time");
  EXPECT_TRUE(alerts_.raised().empty());
}

TEST_F(DevicesTest, AViolationStandsWhenItsAlertCannotBeRaised) {
  alerts_.set_fail(true);
  auto r = devices_->RecordViolation(
      {.person_id = Person(PersonKind::kEmployee), .zone_id = floor_}, "user:sup");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->alert_error);
  EXPECT_FALSE(r->violation.alert_id);
  EXPECT_EQ(devices_->ListViolations({})->size(), 1u);
}

TEST_F(DevicesTest, ARawMacIsRefusedWithAClearError) {
  for (const char* mac : {"aa:bb:cc:dd:ee:ff", "AA-BB-CC-DD-EE-FF", "aabbccddeeff"}) {
    auto r = NormalizeDeviceIdentifier(mac);
    ASSERT_FALSE(r) << mac;
    EXPECT_EQ(r.error().field, "identifier");
    EXPECT_NE(r.error().message.find("raw MAC"), std::string::npos) << r.error().message;
  }
  auto sighting =
      devices_->RecordSighting({.identifier = "aa:bb:cc:dd:ee:ff", .zone_id = secure_}, "s");
  ASSERT_FALSE(sighting);
  EXPECT_EQ(sighting.error().field, "identifier");
  auto registered =
      devices_->RegisterDevice({.identifier = "aa:bb:cc:dd:ee:ff", .kind = "phone"}, "user:admin");
  ASSERT_FALSE(registered);
  EXPECT_EQ(registered.error().field, "identifier");
}

TEST_F(DevicesTest, HashedMacsAndBleIdsAreAcceptedLowerCased) {
  EXPECT_EQ(NormalizeDeviceIdentifier("SHA256:" + std::string(64, 'A')), kHashed);
  EXPECT_EQ(NormalizeDeviceIdentifier("ble:00FF"), "ble:00ff");
  EXPECT_FALSE(NormalizeDeviceIdentifier("sha256:abc"));
  EXPECT_FALSE(NormalizeDeviceIdentifier("ble:"));
  EXPECT_FALSE(NormalizeDeviceIdentifier("ble:" + std::string(65, 'a')));
  EXPECT_FALSE(NormalizeDeviceIdentifier("ble:xyz"));
  EXPECT_FALSE(NormalizeDeviceIdentifier(""));
}

TEST_F(DevicesTest, BadSightingFieldsAreNamed) {
  auto rssi = devices_->RecordSighting({.identifier = kHashed, .zone_id = secure_, .rssi = 5}, "s");
  ASSERT_FALSE(rssi);
  EXPECT_EQ(rssi.error().field, "rssi");
  auto zone = devices_->RecordSighting({.identifier = kHashed, .zone_id = 999, .rssi = -50}, "s");
  ASSERT_FALSE(zone);
  EXPECT_EQ(zone.error().field, "zone_id");
  auto old = devices_->RecordSighting(
      {.identifier = kHashed, .zone_id = secure_, .rssi = -50, .time = Now() - seconds(3600)}, "s");
  ASSERT_FALSE(old);
  EXPECT_EQ(old.error().field, "time");
}

TEST_F(DevicesTest, AnUnregisteredDeviceInASecureZonePastTheThresholdAlertsOncePerEpisode) {
  Linger(kHashed, secure_, 120);
  EXPECT_EQ(Alerts("access.unregistered_device"), 0u) << "120 s is not longer than 120 s";
  clock_.Advance(seconds(1));
  EXPECT_EQ(See(kHashed, secure_).outcome, SightingResult::Outcome::kAlerted);
  ASSERT_EQ(Alerts("access.unregistered_device"), 1u);
  EXPECT_NE(alerts_.raised().front().summary.find("'Server room'"), std::string::npos);
  // Still there: the same episode, no second alert.
  clock_.Advance(seconds(30));
  EXPECT_EQ(See(kHashed, secure_).outcome, SightingResult::Outcome::kTracked);
  Linger(kHashed, secure_, 300);
  EXPECT_EQ(Alerts("access.unregistered_device"), 1u);
  auto episodes = devices_->ListEpisodes();
  ASSERT_TRUE(episodes);
  ASSERT_EQ(episodes->size(), 1u);
  EXPECT_EQ(episodes->front().alert_id, 101);
}

TEST_F(DevicesTest, ARestrictedZoneIsWatchedToo) {
  Linger("ble:c0ffee", restricted_, 150);
  EXPECT_EQ(Alerts("access.unregistered_device"), 1u);
}

TEST_F(DevicesTest, AGapLongerThanTheLimitStartsANewEpisode) {
  Linger(kHashed, secure_, 90);
  clock_.Advance(seconds(61));  // the gap
  Linger(kHashed, secure_, 90);
  EXPECT_EQ(Alerts("access.unregistered_device"), 0u) << "two short episodes, not one long one";
  // The first episode was closed and stored as one aggregate row.
  auto episodes = devices_->ListEpisodes();
  ASSERT_TRUE(episodes);
  ASSERT_EQ(episodes->size(), 1u);
  EXPECT_TRUE(episodes->front().closed);
  EXPECT_EQ(episodes->front().sightings, 4);
  // A long stay after the gap alerts (a new episode).
  clock_.Advance(seconds(61));
  Linger(kHashed, secure_, 150);
  EXPECT_EQ(Alerts("access.unregistered_device"), 1u);
  clock_.Advance(seconds(61));
  Linger(kHashed, secure_, 150);
  EXPECT_EQ(Alerts("access.unregistered_device"), 2u) << "once per episode";
}

TEST_F(DevicesTest, ARegisteredDeviceNeverAlerts) {
  auto device = devices_->RegisterDevice(
      {.identifier = kHashed, .kind = "laptop", .note = "IT spare"}, "user:admin");
  ASSERT_TRUE(device) << device.error().ToString();
  Linger(kHashed, secure_, 600);
  EXPECT_EQ(See(kHashed, secure_).outcome, SightingResult::Outcome::kRegistered);
  EXPECT_TRUE(alerts_.raised().empty());
  EXPECT_EQ(devices_->open_episodes(), 0u);
}

TEST_F(DevicesTest, ADeviceRemovedFromTheRegistryIsWatchedAgain) {
  auto device = devices_->RegisterDevice({.identifier = kHashed, .kind = "phone"}, "user:admin");
  ASSERT_TRUE(device);
  ASSERT_TRUE(devices_->DeleteDevice(device->id, "user:admin"));
  Linger(kHashed, secure_, 150);
  EXPECT_EQ(Alerts("access.unregistered_device"), 1u);
  EXPECT_EQ(devices_->DeleteDevice(device->id, "user:admin").error().code, ErrorCode::kNotFound);
}

TEST_F(DevicesTest, PublicAndStaffZonesAreNeverWatched) {
  Linger(kHashed, lobby_, 600);
  Linger(kOtherHashed, floor_, 600);
  EXPECT_EQ(See(kHashed, lobby_).outcome, SightingResult::Outcome::kNotWatched);
  EXPECT_TRUE(alerts_.raised().empty());
  EXPECT_EQ(devices_->open_episodes(), 0u) << "nothing kept about devices in public zones";
}

TEST_F(DevicesTest, SweepClosesQuietEpisodesIntoOneRowEach) {
  Linger(kHashed, secure_, 60);
  Linger(kOtherHashed, secure_, 30);
  EXPECT_EQ(devices_->open_episodes(), 2u);
  clock_.Advance(seconds(61));
  auto report = devices_->Sweep(Now());
  ASSERT_TRUE(report) << report.error().ToString();
  EXPECT_EQ(report->closed_episodes, 2);
  EXPECT_EQ(devices_->open_episodes(), 0u);
  EXPECT_EQ(devices_->ListEpisodes()->size(), 2u);
  auto audited = log_->List({.action = "access.device.episode"});
  ASSERT_TRUE(audited);
  EXPECT_EQ(audited->size(), 2u);
  // Retention purges old aggregates.
  clock_.Advance(std::chrono::hours(24 * 31));
  auto purge = devices_->Sweep(Now());
  ASSERT_TRUE(purge);
  EXPECT_EQ(purge->purged_episodes, 2);
  EXPECT_TRUE(devices_->ListEpisodes()->empty());
}

TEST_F(DevicesTest, OpenEpisodesAreBounded) {
  Devices::Options options;
  options.max_open_episodes = 2;
  Devices small(*db_, *log_, *directory_, *access_, alerts_, clock_, options);
  ASSERT_TRUE(small.Start());
  EXPECT_TRUE(small.RecordSighting({.identifier = "ble:01", .zone_id = secure_, .rssi = -1}, "s"));
  EXPECT_TRUE(small.RecordSighting({.identifier = "ble:02", .zone_id = secure_, .rssi = -1}, "s"));
  auto third = small.RecordSighting({.identifier = "ble:03", .zone_id = secure_, .rssi = -1}, "s");
  ASSERT_FALSE(third);
  EXPECT_EQ(third.error().code, ErrorCode::kResourceExhausted);
}

TEST_F(DevicesTest, TheRegistryRefusesDuplicatesAndUnknownPeople) {
  ASSERT_TRUE(devices_->RegisterDevice({.identifier = kHashed, .kind = "phone"}, "user:admin"));
  auto again = devices_->RegisterDevice({.identifier = kHashed, .kind = "phone"}, "user:admin");
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists);
  auto nobody = devices_->RegisterDevice(
      {.identifier = kOtherHashed, .kind = "phone", .person_id = 999}, "user:admin");
  ASSERT_FALSE(nobody);
  EXPECT_EQ(nobody.error().field, "person_id");
  auto kind = devices_->RegisterDevice({.identifier = kOtherHashed, .kind = "Phone!"}, "user:a");
  ASSERT_FALSE(kind);
  EXPECT_EQ(kind.error().field, "kind");
  EXPECT_EQ(devices_->ListDevices()->size(), 1u);
}

TEST_F(DevicesTest, TheRegistrySurvivesARestart) {
  ASSERT_TRUE(devices_->RegisterDevice({.identifier = kHashed, .kind = "phone"}, "user:admin"));
  Devices restarted(*db_, *log_, *directory_, *access_, alerts_, clock_);
  ASSERT_TRUE(restarted.Start());
  auto r = restarted.RecordSighting({.identifier = kHashed, .zone_id = secure_, .rssi = -40}, "s");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->outcome, SightingResult::Outcome::kRegistered);
}

}  // namespace
}  // namespace fg::access
