#include "auth/totp.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "core/clock.h"

namespace fg::auth::totp {
namespace {

// RFC 6238 appendix B uses the ASCII seed "12345678901234567890" for SHA1.
constexpr std::string_view kRfcSecret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

core::WallTime At(int64_t unix_seconds) { return core::FromUnixMicros(unix_seconds * 1'000'000); }

TEST(Totp, MatchesRfc6238Sha1TestVectors) {
  // The RFC lists 8 digits; 6-digit codes are their last six (the same value mod 10^6).
  struct Vector {
    int64_t time;
    const char* code8;
  };
  for (const Vector& v : {Vector{59, "94287082"}, Vector{1111111109, "07081804"},
                          Vector{1111111111, "14050471"}, Vector{1234567890, "89005924"},
                          Vector{2000000000, "69279037"}, Vector{20000000000, "65353130"}}) {
    std::string code = std::string(v.code8).substr(2);
    EXPECT_EQ(CodeAt(kRfcSecret, StepAt(At(v.time))), code) << v.time;
    auto step = MatchStep(kRfcSecret, code, At(v.time), 0);
    ASSERT_TRUE(step) << v.time;
    EXPECT_EQ(*step, v.time / 30);
  }
}

TEST(Totp, SecretDecodesInEitherCaseWithOrWithoutPadding) {
  std::string lower(kRfcSecret);
  for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  EXPECT_EQ(CodeAt(lower, 1), CodeAt(kRfcSecret, 1));
  // "MZXW6===" is "foo" padded; the same secret without padding gives the same code.
  EXPECT_FALSE(CodeAt("MZXW6===", 5).empty());
  EXPECT_EQ(CodeAt("MZXW6===", 5), CodeAt("MZXW6", 5));
}

TEST(Totp, AcceptsOneStepOfDriftEitherWayAndReturnsTheMatchedStep) {
  core::WallTime now = At(1'800'000'015);
  int64_t step = StepAt(now);
  EXPECT_EQ(MatchStep(kRfcSecret, CodeAt(kRfcSecret, step - 1), now), step - 1);
  EXPECT_EQ(MatchStep(kRfcSecret, CodeAt(kRfcSecret, step), now), step);
  EXPECT_EQ(MatchStep(kRfcSecret, CodeAt(kRfcSecret, step + 1), now), step + 1);
}

TEST(Totp, RefusesCodesOutsideTheWindow) {
  core::WallTime now = At(1'800'000'015);
  int64_t step = StepAt(now);
  EXPECT_FALSE(MatchStep(kRfcSecret, CodeAt(kRfcSecret, step - 2), now));
  EXPECT_FALSE(MatchStep(kRfcSecret, CodeAt(kRfcSecret, step + 2), now));
  EXPECT_FALSE(MatchStep(kRfcSecret, CodeAt(kRfcSecret, step - 1), now, 0));
  EXPECT_TRUE(MatchStep(kRfcSecret, CodeAt(kRfcSecret, step - 2), now, 2));
}

TEST(Totp, AReusedCodeMatchesTheSameStepSoTheCallerCanRefuseIt) {
  core::WallTime now = At(1'800'000'015);
  std::string code = CodeAt(kRfcSecret, StepAt(now));
  auto first = MatchStep(kRfcSecret, code, now);
  auto again = MatchStep(kRfcSecret, code, now + std::chrono::seconds(20));
  ASSERT_TRUE(first && again);
  EXPECT_EQ(*first, *again);
}

TEST(Totp, RefusesCodesThatAreNotSixDigits) {
  core::WallTime now = At(1'800'000'015);
  std::string code = CodeAt(kRfcSecret, StepAt(now));
  EXPECT_FALSE(MatchStep(kRfcSecret, code.substr(0, 5), now));
  EXPECT_FALSE(MatchStep(kRfcSecret, code + "0", now));
  EXPECT_FALSE(MatchStep(kRfcSecret, " " + code.substr(1), now));
  EXPECT_FALSE(MatchStep(kRfcSecret, "12345a", now));
  EXPECT_FALSE(MatchStep(kRfcSecret, "", now));
}

TEST(Totp, RefusesSecretsThatAreNotBase32) {
  core::WallTime now = At(1'800'000'015);
  for (const char* bad :
       {"", "GEZDGNBV1", "GEZDG NBV", "GEZDGNB8", "A", "ABC", "ABCDEF", "====", "MZXW7"}) {
    EXPECT_TRUE(CodeAt(bad, 1).empty()) << bad;
    EXPECT_FALSE(MatchStep(bad, "123456", now)) << bad;
  }
}

TEST(Totp, GeneratedSecretsAre160BitBase32AndDiffer) {
  std::string a = GenerateSecret();
  std::string b = GenerateSecret();
  EXPECT_EQ(a.size(), 32u);  // 20 bytes = 160 bits = 32 base32 characters
  EXPECT_NE(a, b);
  EXPECT_EQ(a.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"), std::string::npos);
  EXPECT_EQ(CodeAt(a, 7).size(), 6u);
}

TEST(Totp, OtpauthUriPercentEncodesIssuerAndAccount) {
  EXPECT_EQ(OtpauthUri("floor guard", "alice@example.org", "ABCD"),
            "otpauth://totp/floor%20guard:alice%40example.org?secret=ABCD&issuer=floor%20guard"
            "&algorithm=SHA1&digits=6&period=30");
}

TEST(TotpRecoveryCodes, AreDistinctGroupsOfFourLowerCaseBase32) {
  auto codes = GenerateRecoveryCodes();
  ASSERT_EQ(codes.size(), 10u);
  std::set<std::string> seen(codes.begin(), codes.end());
  EXPECT_EQ(seen.size(), codes.size());
  for (const std::string& code : codes) {
    ASSERT_EQ(code.size(), 14u) << code;
    EXPECT_EQ(code[4], '-');
    EXPECT_EQ(code[9], '-');
    EXPECT_EQ(NormalizeRecoveryCode(code).size(), 12u) << code;
  }
}

TEST(TotpRecoveryCodes, NormalisationIgnoresCaseDashesAndSpaces) {
  EXPECT_EQ(NormalizeRecoveryCode("ABCD-efgh-2345"), "abcdefgh2345");
  EXPECT_EQ(NormalizeRecoveryCode("abcd efgh 2345"), "abcdefgh2345");
  EXPECT_EQ(NormalizeRecoveryCode("abcd-efgh-234"), "");   // too short
  EXPECT_EQ(NormalizeRecoveryCode("abcd-efgh-2341"), "");  // '1' is not base32
  EXPECT_EQ(NormalizeRecoveryCode("123456"), "");          // a TOTP code is not one
  EXPECT_EQ(HashRecoveryCode("abcdefgh2345"), HashRecoveryCode("abcdefgh2345"));
  EXPECT_NE(HashRecoveryCode("abcdefgh2345"), HashRecoveryCode("abcdefgh2346"));
  EXPECT_EQ(HashRecoveryCode("abcdefgh2345").size(), 64u);
}

}  // namespace
}  // namespace fg::auth::totp
