// The front desk (visitors.h): one test per rule, over real SQLite, a real directory, real
// access control and a fake alert port.
#include "access/visitors.h"

#include <gtest/gtest.h>

#include <mutex>

#include "fixture.h"

namespace fg::access {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

// A JPEG and a PNG as far as their magic bytes go, base64.
constexpr const char* kJpegBase64 = "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBg==";
constexpr const char* kPngBase64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAAB";

std::string Base64(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    uint32_t n = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8) | uint8_t(bytes[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out += kAlphabet[(n >> s) & 63];
  }
  if (i + 1 == bytes.size()) {
    uint32_t n = uint8_t(bytes[i]) << 16;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += "==";
  } else if (i + 2 == bytes.size()) {
    uint32_t n = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += '=';
  }
  return out;
}

class FakeAlerts final : public AlertPort {
 public:
  Result<int64_t> Raise(const AccessAlert& alert) override {
    std::lock_guard lock(mutex_);
    raised.push_back(alert);
    return static_cast<int64_t>(raised.size());
  }
  std::mutex mutex_;
  std::vector<AccessAlert> raised;
};

class VisitorDeskTest : public AccessFixture {
 protected:
  void SetUp() override {
    AccessFixture::SetUp();
    ASSERT_TRUE(db_->Migrate("access_visitors", VisitorDesk::Migrations()));
    desk_ = std::make_unique<VisitorDesk>(*db_, *log_, *directory_, *access_, clock_, &alerts_);
    host_ = Person(PersonKind::kEmployee);
    street_ = Zone("Street", ZoneClassification::kPublic);
    Door("main", street_, lobby_);
    Door("floor", lobby_, floor_);
  }
  void TearDown() override {
    desk_.reset();
    AccessFixture::TearDown();
  }
  CheckInInput Input(std::string pass = "w26:7:500") {
    return {.name = "Val Visitor",
            .company = "Acme Audit",
            .host_id = host_,
            .purpose = "PCI assessment",
            .credential = std::move(pass)};
  }
  Visit CheckIn(CheckInInput input) {
    auto v = desk_->CheckIn(input, "user:desk");
    EXPECT_TRUE(v) << v.error().ToString();
    return v ? *v : Visit{};
  }
  Error CheckInError(const CheckInInput& input) {
    auto v = desk_->CheckIn(input, "user:desk");
    EXPECT_FALSE(v);
    return v ? Error{ErrorCode::kInternal, "succeeded"} : v.error();
  }
  Reason DecideNow(const std::string& reader, const std::string& pass) {
    return DecideInMemory(*access_->snapshot(), &access_->presence(),
                          {.reader_id = reader, .credential = pass}, Now())
        .reason;
  }

