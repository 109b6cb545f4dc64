#include "voip/sip.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace fg::voip {
namespace {

const char kInvite[] =
    "INVITE sip:2002@pbx.example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK776asdhds\r\n"
    "Max-Forwards: 70\r\n"
    "To: <sip:2002@pbx.example.com>\r\n"
    "From: \"Alice Agent\" <sip:1001@pbx.example.com>;tag=1928301774\r\n"
    "Call-ID: a84b4c76e66710@10.0.0.1\r\n"
    "CSeq: 314159 INVITE\r\n"
    "Contact: <sip:1001@10.0.0.1>\r\n"
    "Content-Type: application/sdp\r\n"
    "Content-Length: 4\r\n"
    "\r\n"
    "v=0\n";

std::span<const uint8_t> Bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

std::string Message(std::string_view start, std::string_view extra = "",
                    std::string_view body = "") {
  std::string m(start);
  m += "\r\nCall-ID: c1\r\nFrom: <sip:a@x>;tag=f\r\nTo: <sip:b@x>\r\nCSeq: 1 INVITE\r\n";
  m += extra;
  m += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  m += body;
  return m;
}

TEST(ParseSip, RequestLineAndHeaders) {
  const auto m = ParseSip(kInvite);
  ASSERT_TRUE(m) << m.error().ToString();
  EXPECT_TRUE(m->is_request);
  EXPECT_TRUE(m->IsRequest("INVITE"));
  EXPECT_EQ(m->request_uri, "sip:2002@pbx.example.com");
  EXPECT_EQ(m->call_id, "a84b4c76e66710@10.0.0.1");
  EXPECT_EQ(m->from_uri, "sip:1001@pbx.example.com");
  EXPECT_EQ(m->from_user, "1001");
  EXPECT_EQ(m->from_tag, "1928301774");
  EXPECT_EQ(m->from_display, "Alice Agent");
  EXPECT_EQ(m->to_uri, "sip:2002@pbx.example.com");
  EXPECT_EQ(m->to_user, "2002");
  EXPECT_EQ(m->to_tag, "");
  EXPECT_EQ(m->cseq, 314159u);
  EXPECT_EQ(m->cseq_method, "INVITE");
  EXPECT_EQ(m->content_type, "application/sdp");
  EXPECT_EQ(m->body, "v=0\n");
  EXPECT_EQ(m->Header("max-forwards"), "70");
  EXPECT_EQ(m->Header("MAX-Forwards"), "70");
  EXPECT_FALSE(m->Header("subject"));
}

TEST(ParseSip, ResponseStatusAndReason) {
  const auto m = ParseSip(Message("SIP/2.0 486 Busy Here"));
  ASSERT_TRUE(m) << m.error().ToString();
  EXPECT_FALSE(m->is_request);
  EXPECT_FALSE(m->IsRequest("INVITE"));
  EXPECT_EQ(m->status, 486);
  EXPECT_EQ(m->reason, "Busy Here");
  EXPECT_TRUE(ParseSip(Message("SIP/2.0 200")));  // an empty reason phrase is allowed
}

TEST(ParseSip, BadStartLinesAreErrors) {
  for (std::string_view line :
       {"SIP/2.0 99 Low", "SIP/2.0 700 High", "SIP/2.0 2x0 OK", "SIP/2.0 2000 OK",
        "INVITE sip:x SIP/3.0", "INVITE SIP/2.0", "IN VITE sip:x SIP/2.0", "HTTP/1.1 200 OK",
        "INV@TE sip:x SIP/2.0"}) {
    const auto m = ParseSip(Message(line));
    ASSERT_FALSE(m) << line;
    EXPECT_EQ(m.error().code, ErrorCode::kInvalidArgument);
  }
}

TEST(ParseSip, CompactFormsAreExpanded) {
  const auto m = ParseSip(
      "BYE sip:a@x SIP/2.0\r\n"
      "v: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
      "i: compact-id\r\n"
      "f: sip:1001@x;tag=aa\r\n"
      "t: \"B\" <sip:2002@x>;tag=bb\r\n"
      "m: <sip:1001@h>\r\n"
      "CSeq: 2 BYE\r\n"
      "c: text/plain\r\n"
      "l: 2\r\n"
      "\r\n"
      "hiEXTRA");
  ASSERT_TRUE(m) << m.error().ToString();
  EXPECT_EQ(m->call_id, "compact-id");
  EXPECT_EQ(m->from_user, "1001");
  EXPECT_EQ(m->from_tag, "aa");
  EXPECT_EQ(m->to_tag, "bb");
  EXPECT_EQ(m->Header("contact"), "<sip:1001@h>");
  EXPECT_EQ(m->Header("via"), "SIP/2.0/UDP h;branch=z9hG4bK1");
  EXPECT_EQ(m->content_type, "text/plain");
  EXPECT_EQ(m->body, "hi");
  EXPECT_EQ(m->headers[0].first, "via");
}

TEST(ParseSip, HeaderNamesAreCaseInsensitive) {
  const auto m = ParseSip(
      "ACK sip:a@x SIP/2.0\r\nCALL-ID: up\r\nfrom: <sip:a@x>;TAG=t1\r\nTO: <sip:b@x>\r\n"
      "cseq: 9 ACK\r\nCONTENT-LENGTH: 0\r\n\r\n");
  ASSERT_TRUE(m) << m.error().ToString();
  EXPECT_EQ(m->call_id, "up");
  EXPECT_EQ(m->from_tag, "t1");
  EXPECT_EQ(m->cseq, 9u);
}

TEST(ParseSip, FoldedLinesContinueTheHeader) {
  const auto m = ParseSip(
      "INVITE sip:a@x SIP/2.0\r\nSubject: I know you're there,\r\n   pick up the phone\r\n"
      "\t and talk to me!\r\nCall-ID: fold\r\nFrom:\r\n <sip:a@x>;tag=1\r\nTo: <sip:b@x>\r\n"
      "CSeq: 1 INVITE\r\n\r\n");
  ASSERT_TRUE(m) << m.error().ToString();
  EXPECT_EQ(m->Header("subject"), "I know you're there, pick up the phone and talk to me!");
  EXPECT_EQ(m->from_tag, "1");
}

TEST(ParseSip, FromAndToForms) {
  struct Case {
    std::string_view value, display, uri, user, tag;
  };
  for (const Case& c : std::initializer_list<Case>{
           {"\"Bob \\\"B\\\" <x>\" <sip:2002@h>;tag=9", "Bob \"B\" <x>", "sip:2002@h", "2002", "9"},
           {"Bob Smith <sips:bob@h:5061;transport=tls>;tag=z", "Bob Smith",
            "sips:bob@h:5061;transport=tls", "bob", "z"},
           {"<sip:+15551234567@h;user=phone>", "", "sip:+15551234567@h;user=phone", "+15551234567",
            ""},
           {"sip:1001@h;tag=abc", "", "sip:1001@h", "1001", "abc"},
           {"sip:1001:secret@h", "", "sip:1001:secret@h", "1001", ""},
           {"<tel:+15551234567;phone-context=x>;tag=t", "", "tel:+15551234567;phone-context=x",
            "+15551234567", "t"},
           {"sip:h.example.com", "", "sip:h.example.com", "", ""},
           {"<sip:a@h>; tag = spaced ;other=1", "", "sip:a@h", "a", "spaced"},
       }) {
    const auto m = ParseSip("OPTIONS sip:x SIP/2.0\r\nCall-ID: 1\r\nFrom: " + std::string(c.value) +
                            "\r\nTo: <sip:b@x>\r\nCSeq: 1 OPTIONS\r\n\r\n");
    ASSERT_TRUE(m) << c.value << ": " << m.error().ToString();
    EXPECT_EQ(m->from_display, c.display) << c.value;
    EXPECT_EQ(m->from_uri, c.uri) << c.value;
    EXPECT_EQ(m->from_user, c.user) << c.value;
    EXPECT_EQ(m->from_tag, c.tag) << c.value;
  }
  for (std::string_view bad : {"\"unterminated <sip:a@h>", "<sip:a@h", "<>", "\"Name\" sip:a@h"}) {
    EXPECT_FALSE(ParseSip("OPTIONS sip:x SIP/2.0\r\nCall-ID: 1\r\nFrom: " + std::string(bad) +
                          "\r\nTo: <sip:b@x>\r\nCSeq: 1 OPTIONS\r\n\r\n"))
        << bad;
  }
}

TEST(ParseSip, CSeqIsNumberAndMethod) {
  for (std::string_view bad :
       {"INVITE", "12", "x INVITE", "-1 INVITE", "99999999999 INVITE", "1 IN VITE?"}) {
    std::string text = Message("INVITE sip:a@x SIP/2.0");
    text.replace(text.find("1 INVITE"), 8, bad);
    const auto m = ParseSip(text);
    ASSERT_FALSE(m) << bad;
    EXPECT_EQ(m.error().field, "cseq");
  }
  std::string text = Message("INVITE sip:a@x SIP/2.0");
  text.replace(text.find("1 INVITE"), 8, "4294967295   INVITE");
  EXPECT_EQ(ParseSip(text)->cseq, 4294967295u);
}

TEST(ParseSip, ContentTypeIsLowerCasedWithoutParameters) {
  const auto m =
      ParseSip(Message("SIP/2.0 200 OK", "Content-Type: Application/SDP ; charset=utf-8\r\n"));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->content_type, "application/sdp");
}

