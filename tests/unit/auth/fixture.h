// Auth over real SQLite :memory:, a manual clock and a real audit log. Argon2 runs with
// libsodium's smallest parameters here so the suite stays fast; one test checks the
// production defaults.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "audit/audit.h"
#include "auth/auth.h"
#include "core/clock.h"
#include "core/event_bus.h"
#include "store/store.h"

namespace fg::auth {

inline constexpr PasswordParams kFastParams{.iterations = 1, .memory_bytes = 8192};
inline constexpr const char* kGoodPassword = "violet kettle harbour 42";
inline constexpr const char* kOtherPassword = "seven amber lanterns drift";

class AuthFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("fg_auth_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto db = store::Database::Open({.path = ":memory:", .durability = store::Durability::kNormal});
    ASSERT_TRUE(db) << db.error().ToString();
    db_ = std::move(*db);
    ASSERT_TRUE(db_->Migrate("audit", audit::Log::Migrations()));
    ASSERT_TRUE(db_->Migrate("auth", Auth::Migrations()));
    auto signer = audit::Signer::LoadOrCreate(dir_);
    ASSERT_TRUE(signer) << signer.error().ToString();
    log_ = std::make_unique<audit::Log>(*db_, clock_, bus_, std::move(*signer));
    MakeAuth({});
  }
  void TearDown() override {
    auth_.reset();
    log_.reset();
    db_.reset();
    std::filesystem::remove_all(dir_);
  }

  // Replaces auth_ (same database) with one built from `options`; fast params unless set.
  void MakeAuth(Options options, bool fast = true) {
    if (fast) options.password = kFastParams;
    auth_ = std::make_unique<Auth>(*db_, *log_, clock_, options);
  }

  // A console user with a password it chose (must_change_password cleared).
  User MakeUser(const std::string& name, Role role = Role::kSecurity,
                const std::string& password = kGoodPassword) {
    auto created = auth_->CreateUser("user:admin", name, role, std::string(kOtherPassword) + "!");
    EXPECT_TRUE(created) << created.error().ToString();
    if (!created) return {};
    auto changed =
        auth_->ChangePassword(created->user.id, std::string(kOtherPassword) + "!", password);
    EXPECT_TRUE(changed) << changed.error().ToString();
    auto user = auth_->GetUser(created->user.id);
    return user ? *user : User{};
  }

  Auth::Login MustLogIn(const std::string& name, const std::string& password = kGoodPassword) {
    auto login = auth_->LogIn(name, password, "192.0.2.10");
    EXPECT_TRUE(login) << login.error().ToString();
    return login ? *login : Auth::Login{};
  }

  std::vector<audit::Entry> AuditEntries(const std::string& action = "") {
    auto entries = log_->List({.action = action, .limit = 10000});
    EXPECT_TRUE(entries);
    return entries ? *entries : std::vector<audit::Entry>{};
  }

  // Every column of every row of every table, as bytes: for "this secret is stored nowhere".
  std::vector<std::string> AllStoredValues() {
    std::vector<std::string> values;
    auto read = db_->Read([&](store::Connection& c) -> Result<void> {
      std::vector<std::string> tables;
      FG_RETURN_IF_ERROR(c.Exec("SELECT name FROM sqlite_master WHERE type = 'table'", {},
                                [&](const store::Row& row) { tables.push_back(row.Text(0)); }));
      for (const std::string& table : tables) {
        std::vector<std::string> columns;
        FG_RETURN_IF_ERROR(c.Exec("SELECT name FROM pragma_table_info(?)", {table},
                                  [&](const store::Row& row) { columns.push_back(row.Text(0)); }));
        for (const std::string& column : columns) {
          FG_RETURN_IF_ERROR(
              c.Exec("SELECT CAST(\"" + column + "\" AS BLOB) FROM \"" + table + "\"", {},
                     [&](const store::Row& row) {
                       if (!row.IsNull(0)) values.push_back(row.Blob(0));
                     }));
        }
      }
      return {};
    });
    EXPECT_TRUE(read) << read.error().ToString();
    return values;
  }

  bool StoredAnywhere(const std::string& needle) {
    for (const std::string& value : AllStoredValues()) {
      if (value.find(needle) != std::string::npos) return true;
    }
    return false;
  }

  // Waits for queued async writes: a synchronous write runs after them.
  void DrainWrites() {
    ASSERT_TRUE(db_->Write([](store::Connection&) -> Result<void> { return {}; }));
  }

  std::filesystem::path dir_;
  core::ManualClock clock_{core::FromUnixMicros(1'800'000'000'000'000)};
  core::EventBus bus_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<audit::Log> log_;
  std::unique_ptr<Auth> auth_;
};

}  // namespace fg::auth