  FakeAlerts alerts_;
  std::unique_ptr<VisitorDesk> desk_;
  int64_t host_ = 0;
  int64_t street_ = 0;
};

TEST_F(VisitorDeskTest, CheckInCreatesAVisitorWithABadgeForTheVisitWindow) {
  auto input = Input();
  input.expected_end = Now() + hours(3);
  Visit v = CheckIn(input);
  EXPECT_GT(v.id, 0);
  EXPECT_TRUE(v.on_site());
  EXPECT_EQ(v.credential_key, "w26:7:500");
  auto person = directory_->GetPerson(v.person_id);
  ASSERT_TRUE(person);
  EXPECT_EQ(person->kind, PersonKind::kVisitor);
  EXPECT_EQ(person->name, "Val Visitor");
  EXPECT_EQ(person->company, "Acme Audit");
  auto badge = access_->GetBadge(v.badge_id);
  ASSERT_TRUE(badge);
  EXPECT_EQ(badge->person_id, v.person_id);
  EXPECT_EQ(badge->valid_from, Now());
  EXPECT_EQ(badge->valid_until, Now() + hours(3));
  // Audited without the visitor's name: the trail outlives the purge.
  auto entries = log_->List({.action = "access.visit.check_in"});
  ASSERT_TRUE(entries);
  ASSERT_EQ(entries->size(), 1u);
  EXPECT_EQ(entries->front().subject, "visit:" + std::to_string(v.id));
  EXPECT_EQ(entries->front().details.find("Val Visitor"), std::string::npos);
}

TEST_F(VisitorDeskTest, ExpectedEndDefaultsToTheEndOfTheDay) {
  Visit v = CheckIn(Input());
  // The fixture starts at 2027-01-15T06:00:00Z.
  EXPECT_EQ(core::FormatRfc3339(v.expected_end), "2027-01-16T00:00:00.000000Z");
}

TEST_F(VisitorDeskTest, HostMustBeAnActiveEmployee) {
  auto input = Input();
  input.host_id = Person(PersonKind::kVisitor);
  EXPECT_EQ(CheckInError(input).field, "host_id");
  input.host_id = Person(PersonKind::kEmployee, PersonStatus::kSuspended);
  EXPECT_EQ(CheckInError(input).field, "host_id");
  input.host_id = Person(PersonKind::kContractor);
  EXPECT_EQ(CheckInError(input).field, "host_id");
  input.host_id = 99999;
  EXPECT_EQ(CheckInError(input).field, "host_id");
  // Nothing of a refused check-in remains.
  EXPECT_TRUE(desk_->OnSite()->empty());
  EXPECT_TRUE(access_->ListBadges()->empty());
}

TEST_F(VisitorDeskTest, RequiredTextFieldsAreNamed) {
  auto input = Input();
  input.name = "  ";
  EXPECT_EQ(CheckInError(input).field, "name");
  input = Input();
  input.purpose = "";
  EXPECT_EQ(CheckInError(input).field, "purpose");
  input = Input();
  input.company = std::string(101, 'x');
  EXPECT_EQ(CheckInError(input).field, "company");
  input = Input("not a pass");
  EXPECT_EQ(CheckInError(input).field, "credential");
}

TEST_F(VisitorDeskTest, PhotoMustBeAJpegOrPngOfAtMost256KiB) {
  auto jpeg = DecodePhoto(kJpegBase64, 256 * 1024);
  ASSERT_TRUE(jpeg) << jpeg.error().ToString();
  EXPECT_EQ(jpeg->content_type, "image/jpeg");
  auto png = DecodePhoto(std::string("data:image/png;base64,") + kPngBase64, 256 * 1024);
  ASSERT_TRUE(png) << png.error().ToString();
  EXPECT_EQ(png->content_type, "image/png");
  EXPECT_EQ(DecodePhoto(Base64("GIF89a......"), 256 * 1024).error().field, "photo");
  EXPECT_FALSE(DecodePhoto("!!!not base64!!!", 256 * 1024));
  EXPECT_FALSE(DecodePhoto("", 256 * 1024));
  EXPECT_FALSE(DecodePhoto("/9j/4A==AAAA", 256 * 1024));  // data after padding

  std::string big = "\xFF\xD8\xFF";
  big.resize(256 * 1024, 'x');
  EXPECT_TRUE(DecodePhoto(Base64(big), 256 * 1024));
  big.push_back('x');
  auto too_big = DecodePhoto(Base64(big), 256 * 1024);
  ASSERT_FALSE(too_big);
  EXPECT_EQ(too_big.error().field, "photo");

  auto input = Input();
  input.photo_base64 = Base64("%PDF-1.7 not an image");
  EXPECT_EQ(CheckInError(input).field, "photo");
  input.photo_base64 = kJpegBase64;
  Visit v = CheckIn(input);
  EXPECT_EQ(v.photo_type, "image/jpeg");
  auto stored = desk_->GetPhoto(v.id);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->bytes, jpeg->bytes);
}

TEST_F(VisitorDeskTest, ExpectedEndMustBeInTheFutureAndWithinMaxVisit) {
  auto input = Input();
  input.expected_end = Now();
  EXPECT_EQ(CheckInError(input).field, "expected_end");
  input.expected_end = Now() + hours(24) + minutes(1);
  EXPECT_EQ(CheckInError(input).field, "expected_end");
  input.expected_end = Now() + hours(24);
  CheckIn(input);
}

