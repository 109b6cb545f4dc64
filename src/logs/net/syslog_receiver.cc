// The module's one Asio translation unit: C++20 coroutines on one io_context and one thread.
#include "logs/net/syslog_receiver.h"

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <list>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "logs/framing.h"

namespace fg::logs {

namespace asio = boost::asio;
using asio::ip::tcp;
using asio::ip::udp;

namespace {
constexpr auto kUse = asio::as_tuple(asio::use_awaitable);
constexpr size_t kReadChunk = 16 * 1024;
}  // namespace

class SyslogReceiver::Impl {
 public:
  Impl(const core::Clock& clock, ReceiverOptions options, ReceivedHandler handler)
      : clock_(clock), options_(std::move(options)), handler_(std::move(handler)) {}

  ~Impl() { Stop(); }

  Result<void> Bind() {
    boost::system::error_code ec;
    asio::ip::address address = asio::ip::make_address(options_.address, ec);
    if (ec) return InvalidArgument("address", "not an IPv4 or IPv6 address: " + options_.address);
    if (options_.udp_port < -1 || options_.udp_port > 65535) {
      return InvalidArgument("udp_port", "must be -1 (off) or 0..65535");
    }
    if (options_.tcp_port < -1 || options_.tcp_port > 65535) {
      return InvalidArgument("tcp_port", "must be -1 (off) or 0..65535");
    }
    if (options_.udp_port < 0 && options_.tcp_port < 0) {
      return InvalidArgument("udp_port", "neither UDP nor TCP is enabled");
    }
    if (options_.max_message_bytes == 0 || options_.max_message_bytes > kMaxSyslogBytes) {
      return InvalidArgument("max_message_bytes", "must be 1..65536");
    }
    if (options_.max_tcp_connections == 0) {
      return InvalidArgument("max_tcp_connections", "must be positive");
    }
    if (options_.udp_port >= 0) {
      udp::endpoint endpoint(address, static_cast<uint16_t>(options_.udp_port));
      udp_.emplace(io_);
      udp_->open(endpoint.protocol(), ec);
      if (!ec) {
        boost::system::error_code ignored;
        // A deeper kernel queue rides out bursts while the handler is busy.
        udp_->set_option(udp::socket::receive_buffer_size(4 << 20), ignored);
        udp_->bind(endpoint, ec);
      }
      if (ec) return Unavailable("syslog UDP " + Describe(endpoint) + ": " + ec.message());
      udp_port_ = udp_->local_endpoint(ec).port();
    }
    if (options_.tcp_port >= 0) {
      tcp::endpoint endpoint(address, static_cast<uint16_t>(options_.tcp_port));
      acceptor_.emplace(io_);
      acceptor_->open(endpoint.protocol(), ec);
      if (!ec) acceptor_->set_option(tcp::acceptor::reuse_address(true), ec);
      if (!ec) acceptor_->bind(endpoint, ec);
      if (!ec) acceptor_->listen(asio::socket_base::max_listen_connections, ec);
      if (ec) return Unavailable("syslog TCP " + Describe(endpoint) + ": " + ec.message());
      tcp_port_ = acceptor_->local_endpoint(ec).port();
    }
    return {};
  }

  void Run() {
    if (udp_) asio::co_spawn(io_, UdpLoop(), asio::detached);
    if (acceptor_) asio::co_spawn(io_, AcceptLoop(), asio::detached);
    thread_ = std::thread([this] { io_.run(); });
  }

  void Stop() {
    std::lock_guard lock(stop_mu_);
    if (!thread_.joinable()) return;
    asio::post(io_, [this] {
      stopping_ = true;
      boost::system::error_code ignored;
      if (udp_) udp_->close(ignored);
      if (acceptor_) acceptor_->close(ignored);
      for (auto& connection : connections_) Close(*connection);
    });
    thread_.join();
  }

  int udp_port() const { return udp_port_; }
  int tcp_port() const { return tcp_port_; }

  ReceiverCounters counters() const {
    ReceiverCounters c;
    c.received = received_.load();
    c.parsed = parsed_.load();
    c.auth_events = auth_events_.load();
    c.unparseable = unparseable_.load();
    c.dropped = dropped_.load();
    c.handler_errors = handler_errors_.load();
    c.tcp_connections = open_connections_.load();
    return c;
  }

 private:
  struct Connection {
    explicit Connection(tcp::socket s) : socket(std::move(s)), timer(socket.get_executor()) {}
    tcp::socket socket;
    asio::steady_timer timer;
    std::chrono::steady_clock::time_point last_activity = std::chrono::steady_clock::now();
    std::string peer;
  };

  static tl::unexpected<Error> Unavailable(std::string message) {
    return MakeError(ErrorCode::kUnavailable, std::move(message));
  }

  template <typename Endpoint>
  static std::string Describe(const Endpoint& endpoint) {
    return endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
  }

  static void Close(Connection& connection) {
    boost::system::error_code ignored;
    connection.socket.close(ignored);
    connection.timer.cancel();
  }

  void Deliver(std::string raw, std::string peer, Transport transport) {
    ParseContext context{.reference = clock_.WallNow(), .local_offset = options_.local_offset};
    Received received = Classify(std::move(raw), std::move(peer), transport, context);
    ++received_;
    if (received.parsed()) {
      ++parsed_;
    } else {
      ++unparseable_;
    }
    if (received.auth) ++auth_events_;
    try {
      handler_(received);
    } catch (...) {
      ++handler_errors_;
    }
  }