TEST(ParseSip, BodyIsCutAtContentLength) {
  std::string text = Message("SIP/2.0 200 OK", "", "v=0\r\n");
  text += "garbage after the message";
  const auto m = ParseSip(text);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->body, "v=0\r\n");
}

TEST(ParseSip, BodyShorterThanContentLengthIsAnError) {
  std::string text = Message("SIP/2.0 200 OK", "", "v=0\r\n");
  text.pop_back();
  const auto m = ParseSip(text);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().field, "content-length");
  EXPECT_FALSE(ParseSip(Message("SIP/2.0 200 OK")
                            .replace(Message("SIP/2.0 200 OK").find("Length: 0"), 9, "Length: x")));
}

TEST(ParseSip, WithoutContentLengthTheRestIsTheBody) {
  const auto m = ParseSip(
      "INVITE sip:a@x SIP/2.0\r\nCall-ID: 1\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:b@x>\r\n"
      "CSeq: 1 INVITE\r\nContent-Type: application/sdp\r\n\r\nv=0\r\no=- 1 1 IN IP4 h\r\n");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->body, "v=0\r\no=- 1 1 IN IP4 h\r\n");
  // No empty line at all: headers only, no body.
  const auto bare = ParseSip(
      "BYE sip:a@x SIP/2.0\r\nCall-ID: 1\r\nFrom: <sip:a@x>\r\nTo: <sip:b@x>\r\nCSeq: 2 BYE");
  ASSERT_TRUE(bare) << bare.error().ToString();
  EXPECT_EQ(bare->body, "");
}

