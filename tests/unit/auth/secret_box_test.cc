#include "auth/secret_box.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace fg::auth {
namespace {

class SecretBoxFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("fg_secret_box_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST(SecretBox, SealedTextOpensUnderTheSameContext) {
  SecretBox box = SecretBox::Ephemeral();
  auto sealed = box.Seal("JBSWY3DPEHPK3PXP", "totp:user:7");
  ASSERT_TRUE(sealed) << sealed.error().ToString();
  EXPECT_EQ(sealed->find("JBSWY3DPEHPK3PXP"), std::string::npos);
  auto opened = box.Open(*sealed, "totp:user:7");
  ASSERT_TRUE(opened) << opened.error().ToString();
  EXPECT_EQ(*opened, "JBSWY3DPEHPK3PXP");
}

TEST(SecretBox, SealingTwiceGivesDifferentTexts) {
  SecretBox box = SecretBox::Ephemeral();
  auto a = box.Seal("same", "ctx");
  auto b = box.Seal("same", "ctx");
  ASSERT_TRUE(a && b);
  EXPECT_NE(*a, *b);  // random nonce
}

TEST(SecretBox, AlteredTextDoesNotOpen) {
  SecretBox box = SecretBox::Ephemeral();
  auto sealed = box.Seal("JBSWY3DPEHPK3PXP", "ctx");
  ASSERT_TRUE(sealed);
  for (size_t i = 0; i < sealed->size(); i += 7) {
    std::string altered = *sealed;
    altered[i] = altered[i] == 'A' ? 'B' : 'A';
    auto opened = box.Open(altered, "ctx");
    EXPECT_FALSE(opened && *opened == "JBSWY3DPEHPK3PXP") << i;
  }
  EXPECT_FALSE(box.Open(sealed->substr(0, sealed->size() - 4), "ctx"));
  EXPECT_FALSE(box.Open("", "ctx"));
  EXPECT_FALSE(box.Open("not base64 at all!", "ctx"));
  auto bad = box.Open("AAAA", "ctx");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
}

TEST(SecretBox, ContextIsBoundSoACopiedValueDoesNotOpen) {
  SecretBox box = SecretBox::Ephemeral();
  auto sealed = box.Seal("JBSWY3DPEHPK3PXP", "totp:user:7");
  ASSERT_TRUE(sealed);
  EXPECT_FALSE(box.Open(*sealed, "totp:user:8"));
  EXPECT_FALSE(box.Open(*sealed, ""));
}

TEST(SecretBox, AnotherKeyDoesNotOpen) {
  auto sealed = SecretBox::Ephemeral().Seal("JBSWY3DPEHPK3PXP", "ctx");
  ASSERT_TRUE(sealed);
  EXPECT_FALSE(SecretBox::Ephemeral().Open(*sealed, "ctx"));
}

TEST_F(SecretBoxFile, KeyFileIsCreatedOwnerOnlyAndReusedOnReopen) {
  auto path = dir_ / "secrets.key";
  auto first = SecretBox::OpenOrCreate(path);
  ASSERT_TRUE(first) << first.error().ToString();
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(st.st_size, 32);
  auto sealed = first->Seal("seed", "ctx");
  ASSERT_TRUE(sealed);
  auto second = SecretBox::OpenOrCreate(path);
  ASSERT_TRUE(second) << second.error().ToString();
  auto opened = second->Open(*sealed, "ctx");
  ASSERT_TRUE(opened);
  EXPECT_EQ(*opened, "seed");
  // No temporary file is left behind.
  size_t files = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir_)) ++files;
  EXPECT_EQ(files, 1u);
}

TEST_F(SecretBoxFile, RefusesAKeyFileReadableByGroupOrOthers) {
  auto path = dir_ / "secrets.key";
  ASSERT_TRUE(SecretBox::OpenOrCreate(path));
  for (mode_t mode : {0640, 0604, 0660}) {
    ASSERT_EQ(::chmod(path.c_str(), mode), 0);
    auto box = SecretBox::OpenOrCreate(path);
    ASSERT_FALSE(box) << std::oct << mode;
    EXPECT_EQ(box.error().code, ErrorCode::kFailedPrecondition);
    EXPECT_NE(box.error().message.find("chmod 600"), std::string::npos);
  }
}

TEST_F(SecretBoxFile, RefusesAKeyFileOfTheWrongSize) {
  auto path = dir_ / "secrets.key";
  {
    std::ofstream out(path);
    out << "too short";
  }
  ASSERT_EQ(::chmod(path.c_str(), 0600), 0);
  auto box = SecretBox::OpenOrCreate(path);
  ASSERT_FALSE(box);
  EXPECT_EQ(box.error().code, ErrorCode::kFailedPrecondition);
  // The bad file is left alone for the operator to look at, never replaced.
  EXPECT_EQ(std::filesystem::file_size(path), 9u);
}

TEST_F(SecretBoxFile, MissingDirectoryIsAnErrorNotACrash) {
  auto box = SecretBox::OpenOrCreate(dir_ / "no" / "such" / "secrets.key");
  ASSERT_FALSE(box);
  EXPECT_EQ(box.error().code, ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace fg::auth
