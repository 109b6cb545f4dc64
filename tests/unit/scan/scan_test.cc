// Findings end to end (detector included), output formats, and the walk.
#include "scan/scan.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "fixtures.h"

namespace fg::scan {
namespace {

namespace fs = std::filesystem;
using testing::Base64;
using testing::HoldsFullPan;
using testing::kTestPan;

CollectingReporter ScanDocument(const std::string& bytes, const std::string& name,
                                Options options = {}) {
  CollectingReporter reporter;
  ScanBytes(bytes, name, options, reporter);
  return reporter;
}

// Every output format of every finding and problem, for the never-the-full-number checks.
std::string AllOutput(const CollectingReporter& r) {
  std::string out;
  for (const Finding& f : r.findings) {
    for (Format format : {Format::kText, Format::kJsonl, Format::kCsv}) {
      out += FormatFinding(f, format) + "\n";
    }
  }
  for (const Problem& p : r.problems) out += FormatProblem(p) + "\n";
  return out;
}

// The one PAN finding, checked for its mask and that no output holds the number.
const Finding& OnePan(const CollectingReporter& r) {
  std::vector<const Finding*> pans;
  for (const Finding& f : r.findings) {
    if (f.kind == dlp::Kind::kPan) pans.push_back(&f);
  }
  EXPECT_EQ(pans.size(), 1u) << AllOutput(r);
  static const Finding kNone;
  if (pans.size() != 1) return kNone;
  EXPECT_EQ(pans[0]->masked, "[PAN ****1111]");
  EXPECT_EQ(pans[0]->brand, "visa");
  EXPECT_TRUE(pans[0]->test_value);
  EXPECT_FALSE(HoldsFullPan(AllOutput(r))) << AllOutput(r);
  return *pans[0];
}

TEST(ScanFindings, Utf8TextGivesLineAndByteOffset) {
  auto r = ScanDocument(std::string("first line\nsecond: card ") + kTestPan + "\n", "a.txt");
  const Finding& f = OnePan(r);
  EXPECT_EQ(f.entry, "");
  EXPECT_EQ(f.line, 2u);
  EXPECT_EQ(f.offset, 24u);  // 11 + 13 bytes before it
}

TEST(ScanFindings, Utf16LittleAndBigEndianAreScanned) {
  for (bool little : {true, false}) {
    auto r = ScanDocument(testing::Utf16(std::string("x\ny\nvisa ") + kTestPan, little), "u.txt");
    EXPECT_EQ(OnePan(r).line, 3u) << little;
  }
}

TEST(ScanFindings, Latin1WithNoBreakSpacesIsScanned) {
  auto r = ScanDocument(
      "caf\xE9\ncarte 4111\xA0"
      "1111\xA0"
      "1111\xA0"
      "1111\n",
      "l1.txt");
  EXPECT_EQ(OnePan(r).line, 2u);
}

TEST(ScanFindings, GzipFindingKeepsItsLine) {
  auto r = ScanDocument(testing::Gzip(std::string("a\nb\ncard ") + kTestPan + "\n"), "x.log.gz");
  EXPECT_EQ(OnePan(r).line, 3u);
}

TEST(ScanFindings, NestedZipEntryIsTheLocation) {
  std::string inner = testing::Zip({{"dump/cards.txt", std::string("pay ") + kTestPan}});
  auto r = ScanDocument(testing::Zip({{"readme.txt", "nothing"}, {"inner.zip", inner}}), "o.zip");
  const Finding& f = OnePan(r);
  EXPECT_EQ(f.entry, "inner.zip!dump/cards.txt");
  EXPECT_EQ(f.line, 1u);
}

TEST(ScanFindings, DocxRunsSplitInsideANumberAreJoined) {
  auto r = ScanDocument(testing::Docx("<w:p><w:r><w:t>intro</w:t></w:r></w:p><w:p><w:r><w:t>"
                                      "card 4111 1111 </w:t></w:r><w:r><w:t>1111 1111</w:t>"
                                      "</w:r></w:p>"),
                        "letter.docx");
  const Finding& f = OnePan(r);
  EXPECT_EQ(f.entry, "word/document.xml");
  EXPECT_EQ(f.line, 2u);
}

TEST(ScanFindings, XlsxSharedStringIsFound) {
  auto r =
      ScanDocument(testing::Xlsx(std::string("visa ") + kTestPan, "<c><v>0</v></c>"), "b.xlsx");
  EXPECT_EQ(OnePan(r).entry, "xl/sharedStrings.xml");
}

TEST(ScanFindings, OdtParagraphIsFound) {
  auto r = ScanDocument(testing::Odt(std::string("card ") + kTestPan), "m.odt");
  const Finding& f = OnePan(r);
  EXPECT_EQ(f.entry, "content.xml");
  EXPECT_EQ(f.line, 2u);
}

TEST(ScanFindings, MboxQuotedPrintableBodyAndBase64ZipAttachment) {
  std::string zip = testing::Zip({{"cards.txt", std::string("attached visa ") + kTestPan}});
  std::string mbox =
      "From a@example.com Mon Jan  1 00:00:00 2024\n"
      "From: a@example.com\n"
      "Subject: hello\n"
      "Content-Type: multipart/mixed; boundary=b1\n"
      "\n"
      "--b1\n"
      "Content-Type: text/plain\n"
      "Content-Transfer-Encoding: quoted-printable\n"
      "\n"
      "my card is 4111 1111 =\n"
      "1111 1111 =E2=82=AC\n"
      "--b1\n"
      "Content-Type: application/zip\n"
      "Content-Disposition: attachment; filename=\"c.zip\"\n"
      "Content-Transfer-Encoding: base64\n"
      "\n" +
      Base64(zip) + "\n--b1--\n";
  auto r = ScanDocument(mbox, "inbox.mbox");
  std::vector<std::string> entries;
  for (const Finding& f : r.findings) {
    if (f.kind == dlp::Kind::kPan) entries.push_back(f.entry);
    EXPECT_EQ(f.masked.find("4111111111111111"), std::string::npos);
  }
  EXPECT_EQ(entries, (std::vector<std::string>{"message 1/part 1", "message 1/c.zip!cards.txt"}));
  EXPECT_FALSE(HoldsFullPan(AllOutput(r)));
}

// RFC 2047 encoded-words in a message's headers are decoded before the scan: a card number in a
// Subject, base64 in two words and quoted-printable in one, is found both times.
TEST(ScanFindings, CardInEncodedHeaderWordsIsFound) {
  std::string eml =
      "From: =?UTF-8?Q?Caf=C3=A9?= <a@example.com>\n"
      "Subject: =?UTF-8?B?Y2FyZCA0MTExIDExMTE=?=\n"  // "card 4111 1111"
      " =?UTF-8?B?IDExMTEgMTExMQ==?=\n"              // " 1111 1111", folded
      "X-Note: =?iso-8859-1?q?Karte_5555=2D5555=2D5555=2D4444?=\n"
      "\n"
      "no card in the body\n";
  auto r = ScanDocument(eml, "m.eml");
  std::vector<std::string> masks;
  for (const Finding& f : r.findings) {
    if (f.kind == dlp::Kind::kPan && f.entry == "headers") masks.push_back(f.masked);
  }
  EXPECT_EQ(masks, (std::vector<std::string>{"[PAN ****1111]", "[PAN ****4444]"}));
  EXPECT_FALSE(HoldsFullPan(AllOutput(r)));
}

TEST(ScanFindings, PdfFindingHasItsPage) {
  auto r = ScanDocument(testing::Pdf({"Invoice 17", std::string("card ") + kTestPan}), "i.pdf");
  const Finding& f = OnePan(r);
  EXPECT_EQ(f.page, 1);
  EXPECT_NE(FormatFinding(f, Format::kText).find("page 1"), std::string::npos);
}

TEST(ScanFindings, ANumberInAFileNameIsNeverPrinted) {
  auto r = ScanDocument(std::string("card ") + kTestPan, "4111111111111111.txt");
  ASSERT_FALSE(r.findings.empty());
  EXPECT_FALSE(HoldsFullPan(AllOutput(r))) << AllOutput(r);
}

TEST(ScanFindings, ZipBombCapIsReportedAndLimitsTheWork) {
  std::string big(4 << 20, '7');
  Options options;
  options.max_expanded_bytes = 1 << 20;
  auto r = ScanDocument(testing::Zip({{"a.txt", big}, {"b.txt", big}}), "bomb.zip", options);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_NE(FormatProblem(r.problems[0]).find("scan: bomb.zip: a.txt: expansion cap"),
            std::string::npos)
      << FormatProblem(r.problems[0]);
}

// ---- Output formats ----

Finding Sample() {
  return {.path = "=cmd|' /C calc'!A0",
          .entry = "in\"ner.zip!a.txt",
          .line = 3,
          .offset = 17,
          .kind = dlp::Kind::kPan,
          .brand = "visa",
          .confidence = 80,
          .test_value = true,
          .masked = "[PAN ****1111]"};
}

TEST(ScanFormat, CsvCellsAreQuotedAndFormulaSafe) {
  std::string line = FormatFinding(Sample(), Format::kCsv);
  EXPECT_EQ(line,
            "\"'=cmd|' /C calc'!A0\",\"in\"\"ner.zip!a.txt\",\"0\",\"3\",\"17\",\"pan\",\"visa\","
            "\"80\",\"true\",\"[PAN ****1111]\"");
  Finding minus = Sample();
  minus.path = "-2+3";
  EXPECT_TRUE(FormatFinding(minus, Format::kCsv).starts_with("\"'-2+3\""));
  minus.path = "@SUM(A1)";
  EXPECT_TRUE(FormatFinding(minus, Format::kCsv).starts_with("\"'@SUM(A1)\""));
}

TEST(ScanFormat, JsonlIsOneEscapedObject) {
  Finding f = Sample();
  f.path = "dir/caf\xE9\n.txt";  // a Latin-1 byte and a newline in a file name
  std::string line = FormatFinding(f, Format::kJsonl);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_NE(line.find("\"path\":\"dir/caf\\u00e9\\n.txt\""), std::string::npos) << line;
  EXPECT_NE(line.find("\"entry\":\"in\\\"ner.zip!a.txt\""), std::string::npos) << line;
  EXPECT_NE(line.find("\"test\":true"), std::string::npos);
}

TEST(ScanFormat, TextLineNamesPathEntryLineOffsetAndMask) {
  EXPECT_EQ(FormatFinding(Sample(), Format::kText),
            "=cmd|' /C calc'!A0!in\"ner.zip!a.txt: line 3, byte 17: pan visa confidence 80 test "
            "[PAN ****1111]");
}

// ---- The walk ----

class ScanTree : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("fg_scan_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::permissions(root_ / "locked", fs::perms::owner_all, ec);
    fs::remove_all(root_);
  }
  void Write(const fs::path& relative, const std::string& content) {
    fs::create_directories((root_ / relative).parent_path());
    std::ofstream(root_ / relative, std::ios::binary) << content;
  }
  fs::path root_;
};

TEST_F(ScanTree, WalksRecursivelyAndSymlinkLoopsAreSafe) {
  Write("a/b/c/card.txt", std::string("visa ") + kTestPan + "\n");
  Write("clean.txt", "nothing here\n");
  fs::create_directory_symlink(root_, root_ / "a" / "loop");         // a loop
  fs::create_directory_symlink("/etc", root_ / "outside");           // out of the tree
  fs::create_symlink(root_ / "a/b/c/card.txt", root_ / "link.txt");  // scanned once, not twice
  CollectingReporter r;
  Summary summary = ScanPaths({root_.string()}, {.jobs = 2}, r);
  EXPECT_EQ(summary.files_read, 2u);
  ASSERT_EQ(r.findings.size(), 1u);
  EXPECT_EQ(r.findings[0].path, (root_ / "a/b/c/card.txt").string());
  EXPECT_TRUE(r.problems.empty());
}

TEST_F(ScanTree, MissingPathIsReportedAndOthersAreStillScanned) {
  Write("card.txt", std::string("visa ") + kTestPan + "\n");
  CollectingReporter r;
  Summary summary = ScanPaths({(root_ / "missing").string(), root_.string()}, {}, r);
  EXPECT_EQ(summary.files_read, 1u);
  EXPECT_EQ(r.findings.size(), 1u);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].path, (root_ / "missing").string());
}

