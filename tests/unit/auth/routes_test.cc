#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "api/auth_routes.h"
#include "auth/totp.h"
#include "fixture.h"

namespace fg::api {
namespace {

using Json = nlohmann::json;
using http::Method;

class AuthRoutes : public auth::AuthFixture {
 protected:
  void SetUp() override {
    AuthFixture::SetUp();
    AddRoutes({});
    ASSERT_TRUE(auth_->EnsureAdmin(std::string(auth::kGoodPassword)));
    admin_.kind = Caller::Kind::kUser;
    admin_.id = auth_->ListUsers(1, std::nullopt)->items[0].id;
    admin_.name = "admin";
    admin_.role = auth::Role::kAdmin;
  }

  void AddRoutes(AuthRouteOptions options) {
    table_ = RouteTable();
    AddAuthRoutes(table_, *auth_, options);
  }

  const Route* Find(Method method, const std::string& pattern) {
    for (const Route& r : table_.routes()) {
      if (r.method == method && r.pattern == pattern) return &r;
    }
    return nullptr;
  }

  struct Answer {
    int status = 0;
    Json body;
    std::string raw;
    std::vector<std::string> cookies;
    http::Headers headers;
  };

  Answer Call(Method method, const std::string& pattern, const std::string& body = "",
              const std::string& id = "", const Caller* caller = nullptr,
              bool public_route = false) {
    const Route* route = Find(method, pattern);
    EXPECT_NE(route, nullptr) << pattern;
    if (route == nullptr) return {};
    http::Request request;
    request.method = method;
    request.path = pattern;
    request.target = pattern;
    request.body = body;
    request.remote_address = "203.0.113.9";
    std::vector<std::pair<std::string, std::string>> params;
    if (!id.empty()) params.emplace_back("id", id);
    const Caller* who = public_route ? nullptr : (caller != nullptr ? caller : &admin_);
    Context ctx{.request = request, .caller = who, .params = params};
    http::Response response = route->handler(ctx);
    Answer answer;
    answer.status = response.status;
    answer.raw = response.body;
    answer.headers = response.headers;
    for (const auto& [name, value] : response.headers) {
      if (name == "Set-Cookie") answer.cookies.push_back(value);
    }
    if (!response.body.empty()) answer.body = Json::parse(response.body, nullptr, false);
    return answer;
  }

  Answer LogIn(const std::string& username, const std::string& password) {
    Json body = {{"username", username}, {"password", password}};
    return Call(Method::kPost, "/api/v1/session", body.dump(), "", nullptr, true);
  }

  static std::string CookieStarting(const Answer& a, const std::string& prefix) {
    for (const std::string& c : a.cookies) {
      if (c.starts_with(prefix)) return c;
    }
    return "";
  }

  static std::string SecretHeader(const Answer& a) {
    for (const auto& [name, value] : a.headers) {
      if (name == "Cache-Control") return value;
    }
    return "";
  }

  static bool Has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
  }

