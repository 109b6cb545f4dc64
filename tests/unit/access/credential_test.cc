#include "access/credential.h"

#include <gtest/gtest.h>

#include "../../fixtures/corpus.h"

namespace fg::access {
namespace {

std::string Flip(std::string bits, size_t i) {
  bits[i] = bits[i] == '0' ? '1' : '0';
  return bits;
}

TEST(Credential, H10301BitsGiveFacilityAndCardKey) {
  const std::string bits = EncodeWiegandBits(CredentialFormat::kWiegand26, 12, 3456);
  ASSERT_EQ(bits.size(), 26u);
  auto c = ParseCredential(bits);
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_EQ(c->Key(), "w26:12:3456");
}

TEST(Credential, H10301KnownFrameDecodes) {
  // FC 1, card 1: 0 00000001 0000000000000001 0 -> even parity over 00000001 0000 = 1,
  // odd parity over 000000000001 = 0.
  auto c = ParseWiegandBits("10000000100000000000000010");
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_EQ(c->Key(), "w26:1:1");
}

TEST(Credential, HexFrameOfTheHeaderExampleDecodes) {
  auto c = ParseCredential("26:0x181B01");
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_EQ(c->Key(), "w26:12:3456");
}

TEST(Credential, EveryFlippedBitFailsTheParityOrChangesTheKey) {
  for (auto format : {CredentialFormat::kWiegand26, CredentialFormat::kCorporate1000_35,
                      CredentialFormat::kH10304_37}) {
    const std::string bits = EncodeWiegandBits(format, 100, 5000);
    auto good = ParseWiegandBits(bits);
    ASSERT_TRUE(good) << bits << ": " << good.error().ToString();
    for (size_t i = 0; i < bits.size(); ++i) {
      auto bad = ParseWiegandBits(Flip(bits, i));
      EXPECT_FALSE(bad) << "format " << static_cast<int>(format) << " bit " << i;
      if (!bad) continue;
      EXPECT_EQ(bad.error().field, "credential");
      EXPECT_NE(bad.error().message.find("parity"), std::string::npos);
    }
  }
}

TEST(Credential, Corporate1000KeepsTwelveBitCompanyAndTwentyBitCard) {
  auto c = ParseWiegandBits(EncodeWiegandBits(CredentialFormat::kCorporate1000_35, 4095, 1048575));
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_EQ(c->Key(), "w35:4095:1048575");
  auto d = ParseWiegandBits(EncodeWiegandBits(CredentialFormat::kCorporate1000_35, 2048, 1));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->Key(), "w35:2048:1");
}

TEST(Credential, H10304KeepsSixteenBitFacilityAndNineteenBitCard) {
  auto c = ParseWiegandBits(EncodeWiegandBits(CredentialFormat::kH10304_37, 65535, 524287));
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_EQ(c->Key(), "w37:65535:524287");
}

TEST(Credential, HexWithBitLengthMatchesTheBitString) {
  const std::string bits = EncodeWiegandBits(CredentialFormat::kH10304_37, 321, 77777);
  const uint64_t value = std::stoull(bits, nullptr, 2);
  char hex[32];
  std::snprintf(hex, sizeof hex, "37:0x%llX", static_cast<unsigned long long>(value));
  auto c = ParseCredential(hex);
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_EQ(c->Key(), "w37:321:77777");
  EXPECT_FALSE(ParseCredential("26:FFFFFFFFF"));  // more than 26 bits
  EXPECT_FALSE(ParseCredential("27:0x1"));
  EXPECT_FALSE(ParseCredential("26:0xZZ"));
}

TEST(Credential, RawSerialIsNormalisedToLowerCaseHex) {
  auto c = ParseCredential("raw:04:A1:B2:C3:D4");
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_EQ(c->Key(), "raw:04a1b2c3d4");
  EXPECT_FALSE(ParseCredential("raw:04a1b2"));                  // 3 bytes
  EXPECT_FALSE(ParseCredential("raw:00112233445566778899aa"));  // 11 bytes
  EXPECT_FALSE(ParseCredential("raw:04a1b2c3d"));               // odd digits
  EXPECT_FALSE(ParseCredential("raw:04a1b2cg"));
}

TEST(Credential, KeyFormIsRangeCheckedPerFormat) {
  EXPECT_TRUE(ParseCredential("w26:255:65535"));
  EXPECT_FALSE(ParseCredential("w26:256:1"));
  EXPECT_FALSE(ParseCredential("w26:1:65536"));
  EXPECT_FALSE(ParseCredential("w37:1:524288"));
  EXPECT_FALSE(ParseCredential("w26:-1:1"));
  EXPECT_FALSE(ParseCredential("w26:1"));
}

TEST(Credential, GarbageIsAClearErrorOnTheCredentialField) {
  for (std::string_view text : {std::string_view(""), std::string_view("hello"),
                                std::string_view("0101"), std::string_view("\0\1", 2)}) {
    auto c = ParseCredential(text);
    ASSERT_FALSE(c) << text;
    EXPECT_EQ(c.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(c.error().field, "credential");
  }
  EXPECT_FALSE(ParseCredential(std::string(200, '1')));
}

TEST(AccessFuzzCorpus, EveryInputIsHandledWithoutCrashing) {
  EXPECT_GE(testing::ReplayCorpus(FG_ACCESS_FUZZ_CORPUS), 20);
}

}  // namespace
}  // namespace fg::access
