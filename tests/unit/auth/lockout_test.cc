// PCI DSS 8.3.4: repeated failed logins lock the account for a while or until an admin acts.
#include <gtest/gtest.h>

#include "fixture.h"

namespace fg::auth {
namespace {

using std::chrono::minutes;

class AuthLockout : public AuthFixture {
 protected:
  void Fail(const std::string& name, int times) {
    for (int i = 0; i < times; ++i) {
      ASSERT_FALSE(auth_->LogIn(name, "not the password at all", "192.0.2.10"));
    }
  }
};

TEST_F(AuthLockout, AccountLocksAfterSixFailuresEvenForTheRightPassword) {
  User bob = MakeUser("bob");
  Fail("bob", 5);
  EXPECT_FALSE(auth_->LockedUntil(bob.id)->has_value());
  Fail("bob", 1);
  EXPECT_TRUE(auth_->LockedUntil(bob.id)->has_value());
  auto refused = auth_->LogIn("bob", kGoodPassword, "192.0.2.10");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(AuditEntries("user.locked").size(), 1u);
  bool saw_locked_reason = false;
  for (const auto& e : AuditEntries("session.login.denied")) {
    saw_locked_reason = saw_locked_reason || e.details.find("\"locked\"") != std::string::npos;
  }
  EXPECT_TRUE(saw_locked_reason);
}

TEST_F(AuthLockout, LockEndsAfterThirtyMinutes) {
  MakeUser("bob");
  Fail("bob", 6);
  clock_.Advance(minutes(29));
  EXPECT_FALSE(auth_->LogIn("bob", kGoodPassword, "192.0.2.10"));
  clock_.Advance(minutes(2));
  EXPECT_TRUE(auth_->LogIn("bob", kGoodPassword, "192.0.2.10"));
}

TEST_F(AuthLockout, FailuresOutsideTheWindowDoNotAddUp) {
  User bob = MakeUser("bob");
  Fail("bob", 5);
  clock_.Advance(minutes(16));
  Fail("bob", 5);
  EXPECT_FALSE(auth_->LockedUntil(bob.id)->has_value());
  EXPECT_TRUE(auth_->LogIn("bob", kGoodPassword, "192.0.2.10"));
}

TEST_F(AuthLockout, SuccessfulLoginResetsTheCount) {
  User bob = MakeUser("bob");
  Fail("bob", 5);
  ASSERT_TRUE(auth_->LogIn("bob", kGoodPassword, "192.0.2.10"));
  Fail("bob", 5);
  EXPECT_FALSE(auth_->LockedUntil(bob.id)->has_value());
}

TEST_F(AuthLockout, AdminUnlockAndPasswordResetLiftTheLock) {
  User bob = MakeUser("bob");
  Fail("bob", 6);
  ASSERT_TRUE(auth_->Unlock("user:admin", bob.id));
  EXPECT_TRUE(auth_->LogIn("bob", kGoodPassword, "192.0.2.10"));
  EXPECT_EQ(AuditEntries("user.unlock").size(), 1u);
  Fail("bob", 6);
  ASSERT_TRUE(auth_->ResetPassword("user:admin", bob.id));
  EXPECT_FALSE(auth_->LockedUntil(bob.id)->has_value());
}

}  // namespace
}  // namespace fg::auth
