// Identity over real SQLite :memory:, a manual clock, a real audit log and a real directory
// (with a bus, so terminations reach identity). Argon2 runs with libsodium's smallest
// parameters so the suite stays fast.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "audit/audit.h"
#include "auth/secret_box.h"
#include "core/clock.h"
#include "core/event_bus.h"
#include "directory/directory.h"
#include "identity/identity.h"
#include "logs/auth_event.h"
#include "store/store.h"

namespace fg::identity {

inline constexpr auth::PasswordParams kFastParams{.iterations = 1, .memory_bytes = 8192};
inline constexpr const char* kPassword = "violet kettle harbour 42";
inline constexpr const char* kOtherPassword = "seven amber lanterns drift";

class IdentityFixture : public ::testing::Test {
 protected:
  // 2027-01-15T06:00:00Z
  static constexpr int64_t kStartMicros = 1'799'992'800'000'000;

  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("fg_identity_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto db = store::Database::Open({.path = ":memory:", .durability = store::Durability::kNormal});
    ASSERT_TRUE(db) << db.error().ToString();
    db_ = std::move(*db);
    ASSERT_TRUE(db_->Migrate("audit", audit::Log::Migrations()));
    ASSERT_TRUE(db_->Migrate("directory", directory::Directory::Migrations()));
    ASSERT_TRUE(db_->Migrate("identity", Identity::Migrations()));
    auto signer = audit::Signer::LoadOrCreate(dir_);
    ASSERT_TRUE(signer) << signer.error().ToString();
    log_ = std::make_unique<audit::Log>(*db_, clock_, bus_, std::move(*signer));
    directory_ = std::make_unique<directory::Directory>(*db_, *log_, clock_, &bus_);
    auth_events_ =
        bus_.Subscribe<logs::AuthEvent>([this](const logs::AuthEvent& e) { events_.push_back(e); });
    session_events_ = bus_.Subscribe<SessionChanged>(
        [this](const SessionChanged& e) { session_changes_.push_back(e); });
    MakeIdentity({});
    SeedPlaces();
  }
  void TearDown() override {
    identity_.reset();
    directory_.reset();
    log_.reset();
    db_.reset();
    std::filesystem::remove_all(dir_);
  }

  void MakeIdentity(Options options, bool fast = true) {
    if (fast) options.password = kFastParams;
    identity_.reset();
    identity_ =
        std::make_unique<Identity>(*db_, *log_, *directory_, clock_, bus_, options, nullptr, &box_);
  }

  // A site with a floor zone for campaign ACME (station WS-1, WS-2) and a lobby zone without
  // a campaign (station LOBBY-1).
  void SeedPlaces() {
    auto campaign = directory_->CreateCampaign({.code = "ACME", .name = "Acme care"}, "user:t");
    ASSERT_TRUE(campaign) << campaign.error().ToString();
    campaign_ = campaign->id;
    auto site = directory_->CreateSite({.name = "Main", .timezone = "UTC"}, "user:t");
    ASSERT_TRUE(site) << site.error().ToString();
    auto floor = directory_->CreateZone(
        {.site_id = site->id, .name = "Floor 1", .campaign_id = campaign_}, "user:t");
    ASSERT_TRUE(floor) << floor.error().ToString();
    floor_ = floor->id;
    auto lobby = directory_->CreateZone({.site_id = site->id, .name = "Lobby"}, "user:t");
    ASSERT_TRUE(lobby) << lobby.error().ToString();
    lobby_ = lobby->id;
    ws1_ = MakeStation("WS-1", floor_);
    ws2_ = MakeStation("WS-2", floor_);
    lobby1_ = MakeStation("LOBBY-1", lobby_);
  }

  int64_t MakeStation(const std::string& name, int64_t zone) {
    auto s = directory_->CreateStation({.workstation_id = name, .zone_id = zone}, "user:t");
    EXPECT_TRUE(s) << s.error().ToString();
    return s ? s->id : 0;
  }

  int64_t MakePerson(const std::string& number, const std::string& name = "Ada Byron",
                     directory::PersonKind kind = directory::PersonKind::kEmployee) {
    directory::PersonInput in{.kind = kind, .name = name};
    if (kind == directory::PersonKind::kEmployee) in.employee_number = number;
    auto p = directory_->CreatePerson(in, "user:t");
    EXPECT_TRUE(p) << p.error().ToString();
    return p ? p->id : 0;
  }

  void Train(int64_t person, std::string completed = "2026-06-01",
             std::optional<std::string> expires = std::nullopt) {
    auto t = directory_->CreateTraining({.person_id = person,
                                         .campaign_id = campaign_,
                                         .completed_on = completed,
                                         .expires_on = expires},
                                        "user:t");
    ASSERT_TRUE(t) << t.error().ToString();
  }

  // An account with a password of its own (must_change_password cleared).
  Account MakeAccount(int64_t person, const std::string& username,
                      const std::string& password = kPassword) {
    auto created =
        identity_->CreateAccount("user:admin", person, username, std::string(kOtherPassword) + "!");
    EXPECT_TRUE(created) << created.error().ToString();
    if (!created) return {};
    auto changed =
        identity_->ChangePassword(created->account.id, std::string(kOtherPassword) + "!", password);
    EXPECT_TRUE(changed) << changed.error().ToString();
    auto account = identity_->GetAccount(created->account.id);
    return account ? *account : Account{};
  }

  // A trained employee with an account "ada", present on the floor.
  Account Agent(const std::string& username = "ada", const std::string& number = "E1") {
    int64_t person = MakePerson(number, username == "ada" ? "Ada Byron" : "Grace Hopper");
    Train(person);
    EXPECT_TRUE(identity_->ReportPresence("device:door", person, floor_, true));
    return MakeAccount(person, username);
  }

  LogonDecision Decide(int64_t station, const std::string& username,
                       const std::string& password = kPassword, const std::string& totp = "",
                       const std::string& address = "10.0.0.5") {
    auto d = identity_->Decide({.station_id = station,
                                .username = username,
                                .password = password,
                                .totp = totp,
                                .source_address = address});
    EXPECT_TRUE(d) << d.error().ToString();
    return d ? *d : LogonDecision{};
  }

  std::vector<audit::Entry> AuditEntries(const std::string& action = "") {
    auto entries = log_->List({.action = action, .limit = 10000});
    EXPECT_TRUE(entries);
    return entries ? *entries : std::vector<audit::Entry>{};
  }

  std::filesystem::path dir_;
  core::ManualClock clock_{core::FromUnixMicros(kStartMicros)};
  core::EventBus bus_;
  auth::SecretBox box_ = auth::SecretBox::Ephemeral();
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<audit::Log> log_;
  std::unique_ptr<directory::Directory> directory_;
  std::unique_ptr<Identity> identity_;
  std::vector<logs::AuthEvent> events_;
  std::vector<SessionChanged> session_changes_;
  core::Subscription auth_events_;
  core::Subscription session_events_;
  int64_t campaign_ = 0, floor_ = 0, lobby_ = 0, ws1_ = 0, ws2_ = 0, lobby1_ = 0;
};

}  // namespace fg::identity
