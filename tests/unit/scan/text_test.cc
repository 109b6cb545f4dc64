// The streaming decoders: every split of the input into chunks gives the same text.
#include "scan/internal/text.h"

#include <gtest/gtest.h>

namespace fg::scan::internal {
namespace {

std::string DecodeInChunks(const std::string& bytes, size_t chunk) {
  std::string out;
  TextDecoder decoder([&](std::string_view utf8) { out.append(utf8); });
  for (size_t i = 0; i < bytes.size(); i += chunk) decoder.Feed(bytes.substr(i, chunk));
  decoder.Finish();
  return out;
}

TEST(TextDecoder, Utf8PassesUnchangedWhateverTheChunking) {
  std::string text = "caf\xC3\xA9 \xE2\x82\xAC 4111 \xF0\x9F\x98\x80 end\n";
  for (size_t chunk : {1, 2, 3, 5, 64}) EXPECT_EQ(DecodeInChunks(text, chunk), text) << chunk;
}

TEST(TextDecoder, Utf8BomIsDropped) { EXPECT_EQ(DecodeInChunks("\xEF\xBB\xBFhi", 1), "hi"); }

TEST(TextDecoder, InvalidUtf8BytesAreReadAsLatin1) {
  // "é" and a no-break space in Latin-1; both become their UTF-8 forms.
  std::string latin1 =
      "caf\xE9 4111\xA0"
      "1111\n";
  for (size_t chunk : {1, 4, 64}) {
    EXPECT_EQ(DecodeInChunks(latin1, chunk),
              "caf\xC3\xA9 4111\xC2\xA0"
              "1111\n")
        << chunk;
  }
}

TEST(TextDecoder, Utf16LittleAndBigEndianWithBomBecomeUtf8) {
  std::string le = std::string("\xFF\xFE", 2) + std::string(
                                                    "a\0\xE9\0\n\0"
                                                    "1\0",
                                                    8);
  std::string be = std::string("\xFE\xFF", 2) + std::string(
                                                    "\0a\0\xE9\0\n\0"
                                                    "1",
                                                    8);
  for (size_t chunk : {1, 3, 64}) {
    EXPECT_EQ(DecodeInChunks(le, chunk), "a\xC3\xA9\n1") << chunk;
    EXPECT_EQ(DecodeInChunks(be, chunk), "a\xC3\xA9\n1") << chunk;
  }
}

TEST(TextDecoder, Utf16SurrogatePairsJoinAcrossChunks) {
  std::string le = std::string("\xFF\xFE\x3D\xD8\x00\xDE", 6);  // U+1F600
  EXPECT_EQ(DecodeInChunks(le, 1), "\xF0\x9F\x98\x80");
}

TEST(TextDecoder, ShortInputsAreDecoded) {
  EXPECT_EQ(DecodeInChunks("", 1), "");
  EXPECT_EQ(DecodeInChunks("4", 1), "4");
  EXPECT_EQ(DecodeInChunks("\xE9", 1), "\xC3\xA9");
}

std::string XmlInChunks(const std::string& xml, size_t chunk) {
  std::string out;
  XmlText text([&](std::string_view utf8) { out.append(utf8); });
  for (size_t i = 0; i < xml.size(); i += chunk) text.Feed(std::string_view(xml).substr(i, chunk));
  text.Finish();
  return out;
}

TEST(XmlText, RunsOfAParagraphJoinAndParagraphsAreLines) {
  std::string xml =
      "<?xml version=\"1.0\"?><w:body><w:p><w:r><w:t xml:space=\"preserve\">4111 </w:t></w:r>"
      "<w:r><w:t>1111</w:t></w:r></w:p><w:p><w:r><w:t>a&amp;b &#x34;&#50;</w:t></w:r></w:p>"
      "</w:body>";
  for (size_t chunk : {1, 7, 1000}) EXPECT_EQ(XmlInChunks(xml, chunk), "4111 1111\na&b 42\n");
}

TEST(XmlText, CellsAreSeparatedSoTheirDigitsNeverJoin) {
  std::string xml = "<row><c r=\"A1\"><v>4111</v></c><c r=\"B1\"><v>1111</v></c></row>";
  EXPECT_EQ(XmlInChunks(xml, 3), "4111\t1111\t\n");
}

TEST(XmlText, AttributesAreDroppedEvenWithAngleBracketsInQuotes) {
  EXPECT_EQ(XmlInChunks("<a title=\"x>4111111111111111\">text</a>", 2), "text");
}

TEST(Base64Decoder, DecodesAcrossLinesAndChunks) {
  std::string out;
  Base64Decoder decoder([&](std::string_view bytes) { out.append(bytes); });
  for (std::string_view piece : {"aGVs", "bG8g\r\n", "d29y", "bGQ="}) decoder.Feed(piece);
  decoder.Finish();
  EXPECT_EQ(out, "hello world");
}

TEST(QuotedPrintable, SoftBreaksJoinAndEscapesDecode) {
  bool soft = false;
  EXPECT_EQ(DecodeQuotedPrintableLine("4111 1111 =", &soft), "4111 1111 ");
  EXPECT_TRUE(soft);
  EXPECT_EQ(DecodeQuotedPrintableLine("caf=C3=A9 =3D 1", &soft), "caf\xC3\xA9 = 1");
  EXPECT_FALSE(soft);
}

TEST(EncodedWords, BothEncodingsDecodeAndAdjacentWordsJoin) {
  EXPECT_EQ(DecodeEncodedWords("Subject: =?utf-8?B?NDExMSAxMTEx?= =?UTF-8?b?IDExMTE=?= end"),
            "Subject: 4111 1111 1111 end");
  EXPECT_EQ(DecodeEncodedWords("=?ISO-8859-1?Q?caf=E9_4111?=\n =?us-ascii?Q?=5F1?="),
            "caf\xE9 4111_1");
  // Not encoded-words: left as they are.
  for (std::string_view plain : {"a =?utf-8?X?abc?= b", "=?utf-8?B?no end",
                                 "=??B?x?=", "=?utf-8?Q?has space?=", "2+2=?", "=?"}) {
    EXPECT_EQ(DecodeEncodedWords(plain), plain);
  }
  // Whitespace between a word and plain text stays.
  EXPECT_EQ(DecodeEncodedWords("=?utf-8?Q?a?= b =?utf-8?Q?c?="), "a b c");
}

TEST(LineTracker, MapsOffsetsToLines) {
  LineTracker lines;
  lines.Feed("a\nbb\n");
  lines.Feed("ccc\n");
  EXPECT_EQ(lines.LineAt(0), 1u);
  EXPECT_EQ(lines.LineAt(2), 2u);
  EXPECT_EQ(lines.LineAt(5), 3u);
}

TEST(LineTracker, KeepsOnlyItsWindowButCountsEveryLine) {
  LineTracker lines(/*window=*/8);
  for (int i = 0; i < 100; ++i) lines.Feed("xxx\n");
  EXPECT_EQ(lines.LineAt(398), 100u);
  EXPECT_EQ(lines.LineAt(0), 0u);  // too old: unknown, not wrong
}

}  // namespace
}  // namespace fg::scan::internal
