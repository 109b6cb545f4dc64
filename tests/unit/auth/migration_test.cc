#include <gtest/gtest.h>

#include "auth/auth.h"

namespace fg::auth {
namespace {

// Migration 2 rebuilds auth_tokens to admit the monitor role; tokens issued before it must
// survive with their ids and secrets.
TEST(AuthMigration, MonitorRoleMigrationKeepsExistingTokens) {
  auto db = store::Database::Open({.path = ":memory:"});
  ASSERT_TRUE(db);
  ASSERT_TRUE((*db)->Migrate("auth", Auth::Migrations().subspan(0, 1)));
  ASSERT_TRUE((*db)->Write([](store::Connection& c) {
    return c
        .Exec(
            "INSERT INTO auth_tokens(id, name, role, secret_hash, created_at, created_by) "
            "VALUES (7, 'door-1', 'door-controller', x'0102', 1, 'user:admin')")
        .transform([](int64_t) {});
  }));
  auto monitor_before = (*db)->Write([](store::Connection& c) {
    return c
        .Exec(
            "INSERT INTO auth_tokens(name, role, secret_hash, created_at, created_by) "
            "VALUES ('prom', 'monitor', x'0304', 1, 'user:admin')")
        .transform([](int64_t) {});
  });
  EXPECT_FALSE(monitor_before);

  ASSERT_TRUE((*db)->Migrate("auth", Auth::Migrations()));
  EXPECT_EQ(*(*db)->SchemaVersion("auth"), static_cast<int>(Auth::Migrations().size()));
  std::string name;
  ASSERT_TRUE((*db)->Read([&](store::Connection& c) {
    return c.Exec("SELECT name FROM auth_tokens WHERE id = 7", {},
                  [&](const store::Row& r) { name = r.Text(0); });
  }));
  EXPECT_EQ(name, "door-1");
  EXPECT_TRUE((*db)->Write([](store::Connection& c) {
    return c
        .Exec(
            "INSERT INTO auth_tokens(name, role, secret_hash, created_at, created_by) "
            "VALUES ('prom', 'monitor', x'0304', 1, 'user:admin')")
        .transform([](int64_t) {});
  }));
}

TEST(AuthMigration, MonitorIsADeviceRole) {
  ASSERT_EQ(ParseRole("monitor"), Role::kMonitor);
  EXPECT_TRUE(IsDeviceRole(Role::kMonitor));
  EXPECT_EQ(RoleName(Role::kMonitor), "monitor");
}

}  // namespace
}  // namespace fg::auth
