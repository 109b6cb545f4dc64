// Active defence end to end: sshd lines arrive on the real syslog ports (UDP and TCP), the
// detectors lock an account and ban an address through identity, the alerts appear in the
// API, and the next workstation logon is refused by the lockout and source checks.
#include "app/defense.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <thread>

#include "core/clock.h"
#include "server_fixture.h"

namespace fg::test {
namespace {

int64_t Id(const Json& object) { return object.is_object() ? object.value("id", int64_t{0}) : 0; }

sockaddr_in Loopback(int port) {
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<uint16_t>(port));
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return to;
}

void SendUdp(int port, const std::string& message) {
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in to = Loopback(port);
  ASSERT_EQ(
      ::sendto(fd, message.data(), message.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to),
      static_cast<ssize_t>(message.size()));
  ::close(fd);
}

void SendTcp(int port, const std::string& bytes) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in to = Loopback(port);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to), 0);
  ASSERT_EQ(::send(fd, bytes.data(), bytes.size(), 0), static_cast<ssize_t>(bytes.size()));
  ::close(fd);
}

// An RFC 5424 sshd line stamped now (authpriv.info).
std::string SshdLine(const std::string& text) {
  return "<86>1 " + core::FormatRfc3339(core::SystemClock().WallNow()) + " bastion sshd 4242 - - " +
         text;
}

std::string OctetCounted(const std::string& frame) {
  return std::to_string(frame.size()) + " " + frame;
}

// Runs the floorguard binary; returns its exit code and sets `output` (stdout and stderr).
int Floorguard(const std::string& args, std::string* output) {
  std::string command = std::string(FG_BINARY) + " " + args + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return -1;
  std::array<char, 4096> buf;
  output->clear();
  while (size_t n = std::fread(buf.data(), 1, buf.size(), pipe)) output->append(buf.data(), n);
  int status = ::pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

class DefenseTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    if (HasFailure()) return;
    // Again, with the syslog intake on free loopback ports.
    StopServer();
    config_.syslog_udp_listen = "127.0.0.1:0";
    config_.syslog_tcp_listen = "127.0.0.1:0";
    StartServer();
    if (HasFailure()) return;
    admin_ = Login("admin", kAdminPassword);
    udp_ = server_->defense().syslog_udp_port();
    tcp_ = server_->defense().syslog_tcp_port();
    ASSERT_GT(udp_, 0);
    ASSERT_GT(tcp_, 0);

    int64_t site = Id(CallJson(201, "POST", "/api/v1/sites", &admin_,
                               Json{{"name", "Defense HQ"}, {"timezone", "UTC"}}));
    int64_t zone =
        Id(CallJson(201, "POST", "/api/v1/zones", &admin_,
                    Json{{"site_id", site}, {"name", "Floor D"}, {"classification", "staff"}}));
    station_ = Id(CallJson(201, "POST", "/api/v1/stations", &admin_,
                           Json{{"workstation_id", "WS-D1"}, {"zone_id", zone}}));
    int64_t person = Id(
        CallJson(201, "POST", "/api/v1/people", &admin_,
                 Json{{"kind", "employee"}, {"employee_number", "E9001"}, {"name", "Mal Lory"}}));
    Json account = CallJson(201, "POST", "/api/v1/accounts", &admin_,
                            Json{{"person_id", person}, {"username", "mallory"}});
    password_ = account.value("password", "");
    token_ = AddDeviceToken("ws-d1", "workstation", station_);
  }

  // Polls `target` until `done(body)` or five seconds pass (the intake and the detectors run
  // on their own threads).
  Json WaitFor(const std::string& target, const std::function<bool(const Json&)>& done) {
    Json body;
    for (int i = 0; i < 100; ++i) {
      body = CallJson(200, "GET", target, &admin_);
      if (done(body)) return body;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ADD_FAILURE() << target << " never satisfied the condition: " << body.dump();
    return body;
  }

  static bool HasItem(const Json& body, const std::string& field, const std::string& value) {
    if (!body.contains("items")) return false;
    for (const Json& item : body["items"]) {
      if (item.value(field, "") == value) return true;
    }
    return false;
  }

  int udp_ = 0, tcp_ = 0;
  int64_t station_ = 0;
  std::string password_;
  Credentials token_;
};

