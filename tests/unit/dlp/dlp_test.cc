#include "dlp/dlp.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dlp/issuers.h"

namespace fg::dlp {
namespace {

// A Luhn-valid number: `prefix`, filler digits, then the check digit.
std::string MakePan(std::string prefix, size_t length) {
  std::string pan = prefix;
  int filler = 3;
  while (pan.size() + 1 < length) {
    pan.push_back(static_cast<char>('0' + filler));
    filler = (filler * 7 + 1) % 10;
  }
  for (char check = '0'; check <= '9'; ++check) {
    std::string candidate = pan + check;
    int sum = 0;
    bool twice = false;
    for (size_t i = candidate.size(); i-- > 0;) {
      int d = candidate[i] - '0';
      if (twice && (d *= 2) > 9) d -= 9;
      sum += d;
      twice = !twice;
    }
    if (sum % 10 == 0) return candidate;
  }
  return {};
}

std::string Last4(const std::string& pan) { return pan.substr(pan.size() - 4); }

struct BrandCase {
  std::string brand;
  std::string prefix;
  std::vector<size_t> lengths;
};

const std::vector<BrandCase>& BrandCases() {
  static const std::vector<BrandCase> cases = {
      {"visa", "4", {13, 16, 19}},
      {"mastercard", "51", {16}},
      {"mastercard", "55", {16}},
      {"mastercard", "2221", {16}},
      {"mastercard", "2720", {16}},
      {"amex", "34", {15}},
      {"amex", "37", {15}},
      {"discover", "6011", {16, 17, 18, 19}},
      {"discover", "644", {16, 19}},
      {"discover", "649", {16}},
      {"discover", "65", {16, 19}},
      {"discover", "622126", {16, 19}},
      {"discover", "622925", {16}},
      {"jcb", "3528", {16, 17, 18, 19}},
      {"jcb", "3589", {16}},
      {"unionpay", "62", {16, 17, 18, 19}},
      {"unionpay", "6212", {16}},
      {"diners", "300", {14, 16, 19}},
      {"diners", "305", {14}},
      {"diners", "3095", {14}},
      {"diners", "36", {14, 15, 16, 17, 18, 19}},
      {"diners", "38", {14}},
      {"diners", "39", {14}},
      {"maestro", "50", {12, 13, 14, 15, 16, 17, 18, 19}},
      {"maestro", "56", {12, 19}},
      {"maestro", "58", {12}},
      {"maestro", "6759", {12, 16, 19}},
      {"maestro", "63", {12}},
      {"mir", "2200", {16, 17, 18, 19}},
      {"mir", "2204", {16}},
  };
  return cases;
}

TEST(DlpPan, EveryBrandAtEveryLengthIsFoundWithItsBrand) {
  for (const BrandCase& c : BrandCases()) {
    for (size_t length : c.lengths) {
      const std::string pan = MakePan(c.prefix, length);
      std::vector<Finding> found;
      const std::string out = Redact("pay " + pan + " now", {}, &found);
      ASSERT_EQ(found.size(), 1u) << c.brand << " " << length;
      EXPECT_EQ(found[0].kind, Kind::kPan);
      EXPECT_EQ(found[0].brand, c.brand) << c.prefix << " " << length;
      EXPECT_EQ(out, "pay [PAN ****" + Last4(pan) + "] now");
    }
  }
}

TEST(DlpPan, LengthNotAllowedForTheBrandIsNotAFinding) {
  EXPECT_FALSE(Contains(MakePan("4", 15)));   // visa: 13/16/19 only
  EXPECT_FALSE(Contains(MakePan("51", 15)));  // mastercard: 16 only
  EXPECT_FALSE(Contains(MakePan("34", 16)));  // amex: 15 only
  EXPECT_FALSE(Contains(MakePan("6011", 15)));
  EXPECT_FALSE(Contains(MakePan("1", 16)));  // no issuer
}

TEST(DlpPan, IssuerTableIsMostSpecificFirst) {
  EXPECT_EQ(MatchIssuer(MakePan("622126", 16))->brand, "discover");
  EXPECT_EQ(MatchIssuer(MakePan("6229", 16))->brand, "unionpay");
  EXPECT_EQ(MatchIssuer(MakePan("6011", 16))->brand, "discover");
  EXPECT_EQ(MatchIssuer(MakePan("60", 16))->brand, "maestro");
  EXPECT_EQ(MatchIssuer(MakePan("6011", 12)), nullptr);  // 6011 is claimed by discover
  EXPECT_FALSE(Issuers().empty());
}

TEST(DlpPan, LuhnFailureIsNotAFinding) {
  EXPECT_FALSE(Contains("card 4111 1111 1111 1112"));
  EXPECT_TRUE(Contains("card 4111 1111 1111 1111"));
}

TEST(DlpPan, WholeRunIsCheckedNeverAWindow) {
  const std::string pan = "4111111111111111";
  EXPECT_FALSE(Contains("id " + pan + "1234"));  // 20 digits
  EXPECT_FALSE(Contains("id 99" + pan));
  EXPECT_FALSE(Contains("id 12345678901234567890123 " + std::string("x")));
}

TEST(DlpPan, SingleSeparatorsJoinARun) {
  for (std::string sep : {" ", "-", ".", "/", "\xC2\xA0", "%20"}) {
    const std::string text = "4111" + sep + "1111" + sep + "1111" + sep + "1111";
    std::vector<Finding> found;
    EXPECT_EQ(Redact("x " + text + " y", {}, &found), "x [PAN ****1111] y") << sep;
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].offset, 2u);
    EXPECT_EQ(found[0].length, text.size());
  }
}

