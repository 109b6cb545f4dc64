// Access control over real SQLite :memory:, a real directory and audit log, a manual clock.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include "access/access.h"
#include "audit/audit.h"
#include "core/clock.h"
#include "core/event_bus.h"
#include "directory/directory.h"
#include "store/store.h"

namespace fg::access {

using directory::PersonKind;
using directory::PersonStatus;
using directory::ZoneClassification;

class AccessFixture : public ::testing::Test {
 protected:
  // 2027-01-15T06:00:00Z
  static constexpr int64_t kStartMicros = 1'799'992'800'000'000;

  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("fg_access_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto db = store::Database::Open({.path = ":memory:", .durability = store::Durability::kNormal});
    ASSERT_TRUE(db) << db.error().ToString();
    db_ = std::move(*db);
    ASSERT_TRUE(db_->Migrate("audit", audit::Log::Migrations()));
    ASSERT_TRUE(db_->Migrate("directory", directory::Directory::Migrations()));
    ASSERT_TRUE(db_->Migrate("access", AccessControl::Migrations()));
    auto signer = audit::Signer::LoadOrCreate(dir_);
    ASSERT_TRUE(signer) << signer.error().ToString();
    log_ = std::make_unique<audit::Log>(*db_, clock_, bus_, std::move(*signer));
    directory_ = std::make_unique<directory::Directory>(*db_, *log_, clock_, &bus_);
    access_ = std::make_unique<AccessControl>(*db_, *log_, *directory_, clock_, &bus_);
    ASSERT_TRUE(access_->Start());

    auto site = directory_->CreateSite({.name = "Main", .timezone = "UTC"}, "user:test");
    ASSERT_TRUE(site) << site.error().ToString();
    site_id_ = site->id;
    lobby_ = Zone("Lobby", ZoneClassification::kPublic);
    floor_ = Zone("Floor", ZoneClassification::kStaff);
  }
  void TearDown() override {
    access_.reset();
    directory_.reset();
    log_.reset();
    db_.reset();
    std::filesystem::remove_all(dir_);
  }

  int64_t Zone(const std::string& name, ZoneClassification classification,
               std::optional<int64_t> campaign_id = std::nullopt) {
    auto z = directory_->CreateZone({.site_id = site_id_,
                                     .name = name,
                                     .classification = classification,
                                     .campaign_id = campaign_id},
                                    "user:test");
    EXPECT_TRUE(z) << z.error().ToString();
    return z ? z->id : 0;
  }
  int64_t Person(PersonKind kind, PersonStatus status = PersonStatus::kActive) {
    static int counter = 0;
    ++counter;
    directory::PersonInput input{
        .kind = kind, .name = "Person " + std::to_string(counter), .status = status};
    if (kind == PersonKind::kEmployee) input.employee_number = "E" + std::to_string(counter);
    auto p = directory_->CreatePerson(input, "user:test");
    EXPECT_TRUE(p) << p.error().ToString();
    return p ? p->id : 0;
  }
  // A badge "w26:1:<card>" for the person.
  std::string Badge(int64_t person_id, int card, BadgeInput extra = {}) {
    extra.credential = "w26:1:" + std::to_string(card);
    extra.person_id = person_id;
    auto b = access_->CreateBadge(extra, "user:test");
    EXPECT_TRUE(b) << b.error().ToString();
    return extra.credential;
  }
  // A door from -> to with readers "<name>-in" and "<name>-out".
  int64_t Door(const std::string& name, int64_t from, int64_t to) {
    auto d = access_->CreateDoor({.name = name,
                                  .from_zone_id = from,
                                  .to_zone_id = to,
                                  .entry_reader_id = name + "-in",
                                  .exit_reader_id = name + "-out"},
                                 "user:test");
    EXPECT_TRUE(d) << d.error().ToString();
    return d ? d->id : 0;
  }
  Decision Decide(const std::string& reader, const std::string& credential) {
    auto d = access_->Decide({.reader_id = reader, .credential = credential});
    EXPECT_TRUE(d) << d.error().ToString();
    return d ? *d : Decision{};
  }
  core::WallTime Now() const { return clock_.WallNow(); }

  std::filesystem::path dir_;
  core::ManualClock clock_{core::FromUnixMicros(kStartMicros)};
  core::EventBus bus_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<audit::Log> log_;
  std::unique_ptr<directory::Directory> directory_;
  std::unique_ptr<AccessControl> access_;
  int64_t site_id_ = 0;
  int64_t lobby_ = 0;
  int64_t floor_ = 0;
};

}  // namespace fg::access