TEST(ParseSip, BareLineFeedsAndLeadingKeepAlivesAreAccepted) {
  const auto m = ParseSip(
      "\r\n\r\nBYE sip:a@x SIP/2.0\nCall-ID: lf\nFrom: <sip:a@x>;tag=1\nTo: <sip:b@x>;tag=2\n"
      "CSeq: 3 BYE\nContent-Length: 2\n\nok");
  ASSERT_TRUE(m) << m.error().ToString();
  EXPECT_EQ(m->call_id, "lf");
  EXPECT_EQ(m->to_tag, "2");
  EXPECT_EQ(m->body, "ok");
}

TEST(ParseSip, MissingRequiredHeadersAreErrors) {
  const std::string full = Message("INVITE sip:a@x SIP/2.0");
  for (std::string_view header : {"Call-ID: c1\r\n", "From: <sip:a@x>;tag=f\r\n",
                                  "To: <sip:b@x>\r\n", "CSeq: 1 INVITE\r\n"}) {
    std::string text = full;
    text.erase(text.find(header), header.size());
    EXPECT_FALSE(ParseSip(text)) << header;
  }
  EXPECT_FALSE(ParseSip(""));
  EXPECT_FALSE(ParseSip("\r\n\r\n"));
  EXPECT_FALSE(ParseSip(Message("INVITE sip:a@x SIP/2.0", "no colon here\r\n")));
  EXPECT_FALSE(ParseSip(" folded first\r\n" + full));
}

TEST(SipStreamFramer, MessageSplitAcrossSegmentsIsReassembled) {
  const std::string text = kInvite;
  SipStreamFramer framer;
  uint32_t sequence = 1000;
  for (char c : text) {
    EXPECT_FALSE(framer.Next());
    framer.Feed(sequence++, Bytes(std::string_view(&c, 1)));
  }
  const auto message = framer.Next();
  ASSERT_TRUE(message);
  EXPECT_EQ(*message, text);
  EXPECT_FALSE(framer.Next());
  EXPECT_FALSE(framer.Failed());
}

TEST(SipStreamFramer, TwoMessagesInOneSegment) {
  const std::string first = Message("INVITE sip:a@x SIP/2.0", "", "body");
  const std::string second = Message("SIP/2.0 100 Trying");
  SipStreamFramer framer;
  framer.Feed(1, Bytes(first + second + "SIP/2.0 180"));
  EXPECT_EQ(framer.Next(), first);
  EXPECT_EQ(framer.Next(), second);
  EXPECT_FALSE(framer.Next());
  ASSERT_TRUE(ParseSip(first));
  EXPECT_EQ(ParseSip(first)->body, "body");
}