TEST(DlpPan, ASpaceWhereTheGroupingChangesStartsANewNumber) {
  EXPECT_EQ(Redact("exp 12/27 4111 1111 1111 1111"), "exp [EXP **/**] [PAN ****1111]");
  EXPECT_EQ(Redact("id 20240115123456 4111-1111-1111-1111"), "id 20240115123456 [PAN ****1111]");
}

TEST(DlpPan, FourSixRestGroupingIsOneNumber) {
  // 4-6-rest at every length a brand allows: 4-6-4 (Diners), 4-6-5 (Amex), 4-6-6..4-6-9.
  for (const auto& [prefix, length] : std::vector<std::pair<std::string, int>>{
           {"36", 14}, {"37", 15}, {"6011", 16}, {"6011", 17}, {"3528", 18}, {"4", 19}}) {
    const std::string pan = MakePan(prefix, length);
    for (const char* sep : {" ", "-"}) {
      const std::string text = pan.substr(0, 4) + sep + pan.substr(4, 6) + sep + pan.substr(10);
      EXPECT_EQ(Redact("card " + text + " ok"), "card [PAN ****" + pan.substr(length - 4) + "] ok")
          << text;
    }
  }
}

TEST(DlpPan, ALongerRunIsNeverCutToAPanFollowedByMore) {
  const std::string pan = "4111111111111111";
  // A Luhn-invalid 19-digit run in groups of four, and a PAN inside a longer grouped run.
  EXPECT_EQ(Redact("ref 4111 1111 1111 1111 123"), "ref 4111 1111 1111 1111 123");
  EXPECT_EQ(Redact("ref 4111-1111-1111-1111-1234-5678"), "ref 4111-1111-1111-1111-1234-5678");
  EXPECT_EQ(Redact("ref 1234 4111 1111 1111 1111"), "ref 1234 4111 1111 1111 1111");
}

TEST(DlpTrack, EmvTag57IsTrack2) {
  EXPECT_EQ(Redact("tag57=4111111111111111D27121010000000F end"), "tag57=[TRACK2 ****1111] end");
  EXPECT_EQ(Redact("57: 4111111111111111D2712101000F"), "57: [TRACK2 ****1111]");
  EXPECT_EQ(Redact("emv 57 10 4111111111111111D2712101"), "emv 57 10 [TRACK2 ****1111]");
  EXPECT_EQ(Redact("tlv 57104111111111111111D271210100F"), "tlv [TRACK2 ****1111]");
  // A hex hash with a 'D' after a run of digits is not card data.
  EXPECT_FALSE(Contains("sha 4111111111111112D2712abcdef0123456789"));
}

