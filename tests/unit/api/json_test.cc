#include "api/json.h"

#include <gtest/gtest.h>

#include "../../fixtures/corpus.h"

namespace fg::api {
namespace {

http::Request WithBody(std::string body) {
  http::Request request;
  request.body = std::move(body);
  return request;
}

TEST(ApiJson, UnknownFieldIsRejectedByName) {
  auto body = ParseObject(WithBody(R"({"name":"a","nmae":"b"})"), {"name"});
  ASSERT_FALSE(body);
  EXPECT_EQ(body.error().field, "nmae");
}

TEST(ApiJson, EveryStringIsRedactedBeforeTheHandlerSeesItExceptSecrets) {
  (void)TakeRedactions();
  auto body = ParseObject(
      WithBody(R"({"note":"card 4111 1111 1111 1111","events":[{"details":"5555555555554444"}],)"
               R"("password":"4111111111111111","photo":"4111111111111111"})"),
      {"note", "events", "password", "photo"});
  ASSERT_TRUE(body) << body.error().ToString();
  EXPECT_EQ((*body)["note"], "card [PAN ****1111]");
  EXPECT_EQ((*body)["events"][0]["details"], "[PAN ****4444]");
  // A password is hashed and a photo decoded, never stored as text: left for their checks.
  EXPECT_EQ((*body)["password"], "4111111111111111");
  EXPECT_EQ((*body)["photo"], "4111111111111111");
  auto redactions = TakeRedactions();
  ASSERT_EQ(redactions.size(), 2u);  // in key order
  EXPECT_EQ(redactions[0].field, "events[0].details");
  EXPECT_EQ(redactions[0].masked, "[PAN ****4444]");
  EXPECT_EQ(redactions[1].field, "note");
  EXPECT_EQ(redactions[1].kind, "pan");
  EXPECT_EQ(redactions[1].masked, "[PAN ****1111]");
  EXPECT_TRUE(TakeRedactions().empty());  // drained
}

TEST(ApiJson, MalformedAndNonObjectBodiesAreInvalid) {
  EXPECT_EQ(ParseObject(WithBody("{"), {}).error().field, "body");
  EXPECT_EQ(ParseObject(WithBody("[]"), {}).error().field, "body");
  EXPECT_EQ(ParseObject(WithBody(""), {}).error().field, "body");
}

TEST(ApiJson, FieldTypesAreChecked) {
  auto body = *ParseObject(WithBody(R"({"a":1,"b":"x","c":true,"d":null})"), {"a", "b", "c", "d"});
  EXPECT_FALSE(RequiredString(body, "a"));
  EXPECT_EQ(*RequiredString(body, "b"), "x");
  EXPECT_FALSE(RequiredString(body, "d"));
  EXPECT_FALSE(OptionalInt(body, "b"));
  EXPECT_EQ(**OptionalInt(body, "a"), 1);
  EXPECT_FALSE(OptionalBool(body, "a"));
  EXPECT_TRUE(**OptionalBool(body, "c"));
  EXPECT_FALSE(OptionalString(body, "d")->has_value());
  EXPECT_FALSE(RequiredString(body, "b", 0));
}

TEST(ApiJson, ProblemCarriesTheFieldAndHidesInternals) {
  http::Response bad = Problem(ErrorCode::kInvalidArgument, "must not be empty", "name");
  EXPECT_EQ(bad.status, 400);
  auto json = Json::parse(bad.body);
  EXPECT_EQ(json["errors"][0]["field"], "name");
  http::Response internal = Problem(ErrorCode::kInternal, "sqlite said: table secret_x");
  EXPECT_EQ(internal.status, 500);
  EXPECT_EQ(internal.body.find("secret_x"), std::string::npos);
}

TEST(ApiJson, PageLimitsAndCursors) {
  http::Request request;
  EXPECT_EQ(ParsePage(request)->limit, 50);
  request.query = {{"limit", "501"}};
  EXPECT_FALSE(ParsePage(request));
  request.query = {{"limit", "10"}, {"cursor", EncodeCursor(42)}};
  EXPECT_EQ(*ParsePage(request)->after, 42);
  request.query = {{"cursor", "42"}};
  EXPECT_FALSE(ParsePage(request));
  EXPECT_FALSE(ParseId("0"));
  EXPECT_FALSE(ParseId("12a"));
  EXPECT_EQ(*ParseId("12"), 12);
}

TEST(ApiJson, InvalidUtf8IsReplacedNotThrown) {
  Json value = std::string("\xff\xfe");
  EXPECT_NO_THROW((void)Dump(value));
}

TEST(JsonBodyFuzzCorpus, EveryCorpusInputIsHandledWithoutCrashing) {
  EXPECT_GT(fg::testing::ReplayCorpus(FG_JSON_FUZZ_CORPUS), 5);
}

}  // namespace
}  // namespace fg::api