  RouteTable table_;
  Caller admin_;
};

TEST_F(AuthRoutes, EveryRouteAdmitsTheDocumentedRoles) {
  struct Expect {
    Method method;
    std::string pattern;
    std::vector<auth::Role> roles;
  };
  const std::vector<Expect> expected = {
      {Method::kPost, "/api/v1/session", {}},
      {Method::kGet, "/api/v1/session", kConsoleRoles},
      {Method::kDelete, "/api/v1/session", kConsoleRoles},
      {Method::kPost, "/api/v1/session/password", kConsoleRoles},
      {Method::kGet, "/api/v1/users", kAdminOnly},
      {Method::kPost, "/api/v1/users", kAdminOnly},
      {Method::kGet, "/api/v1/users/{id}", kAdminOnly},
      {Method::kPatch, "/api/v1/users/{id}", kAdminOnly},
      {Method::kPost, "/api/v1/users/{id}/reset", kAdminOnly},
      {Method::kPost, "/api/v1/users/{id}/unlock", kAdminOnly},
      {Method::kDelete, "/api/v1/users/{id}/totp", kAdminOnly},
      {Method::kPost, "/api/v1/me/totp/enrol", kConsoleRoles},
      {Method::kPost, "/api/v1/me/totp/confirm", kConsoleRoles},
      {Method::kDelete, "/api/v1/me/totp", kConsoleRoles},
      {Method::kGet, "/api/v1/tokens", kAdminOnly},
      {Method::kPost, "/api/v1/tokens", kAdminOnly},
      {Method::kGet, "/api/v1/tokens/{id}", kAdminOnly},
      {Method::kDelete, "/api/v1/tokens/{id}", kAdminOnly},
  };
  EXPECT_EQ(table_.routes().size(), expected.size());
  for (const Expect& e : expected) {
    const Route* r = Find(e.method, e.pattern);
    ASSERT_NE(r, nullptr) << e.pattern;
    EXPECT_EQ(r->roles, e.roles) << e.pattern;
    EXPECT_EQ(r->tag, "auth");
  }
}

TEST_F(AuthRoutes, LoginSetsAnHttpOnlySessionCookieAndAReadableCsrfCookie) {
  Answer a = LogIn("admin", auth::kGoodPassword);
  ASSERT_EQ(a.status, 200) << a.raw;
  EXPECT_EQ(a.body["user"]["username"], "admin");
  EXPECT_EQ(a.body["user"]["role"], "admin");
  EXPECT_EQ(a.body["user"]["must_change_password"], false);
  std::string csrf = a.body["csrf"].get<std::string>();
  ASSERT_EQ(a.cookies.size(), 2u);
  std::string session = CookieStarting(a, "fg_session=fgs_");
  ASSERT_FALSE(session.empty());
  EXPECT_TRUE(Has(session, "; HttpOnly"));
  EXPECT_TRUE(Has(session, "; SameSite=Strict"));
  EXPECT_TRUE(Has(session, "; Path=/"));
  EXPECT_FALSE(Has(session, "Secure"));
  std::string csrf_cookie = CookieStarting(a, "csrf=");
  EXPECT_TRUE(csrf_cookie.starts_with("csrf=" + csrf + ";"));
  EXPECT_FALSE(Has(csrf_cookie, "HttpOnly"));
  EXPECT_TRUE(Has(csrf_cookie, "; SameSite=Strict"));
  EXPECT_TRUE(Has(csrf_cookie, "; Path=/"));
  EXPECT_FALSE(Has(csrf_cookie, "Secure"));
  // The cookie's session token works, and the body never carries it.
  std::string token = session.substr(11, session.find(';') - 11);
  EXPECT_TRUE(auth_->AuthenticateSession(token));
  EXPECT_FALSE(Has(a.raw, token));
}

TEST_F(AuthRoutes, CookiesAreSecureWhenEnabled) {
  AddRoutes({.secure_cookies = true});
  Answer a = LogIn("admin", auth::kGoodPassword);
  ASSERT_EQ(a.status, 200);
  ASSERT_EQ(a.cookies.size(), 2u);
  for (const std::string& c : a.cookies) EXPECT_TRUE(Has(c, "; Secure")) << c;
}

TEST_F(AuthRoutes, LoginWithBadJsonIs400) {
  Answer a = Call(Method::kPost, "/api/v1/session", "{not json", "", nullptr, true);
  EXPECT_EQ(a.status, 400);
  a = Call(Method::kPost, "/api/v1/session", R"({"username":"admin","password":"x","x":1})", "",
           nullptr, true);
  EXPECT_EQ(a.status, 400);
  a = Call(Method::kPost, "/api/v1/session", R"({"username":"admin"})", "", nullptr, true);
  EXPECT_EQ(a.status, 400);
  EXPECT_EQ(a.body["errors"][0]["field"], "password");
}

TEST_F(AuthRoutes, WrongPasswordAndUnknownUserAreTheSame401) {
  Answer wrong = LogIn("admin", "not the password at all");
  Answer unknown = LogIn("nobody", "not the password at all");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(wrong.raw, unknown.raw);
  EXPECT_TRUE(wrong.cookies.empty());
  EXPECT_EQ(wrong.body["code"], "unauthenticated");
}

TEST_F(AuthRoutes, CurrentSessionShowsTheUser) {
  Answer a = Call(Method::kGet, "/api/v1/session");
  ASSERT_EQ(a.status, 200);
  EXPECT_EQ(a.body["user"]["id"], admin_.id);
  EXPECT_EQ(a.body["user"]["username"], "admin");
}

TEST_F(AuthRoutes, LogoutEndsTheSessionAndExpiresBothCookies) {
  auto login = MustLogIn("admin");
  Caller caller = admin_;
  caller.session_id = login.session_id;
  Answer a = Call(Method::kDelete, "/api/v1/session", "", "", &caller);
  EXPECT_EQ(a.status, 204);
  ASSERT_EQ(a.cookies.size(), 2u);
  EXPECT_TRUE(CookieStarting(a, "fg_session=;").find("Max-Age=0") != std::string::npos);
  EXPECT_TRUE(CookieStarting(a, "csrf=;").find("Max-Age=0") != std::string::npos);
  EXPECT_FALSE(auth_->AuthenticateSession(login.session_token));
}

TEST_F(AuthRoutes, ChangePasswordChecksTheCurrentOne) {
  Json wrong = {{"current_password", "not my password 1"}, {"new_password", "fresh pick 42 owl"}};
  Answer a = Call(Method::kPost, "/api/v1/session/password", wrong.dump());
  EXPECT_EQ(a.status, 400);
  EXPECT_EQ(a.body["errors"][0]["field"], "current_password");
  Json right = {{"current_password", auth::kGoodPassword}, {"new_password", "fresh pick 42 owl"}};
  a = Call(Method::kPost, "/api/v1/session/password", right.dump());
  EXPECT_EQ(a.status, 204) << a.raw;
  EXPECT_TRUE(auth_->LogIn("admin", "fresh pick 42 owl", "203.0.113.9"));
}

TEST_F(AuthRoutes, CreatedUserResponseCarriesTheGeneratedPasswordOnce) {
  Answer created = Call(Method::kPost, "/api/v1/users", R"({"username":"Bob","role":"security"})");
  ASSERT_EQ(created.status, 201) << created.raw;
  EXPECT_EQ(created.body["username"], "bob");
  EXPECT_EQ(created.body["role"], "security");
  EXPECT_EQ(created.body["must_change_password"], true);
  EXPECT_EQ(created.body["disabled"], false);
  ASSERT_TRUE(created.body["password"].is_string());
  std::string password = created.body["password"];
  EXPECT_TRUE(auth_->LogIn("bob", password, "203.0.113.9"));
  bool no_store = false;
  for (const auto& [name, value] : created.headers) {
    no_store = no_store || (name == "Cache-Control" && value == "no-store");
  }
  EXPECT_TRUE(no_store);

  std::string id = std::to_string(created.body["id"].get<int64_t>());
  Answer got = Call(Method::kGet, "/api/v1/users/{id}", "", id);
  ASSERT_EQ(got.status, 200);
  EXPECT_FALSE(got.body.contains("password"));
  EXPECT_FALSE(Has(got.raw, password));
  Answer list = Call(Method::kGet, "/api/v1/users");
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.body["items"].size(), 2u);
  EXPECT_FALSE(Has(list.raw, password));
  EXPECT_FALSE(Has(list.raw, "argon2"));
}