TEST(DlpPan, DoubleSeparatorsBreakARun) {
  EXPECT_FALSE(Contains("4111  1111  1111  1111"));
  EXPECT_FALSE(Contains("4111--1111--1111--1111"));
}

TEST(DlpPan, E164PhoneNumbersAreSkipped) {
  const std::string pan = MakePan("4", 13);
  EXPECT_TRUE(Contains("call " + pan));
  EXPECT_FALSE(Contains("call +" + pan));
}

TEST(DlpPan, SevenOrMoreRepeatedDigitsAreSkipped) {
  EXPECT_FALSE(Contains("0000000000000000"));
  EXPECT_FALSE(Contains("5555 5555 5555 5555"));  // Luhn-valid for no brand either way
  EXPECT_FALSE(Contains("000000000000000000"));
}

TEST(DlpPan, HexHashesAreNotCards) {
  EXPECT_FALSE(Contains("sha 4111111111111111abcdef0123456789"));
}

TEST(DlpPan, TestPanIsTaggedAndOthersAreNot) {
  auto found = Scan("4111111111111111");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_TRUE(found[0].test_value);
  found = Scan(MakePan("4", 16));
  ASSERT_EQ(found.size(), 1u);
  EXPECT_FALSE(found[0].test_value);
}

TEST(DlpPan, ContextWordsRaiseConfidence) {
  const std::string pan = MakePan("5", 16);
  const auto bare = Scan("ref " + pan);
  const auto card = Scan("ref " + pan + std::string(200, ' ') + "visa cvv");
  const auto far = Scan("ref " + pan + std::string(400, ' ') + "visa");
  ASSERT_EQ(bare.size(), 1u);
  ASSERT_EQ(card.size(), 1u);
  ASSERT_EQ(far.size(), 1u);
  EXPECT_GT(card[0].confidence, bare[0].confidence);
  EXPECT_EQ(far[0].confidence, bare[0].confidence);
}

TEST(DlpUnicode, FullwidthAndArabicIndicDigitsAreDigits) {
  // U+FF14 U+FF11 ... : fullwidth "4111 1111 1111 1111"
  std::string fullwidth, arabic, persian, devanagari;
  for (char c : std::string("4111111111111111")) {
    const int d = c - '0';
    fullwidth += std::string("\xEF\xBC") + static_cast<char>(0x90 + d);
    arabic += std::string("\xD9") + static_cast<char>(0xA0 + d);
    persian += std::string("\xDB") + static_cast<char>(0xB0 + d);
    devanagari += std::string("\xE0\xA5") + static_cast<char>(0xA6 + d);
  }
  for (const std::string& text : {fullwidth, arabic, persian, devanagari}) {
    std::vector<Finding> found;
    EXPECT_EQ(Redact("a " + text + " b", {}, &found), "a [PAN ****1111] b");
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].offset, 2u);
    EXPECT_EQ(found[0].length, text.size());
  }
}

TEST(DlpUnicode, ZeroWidthCharactersBetweenDigitsAreIgnored) {
  const std::string zwsp = "\xE2\x80\x8B", bom = "\xEF\xBB\xBF", wj = "\xE2\x81\xA0";
  EXPECT_EQ(Redact("4111" + zwsp + "1111" + bom + "1111" + wj + "1111."), "[PAN ****1111].");
  EXPECT_EQ(Redact("4111 " + wj + "1111" + zwsp + " 1111 1111."), "[PAN ****1111].");
}

TEST(DlpTrack, Track1AndTrack2AreMaskedWhole) {
  EXPECT_EQ(Redact("t1 %B4111111111111111^DOE/JOHN^2512101000000000000000?x"),
            "t1 [TRACK1 ****1111]x");
  EXPECT_EQ(Redact("t2 ;4111111111111111=25121010000000000000? end"), "t2 [TRACK2 ****1111] end");
  auto found = Scan(";4111111111111111=2512101?");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].kind, Kind::kTrack2);
  EXPECT_EQ(found[0].brand, "visa");
}

