#include "http/internal/wire.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "http/internal/request_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace fg::http::internal {
namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

TEST(HttpWire, PercentDecodeDecodesEscapesAndPlusOnlyWhenAsked) {
  std::string out;
  ASSERT_TRUE(PercentDecode("a%20b+c%2F%e2%82%AC", out, false));
  EXPECT_EQ(out, "a b+c/\xE2\x82\xAC");
  ASSERT_TRUE(PercentDecode("a+b", out, true));
  EXPECT_EQ(out, "a b");
  ASSERT_TRUE(PercentDecode("", out, true));
  EXPECT_EQ(out, "");
}

TEST(HttpWire, PercentDecodeRejectsBadEscapesAndNul) {
  std::string out;
  for (std::string_view bad : {"%", "%2", "a%zz", "%g0", "%00", "a%00b"}) {
    EXPECT_FALSE(PercentDecode(bad, out, true)) << bad;
  }
  EXPECT_FALSE(PercentDecode(std::string_view("a\0b", 3), out, false));
}

TEST(HttpWire, ParseTargetReusesTheRequestWithoutKeepingOldPairs) {
  Request request;
  request.target = "/a?x=1&y=2&z=3";
  ASSERT_TRUE(ParseTarget(request));
  EXPECT_EQ(request.query, (Pairs{{"x", "1"}, {"y", "2"}, {"z", "3"}}));
  request.target = "/b?only=1";
  ASSERT_TRUE(ParseTarget(request));
  EXPECT_EQ(request.path, "/b");
  EXPECT_EQ(request.query, (Pairs{{"only", "1"}}));
  request.target = "/c";
  ASSERT_TRUE(ParseTarget(request));
  EXPECT_TRUE(request.query.empty());
}

TEST(HttpWire, ParseTargetSkipsEmptyPairsAndKeepsEmptyValues) {
  Request request;
  request.target = "/a?&&x=&y&=z";
  ASSERT_TRUE(ParseTarget(request));
  EXPECT_EQ(request.query, (Pairs{{"x", ""}, {"y", ""}, {"", "z"}}));
}

TEST(HttpWire, ParseTargetAcceptsOnlyOriginForm) {
  Request request;
  for (std::string_view bad : {"", "*", "a/b", "http://h/a", "/a b", "/a#f", "/%", "/a?%zz"}) {
    request.target = bad;
    EXPECT_FALSE(ParseTarget(request)) << bad;
  }
}

TEST(HttpWire, UnsafeResponseHeadersAreRecognised) {
  EXPECT_TRUE(IsSafeHeader("Content-Type", "text/plain; charset=utf-8"));
  EXPECT_TRUE(IsSafeHeader("X-A", "tab\tok"));
  EXPECT_FALSE(IsSafeHeader("", "x"));
  EXPECT_FALSE(IsSafeHeader("Bad Name", "x"));
  EXPECT_FALSE(IsSafeHeader("X:Y", "x"));
  EXPECT_FALSE(IsSafeHeader("X", "a\r\nSet-Cookie: b"));
  EXPECT_FALSE(IsSafeHeader("X", "a\nb"));
  EXPECT_FALSE(IsSafeHeader("X", std::string_view("a\0b", 3)));
}

TEST(HttpWire, ChunkedTrailersNeverBecomeHeaders) {
  Request request;
  RequestParser parser(request);
  parser.eager(true);
  std::string_view wire =
      "POST /p HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "4\r\nabcd\r\n0\r\nAuthorization: Bearer smuggled\r\n\r\n";
  boost::beast::error_code ec;
  size_t used = parser.put(boost::asio::buffer(wire.data(), wire.size()), ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(used, wire.size());
  ASSERT_TRUE(parser.is_done());
  EXPECT_EQ(request.body, "abcd");
  EXPECT_FALSE(request.Header("authorization"));
  EXPECT_EQ(request.headers.size(), 2u);
}

TEST(HttpFuzzCorpus, EveryCorpusInputIsHandledWithoutCrashing) {
  int inputs = 0;
  for (const auto& entry : std::filesystem::directory_iterator(FG_HTTP_FUZZ_CORPUS)) {
    std::ifstream file(entry.path(), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    EXPECT_EQ(LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()),
              0)
        << entry.path();
    ++inputs;
  }
  EXPECT_GT(inputs, 0);
}

}  // namespace
}  // namespace fg::http::internal