TEST_F(AuthRoutes, AnAdminChosenPasswordIsNotEchoed) {
  Json body = {{"username", "carol"}, {"role", "auditor"}, {"password", "chosen by admin 5 yak"}};
  Answer a = Call(Method::kPost, "/api/v1/users", body.dump());
  ASSERT_EQ(a.status, 201) << a.raw;
  EXPECT_FALSE(a.body.contains("password"));
  EXPECT_EQ(a.body["must_change_password"], true);
  // An empty password means "generate one".
  a = Call(Method::kPost, "/api/v1/users", R"({"username":"dan","role":"auditor","password":""})");
  ASSERT_EQ(a.status, 201) << a.raw;
  EXPECT_TRUE(a.body["password"].is_string());
}

TEST_F(AuthRoutes, CreateUserErrorsNameTheField) {
  Answer a = Call(Method::kPost, "/api/v1/users", R"({"username":"bob","role":"wizard"})");
  EXPECT_EQ(a.status, 400);
  EXPECT_EQ(a.body["errors"][0]["field"], "role");
  a = Call(Method::kPost, "/api/v1/users", R"({"username":"bob","role":"pbx"})");
  EXPECT_EQ(a.status, 400);
  a = Call(Method::kPost, "/api/v1/users",
           R"({"username":"bob","role":"security","password":"short"})");
  EXPECT_EQ(a.status, 400);
  EXPECT_EQ(a.body["errors"][0]["field"], "password");
  a = Call(Method::kPost, "/api/v1/users", R"({"username":"ADMIN","role":"security"})");
  EXPECT_EQ(a.status, 409);
}