TEST(DlpCvv, CvvAfterKeywordOrRightAfterAPanIsMasked) {
  EXPECT_EQ(Redact("cvv: 123"), "cvv: [CVV ***]");
  EXPECT_EQ(Redact("security code is 9876"), "security code is [CVV ***]");
  EXPECT_EQ(Redact("4111 1111 1111 1111 12/27 123"), "[PAN ****1111] [EXP **/**] [CVV ***]");
  EXPECT_EQ(Redact("4111111111111111, 123"), "[PAN ****1111], [CVV ***]");
}

TEST(DlpCvv, ThreeDigitsAloneInUnrelatedTextStay) {
  EXPECT_EQ(Redact("GET /index.html 200 512 ms"), "GET /index.html 200 512 ms");
  EXPECT_EQ(Redact("port 8080 pid 1234"), "port 8080 pid 1234");
}

TEST(DlpExpiry, ExpiryNearAPanOrKeywordIsMasked) {
  EXPECT_EQ(Redact("exp 12/27"), "exp [EXP **/**]");
  EXPECT_EQ(Redact("expires 01/2029"), "expires [EXP **/**]");
  EXPECT_EQ(Redact("4111111111111111 09-26"), "[PAN ****1111] [EXP **/**]");
}

TEST(DlpExpiry, DateAloneInUnrelatedTextStays) {
  EXPECT_EQ(Redact("released 12/27 of the batch"), "released 12/27 of the batch");
  EXPECT_EQ(Redact("build 13/27 ok"), "build 13/27 ok");
}

TEST(DlpSsn, ValidSsnIsMaskedInvalidRangesAreNot) {
  EXPECT_EQ(Redact("ssn 123-45-6789"), "ssn [SSN ***-**-6789]");
  for (std::string bad :
       {"000-12-3456", "666-12-3456", "900-12-3456", "123-00-4567", "123-45-0000"}) {
    EXPECT_FALSE(Contains("ssn " + bad)) << bad;
  }
  EXPECT_EQ(Redact("SSN: 123456789"), "SSN: [SSN ***-**-6789]");
  EXPECT_FALSE(Contains("order 123456789"));
}

TEST(DlpIban, ValidChecksumIsMaskedInvalidIsNot) {
  EXPECT_EQ(Redact("iban DE89 3704 0044 0532 0130 00."), "iban [IBAN ****3000].");
  EXPECT_EQ(Redact("GB82WEST12345698765432"), "[IBAN ****5432]");
  EXPECT_FALSE(Contains("iban DE88 3704 0044 0532 0130 00."));
  EXPECT_FALSE(Contains("GB82WEST12345698765433"));
}

TEST(DlpMask, MasksAreExactAndNoFindingHoldsTheFullValue) {
  const std::string pan = "5555555555554444";
  std::vector<Finding> found;
  Options options;
  options.hmac_key = std::string(32, 'k');
  Redact("card " + pan + " exp 11/28 cvv 321 ssn 123-45-6789 DE89370400440532013000", options,
         &found);
  ASSERT_EQ(found.size(), 5u);
  EXPECT_EQ(found[0].masked, "[PAN ****4444]");
  EXPECT_EQ(found[1].masked, "[EXP **/**]");
  EXPECT_EQ(found[2].masked, "[CVV ***]");
  EXPECT_EQ(found[3].masked, "[SSN ***-**-6789]");
  EXPECT_EQ(found[4].masked, "[IBAN ****3000]");
  for (const Finding& f : found) {
    for (const std::string* field : {&f.brand, &f.masked, &f.hmac}) {
      EXPECT_EQ(field->find(pan), std::string::npos);
      EXPECT_EQ(field->find("555555"), std::string::npos);
    }
  }
}

TEST(DlpHmac, PresentWithAKeyStableAndKeyed) {
  Options keyed;
  keyed.hmac_key = std::string(32, 'a');
  const auto a = Scan("4111 1111 1111 1111", keyed);
  const auto b = Scan("4111-1111-1111-1111", keyed);  // same normalised value
  Options other;
  other.hmac_key = std::string(32, 'b');
  const auto c = Scan("4111111111111111", other);
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(b.size(), 1u);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(a[0].hmac.size(), 64u);
  EXPECT_EQ(a[0].hmac, b[0].hmac);
  EXPECT_NE(a[0].hmac, c[0].hmac);
  EXPECT_TRUE(Scan("4111111111111111")[0].hmac.empty());
}

