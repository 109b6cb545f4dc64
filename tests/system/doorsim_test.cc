// The offline scenario end to end with real processes: `floorguard serve` on 127.0.0.1 over
// its own data directory and the reference controller `floorguard-doorsim`. The controller
// decides online, keeps deciding from its signed cache while the server is stopped, and
// after a restart its journal is uploaded: nothing lost, nothing counted twice.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "http_client.h"

namespace fg {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

constexpr const char* kAdminPassword = "Doorsim-System-Secret-9";

struct ProcessRun {
  int exit_code;
  std::string out;  // stdout
};

ProcessRun Shell(const std::string& command) {
  FILE* pipe = ::popen(command.c_str(), "r");
  std::string out;
  std::array<char, 4096> buf;
  while (size_t n = std::fread(buf.data(), 1, buf.size(), pipe)) out.append(buf.data(), n);
  int status = ::pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

std::optional<std::string> ReadAll(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::string();
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// One `floorguard serve` process; its port comes from the line it prints when listening.
class ServerProcess {
 public:
  bool Start(const fs::path& data) {
    int fds[2];
    if (::pipe(fds) != 0) return false;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(fds[1], 1);
      ::close(fds[0]);
      ::close(fds[1]);
      ::setenv("FLOORGUARD_ADMIN_PASSWORD", kAdminPassword, 1);
      ::execl(FG_BINARY, FG_BINARY, "serve", "--listen", "127.0.0.1:0", "--data", data.c_str(),
              static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(fds[1]);
    out_ = fds[0];
    std::string seen;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{.fd = out_, .events = POLLIN};
      if (::poll(&p, 1, 200) <= 0) continue;
      char buf[512];
      ssize_t n = ::read(out_, buf, sizeof buf);
      if (n <= 0) break;
      seen.append(buf, static_cast<size_t>(n));
      size_t at = seen.find("://127.0.0.1:");
      if (at != std::string::npos && seen.find('/', at + 13) != std::string::npos) {
        port_ = static_cast<uint16_t>(std::stoi(seen.substr(at + 13)));
        return true;
      }
    }
    ADD_FAILURE() << "floorguard serve did not start: " << seen;
    return false;
  }
  // SIGTERM, then wait: the server drains and closes its database.
  void Stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
    pid_ = -1;
    ::close(out_);
  }
  ~ServerProcess() { Stop(); }
  uint16_t port() const { return port_; }

 private:
  pid_t pid_ = -1;
  int out_ = -1;
  uint16_t port_ = 0;
};

class DoorsimTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("fg_doorsim_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    server_.Stop();
    fs::remove_all(dir_);
  }

  test::HttpResponse Call(const std::string& method, const std::string& target,
                          const std::optional<Json>& body = std::nullopt) {
    test::HttpRequest request{.method = method, .target = target};
    if (body) {
      request.body = body->dump();
      request.headers.emplace_back("Content-Type", "application/json");
    }
    request.headers.emplace_back("Cookie", "fg_session=" + session_ + "; csrf=" + csrf_);
    if (method != "GET") request.headers.emplace_back("X-CSRF-Token", csrf_);
    auto response = test::Fetch(server_.port(), std::move(request));
    if (!response) {
      ADD_FAILURE() << method << " " << target << ": " << response.error;
      return {};
    }
    return *response;
  }
  Json CallJson(int status, const std::string& method, const std::string& target,
                const std::optional<Json>& body = std::nullopt) {
    auto r = Call(method, target, body);
    EXPECT_EQ(r.status, status) << method << " " << target << ": " << r.body;
    return Json::parse(r.body, nullptr, false);
  }
  void Login() {
    auto r = test::Fetch(
        server_.port(), {.method = "POST",
                         .target = "/api/v1/session",
                         .headers = {{"Content-Type", "application/json"}},
                         .body = Json{{"username", "admin"}, {"password", kAdminPassword}}.dump()});
    ASSERT_TRUE(r) << r.error;
    ASSERT_EQ(r->status, 200) << r->body;
    for (const std::string& c : r->Headers("set-cookie")) {
      auto value = [&](const std::string& name) {
        return c.substr(name.size() + 1, c.find(';') - name.size() - 1);
      };
      if (c.starts_with("fg_session=")) session_ = value("fg_session");
      if (c.starts_with("csrf=")) csrf_ = value("csrf");
    }
    ASSERT_FALSE(session_.empty());
  }
  ProcessRun Doorsim(const std::string& args) {
    return Shell(std::string(FG_DOORSIM) + " --server http://127.0.0.1:" +
                 std::to_string(server_.port()) + " --token-file " + (dir_ / "token").string() +
                 " --state-dir " + (dir_ / "state").string() + " " + args);
  }
  static Json Line(const ProcessRun& run) { return Json::parse(run.out, nullptr, false); }

  fs::path dir_;
  ServerProcess server_;
  std::string session_;
  std::string csrf_;
};

TEST_F(DoorsimTest, DecidesOfflineAndUploadsEveryEventExactlyOnce) {
  const fs::path data = dir_ / "data";
  ASSERT_TRUE(server_.Start(data));
  Login();
  const int64_t site = CallJson(201, "POST", "/api/v1/sites",
                                Json{{"name", "Doorsim HQ"}, {"timezone", "UTC"}})["id"];
  const int64_t lobby =
      CallJson(201, "POST", "/api/v1/zones",
               Json{{"site_id", site}, {"name", "Lobby"}, {"classification", "public"}})["id"];
  const int64_t floor =
      CallJson(201, "POST", "/api/v1/zones",
               Json{{"site_id", site}, {"name", "Floor"}, {"classification", "staff"}})["id"];
  CallJson(201, "POST", "/api/v1/access/doors",
           Json{{"name", "Floor door"},
                {"from_zone_id", lobby},
                {"to_zone_id", floor},
                {"entry_reader_id", "R-IN"},
                {"exit_reader_id", "R-OUT"},
                {"controller", "door-ctl-1"}});
  const int64_t person =
      CallJson(201, "POST", "/api/v1/people",
               Json{{"kind", "employee"}, {"employee_number", "E9001"}, {"name", "Ada"}})["id"];
  CallJson(201, "POST", "/api/v1/access/badges",
           Json{{"credential", "raw:04a1b2c3d4"}, {"person_id", person}});
  Json token = CallJson(201, "POST", "/api/v1/tokens",
                        Json{{"name", "door-ctl-1"}, {"role", "door-controller"}});
  ASSERT_TRUE(token["token"].is_string()) << token.dump();
  std::ofstream(dir_ / "token") << token["token"].get<std::string>() << "\n";
  ::chmod((dir_ / "token").c_str(), 0644);
  EXPECT_EQ(Doorsim("sync").exit_code, 1);  // a world-readable token is refused
  ::chmod((dir_ / "token").c_str(), 0600);

  ProcessRun sync = Doorsim("sync");
  ASSERT_EQ(sync.exit_code, 0) << sync.out;
  EXPECT_EQ(Line(sync)["badges"], 1) << sync.out;
  EXPECT_EQ(Line(sync)["readers"], 2) << sync.out;
  ProcessRun online = Doorsim("read R-IN raw:04a1b2c3d4");
  ASSERT_EQ(online.exit_code, 0) << online.out;
  EXPECT_EQ(Line(online)["decision"], "grant") << online.out;
  EXPECT_EQ(Line(online)["mode"], "online");
  // A second sync is a delta with nothing in it.
  ProcessRun again = Doorsim("sync");
  EXPECT_EQ(Line(again)["full"], false) << again.out;

  // A cache that does not verify against the pinned key is refused; the old one is kept.
  const std::string before = *ReadAll(dir_ / "state" / "cache.json");
  EXPECT_EQ(Doorsim("--public-key AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= sync").exit_code, 3);
  EXPECT_EQ(*ReadAll(dir_ / "state" / "cache.json"), before);

  server_.Stop();
  ProcessRun out = Doorsim("read R-OUT raw:04a1b2c3d4");  // leaving the floor while offline
  ASSERT_EQ(out.exit_code, 0) << out.out;
  EXPECT_EQ(Line(out)["decision"], "grant") << out.out;
  EXPECT_EQ(Line(out)["mode"], "offline");
  ProcessRun unknown = Doorsim("read R-IN raw:ffffffff");
  EXPECT_EQ(Line(unknown)["decision"], "deny") << unknown.out;
  EXPECT_EQ(Line(unknown)["reason"], "unknown_credential");
  EXPECT_EQ(Line(unknown)["mode"], "offline");
  EXPECT_EQ(Doorsim("upload").exit_code, 2);  // unreachable: the journal is kept
  fs::copy_file(dir_ / "state" / "journal.jsonl", dir_ / "journal.copy");

  ASSERT_TRUE(server_.Start(data));
  Login();
  ProcessRun upload = Doorsim("upload");
  ASSERT_EQ(upload.exit_code, 0) << upload.out;
  EXPECT_EQ(Line(upload)["accepted"], 2) << upload.out;
  EXPECT_EQ(Line(upload)["duplicates"], 0);
  // The same journal again (an acknowledgement lost on the way): nothing is added.
  fs::copy_file(dir_ / "journal.copy", dir_ / "state" / "journal.jsonl",
                fs::copy_options::overwrite_existing);
  ProcessRun twice = Doorsim("upload");
  EXPECT_EQ(Line(twice)["accepted"], 0) << twice.out;
  EXPECT_EQ(Line(twice)["duplicates"], 2);

  Json passages = CallJson(200, "GET", "/api/v1/access/passages?limit=100");
  int offline_grants = 0, offline_denies = 0, online_grants = 0;
  for (const Json& p : passages["items"]) {
    if (p["reader_id"] == "R-OUT" && p["decision"] == "grant") ++offline_grants;
    if (p["reader_id"] == "R-IN" && p["reason"] == "unknown_credential") ++offline_denies;
    if (p["reader_id"] == "R-IN" && p["decision"] == "grant") ++online_grants;
  }
  EXPECT_EQ(offline_grants, 1) << passages.dump();
  EXPECT_EQ(offline_denies, 1);
  EXPECT_EQ(online_grants, 1);
  Json audit = CallJson(200, "GET", "/api/v1/audit?action=access.offline.grant&limit=50");
  EXPECT_EQ(audit["items"].size(), 1u) << audit.dump();

  // Presence follows the offline exit: the person is in the lobby, not on the floor.
  Json occupancy = CallJson(200, "GET", "/api/v1/access/occupancy");
  int in_lobby = 0, on_floor = 0;
  for (const Json& z : occupancy["items"]) {
    if (z["zone_id"] == lobby) in_lobby = z["count"].get<int>();
    if (z["zone_id"] == floor) on_floor = z["count"].get<int>();
  }
  EXPECT_EQ(in_lobby, 1) << occupancy.dump();
  EXPECT_EQ(on_floor, 0) << occupancy.dump();
}

}  // namespace
}  // namespace fg
