// The floorguard binary as an administrator runs it.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>

namespace fg {
namespace {

namespace fs = std::filesystem;

struct CliRun {
  int exit_code;
  std::string output;  // stdout and stderr
};

CliRun Floorguard(const std::string& args, const std::string& input = "") {
  std::string command = std::string(FG_BINARY) + " " + args + " 2>&1";
  if (!input.empty()) command = "printf '%s\\n' '" + input + "' | " + command;
  FILE* pipe = ::popen(command.c_str(), "r");
  std::string output;
  std::array<char, 4096> buf;
  while (size_t n = std::fread(buf.data(), 1, buf.size(), pipe)) output.append(buf.data(), n);
  int status = ::pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("fg_cli_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    data_ = (dir_ / "data").string();
    ::unsetenv("FLOORGUARD_ADMIN_PASSWORD");  // each first start generates its password
  }
  void TearDown() override { fs::remove_all(dir_); }
  void Tamper(const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((data_ + "/floorguard.db").c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
  }
  fs::path dir_;
  std::string data_;
};

TEST_F(CliTest, AuditVerifyRejectsAForeignPublicKey) {
  ASSERT_EQ(Floorguard("init --data " + data_).exit_code, 0);
  ASSERT_EQ(Floorguard("init --data " + (dir_ / "other").string()).exit_code, 0);
  CliRun r = Floorguard("audit verify --data " + data_ + " --public-key " +
                        (dir_ / "other" / "audit-signing.pub").string());
  EXPECT_EQ(r.exit_code, 1) << r.output;
}

TEST_F(CliTest, UserCommandsManageConsoleUsers) {
  ASSERT_EQ(Floorguard("init --data " + data_).exit_code, 0);
  CliRun add = Floorguard("user add bob --role auditor --data " + data_);
  EXPECT_EQ(add.exit_code, 0) << add.output;
  EXPECT_NE(add.output.find("temporary password"), std::string::npos);
  CliRun list = Floorguard("user list --data " + data_);
  EXPECT_NE(list.output.find("bob"), std::string::npos);
  EXPECT_NE(list.output.find("auditor"), std::string::npos);
  EXPECT_EQ(Floorguard("user disable bob --data " + data_).exit_code, 0);
  EXPECT_NE(Floorguard("user list --data " + data_).output.find("disabled"), std::string::npos);
  EXPECT_EQ(Floorguard("user add eve --role emperor --data " + data_).exit_code, 2);
  EXPECT_NE(Floorguard("user reset nobody --data " + data_).exit_code, 0);
  EXPECT_NE(Floorguard("user list --data " + (dir_ / "empty").string()).exit_code, 0);
  CliRun audited = Floorguard("audit verify --data " + data_);
  EXPECT_EQ(audited.exit_code, 0) << audited.output;
}

TEST_F(CliTest, BadConfigStopsStartupNamingFileAndLine) {
  std::string file = (dir_ / "bad.toml").string();
  std::ofstream(file) << "[server]\nlisten = \"127.0.0.1:0\"\nio_threads = \"many\"\n";
  CliRun r = Floorguard("serve --config " + file + " --data " + data_);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find(file + ":3:"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("server.io_threads"), std::string::npos);
  CliRun exposed = Floorguard("serve --listen 0.0.0.0:0 --data " + data_);
  EXPECT_NE(exposed.exit_code, 0);
  EXPECT_NE(exposed.output.find("plain HTTP"), std::string::npos) << exposed.output;
}

}  // namespace
}  // namespace fg

namespace fg {
namespace {

// Writes an auth.log in Debian 12 rsyslog's format: `failures` failed sshd passwords for one
// user from one address, a second apart, then an unparseable line and a noise line.
std::string WriteAuthLog(const fs::path& path, const std::string& user, int failures) {
  std::ofstream out(path);
  for (int i = 0; i < failures; ++i) {
    out << "2026-11-29T05:49:" << (10 + i)
        << ".000000+00:00 bastion sshd[4242]: Failed password for " << user
        << " from 203.0.113.9 port " << (50000 + i) << " ssh2\n";
  }
  out << "2026-11-29T05:50:00.000000+00:00 bastion CRON[99]: pam_unix(cron:session): session "
         "opened for user root(uid=0) by (uid=0)\n";
  out << "\x01\x02 not a log line\n";
  return path.string();
}

TEST_F(CliTest, LogscanPrintsTheAlertsOfAnIncident) {
  std::string log = WriteAuthLog(dir_ / "auth.log", "mallory", 7);
  CliRun r = Floorguard("logscan --count-failures " + log);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("account_brute_force"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("mallory"), std::string::npos);
  EXPECT_NE(r.output.find("failures 7"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("1 unparseable"), std::string::npos) << r.output;
}

TEST_F(CliTest, LogscanBelowTheThresholdRaisesNothing) {
  std::string log = WriteAuthLog(dir_ / "auth.log", "mallory", 5);
  CliRun r = Floorguard("logscan --format jsonl " + log);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.find("account_brute_force"), std::string::npos) << r.output;
}

TEST_F(CliTest, LogscanFollowsTheConfiguredThresholds) {
  std::string log = WriteAuthLog(dir_ / "auth.log", "mallory", 3);
  std::ofstream(dir_ / "fg.toml") << "[detect]\naccount_failures = 3\n";
  CliRun r =
      Floorguard("logscan --format jsonl --config " + (dir_ / "fg.toml").string() + " " + log);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("\"alert\":\"account_brute_force\""), std::string::npos) << r.output;
  std::ofstream(dir_ / "bad.toml") << "[detect]\naccount_failures = 12\n";
  CliRun bad = Floorguard("logscan --config " + (dir_ / "bad.toml").string() + " " + log);
  EXPECT_EQ(bad.exit_code, 2) << bad.output;
  EXPECT_NE(bad.output.find("detect.account_failures"), std::string::npos) << bad.output;
}

TEST_F(CliTest, LogscanNamesAFileItCannotRead) {
  CliRun r = Floorguard("logscan " + (dir_ / "missing.log").string());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("missing.log"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace fg