TEST_F(DefenseTest, SshdFailuresOverSyslogLockTheAccountForWorkstationLogon) {
  ASSERT_FALSE(HasFailure());
  for (int i = 0; i < 6; ++i) {
    SendUdp(udp_, SshdLine("Failed password for mallory from 203.0.113.9 port " +
                           std::to_string(50000 + i) + " ssh2"));
  }
  WaitFor("/api/v1/accounts/locked",
          [](const Json& body) { return HasItem(body, "username", "mallory"); });
  Json alerts = WaitFor("/api/v1/alerts?rule=account_brute_force",
                        [](const Json& body) { return HasItem(body, "account", "mallory"); });
  EXPECT_EQ(alerts["items"][0]["status"], "open");

  // The right password no longer helps: the lockout check comes first.
  Json denied = CallJson(200, "POST", "/api/v1/logon", &token_,
                         Json{{"username", "mallory"}, {"password", password_}});
  EXPECT_EQ(denied["decision"], "deny") << denied.dump();
  EXPECT_EQ(denied["check"], "lockout");
  EXPECT_EQ(denied["reason"], "account_locked");
  EXPECT_FALSE(AuditEntries("action=account.lock").empty());

  // An administrator lifts the lock from the shell while the server is down...
  StopServer();
  std::string data = "--data " + config_.data_dir;
  std::string out;
  EXPECT_EQ(Floorguard("account locked " + data, &out), 0) << out;
  EXPECT_NE(out.find("mallory"), std::string::npos) << out;
  EXPECT_EQ(Floorguard("account unlock mallory " + data, &out), 0) << out;
  EXPECT_EQ(Floorguard("account unlock nobody " + data, &out), 2) << out;
  EXPECT_NE(out.find("nobody"), std::string::npos) << out;
  EXPECT_EQ(Floorguard("audit verify " + data, &out), 0) << out;
  // ...and the agent logs on again.
  StartServer();
  ASSERT_FALSE(HasFailure());
  Json allowed = CallJson(200, "POST", "/api/v1/logon", &token_,
                          Json{{"username", "mallory"}, {"password", password_}});
  EXPECT_EQ(allowed["decision"], "allow") << allowed.dump();
}

TEST_F(DefenseTest, AnUnlockedAccountLocksAgainAtOnceWhenTheAttackGoesOn) {
  ASSERT_FALSE(HasFailure());
  auto attack = [&](int first_port) {
    for (int i = 0; i < 6; ++i) {
      SendUdp(udp_, SshdLine("Failed password for mallory from 203.0.113.77 port " +
                             std::to_string(first_port + i) + " ssh2"));
    }
  };
  attack(51000);
  Json locked = WaitFor("/api/v1/accounts/locked",
                        [](const Json& body) { return HasItem(body, "username", "mallory"); });
  int64_t account = locked["items"][0]["account_id"];
  EXPECT_EQ(Call("POST", "/api/v1/accounts/" + std::to_string(account) + "/unlock", &admin_,
                 Json::object())
                .status,
            204);
  EXPECT_FALSE(
      HasItem(CallJson(200, "GET", "/api/v1/accounts/locked", &admin_), "username", "mallory"));
  attack(52000);
  WaitFor("/api/v1/accounts/locked",
          [](const Json& body) { return HasItem(body, "username", "mallory"); });
}