std::string Streamed(std::string_view text, const Options& options,
                     const std::vector<size_t>& cuts) {
  std::string out;
  StreamRedactor redactor(options, [&](std::string_view bytes) { out.append(bytes); });
  size_t at = 0;
  for (size_t cut : cuts) {
    redactor.Feed(text.substr(at, cut - at));
    at = cut;
  }
  redactor.Feed(text.substr(at));
  redactor.Finish();
  return out;
}

TEST(DlpStream, EverySplitPointGivesTheOneShotOutput) {
  const std::string text =
      "log line\ncard 4111\xC2\xA0"
      "1111 1111 1111 exp 12/27 cvv 123\niban DE89 3704 0044 0532 0130 00\n";
  const std::string expected = Redact(text);
  ASSERT_NE(expected, text);
  for (size_t cut = 0; cut <= text.size(); ++cut) {
    EXPECT_EQ(Streamed(text, {}, {cut}), expected) << cut;
  }
  std::vector<size_t> bytes;
  for (size_t i = 1; i < text.size(); ++i) bytes.push_back(i);
  EXPECT_EQ(Streamed(text, {}, bytes), expected);
}

TEST(DlpStream, LargeInputMatchesOneShotAndFindsEveryPan) {
  std::string text;
  for (int i = 0; i < 3000; ++i) {
    text += "2024-01-15T10:23:45.123Z host app[1234]: request id=" + std::to_string(i * 7919) +
            " done in 12 ms\n";
    if (i % 500 == 7) text += "payment card 5555 5555 5555 4444 accepted\n";
  }
  std::vector<Finding> one_shot;
  const std::string expected = Redact(text, {}, &one_shot);
  EXPECT_EQ(one_shot.size(), 6u);
  std::vector<Finding> streamed;
  std::string out;
  StreamRedactor redactor(
      {}, [&](std::string_view b) { out.append(b); },
      [&](const Finding& f) { streamed.push_back(f); });
  for (size_t at = 0; at < text.size(); at += 777)
    redactor.Feed(std::string_view(text).substr(at, 777));
  redactor.Finish();
  EXPECT_EQ(out, expected);
  ASSERT_EQ(streamed.size(), one_shot.size());
  for (size_t i = 0; i < streamed.size(); ++i) EXPECT_EQ(streamed[i].offset, one_shot[i].offset);
  EXPECT_LT(StreamTailBytes(Mode::kText), 4096u);
}

TEST(DlpStream, LargeChunksAreScannedInPlaceWithTheSameResult) {
  std::string text;
  for (int i = 0; i < 6000; ++i) {
    text += "{\"ts\":17172000" + std::to_string(10000 + i) + ",\"id\":" + std::to_string(i * 7919) +
            "}\n";
    if (i % 700 == 3) text += "note card 4111 1111 1111 1111 exp 12/27 cvv 123\n";
    if (i % 900 == 5) text += "card 5555-5555-5555-";  // a PAN split by the chunk cuts below
    if (i % 900 == 5) text += "4444, 321\n";
  }
  const std::string expected = Redact(text);
  ASSERT_NE(expected, text);
  for (const std::vector<size_t>& cuts :
       std::vector<std::vector<size_t>>{{1}, {100000}, {5, 150000, 7, 3000}, {70000, 70001}}) {
    std::string out;
    StreamRedactor redactor({}, [&](std::string_view b) { out.append(b); });
    size_t at = 0, k = 0;
    while (at < text.size()) {
      const size_t take = std::min(cuts[k++ % cuts.size()], text.size() - at);
      redactor.Feed(std::string_view(text).substr(at, take));
      at += take;
    }
    redactor.Finish();
    EXPECT_EQ(out, expected) << cuts[0];
  }
}

Options Transcript() {
  Options options;
  options.mode = Mode::kTranscript;
  return options;
}