  asio::awaitable<void> UdpLoop() {
    std::vector<char> buffer(options_.max_message_bytes + 1);
    udp::endpoint sender;
    while (!stopping_) {
      auto [ec, n] = co_await udp_->async_receive_from(asio::buffer(buffer), sender, kUse);
      if (stopping_ || ec == asio::error::operation_aborted || !udp_->is_open()) co_return;
      if (ec) continue;  // e.g. an ICMP error reported on the socket
      if (n > options_.max_message_bytes) {
        ++dropped_;
        continue;
      }
      Deliver(std::string(buffer.data(), n), sender.address().to_string(), Transport::kUdp);
    }
  }

  asio::awaitable<void> AcceptLoop() {
    asio::steady_timer backoff(io_);
    while (!stopping_) {
      auto [ec, socket] = co_await acceptor_->async_accept(kUse);
      if (stopping_ || ec == asio::error::operation_aborted || !acceptor_->is_open()) co_return;
      if (ec) {
        // Out of descriptors and the like: wait a little instead of spinning.
        backoff.expires_after(std::chrono::milliseconds(100));
        co_await backoff.async_wait(kUse);
        continue;
      }
      if (connections_.size() >= options_.max_tcp_connections) {
        ++dropped_;
        boost::system::error_code ignored;
        socket.close(ignored);
        continue;
      }
      auto connection = std::make_shared<Connection>(std::move(socket));
      boost::system::error_code peer_ec;
      auto remote = connection->socket.remote_endpoint(peer_ec);
      connection->peer = peer_ec ? std::string() : remote.address().to_string();
      connections_.push_back(connection);
      ++open_connections_;
      asio::co_spawn(io_, Session(connection), asio::detached);
      asio::co_spawn(io_, Watchdog(connection), asio::detached);
    }
  }

  asio::awaitable<void> Session(std::shared_ptr<Connection> connection) {
    Framer framer(options_.max_message_bytes);
    std::vector<char> buffer(kReadChunk);
    while (true) {
      auto [ec, n] = co_await connection->socket.async_read_some(asio::buffer(buffer), kUse);
      if (n > 0) {
        connection->last_activity = std::chrono::steady_clock::now();
        Framer::Output out = framer.Feed(std::string_view(buffer.data(), n));
        for (std::string& frame : out.frames) {
          Deliver(std::move(frame), connection->peer, Transport::kTcp);
        }
        if (out.error) {
          ++dropped_;  // the rest of this stream cannot be framed
          break;
        }
      }
      if (ec) {
        // End of stream: a last LF-less frame still counts (not when we closed it ourselves).
        if (ec == asio::error::eof) {
          if (auto last = framer.Finish()) {
            Deliver(std::move(*last), connection->peer, Transport::kTcp);
          }
        }
        break;
      }
    }
    Close(*connection);
    connections_.remove(connection);
    --open_connections_;
  }

  asio::awaitable<void> Watchdog(std::shared_ptr<Connection> connection) {
    while (connection->socket.is_open()) {
      auto deadline = connection->last_activity + options_.tcp_idle_timeout;
      if (std::chrono::steady_clock::now() >= deadline) {
        Close(*connection);
        co_return;
      }
      connection->timer.expires_at(deadline);
      co_await connection->timer.async_wait(kUse);
    }
  }

  const core::Clock& clock_;
  ReceiverOptions options_;
  ReceivedHandler handler_;
  asio::io_context io_{1};
  std::optional<udp::socket> udp_;
  std::optional<tcp::acceptor> acceptor_;
  std::list<std::shared_ptr<Connection>> connections_;  // touched on the I/O thread only
  bool stopping_ = false;                               // I/O thread only
  int udp_port_ = -1;
  int tcp_port_ = -1;
  std::thread thread_;
  std::mutex stop_mu_;
  std::atomic<uint64_t> received_{0}, parsed_{0}, auth_events_{0}, unparseable_{0}, dropped_{0},
      handler_errors_{0}, open_connections_{0};
};

Result<std::unique_ptr<SyslogReceiver>> SyslogReceiver::Start(const core::Clock& clock,
                                                              ReceiverOptions options,
                                                              ReceivedHandler handler) {
  if (!handler) return InvalidArgument("handler", "a handler is required");
  auto impl = std::make_unique<Impl>(clock, std::move(options), std::move(handler));
  try {
    FG_RETURN_IF_ERROR(impl->Bind());
    impl->Run();
  } catch (const std::exception& e) {
    return Internal(std::string("syslog receiver: ") + e.what());
  }
  return std::unique_ptr<SyslogReceiver>(new SyslogReceiver(std::move(impl)));
}

SyslogReceiver::SyslogReceiver(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SyslogReceiver::~SyslogReceiver() { Stop(); }
int SyslogReceiver::udp_port() const { return impl_->udp_port(); }
int SyslogReceiver::tcp_port() const { return impl_->tcp_port(); }
ReceiverCounters SyslogReceiver::counters() const { return impl_->counters(); }
void SyslogReceiver::Stop() { impl_->Stop(); }

}  // namespace fg::logs