TEST_F(ScanTree, NamedFifoIsReportedNotOpenedForever) {
  ASSERT_EQ(::mkfifo((root_ / "pipe").c_str(), 0600), 0);
  CollectingReporter r;
  Summary summary = ScanPaths({(root_ / "pipe").string()}, {}, r);
  EXPECT_EQ(summary.files_read, 0u);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_NE(r.problems[0].message.find("not a regular file"), std::string::npos);
}

TEST_F(ScanTree, UnreadableFileAndDirectoryAreReportedAndTheRestIsScanned) {
  Write("locked/card.txt", kTestPan);
  Write("secret.txt", kTestPan);
  Write("open.txt", std::string("visa ") + kTestPan);
  fs::permissions(root_ / "secret.txt", fs::perms::none);
  fs::permissions(root_ / "locked", fs::perms::none);
  // 0 when the scan reports exactly the two unreadable paths and still finds the third file.
  auto scan = [&]() -> int {
    CollectingReporter r;
    Summary summary = ScanPaths({root_.string()}, {.jobs = 1}, r);
    if (summary.files_read != 1 || r.findings.size() != 1) return 1;
    if (r.problems.size() != 2) return 2;
    for (const Problem& p : r.problems) {
      if (p.message.find("ermission denied") == std::string::npos) return 3;
    }
    return 0;
  };
  if (::geteuid() != 0) {
    EXPECT_EQ(scan(), 0);
    return;
  }
  // Root reads everything: run the scan as nobody in a child process.
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(9);
    ::_exit(scan());
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST_F(ScanTree, OneAndFourJobsFindTheSameSet) {
  for (int i = 0; i < 20; ++i) {
    Write("d" + std::to_string(i % 3) + "/f" + std::to_string(i) + ".txt",
          std::string(i, '\n') + "visa " + kTestPan + "\n");
  }
  auto run = [&](unsigned jobs) {
    CollectingReporter r;
    ScanPaths({root_.string()}, {.jobs = jobs}, r);
    std::set<std::string> lines;
    for (const Finding& f : r.findings) lines.insert(FormatFinding(f, Format::kJsonl));
    return lines;
  };
  std::set<std::string> one = run(1);
  EXPECT_EQ(one.size(), 20u);
  EXPECT_EQ(one, run(4));
}

}  // namespace
}  // namespace fg::scan