TEST_F(AuthRoutes, PatchUpdatesAndProtectsTheLastAdmin) {
  std::string id = std::to_string(admin_.id);
  Answer a = Call(Method::kPatch, "/api/v1/users/{id}", R"({"disabled":true})", id);
  EXPECT_EQ(a.status, 409) << a.raw;
  Answer created = Call(Method::kPost, "/api/v1/users", R"({"username":"bob","role":"security"})");
  std::string bob = std::to_string(created.body["id"].get<int64_t>());
  a = Call(Method::kPatch, "/api/v1/users/{id}", R"({"role":"supervisor","disabled":true})", bob);
  ASSERT_EQ(a.status, 200) << a.raw;
  EXPECT_EQ(a.body["role"], "supervisor");
  EXPECT_EQ(a.body["disabled"], true);
  a = Call(Method::kPatch, "/api/v1/users/{id}", R"({"disabled":"yes"})", bob);
  EXPECT_EQ(a.status, 400);
  a = Call(Method::kPatch, "/api/v1/users/{id}", R"({"disabled":false})", "999");
  EXPECT_EQ(a.status, 404);
  a = Call(Method::kPatch, "/api/v1/users/{id}", R"({"disabled":false})", "abc");
  EXPECT_EQ(a.status, 400);
}

TEST_F(AuthRoutes, ResetReturnsANewTemporaryPassword) {
  Answer created = Call(Method::kPost, "/api/v1/users", R"({"username":"bob","role":"security"})");
  std::string id = std::to_string(created.body["id"].get<int64_t>());
  Answer a = Call(Method::kPost, "/api/v1/users/{id}/reset", "", id);
  ASSERT_EQ(a.status, 200) << a.raw;
  std::string password = a.body["password"];
  EXPECT_NE(password, created.body["password"].get<std::string>());
  EXPECT_TRUE(auth_->LogIn("bob", password, "203.0.113.9"));
  EXPECT_EQ(Call(Method::kPost, "/api/v1/users/{id}/reset", "", "999").status, 404);
}

TEST_F(AuthRoutes, CreatedTokenIsShownOnceAndRevokable) {
  Answer created = Call(Method::kPost, "/api/v1/tokens",
                        R"({"name":"ws-0142","role":"workstation","station_id":142})");
  ASSERT_EQ(created.status, 201) << created.raw;
  std::string token = created.body["token"];
  EXPECT_TRUE(token.starts_with("fgd_"));
  EXPECT_EQ(created.body["station_id"], 142);
  EXPECT_EQ(created.body["revoked"], false);
  EXPECT_TRUE(auth_->AuthenticateDevice(token));
  std::string id = std::to_string(created.body["id"].get<int64_t>());

  Answer list = Call(Method::kGet, "/api/v1/tokens");
  ASSERT_EQ(list.status, 200);
  ASSERT_EQ(list.body["items"].size(), 1u);
  EXPECT_FALSE(list.body["items"][0].contains("token"));
  EXPECT_FALSE(Has(list.raw, token.substr(4)));
  Answer one = Call(Method::kGet, "/api/v1/tokens/{id}", "", id);
  EXPECT_FALSE(Has(one.raw, token.substr(4)));

  EXPECT_EQ(Call(Method::kDelete, "/api/v1/tokens/{id}", "", id).status, 204);
  EXPECT_FALSE(auth_->AuthenticateDevice(token));
  EXPECT_EQ(Call(Method::kGet, "/api/v1/tokens/{id}", "", id).body["revoked"], true);
  EXPECT_EQ(Call(Method::kDelete, "/api/v1/tokens/{id}", "", "999").status, 404);
}