TEST_F(VisitorDeskTest, PassActiveOnAnotherBadgeIsRefused) {
  Visit first = CheckIn(Input("w26:7:500"));
  auto second = Input("w26:7:500");
  second.name = "Second Visitor";
  Error e = CheckInError(second);
  EXPECT_EQ(e.code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(e.field, "credential");
  // An employee's card, even revoked, is never handed out as a visitor pass.
  Badge(Person(PersonKind::kEmployee), 900);
  auto employee_card_badge = access_->ListBadges()->back();
  ASSERT_TRUE(
      access_->UpdateBadge(employee_card_badge.id, {.status = BadgeStatus::kRevoked}, "user:test"));
  auto employee_card = Input("w26:1:900");
  EXPECT_EQ(CheckInError(employee_card).field, "credential");
  // A returned pass goes to the next visitor.
  ASSERT_TRUE(desk_->CheckOut(first.id, "user:desk"));
  Visit next = CheckIn(second);
  EXPECT_EQ(next.credential_key, "w26:7:500");
  EXPECT_EQ(DecideNow("main-in", "w26:7:500"), Reason::kGranted);
  // The first visit's badge is kept, revoked, with its history.
  auto first_badge = access_->GetBadge(first.badge_id);
  ASSERT_TRUE(first_badge);
  EXPECT_EQ(first_badge->status, BadgeStatus::kRevoked);
  EXPECT_NE(next.badge_id, first.badge_id);
}

TEST_F(VisitorDeskTest, CheckOutRevokesThePassSoTheNextDecisionDeniesIt) {
  Visit v = CheckIn(Input());
  ASSERT_TRUE(Decide("main-in", "w26:7:500").granted());
  EXPECT_EQ(access_->presence().CurrentZone(v.person_id), lobby_);

  auto out = desk_->CheckOut(v.id, "user:desk");
  ASSERT_TRUE(out) << out.error().ToString();
  EXPECT_FALSE(out->on_site());
  EXPECT_EQ(access_->GetBadge(v.badge_id)->status, BadgeStatus::kRevoked);
  EXPECT_EQ(DecideNow("main-out", "w26:7:500"), Reason::kBadgeRevoked);
  EXPECT_FALSE(access_->presence().Where(v.person_id));
  EXPECT_EQ(directory_->GetPerson(v.person_id)->status, PersonStatus::kTerminated);
  EXPECT_EQ(log_->List({.action = "access.visit.check_out"})->size(), 1u);

  auto again = desk_->CheckOut(v.id, "user:desk");
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(desk_->CheckOut(4242, "user:desk").error().code, ErrorCode::kNotFound);
}

TEST_F(VisitorDeskTest, EscortGrantLetsTheVisitorThroughAStaffDoorOnlyWithinTheWindow) {
  auto escorted = Input("w26:7:501");
  escorted.escort_zone_ids = {floor_};
  escorted.expected_end = Now() + hours(2);
  Visit v = CheckIn(escorted);
  ASSERT_EQ(v.grant_ids.size(), 1u);
  auto grants = access_->ListGrants(v.person_id);
  ASSERT_TRUE(grants);
  ASSERT_EQ(grants->size(), 1u);
  EXPECT_EQ(grants->front().note, "escort by " + directory_->GetPerson(host_)->name);
  EXPECT_EQ(grants->front().valid_until, Now() + hours(2));

  CheckIn(Input("w26:7:502"));  // no escort
  EXPECT_EQ(DecideNow("floor-in", "w26:7:501"), Reason::kGranted);
  EXPECT_EQ(DecideNow("floor-in", "w26:7:502"), Reason::kEscortRequired);

  clock_.Advance(hours(2));
  EXPECT_NE(DecideNow("floor-in", "w26:7:501"), Reason::kGranted);
  // Check-out ends the grant.
  ASSERT_TRUE(desk_->CheckOut(v.id, "user:desk"));
  EXPECT_TRUE(access_->ListGrants(v.person_id)->empty());
}

TEST_F(VisitorDeskTest, EscortZonesMustExistAndBeListedOnce) {
  auto input = Input();
  input.escort_zone_ids = {floor_, 9999};
  EXPECT_EQ(CheckInError(input).field, "escort_zone_ids[1]");
  input.escort_zone_ids = {floor_, floor_};
  EXPECT_EQ(CheckInError(input).field, "escort_zone_ids[1]");
}

TEST_F(VisitorDeskTest, OverdueVisitRaisesOneAlertOnlyAfterTheGrace) {
  auto input = Input();
  input.expected_end = Now() + hours(1);
  Visit v = CheckIn(input);
  auto early = desk_->Sweep(Now() + hours(1) + minutes(15));
  ASSERT_TRUE(early);
  EXPECT_EQ(early->overdue_alerts, 0);
  EXPECT_TRUE(alerts_.raised.empty());

  auto late = desk_->Sweep(Now() + hours(1) + minutes(16));
  ASSERT_TRUE(late);
  EXPECT_EQ(late->overdue_alerts, 1);
  ASSERT_EQ(alerts_.raised.size(), 1u);
  EXPECT_EQ(alerts_.raised[0].rule, "access.visitor_overdue");
  EXPECT_EQ(alerts_.raised[0].severity, "medium");
  EXPECT_EQ(alerts_.raised[0].subject, "person:" + std::to_string(v.person_id));
  EXPECT_EQ(alerts_.raised[0].details.find("Val Visitor"), std::string::npos);

  EXPECT_EQ(desk_->Sweep(Now() + hours(5))->overdue_alerts, 0);
  EXPECT_EQ(alerts_.raised.size(), 1u);
  EXPECT_TRUE(desk_->GetVisit(v.id)->overdue_alerted);
}

TEST_F(VisitorDeskTest, CheckedOutVisitIsNeverOverdue) {
  auto input = Input();
  input.expected_end = Now() + hours(1);
  Visit v = CheckIn(input);
  ASSERT_TRUE(desk_->CheckOut(v.id, "user:desk"));
  EXPECT_EQ(desk_->Sweep(Now() + hours(3))->overdue_alerts, 0);
  EXPECT_TRUE(alerts_.raised.empty());
}

TEST_F(VisitorDeskTest, PersonalDataIsPurgedAfterRetention) {
  auto input = Input();
  input.photo_base64 = kPngBase64;
  Visit v = CheckIn(input);
  ASSERT_TRUE(desk_->CheckOut(v.id, "user:desk"));
  const core::WallTime out = Now();

  EXPECT_EQ(desk_->Sweep(out + hours(24 * 30) - minutes(1))->purged, 0);
  EXPECT_EQ(desk_->GetVisit(v.id)->name, "Val Visitor");

  EXPECT_EQ(desk_->Sweep(out + hours(24 * 30) + minutes(1))->purged, 1);
  Visit purged = *desk_->GetVisit(v.id);
  EXPECT_TRUE(purged.purged);
  EXPECT_EQ(purged.name, "(purged)");
  EXPECT_EQ(purged.company, "(purged)");
  EXPECT_EQ(purged.photo_type, "");
  EXPECT_EQ(desk_->GetPhoto(v.id).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(directory_->GetPerson(v.person_id)->name, "(purged)");
  EXPECT_EQ(log_->List({.action = "access.visit.purge"})->size(), 1u);
  // The host and the times stay for the visitor log.
  EXPECT_EQ(purged.host_id, host_);
  EXPECT_EQ(desk_->Sweep(out + hours(24 * 60))->purged, 0);
}

TEST_F(VisitorDeskTest, VisitorStillOnSiteIsNotPurged) {
  Visit v = CheckIn(Input());
  EXPECT_EQ(desk_->Sweep(Now() + hours(24 * 40))->purged, 0);
  EXPECT_EQ(desk_->GetVisit(v.id)->name, "Val Visitor");
}

TEST_F(VisitorDeskTest, OnSiteAndHistoryList) {
  Visit a = CheckIn(Input("w26:7:601"));
  clock_.Advance(hours(1));
  Visit b = CheckIn(Input("w26:7:602"));
  ASSERT_TRUE(desk_->CheckOut(a.id, "user:desk"));
  auto on_site = desk_->OnSite();
  ASSERT_TRUE(on_site);
  ASSERT_EQ(on_site->size(), 1u);
  EXPECT_EQ(on_site->front().id, b.id);
  auto all = desk_->History({});
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ(all->front().id, b.id);  // newest first
  auto early = desk_->History({.to = b.checked_in_at});
  ASSERT_EQ(early->size(), 1u);
  EXPECT_EQ(early->front().id, a.id);
  EXPECT_EQ(desk_->History({.from = b.checked_in_at})->size(), 1u);
}

}  // namespace
}  // namespace fg::access