TEST(SipStreamFramer, CompactContentLengthFrames) {
  SipStreamFramer framer;
  framer.Feed(1, Bytes("BYE sip:a SIP/2.0\r\ni: x\r\nl: 3\r\n\r\nabcBYE"));
  EXPECT_EQ(framer.Next(), "BYE sip:a SIP/2.0\r\ni: x\r\nl: 3\r\n\r\nabc");
}

TEST(SipStreamFramer, RetransmittedAndOverlappingSegmentsAreNotDuplicated) {
  const std::string text = Message("SIP/2.0 200 OK", "", "0123456789");
  SipStreamFramer framer;
  framer.Feed(500, Bytes(std::string_view(text).substr(0, 20)));
  framer.Feed(500, Bytes(std::string_view(text).substr(0, 20)));   // retransmission
  framer.Feed(510, Bytes(std::string_view(text).substr(10, 30)));  // overlaps 10 bytes
  framer.Feed(540, Bytes(std::string_view(text).substr(40)));
  EXPECT_EQ(framer.Next(), text);
  EXPECT_FALSE(framer.Failed());
}

TEST(SipStreamFramer, GapInSequenceFails) {
  SipStreamFramer framer;
  framer.Feed(1, Bytes("INVITE sip:a SIP/2.0\r\n"));
  framer.Feed(100, Bytes("more\r\n\r\n"));
  EXPECT_TRUE(framer.Failed());
  EXPECT_FALSE(framer.Next());
}

TEST(SipStreamFramer, SequenceWrapAroundIsContinuous) {
  const std::string text = Message("SIP/2.0 200 OK");
  SipStreamFramer framer;
  const uint32_t start = 0xfffffff0u;
  framer.Feed(start, Bytes(std::string_view(text).substr(0, 8)));
  framer.Feed(start + 8, Bytes(std::string_view(text).substr(8, 20)));  // crosses 2^32
  framer.Feed(start + 28, Bytes(std::string_view(text).substr(28)));
  EXPECT_EQ(framer.Next(), text);
  EXPECT_FALSE(framer.Failed());
}

TEST(SipStreamFramer, OversizedHeaderBlockFails) {
  SipStreamFramer framer;
  uint32_t sequence = 0;
  const std::string start = "INVITE sip:a SIP/2.0\r\n";
  framer.Feed(sequence, Bytes(start));
  sequence += start.size();
  const std::string line = "X-Filler: " + std::string(1000, 'x') + "\r\n";
  for (int i = 0; i < 70 && !framer.Failed(); ++i) {
    framer.Feed(sequence, Bytes(line));
    sequence += line.size();
    EXPECT_FALSE(framer.Next());
  }
  EXPECT_TRUE(framer.Failed());
}

TEST(SipStreamFramer, OversizedBodyFails) {
  SipStreamFramer framer;
  framer.Feed(0, Bytes("INVITE sip:a SIP/2.0\r\nContent-Length: 2000000\r\n\r\n"));
  EXPECT_FALSE(framer.Next());
  EXPECT_TRUE(framer.Failed());
  SipStreamFramer bad;
  bad.Feed(0, Bytes("INVITE sip:a SIP/2.0\r\nContent-Length: lots\r\n\r\n"));
  EXPECT_FALSE(bad.Next());
  EXPECT_TRUE(bad.Failed());
}

TEST(SipStreamFramer, CaptureStartingMidStreamResynchronises) {
  const std::string whole = Message("SIP/2.0 200 OK", "", "v=0\r\nm=audio 4000 RTP/AVP 0\r\n");
  const std::string tail = whole.substr(whole.size() - 20);
  const std::string next = Message("BYE sip:a@x SIP/2.0");
  SipStreamFramer framer;
  framer.Feed(7, Bytes("\r\n\r\n" + tail + next));
  EXPECT_EQ(framer.Next(), next);
}

TEST(SipStreamFramer, KeepAliveCrlfsBetweenMessagesAreSkipped) {
  const std::string m = Message("OPTIONS sip:a@x SIP/2.0");
  SipStreamFramer framer;
  framer.Feed(1, Bytes("\r\n\r\n" + m + "\r\n\r\n" + m));
  EXPECT_EQ(framer.Next(), m);
  EXPECT_EQ(framer.Next(), m);
}

TEST(SipFuzzCorpus, ReplaysWithoutCrash) {
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(FG_SIP_FUZZ_CORPUS)) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    const std::string data = bytes.str();
    EXPECT_EQ(LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(data.data()), data.size()), 0)
        << entry.path();
    ++files;
  }
  EXPECT_GT(files, 0);
}

}  // namespace
}  // namespace fg::voip