TEST_F(DefenseTest, SprayingOverTcpBansTheAddressForWorkstationLogon) {
  ASSERT_FALSE(HasFailure());
  std::string stream;
  for (const char* user : {"alice", "bob", "carol", "dave", "erin"}) {
    stream += OctetCounted(SshdLine(std::string("Failed password for invalid user ") + user +
                                    " from 198.51.100.23 port 40000 ssh2"));
  }
  SendTcp(tcp_, stream);
  WaitFor("/api/v1/alerts?rule=password_spraying",
          [](const Json& body) { return HasItem(body, "source", "address:198.51.100.23"); });

  Json denied = CallJson(
      200, "POST", "/api/v1/logon", &token_,
      Json{{"username", "mallory"}, {"password", password_}, {"source_address", "198.51.100.23"}});
  EXPECT_EQ(denied["decision"], "deny") << denied.dump();
  EXPECT_EQ(denied["check"], "source");
  EXPECT_EQ(denied["reason"], "source_banned");

  // The ban is listed; security lifts it, and the address may log on again.
  Json bans = CallJson(200, "GET", "/api/v1/bans", &admin_);
  EXPECT_TRUE(HasItem(bans, "source", "address:198.51.100.23")) << bans.dump();
  EXPECT_EQ(
      Call("POST", "/api/v1/bans/lift", &admin_, Json{{"source", "address:198.51.100.23"}}).status,
      204);
  EXPECT_EQ(
      Call("POST", "/api/v1/bans/lift", &admin_, Json{{"source", "address:198.51.100.23"}}).status,
      404);
  EXPECT_FALSE(AuditEntries("action=source.unban").empty());
  std::string out;
  EXPECT_EQ(Floorguard("ban lift address:203.0.113.250 --data " + config_.data_dir, &out), 2)
      << out;
  EXPECT_NE(out.find("no ban in force"), std::string::npos) << out;
  Json lifted = CallJson(
      200, "POST", "/api/v1/logon", &token_,
      Json{{"username", "mallory"}, {"password", password_}, {"source_address", "198.51.100.23"}});
  EXPECT_EQ(lifted["decision"], "allow") << lifted.dump();

  // Another address at the same station is not banned.
  Json allowed = CallJson(
      200, "POST", "/api/v1/logon", &token_,
      Json{{"username", "mallory"}, {"password", password_}, {"source_address", "10.1.1.1"}});
  EXPECT_EQ(allowed["decision"], "allow") << allowed.dump();
}

TEST_F(DefenseTest, UnparseableLinesAreKeptAndCountedNeverDropped) {
  ASSERT_FALSE(HasFailure());
  SendUdp(udp_, "<999>this is not syslog");
  SendTcp(tcp_,
          OctetCounted(SshdLine("Accepted password for mallory from 10.2.3.4 port 2222 ssh2")) +
              OctetCounted("\x01\x02 binary junk"));
  Json unparsed = WaitFor("/api/v1/log-events?unparsed=true", [](const Json& body) {
    return body.contains("items") && body["items"].size() >= 2;
  });
  for (const Json& item : unparsed["items"]) {
    EXPECT_FALSE(item["parsed"].get<bool>());
    EXPECT_TRUE(item.contains("error")) << item.dump();
  }
  Json all = WaitFor("/api/v1/log-events", [](const Json& body) {
    return body.contains("items") && body["items"].size() >= 3;
  });
  bool accepted = false;
  for (const Json& item : all["items"]) {
    if (item.contains("auth") && item["auth"]["outcome"] == "success") accepted = true;
  }
  EXPECT_TRUE(accepted) << all.dump();
  Json counts = CallJson(200, "GET", "/api/v1/log-events/counts", &admin_);
  EXPECT_GE(counts["stored"].get<int64_t>(), 3);
  EXPECT_GE(counts["stored_unparsed"].get<int64_t>(), 2);
  EXPECT_EQ(counts["dropped"], 0);

  // Supervisors do not read raw lines (they may hold what a user typed as a name).
  Credentials supervisor = AddConsoleUser("floor-boss", "supervisor");
  EXPECT_EQ(Call("GET", "/api/v1/log-events", &supervisor).status, 403);
}

}  // namespace
}  // namespace fg::test
