#include "logs/framing.h"

#include <gtest/gtest.h>

namespace fg::logs {
namespace {

std::vector<std::string> FeedAll(Framer& framer, std::initializer_list<std::string_view> parts) {
  std::vector<std::string> frames;
  for (std::string_view part : parts) {
    auto out = framer.Feed(part);
    frames.insert(frames.end(), out.frames.begin(), out.frames.end());
  }
  return frames;
}

TEST(Framer, OctetCountedFramesSplitAcrossFeeds) {
  Framer framer(1024);
  auto frames = FeedAll(framer, {"1", "5 <13>1 - - ", "- - - 5 hello", "6 w", "orld!"});
  ASSERT_EQ(frames.size(), 3u);
  EXPECT_EQ(frames[0], "<13>1 - - - - -");
  EXPECT_EQ(frames[1], "hello");
  EXPECT_EQ(frames[2], "world!");
  EXPECT_EQ(framer.buffered(), 0u);
}

TEST(Framer, OctetCountedFrameMayContainNewlines) {
  Framer framer(1024);
  auto frames = FeedAll(framer, {"6 a\nb\nc\n"});
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0], "a\nb\nc\n");
}

TEST(Framer, LfDelimitedFramesDropCrAndEmptyFrames) {
  Framer framer(1024);
  auto frames =
      FeedAll(framer, {"<13>Nov 29 05:49:07 h a: one\r\n\n<13>Nov", " 29 05:49:07 h a: two\n"});
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(frames[0], "<13>Nov 29 05:49:07 h a: one");
  EXPECT_EQ(frames[1], "<13>Nov 29 05:49:07 h a: two");
}

TEST(Framer, FramingIsDetectedPerFrame) {
  Framer framer(1024);
  auto frames = FeedAll(framer, {"3 abc<1>x\n2026-11-29T05:49:07Z h a: file line\n4 defg"});
  ASSERT_EQ(frames.size(), 4u);
  EXPECT_EQ(frames[0], "abc");
  EXPECT_EQ(frames[1], "<1>x");
  EXPECT_EQ(frames[2], "2026-11-29T05:49:07Z h a: file line");
  EXPECT_EQ(frames[3], "defg");
}

TEST(Framer, FinishReturnsAnUnterminatedLine) {
  Framer framer(1024);
  EXPECT_TRUE(FeedAll(framer, {"<13>partial"}).empty());
  auto last = framer.Finish();
  ASSERT_TRUE(last);
  EXPECT_EQ(*last, "<13>partial");
  EXPECT_FALSE(framer.Finish());
}

TEST(Framer, OctetCountAboveTheLimitBreaksTheStream) {
  Framer framer(100);
  auto out = framer.Feed("101 ");
  ASSERT_TRUE(out.error);
  EXPECT_NE(out.error->message.find("exceeds"), std::string::npos);
  EXPECT_TRUE(framer.failed());
  // The stream stays broken: nothing after the violation is trusted.
  out = framer.Feed("5 hello");
  EXPECT_TRUE(out.error);
  EXPECT_TRUE(out.frames.empty());
}

TEST(Framer, ZeroAndOverlongCountsAreErrors) {
  Framer zero(100);
  EXPECT_TRUE(zero.Feed("0 x").error);
  Framer digits(100);
  EXPECT_TRUE(digits.Feed("1234567890123 x").error);
}

TEST(Framer, OversizeLineIsAnErrorEvenWhenSplit) {
  Framer framer(10);
  auto out = framer.Feed("12345678");
  EXPECT_FALSE(out.error);
  out = framer.Feed("9012345\n");
  ASSERT_TRUE(out.error);
  EXPECT_TRUE(out.frames.empty());
}

TEST(Framer, FramesBeforeAViolationAreStillReturned) {
  Framer framer(10);
  auto out = framer.Feed("3 abc99 ");
  ASSERT_EQ(out.frames.size(), 1u);
  EXPECT_EQ(out.frames[0], "abc");
  EXPECT_TRUE(out.error);
}

}  // namespace
}  // namespace fg::logs