TEST(DlpTranscript, SpokenDigitsAreMaskedWholeSpan) {
  EXPECT_EQ(Redact("my card is four one one one one one one one one one one one one one one one "
                   "thanks",
                   Transcript()),
            "my card is [PAN ****1111] thanks");
}

TEST(DlpTranscript, DoubleOhAndFillersCount) {
  // 4 1 1 1, 2 2 (double two) 0 0, um, 5 5 5 5, uh 9 8 7 6 = 16 digits
  const std::string text =
      "it's four one one one double two oh zero um five five five five uh nine eight seven six ok";
  std::vector<Finding> found;
  EXPECT_EQ(Redact(text, Transcript(), &found), "it's [PAN ****9876] ok");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].kind, Kind::kPan);
}

TEST(DlpTranscript, FailsClosedWhateverLuhnSays) {
  EXPECT_EQ(Redact("number 1234 5678 9012 3456 please", Transcript()),
            "number [PAN ****3456] please");
  EXPECT_EQ(Redact("one two three four five six seven eight nine one two", Transcript()),
            "one two three four five six seven eight nine one two");  // 11 digits
}

// Past 19 digits a spoken number splits where a token would overflow it; the part that closes
// is masked even under 12 digits, or 11 + 9 spoken digits would both stay in the clear.
TEST(DlpTranscript, MoreThanNineteenSpokenDigitsAreNeverLeftInTheClear) {
  const std::string out = Redact("it's 9013 9424 5 55 and 111111111 ok", Transcript());
  EXPECT_EQ(out, "it's [PAN ****4555] and 111111111 ok");
  EXPECT_EQ(Redact(out, Transcript()), out);
}

TEST(DlpTranscript, StateCarriesAcrossFeedCalls) {
  const std::string a = "agent: card number please\ncaller: four one one one one one one one ";
  const std::string b = "uh one one one one one one one one\nagent: thanks\n";
  std::string out;
  StreamRedactor redactor(Transcript(), [&](std::string_view bytes) { out.append(bytes); });
  redactor.Feed(a);
  redactor.Feed(b);
  redactor.Finish();
  EXPECT_EQ(out, "agent: card number please\ncaller: [PAN ****1111]\nagent: thanks\n");
  EXPECT_EQ(out, Redact(a + b, Transcript()));
}

TEST(DlpTranscript, SpanAcrossLinesKeepsItsNewlines) {
  const std::string text = "four one one one one one one one\none one one one one one one one\nbye";
  const std::string out = Redact(text, Transcript());
  EXPECT_EQ(out, "[PAN ****1111]\n\nbye");
}

// The last four a mask keeps are never the start of a spoken number: redacting a redacted
// transcript changes nothing (the fuzz target found the SSN and IBAN cases).
TEST(DlpTranscript, RedactingARedactedTranscriptChangesNothing) {
  const std::string texts[] = {
      "ssn 123-45-6789 and uh 0099 0130",  // SSN mask: "***-**-6789"
      // IBAN mask "[IBAN ****22D0]": its last digit after a letter (found by the fuzz target)
      "%B\?\?\?\?\?\?\?\?\?\?\?\?\?\?\?\?\?\?\?\?\?\?\?\?\?\?\?\?\?\?\?4'"
      "1111111111B4111111111111A11%BL11111112222D0-01 1111 1111 1",
      "card 4111 1111 1111 1111 uh 2222 3333", "so it's 5555 5555 5555 4444 and 1234 5678"};
  for (const std::string& text : texts) {
    const std::string once = Redact(text, Transcript());
    EXPECT_NE(once, text);
    EXPECT_EQ(Redact(once, Transcript()), once) << text;
  }
  // Sixteen digits after a star are a number (fail closed), not a mask's last four.
  EXPECT_EQ(Redact("note *1234567890123456 ok", Transcript()), "note *[PAN ****3456] ok");
  // A number spoken right after a mask still counts on its own.
  EXPECT_EQ(Redact("[SSN ***-**-6789] then 4111 1111 1111 1111", Transcript()),
            "[SSN ***-**-6789] then [PAN ****1111]");
}

