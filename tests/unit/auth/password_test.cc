#include "auth/password.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace fg::auth {
namespace {

constexpr PasswordParams kFast{.iterations = 1, .memory_bytes = 8192};

std::string Reason(std::string_view password, std::string_view username = "alice") {
  auto r = CheckPasswordPolicy(password, username);
  return r ? "" : r.error().message;
}

TEST(AuthPasswordPolicy, AcceptsALongPassphraseWithoutCompositionRules) {
  EXPECT_TRUE(CheckPasswordPolicy("violet kettle harbour", "alice"));
  EXPECT_TRUE(CheckPasswordPolicy("alllowercaseletters", "alice"));
}

TEST(AuthPasswordPolicy, RejectsFewerThanTwelveCharacters) {
  EXPECT_NE(Reason("Xq7#mZ2!pL9").find("at least 12"), std::string::npos);
  EXPECT_EQ(Reason("Xq7#mZ2!pL9w"), "");
}

TEST(AuthPasswordPolicy, CountsCodePointsNotBytes) {
  // 11 two-byte characters: 22 bytes, still too short.
  EXPECT_NE(Reason("éàüöäßçñøåæ").find("at least 12"), std::string::npos);
  EXPECT_EQ(Reason("éàüöäßçñøåæ€"), "");
  // 128 three-byte characters (384 bytes) are within the limit.
  std::string cjk;
  for (int i = 0; i < 128; ++i) {
    uint32_t cp = 0x4E00 + static_cast<uint32_t>(i) * 37;
    cjk += static_cast<char>(0xE0 | (cp >> 12));
    cjk += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    cjk += static_cast<char>(0x80 | (cp & 0x3F));
  }
  ASSERT_EQ(cjk.size(), 384u);
  EXPECT_EQ(Reason(cjk), "");
  EXPECT_NE(Reason(cjk + "x").find("at most 128"), std::string::npos);
}

TEST(AuthPasswordPolicy, RejectsMoreThan128Characters) {
  std::string text;
  for (int i = 0; i < 43; ++i) text += "ab" + std::to_string(i % 10);
  ASSERT_EQ(text.size(), 129u);
  EXPECT_NE(Reason(text).find("at most 128"), std::string::npos);
  EXPECT_EQ(Reason(text.substr(0, 128)), "");
}

TEST(AuthPasswordPolicy, RejectsPasswordContainingTheUsernameIgnoringCase) {
  EXPECT_NE(Reason("my-ALICE-harbour-kettle", "alice").find("username"), std::string::npos);
  EXPECT_EQ(Reason("my-bob-harbour-kettle", "alice"), "");
}

TEST(AuthPasswordPolicy, RejectsCommonPasswords) {
  for (const char* common : {"password1234", "Qwerty123456", "1q2w3e4r5t6y", "iloveyou1234"}) {
    EXPECT_NE(Reason(common, "zed").find("commonly used"), std::string::npos) << common;
  }
}

TEST(AuthPasswordPolicy, RejectsCommonWordsDressedWithDigitsSymbolsAndSwaps) {
  for (const char* common : {"P@ssw0rd2024!", "Summer2025!!!", "!!Welcome12345",
                             "passwordPassword1", "Floorguard2026#"}) {
    EXPECT_NE(Reason(common, "zed").find("commonly used"), std::string::npos) << common;
  }
}

TEST(AuthPasswordPolicy, RejectsARepeatedPattern) {
  EXPECT_NE(Reason("aaaaaaaaaaaaaaa").find("repeated"), std::string::npos);
  EXPECT_NE(Reason("xk3xk3xk3xk3").find("repeated"), std::string::npos);
}

TEST(AuthPasswordPolicy, RejectsASimpleSequence) {
  EXPECT_NE(Reason("abcdefghijklmn").find("sequence"), std::string::npos);
  EXPECT_NE(Reason("8901234567890").find("sequence"), std::string::npos);
  EXPECT_NE(Reason("987654321098").find("sequence"), std::string::npos);
}

TEST(AuthPasswordPolicy, RejectsInvalidUtf8AndControlCharacters) {
  EXPECT_NE(Reason("valid-prefix-\xff\xfe-then").find("UTF-8"), std::string::npos);
  EXPECT_NE(Reason("overlong-\xc0\xaf-slash-x").find("UTF-8"), std::string::npos);
  EXPECT_NE(Reason(std::string("tab\there-is-long", 16)).find("control"), std::string::npos);
}

TEST(AuthPasswordPolicy, ErrorsAreInvalidArgumentOnThePasswordField) {
  auto r = CheckPasswordPolicy("short", "alice");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.error().field, "password");
}

TEST(AuthPasswordHash, VerifiesTheRightPasswordOnly) {
  auto hash = HashPassword("violet kettle harbour", kFast);
  ASSERT_TRUE(hash);
  EXPECT_TRUE(hash->starts_with("$argon2id$"));
  EXPECT_TRUE(VerifyPassword(*hash, "violet kettle harbour"));
  EXPECT_FALSE(VerifyPassword(*hash, "violet kettle harbouR"));
  EXPECT_FALSE(VerifyPassword("not a hash", "violet kettle harbour"));
  EXPECT_FALSE(VerifyPassword("", ""));
}

TEST(AuthPasswordHash, SaltMakesEachHashDifferent) {
  auto a = HashPassword("violet kettle harbour", kFast);
  auto b = HashPassword("violet kettle harbour", kFast);
  ASSERT_TRUE(a && b);
  EXPECT_NE(*a, *b);
}

TEST(AuthPasswordHash, DefaultParametersMeetOwaspMinimum) {
  PasswordParams defaults;
  EXPECT_GE(defaults.memory_bytes, 19u * 1024 * 1024);
  EXPECT_GE(defaults.iterations, 2u);
  auto hash = HashPassword("violet kettle harbour", defaults);
  ASSERT_TRUE(hash);
  // The produced string is what gets stored: m in KiB, t iterations, p lanes.
  EXPECT_TRUE(hash->starts_with("$argon2id$v=19$m=19456,t=2,p=1$")) << *hash;
  EXPECT_FALSE(NeedsRehash(*hash, defaults));
}

TEST(AuthPasswordHash, NeedsRehashWhenParametersRise) {
  auto hash = HashPassword("violet kettle harbour", kFast);
  ASSERT_TRUE(hash);
  EXPECT_FALSE(NeedsRehash(*hash, kFast));
  EXPECT_TRUE(NeedsRehash(*hash, {.iterations = 2, .memory_bytes = 8192}));
  EXPECT_TRUE(NeedsRehash(*hash, {.iterations = 1, .memory_bytes = 16384}));
  EXPECT_TRUE(NeedsRehash("$2b$10$bcrypt-is-not-argon", kFast));
}

TEST(AuthTemporaryPassword, IsTwentyUnambiguousCharactersThatPassThePolicy) {
  for (int i = 0; i < 200; ++i) {
    std::string password = GenerateTemporaryPassword("alice");
    ASSERT_EQ(password.size(), 20u);
    EXPECT_EQ(password.find_first_of("0Oo1lI"), std::string::npos) << password;
    EXPECT_TRUE(CheckPasswordPolicy(password, "alice")) << password;
  }
}

TEST(AuthTemporaryPassword, NeverRepeats) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) seen.insert(GenerateTemporaryPassword("alice"));
  EXPECT_EQ(seen.size(), 1000u);
}

}  // namespace
}  // namespace fg::auth
