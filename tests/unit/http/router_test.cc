#include "http/router.h"

#include <gtest/gtest.h>

namespace fg::http {
namespace {

using Params = std::vector<std::pair<std::string, std::string>>;

TEST(HttpRouter, ExtractsParametersByName) {
  Router router;
  ASSERT_TRUE(router.Add(Method::kGet, "/api/v1/zones/{zone_id}/doors/{door_id}", 3));
  auto match = router.Find(Method::kGet, "/api/v1/zones/z1/doors/d 2");
  ASSERT_TRUE(match);
  EXPECT_EQ(match->route_id, 3u);
  EXPECT_EQ(match->params, (Params{{"zone_id", "z1"}, {"door_id", "d 2"}}));
}

TEST(HttpRouter, LiteralSegmentWinsOverParameterWhateverTheOrderAdded) {
  Router router;
  ASSERT_TRUE(router.Add(Method::kGet, "/api/v1/people/{id}", 1));
  ASSERT_TRUE(router.Add(Method::kGet, "/api/v1/people/me", 2));
  Router reversed;
  ASSERT_TRUE(reversed.Add(Method::kGet, "/api/v1/people/me", 2));
  ASSERT_TRUE(reversed.Add(Method::kGet, "/api/v1/people/{id}", 1));
  for (const Router* r : {&router, &reversed}) {
    auto me = r->Find(Method::kGet, "/api/v1/people/me");
    ASSERT_TRUE(me);
    EXPECT_EQ(me->route_id, 2u);
    EXPECT_TRUE(me->params.empty());
    auto other = r->Find(Method::kGet, "/api/v1/people/42");
    ASSERT_TRUE(other);
    EXPECT_EQ(other->route_id, 1u);
    EXPECT_EQ(other->params, (Params{{"id", "42"}}));
  }
}

TEST(HttpRouter, BacktracksToParameterWhenTheLiteralBranchDeadEnds) {
  Router router;
  ASSERT_TRUE(router.Add(Method::kGet, "/a/b/{x}", 1));
  ASSERT_TRUE(router.Add(Method::kGet, "/a/{y}/c/d", 2));
  auto match = router.Find(Method::kGet, "/a/b/c/d");
  ASSERT_TRUE(match);
  EXPECT_EQ(match->route_id, 2u);
  EXPECT_EQ(match->params, (Params{{"y", "b"}}));
}

TEST(HttpRouter, ParameterRouteMatchesWhenTheLiteralRouteLacksTheMethod) {
  Router router;
  ASSERT_TRUE(router.Add(Method::kGet, "/people/search", 1));
  ASSERT_TRUE(router.Add(Method::kDelete, "/people/{id}", 2));
  auto match = router.Find(Method::kDelete, "/people/search");
  ASSERT_TRUE(match);
  EXPECT_EQ(match->route_id, 2u);
}

TEST(HttpRouter, WrongMethodReportsTheAllowedMethodsInOrder) {
  Router router;
  ASSERT_TRUE(router.Add(Method::kGet, "/people/{id}", 1));
  ASSERT_TRUE(router.Add(Method::kPatch, "/people/{id}", 2));
  ASSERT_TRUE(router.Add(Method::kDelete, "/people/{id}", 3));
  std::vector<Method> allowed = {Method::kOptions};  // cleared by Find
  EXPECT_FALSE(router.Find(Method::kPost, "/people/7", &allowed));
  EXPECT_EQ(allowed,
            (std::vector<Method>{Method::kGet, Method::kHead, Method::kPatch, Method::kDelete}));
  EXPECT_TRUE(router.Find(Method::kPatch, "/people/7", &allowed));
  EXPECT_TRUE(allowed.empty());
}

TEST(HttpRouter, UnknownPathReportsNoAllowedMethods) {
  Router router;
  ASSERT_TRUE(router.Add(Method::kGet, "/people", 1));
  std::vector<Method> allowed;
  EXPECT_FALSE(router.Find(Method::kGet, "/zones", &allowed));
  EXPECT_TRUE(allowed.empty());
  EXPECT_FALSE(router.Find(Method::kGet, "", &allowed));
  EXPECT_FALSE(router.Find(Method::kGet, "people", &allowed));
  EXPECT_TRUE(allowed.empty());
}

TEST(HttpRouter, HeadMatchesGetRoutesUnlessHeadIsRegistered) {
  Router router;
  ASSERT_TRUE(router.Add(Method::kGet, "/a", 1));
  ASSERT_TRUE(router.Add(Method::kGet, "/b", 2));
  ASSERT_TRUE(router.Add(Method::kHead, "/b", 3));
  EXPECT_EQ(router.Find(Method::kHead, "/a")->route_id, 1u);
  EXPECT_EQ(router.Find(Method::kHead, "/b")->route_id, 3u);
  EXPECT_FALSE(router.Find(Method::kGet, "/nope"));
}

TEST(HttpRouter, TrailingSlashIsADifferentPath) {
  Router router;
  ASSERT_TRUE(router.Add(Method::kGet, "/api/v1/people", 1));
  ASSERT_TRUE(router.Add(Method::kGet, "/api/v1/people/{id}", 2));
  std::vector<Method> allowed;
  EXPECT_FALSE(router.Find(Method::kGet, "/api/v1/people/", &allowed));
  EXPECT_TRUE(allowed.empty());
  EXPECT_FALSE(router.Find(Method::kGet, "/api/v1/people/7/"));
  EXPECT_FALSE(router.Find(Method::kGet, "/api/v1//people"));
  EXPECT_TRUE(router.Find(Method::kGet, "/api/v1/people"));
}

TEST(HttpRouter, ParameterNeverMatchesAnEmptySegment) {
  Router router;
  ASSERT_TRUE(router.Add(Method::kGet, "/a/{id}/b", 1));
  EXPECT_FALSE(router.Find(Method::kGet, "/a//b"));
  EXPECT_TRUE(router.Find(Method::kGet, "/a/x/b"));
}

TEST(HttpRouter, MatchingIsCaseSensitive) {
  Router router;
  ASSERT_TRUE(router.Add(Method::kGet, "/Api", 1));
  EXPECT_FALSE(router.Find(Method::kGet, "/api"));
}

TEST(HttpRouter, RootPatternMatchesOnlyRoot) {
  Router router;
  ASSERT_TRUE(router.Add(Method::kGet, "/", 1));
  ASSERT_TRUE(router.Add(Method::kGet, "/{asset}", 2));
  EXPECT_EQ(router.Find(Method::kGet, "/")->route_id, 1u);
  EXPECT_EQ(router.Find(Method::kGet, "/app.js")->route_id, 2u);
}

TEST(HttpRouter, RejectsBadPatterns) {
  Router router;
  for (const char* bad :
       {"", "api", "/a//b", "/a/", "//", "/a/{", "/a/}", "/a/{}", "/a/{1x}", "/a/b{id}", "/a/{id}x",
        "/a/{i-d}", "/a/{id}/{id}", "/a?x=1", "/a#frag"}) {
    auto added = router.Add(Method::kGet, bad, 1);
    ASSERT_FALSE(added) << bad;
    EXPECT_EQ(added.error().code, ErrorCode::kInvalidArgument) << bad;
    EXPECT_EQ(added.error().field, "pattern");
  }
  EXPECT_FALSE(router.Add(Method::kOther, "/a", 1));
  EXPECT_TRUE(router.Patterns().empty());
}

TEST(HttpRouter, RejectsADuplicateRouteEvenWithOtherParameterNames) {
  Router router;
  ASSERT_TRUE(router.Add(Method::kGet, "/people/{id}", 1));
  auto same = router.Add(Method::kGet, "/people/{id}", 2);
  ASSERT_FALSE(same);
  EXPECT_EQ(same.error().code, ErrorCode::kInvalidArgument);
  EXPECT_FALSE(router.Add(Method::kGet, "/people/{person_id}", 3));
  EXPECT_TRUE(router.Add(Method::kPut, "/people/{person_id}", 4));
  auto put = router.Find(Method::kPut, "/people/9");
  ASSERT_TRUE(put);
  EXPECT_EQ(put->params, (Params{{"person_id", "9"}}));
  EXPECT_EQ(router.Find(Method::kGet, "/people/9")->params, (Params{{"id", "9"}}));
}

TEST(HttpRouter, PatternsListEachPatternWithItsMethodsInInsertionOrder) {
  Router router;
  ASSERT_TRUE(router.Add(Method::kPost, "/people", 1));
  ASSERT_TRUE(router.Add(Method::kGet, "/zones", 2));
  ASSERT_TRUE(router.Add(Method::kGet, "/people", 3));
  ASSERT_EQ(router.Patterns().size(), 2u);
  EXPECT_EQ(router.Patterns()[0].pattern, "/people");
  EXPECT_EQ(router.Patterns()[0].methods, (std::vector<Method>{Method::kPost, Method::kGet}));
  EXPECT_EQ(router.Patterns()[1].pattern, "/zones");
  EXPECT_EQ(router.Patterns()[1].methods, (std::vector<Method>{Method::kGet}));
}

}  // namespace
}  // namespace fg::http
