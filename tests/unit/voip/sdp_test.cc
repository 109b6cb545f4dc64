#include "voip/sdp.h"

#include <gtest/gtest.h>

#include <string>

namespace fg::voip {
namespace {

const char kOffer[] =
    "v=0\r\n"
    "o=alice 2890844526 2890844526 IN IP4 10.0.0.1\r\n"
    "s=-\r\n"
    "c=IN IP4 10.0.0.50\r\n"
    "t=0 0\r\n"
    "m=audio 49170 RTP/AVP 0 8 9 101\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:101 telephone-event/8000\r\n"
    "a=fmtp:101 0-16\r\n"
    "a=ptime:20\r\n"
    "a=sendrecv\r\n";

TEST(ParseSdp, SessionConnectionAndMediaPortAndCodecs) {
  const auto sdp = ParseSdp(kOffer);
  ASSERT_TRUE(sdp) << sdp.error().ToString();
  ASSERT_EQ(sdp->media.size(), 1u);
  const SdpMedia* audio = sdp->Audio();
  ASSERT_NE(audio, nullptr);
  EXPECT_EQ(audio->rtp, *Endpoint::Parse("10.0.0.50", 49170));
  EXPECT_EQ(audio->direction, MediaDirection::kSendRecv);
  ASSERT_EQ(audio->codecs.size(), 4u);
  EXPECT_EQ(audio->codecs[0].name, "PCMU");
  EXPECT_EQ(audio->codecs[1].name, "PCMA");  // static, without rtpmap
  EXPECT_EQ(audio->codecs[2].name, "G722");
  EXPECT_EQ(audio->codecs[2].clock_rate, 8000);
  const Codec* event = audio->FindCodec(101);
  ASSERT_NE(event, nullptr);
  EXPECT_EQ(event->name, "TELEPHONE-EVENT");
  EXPECT_EQ(event->clock_rate, 8000);
  EXPECT_EQ(event->fmtp, "0-16");
  EXPECT_EQ(audio->FindCodec(18), nullptr);
}

TEST(ParseSdp, MediaLevelConnectionOverridesSession) {
  const auto sdp = ParseSdp(
      "v=0\r\nc=IN IP4 10.0.0.50\r\nm=audio 4000 RTP/AVP 0\r\nc=IN IP4 10.0.0.60\r\n"
      "m=audio 5000 RTP/AVP 8\r\n");
  ASSERT_TRUE(sdp);
  ASSERT_EQ(sdp->media.size(), 2u);
  EXPECT_EQ(sdp->media[0].rtp, *Endpoint::Parse("10.0.0.60", 4000));
  EXPECT_EQ(sdp->media[1].rtp, *Endpoint::Parse("10.0.0.50", 5000));
}

TEST(ParseSdp, Ipv6ConnectionAndMulticastSuffixes) {
  const auto sdp = ParseSdp(
      "v=0\nc=IN IP6 2001:db8::50\nm=audio 6000 RTP/AVP 0\nm=audio 6002 RTP/AVP 0\n"
      "c=IN IP4 224.2.1.1/127/3\n");
  ASSERT_TRUE(sdp) << sdp.error().ToString();
  EXPECT_EQ(sdp->media[0].rtp, *Endpoint::Parse("2001:db8::50", 6000));
  EXPECT_FALSE(sdp->media[0].rtp.IsV4());
  EXPECT_EQ(sdp->media[1].rtp, *Endpoint::Parse("224.2.1.1", 6002));
}

TEST(ParseSdp, RtpmapEncodingRateAndChannels) {
  const auto sdp = ParseSdp(
      "v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 1 RTP/AVP 96 97 98 99\r\n"
      "a=rtpmap:96 opus/48000/2\r\na=rtpmap:97 L16/16000\r\na=rtpmap:98 bogus\r\n"
      "a=rtpmap:120 PCMU/8000\r\n");
  ASSERT_TRUE(sdp);
  const SdpMedia& m = sdp->media[0];
  EXPECT_EQ(m.codecs[0].name, "OPUS");
  EXPECT_EQ(m.codecs[0].clock_rate, 48000);
  EXPECT_EQ(m.codecs[0].channels, 2);
  EXPECT_EQ(m.codecs[1].name, "L16");
  EXPECT_EQ(m.codecs[1].clock_rate, 16000);
  EXPECT_EQ(m.codecs[1].channels, 1);
  // A dynamic type without a usable rtpmap stays, unnamed, for the media side to report.
  EXPECT_EQ(m.codecs[2].name, "");
  EXPECT_EQ(m.codecs[3].name, "");
  EXPECT_EQ(m.FindCodec(120), nullptr);  // rtpmap for a type not on the m= line
}

TEST(ParseSdp, DirectionAtSessionAndMediaLevel) {
  const auto sdp = ParseSdp(
      "v=0\r\nc=IN IP4 1.2.3.4\r\na=sendonly\r\nm=audio 1 RTP/AVP 0\r\n"
      "m=audio 2 RTP/AVP 0\r\na=recvonly\r\nm=audio 3 RTP/AVP 0\r\na=inactive\r\n"
      "m=audio 4 RTP/AVP 0\r\na=sendrecv\r\n");
  ASSERT_TRUE(sdp);
  EXPECT_EQ(sdp->media[0].direction, MediaDirection::kSendOnly);
  EXPECT_EQ(sdp->media[1].direction, MediaDirection::kRecvOnly);
  EXPECT_EQ(sdp->media[2].direction, MediaDirection::kInactive);
  EXPECT_EQ(sdp->media[3].direction, MediaDirection::kSendRecv);
}

TEST(ParseSdp, PortZeroMeansNoMedia) {
  const auto sdp = ParseSdp("v=0\r\nm=audio 0 RTP/AVP 0\r\nm=video 0 RTP/AVP 31\r\n");
  ASSERT_TRUE(sdp) << sdp.error().ToString();  // no c= needed for a refused stream
  EXPECT_EQ(sdp->Audio(), nullptr);
  EXPECT_EQ(sdp->media[0].direction, MediaDirection::kInactive);
  const auto mixed =
      ParseSdp("v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 0 RTP/AVP 0\r\nm=audio 7000 RTP/AVP 8\r\n");
  ASSERT_TRUE(mixed);
  ASSERT_NE(mixed->Audio(), nullptr);
  EXPECT_EQ(mixed->Audio()->rtp.port, 7000);
}

TEST(ParseSdp, AudioSkipsVideo) {
  const auto sdp =
      ParseSdp("v=0\r\nc=IN IP4 1.2.3.4\r\nm=video 9000 RTP/AVP 96\r\nm=audio 8000 RTP/AVP 0\r\n");
  ASSERT_TRUE(sdp);
  ASSERT_NE(sdp->Audio(), nullptr);
  EXPECT_EQ(sdp->Audio()->rtp.port, 8000);
}

TEST(ParseSdp, OldStyleHoldAddressMeansNothingIsReceived) {
  const auto sdp = ParseSdp("v=0\r\nc=IN IP4 0.0.0.0\r\nm=audio 4000 RTP/AVP 0\r\n");
  ASSERT_TRUE(sdp);
  EXPECT_EQ(sdp->media[0].direction, MediaDirection::kSendOnly);
}

TEST(ParseSdp, StaticCodecsAndTheirClockRates) {
  struct Case {
    int pt;
    const char* name;
  };
  for (const Case& c : {Case{0, "PCMU"}, Case{3, "GSM"}, Case{4, "G723"}, Case{8, "PCMA"},
                        Case{9, "G722"}, Case{18, "G729"}}) {
    const auto codec = StaticCodec(c.pt);
    ASSERT_TRUE(codec) << c.pt;
    EXPECT_EQ(codec->name, c.name);
    EXPECT_EQ(codec->payload_type, c.pt);
    EXPECT_EQ(codec->clock_rate, 8000);
    EXPECT_EQ(codec->channels, 1);
  }
  EXPECT_FALSE(StaticCodec(96));
  EXPECT_FALSE(StaticCodec(-1));
}

TEST(ParseSdp, MalformedInputIsAnError) {
  for (std::string_view bad : {
           "",
           "hello world",
           "v=1\r\n",
           "m=audio 1 RTP/AVP 0\r\nv=0\r\n",
           "v=0\r\nm=audio 1 RTP/AVP 0\r\n",                          // no c= anywhere
           "v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 70000 RTP/AVP 0\r\n",  // port out of range
           "v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio\r\n",
           "v=0\r\nc=IN IP4 pbx.example.com\r\nm=audio 1 RTP/AVP 0\r\n",  // not an IP literal
           "v=0\r\nc=IN IP4 2001:db8::1\r\nm=audio 1 RTP/AVP 0\r\n",      // family mismatch
           "v=0\r\nc=IN IP4\r\nm=audio 1 RTP/AVP 0\r\n",
       }) {
    EXPECT_FALSE(ParseSdp(bad)) << bad;
  }
}

TEST(ParseSdp, UnknownLinesAndNonRtpFormatsAreSkipped) {
  const auto sdp = ParseSdp(
      "v=0\r\nx-garbage\r\nc=IN IP4 1.2.3.4\r\nm=application 5000 UDP/BFCP *\r\n"
      "m=audio 4000 RTP/AVP 0 abc 300 8\r\nb=AS:64\r\n");
  ASSERT_TRUE(sdp) << sdp.error().ToString();
  ASSERT_NE(sdp->Audio(), nullptr);
  ASSERT_EQ(sdp->Audio()->codecs.size(), 2u);
  EXPECT_EQ(sdp->Audio()->codecs[1].name, "PCMA");
}

}  // namespace
}  // namespace fg::voip
