#include "pam/logon.h"

#include <gtest/gtest.h>
#include <security/_pam_types.h>

#include <deque>
#include <nlohmann/json.hpp>

namespace fg::pam {
namespace {

using Json = nlohmann::json;

constexpr const char* kPassword = "Quiet-Harbour-Lantern-58";
constexpr const char* kCode = "492039";

struct SentRequest {
  std::string path;
  Json body;
};

class FakeClient final : public HttpClient {
 public:
  void Answer(long status, const Json& body) { replies_.push_back(HttpReply{status, body.dump()}); }
  void AnswerRaw(long status, std::string body) {
    replies_.push_back(HttpReply{status, std::move(body)});
  }
  void FailTransport() {
    replies_.push_back(MakeError(ErrorCode::kUnavailable, "connect refused"));
  }

  Result<HttpReply> Post(std::string_view path, const std::string& body) override {
    sent.push_back({std::string(path), Json::parse(body, nullptr, false)});
    if (replies_.empty()) return MakeError(ErrorCode::kUnavailable, "no answer queued");
    Result<HttpReply> reply = replies_.front();
    replies_.pop_front();
    return reply;
  }

  std::vector<SentRequest> sent;

 private:
  std::deque<Result<HttpReply>> replies_;
};

class FakeHost final : public Host {
 public:
  bool Prompt(std::string_view text, std::string& answer) override {
    prompts.emplace_back(text);
    if (!conversation_works) return false;
    answer = code;
    return true;
  }
  void Info(std::string_view text) override { infos.emplace_back(text); }
  void ErrorMessage(std::string_view text) override { errors.emplace_back(text); }
  void Log(int /*priority*/, std::string_view text) override { logs.emplace_back(text); }

  std::string Everything() const {
    std::string all;
    for (const auto* list : {&prompts, &infos, &errors, &logs}) {
      for (const std::string& line : *list) all += line + "\n";
    }
    return all;
  }

  bool conversation_works = true;
  std::string code = kCode;
  std::vector<std::string> prompts, infos, errors, logs;
};

Json Allow(int64_t session = 41, bool must_change = false, const std::string& user = "ghopper") {
  return {{"decision", "allow"},
          {"session_id", session},
          {"account", {{"id", 7}, {"username", user}, {"person_id", 3}, {"name", "Grace Hopper"}}},
          {"station", {{"id", 2}, {"workstation_id", "WS-A1"}}},
          {"must_change_password", must_change},
          {"alerts", Json::array()}};
}

Json Deny(const std::string& check, const std::string& reason) {
  return {{"decision", "deny"},
          {"check", check},
          {"reason", reason},
          {"message", "Logon refused: check your user name and password."}};
}

class PamLogon : public ::testing::Test {
 protected:
  LogonResult Run() {
    return Logon(client_, host_,
                 {.username = "ghopper", .password = kPassword, .source_address = ""});
  }
  void ExpectNoSecretAnywhere() {
    std::string all = host_.Everything();
    EXPECT_EQ(all.find(kPassword), std::string::npos) << all;
    EXPECT_EQ(all.find(kCode), std::string::npos) << all;
  }

