#include "http/message.h"

#include <gtest/gtest.h>

#include <random>

namespace fg::http {
namespace {

Request WithCookie(std::string value) {
  Request request;
  request.headers.emplace_back("cookie", std::move(value));
  return request;
}

TEST(HttpMessage, MethodNamesAreTheWireNames) {
  EXPECT_EQ(MethodName(Method::kGet), "GET");
  EXPECT_EQ(MethodName(Method::kHead), "HEAD");
  EXPECT_EQ(MethodName(Method::kPost), "POST");
  EXPECT_EQ(MethodName(Method::kPut), "PUT");
  EXPECT_EQ(MethodName(Method::kPatch), "PATCH");
  EXPECT_EQ(MethodName(Method::kDelete), "DELETE");
  EXPECT_EQ(MethodName(Method::kOptions), "OPTIONS");
  EXPECT_EQ(MethodName(Method::kOther), "OTHER");
}

TEST(HttpMessage, HeaderReturnsTheFirstValueOfThatName) {
  Request request;
  request.headers = {{"accept", "a"}, {"x-token", "one"}, {"x-token", "two"}};
  EXPECT_EQ(request.Header("x-token"), "one");
  EXPECT_EQ(request.Header("X-Token"), "one");
  EXPECT_FALSE(request.Header("missing"));
}

TEST(HttpMessage, QueryReturnsTheFirstValueOfThatName) {
  Request request;
  request.query = {{"limit", "10"}, {"limit", "20"}, {"flag", ""}};
  EXPECT_EQ(request.Query("limit"), "10");
  EXPECT_EQ(request.Query("flag"), "");
  EXPECT_FALSE(request.Query("Limit"));
}

TEST(HttpMessage, CookieToleratesSpacesAndQuotedValues) {
  Request request = WithCookie(" a=1 ;b = \"two words\";  fg_session=abc=def ; empty=");
  EXPECT_EQ(request.Cookie("a"), "1");
  EXPECT_EQ(request.Cookie("b"), "two words");
  EXPECT_EQ(request.Cookie("fg_session"), "abc=def");
  EXPECT_EQ(request.Cookie("empty"), "");
  EXPECT_FALSE(request.Cookie("fg"));
  EXPECT_FALSE(request.Cookie(""));
}

TEST(HttpMessage, CookieIsFoundInAnyCookieHeader) {
  Request request = WithCookie("a=1");
  request.headers.emplace_back("cookie", "csrf=xyz");
  EXPECT_EQ(request.Cookie("csrf"), "xyz");
}

TEST(HttpMessage, CookieNeverCrashesOnGarbage) {
  for (std::string garbage :
       std::vector<std::string>{"", ";", ";;;", "=", "==", "\"", "a", "a=\"", "=\"\"", "a=\"\"",
                                " ; = ; ", std::string("a\0=b", 4), "\xff\xfe=\x01"}) {
    Request request = WithCookie(garbage);
    (void)request.Cookie("a");
    (void)request.Cookie("");
  }
  EXPECT_EQ(WithCookie("a=\"").Cookie("a"), "\"");
  EXPECT_EQ(WithCookie("a=\"\"").Cookie("a"), "");

  std::mt19937 rng(42);
  std::uniform_int_distribution<int> byte(0, 255);
  for (int i = 0; i < 2000; ++i) {
    std::string random(static_cast<size_t>(i % 40), '\0');
    for (char& c : random) c = static_cast<char>(byte(rng));
    (void)WithCookie(random).Cookie("a");
  }
}

TEST(HttpMessage, JsonSetsContentType) {
  Response response = Response::Json(201, R"({"ok":true})");
  EXPECT_EQ(response.status, 201);
  EXPECT_EQ(response.body, R"({"ok":true})");
  ASSERT_EQ(response.headers.size(), 1u);
  EXPECT_EQ(response.headers[0].first, "Content-Type");
  EXPECT_EQ(response.headers[0].second, "application/json");
}

TEST(HttpMessage, TextUsesTheGivenContentType) {
  Response plain = Response::Text(200, "hi");
  ASSERT_EQ(plain.headers.size(), 1u);
  EXPECT_EQ(plain.headers[0].second, "text/plain");
  Response csv = Response::Text(200, "a,b", "text/csv");
  EXPECT_EQ(csv.headers[0].second, "text/csv");
}

TEST(HttpMessage, EmptyHasNoBodyAndNoHeaders) {
  Response response = Response::Empty(204);
  EXPECT_EQ(response.status, 204);
  EXPECT_TRUE(response.body.empty());
  EXPECT_TRUE(response.headers.empty());
  EXPECT_FALSE(response.stream);
}

TEST(HttpMessage, SetHeaderReplacesSameNameIgnoringCase) {
  Response response = Response::Json(200, "{}");
  response.headers.emplace_back("X-A", "1");
  response.headers.emplace_back("x-a", "2");
  response.SetHeader("content-type", "application/problem+json");
  response.SetHeader("X-a", "3");
  response.SetHeader("Allow", "GET");
  ASSERT_EQ(response.headers.size(), 3u);
  EXPECT_EQ(response.headers[0],
            (std::pair<std::string, std::string>("content-type", "application/problem+json")));
  EXPECT_EQ(response.headers[1], (std::pair<std::string, std::string>("X-a", "3")));
  EXPECT_EQ(response.headers[2], (std::pair<std::string, std::string>("Allow", "GET")));
}

}  // namespace
}  // namespace fg::http