TEST_F(AuthRoutes, TokenErrorsNameTheField) {
  Answer a = Call(Method::kPost, "/api/v1/tokens", R"({"name":"x","role":"admin"})");
  EXPECT_EQ(a.status, 400);
  EXPECT_EQ(a.body["errors"][0]["field"], "role");
  a = Call(Method::kPost, "/api/v1/tokens", R"({"name":"x","role":"pbx","station_id":"7"})");
  EXPECT_EQ(a.status, 400);
  EXPECT_EQ(a.body["errors"][0]["field"], "station_id");
  ASSERT_EQ(Call(Method::kPost, "/api/v1/tokens", R"({"name":"x","role":"pbx"})").status, 201);
  EXPECT_EQ(Call(Method::kPost, "/api/v1/tokens", R"({"name":"x","role":"pbx"})").status, 409);
}

TEST_F(AuthRoutes, TotpEnrolConfirmThenLoginNeedsTheCode) {
  auth::SecretBox box = auth::SecretBox::Ephemeral();
  MakeAuth({.secret_box = &box});
  AddRoutes({});
  Answer enrol = Call(Method::kPost, "/api/v1/me/totp/enrol");
  ASSERT_EQ(enrol.status, 200) << enrol.raw;
  EXPECT_TRUE(Has(enrol.raw, "otpauth://totp/floorguard:admin"));
  EXPECT_TRUE(Has(SecretHeader(enrol), "no-store"));
  std::string secret = enrol.body["secret"];
  auto code = [&] { return auth::totp::CodeAt(secret, auth::totp::StepAt(clock_.WallNow())); };
  EXPECT_EQ(Call(Method::kPost, "/api/v1/me/totp/confirm", R"({"code":"12"})").status, 400);
  Answer confirm = Call(Method::kPost, "/api/v1/me/totp/confirm", Json({{"code", code()}}).dump());
  ASSERT_EQ(confirm.status, 200) << confirm.raw;
  EXPECT_EQ(confirm.body["recovery_codes"].size(), 10u);

  clock_.Advance(std::chrono::seconds(30));
  EXPECT_EQ(LogIn("admin", auth::kGoodPassword).status, 401);
  Json body = {{"username", "admin"}, {"password", auth::kGoodPassword}, {"totp", code()}};
  Answer ok = Call(Method::kPost, "/api/v1/session", body.dump(), "", nullptr, true);
  ASSERT_EQ(ok.status, 200) << ok.raw;
  EXPECT_EQ(ok.body["user"]["totp_enabled"], true);
  EXPECT_EQ(ok.body["must_enroll_totp"], false);

  // Turning it off oneself needs the password; an admin can for anyone.
  EXPECT_EQ(
      Call(Method::kDelete, "/api/v1/me/totp", R"({"password":"wrong password here"})").status,
      400);
  EXPECT_EQ(Call(Method::kDelete, "/api/v1/users/{id}/totp", "", std::to_string(admin_.id)).status,
            204);
  EXPECT_EQ(Call(Method::kDelete, "/api/v1/users/{id}/totp", "", std::to_string(admin_.id)).status,
            404);
  EXPECT_EQ(LogIn("admin", auth::kGoodPassword).status, 200);
}

TEST_F(AuthRoutes, TotpEnrolmentWithoutASecretsKeyIsAClearError) {
  Answer enrol = Call(Method::kPost, "/api/v1/me/totp/enrol");
  EXPECT_EQ(enrol.status, 409) << enrol.raw;
}

}  // namespace
}  // namespace fg::api
