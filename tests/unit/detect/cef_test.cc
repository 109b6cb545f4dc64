// CEF formatting, with hostile names in every field.
#include "detect/cef.h"

#include <gtest/gtest.h>

#include "fixture.h"

namespace fg::detect {
namespace {

Alert Sample() {
  Alert a;
  a.id = 42;
  a.rule = "account_brute_force";
  a.severity = Severity::kHigh;
  a.status = AlertStatus::kOpen;
  a.summary = "Account alice had 6 failed logons";
  a.account = "alice";
  a.source = "address:10.0.0.1";
  a.created_at = core::FromUnixMicros(kStartMicros + 123456);
  return a;
}

TEST(Cef, FormatsHeaderAndExtension) {
  EXPECT_EQ(FormatCef(Sample(), "0.1.0"),
            "CEF:0|floorguard|floorguard|0.1.0|account_brute_force|Account alice had 6 failed "
            "logons|8|externalId=42 rt=1799992800123 cat=account_brute_force act=open "
            "suser=alice src=10.0.0.1 cs1Label=sourceKey cs1=address:10.0.0.1 "
            "msg=Account alice had 6 failed logons");
}

TEST(Cef, SeverityMapsToZeroToTen) {
  EXPECT_EQ(CefSeverity(Severity::kLow), 3);
  EXPECT_EQ(CefSeverity(Severity::kMedium), 5);
  EXPECT_EQ(CefSeverity(Severity::kHigh), 8);
  EXPECT_EQ(CefSeverity(Severity::kCritical), 10);
}

TEST(Cef, HeaderEscapesPipeAndBackslashAndDropsLineBreaks) {
  EXPECT_EQ(CefEscapeHeader("a|b\\c\nd\re"), "a\\|b\\\\c d e");
}

TEST(Cef, ExtensionEscapesEqualsBackslashAndLineBreaks) {
  EXPECT_EQ(CefEscapeExtension("k=v\\x\ny\rz\x01|"), "k\\=v\\\\x\\ny\\rz |");
}

TEST(Cef, HostileNamesCannotForgeFieldsOrLines) {
  Alert a = Sample();
  a.summary = "x|y\nCEF:0|evil|evil|1|forged|forged|10|";
  a.account = "bob suser=root src=1.2.3.4\\";
  a.source = "station:W1 cs1=forged";
  std::string line = FormatCef(a, "1|2");
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_EQ(line.find('\r'), std::string::npos);
  EXPECT_NE(line.find("|1\\|2|"), std::string::npos);
  EXPECT_NE(line.find("x\\|y CEF:0\\|evil"), std::string::npos);
  EXPECT_NE(line.find("suser=bob suser\\=root src\\=1.2.3.4\\\\ "), std::string::npos);
  EXPECT_NE(line.find("shost=W1 cs1\\=forged"), std::string::npos);
  EXPECT_EQ(line.find(" src=1.2.3.4"), std::string::npos);
  // The seventh unescaped pipe ends the header; the extension starts right after it.
  int pipes = 0;
  size_t i = 0;
  for (; i < line.size() && pipes < 7; ++i) {
    if (line[i] == '\\') {
      ++i;
    } else if (line[i] == '|') {
      ++pipes;
    }
  }
  EXPECT_EQ(line.substr(i, 14), "externalId=42 ");
}

TEST(Cef, SourceThatIsNotAnAddressIsNotSentAsSrc) {
  Alert a = Sample();
  a.source = "address:not-an-ip";
  std::string line = FormatCef(a, "0.1.0");
  EXPECT_EQ(line.find(" src="), std::string::npos);
  EXPECT_NE(line.find("cs1=address:not-an-ip"), std::string::npos);
  a.source.clear();
  a.account.clear();
  line = FormatCef(a, "0.1.0");
  EXPECT_EQ(line.find("suser="), std::string::npos);
  EXPECT_EQ(line.find("cs1Label"), std::string::npos);
}

}  // namespace
}  // namespace fg::detect
