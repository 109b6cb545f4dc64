// Sinks over real loopback sockets, and the ban command with real child processes. Stop()
// drains each queue, so the tests need no sleeps.
#include "detect/sinks.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "fixture.h"

namespace fg::detect {
namespace {

Alert Sample() {
  Alert a;
  a.id = 7;
  a.rule = "password_spraying";
  a.severity = Severity::kHigh;
  a.summary = "Password spraying from address:198.51.100.4";
  a.account = "";
  a.source = "address:198.51.100.4";
  a.details = R"({"evidence":{"count":5}})";
  a.created_at = a.updated_at = core::FromUnixMicros(kStartMicros);
  return a;
}

// A socket bound to 127.0.0.1 on a free port; a receive timeout keeps a broken test from
// hanging (it is not an assertion on time).
int BoundSocket(int type, uint16_t* port) {
  int fd = ::socket(AF_INET, type | SOCK_CLOEXEC, 0);
  EXPECT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  *port = ntohs(addr.sin_port);
  timeval tv{.tv_sec = 10, .tv_usec = 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  return fd;
}

TEST(SyslogCefSink, DeliversRfc5424FramedCefOverUdp) {
  uint16_t port = 0;
  int receiver = BoundSocket(SOCK_DGRAM, &port);
  auto sink = SyslogCefSink::Start(
      {.host = "127.0.0.1", .port = port, .version = "0.1.0", .hostname = "fg test host"});
  ASSERT_TRUE(sink) << sink.error().ToString();
  (*sink)->Deliver(Sample());
  (*sink)->Stop();
  char buf[9000];
  ssize_t n = ::recv(receiver, buf, sizeof(buf), 0);
  ::close(receiver);
  ASSERT_GT(n, 0);
  std::string datagram(buf, static_cast<size_t>(n));
  // authpriv (10) * 8 + err (3) for a high alert.
  EXPECT_TRUE(datagram.starts_with("<83>1 2027-01-15T06:00:00.000000Z fgtesthost floorguard "))
      << datagram;
  EXPECT_NE(datagram.find(" alert - CEF:0|floorguard|floorguard|0.1.0|password_spraying|"),
            std::string::npos)
      << datagram;
  EXPECT_NE(datagram.find("src=198.51.100.4"), std::string::npos);
  EXPECT_EQ((*sink)->Stats().delivered, 1u);
}

TEST(SyslogCefSink, SeverityMapsToSyslogSeverity) {
  Alert a = Sample();
  a.severity = Severity::kLow;
  EXPECT_TRUE(SyslogCefSink::Frame(a, "h", "1", 9).starts_with("<85>1 "));
  a.severity = Severity::kCritical;
  EXPECT_TRUE(SyslogCefSink::Frame(a, "h", "1", 9).starts_with("<82>1 "));
  EXPECT_NE(SyslogCefSink::Frame(a, "", "1", 9).find("Z - floorguard 9 alert - CEF:0|"),
            std::string::npos);
}

TEST(SyslogCefSink, UnresolvableHostIsAnError) {
  auto sink = SyslogCefSink::Start({.host = "no-such-host.invalid", .port = 514});
  ASSERT_FALSE(sink);
  EXPECT_EQ(sink.error().code, ErrorCode::kUnavailable);
}

// A one-request HTTP server on 127.0.0.1 answering `status`.
class TinyHttpServer {
 public:
  explicit TinyHttpServer(int status) {
    fd_ = BoundSocket(SOCK_STREAM, &port_);
    EXPECT_EQ(::listen(fd_, 4), 0);
    thread_ = std::thread([this, status] {
      int conn = ::accept(fd_, nullptr, nullptr);
      if (conn < 0) return;
      timeval tv{.tv_sec = 10, .tv_usec = 0};
      ::setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
      std::string data;
      char buf[4096];
      size_t want = std::string::npos;
      while (want == std::string::npos || data.size() < want) {
        ssize_t n = ::recv(conn, buf, sizeof(buf), 0);
        if (n <= 0) break;
        data.append(buf, static_cast<size_t>(n));
        size_t end = data.find("\r\n\r\n");
        if (want == std::string::npos && end != std::string::npos) {
          size_t cl = data.find("Content-Length: ");
          size_t length = cl == std::string::npos ? 0 : std::stoul(data.substr(cl + 16));
          want = end + 4 + length;
        }
      }
      request_ = data;
      std::string reply = "HTTP/1.1 " + std::to_string(status) +
                          " X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
      (void)::send(conn, reply.data(), reply.size(), MSG_NOSIGNAL);
      ::close(conn);
    });
  }
  ~TinyHttpServer() {
    Join();
    ::close(fd_);
  }
  void Join() {
    if (thread_.joinable()) thread_.join();
  }
  uint16_t port() const { return port_; }
  const std::string& request() const { return request_; }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
  std::thread thread_;
  std::string request_;
};

TEST(WebhookSink, PostsTheAlertJsonWithTheBearerSecret) {
  TinyHttpServer server(200);
  auto sink =
      WebhookSink::Start({.url = "http://127.0.0.1:" + std::to_string(server.port()) + "/hooks/fg",
                          .bearer_secret = "s3cret-token"});
  ASSERT_TRUE(sink) << sink.error().ToString();
  (*sink)->Deliver(Sample());
  (*sink)->Stop();
  server.Join();
  const std::string& request = server.request();
  EXPECT_TRUE(request.starts_with("POST /hooks/fg HTTP/1.1\r\n")) << request;
  EXPECT_NE(request.find("Authorization: Bearer s3cret-token\r\n"), std::string::npos);
  EXPECT_NE(request.find("Content-Type: application/json\r\n"), std::string::npos);
  auto body = nlohmann::json::parse(request.substr(request.find("\r\n\r\n") + 4));
  EXPECT_EQ(body["id"], 7);
  EXPECT_EQ(body["rule"], "password_spraying");
  EXPECT_EQ(body["severity"], "high");
  EXPECT_EQ(body["details"]["evidence"]["count"], 5);
  DeliveryStats stats = (*sink)->Stats();
  EXPECT_EQ(stats.delivered, 1u);
  EXPECT_EQ(stats.failed, 0u);
}

TEST(WebhookSink, ServerErrorCountsAsAFailure) {
  TinyHttpServer server(500);
  auto sink =
      WebhookSink::Start({.url = "http://127.0.0.1:" + std::to_string(server.port()) + "/"});
  ASSERT_TRUE(sink);
  (*sink)->Deliver(Sample());
  (*sink)->Stop();
  EXPECT_EQ((*sink)->Stats().failed, 1u);
  EXPECT_EQ((*sink)->Stats().delivered, 0u);
}

TEST(WebhookSink, DeliveryAfterStopIsDroppedNotBlocked) {
  TinyHttpServer server(200);
  auto sink =
      WebhookSink::Start({.url = "http://127.0.0.1:" + std::to_string(server.port()) + "/"});
  ASSERT_TRUE(sink);
  (*sink)->Deliver(Sample());
  (*sink)->Stop();
  (*sink)->Deliver(Sample());
  EXPECT_EQ((*sink)->Stats().dropped, 1u);
}

TEST(WebhookSink, RefusesUrlsThatAreNotHttp) {
  EXPECT_EQ(WebhookSink::Start({.url = "ftp://example.org/"}).error().field, "url");
  EXPECT_EQ(WebhookSink::Start({.url = "file:///etc/passwd"}).error().field, "url");
  EXPECT_EQ(WebhookSink::Start({.url = "https://example.org/a b"}).error().field, "url");
  EXPECT_EQ(WebhookSink::Start({.url = "https://example.org/", .bearer_secret = "a\r\nX: y"})
                .error()
                .field,
            "bearer_secret");
}

class BanCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    file_ = std::filesystem::temp_directory_path() /
            ("fg_detect_ban_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove(file_);
  }
  void TearDown() override { std::filesystem::remove(file_); }
  std::string Read() {
    std::ifstream in(file_);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  // Writes "$address $seconds" to file_, without any shell parsing of the address.
  BanCommandOptions WriteArgs() {
    return {.argv = {"/bin/sh", "-c", "printf '%s %s' \"$1\" \"$2\" > \"$3\"", "sh", "{address}",
                     "{seconds}", file_.string()}};
  }
  std::filesystem::path file_;
};

TEST_F(BanCommandTest, RunsTheArgvWithAddressAndSeconds) {
  auto command = BanCommand::Start(WriteArgs());
  ASSERT_TRUE(command) << command.error().ToString();
  ASSERT_TRUE((*command)->Ban("192.0.2.7", std::chrono::seconds(900)));
  (*command)->Stop();
  EXPECT_EQ(Read(), "192.0.2.7 900");
  BanCommandStats stats = (*command)->Stats();
  EXPECT_EQ(stats.succeeded, 1u);
  EXPECT_EQ(stats.last_exit_status, 0);
}

TEST_F(BanCommandTest, MaliciousAddressIsRefused) {
  auto command = BanCommand::Start(WriteArgs());
  ASSERT_TRUE(command);
  for (const char* bad : {"1.2.3.4; rm -rf /", "1.2.3.4 ", "$(id)", "", "::1%eth0",
                          "1.2.3.4\n5.6.7.8", "999.1.1.1", "example.org"}) {
    auto result = (*command)->Ban(bad, std::chrono::seconds(60));
    ASSERT_FALSE(result) << bad;
    EXPECT_EQ(result.error().field, "address");
  }
  (*command)->Stop();
  EXPECT_FALSE(std::filesystem::exists(file_));
  EXPECT_EQ((*command)->Stats().refused, 8u);
}

TEST_F(BanCommandTest, Ipv6AddressIsSubstitutedInCanonicalForm) {
  auto command = BanCommand::Start(WriteArgs());
  ASSERT_TRUE(command);
  ASSERT_TRUE((*command)->Ban("2001:DB8:0::0:1", std::chrono::seconds(30)));
  (*command)->Stop();
  EXPECT_EQ(Read(), "2001:db8::1 30");
}

TEST_F(BanCommandTest, NftablesTemplateIsFilledInOneArgument) {
  std::vector<std::string> argv = {"/usr/sbin/nft",
                                   "add",
                                   "element",
                                   "inet",
                                   "floorguard",
                                   "banned",
                                   "{ {address} timeout {seconds}s }"};
  auto filled = BanArgv(argv, "203.0.113.5", std::chrono::seconds(900));
  ASSERT_TRUE(filled);
  EXPECT_EQ(filled->back(), "{ 203.0.113.5 timeout 900s }");
  EXPECT_EQ(filled->size(), argv.size());
  EXPECT_EQ(BanArgv(argv, "203.0.113.5", std::chrono::seconds(0)).error().field, "seconds");
}

TEST_F(BanCommandTest, ExitStatusIsCaptured) {
  auto command = BanCommand::Start({.argv = {"/bin/sh", "-c", "exit 3"}});
  ASSERT_TRUE(command);
  ASSERT_TRUE((*command)->Ban("192.0.2.8", std::chrono::seconds(60)));
  (*command)->Stop();
  EXPECT_EQ((*command)->Stats().failed, 1u);
  EXPECT_EQ((*command)->Stats().last_exit_status, 3);
}

TEST_F(BanCommandTest, HungCommandIsKilledAtItsTimeout) {
  auto command = BanCommand::Start(
      {.argv = {"/bin/sh", "-c", "sleep 30"}, .timeout = std::chrono::milliseconds(100)});
  ASSERT_TRUE(command);
  ASSERT_TRUE((*command)->Ban("192.0.2.9", std::chrono::seconds(60)));
  (*command)->Stop();
  EXPECT_EQ((*command)->Stats().failed, 1u);
}

TEST_F(BanCommandTest, MissingProgramIsAFailureNotACrash) {
  auto command = BanCommand::Start({.argv = {"/nonexistent/nft"}});
  ASSERT_TRUE(command);
  ASSERT_TRUE((*command)->Ban("192.0.2.10", std::chrono::seconds(60)));
  (*command)->Stop();
  EXPECT_EQ((*command)->Stats().failed, 1u);
}

TEST_F(BanCommandTest, RelativeProgramIsRefused) {
  EXPECT_EQ(BanCommand::Start({.argv = {"nft", "add"}}).error().field, "argv");
  EXPECT_EQ(BanCommand::Start({.argv = {}}).error().field, "argv");
}

}  // namespace
}  // namespace fg::detect
