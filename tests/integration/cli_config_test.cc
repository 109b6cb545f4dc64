// Configuration files and the floorguard binary as an operator runs it.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "app/config.h"
#include "app/runtime.h"
#include "server_fixture.h"

extern char** environ;

namespace fg::test {
namespace {

using namespace std::chrono_literals;

bool Contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

std::filesystem::path WriteFile(const std::filesystem::path& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  return path;
}

struct CommandResult {
  int exit_code = -1;  // -1: did not exit in time (killed) or could not start
  std::string out;
  std::string err;
};

// Runs the floorguard binary with `args`, stdin from /dev/null; kills it after `timeout`.
CommandResult RunFloorguard(const std::vector<std::string>& args,
                            std::chrono::milliseconds timeout = 20s) {
  CommandResult result;
  int out_pipe[2], err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0) {
    ADD_FAILURE() << "pipe: " << std::strerror(errno);
    return result;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
  std::vector<std::string> argv_strings = {FG_BINARY};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& s : argv_strings) argv.push_back(s.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  int spawned = ::posix_spawn(&pid, FG_BINARY, &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (spawned != 0) {
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    ADD_FAILURE() << "posix_spawn " << FG_BINARY << ": " << std::strerror(spawned);
    return result;
  }

  Deadline deadline = In(timeout);
  pollfd fds[2] = {{.fd = out_pipe[0], .events = POLLIN, .revents = 0},
                   {.fd = err_pipe[0], .events = POLLIN, .revents = 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  int open_fds = 2;
  bool killed = false;
  while (open_fds > 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      ::kill(pid, SIGKILL);  // our own child, by its id
      killed = true;
      break;
    }
    int ready = ::poll(fds, 2, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      char buffer[4096];
      ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
      if (n > 0) {
        sinks[i]->append(buffer, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  for (pollfd& p : fds) {
    if (p.fd >= 0) ::close(p.fd);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (killed) {
    ADD_FAILURE() << "floorguard did not exit within " << timeout.count() << " ms";
  } else if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  }
  return result;
}

// --- 12. Config errors ----------------------------------------------------------------------

TEST(Config, TypeErrorNamesTheFileAndLine) {
  TempDir dir;
  auto file = WriteFile(dir.path() / "floorguard.toml",
                        "# test\n[server]\nlisten = \"127.0.0.1:9000\"\nio_threads = \"four\"\n");
  auto config = app::LoadConfig(file);
  ASSERT_FALSE(config);
  EXPECT_TRUE(Contains(config.error().message, file.string() + ":4:")) << config.error().message;
  EXPECT_TRUE(Contains(config.error().message, "server.io_threads")) << config.error().message;
}

TEST(Config, UnknownKeyNamesTheFileAndLine) {
  TempDir dir;
  auto file = WriteFile(dir.path() / "floorguard.toml",
                        "[server]\nlisten = \"127.0.0.1:9000\"\n\n[database]\n"
                        "durability = \"normal\"\nfsync = true\n");
  auto config = app::LoadConfig(file);
  ASSERT_FALSE(config);
  EXPECT_TRUE(Contains(config.error().message, file.string() + ":6:")) << config.error().message;
  EXPECT_TRUE(Contains(config.error().message, "database.fsync")) << config.error().message;

  auto section = WriteFile(dir.path() / "section.toml", "[server]\n\n[srever]\nlisten = 1\n");
  auto unknown_section = app::LoadConfig(section);
  ASSERT_FALSE(unknown_section);
  EXPECT_TRUE(Contains(unknown_section.error().message, section.string() + ":3:"))
      << unknown_section.error().message;
}

TEST(Config, SyntaxErrorNamesTheFileAndLine) {
  TempDir dir;
  auto file = WriteFile(dir.path() / "floorguard.toml",
                        "[server]\nio_threads = 2\nlisten = \"127.0.0.1:9000\n");
  auto config = app::LoadConfig(file);
  ASSERT_FALSE(config);
  EXPECT_TRUE(Contains(config.error().message, file.string() + ":3:")) << config.error().message;
}

TEST(Config, PlainHttpOffLoopbackIsRefusedUnlessAllowed) {
  app::Config config;
  config.listen = "0.0.0.0:8080";
  auto refused = app::Validate(config);
  ASSERT_FALSE(refused);
  EXPECT_TRUE(Contains(refused.error().message, "allow_plain_http")) << refused.error().message;
  config.allow_plain_http = true;
  EXPECT_TRUE(app::Validate(config));
  config.allow_plain_http = false;
  config.listen = "127.0.0.1:8080";
  EXPECT_TRUE(app::Validate(config));

  TempDir dir;
  auto file = WriteFile(dir.path() / "open.toml", "[server]\nlisten = \"0.0.0.0:8443\"\n");
  EXPECT_FALSE(app::LoadConfig(file)) << "LoadConfig must validate too";
  auto allowed = WriteFile(dir.path() / "allowed.toml",
                           "[server]\nlisten = \"0.0.0.0:8443\"\nallow_plain_http = true\n");
  auto loaded = app::LoadConfig(allowed);
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ(loaded->listen, "0.0.0.0:8443");
}

// --- 13. CLI --------------------------------------------------------------------------------

class CliTest : public ServerTest {};

TEST_F(CliTest, AuditVerifyExitsZeroWhenIntactAndOneNamingTheFirstBadSeqAfterTampering) {
  ASSERT_FALSE(HasFailure());
  CallJson(201, "POST", "/api/v1/campaigns", &admin_, Json{{"code", "CLI"}, {"name", "Cli"}});
  StopServer();
  const std::string data = config_.data_dir;

  CommandResult intact = RunFloorguard({"audit", "verify", "--data", data});
  EXPECT_EQ(intact.exit_code, 0) << intact.out << intact.err;
  EXPECT_TRUE(Contains(intact.out, "intact")) << intact.out;

  // Tamper with entry 3 the way an attacker with file access would.
  std::string db_file = (std::filesystem::path(data) / app::kDatabaseFile).string();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(db_file.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
  std::string details;
  sqlite3_stmt* select = nullptr;
  ASSERT_EQ(
      sqlite3_prepare_v2(db, "SELECT details FROM audit_log WHERE seq = 3", -1, &select, nullptr),
      SQLITE_OK);
  if (sqlite3_step(select) == SQLITE_ROW) {
    details = reinterpret_cast<const char*>(sqlite3_column_text(select, 0));
  }
  sqlite3_finalize(select);
  ASSERT_FALSE(details.empty());
  ASSERT_NE(details, "{}") << "the edit must change entry 3";
  char* error = nullptr;
  int rc =
      sqlite3_exec(db, "UPDATE audit_log SET details='{}' WHERE seq=3", nullptr, nullptr, &error);
  EXPECT_EQ(rc, SQLITE_OK) << (error != nullptr ? error : "");
  sqlite3_free(error);
  EXPECT_EQ(sqlite3_changes(db), 1);
  sqlite3_close(db);

  CommandResult broken = RunFloorguard({"audit", "verify", "--data", data});
  EXPECT_EQ(broken.exit_code, 1) << broken.out << broken.err;
  EXPECT_TRUE(Contains(broken.out, "first bad seq 3")) << broken.out;
}

TEST_F(CliTest, VersionAndUserCommandsWorkOnTheDataDirectory) {
  ASSERT_FALSE(HasFailure());
  StopServer();
  const std::string data = config_.data_dir;

  CommandResult version = RunFloorguard({"version"});
  EXPECT_EQ(version.exit_code, 0) << version.err;
  EXPECT_TRUE(version.out.starts_with("floorguard ")) << version.out;

  CommandResult added = RunFloorguard({"user", "add", "bob", "--role", "auditor", "--data", data});
  ASSERT_EQ(added.exit_code, 0) << added.out << added.err;
  const std::string marker = "temporary password (shown once, must be changed at first login): ";
  size_t at = added.out.find(marker);
  ASSERT_NE(at, std::string::npos) << added.out;
  std::string password = added.out.substr(at + marker.size());
  password = password.substr(0, password.find('\n'));
  EXPECT_EQ(password.size(), 20u) << password;

  CommandResult listed = RunFloorguard({"user", "list", "--data", data});
  EXPECT_EQ(listed.exit_code, 0) << listed.err;
  bool bob_listed = false;
  for (size_t start = 0; start < listed.out.size();) {
    size_t end = listed.out.find('\n', start);
    std::string line = listed.out.substr(start, end - start);
    if (Contains(line, " bob ")) {
      bob_listed = true;
      EXPECT_TRUE(Contains(line, "auditor")) << line;
      EXPECT_TRUE(Contains(line, "temporary")) << line;
    }
    if (end == std::string::npos) break;
    start = end + 1;
  }
  EXPECT_TRUE(bob_listed) << listed.out;

  CommandResult bad_role =
      RunFloorguard({"user", "add", "carol", "--role", "janitor", "--data", data});
  EXPECT_EQ(bad_role.exit_code, 2) << bad_role.out << bad_role.err;
  CommandResult device_role =
      RunFloorguard({"user", "add", "carol", "--role", "sensor", "--data", data});
  EXPECT_EQ(device_role.exit_code, 2) << device_role.out << device_role.err;

  // The user the CLI made is real: the server lets bob in, and wants a new password.
  StartServer();
  ASSERT_TRUE(server_);
  HttpResponse login =
      Call("POST", "/api/v1/session", nullptr, Json{{"username", "bob"}, {"password", password}});
  EXPECT_EQ(login.status, 200) << login.body;
  EXPECT_EQ(ParseJson(login.body)["user"]["must_change_password"], true) << login.body;
}

TEST_F(CliTest, MusterPrintsWhoIsOnSiteFromTheDataDirectoryWhileTheServerRuns) {
  ASSERT_FALSE(HasFailure());
  auto id = [](const Json& j) { return j.is_object() ? j.value("id", int64_t{0}) : 0; };
  int64_t site = id(CallJson(201, "POST", "/api/v1/sites", &admin_,
                             Json{{"name", "Muster HQ"}, {"timezone", "UTC"}}));
  int64_t street =
      id(CallJson(201, "POST", "/api/v1/zones", &admin_,
                  Json{{"site_id", site}, {"name", "Street"}, {"classification", "public"}}));
  int64_t lobby =
      id(CallJson(201, "POST", "/api/v1/zones", &admin_,
                  Json{{"site_id", site}, {"name", "Muster lobby"}, {"classification", "public"}}));
  CallJson(201, "POST", "/api/v1/access/doors", &admin_,
           Json{{"name", "Main"},
                {"from_zone_id", street},
                {"to_zone_id", lobby},
                {"entry_reader_id", "M-IN"}});
  int64_t person = id(
      CallJson(201, "POST", "/api/v1/people", &admin_,
               Json{{"kind", "employee"}, {"employee_number", "E8301"}, {"name", "Mina Okafor"}}));
  CallJson(201, "POST", "/api/v1/access/badges", &admin_,
           Json{{"credential", "raw:0c0ffee001"}, {"person_id", person}});
  Credentials controller = AddDeviceToken("door-m", "door-controller");
  Json granted = CallJson(200, "POST", "/api/v1/access/decide", &controller,
                          Json{{"reader_id", "M-IN"}, {"credential", "raw:0c0ffee001"}});
  ASSERT_EQ(granted["decision"], "grant") << granted.dump();
  const std::string data = config_.data_dir;

  CommandResult text = RunFloorguard({"muster", "--data", data});
  ASSERT_EQ(text.exit_code, 0) << text.out << text.err;
  EXPECT_TRUE(Contains(text.out, "1 on site")) << text.out;
  EXPECT_TRUE(Contains(text.out, "Muster lobby (1)")) << text.out;
  EXPECT_TRUE(Contains(text.out, "Mina Okafor")) << text.out;
  CommandResult csv = RunFloorguard({"muster", "--format", "csv", "--data", data});
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_TRUE(Contains(csv.out, "Mina Okafor")) << csv.out;
  EXPECT_TRUE(Contains(csv.out, "E8301")) << csv.out;

  CommandResult missing = RunFloorguard({"muster", "--data", data + "/nowhere"});
  EXPECT_EQ(missing.exit_code, 2) << missing.out << missing.err;
  CommandResult bad = RunFloorguard({"muster", "--format", "pdf", "--data", data});
  EXPECT_NE(bad.exit_code, 0);
}

TEST_F(CliTest, RetentionRemovesOnlyExpiredRowsWithAProofInTheAuditTrail) {
  ASSERT_FALSE(HasFailure());
  StopServer();
  const std::string data = config_.data_dir;
  const std::filesystem::path db_file = std::filesystem::path(data) / "floorguard.db";
  const int64_t now_us = std::chrono::duration_cast<std::chrono::microseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  const int64_t day_us = 86'400'000'000LL;
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open_v2(db_file.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
    std::string sql;
    // Two passages past the default 365 days, one recent.
    for (int64_t age : {400, 380, 10}) {
      sql += "INSERT INTO access_passages (time, reader_id, from_zone_id, to_zone_id, granted, "
             "reason) VALUES (" +
             std::to_string(now_us - age * day_us) + ", 'R-OLD', 1, 2, 1, 'granted');";
    }
    char* error = nullptr;
    ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK) << error;
    sqlite3_close(db);
  }
  auto passages = [&] {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open_v2(db_file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    int64_t n = -1;
    sqlite3_exec(
        db, "SELECT COUNT(*) FROM access_passages WHERE reader_id = 'R-OLD'",
        [](void* out, int, char** values, char**) {
          *static_cast<int64_t*>(out) = std::stoll(values[0]);
          return 0;
        },
        &n, nullptr);
    sqlite3_close(db);
    return n;
  };

  CommandResult dry = RunFloorguard({"retention", "run", "--dry-run", "--data", data});
  ASSERT_EQ(dry.exit_code, 0) << dry.out << dry.err;
  EXPECT_TRUE(Contains(dry.out, "WOULD GO")) << dry.out;
  EXPECT_TRUE(Contains(dry.out, "access_passages")) << dry.out;
  EXPECT_EQ(passages(), 3);

  CommandResult run = RunFloorguard({"retention", "run", "--vacuum", "--data", data});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_EQ(passages(), 1);  // only the recent one stays

  StartServer();
  admin_ = Login("admin", kAdminPassword);
  std::vector<Json> proofs = AuditEntries("action=retention.purge");
  ASSERT_EQ(proofs.size(), 1u);
  const std::string proof = proofs[0].dump();
  EXPECT_TRUE(Contains(proof, R"(\"count\":2)") || Contains(proof, R"("count":2)")) << proof;
  EXPECT_TRUE(Contains(proof, "badge_passages")) << proof;

  // A retention shorter than PCI DSS 10.5.1's 12 months for logs is refused.
  const auto bad = WriteFile(std::filesystem::path(data) / "short.toml",
                             "[retention]\nlogon_events_days = 30\n");
  CommandResult refused =
      RunFloorguard({"retention", "run", "--dry-run", "--config", bad.string(), "--data", data});
  EXPECT_EQ(refused.exit_code, 2) << refused.out << refused.err;
  EXPECT_TRUE(Contains(refused.err, "10.5.1")) << refused.err;
}

TEST(Cli, ServeWithABadConfigExitsNonZeroNamingFileAndLine) {
  TempDir dir;
  // Were the error missed, the server would still stay in the temporary directory.
  auto file = WriteFile(dir.path() / "bad.toml",
                        "[server]\nlisten = \"127.0.0.1:0\"\nworker_threads = true\n\n[data]\n"
                        "dir = \"" +
                            (dir.path() / "data").string() + "\"\n");
  CommandResult served = RunFloorguard({"serve", "--config", file.string()}, 10s);
  EXPECT_NE(served.exit_code, 0) << served.out << served.err;
  EXPECT_NE(served.exit_code, -1) << "serve did not exit: it started despite the bad config";
  EXPECT_TRUE(Contains(served.err, file.string() + ":3:")) << served.err;

  CommandResult missing = RunFloorguard({"user", "list", "--data", (dir.path() / "none").string()});
  EXPECT_NE(missing.exit_code, 0) << "a missing installation must not be invented";
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "none" / app::kDatabaseFile));
}

}  // namespace
}  // namespace fg::test
