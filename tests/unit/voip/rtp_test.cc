#include "voip/rtp.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace fg::voip {
namespace {

std::vector<uint8_t> Header(uint8_t first, uint8_t second, uint16_t seq, uint32_t ts,
                            uint32_t ssrc) {
  return {first,
          second,
          static_cast<uint8_t>(seq >> 8),
          static_cast<uint8_t>(seq),
          static_cast<uint8_t>(ts >> 24),
          static_cast<uint8_t>(ts >> 16),
          static_cast<uint8_t>(ts >> 8),
          static_cast<uint8_t>(ts),
          static_cast<uint8_t>(ssrc >> 24),
          static_cast<uint8_t>(ssrc >> 16),
          static_cast<uint8_t>(ssrc >> 8),
          static_cast<uint8_t>(ssrc)};
}

TEST(RtpParse, ReadsFixedHeaderFields) {
  auto bytes = Header(0x80, 0x80 | 8, 0xBEEF, 0x01020304, 0xCAFEBABE);
  bytes.insert(bytes.end(), {1, 2, 3});
  auto rtp = ParseRtp(bytes);
  ASSERT_TRUE(rtp) << rtp.error().ToString();
  EXPECT_EQ(rtp->payload_type, 8);
  EXPECT_TRUE(rtp->marker);
  EXPECT_EQ(rtp->sequence, 0xBEEF);
  EXPECT_EQ(rtp->timestamp, 0x01020304u);
  EXPECT_EQ(rtp->ssrc, 0xCAFEBABEu);
  ASSERT_EQ(rtp->payload.size(), 3u);
  EXPECT_EQ(rtp->payload[0], 1);
}

TEST(RtpParse, SkipsCsrcsAndExtensionAndStripsPadding) {
  // 2 CSRCs, an extension of 1 word, padding of 3 bytes.
  auto bytes = Header(0x80 | 0x20 | 0x10 | 2, 0, 1, 2, 3);
  bytes.insert(bytes.end(), 8, 0xEE);                   // CSRCs
  bytes.insert(bytes.end(), {0xBE, 0xDE, 0x00, 0x01});  // extension header, length 1
  bytes.insert(bytes.end(), 4, 0xDD);                   // extension data
  bytes.insert(bytes.end(), {0x11, 0x22});              // payload
  bytes.insert(bytes.end(), {0x00, 0x00, 0x03});        // padding, count last
  auto rtp = ParseRtp(bytes);
  ASSERT_TRUE(rtp) << rtp.error().ToString();
  ASSERT_EQ(rtp->payload.size(), 2u);
  EXPECT_EQ(rtp->payload[0], 0x11);
  EXPECT_EQ(rtp->payload[1], 0x22);
}

TEST(RtpParse, EveryTruncationIsAnErrorNotACrash) {
  auto bytes = Header(0x80 | 0x10 | 1, 0, 1, 2, 3);
  bytes.insert(bytes.end(), 4, 0xEE);
  bytes.insert(bytes.end(), {0xBE, 0xDE, 0x00, 0x02});
  bytes.insert(bytes.end(), 8, 0xDD);
  const size_t header_end = bytes.size();
  bytes.insert(bytes.end(), {1, 2, 3, 4});
  ASSERT_TRUE(ParseRtp(bytes));
  for (size_t len = 0; len < bytes.size(); ++len) {
    auto rtp = ParseRtp(std::span<const uint8_t>(bytes.data(), len));
    if (len < header_end) {
      EXPECT_FALSE(rtp) << "length " << len;
    } else {
      ASSERT_TRUE(rtp) << "length " << len;
      EXPECT_EQ(rtp->payload.size(), len - header_end);
    }
  }
}

TEST(RtpParse, RejectsBadVersionAndPaddingBeyondPayload) {
  auto bytes = Header(0x40, 0, 1, 2, 3);
  bytes.push_back(0);
  EXPECT_FALSE(ParseRtp(bytes));
  auto padded = Header(0x80 | 0x20, 0, 1, 2, 3);
  padded.insert(padded.end(), {1, 2, 9});  // padding count 9 > 3 bytes after the header
  EXPECT_FALSE(ParseRtp(padded));
  padded.back() = 0;  // zero padding count is invalid
  EXPECT_FALSE(ParseRtp(padded));
  padded.back() = 3;  // the whole payload is padding
  auto rtp = ParseRtp(padded);
  ASSERT_TRUE(rtp);
  EXPECT_TRUE(rtp->payload.empty());
}

TEST(RtpParse, RtcpIsRecognisedAndRtpIsNot) {
  for (uint8_t type : {200, 201, 202, 203, 204}) {
    std::vector<uint8_t> rtcp = {0x81, type, 0x00, 0x07, 0, 0, 0, 1};
    EXPECT_TRUE(IsRtcp(rtcp)) << int(type);
  }
  EXPECT_FALSE(IsRtcp(Header(0x80, 0, 1, 2, 3)));
  EXPECT_FALSE(IsRtcp(Header(0x80, 0x80 | 8, 1, 2, 3)));
  std::vector<uint8_t> wrong_version = {0x41, 200, 0, 1};
  EXPECT_FALSE(IsRtcp(wrong_version));
  std::vector<uint8_t> short_packet = {0x80, 200};
  EXPECT_FALSE(IsRtcp(short_packet));
  std::vector<uint8_t> out_of_range = {0x80, 205, 0, 1};
  EXPECT_FALSE(IsRtcp(out_of_range));
}

TEST(TelephoneEventParse, ReadsEventEndVolumeDuration) {
  std::vector<uint8_t> payload = {11, 0x80 | 10, 0x03, 0x20};
  auto event = ParseTelephoneEvent(payload);
  ASSERT_TRUE(event);
  EXPECT_EQ(event->event, 11);
  EXPECT_TRUE(event->end);
  EXPECT_EQ(event->volume, 10);
  EXPECT_EQ(event->duration, 800);
  for (size_t len = 0; len < 4; ++len) {
    EXPECT_FALSE(ParseTelephoneEvent(std::span<const uint8_t>(payload.data(), len)));
  }
}

TEST(RtpFuzzCorpus, ReplaysWithoutCrash) {
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(FG_RTP_FUZZ_CORPUS)) {
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
}  // namespace fg::voip
