// A directory over real SQLite :memory:, a manual clock and a real audit log.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include "audit/audit.h"
#include "core/clock.h"
#include "core/event_bus.h"
#include "directory/directory.h"
#include "store/store.h"

namespace fg::directory {

class DirectoryFixture : public ::testing::Test {
 protected:
  // 2027-01-15T06:00:00Z
  static constexpr int64_t kStartMicros = 1'799'992'800'000'000;

  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("fg_directory_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    OpenAt(":memory:");
  }
  void TearDown() override {
    directory_.reset();
    log_.reset();
    db_.reset();
    std::filesystem::remove_all(dir_);
  }

  void OpenAt(const std::string& path, store::Durability durability = store::Durability::kNormal) {
    directory_.reset();
    log_.reset();
    db_.reset();
    auto db = store::Database::Open({.path = path, .durability = durability});
    ASSERT_TRUE(db) << db.error().ToString();
    db_ = std::move(*db);
    ASSERT_TRUE(db_->Migrate("audit", audit::Log::Migrations()));
    ASSERT_TRUE(db_->Migrate("directory", Directory::Migrations()));
    auto signer = audit::Signer::LoadOrCreate(dir_);
    ASSERT_TRUE(signer) << signer.error().ToString();
    log_ = std::make_unique<audit::Log>(*db_, clock_, bus_, std::move(*signer));
    directory_ = std::make_unique<Directory>(*db_, *log_, clock_);
  }

  int64_t AuditCount() {
    auto seq = log_->LastSeq();
    EXPECT_TRUE(seq);
    return seq ? *seq : -1;
  }
  audit::Entry LastAudit() {
    auto entries = log_->List({.limit = 1});
    EXPECT_TRUE(entries && !entries->empty());
    return entries && !entries->empty() ? entries->front() : audit::Entry{};
  }

  Person Employee(const std::string& number, const std::string& name = "Ada Byron") {
    auto p = directory_->CreatePerson(
        {.kind = PersonKind::kEmployee, .employee_number = number, .name = name}, "user:test");
    EXPECT_TRUE(p) << p.error().ToString();
    return p ? *p : Person{};
  }
  Person Visitor(const std::string& name = "Vera Visitor") {
    auto p = directory_->CreatePerson({.kind = PersonKind::kVisitor, .name = name}, "user:test");
    EXPECT_TRUE(p) << p.error().ToString();
    return p ? *p : Person{};
  }
  Campaign MakeCampaign(const std::string& code = "ACME-CARE") {
    auto c = directory_->CreateCampaign({.code = code, .name = "Acme care", .client = "Acme"},
                                        "user:test");
    EXPECT_TRUE(c) << c.error().ToString();
    return c ? *c : Campaign{};
  }
  Site MakeSite(const std::string& name = "Main") {
    auto s = directory_->CreateSite({.name = name, .timezone = "Europe/Lisbon"}, "user:test");
    EXPECT_TRUE(s) << s.error().ToString();
    return s ? *s : Site{};
  }
  Zone MakeZone(int64_t site_id, const std::string& name,
                std::optional<int64_t> parent_id = std::nullopt,
                std::optional<int64_t> campaign_id = std::nullopt) {
    auto z = directory_->CreateZone({.site_id = site_id,
                                     .name = name,
                                     .classification = ZoneClassification::kStaff,
                                     .parent_id = parent_id,
                                     .campaign_id = campaign_id},
                                    "user:test");
    EXPECT_TRUE(z) << z.error().ToString();
    return z ? *z : Zone{};
  }
  Station MakeStation(const std::string& workstation_id, int64_t zone_id,
                      std::optional<int64_t> campaign_id = std::nullopt) {
    auto s = directory_->CreateStation(
        {.workstation_id = workstation_id, .zone_id = zone_id, .campaign_id = campaign_id},
        "user:test");
    EXPECT_TRUE(s) << s.error().ToString();
    return s ? *s : Station{};
  }

  std::filesystem::path dir_;
  core::ManualClock clock_{core::FromUnixMicros(kStartMicros)};
  core::EventBus bus_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<audit::Log> log_;
  std::unique_ptr<Directory> directory_;
};

// The error of a failed Result, for EXPECT_EQ on code and field.
template <typename T>
Error ErrorOf(const Result<T>& result) {
  EXPECT_FALSE(result) << "expected an error";
  return result ? Error{ErrorCode::kInternal, "no error", ""} : result.error();
}

}  // namespace fg::directory
