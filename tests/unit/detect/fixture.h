// Helpers for the detect tests: events at the manual clock's now, a store with the audit log
// and the alerts table, and a recording Responder.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "audit/audit.h"
#include "core/clock.h"
#include "core/event_bus.h"
#include "detect/alerts.h"
#include "detect/defender.h"
#include "logs/auth_event.h"
#include "store/store.h"

namespace fg::detect {

// 2027-01-15T06:00:00Z
inline constexpr int64_t kStartMicros = 1'799'992'800'000'000;

inline logs::AuthEvent Event(core::WallTime time, logs::AuthOutcome outcome, std::string username,
                             std::string address, std::string station = {}) {
  logs::AuthEvent e;
  e.time = time;
  e.origin = logs::AuthOrigin::kSshd;
  e.outcome = outcome;
  e.username = std::move(username);
  e.source_address = std::move(address);
  e.station = std::move(station);
  if (outcome == logs::AuthOutcome::kFailure) e.reason = "bad_password";
  return e;
}

inline int CountRule(const std::vector<Finding>& findings, std::string_view rule) {
  int n = 0;
  for (const auto& f : findings) n += f.rule == rule;
  return n;
}

inline const Finding* FindRule(const std::vector<Finding>& findings, std::string_view rule) {
  for (const auto& f : findings) {
    if (f.rule == rule) return &f;
  }
  return nullptr;
}

class StoreFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("fg_detect_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto db = store::Database::Open({.path = ":memory:", .durability = store::Durability::kNormal});
    ASSERT_TRUE(db) << db.error().ToString();
    db_ = std::move(*db);
    ASSERT_TRUE(db_->Migrate("audit", audit::Log::Migrations()));
    ASSERT_TRUE(db_->Migrate("detect", Alerts::Migrations()));
    auto signer = audit::Signer::LoadOrCreate(dir_);
    ASSERT_TRUE(signer) << signer.error().ToString();
    log_ = std::make_unique<audit::Log>(*db_, clock_, bus_, std::move(*signer));
    alerts_ = std::make_unique<Alerts>(*db_, *log_, clock_, bus_);
  }
  void TearDown() override {
    alerts_.reset();
    log_.reset();
    db_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::vector<audit::Entry> AuditEntries(const std::string& action_prefix) {
    auto entries = log_->List({.action = action_prefix, .limit = 100});
    EXPECT_TRUE(entries) << entries.error().ToString();
    return entries ? *entries : std::vector<audit::Entry>{};
  }

  std::filesystem::path dir_;
  core::ManualClock clock_{core::FromUnixMicros(kStartMicros)};
  core::EventBus bus_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<audit::Log> log_;
  std::unique_ptr<Alerts> alerts_;
};

// Records every call; fails the kinds named in fail_.
class RecordingResponder : public Responder {
 public:
  struct Call {
    std::string kind;
    std::string target;
    std::optional<core::WallTime> until;
    std::string reason;
  };

  Result<void> LockAccount(std::string_view username, std::optional<core::WallTime> until,
                           std::string_view reason) override {
    return Record("lock", username, until, reason);
  }
  Result<void> BanSource(std::string_view source_key, core::WallTime until,
                         std::string_view reason) override {
    return Record("ban", source_key, until, reason);
  }
  Result<void> EndSessions(std::string_view username, std::string_view reason) override {
    return Record("end_sessions", username, std::nullopt, reason);
  }

  std::vector<Call> calls() {
    std::lock_guard lock(mu_);
    return calls_;
  }
  std::vector<std::string> fail_;

 private:
  Result<void> Record(std::string kind, std::string_view target,
                      std::optional<core::WallTime> until, std::string_view reason) {
    std::lock_guard lock(mu_);
    calls_.push_back({kind, std::string(target), until, std::string(reason)});
    for (const auto& f : fail_) {
      if (f == kind) return MakeError(ErrorCode::kNotFound, "no such account in identity");
    }
    return {};
  }
  std::mutex mu_;
  std::vector<Call> calls_;
};

}  // namespace fg::detect
