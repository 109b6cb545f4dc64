#include <gtest/gtest.h>
#include <qrencode.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "auth/internal/common_passwords.h"
#include "auth/password.h"
#include "auth/qr.h"

namespace fg::auth {
namespace {

std::string Reason(std::string_view password, const PolicyContext& context) {
  auto r = CheckPasswordPolicy(password, context);
  return r ? "" : r.error().message;
}

bool Refused(std::string_view password, const PolicyContext& context = {.username = "zed"}) {
  return !CheckPasswordPolicy(password, context);
}

TEST(AuthBlocklist, BuiltInListHoldsTensOfThousandsOfEntries) {
  EXPECT_GE(BuiltinBlocklistSize(), 50000u);
  // One entry from each source: john's list, zxcvbn's passwords, wikipedia words, names.
  for (const char* entry : {"trustno1", "letmein", "because", "jennifer", "smith", "password"}) {
    EXPECT_TRUE(internal::BuiltinBlocklistContains(entry)) << entry;
  }
  EXPECT_FALSE(internal::BuiltinBlocklistContains("violet-tractor-mango-lantern"));
}

TEST(AuthBlocklist, RefusesBreachedPasswordsOfTwelveOrMoreCharacters) {
  // In zxcvbn's passwords list, not in the small hand-made one.
  for (const char* breached :
       {"123456654321", "qwertyuiop123", "LeaveMeAlone", "sonyericsson", "FinalFantasy"}) {
    EXPECT_TRUE(Refused(breached)) << breached;
  }
}

TEST(AuthBlocklist, RefusesListedWordsDressedWithDigitsSymbolsAndSwaps) {
  // Base words from the generated list only (names, English words), dressed.
  for (const char* dressed : {"Christopher2024!", "J3nn1f3r123456", "!!Sweetheart99",
                              "Elizabeth#2025", "DragonflyDragonfly"}) {
    EXPECT_TRUE(Refused(dressed)) << dressed;
  }
}

TEST(AuthBlocklist, PassphrasesOfCommonWordsStillPass) {
  for (const char* phrase :
       {"correct horse battery staple", "violet-tractor-mango-lantern", "Harbour Kettle Violet 42",
        "seven amber lanterns drift", "mango.lantern.tractor", "Xq7#cat#9pL2"}) {
    EXPECT_EQ(Reason(phrase, {.username = "alice"}), "") << phrase;
  }
}

TEST(AuthBlocklist, LookupsAreFastEnoughForALoginPath) {
  // Not a timing assertion: 10k checks of a long candidate finish well within the test.
  std::string candidate = "violet-tractor-mango-lantern-kettle-harbour";
  for (int i = 0; i < 10000; ++i) ASSERT_TRUE(CheckPasswordPolicy(candidate, "alice"));
}

TEST(AuthPasswordPolicyContext, RefusesAPasswordContainingAPartOfThePersonsName) {
  PolicyContext context{.username = "asmith", .person_name = "Anne-Marie O'Neill"};
  EXPECT_NE(Reason("my neill kettle harbour", context).find("your name"), std::string::npos);
  EXPECT_NE(Reason("MARIE kettle harbour!", context).find("your name"), std::string::npos);
  EXPECT_NE(Reason("anne kettle harbour 9", context).find("your name"), std::string::npos);
  // "O" is shorter than three letters: not a part that counts.
  EXPECT_EQ(Reason("o kettle harbour violet", context), "");
}

TEST(AuthPasswordPolicyContext, UsernameShorterThanThreeCharactersIsNotLookedFor) {
  EXPECT_EQ(Reason("al kettle harbour violet", {.username = "al"}), "");
  EXPECT_NE(Reason("bob kettle harbour violet", {.username = "bob"}).find("username"),
            std::string::npos);
}

TEST(AuthPasswordPolicyContext, ExtraBlocklistRefusesEntriesAndTheirDressedForms) {
  Blocklist extra = Blocklist::FromEntries({"AcmeCallCenter", "floorpilot", "xyzzy"});
  PolicyContext context{.username = "alice", .extra = &extra};
  EXPECT_NE(Reason("acmecallcenter", context).find("forbidden"), std::string::npos);
  EXPECT_NE(Reason("Fl00rPilot2026!", context).find("forbidden"), std::string::npos);
  EXPECT_EQ(Reason("violet kettle harbour", context), "");
  EXPECT_EQ(Reason("Fl00rPilot2026!", {.username = "alice"}), "");  // without the extra list
}

class AuthBlocklistFile : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = std::filesystem::temp_directory_path() /
            ("fg_blocklist_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
  }
  void TearDown() override { std::filesystem::remove(path_); }
  void Write(const std::string& text) {
    std::ofstream out(path_, std::ios::binary);
    out << text;
  }
  std::filesystem::path path_;
};

TEST_F(AuthBlocklistFile, SkipsCommentsAndBlankLinesAndLowerCases) {
  Write("# company words\n\nAcmeCallCenter\r\n  floorpilot  \n#notanentry\n");
  auto list = Blocklist::LoadFile(path_);
  ASSERT_TRUE(list) << list.error().ToString();
  EXPECT_EQ(list->size(), 2u);
  EXPECT_TRUE(list->Matches("acmecallcenter"));
  EXPECT_TRUE(list->Matches("floorpilot"));
  EXPECT_FALSE(list->Matches("#notanentry"));
}

TEST_F(AuthBlocklistFile, InvalidUtf8IsRefusedWithItsLineNumber) {
  Write("fine\nalso fine\nbad \xff\xfe here\n");
  auto list = Blocklist::LoadFile(path_);
  ASSERT_FALSE(list);
  EXPECT_EQ(list.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(list.error().field, "password.blocklist_file");
  EXPECT_NE(list.error().message.find("line 3"), std::string::npos) << list.error().message;
}

TEST_F(AuthBlocklistFile, MissingOrOversizedFilesAreClearErrors) {
  auto missing = Blocklist::LoadFile(path_);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  {
    std::ofstream out(path_, std::ios::binary);
    std::string line(1023, 'a');
    line += '\n';
    for (size_t i = 0; i <= Blocklist::kMaxFileBytes / line.size(); ++i) out << line;
  }
  auto big = Blocklist::LoadFile(path_);
  ASSERT_FALSE(big);
  EXPECT_NE(big.error().message.find("larger than"), std::string::npos);
}

TEST(AuthQr, SvgIsOnePathWithTheQuietZoneAroundTheSymbol) {
  const std::string text =
      "otpauth://totp/floorguard:alice?secret=JBSWY3DPEHPK3PXP&issuer=floorguard";
  auto svg = QrSvg(text);
  ASSERT_TRUE(svg) << svg.error().ToString();
  EXPECT_TRUE(svg->starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
  EXPECT_TRUE(svg->ends_with("</svg>"));
  EXPECT_EQ(svg->find("<script"), std::string::npos);
  EXPECT_EQ(svg->find("href"), std::string::npos);
  size_t first = svg->find("<path");
  ASSERT_NE(first, std::string::npos);
  EXPECT_EQ(svg->find("<path", first + 1), std::string::npos);
  // The symbol's modules a side, plus 4 modules of quiet zone each way.
  QRcode* reference =
      QRcode_encodeData(static_cast<int>(text.size()),
                        reinterpret_cast<const unsigned char*>(text.data()), 0, QR_ECLEVEL_M);
  ASSERT_NE(reference, nullptr);
  const int width = reference->width;
  QRcode_free(reference);
  size_t at = svg->find("viewBox=\"0 0 ");
  ASSERT_NE(at, std::string::npos);
  EXPECT_EQ(std::stoi(svg->substr(at + 13)), width + 8);
  // Every rectangle lies inside the symbol.
  std::string path = svg->substr(first);
  for (size_t m = path.find('M'); m != std::string::npos; m = path.find('M', m + 1)) {
    int x = std::stoi(path.substr(m + 1));
    int y = std::stoi(path.substr(path.find(' ', m) + 1));
    EXPECT_GE(x, 4);
    EXPECT_GE(y, 4);
    EXPECT_LT(x, 4 + width);
    EXPECT_LT(y, 4 + width);
  }
}

TEST(AuthQr, RefusesEmptyAndOversizedText) {
  EXPECT_FALSE(QrSvg(""));
  EXPECT_FALSE(QrSvg(std::string(5000, 'x')));
}

}  // namespace
}  // namespace fg::auth
