// The format readers, checked on the text they extract (independent of the detector).
#include "scan/internal/reader.h"

#include <gtest/gtest.h>

#include "fixtures.h"

namespace fg::scan::internal {
namespace {

using ::fg::scan::testing::Base64;
using ::fg::scan::testing::Docx;
using ::fg::scan::testing::Gzip;
using ::fg::scan::testing::Odt;
using ::fg::scan::testing::Pdf;
using ::fg::scan::testing::Utf16;
using ::fg::scan::testing::Xlsx;
using ::fg::scan::testing::Zip;

struct Unit {
  std::string entry;
  int page;
  std::string text;
};

class Collector : public TextConsumer {
 public:
  void Begin(const std::string& entry, int page) override {
    EXPECT_FALSE(open_) << "units must not nest";
    open_ = true;
    units.push_back({entry, page, {}});
  }
  void Text(std::string_view utf8) override {
    EXPECT_TRUE(open_);
    units.back().text.append(utf8);
  }
  void End() override {
    EXPECT_TRUE(open_);
    open_ = false;
  }
  void Problem(const std::string& entry, const std::string& message) override {
    problems.push_back(entry + ": " + message);
  }
  // The text of the unit called `entry` (and `page`), or "<none>".
  std::string TextOf(const std::string& entry, int page = 0) const {
    for (const Unit& unit : units) {
      if (unit.entry == entry && unit.page == page) return unit.text;
    }
    return "<none>";
  }
  std::vector<Unit> units;
  std::vector<std::string> problems;

 private:
  bool open_ = false;
};

Collector Read(const std::string& bytes, const std::string& name, Limits limits = {}) {
  Collector collector;
  ReadBytes(bytes, name, limits, collector);
  return collector;
}

TEST(Readers, PlainUtf8IsOneUnitForTheFileItself) {
  Collector c = Read("line one\ncard 4111 1111 1111 1111\n", "notes.txt");
  ASSERT_EQ(c.units.size(), 1u);
  EXPECT_EQ(c.TextOf(""), "line one\ncard 4111 1111 1111 1111\n");
}

TEST(Readers, Utf16WithBomIsConverted) {
  EXPECT_EQ(Read(Utf16("a\n4111", true), "le.txt").TextOf(""), "a\n4111");
  EXPECT_EQ(Read(Utf16("a\n4111", false), "be.txt").TextOf(""), "a\n4111");
}

TEST(Readers, GzipIsDecompressedUnderTheFileName) {
  Collector c = Read(Gzip("zipped 4111\n"), "log.txt.gz");
  EXPECT_EQ(c.TextOf(""), "zipped 4111\n");
  EXPECT_TRUE(c.problems.empty());
}

TEST(Readers, ZipEntriesAndANestedZipAreNamedWithBangs) {
  std::string inner = Zip({{"deep/card.txt", "inner text"}});
  Collector c = Read(Zip({{"a.txt", "outer text"}, {"inner.zip", inner}}), "outer.zip");
  EXPECT_EQ(c.TextOf("a.txt"), "outer text");
  EXPECT_EQ(c.TextOf("inner.zip!deep/card.txt"), "inner text");
  EXPECT_TRUE(c.problems.empty());
}

TEST(Readers, DocxTextIsTheParagraphsWithoutTags) {
  Collector c = Read(Docx("<w:p><w:r><w:t>Card </w:t></w:r><w:r><w:t>4111 1111</w:t></w:r></w:p>"
                          "<w:p><w:r><w:t>second</w:t></w:r></w:p>"),
                     "letter.docx");
  EXPECT_EQ(c.TextOf("word/document.xml"), "Card 4111 1111\nsecond\n");
}

TEST(Readers, XlsxSharedStringsAndCellsAreRead) {
  Collector c = Read(Xlsx("visa 4111", "<c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"B1\"><v>42</v></c>"),
                     "book.xlsx");
  EXPECT_EQ(c.TextOf("xl/sharedStrings.xml"), "visa 4111\n");
  EXPECT_EQ(c.TextOf("xl/worksheets/sheet1.xml"), "0\t42\t\n");
}

TEST(Readers, OdtContentIsRead) {
  Collector c = Read(Odt("pay with 4111"), "memo.odt");
  EXPECT_EQ(c.TextOf("content.xml"), "Title\npay with 4111\n");
}

TEST(Readers, MboxMessagesPartsAndAZipAttachment) {
  std::string zip = Zip({{"cards.txt", "attached 4111"}});
  std::string mbox =
      "From alice@example.com Mon Jan  1 00:00:00 2024\n"
      "From: alice@example.com\n"
      "Subject: first\n"
      "\n"
      "plain body\n"
      "\n"
      "From bob@example.com Mon Jan  1 00:00:00 2024\n"
      "From: bob@example.com\n"
      "Subject: second\n"
      "MIME-Version: 1.0\n"
      "Content-Type: multipart/mixed; boundary=\"XYZ\"\n"
      "\n"
      "preamble\n"
      "--XYZ\n"
      "Content-Type: text/plain; charset=utf-8\n"
      "Content-Transfer-Encoding: quoted-printable\n"
      "\n"
      "card 4111 1111 =\n"
      "1111 1111 caf=C3=A9\n"
      "--XYZ\n"
      "Content-Type: application/zip; name=\"cards.zip\"\n"
      "Content-Disposition: attachment; filename=\"cards.zip\"\n"
      "Content-Transfer-Encoding: base64\n"
      "\n" +
      Base64(zip) +
      "\n"
      "--XYZ--\n";
  Collector c = Read(mbox, "mail.mbox");
  EXPECT_EQ(c.TextOf("message 1/part 1"), "plain body\n\n");
  EXPECT_NE(c.TextOf("message 2/headers").find("Subject: second"), std::string::npos);
  EXPECT_EQ(c.TextOf("message 2/part 1"), "card 4111 1111 1111 1111 caf\xC3\xA9\n");
  EXPECT_EQ(c.TextOf("message 2/cards.zip!cards.txt"), "attached 4111");
  EXPECT_TRUE(c.problems.empty());
}

TEST(Readers, EmlByItsHeadersWithoutMbox) {
  Collector c = Read("From: a@example.com\r\nSubject: x\r\n\r\nbody 4111\r\n", "m.eml");
  EXPECT_EQ(c.TextOf("part 1"), "body 4111\n");
}

TEST(Readers, PdfTextPerPage) {
  Collector c = Read(Pdf({"Invoice", "card 4111 1111 1111 1111"}), "invoice.pdf");
  ASSERT_TRUE(c.problems.empty()) << c.problems[0];
  std::string text = c.TextOf("", 1);
  EXPECT_NE(text.find("4111 1111 1111 1111"), std::string::npos) << text;
}

TEST(Readers, BrokenPdfIsReportedNotFatal) {
  Collector c = Read("%PDF-1.4\ngarbage", "bad.pdf");
  ASSERT_EQ(c.problems.size(), 1u);
  EXPECT_NE(c.problems[0].find("PDF"), std::string::npos);
}

TEST(Readers, ExpansionCapStopsAZipBombAndIsReported) {
  std::string big(1 << 20, '0');  // compresses to about a kilobyte
  std::string bomb = Zip({{"a.txt", big}, {"b.txt", big}, {"c.txt", big}});
  ASSERT_LT(bomb.size(), 64u << 10);
  Limits limits;
  limits.max_expanded_bytes = 1500 << 10;
  Collector c = Read(bomb, "bomb.zip", limits);
  ASSERT_EQ(c.problems.size(), 1u);
  EXPECT_NE(c.problems[0].find("expansion cap"), std::string::npos);
  EXPECT_EQ(c.TextOf("c.txt"), "<none>");  // nothing read after the cap
  uint64_t total = 0;
  for (const Unit& unit : c.units) total += unit.text.size();
  EXPECT_LE(total, limits.max_expanded_bytes);
}

TEST(Readers, NestingDeeperThanTheLimitIsNotOpened) {
  std::string archive = Zip({{"leaf.txt", "leaf"}});
  for (int level = 0; level < 5; ++level) archive = Zip({{"z.zip", archive}});
  Collector c = Read(archive, "deep.zip");
  ASSERT_EQ(c.problems.size(), 1u);
  EXPECT_NE(c.problems[0].find("nested deeper"), std::string::npos);
}

TEST(Readers, DamagedZipIsReportedNotFatal) {
  std::string zip = Zip({{"a.txt", std::string(5000, 'x')}});
  zip.resize(zip.size() / 2);
  Collector c = Read(zip, "cut.zip");
  EXPECT_FALSE(c.problems.empty());
}

}  // namespace
}  // namespace fg::scan::internal

