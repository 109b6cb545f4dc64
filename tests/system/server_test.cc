// The real server, as `floorguard serve` runs it, over real TCP sockets on 127.0.0.1.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <set>
#include <thread>

#include "app/runtime.h"
#include "app/serve.h"
#include "audit/audit.h"
#include "http_client.h"

namespace fg {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::HttpClient;
using testing::HttpResult;

constexpr const char* kAdminPassword = "Integration-Chief-Pass-7";

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("fg_it_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    ::setenv("FLOORGUARD_ADMIN_PASSWORD", kAdminPassword, 1);
    Start();
  }
  void TearDown() override {
    server_.reset();
    fs::remove_all(dir_);
  }
  void Start() {
    app::Config config;
    config.listen = "127.0.0.1:0";
    config.data_dir = dir_.string();
    config.durability = "normal";
    auto server = app::RunningServer::Start(config, /*demo=*/false);
    ASSERT_TRUE(server) << server.error().message;
    server_ = std::move(*server);
  }
  HttpClient Admin() {
    HttpClient client(server_->port());
    auto r = client.Send("POST", "/api/v1/session",
                         json{{"username", "admin"}, {"password", kAdminPassword}}.dump());
    EXPECT_EQ(r.status, 200) << r.body;
    return client;
  }
  std::vector<audit::Entry> Audit(const std::string& action) {
    auto entries = server_->runtime().log->List({.action = action, .limit = 500});
    EXPECT_TRUE(entries);
    return *entries;
  }

  fs::path dir_;
  std::unique_ptr<app::RunningServer> server_;
};