  FakeClient client_;
  FakeHost host_;
};

TEST_F(PamLogon, AllowIsSuccessWithTheSession) {
  client_.Answer(200, Allow(41));
  LogonResult result = Run();
  EXPECT_EQ(result.outcome, Outcome::kAllow);
  EXPECT_EQ(PamCodeFor(result), PAM_SUCCESS);
  EXPECT_EQ(result.session_id, 41);
  EXPECT_FALSE(result.must_change_password);
  ASSERT_EQ(client_.sent.size(), 1u);
  EXPECT_EQ(client_.sent[0].path, "/api/v1/logon");
  EXPECT_EQ(client_.sent[0].body, (Json{{"username", "ghopper"}, {"password", kPassword}}));
  EXPECT_TRUE(host_.errors.empty());
  ExpectNoSecretAnywhere();
}

TEST_F(PamLogon, SourceAddressIsSentWhenKnown) {
  client_.Answer(200, Allow());
  (void)Logon(client_, host_,
              {.username = "ghopper", .password = kPassword, .source_address = "10.1.2.3"});
  EXPECT_EQ(client_.sent[0].body["source_address"], "10.1.2.3");
}

TEST_F(PamLogon, MustChangePasswordIsCarried) {
  client_.Answer(200, Allow(41, /*must_change=*/true));
  LogonResult result = Run();
  EXPECT_EQ(PamCodeFor(result), PAM_SUCCESS);
  EXPECT_TRUE(result.must_change_password);
}

TEST_F(PamLogon, BadPasswordIsAuthErrAndShowsTheServersMessage) {
  client_.Answer(200, Deny("credentials", "bad_password"));
  LogonResult result = Run();
  EXPECT_EQ(PamCodeFor(result), PAM_AUTH_ERR);
  ASSERT_EQ(host_.errors.size(), 1u);
  EXPECT_EQ(host_.errors[0], "Logon refused: check your user name and password.");
  ASSERT_EQ(host_.logs.size(), 1u);
  EXPECT_EQ(host_.logs[0], "user 'ghopper': logon denied: credentials/bad_password");
  ExpectNoSecretAnywhere();
}

TEST_F(PamLogon, UnknownAccountGetsTheSameCodeAsBadPassword) {
  client_.Answer(200, Deny("account", "account_unknown"));
  EXPECT_EQ(PamCodeFor(Run()), PAM_AUTH_ERR);
}

TEST_F(PamLogon, DenyCodesFollowTheFailedCheck) {
  for (auto [check, code] : {std::pair{"lockout", PAM_MAXTRIES},
                             {"station", PAM_PERM_DENIED},
                             {"source", PAM_PERM_DENIED},
                             {"training", PAM_PERM_DENIED},
                             {"presence", PAM_PERM_DENIED},
                             {"single_session", PAM_PERM_DENIED},
                             {"something_new", PAM_AUTH_ERR}}) {
    client_.Answer(200, Deny(check, "x"));
    EXPECT_EQ(PamCodeFor(Run()), code) << check;
  }
}

TEST_F(PamLogon, TotpRequiredPromptsOnceAndRetriesWithTheCode) {
  client_.Answer(200, Deny("credentials", "totp_required"));
  client_.Answer(200, Allow());
  LogonResult result = Run();
  EXPECT_EQ(PamCodeFor(result), PAM_SUCCESS);
  ASSERT_EQ(host_.prompts.size(), 1u);
  EXPECT_EQ(host_.prompts[0], "Verification code: ");
  ASSERT_EQ(client_.sent.size(), 2u);
  EXPECT_FALSE(client_.sent[0].body.contains("totp"));
  EXPECT_EQ(client_.sent[1].body["totp"], kCode);
  EXPECT_EQ(client_.sent[1].body["password"], kPassword);
  ExpectNoSecretAnywhere();
}

TEST_F(PamLogon, TotpIsRetriedOnlyOnce) {
  client_.Answer(200, Deny("credentials", "totp_required"));
  client_.Answer(200, Deny("credentials", "totp_required"));
  client_.Answer(200, Allow());
  EXPECT_EQ(PamCodeFor(Run()), PAM_AUTH_ERR);
  EXPECT_EQ(client_.sent.size(), 2u);
  EXPECT_EQ(host_.prompts.size(), 1u);
}

TEST_F(PamLogon, WrongTotpIsAuthErr) {
  client_.Answer(200, Deny("credentials", "totp_required"));
  client_.Answer(200, Deny("credentials", "bad_totp"));
  EXPECT_EQ(PamCodeFor(Run()), PAM_AUTH_ERR);
  ExpectNoSecretAnywhere();
}

TEST_F(PamLogon, EmptyTotpAnswerIsNotSent) {
  host_.code.clear();
  client_.Answer(200, Deny("credentials", "totp_required"));
  EXPECT_EQ(PamCodeFor(Run()), PAM_AUTH_ERR);
  EXPECT_EQ(client_.sent.size(), 1u);
}

TEST_F(PamLogon, FailedConversationIsConvErr) {
  host_.conversation_works = false;
  client_.Answer(200, Deny("credentials", "totp_required"));
  EXPECT_EQ(PamCodeFor(Run()), PAM_CONV_ERR);
  EXPECT_EQ(client_.sent.size(), 1u);
}

TEST_F(PamLogon, UnreachableServerFailsClosed) {
  client_.FailTransport();
  LogonResult result = Run();
  EXPECT_EQ(PamCodeFor(result), PAM_AUTHINFO_UNAVAIL);
  EXPECT_EQ(host_.errors.size(), 1u);
  ExpectNoSecretAnywhere();
}

TEST_F(PamLogon, NonOkStatusFailsClosedEvenWithAnAllowBody) {
  for (long status : {201L, 400L, 401L, 403L, 500L, 503L}) {
    client_.Answer(status, Allow());
    EXPECT_EQ(PamCodeFor(Run()), PAM_AUTHINFO_UNAVAIL) << status;
  }
}

TEST_F(PamLogon, RevokedTokenIsLoggedAsSuch) {
  client_.Answer(401, Json{{"status", 401}, {"detail", "bad token"}});
  (void)Run();
  ASSERT_FALSE(host_.logs.empty());
  EXPECT_NE(host_.logs.back().find("HTTP 401: bad token"), std::string::npos) << host_.logs.back();
}

TEST_F(PamLogon, MalformedAnswersFailClosed) {
  client_.AnswerRaw(200, "not json");
  client_.AnswerRaw(200, "[]");
  client_.Answer(200, Json{{"decision", "maybe"}});
  client_.Answer(200, Json{{"decision", true}});
  Json no_session = Allow();
  no_session.erase("session_id");
  client_.Answer(200, no_session);
  Json string_session = Allow();
  string_session["session_id"] = "41";
  client_.Answer(200, string_session);
  client_.Answer(200, Allow(0));
  Json no_account = Allow();
  no_account.erase("account");
  client_.Answer(200, no_account);
  Json odd_flag = Allow();
  odd_flag["must_change_password"] = "no";
  client_.Answer(200, odd_flag);
  for (int i = 0; i < 9; ++i) EXPECT_EQ(PamCodeFor(Run()), PAM_AUTHINFO_UNAVAIL) << i;
}

TEST_F(PamLogon, AllowForAnotherAccountNameIsDeniedAndLoggedOff) {
  client_.Answer(200, Allow(41, false, "root"));
  client_.Answer(200, Json{{"session_id", 41}, {"ended_at", "2024-01-01T00:00:00Z"}});
  LogonResult result = Run();
  EXPECT_EQ(PamCodeFor(result), PAM_AUTH_ERR);
  ASSERT_EQ(client_.sent.size(), 2u);
  EXPECT_EQ(client_.sent[1].path, "/api/v1/logoff");
  EXPECT_EQ(client_.sent[1].body, (Json{{"session_id", 41}}));
}

TEST(PamLogonBody, EscapesEverythingIntoValidJson) {
  std::string tricky = "a\"b\\c\nd\x01\xc3\xa9";
  std::string body =
      LogonBody({.username = "x\"y", .password = tricky, .source_address = "::1"}, "12 34");
  Json parsed = Json::parse(body, nullptr, false);
  ASSERT_TRUE(parsed.is_object()) << body;
  EXPECT_EQ(parsed["username"], "x\"y");
  EXPECT_EQ(parsed["password"], tricky);
  EXPECT_EQ(parsed["totp"], "12 34");
  EXPECT_EQ(parsed["source_address"], "::1");
}

TEST(PamSessionCall, OkOnlyForAnAnswerAboutTheSameSession) {
  FakeClient client;
  client.Answer(200, Json{{"session_id", 41}, {"state", "active"}});
  client.Answer(200, Json{{"session_id", 42}, {"state", "active"}});
  client.Answer(404, Json{{"status", 404}, {"detail", "no such session"}});
  client.FailTransport();
  EXPECT_TRUE(SessionCall(client, "/api/v1/heartbeat", 41));
  EXPECT_FALSE(SessionCall(client, "/api/v1/heartbeat", 41));
  EXPECT_FALSE(SessionCall(client, "/api/v1/heartbeat", 41));
  EXPECT_FALSE(SessionCall(client, "/api/v1/heartbeat", 41));
  EXPECT_EQ(client.sent[0].body, (Json{{"session_id", 41}}));
}

TEST(PamLogSafe, NoControlCharactersReachTheLog) {
  EXPECT_EQ(LogSafe("eve\nroot: logon allowed"), "eve?root: logon allowed");
  EXPECT_EQ(LogSafe(std::string(100, 'a')), std::string(64, 'a') + "...");
}

}  // namespace
}  // namespace fg::pam
