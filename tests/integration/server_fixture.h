// ServerTest: one real floorguard per test, as `floorguard serve` runs it.
//
// Each test gets a fresh temporary data directory, a RunningServer on 127.0.0.1:0 (SQLite
// with durability "normal" for speed) and the first admin, whose password comes from
// FLOORGUARD_ADMIN_PASSWORD and is therefore known; SetUp logs it in once. Helpers talk to
// the server over real TCP through http_client.h and report problems as test failures.
// Logins cost an Argon2id hash (~50-100 ms at the default 19 MiB): tests log in sparingly.
// Thread-safety: a fixture belongs to its test's thread; Call() may be used from others.
//
//   TEST_F(ServerTest, Something) {
//     auto r = Call("GET", "/api/v1/people", &admin_);
//     EXPECT_EQ(r.status, 200);
//   }
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "app/config.h"
#include "app/serve.h"
#include "http_client.h"

namespace fg::test {

using Json = nlohmann::json;

inline constexpr const char* kAdminPassword = "Control-Plane-Secret-7";
// What every console user created by a test changes its temporary password to.
inline constexpr const char* kUserPassword = "Fresh-Integration-Pass-42";

// How a caller authenticates: a console session (cookie + CSRF) or a device token.
struct Credentials {
  enum class Kind { kSession, kDevice };
  Kind kind = Kind::kSession;
  std::string name;  // username or token name
  std::string role;
  int64_t id = 0;       // user id or token id
  std::string session;  // fg_session cookie
  std::string csrf;     // csrf cookie, echoed in X-CSRF-Token
  std::string token;    // device bearer token

  // The audit trail's actor for this caller.
  std::string Actor() const { return (kind == Kind::kSession ? "user:" : "device:") + name; }
};

// A temporary directory removed with the object.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Whether the body is JSON; null JSON (is_discarded) when not.
Json ParseJson(const std::string& text);

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Starts a server over config_ (same data directory on a restart). Fails the test when
  // it cannot start.
  void StartServer();
  // Stop() (drains), then destroys the server so the database is closed.
  void StopServer();
  uint16_t port() const { return port_; }
  const std::filesystem::path& data_dir() const { return dir_.path(); }

  // One request over a new connection. Session callers send their cookies, and the CSRF
  // header on unsafe methods unless `csrf` says otherwise; device callers send their token.
  enum class Csrf { kSend, kOmit };
  HttpResponse Call(const std::string& method, const std::string& target, const Credentials* who,
                    const std::optional<Json>& body = std::nullopt, Csrf csrf = Csrf::kSend,
                    std::vector<std::pair<std::string, std::string>> headers = {});
  // Call() that expects `status` and a JSON body; returns it (null on failure).
  Json CallJson(int status, const std::string& method, const std::string& target,
                const Credentials* who, const std::optional<Json>& body = std::nullopt);

  // POST /api/v1/session; fails the test unless 200 with both cookies.
  Credentials Login(const std::string& username, const std::string& password);
  // Creates a console user (temporary password), logs in and changes the password to
  // kUserPassword, as the console forces at first login.
  Credentials AddConsoleUser(const std::string& username, const std::string& role);
  Credentials AddDeviceToken(const std::string& name, const std::string& role,
                             std::optional<int64_t> station_id = std::nullopt);
  // Every entry of GET /api/v1/audit?<query>, following next_cursor (newest first).
  std::vector<Json> AuditEntries(const std::string& query, const Credentials* who = nullptr);

  // Declared first so that it outlives the server.
  TempDir dir_;
  app::Config config_;
  std::unique_ptr<app::RunningServer> server_;
  uint16_t port_ = 0;
  Credentials admin_;
};

// "a b" -> "a%20b" for query values.
std::string UrlEncode(std::string_view text);

}  // namespace fg::test