TEST_F(ServerTest, EveryRouteRefusesEveryRoleItDoesNotList) {
  HttpClient admin = Admin();
  // One logged-in client per console role, one token per device role.
  std::map<std::string, HttpClient> users;
  users.emplace("admin", admin);
  for (std::string role : {"security", "supervisor", "auditor"}) {
    std::string name = "it-" + role;
    std::string first = "First-Temp-Pass-" + role + "-42";
    auto created = admin.Call("POST", "/api/v1/users",
                              json{{"username", name}, {"role", role}, {"password", first}}.dump());
    ASSERT_EQ(created.status, 201) << created.body;
    HttpClient client(server_->port());
    ASSERT_EQ(
        client.Send("POST", "/api/v1/session", json{{"username", name}, {"password", first}}.dump())
            .status,
        200);
    auto changed = client.Call(
        "POST", "/api/v1/session/password",
        json{{"current_password", first}, {"new_password", "Second-Real-Pass-" + role + "-99"}}
            .dump());
    ASSERT_LT(changed.status, 300) << changed.body;
    users.emplace(role, client);
  }
  std::map<std::string, std::string> tokens;
  for (std::string role : {"door-controller", "workstation", "pbx", "sensor", "monitor"}) {
    auto created =
        admin.Call("POST", "/api/v1/tokens", json{{"name", "it-" + role}, {"role", role}}.dump());
    ASSERT_EQ(created.status, 201) << created.body;
    tokens[role] = created.Json()["token"];
  }

  json openapi = admin.Send("GET", "/api/openapi.json").Json();
  ASSERT_TRUE(openapi.contains("paths"));
  int checked = 0;
  for (auto& [pattern, operations] : openapi["paths"].items()) {
    std::string path = pattern;
    for (size_t p; (p = path.find('{')) != std::string::npos;) {
      path.replace(p, path.find('}', p) - p + 1, "1");
    }
    for (auto& [method_lower, op] : operations.items()) {
      std::string method = method_lower;
      for (auto& c : method) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      std::set<std::string> admitted;
      for (const auto& r : op["x-roles"]) admitted.insert(r.get<std::string>());
      if (admitted.empty()) continue;  // public
      std::string body = method == "GET" || method == "DELETE" ? "" : "{}";

      HttpClient anonymous(server_->port());
      EXPECT_EQ(anonymous.Send(method, path, body).status, 401) << method << " " << path;

      for (auto& [role, client] : users) {
        if (admitted.contains(role)) continue;
        HttpResult r = client.Call(method, path, body);
        EXPECT_EQ(r.status, 403) << role << " " << method << " " << path << ": " << r.body;
        ++checked;
      }
      for (auto& [role, token] : tokens) {
        if (admitted.contains(role)) continue;
        HttpResult r = anonymous.Send(method, path, body, {{"Authorization", "Bearer " + token}});
        EXPECT_EQ(r.status, 403) << role << " " << method << " " << path << ": " << r.body;
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 250);
  EXPECT_FALSE(Audit("api.denied").empty());
}

TEST_F(ServerTest, CookieWritesNeedTheCsrfTokenButBearerTokensDoNot) {
  HttpClient admin = Admin();
  std::string campaign = json{{"code", "CSRF-1"}, {"name", "Csrf"}, {"client", "C"}}.dump();
  EXPECT_EQ(admin.Send("POST", "/api/v1/campaigns", campaign).status, 403);
  EXPECT_EQ(
      admin.Send("POST", "/api/v1/campaigns", campaign, {{"X-CSRF-Token", "fgc_wrong"}}).status,
      403);
  EXPECT_EQ(admin.Call("POST", "/api/v1/campaigns", campaign).status, 201);

  auto token =
      admin.Call("POST", "/api/v1/tokens", json{{"name", "prom"}, {"role", "monitor"}}.dump());
  ASSERT_EQ(token.status, 201);
  HttpClient device(server_->port());
  auto metrics =
      device.Send("GET", "/metrics", "",
                  {{"Authorization", "Bearer " + token.Json()["token"].get<std::string>()}});
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("floorguard_http_requests_total"), std::string::npos);
  EXPECT_NE(metrics.body.find("floorguard_audit_last_seq"), std::string::npos);
}

TEST_F(ServerTest, LoginLogoutAndDeniedLoginAreAuditedWithoutThePassword) {
  HttpClient client(server_->port());
  auto denied = client.Send("POST", "/api/v1/session",
                            json{{"username", "admin"}, {"password", "Wrong-Password-123"}}.dump());
  EXPECT_EQ(denied.status, 401);
  EXPECT_EQ(denied.Header("content-type"), "application/problem+json");
  auto login = client.Send("POST", "/api/v1/session",
                           json{{"username", "admin"}, {"password", kAdminPassword}}.dump());
  ASSERT_EQ(login.status, 200);
  std::string cookies;
  for (auto [it, end] = login.headers.equal_range("set-cookie"); it != end; ++it) {
    cookies += it->second + "\n";
  }
  EXPECT_NE(cookies.find("fg_session="), std::string::npos);
  EXPECT_NE(cookies.find("HttpOnly"), std::string::npos);
  EXPECT_NE(cookies.find("SameSite=Strict"), std::string::npos);
  std::string session = client.Cookie("fg_session");
  EXPECT_EQ(client.Call("DELETE", "/api/v1/session").status, 204);
  HttpClient stale(server_->port());
  EXPECT_EQ(stale.Send("GET", "/api/v1/session", "", {{"Cookie", "fg_session=" + session}}).status,
            401);
  auto entries = Audit("session.");
  std::set<std::string> actions;
  for (const auto& e : entries) {
    actions.insert(e.action);
    EXPECT_EQ(e.details.find("Wrong-Password-123"), std::string::npos);
    EXPECT_EQ(e.details.find(kAdminPassword), std::string::npos);
  }
  EXPECT_TRUE(actions.contains("session.login"));
  EXPECT_TRUE(actions.contains("session.login.denied"));
  EXPECT_TRUE(actions.contains("session.logout"));
}

TEST_F(ServerTest, BadRequestsGetProblemJsonAndNothingIsLost) {
  HttpClient admin = Admin();
  auto bad_json = admin.Call("POST", "/api/v1/people", "{\"kind\":");
  EXPECT_EQ(bad_json.status, 400);
  EXPECT_EQ(bad_json.Header("content-type"), "application/problem+json");
  auto unknown = admin.Call("POST", "/api/v1/people", R"({"kind":"employee","nmae":"x"})");
  EXPECT_EQ(unknown.status, 400);
  EXPECT_EQ(unknown.Json()["errors"][0]["field"], "nmae");
  auto missing =
      admin.Call("POST", "/api/v1/people", R"({"kind":"employee","employee_number":"E1"})");
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(missing.Json()["errors"][0]["field"], "name");
  EXPECT_EQ(admin.Call("POST", "/api/v1/people", std::string(2 << 20, 'x')).status, 413);
  EXPECT_EQ(admin.Send("GET", "/api/v1/nothing").status, 404);
  auto wrong_method = admin.Call("PUT", "/api/v1/people", "{}");
  EXPECT_EQ(wrong_method.status, 405);
  EXPECT_NE(wrong_method.Header("allow").find("GET"), std::string::npos);
  // Nothing accepted before was lost: the server still answers and writes.
  EXPECT_EQ(admin
                .Call("POST", "/api/v1/people",
                      R"({"kind":"employee","employee_number":"E1","name":"Ada Lovelace"})")
                .status,
            201);
}

TEST_F(ServerTest, AuditTrailFiltersPagesAndIsReadOnlyToAuditReaders) {
  HttpClient admin = Admin();
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(
        admin
            .Call("POST", "/api/v1/campaigns",
                  json{{"code", "C-" + std::to_string(i)}, {"name", "N"}, {"client", "X"}}.dump())
            .status,
        201);
  }
  auto page = admin.Send("GET", "/api/v1/audit?action=campaign.create&limit=3").Json();
  ASSERT_EQ(page["items"].size(), 3u);
  EXPECT_EQ(page["items"][0]["actor"], "user:admin");
  auto rest = admin
                  .Send("GET", "/api/v1/audit?action=campaign.create&limit=3&cursor=" +
                                   page["next_cursor"].get<std::string>())
                  .Json();
  EXPECT_EQ(rest["items"].size(), 2u);
  EXPECT_GT(page["items"][2]["seq"].get<int64_t>(), rest["items"][0]["seq"].get<int64_t>());
  EXPECT_EQ(admin.Send("GET", "/api/v1/audit?from=2999-01-01").Json()["items"].size(), 0u);
  EXPECT_EQ(admin.Send("GET", "/api/v1/audit?from=yesterday").status, 400);
  EXPECT_EQ(admin.Send("GET", "/api/v1/audit?subject=campaign:1").Json()["items"].size(), 1u);
}

