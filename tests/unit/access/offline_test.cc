// The offline cache and uploads over real SQLite :memory:, a real directory and audit log.
#include "access/offline.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <set>

#include "fixture.h"

namespace fg::access {
namespace {

class OfflineTest : public AccessFixture {
 protected:
  void SetUp() override {
    AccessFixture::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_TRUE(db_->Migrate("access_offline", OfflineService::Migrations()));
    offline_ =
        std::make_unique<OfflineService>(*db_, *log_, *access_, *directory_, clock_,
                                         OfflineOptions{.key_file = dir_ / "access-cache.key"});
    ASSERT_TRUE(offline_->Start());
  }
  void TearDown() override {
    offline_.reset();
    AccessFixture::TearDown();
  }

  int64_t ControllerDoor(const std::string& name, int64_t from, int64_t to,
                         const std::string& controller) {
    auto d = access_->CreateDoor({.name = name,
                                  .from_zone_id = from,
                                  .to_zone_id = to,
                                  .entry_reader_id = name + "-in",
                                  .exit_reader_id = name + "-out",
                                  .controller = controller},
                                 "user:test");
    EXPECT_TRUE(d) << d.error().ToString();
    return d ? d->id : 0;
  }
  CacheDocument Build(const std::string& controller, std::optional<uint64_t> since = {}) {
    auto d = offline_->Build(controller, since);
    EXPECT_TRUE(d) << d.error().ToString();
    return d ? *d : CacheDocument{};
  }
  static std::set<std::string> Keys(const CacheDocument& d) {
    std::set<std::string> keys;
    for (const auto& e : d.entries) keys.insert(e.credential_key);
    return keys;
  }
  UploadResult Upload(const std::string& controller, const std::vector<OfflineEvent>& events) {
    auto r = offline_->Upload(controller, events);
    EXPECT_TRUE(r) << r.error().ToString();
    return r ? *r : UploadResult{};
  }
  int64_t CountRows(const std::string& sql) {
    int64_t n = -1;
    EXPECT_TRUE(db_->Read([&](store::Connection& c) {
      return c.Exec(sql, {}, [&](const store::Row& r) { n = r.Int(0); });
    }));
    return n;
  }

