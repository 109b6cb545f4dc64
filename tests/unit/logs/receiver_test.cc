#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <condition_variable>
#include <mutex>
#include <vector>

#include "logs/net/syslog_receiver.h"
#include "test_util.h"

namespace fg::logs {
namespace {

// Collects what the receiver hands over; Wait blocks until `n` messages arrived (the cap only
// turns a hang into a failure).
class Sink {
 public:
  ReceivedHandler Handler() {
    return [this](const Received& r) {
      std::lock_guard lock(mu_);
      received_.push_back(r);
      cv_.notify_all();
    };
  }
  std::vector<Received> Wait(size_t n) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, std::chrono::seconds(20), [&] { return received_.size() >= n; });
    return received_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Received> received_;
};

sockaddr_in Loopback(int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

void SendUdp(int port, std::string_view datagram) {
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr = Loopback(port);
  ASSERT_EQ(::sendto(fd, datagram.data(), datagram.size(), 0, reinterpret_cast<sockaddr*>(&addr),
                     sizeof addr),
            static_cast<ssize_t>(datagram.size()));
  ::close(fd);
}

int ConnectTcp(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr = Loopback(port);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

void SendAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
}

// True when the peer closed the connection (read returns 0 or an error).
bool ClosedByPeer(int fd) {
  char byte;
  return ::recv(fd, &byte, 1, 0) <= 0;
}

class ReceiverTest : public ::testing::Test {
 protected:
  core::ManualClock clock_{test::Context().reference};
  Sink sink_;
};

TEST_F(ReceiverTest, UdpDatagramsAreParsedAndUnparseableOnesKept) {
  auto receiver = SyslogReceiver::Start(clock_, {.udp_port = 0, .tcp_port = -1}, sink_.Handler());
  ASSERT_TRUE(receiver) << receiver.error().ToString();
  ASSERT_GT((*receiver)->udp_port(), 0);
  EXPECT_EQ((*receiver)->tcp_port(), -1);
  SendUdp((*receiver)->udp_port(),
          "<38>Nov 29 05:49:07 web1 sshd[1]: Failed password for root from 203.0.113.5 port 2 "
          "ssh2\n");
  SendUdp((*receiver)->udp_port(), "<999>garbage");
  auto got = sink_.Wait(2);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].transport, Transport::kUdp);
  EXPECT_EQ(got[0].peer, "127.0.0.1");
  ASSERT_TRUE(got[0].message);
  ASSERT_TRUE(got[0].auth);
  EXPECT_EQ(got[0].auth->username, "root");
  EXPECT_FALSE(got[1].parsed());
  EXPECT_EQ(got[1].raw, "<999>garbage");
  auto counters = (*receiver)->counters();
  EXPECT_EQ(counters.received, 2u);
  EXPECT_EQ(counters.parsed, 1u);
  EXPECT_EQ(counters.auth_events, 1u);
  EXPECT_EQ(counters.unparseable, 1u);
  (*receiver)->Stop();
}

TEST_F(ReceiverTest, TcpOctetCountedAndLfFramesAcrossWrites) {
  auto receiver = SyslogReceiver::Start(clock_, {.udp_port = -1, .tcp_port = 0}, sink_.Handler());
  ASSERT_TRUE(receiver) << receiver.error().ToString();
  int fd = ConnectTcp((*receiver)->tcp_port());
  ASSERT_GE(fd, 0);
  std::string counted = "<34>1 2026-11-29T05:49:07Z web1 sshd 1 - - Invalid user x from 1.2.3.4";
  std::string first = std::to_string(counted.size()) + " " + counted.substr(0, 10);
  SendAll(fd, first);
  SendAll(fd, counted.substr(10) + "Nov 29 05:49:07 web1 CRON[2]: hello\n");
  SendAll(fd, R"({"EventID":4625,"TargetUserName":"bob"})"
              "\n");
  auto got = sink_.Wait(3);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].raw, counted);
  ASSERT_TRUE(got[0].auth);
  EXPECT_TRUE(got[0].auth->unknown_user);
  EXPECT_EQ(got[1].transport, Transport::kTcp);
  EXPECT_FALSE(got[1].auth);
  EXPECT_TRUE(got[1].parsed());
  ASSERT_TRUE(got[2].auth);
  EXPECT_EQ(got[2].auth->origin, AuthOrigin::kWindows);
  ::close(fd);
  (*receiver)->Stop();
}

