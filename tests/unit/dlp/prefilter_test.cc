// The pre-filter (HotLines in dlp.cc) reads only the lines that can hold a finding; these tests
// check that it never changes a result: the same findings as reading every line, on generated
// log text full of near misses (IPs, timestamps, epoch times, short numbers next to keywords,
// Unicode digits, track data, IBANs, SSNs) placed at every distance from the cards.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "dlp/dlp.h"
#include "dlp/internal/scanner.h"

namespace fg::dlp {
namespace {

std::string Pieces(std::mt19937_64& rng, size_t bytes) {
  static const char* kPieces[] = {"4111 1111 1111 1111",
                                  "5555-5555-5555-4444",
                                  "378282246310005",
                                  "6011.1111.1111.1117",
                                  "4111111111111112",
                                  "cvv 123",
                                  "CVC: 9876",
                                  "exp 12/27",
                                  "valid thru 01/2029",
                                  "good thru 11-26",
                                  "123-45-6789",
                                  "123 45 6789",
                                  "ssn 123456789",
                                  "SSN: 078051120",
                                  "GB82 WEST 1234 5698 7654 32",
                                  "DE89370400440532013000",
                                  ";4111111111111111=2512101?",
                                  "%B4111111111111111^DOE/J^2512?",
                                  "192.168.100.200",
                                  "2024-01-15 10:12:00",
                                  "1700000000",
                                  "200",
                                  "5123",
                                  "12/27",
                                  "[1234]",
                                  "card",
                                  "security code",
                                  "verification 321",
                                  "\xef\xbc\x94\xef\xbc\x91\xef\xbc\x91\xef\xbc\x91",
                                  "4\xe2\x80\x8b"
                                  "111 1111 1111 1111",
                                  "4111%201111%201111%201111",
                                  "+4111111111111111",
                                  "a3f4111111111111111b2c9d0e",
                                  "0000000000000",
                                  "ID12",
                                  "CID 999",
                                  "\n",
                                  "\n",
                                  "\n",
                                  " ",
                                  " ",
                                  " - ",
                                  ": ",
                                  "x",
                                  "user=",
                                  "4111 1111 1111 1111 12/27 123",
                                  "lpa 0xDC3A",
                                  "xGB82WEST12345698765432",
                                  "ssn\n",
                                  "social security ",
                                  "123456789",
                                  "tag57=4111111111111111D2712101000F",
                                  "6011 123456 1234567",
                                  "4111-111111-111111111",
                                  "1717200012345"};
  // Numbers in random groups, and test PANs split at odd places.
  static const char* kOddPans[] = {"41 1111 1111 1111 11", "411-11111111-1111-1",
                                   "12 4111 1111 1111 1111", "4111111111111111 12",
                                   "5555 5555 5555 4444 123 45 6789"};
  std::string out;
  while (out.size() < bytes) {
    if (rng() % 4 == 0) {
      const int groups = 1 + static_cast<int>(rng() % 6);
      for (int g = 0; g < groups; ++g) {
        if (g > 0) out.push_back(" -./"[rng() % 4]);
        const int len = 1 + static_cast<int>(rng() % 8);
        for (int k = 0; k < len; ++k) out.push_back(static_cast<char>('0' + rng() % 10));
      }
    }
    if (rng() % 8 == 0) out += kOddPans[rng() % std::size(kOddPans)];
    out += kPieces[rng() % std::size(kPieces)];
    const size_t filler = rng() % 80;
    for (size_t i = 0; i < filler; ++i) out.push_back("abc de.f:0123 45\n-/"[rng() % 19]);
  }
  return out;
}

// One pre-filter loop against reading every line.
size_t ExpectSameWith(std::string_view text, const Options& options, internal::PrefilterPath path) {
  internal::ForcePrefilterPath(path);
  const std::vector<Finding> fast = internal::Detect(text, 7, options, true);
  internal::ForcePrefilterPath(internal::PrefilterPath::kAuto);
  const std::vector<Finding> all = internal::Detect(text, 7, options, false);
  if (fast.size() != all.size()) {
    for (const Finding& f : all) {
      bool seen = false;
      for (const Finding& g : fast) seen = seen || (g.offset == f.offset && g.length == f.length);
      if (!seen) {
        const size_t at = f.offset - 7;
        const size_t from = at > 150 ? at - 150 : 0;
        ADD_FAILURE() << "missed " << KindName(f.kind) << " at " << at << ": ["
                      << text.substr(from, at - from) << "|" << text.substr(at, f.length + 40)
                      << "]";
      }
    }
  }
  EXPECT_EQ(fast.size(), all.size());
  if (fast.size() != all.size()) return 0;
  for (size_t i = 0; i < fast.size(); ++i) {
    EXPECT_EQ(fast[i].offset, all[i].offset);
    EXPECT_EQ(fast[i].length, all[i].length);
    EXPECT_EQ(fast[i].kind, all[i].kind);
    EXPECT_EQ(fast[i].masked, all[i].masked);
    EXPECT_EQ(fast[i].confidence, all[i].confidence);
  }
  return all.size();
}

// Every loop this CPU can run (scalar, AVX2, AVX-512BW, AVX-512 VBMI) against reading every line.
size_t ExpectSame(std::string_view text, const Options& options) {
  size_t findings = 0;
  for (internal::PrefilterPath path :
       {internal::PrefilterPath::kScalar, internal::PrefilterPath::kAvx2,
        internal::PrefilterPath::kAvx512, internal::PrefilterPath::kAvx512Vbmi}) {
    if (!internal::PrefilterPathSupported(path)) continue;
    findings = ExpectSameWith(text, options, path);
    if (::testing::Test::HasFailure()) {
      ADD_FAILURE() << "pre-filter path " << static_cast<int>(path);
      return 0;
    }
  }
  return findings;
}

TEST(DlpPrefilter, SkippingLinesNeverChangesTheFindings) {
  std::mt19937_64 rng(5);
  size_t findings = 0;
  for (int round = 0; round < 300; ++round) {
    const std::string text = Pieces(rng, 200 + rng() % 4000);
    findings += ExpectSame(text, {});
    if (::testing::Test::HasFailure()) {
      ADD_FAILURE() << "round " << round;
      return;
    }
  }
  EXPECT_GT(findings, 3000u);  // the texts are full of card data, not vacuously equal
}

// The vector pre-filter reads 64-byte blocks with masks carried from the block before: a
// number must be found wherever it starts or ends relative to a block, including a stretch
// that runs on into the next block (before, a 29-byte stretch ending on a block's last byte
// was lost).
TEST(DlpPrefilter, ACardIsFoundAtEveryOffsetOfAVectorBlock) {
  const std::string cases[] = {"4111 1111 1111 1111 12/27 123", "1.2 4111-1111-1111-1111",
                               ";4111111111111111=2512101?", "123-45-6789 and 5555555555554444",
                               "GB82WEST12345698765432"};
  for (const std::string& card : cases) {
    for (size_t pad = 0; pad < 140; ++pad) {
      const std::string text = std::string(pad, 'a') + " " + card + "\n" + std::string(150, 'b');
      EXPECT_GT(ExpectSame(text, {}), 0u) << card << " after " << pad << " bytes";
      if (::testing::Test::HasFailure()) return;
    }
  }
}

// Text that is mostly digits and separators: stretches cross block ends all the time.
TEST(DlpPrefilter, DenseDigitTextGivesTheSameFindings) {
  std::mt19937_64 rng(7);
  static const char* kCards[] = {
      "4111111111111111",       "5555 5555 5555 4444", "378282246310005", "36227206271667",
      ";4111111111111111=2512", "123-45-6789",         "exp 12/27",       "cvv 123",
      "1717200012345"};
  size_t findings = 0;
  for (int round = 0; round < 400; ++round) {
    const char* alphabet = round % 2 == 0 ? "0123456789 -" : "0123456789012345 -./%=^DAB\nx:";
    const size_t letters = std::char_traits<char>::length(alphabet);
    std::string text;
    const size_t size = 50 + rng() % 3000;
    while (text.size() < size) {
      if (rng() % 40 == 0) {
        text += kCards[rng() % std::size(kCards)];
      } else {
        text.push_back(alphabet[rng() % letters]);
      }
    }
    findings += ExpectSame(text, {});
    if (::testing::Test::HasFailure()) {
      ADD_FAILURE() << "round " << round;
      return;
    }
  }
  EXPECT_GT(findings, 1000u);
}

TEST(DlpPrefilter, TranscriptModeGivesTheSameFindings) {
  std::mt19937_64 rng(6);
  Options transcript;
  transcript.mode = Mode::kTranscript;
  for (int round = 0; round < 50; ++round) ExpectSame(Pieces(rng, 1000 + rng() % 2000), transcript);
}

TEST(DlpPrefilter, KeywordReachesTheNextLineButACardDoesNot) {
  // A keyword on one line still marks the CVV or expiry on the next.
  EXPECT_EQ(Redact("cvv\n123"), "cvv\n[CVV ***]");
  EXPECT_EQ(Redact("exp\n12/27"), "exp\n[EXP **/**]");
  // Without a keyword, a card keeps only the numbers of its own line.
  EXPECT_EQ(Redact("4111 1111 1111 1111 123"), "4111 1111 1111 1111 123");  // one 19-digit run
  EXPECT_EQ(Redact("4111 1111 1111 1111, 123"), "[PAN ****1111], [CVV ***]");
  EXPECT_EQ(Redact("12/27\n4111 1111 1111 1111"), "12/27\n[PAN ****1111]");
  EXPECT_EQ(Redact("exp\n12/27\n123"), "exp\n[EXP **/**]\n123");
}

TEST(DlpPrefilter, CvvLikeNumberOnTheNextLineIsNotMaskedWithoutAKeyword) {
  EXPECT_EQ(Redact("4111 1111 1111 1111\n123"), "[PAN ****1111]\n123");
  // A log line after a card line: its process id and year stay.
  const std::string logs =
      "Jun  1 00:00:27 pbx1 app[99]: note=customer read card 5555-5555-5555-4444\n"
      "Jun  1 00:00:27 pbx1 asterisk[4321]: channel SIP/1234 answered\n"
      "203.0.113.42 - - [01/Jun/2024:00:00:27 +0000] \"GET / HTTP/1.1\" 200 512\n";
  EXPECT_EQ(Redact(logs), "Jun  1 00:00:27 pbx1 app[99]: note=customer read card [PAN ****4444]\n" +
                              logs.substr(logs.find('\n') + 1));
}

TEST(DlpPrefilter, LogLinesWithoutCardDataPassUnchanged) {
  const std::string logs =
      "203.0.113.42 - - [15/Jan/2024:10:12:00 +0000] \"GET /api/v1/items/12345 HTTP/1.1\" 200 "
      "5123 \"-\" \"curl/7.88.1\"\n"
      "2024-01-15 10:12:00 host1 sshd[1234]: Accepted publickey from 192.168.100.200 port 22\n"
      "Jan 15 10:12:00 host1 app[99]: ts=1700000000 took 123 ms, invalid user\n";
  EXPECT_EQ(Redact(logs), logs);
}

// The AVX-512 loops classify 64 bytes with one load where AVX2 takes two halves, and the VBMI
// one decides eight blocks at a time: on the same texts (log pieces, dense digits and random
// bytes, every length around a block and a step) each must mark exactly the lines AVX2 marks,
// not just lead to the same findings.
void ExpectSameLinesAsAvx2(internal::PrefilterPath path) {
  if (!internal::PrefilterPathSupported(path) ||
      !internal::PrefilterPathSupported(internal::PrefilterPath::kAvx2)) {
    GTEST_SKIP() << "this CPU lacks the instructions of path " << static_cast<int>(path);
  }
  std::mt19937_64 rng(11);
  static const char kDense[] = "0123456789012345 -./%=^DAB\nx:EeCcSsVvIiOo\x80\xff";
  size_t marked = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string text;
    const size_t size = round < 1100 ? static_cast<size_t>(round) : rng() % 5000;
    if (round % 3 == 0) {
      text = Pieces(rng, size);
      text.resize(size);
    } else {
      while (text.size() < size) {
        text.push_back(round % 3 == 1 ? kDense[rng() % (sizeof(kDense) - 1)]
                                      : static_cast<char>(rng() % 256));
      }
    }
    const auto wide = internal::HotSpans(text, path);
    const auto narrow = internal::HotSpans(text, internal::PrefilterPath::kAvx2);
    ASSERT_EQ(wide, narrow) << "round " << round << " size " << text.size();
    marked += wide.size();
  }
  EXPECT_GT(marked, 3000u);  // the texts do mark lines: not vacuously equal
}

TEST(DlpPrefilter, Avx512AndAvx2MarkTheSameLines) {
  ExpectSameLinesAsAvx2(internal::PrefilterPath::kAvx512);
}

TEST(DlpPrefilter, Avx512VbmiAndAvx2MarkTheSameLines) {
  ExpectSameLinesAsAvx2(internal::PrefilterPath::kAvx512Vbmi);
}

}  // namespace
}  // namespace fg::dlp