// A track 1 whose discretionary data would only be the digits of the next mask is no track:
// redacting a redacted line changes nothing (the fuzz target found it).
TEST(DlpTrack, AMasksDigitsAreNeverATracksExpiry) {
  const std::string text = "%B1141111111111111^DOH/EO^N%B4111111111111111^DOE/J^2512101?";
  const std::string once = Redact(text);
  EXPECT_EQ(once, "%B1141111111111111^DOH/EO^N[TRACK1 ****1111]");
  EXPECT_EQ(Redact(once), once);
}

// After a track 1 start ('%' and a format code) a number is a card number even when hex
// letters follow it (the fuzz target found a PAN left in the clear as part of a "hash").
TEST(DlpTrack, ANumberAfterATrackStartIsNeverAHash) {
  EXPECT_EQ(Redact("%B4111111111111111B1234^DOE/JOHN^251210"),
            "%B[PAN ****1111]B[CVV ***]^DOE/JOHN^251210");
  EXPECT_EQ(Redact("%A4111111111111111B4111111111111111111^x"),
            "%A[PAN ****1111]B4111111111111111111^x");
  // Digits with one letter among them are numbers, not a hex id (which has several letters).
  EXPECT_EQ(Redact("x 115B4111111111111111 y"), "x 115B[PAN ****1111] y");
  // Two card numbers joined by a hex letter are two numbers, not one hash.
  EXPECT_EQ(Redact("x 4111111111111111B5555555555554444 y"), "x [PAN ****1111]B[PAN ****4444] y");
  // A hash with a Luhn-valid 16-digit stretch stays a hash.
  EXPECT_EQ(Redact("sha256 9f8e4111111111111111ab3c7d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b"),
            "sha256 9f8e4111111111111111ab3c7d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b");
}

// "%20" before a number (a URL-encoded space) is not part of it.
TEST(DlpPan, EncodedSpaceBeforeANumberIsNotItsFirstDigits) {
  EXPECT_EQ(Redact("GET /pay?card=%204111111111111111&x=1"), "GET /pay?card=%20[PAN ****1111]&x=1");
  EXPECT_EQ(Redact("q=%204111%201111%201111%201111"), "q=%20[PAN ****1111]");
  EXPECT_EQ(Redact("q=%2012345678901234567"), "q=%2012345678901234567");  // 17 digits, no PAN
}

// A spoken number that wins over a text finding covers all of it: here it starts in the "%20"
// before a track and ends at the '=', and the track's expiry and data after it are masked too
// (the fuzz target found them left in the clear).
TEST(DlpTranscript, ASpokenNumberOverlappingATrackMasksTheWholeTrack) {
  const std::string text = "ref%204111111111111111=2512101000000000000 ok";
  EXPECT_EQ(Redact(text, Options{}), "ref%20[TRACK2 ****1111] ok");
  const std::string out = Redact(text, Transcript());
  EXPECT_EQ(out, "ref%[PAN ****1111] ok");
  EXPECT_EQ(Redact(out, Transcript()), out);
}

TEST(DlpKind, NamesAreStable) {
  EXPECT_EQ(KindName(Kind::kPan), "pan");
  EXPECT_EQ(KindName(Kind::kTrack1), "track1");
  EXPECT_EQ(KindName(Kind::kTrack2), "track2");
  EXPECT_EQ(KindName(Kind::kCvv), "cvv");
  EXPECT_EQ(KindName(Kind::kExpiry), "expiry");
  EXPECT_EQ(KindName(Kind::kSsn), "ssn");
  EXPECT_EQ(KindName(Kind::kIban), "iban");
}

}  // namespace
}  // namespace fg::dlp

#include <filesystem>
#include <fstream>
#include <sstream>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace fg::dlp {
namespace {

TEST(DlpFuzzCorpus, EveryCorpusFileRunsCleanly) {
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(FG_DLP_FUZZ_CORPUS)) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    const std::string data = bytes.str();
    EXPECT_EQ(LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(data.data()), data.size()),
              0);
    ++files;
  }
  EXPECT_GT(files, 0);
}

}  // namespace
}  // namespace fg::dlp