  std::unique_ptr<OfflineService> offline_;
};

TEST_F(OfflineTest, DecodedCacheDecidesLikeTheServerForEveryOfflineRule) {
  auto campaign = directory_->CreateCampaign({.code = "ACME", .name = "Acme"}, "user:test");
  ASSERT_TRUE(campaign) << campaign.error().ToString();
  const int64_t acme = Zone("Acme floor", ZoneClassification::kSecure, campaign->id);
  const int64_t server_room = Zone("Server room", ZoneClassification::kRestricted);
  ASSERT_TRUE(access_->SetPassbackMode(floor_, PassbackMode::kHard, "user:test"));
  ControllerDoor("main", lobby_, floor_, "ctl-a");
  ControllerDoor("acme", floor_, acme, "ctl-a");
  ControllerDoor("srv", floor_, server_room, "ctl-a");
  // Opening hours in the site's time zone (now is Friday 06:00 UTC) and a PIN zone.
  const int64_t training = Zone("Training", ZoneClassification::kStaff);
  ASSERT_TRUE(access_->UpdateZoneSettings(training, {.schedule = "mon-fri 08:00-17:00"}, "u:t"));
  ControllerDoor("trn", floor_, training, "ctl-a");
  const int64_t vault = Zone("Vault", ZoneClassification::kStaff);
  ASSERT_TRUE(access_->UpdateZoneSettings(vault, {.pin_required = true}, "u:t"));
  ControllerDoor("vlt", floor_, vault, "ctl-a");

  const int64_t trained = Person(PersonKind::kEmployee);
  ASSERT_TRUE(directory_->CreateTraining(
      {.person_id = trained, .campaign_id = campaign->id, .completed_on = "2027-01-01"},
      "user:test"));
  const int64_t expired_training = Person(PersonKind::kEmployee);
  ASSERT_TRUE(directory_->CreateTraining({.person_id = expired_training,
                                          .campaign_id = campaign->id,
                                          .completed_on = "2026-01-01",
                                          .expires_on = "2027-01-10"},
                                         "user:test"));
  const int64_t unassigned = Person(PersonKind::kEmployee);
  for (int64_t p : {trained, expired_training}) {
    ASSERT_TRUE(directory_->SetAssignments(p, {campaign->id}, "user:test"));
  }
  const int64_t admin = Person(PersonKind::kEmployee);
  ASSERT_TRUE(access_->CreateGrant(
      {.person_id = admin, .zone_id = server_room, .valid_from = Now()}, "user:test"));
  const int64_t suspended = Person(PersonKind::kEmployee, PersonStatus::kSuspended);
  const int64_t visitor = Person(PersonKind::kVisitor);
  const int64_t applicant = Person(PersonKind::kApplicant);
  const int64_t revoked = Person(PersonKind::kEmployee);
  const int64_t lost = Person(PersonKind::kEmployee);
  const int64_t later = Person(PersonKind::kEmployee);
  const int64_t gone = Person(PersonKind::kEmployee);
  ASSERT_TRUE(access_->Refresh());

  std::vector<std::string> credentials = {
      Badge(trained, 1),
      Badge(expired_training, 2),
      Badge(admin, 3),
      Badge(suspended, 4),
      Badge(visitor, 5),
      Badge(applicant, 6),
      Badge(revoked, 7),
      Badge(lost, 8),
      Badge(later, 9, {.valid_from = Now() + std::chrono::hours(24)}),
      Badge(gone, 10, {.valid_until = Now() - std::chrono::hours(1)}),
      Badge(unassigned, 11),
      "w26:1:999",  // unknown
      "10101",      // malformed
  };
  for (auto [card, status] : {std::pair{7, BadgeStatus::kRevoked}, {8, BadgeStatus::kLost}}) {
    auto badges = access_->ListBadges();
    ASSERT_TRUE(badges);
    for (const auto& b : *badges) {
      if (b.credential_key == "w26:1:" + std::to_string(card)) {
        ASSERT_TRUE(access_->UpdateBadge(b.id, {.status = status}, "user:test"));
      }
    }
  }

  auto signed_cache = offline_->Cache("ctl-a", std::nullopt);
  ASSERT_TRUE(signed_cache) << signed_cache.error().ToString();
  auto decoded = DecodeCache(signed_cache->payload);
  ASSERT_TRUE(decoded) << decoded.error().ToString();
  auto server = access_->snapshot();

  // Presence: the trained employee is already on the floor (hard anti-passback there).
  PresenceTracker presence;
  presence.Move(trained, floor_, Now() - std::chrono::minutes(5));
  std::set<std::string> reasons;
  for (const std::string reader : {"main-in", "main-out", "acme-in", "acme-out", "srv-in",
                                   "srv-out", "trn-in", "trn-out", "vlt-in", "elsewhere-in"}) {
    for (const std::string& credential : credentials) {
      DecideRequest request{.reader_id = reader, .credential = credential};
      Decision online = DecideInMemory(*server, &presence, request, Now());
      Decision offline = DecideInMemory(*decoded, &presence, request, Now());
      EXPECT_EQ(online.verdict, offline.verdict) << reader << " " << credential;
      EXPECT_EQ(ReasonName(online.reason), ReasonName(offline.reason))
          << reader << " " << credential;
      EXPECT_EQ(online.person_id, offline.person_id);
      EXPECT_EQ(online.to_zone_id, offline.to_zone_id);
      reasons.insert(std::string(ReasonName(offline.reason)));
    }
  }
  // Every rule that matters offline was exercised.
  for (const char* r : {"granted", "unknown_reader", "malformed_credential", "unknown_credential",
                        "badge_revoked", "badge_lost", "badge_not_yet_valid", "badge_expired",
                        "person_not_active", "escort_required", "not_trained", "no_grant",
                        "passback", "not_assigned", "outside_schedule", "pin_required"}) {
    EXPECT_TRUE(reasons.contains(r)) << r;
  }
}

TEST_F(OfflineTest, SignatureVerifiesAndAFlippedByteFails) {
  ControllerDoor("main", lobby_, floor_, "ctl-a");
  Badge(Person(PersonKind::kEmployee), 1);
  auto cache = offline_->Cache("ctl-a", std::nullopt);
  ASSERT_TRUE(cache) << cache.error().ToString();
  const std::string key = Base64Encode(std::string(
      reinterpret_cast<const char*>(offline_->public_key().data()), offline_->public_key().size()));
  EXPECT_TRUE(VerifyBase64(cache->payload, cache->signature_b64, key));
  EXPECT_EQ(cache->key_id, KeyId(offline_->public_key()));

  std::string tampered = cache->payload;
  tampered[tampered.size() / 2] ^= 0x01;
  auto bad = VerifyBase64(tampered, cache->signature_b64, key);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kDataLoss);
  auto signature = Base64Decode(cache->signature_b64);
  ASSERT_TRUE(signature);
  (*signature)[0] ^= 0x01;
  EXPECT_FALSE(Verify(cache->payload, *signature, offline_->public_key()));
  EXPECT_FALSE(VerifyBase64(cache->payload, "not base64!", key));
}

TEST_F(OfflineTest, SigningKeyIsItsOwnPrivateFileAndSurvivesARestart) {
  struct stat st {};
  ASSERT_EQ(::stat((dir_ / "access-cache.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 077, 0u);
  auto again = CacheSigner::LoadOrCreate(dir_ / "access-cache.key");
  ASSERT_TRUE(again) << again.error().ToString();
  EXPECT_EQ(again->public_key(), offline_->public_key());
  auto audit_key = audit::LoadPublicKey(dir_ / audit::Signer::kPublicKeyFile);
  ASSERT_TRUE(audit_key);
  EXPECT_NE(*audit_key, offline_->public_key());
  ::chmod((dir_ / "access-cache.key").c_str(), 0644);
  EXPECT_FALSE(CacheSigner::LoadOrCreate(dir_ / "access-cache.key"));
}

TEST_F(OfflineTest, DeltaHoldsExactlyTheChangedBadgesAndTheRevokedOne) {
  ControllerDoor("main", lobby_, floor_, "ctl-a");
  const int64_t a = Person(PersonKind::kEmployee);
  const int64_t b = Person(PersonKind::kEmployee);
  Badge(a, 1);
  Badge(b, 2);
  Badge(Person(PersonKind::kEmployee), 3);
  CacheDocument first = Build("ctl-a");
  EXPECT_TRUE(first.full);
  EXPECT_EQ(Keys(first), (std::set<std::string>{"w26:1:1", "w26:1:2", "w26:1:3"}));

  // Nothing changed: same version, an empty delta.
  CacheDocument same = Build("ctl-a", first.version);
  EXPECT_FALSE(same.full);
  EXPECT_EQ(same.version, first.version);
  EXPECT_TRUE(same.entries.empty());
  EXPECT_TRUE(same.removed.empty());

  auto badges = access_->ListBadges(a);
  ASSERT_TRUE(badges && badges->size() == 1u);
  ASSERT_TRUE(access_->UpdateBadge((*badges)[0].id, {.status = BadgeStatus::kRevoked}, "user:t"));
  ASSERT_TRUE(directory_->UpdatePerson(b, {.status = PersonStatus::kSuspended}, "user:t"));
  ASSERT_TRUE(access_->Refresh());
  Badge(Person(PersonKind::kEmployee), 4);
  auto gone = access_->ListBadges();
  ASSERT_TRUE(gone);
  for (const auto& badge : *gone) {
    if (badge.credential_key == "w26:1:3") {
      ASSERT_TRUE(access_->DeleteBadge(badge.id, "user:t"));
    }
  }

  CacheDocument delta = Build("ctl-a", first.version);
  EXPECT_FALSE(delta.full);
  EXPECT_GT(delta.version, first.version);
  EXPECT_EQ(Keys(delta), (std::set<std::string>{"w26:1:1", "w26:1:2", "w26:1:4"}));
  EXPECT_EQ(delta.removed, std::vector<std::string>{"w26:1:3"});
  auto revoked = std::find_if(delta.entries.begin(), delta.entries.end(),
                              [](const CacheEntry& e) { return e.credential_key == "w26:1:1"; });
  ASSERT_NE(revoked, delta.entries.end());
  EXPECT_EQ(revoked->badge.status, BadgeStatus::kRevoked);

  // The controller applies the delta and then decides as the server does.
  CacheDocument merged = first;
  ASSERT_TRUE(ApplyDelta(merged, *ParseCache(EncodeCache(delta))));
  EXPECT_EQ(Keys(merged), (std::set<std::string>{"w26:1:1", "w26:1:2", "w26:1:4"}));
  Snapshot offline = ToSnapshot(merged);
  EXPECT_EQ(DecideInMemory(offline, nullptr, {"main-in", "w26:1:1"}, Now()).reason,
            Reason::kBadgeRevoked);
  EXPECT_EQ(DecideInMemory(offline, nullptr, {"main-in", "w26:1:3"}, Now()).reason,
            Reason::kUnknownCredential);
  // A delta that does not start at the base version is refused.
  CacheDocument stale = first;
  CacheDocument later = Build("ctl-a", delta.version);
  later.since = delta.version;
  later.full = false;
  EXPECT_FALSE(ApplyDelta(stale, later));

  // A version the server never gave, or none, gives the full cache.
  EXPECT_TRUE(Build("ctl-a", delta.version + 100).full);
  EXPECT_TRUE(Build("ctl-a", 0).full);
}

TEST_F(OfflineTest, ARulesChangeGivesAFullCache) {
  ControllerDoor("main", lobby_, floor_, "ctl-a");
  Badge(Person(PersonKind::kEmployee), 1);
  CacheDocument first = Build("ctl-a");
  ASSERT_TRUE(access_->SetPassbackMode(floor_, PassbackMode::kSoft, "user:test"));
  CacheDocument next = Build("ctl-a", first.version);
  EXPECT_TRUE(next.full);
  EXPECT_GT(next.version, first.version);
  EXPECT_EQ(Keys(next), std::set<std::string>{"w26:1:1"});
}

TEST_F(OfflineTest, CacheHoldsOnlyTheControllersDoors) {
  const int64_t acme = Zone("Acme", ZoneClassification::kStaff);
  const int64_t srv = Zone("Server room", ZoneClassification::kRestricted);
  const int64_t main_door = ControllerDoor("main", lobby_, floor_, "ctl-a");
  ControllerDoor("acme", floor_, acme, "ctl-b");
  ControllerDoor("srv", floor_, srv, "");
  const int64_t person = Person(PersonKind::kEmployee);
  ASSERT_TRUE(
      access_->CreateGrant({.person_id = person, .zone_id = srv, .valid_from = Now()}, "user:t"));
  Badge(person, 1);

  CacheDocument a = Build("ctl-a");
  ASSERT_EQ(a.readers.size(), 2u);
  for (const auto& [id, reader] : a.readers) EXPECT_EQ(reader.door_id, main_door) << id;
  std::set<int64_t> zones;
  for (const auto& [id, zone] : a.zones) zones.insert(id);
  EXPECT_EQ(zones, (std::set<int64_t>{lobby_, floor_}));
  ASSERT_EQ(a.entries.size(), 1u);
  EXPECT_TRUE(a.entries[0].grants.empty());  // the server-room grant is not this door's

  auto decoded = DecodeCache(EncodeCache(a));
  ASSERT_TRUE(decoded);
  EXPECT_EQ(DecideInMemory(*decoded, nullptr, {"acme-in", "w26:1:1"}, Now()).reason,
            Reason::kUnknownReader);

  // A controller with no doors gets an empty cache, still signed.
  auto none = offline_->Cache("ctl-none", std::nullopt);
  ASSERT_TRUE(none) << none.error().ToString();
  auto parsed = ParseCache(none->payload);
  ASSERT_TRUE(parsed);
  EXPECT_TRUE(parsed->readers.empty());
  EXPECT_TRUE(parsed->entries.empty());
  auto signature = Base64Decode(none->signature_b64);
  ASSERT_TRUE(signature);
  EXPECT_TRUE(Verify(none->payload, *signature, offline_->public_key()));
}

TEST_F(OfflineTest, ParseCacheRejectsBadDocumentsNamingTheField) {
  EXPECT_FALSE(ParseCache("not json"));
  EXPECT_FALSE(ParseCache("[]"));
  CacheDocument d;
  d.controller = "ctl-a";
  d.version = 3;
  d.issued_at = Now();
  d.zones.emplace_back(1, Snapshot::ZoneInfo{});
  std::string text = EncodeCache(d);
  ASSERT_TRUE(ParseCache(text));
  std::string bad = text;
  bad.replace(bad.find("\"passback\":\"off\""), 16, "\"passback\":\"maybe\"");
  auto parsed = ParseCache(bad);
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().field, "zones[0].passback");
  bad = text;
  bad.replace(bad.find("\"version\":3"), 11, "\"version\":\"3\"");
  parsed = ParseCache(bad);
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().field, "version");
}

TEST_F(OfflineTest, AReuploadedEventIsOnePassage) {
  ControllerDoor("main", lobby_, floor_, "ctl-a");
  const int64_t person = Person(PersonKind::kEmployee);
  Badge(person, 1);
  const int64_t before = CountRows("SELECT COUNT(*) FROM access_passages");
  std::vector<OfflineEvent> events = {{.id = "ev-1",
                                       .reader_id = "main-in",
                                       .credential = "w26:1:1",
                                       .time = Now() - std::chrono::minutes(10),
                                       .granted = true,
                                       .reason = "granted"},
                                      {.id = "ev-2",
                                       .reader_id = "main-in",
                                       .credential = "w26:1:77",
                                       .time = Now() - std::chrono::minutes(9),
                                       .granted = false,
                                       .reason = "unknown_credential"}};
  UploadResult first = Upload("ctl-a", events);
  EXPECT_EQ(first.accepted, 2);
  EXPECT_EQ(first.duplicates, 0);
  EXPECT_TRUE(first.rejected.empty());
  UploadResult second = Upload("ctl-a", events);
  EXPECT_EQ(second.accepted, 0);
  EXPECT_EQ(second.duplicates, 2);
  EXPECT_EQ(CountRows("SELECT COUNT(*) FROM access_passages"), before + 2);
  EXPECT_EQ(CountRows("SELECT COUNT(*) FROM audit_log WHERE action = 'access.offline.grant'"), 1);
  EXPECT_EQ(CountRows("SELECT COUNT(*) FROM audit_log WHERE action = 'access.offline.deny'"), 1);
  EXPECT_EQ(CountRows("SELECT COUNT(*) FROM access_passages WHERE alerts = 'offline' AND "
                      "granted = 1 AND person_id = " +
                      std::to_string(person)),
            1);
  // The offline entry moved the person; another controller may reuse the same event id.
  EXPECT_EQ(access_->presence().CurrentZone(person), floor_);
}

TEST_F(OfflineTest, AnOlderOfflineGrantDoesNotMovePresenceBack) {
  ControllerDoor("main", lobby_, floor_, "ctl-a");
  const int64_t person = Person(PersonKind::kEmployee);
  Badge(person, 1);
  Decide("main-out", "w26:1:1");  // online, now: in the lobby
  ASSERT_EQ(access_->presence().CurrentZone(person), lobby_);
  Upload("ctl-a", {{.id = "old",
                    .reader_id = "main-in",
                    .credential = "w26:1:1",
                    .time = Now() - std::chrono::hours(1),
                    .granted = true,
                    .reason = "granted"}});
  EXPECT_EQ(access_->presence().CurrentZone(person), lobby_);
}

TEST_F(OfflineTest, BadEventsAreRejectedOneByOneAndGoodOnesKept) {
  ControllerDoor("main", lobby_, floor_, "ctl-a");
  ControllerDoor("other", floor_, Zone("Acme", ZoneClassification::kStaff), "ctl-b");
  Badge(Person(PersonKind::kEmployee), 1);
  const core::WallTime t = Now() - std::chrono::minutes(1);
  std::vector<OfflineEvent> events = {
      {.id = "good",
       .reader_id = "main-in",
       .credential = "w26:1:1",
       .time = t,
       .granted = true,
       .reason = "granted"},
      {.id = "",
       .reader_id = "main-in",
       .credential = "w26:1:1",
       .time = t,
       .granted = true,
       .reason = "granted"},
      {.id = "foreign",
       .reader_id = "other-in",
       .credential = "w26:1:1",
       .time = t,
       .granted = true,
       .reason = "granted"},
      {.id = "future",
       .reader_id = "main-in",
       .credential = "w26:1:1",
       .time = Now() + std::chrono::hours(2),
       .granted = true,
       .reason = "granted"},
      {.id = "mismatch",
       .reader_id = "main-in",
       .credential = "w26:1:1",
       .time = t,
       .granted = true,
       .reason = "not_trained"},
      {.id = "reason",
       .reader_id = "main-in",
       .credential = "w26:1:1",
       .time = t,
       .granted = false,
       .reason = "because"},
      {.id = "garbled",
       .reader_id = "main-in",
       .credential = "zz",
       .time = t,
       .granted = false,
       .reason = "unknown_credential"},
      {.id = "malformed-ok",
       .reader_id = "main-in",
       .credential = "zz",
       .time = t,
       .granted = false,
       .reason = "malformed_credential"},
  };
  UploadResult r = Upload("ctl-a", events);
  EXPECT_EQ(r.accepted, 2);
  std::set<std::string> rejected;
  for (const auto& [id, why] : r.rejected) {
    rejected.insert(id);
    EXPECT_FALSE(why.empty());
  }
  EXPECT_EQ(rejected,
            (std::set<std::string>{"", "foreign", "future", "mismatch", "reason", "garbled"}));
  std::vector<OfflineEvent> too_many(1001, events[0]);
  auto refused = offline_->Upload("ctl-a", too_many);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().field, "events");
}

}  // namespace
}  // namespace fg::access