namespace fg::scan::internal {
namespace {

TEST(Readers, MultipartWhoseBoundaryNeverComesIsStillReadAsText) {
  Collector c =
      Read("From: a@example.com\nContent-Type: multipart/mixed; boundary=nope\n\nall 4111 here\n",
           "m.eml");
  EXPECT_EQ(c.TextOf("preamble"), "all 4111 here\n");
}

TEST(Readers, TextThatOnlyLooksLikeHeadersIsReadWhole) {
  std::string log = "Date: today\n";
  for (int i = 0; i < 20000; ++i) log += "Date: line " + std::to_string(i) + "\n";
  log += "last 4111\n";
  Collector c = Read(log, "x.log");
  std::string all;
  for (const Unit& unit : c.units) all += unit.text;
  EXPECT_NE(all.find("last 4111"), std::string::npos);
}

}  // namespace
}  // namespace fg::scan::internal

namespace fg::scan::internal {
namespace {

// Bad input of any kind is reported or ignored, never a crash: every format cut short and with
// bytes flipped.
TEST(Readers, DamagedDocumentsOfEveryFormatNeverCrash) {
  std::string inner = Zip({{"x.txt", "4111"}});
  std::vector<std::pair<std::string, std::string>> documents = {
      {"a.zip", Zip({{"a.txt", "hello 4111"}, {"in.zip", inner}})},
      {"a.docx", Docx("<w:p><w:r><w:t>4111</w:t></w:r></w:p>")},
      {"a.gz", Gzip("some text 4111\n")},
      {"a.pdf", Pdf({"card 4111"})},
      {"a.mbox",
       "From x\nFrom: y\nContent-Type: multipart/mixed; boundary=b\n\n--b\n"
       "Content-Transfer-Encoding: base64\nContent-Type: application/zip\n\n" +
           Base64(inner) + "\n--b--\n"},
      {"a.txt", Utf16("text 4111", true)}};
  for (const auto& [name, bytes] : documents) {
    for (size_t cut = 0; cut < bytes.size(); cut += 1 + bytes.size() / 40) {
      Read(bytes.substr(0, cut), name);
      std::string flipped = bytes;
      flipped[cut] = static_cast<char>(flipped[cut] ^ 0x5A);
      Read(flipped, name);
    }
  }
}

}  // namespace
}  // namespace fg::scan::internal
