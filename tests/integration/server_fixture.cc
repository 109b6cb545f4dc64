#include "server_fixture.h"

#include <stdlib.h>

#include <cctype>
#include <cstdio>

namespace fg::test {

namespace {

// "fg_session=abc; Path=/; HttpOnly" -> "abc" when the cookie is `name`.
std::optional<std::string> CookieValue(const std::vector<std::string>& set_cookies,
                                       const std::string& name) {
  for (const std::string& header : set_cookies) {
    if (!header.starts_with(name + "=")) continue;
    size_t end = header.find(';');
    return header.substr(name.size() + 1,
                         end == std::string::npos ? std::string::npos : end - name.size() - 1);
  }
  return std::nullopt;
}

bool IsUnsafe(const std::string& method) {
  return method != "GET" && method != "HEAD" && method != "OPTIONS";
}

}  // namespace

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "fg-integration-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    ADD_FAILURE() << "mkdtemp failed for " << pattern;
  }
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

Json ParseJson(const std::string& text) {
  return Json::parse(text, nullptr, /*allow_exceptions=*/false);
}

std::string UrlEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

void ServerTest::SetUp() {
  ::setenv("FLOORGUARD_ADMIN_PASSWORD", kAdminPassword, 1);
  config_.listen = "127.0.0.1:0";
  config_.data_dir = (dir_.path() / "data").string();
  config_.durability = "normal";
  config_.io_threads = 2;
  config_.worker_threads = 2;
  StartServer();
  if (HasFailure()) return;
  admin_ = Login("admin", kAdminPassword);
}

void ServerTest::TearDown() { StopServer(); }

void ServerTest::StartServer() {
  auto started = app::RunningServer::Start(config_, /*demo=*/false);
  if (!started) {
    ADD_FAILURE() << "RunningServer::Start: " << started.error().ToString();
    return;
  }
  server_ = std::move(*started);
  port_ = server_->port();
}

void ServerTest::StopServer() {
  if (!server_) return;
  server_->Stop();
  server_.reset();
}

HttpResponse ServerTest::Call(const std::string& method, const std::string& target,
                              const Credentials* who, const std::optional<Json>& body, Csrf csrf,
                              std::vector<std::pair<std::string, std::string>> headers) {
  HttpRequest request{.method = method, .target = target, .headers = std::move(headers)};
  if (body) {
    request.body = body->dump();
    request.headers.emplace_back("Content-Type", "application/json");
  }
  if (who != nullptr && who->kind == Credentials::Kind::kSession) {
    request.headers.emplace_back("Cookie", "fg_session=" + who->session + "; csrf=" + who->csrf);
    if (IsUnsafe(method) && csrf == Csrf::kSend) {
      request.headers.emplace_back("X-CSRF-Token", who->csrf);
    }
  } else if (who != nullptr) {
    request.headers.emplace_back("Authorization", "Bearer " + who->token);
  }
  auto response = Fetch(port_, std::move(request));
  if (!response) {
    ADD_FAILURE() << method << " " << target << ": " << response.error;
    return {};
  }
  return *response;
}

Json ServerTest::CallJson(int status, const std::string& method, const std::string& target,
                          const Credentials* who, const std::optional<Json>& body) {
  HttpResponse response = Call(method, target, who, body);
  if (response.status != status) {
    ADD_FAILURE() << method << " " << target << ": want " << status << ", got " << response.status
                  << " " << response.body;
    return Json();
  }
  Json json = ParseJson(response.body);
  if (json.is_discarded()) {
    ADD_FAILURE() << method << " " << target << ": not JSON: " << response.body;
    return Json();
  }
  return json;
}

Credentials ServerTest::Login(const std::string& username, const std::string& password) {
  Credentials who{.kind = Credentials::Kind::kSession, .name = username};
  HttpResponse response = Call("POST", "/api/v1/session", nullptr,
                               Json{{"username", username}, {"password", password}});
  if (response.status != 200) {
    ADD_FAILURE() << "login " << username << ": " << response.status << " " << response.body;
    return who;
  }
  auto cookies = response.Headers("set-cookie");
  auto session = CookieValue(cookies, "fg_session");
  auto csrf = CookieValue(cookies, "csrf");
  Json body = ParseJson(response.body);
  if (!session || !csrf || body.is_discarded()) {
    ADD_FAILURE() << "login " << username << ": cookies or body missing";
    return who;
  }
  who.session = *session;
  who.csrf = *csrf;
  who.id = body["user"]["id"].get<int64_t>();
  who.role = body["user"]["role"].get<std::string>();
  return who;
}

Credentials ServerTest::AddConsoleUser(const std::string& username, const std::string& role) {
  Json created =
      CallJson(201, "POST", "/api/v1/users", &admin_, Json{{"username", username}, {"role", role}});
  if (!created.contains("password")) {
    ADD_FAILURE() << "no temporary password for " << username;
    return {};
  }
  Credentials who = Login(username, created["password"].get<std::string>());
  HttpResponse changed =
      Call("POST", "/api/v1/session/password", &who,
           Json{{"current_password", created["password"]}, {"new_password", kUserPassword}});
  EXPECT_EQ(changed.status, 204) << "password change for " << username << ": " << changed.body;
  return who;
}

Credentials ServerTest::AddDeviceToken(const std::string& name, const std::string& role,
                                       std::optional<int64_t> station_id) {
  Json body = {{"name", name}, {"role", role}};
  if (station_id) body["station_id"] = *station_id;
  Json created = CallJson(201, "POST", "/api/v1/tokens", &admin_, body);
  Credentials who{.kind = Credentials::Kind::kDevice, .name = name, .role = role};
  if (!created.contains("token")) {
    ADD_FAILURE() << "no token secret for " << name;
    return who;
  }
  who.id = created["id"].get<int64_t>();
  who.token = created["token"].get<std::string>();
  return who;
}

std::vector<Json> ServerTest::AuditEntries(const std::string& query, const Credentials* who) {
  if (who == nullptr) who = &admin_;
  std::vector<Json> entries;
  std::string cursor;
  for (int page = 0; page < 1000; ++page) {
    std::string target = "/api/v1/audit?limit=500";
    if (!query.empty()) target += "&" + query;
    if (!cursor.empty()) target += "&cursor=" + UrlEncode(cursor);
    Json body = CallJson(200, "GET", target, who);
    if (!body.is_object()) return entries;
    for (const Json& item : body["items"]) entries.push_back(item);
    if (body["next_cursor"].is_null()) return entries;
    cursor = body["next_cursor"].get<std::string>();
  }
  ADD_FAILURE() << "audit paging did not end";
  return entries;
}

}  // namespace fg::test