TEST_F(ReceiverTest, OversizeTcpFrameClosesThatConnectionOnly) {
  auto receiver = SyslogReceiver::Start(
      clock_, {.udp_port = 0, .tcp_port = 0, .max_message_bytes = 100}, sink_.Handler());
  ASSERT_TRUE(receiver) << receiver.error().ToString();
  int bad = ConnectTcp((*receiver)->tcp_port());
  int good = ConnectTcp((*receiver)->tcp_port());
  ASSERT_GE(bad, 0);
  ASSERT_GE(good, 0);
  SendAll(bad, "5000 <13>");
  EXPECT_TRUE(ClosedByPeer(bad));
  ::close(bad);
  SendAll(good, "<13>Nov 29 05:49:07 h a: still here\n");
  SendUdp((*receiver)->udp_port(), "<13>Nov 29 05:49:07 h a: udp too");
  auto got = sink_.Wait(2);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_GE((*receiver)->counters().dropped, 1u);
  ::close(good);
  (*receiver)->Stop();
}

TEST_F(ReceiverTest, ConnectionsBeyondTheLimitAreRefused) {
  auto receiver = SyslogReceiver::Start(
      clock_, {.udp_port = -1, .tcp_port = 0, .max_tcp_connections = 1}, sink_.Handler());
  ASSERT_TRUE(receiver);
  int first = ConnectTcp((*receiver)->tcp_port());
  SendAll(first, "<13>Nov 29 05:49:07 h a: one\n");
  sink_.Wait(1);  // the first connection is registered
  int second = ConnectTcp((*receiver)->tcp_port());
  ASSERT_GE(second, 0);
  EXPECT_TRUE(ClosedByPeer(second));
  EXPECT_EQ((*receiver)->counters().dropped, 1u);
  ::close(second);
  ::close(first);
  (*receiver)->Stop();
}

TEST_F(ReceiverTest, HandlerExceptionDoesNotKillTheReceiver) {
  std::atomic<int> calls{0};
  Sink after;
  auto inner = after.Handler();
  auto receiver =
      SyslogReceiver::Start(clock_, {.udp_port = 0, .tcp_port = -1}, [&](const Received& r) {
        if (calls++ == 0) throw std::runtime_error("boom");
        inner(r);
      });
  ASSERT_TRUE(receiver);
  SendUdp((*receiver)->udp_port(), "<13>Nov 29 05:49:07 h a: one");
  SendUdp((*receiver)->udp_port(), "<13>Nov 29 05:49:07 h a: two");
  auto got = after.Wait(1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ((*receiver)->counters().handler_errors, 1u);
}

TEST_F(ReceiverTest, BadOptionsAreRejected) {
  EXPECT_FALSE(SyslogReceiver::Start(clock_, {.address = "not-an-ip"}, sink_.Handler()));
  EXPECT_FALSE(SyslogReceiver::Start(clock_, {.udp_port = -1, .tcp_port = -1}, sink_.Handler()));
  EXPECT_FALSE(SyslogReceiver::Start(clock_, {.udp_port = 70000}, sink_.Handler()));
}

TEST_F(ReceiverTest, PortInUseIsUnavailable) {
  auto first = SyslogReceiver::Start(clock_, {.udp_port = -1, .tcp_port = 0}, sink_.Handler());
  ASSERT_TRUE(first);
  auto second = SyslogReceiver::Start(clock_, {.udp_port = -1, .tcp_port = (*first)->tcp_port()},
                                      sink_.Handler());
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace fg::logs