TEST_F(ServerTest, LiveStreamDeliversANewEntry) {
  HttpClient admin = Admin();
  std::string raw = admin.ReadStream("/api/v1/events/stream", 5000, [&] {
    HttpClient writer = admin;
    writer.Call("POST", "/api/v1/people",
                R"({"kind":"visitor","name":"Streamed Visitor","company":"ACME"})");
  });
  EXPECT_NE(raw.find("text/event-stream"), std::string::npos);
  EXPECT_NE(raw.find("event: audit"), std::string::npos) << raw;
  EXPECT_NE(raw.find("person.create"), std::string::npos);
}

TEST_F(ServerTest, WritesSurviveARestartAndTheTrailVerifies) {
  HttpClient admin = Admin();
  auto created = admin.Call("POST", "/api/v1/campaigns",
                            json{{"code", "KEEP"}, {"name", "Kept"}, {"client", "X"}}.dump());
  ASSERT_EQ(created.status, 201);
  std::string id = std::to_string(created.Json()["id"].get<int64_t>());
  ASSERT_EQ(admin.Call("PATCH", "/api/v1/campaigns/" + id, R"({"name":"Renamed"})").status, 200);
  server_.reset();  // graceful stop
  Start();
  HttpClient again = Admin();
  EXPECT_EQ(again.Send("GET", "/api/v1/campaigns/" + id).Json()["name"], "Renamed");
  auto users = again.Send("GET", "/api/v1/users").Json();
  EXPECT_EQ(users["items"].size(), 1u);  // the first-start admin was not created twice
  ASSERT_EQ(again.Call("DELETE", "/api/v1/campaigns/" + id).status, 204);
  std::vector<std::string> actions;
  auto entries = Audit("campaign.");
  for (auto it = entries.rbegin(); it != entries.rend(); ++it) actions.push_back(it->action);
  EXPECT_EQ(actions,
            (std::vector<std::string>{"campaign.create", "campaign.update", "campaign.delete"}));
  server_.reset();
  auto db = store::Database::Open({.path = (dir_ / app::kDatabaseFile).string()});
  ASSERT_TRUE(db);
  auto key = audit::LoadPublicKey(dir_ / audit::Signer::kPublicKeyFile);
  auto report = audit::Verify(**db, *key);
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->intact) << report->problem;
  EXPECT_GE(report->checkpoints, 1);
}

TEST_F(ServerTest, ConsoleAndApiCarrySecurityHeaders) {
  HttpClient client(server_->port());
  auto page = client.Send("GET", "/");
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.Header("content-type").find("text/html"), std::string::npos);
  EXPECT_NE(page.Header("content-security-policy").find("default-src 'self'"), std::string::npos);
  auto health = client.Send("GET", "/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.Json()["status"], "ok");
  EXPECT_EQ(health.Header("x-content-type-options"), "nosniff");
  EXPECT_EQ(health.Header("cache-control"), "no-store");
  EXPECT_EQ(client.Send("GET", "/../etc/passwd").status / 100, 4);
}

}  // namespace
}  // namespace fg
