// The one translation unit of floorguard's HTTP layer that includes Beast and Asio.
//
// Each connection is a coroutine on its own strand. Requests are parsed by a
// beast::http::basic_parser subclass that writes straight into a per-connection Request
// (reused, so a keep-alive GET allocates little), and responses are serialised by hand
// into a reused header buffer and written with the body in one gather write.
#include "http/server.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/socket.h>

#include <array>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <exception>
#include <future>
#include <list>
#include <mutex>
#include <thread>
#include <type_traits>
#include <vector>

#include "http/internal/request_parser.h"
#include "http/internal/wire.h"

namespace fg::http {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;
using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

using internal::EqualsIgnoreCase;
using internal::IsSafeHeader;
using internal::ParseTarget;
using internal::RequestParser;

constexpr auto kUse = asio::as_tuple(asio::use_awaitable);
constexpr std::chrono::seconds kMaxHandshakeTime{10};
constexpr std::chrono::seconds kLingerTime{2};
constexpr size_t kLingerBytes = 1 << 20;
constexpr size_t kKeptBufferBytes = 64 << 10;

// ---------------------------------------------------------------------------------------
// Small pure helpers.

bool ContainsTokenIgnoreCase(std::string_view list, std::string_view token) {
  while (!list.empty()) {
    size_t comma = list.find(',');
    std::string_view item = list.substr(0, comma);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (EqualsIgnoreCase(item, token)) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

std::string_view Reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 303:
      return "See Other";
    case 304:
      return "Not Modified";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 409:
      return "Conflict";
    case 413:
      return "Content Too Large";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      break;
  }
  auto known = bhttp::int_to_status(static_cast<unsigned>(status));
  if (known == bhttp::status::unknown) return "Status";
  auto reason = bhttp::obsolete_reason(known);
  return std::string_view(reason.data(), reason.size());
}

bool HasNoBody(int status) { return status == 204 || status == 304; }

// IMF-fixdate, formatted once per second per thread.
std::string_view HttpDate() {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  thread_local std::time_t cached = -1;
  thread_local std::array<char, 40> text{};
  thread_local int length = 0;
  std::time_t now = std::time(nullptr);
  if (now != cached) {
    std::tm tm{};
    gmtime_r(&now, &tm);
    length = std::snprintf(text.data(), text.size(), "%s, %02d %s %04d %02d:%02d:%02d GMT",
                           kDays[tm.tm_wday % 7], tm.tm_mday, kMonths[tm.tm_mon % 12],
                           tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
    if (length < 0) length = 0;
    cached = now;
  }
  return std::string_view(text.data(), static_cast<size_t>(length));
}

void AppendNumber(std::string& out, uint64_t n) {
  std::array<char, 24> digits;
  size_t i = digits.size();
  do {
    digits[--i] = static_cast<char>('0' + n % 10);
    n /= 10;
  } while (n != 0);
  out.append(digits.data() + i, digits.size() - i);
}

void AppendHex(std::string& out, uint64_t n) {
  std::array<char, 20> digits;
  size_t i = digits.size();
  do {
    digits[--i] = "0123456789abcdef"[n % 16];
    n /= 16;
  } while (n != 0);
  out.append(digits.data() + i, digits.size() - i);
}

// The body of every error the server itself produces, shaped like src/api's problems.
Response Problem(int status, std::string_view title, std::string_view detail) {
  std::string body = "{\"type\":\"about:blank\",\"title\":\"";
  body += title;
  body += "\",\"status\":";
  AppendNumber(body, static_cast<uint64_t>(status));
  body += ",\"detail\":\"";
  body += detail;
  body += "\"}";
  Response response = Response::Text(status, std::move(body), "application/problem+json");
  return response;
}

Response InternalError() { return Problem(500, "Internal error", "internal error"); }

// ---------------------------------------------------------------------------------------
// Wake-ups from StreamSources, which may call them from any thread at any time, even after
// the stream or the server is gone: `open` (the server is running) and `alive` (the stream
// is pumping) are checked under one mutex that Stop() takes before stopping the I/O threads,
// so nothing is ever posted to a dead io_context.

struct WakeHub {
  std::mutex mu;
  bool open = true;
};

class SessionBase;

enum class Closing { kGraceful, kForced };

// Holds nothing bound to the io_context: a source may keep its wake-up (and so this) long
// after the server is destroyed.
struct WakeTarget {
  std::shared_ptr<WakeHub> hub;
  bool alive = true;  // guarded by hub->mu
  std::weak_ptr<SessionBase> session;
};

// ---------------------------------------------------------------------------------------
// Server state shared by the acceptor and every session.

class ServerState {
 public:
  ServerOptions options;
  Handler handler;
  std::function<void(const RequestObservation&)> observe;
  std::unique_ptr<ssl::context> tls;
  std::shared_ptr<WakeHub> hub = std::make_shared<WakeHub>();
  std::atomic<bool> stopping{false};

  std::mutex sessions_mu;
  std::condition_variable sessions_cv;
  std::list<std::weak_ptr<SessionBase>> sessions;

  std::unique_ptr<asio::thread_pool> workers;

  Response Invoke(const Request& request) const {
    try {
      return handler(request);
    } catch (...) {
      return InternalError();
    }
  }

  void Observe(Method method, std::string_view path, int status, SteadyClock::time_point start) {
    if (!observe) return;
    try {
      observe(RequestObservation{method, path, status, SteadyClock::now() - start});
    } catch (...) {
      // Metrics must never take a connection down.
    }
  }
};

// ---------------------------------------------------------------------------------------
// A connection. Every member is touched only on the session's strand, except through
// Shutdown() and Wake(), which post to it.

class SessionBase : public std::enable_shared_from_this<SessionBase> {
 public:
  SessionBase(ServerState& server, asio::any_io_executor executor)
      : server_(server), executor_(std::move(executor)) {}
  virtual ~SessionBase() {
    std::lock_guard lock(server_.sessions_mu);
    if (registered_) server_.sessions.erase(registration_);
    server_.sessions_cv.notify_all();
  }

  void Register() {
    std::lock_guard lock(server_.sessions_mu);
    registration_ = server_.sessions.insert(server_.sessions.end(), weak_from_this());
    registered_ = true;
  }

  // kGraceful: close now if idle or streaming, else after the response in flight.
  // kForced: close now. Callable from any thread.
  void Shutdown(Closing how) {
    asio::post(executor_, [self = shared_from_this(), how] { self->OnShutdown(how); });
  }

  // Makes the session call its stream's Next() again soon; callable from any thread.
  static void Wake(std::shared_ptr<SessionBase> self) {
    auto executor = self->executor_;
    asio::post(executor, [self = std::move(self)] { self->OnWake(); });
  }

 protected:
  virtual void OnWake() = 0;
  virtual void OnShutdown(Closing how) = 0;

  ServerState& server_;
  asio::any_io_executor executor_;

 private:
  std::list<std::weak_ptr<SessionBase>>::iterator registration_;
  bool registered_ = false;
};

template <typename Stream>
class Session final : public SessionBase {
 public:
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

  template <typename... Args>
  Session(ServerState& server, tcp::socket socket, std::string remote, Args&&... args)
      : SessionBase(server, socket.get_executor()),
        stream_(std::move(socket), std::forward<Args>(args)...),
        wake_timer_(executor_) {
    request_.remote_address = std::move(remote);
    request_.secure = kTls;
  }

  ~Session() override { EndWakeups(); }

  asio::awaitable<void> Run() {
    if constexpr (kTls) {
      state_ = State::kHandshake;
      Lowest().expires_after(
          std::min<std::chrono::seconds>(Options().idle_timeout, kMaxHandshakeTime));
      auto [ec] = co_await stream_.async_handshake(ssl::stream_base::server, kUse);
      if (ec) {
        Lowest().close();
        co_return;
      }
    }
    Ending ending = Ending::kKeepAlive;
    while (ending == Ending::kKeepAlive) ending = co_await ServeOne();
    if (ending == Ending::kLinger) co_await Linger();
    if (ending == Ending::kClose) co_await CloseTls();
    beast::error_code ignored;
    Lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
    Lowest().close();
  }

 private:
  void OnWake() override {
    woken_ = true;
    wake_timer_.cancel();
  }

  enum class State { kHandshake, kIdle, kBusy, kStreaming };
  // How a request ends the connection: keep it, close it (politely, after a response),
  // linger (an error reply while the client may still be sending), or just drop it.
  enum class Ending { kKeepAlive, kClose, kLinger, kDrop };

  const ServerOptions& Options() const { return server_.options; }
  beast::tcp_stream& Lowest() { return beast::get_lowest_layer(stream_); }
  bool Stopping() const { return stopping_ || server_.stopping.load(std::memory_order_relaxed); }

  void OnShutdown(Closing how) override {
    stopping_ = true;
    if (how == Closing::kForced) {
      wake_timer_.cancel();
      Lowest().close();
    } else if (state_ != State::kBusy) {
      wake_timer_.cancel();
      Lowest().cancel();
    }
  }

  asio::awaitable<Ending> ServeOne() {
    state_ = State::kIdle;
    if (Stopping()) co_return Ending::kDrop;
    if (buffer_.size() == 0 && buffer_.capacity() > kKeptBufferBytes) buffer_.shrink_to_fit();
    if (request_.body.capacity() > kKeptBufferBytes) std::string().swap(request_.body);

    RequestParser parser(request_);
    parser.header_limit(static_cast<std::uint32_t>(Options().max_header_bytes));
    parser.body_limit(static_cast<std::uint64_t>(Options().max_body_bytes));

    Lowest().expires_after(Options().idle_timeout);
    auto [read_error, header_bytes] =
        co_await bhttp::async_read_header(stream_, buffer_, parser, kUse);
    if (read_error) co_return co_await ReadFailed(read_error, Method::kOther, SteadyClock::now());
    state_ = State::kBusy;
    const auto start = SteadyClock::now();

    if (!parser.is_done()) {
      if (parser.expects_continue()) {
        static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
        if (!co_await Write(std::array{asio::const_buffer(kContinue.data(), kContinue.size())})) {
          co_return Ending::kDrop;
        }
      }
      Lowest().expires_after(Options().idle_timeout);
      auto [body_error, body_bytes] = co_await bhttp::async_read(stream_, buffer_, parser, kUse);
      if (body_error) co_return co_await ReadFailed(body_error, request_.method, start);
    }

    const int version = parser.version();
    bool keep_alive = parser.keep_alive();
    Response response;
    if (version != 10 && version != 11) {
      response = Problem(400, "Bad request", "unsupported HTTP version");
      keep_alive = false;
    } else if (version == 11 && !parser.has_host()) {
      response = Problem(400, "Bad request", "missing Host header");
      keep_alive = false;
    } else if (!ParseTarget(request_)) {
      request_.path.clear();
      response = Problem(400, "Bad request", "invalid request target");
      keep_alive = false;
    } else if (request_.method == Method::kGet || request_.method == Method::kHead) {
      response = server_.Invoke(request_);
    } else {
      // Handlers of writes may block on a durable commit: run them on the worker pool and
      // resume on this session's strand.
      response = co_await asio::co_spawn(
          server_.workers->get_executor(),
          [this]() -> asio::awaitable<Response> { co_return server_.Invoke(request_); },
          asio::use_awaitable);
    }

    const bool head_only = request_.method == Method::kHead;
    if (response.stream) co_return co_await Pump(response, version, head_only, keep_alive, start);
    co_return co_await Reply(response, version, head_only, keep_alive, start);
  }

  // Writes a complete response and reports it. A response that cannot be sent as given
  // (bad status, header with CR/LF) becomes a 500.
  asio::awaitable<Ending> Reply(Response& response, int version, bool head_only, bool keep_alive,
                                SteadyClock::time_point start) {
    bool close_asked = false;
    if (response.status < 200 || response.status > 599 ||
        !AppendHead(response, HeadKind::kComplete, &close_asked)) {
      response = InternalError();
      close_asked = false;
      AppendHead(response, HeadKind::kComplete, &close_asked);
    }
    keep_alive = keep_alive && !close_asked && !Stopping();
    const bool body_allowed = !HasNoBody(response.status);
    if (body_allowed) {
      head_ += "Content-Length: ";
      AppendNumber(head_, response.body.size());
      head_ += "\r\n";
    }
    if (!keep_alive) {
      head_ += "Connection: close\r\n";
    } else if (version == 10) {
      head_ += "Connection: keep-alive\r\n";
    }
    head_ += "\r\n";
    size_t body_size = (body_allowed && !head_only) ? response.body.size() : 0;
    // Reported before the write, so that a client holding the response sees it counted.
    server_.Observe(request_.method, request_.path, response.status, start);
    bool written = co_await Write(std::array{asio::const_buffer(head_.data(), head_.size()),
                                             asio::const_buffer(response.body.data(), body_size)});
    if (!written) co_return Ending::kDrop;
    if (response.status == 400 || response.status == 413 || response.status == 431) {
      if (!keep_alive) co_return Ending::kLinger;
    }
    co_return keep_alive ? Ending::kKeepAlive : Ending::kClose;
  }

  // Server-sent events: headers, then whatever the source has, keep-alive comments when it
  // has nothing, until the source ends, the client leaves or the server stops.
  asio::awaitable<Ending> Pump(Response& response, int version, bool head_only, bool keep_alive,
                               SteadyClock::time_point start) {
    const bool chunked = version == 11;
    bool close_asked = false;
    if (!AppendHead(response, HeadKind::kStream, &close_asked)) {
      response = InternalError();
      co_return co_await Reply(response, version, head_only, false, start);
    }
    if (chunked) {
      head_ += "Transfer-Encoding: chunked\r\n";
    } else {
      head_ += "Connection: close\r\n";
    }
    head_ += "\r\n";
    server_.Observe(request_.method, request_.path, response.status, start);
    bool written = co_await Write(std::array{asio::const_buffer(head_.data(), head_.size())});
    if (!written) co_return Ending::kDrop;
    if (head_only) {
      co_return (chunked && keep_alive && !close_asked && !Stopping()) ? Ending::kKeepAlive
                                                                       : Ending::kClose;
    }

    state_ = State::kStreaming;
    woken_ = false;
    client_gone_ = false;
    wake_ = std::make_shared<WakeTarget>();
    wake_->hub = server_.hub;
    wake_->session = weak_from_this();
    try {
      response.stream->SetWakeup([wake = wake_] {
        std::lock_guard lock(wake->hub->mu);
        if (!wake->hub->open || !wake->alive) return;
        // While `alive`, this coroutine holds the session: lock() is never the last owner.
        if (auto session = wake->session.lock()) SessionBase::Wake(std::move(session));
      });
    } catch (...) {
      EndWakeups();
      co_return Ending::kDrop;
    }

    WatchClient();

    bool source_ended = false;
    while (!Stopping() && !client_gone_) {
      std::optional<std::string> next;
      try {
        next = response.stream->Next();
      } catch (...) {
        break;
      }
      if (!next) {
        source_ended = true;
        break;
      }
      if (!next->empty()) {
        if (!co_await WriteChunk(*next, chunked)) break;
        continue;
      }
      if (woken_) {
        woken_ = false;
        continue;
      }
      wake_timer_.expires_after(Options().sse_keepalive);
      co_await wake_timer_.async_wait(kUse);
      if (Stopping() || client_gone_) break;
      if (woken_) {
        woken_ = false;
        continue;
      }
      if (!co_await WriteChunk(": keepalive\n\n", chunked)) break;
    }
    EndWakeups();
    if (source_ended && chunked && !client_gone_) {
      static constexpr std::string_view kLast = "0\r\n\r\n";
      co_await Write(std::array{asio::const_buffer(kLast.data(), kLast.size())});
    }
    co_return Ending::kDrop;
  }

  // Whatever the client sends (or its FIN) means it is done with the stream: it never sends
  // anything else on an event-stream connection. Readiness is checked with a peek, because
  // epoll can report a stale edge from the request that was already read.
  void WatchClient() {
    Lowest().socket().async_wait(
        tcp::socket::wait_read,
        asio::bind_executor(executor_, [self = shared_from_this(), this](beast::error_code ec) {
          if (state_ != State::kStreaming) return;
          if (!ec) {
            char byte;
            ssize_t n =
                ::recv(Lowest().socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
              WatchClient();  // spurious
              return;
            }
          }
          client_gone_ = true;
          wake_timer_.cancel();
        }));
  }

  void EndWakeups() {
    if (!wake_) return;
    std::lock_guard lock(wake_->hub->mu);
    wake_->alive = false;
    wake_.reset();
  }

  enum class HeadKind { kComplete, kStream };

  // Status line, Date, and the handler's headers into head_, minus those the server owns.
  bool AppendHead(const Response& response, HeadKind kind, bool* close_asked) {
    head_.clear();
    head_ += "HTTP/1.1 ";
    AppendNumber(head_, static_cast<uint64_t>(response.status));
    head_ += ' ';
    head_ += Reason(response.status);
    head_ += "\r\nDate: ";
    head_ += HttpDate();
    head_ += "\r\n";
    if (kind == HeadKind::kStream) {
      head_ +=
          "Content-Type: text/event-stream\r\nCache-Control: no-store\r\n"
          "X-Accel-Buffering: no\r\n";
    }
    for (const auto& [name, value] : response.headers) {
      if (!IsSafeHeader(name, value)) return false;
      if (EqualsIgnoreCase(name, "content-length") || EqualsIgnoreCase(name, "transfer-encoding") ||
          EqualsIgnoreCase(name, "date")) {
        continue;
      }
      if (EqualsIgnoreCase(name, "connection")) {
        if (ContainsTokenIgnoreCase(value, "close")) *close_asked = true;
        continue;
      }
      if (kind == HeadKind::kStream &&
          (EqualsIgnoreCase(name, "content-type") || EqualsIgnoreCase(name, "cache-control") ||
           EqualsIgnoreCase(name, "x-accel-buffering"))) {
        continue;
      }
      head_ += name;
      head_ += ": ";
      head_ += value;
      head_ += "\r\n";
    }
    return true;
  }

  asio::awaitable<bool> WriteChunk(std::string_view data, bool chunked) {
    if (!chunked)
      co_return co_await Write(std::array{asio::const_buffer(data.data(), data.size())});
    chunk_head_.clear();
    AppendHex(chunk_head_, data.size());
    chunk_head_ += "\r\n";
    static constexpr std::string_view kCrlf = "\r\n";
    co_return co_await Write(std::array{asio::const_buffer(chunk_head_.data(), chunk_head_.size()),
                                        asio::const_buffer(data.data(), data.size()),
                                        asio::const_buffer(kCrlf.data(), kCrlf.size())});
  }

  template <typename Buffers>
  asio::awaitable<bool> Write(const Buffers& buffers) {
    Lowest().expires_after(Options().idle_timeout);
    auto [ec, n] = co_await asio::async_write(stream_, buffers, kUse);
    co_return !ec;
  }

  // Maps a failed read to a response: 431, 413 or 400 for what the client got wrong,
  // nothing for a client that left or timed out.
  asio::awaitable<Ending> ReadFailed(beast::error_code ec, Method method,
                                     SteadyClock::time_point start) {
    Response response;
    if (ec == bhttp::error::header_limit || ec == bhttp::error::buffer_overflow) {
      response = Problem(431, "Request header too large", "request header fields too large");
    } else if (ec == bhttp::error::body_limit) {
      response = Problem(413, "Request body too large", "request body too large");
    } else if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category() &&
               ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message) {
      response = Problem(400, "Bad request", "malformed HTTP request");
    } else {
      co_return Ending::kDrop;
    }
    request_.method = method;
    request_.path.clear();
    state_ = State::kBusy;
    co_return co_await Reply(response, 11, false, false, start);
  }

  // After an error reply the client may still be sending (a body we refused): half-close,
  // then read and discard for a bounded time, so that closing does not reset the
  // connection before the client has read the reply.
  asio::awaitable<void> Linger() {
    if (Stopping()) co_return;
    beast::error_code ec;
    Lowest().socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) co_return;
    std::array<char, 4096> sink;
    size_t drained = 0;
    Lowest().expires_after(kLingerTime);
    while (drained < kLingerBytes) {
      auto [read_error, n] = co_await Lowest().async_read_some(asio::buffer(sink), kUse);
      if (read_error) break;
      drained += n;
    }
  }

  asio::awaitable<void> CloseTls() {
    if constexpr (kTls) {
      if (Stopping()) co_return;
      Lowest().expires_after(std::chrono::seconds(1));
      co_await stream_.async_shutdown(kUse);
    }
  }

  Stream stream_;
  asio::steady_timer wake_timer_;
  beast::flat_buffer buffer_;
  Request request_;
  std::string head_;
  std::string chunk_head_;
  std::shared_ptr<WakeTarget> wake_;
  State state_ = State::kIdle;
  bool stopping_ = false;
  bool woken_ = false;
  bool client_gone_ = false;
};

std::string RemoteAddress(const tcp::endpoint& endpoint) {
  auto address = endpoint.address();
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6()).to_string();
  }
  return address.to_string();
}

Result<std::unique_ptr<ssl::context>> LoadTls(const TlsFiles& files) {
  for (const auto& [field, path] :
       {std::pair{"tls.cert_file", &files.cert_file}, std::pair{"tls.key_file", &files.key_file}}) {
    if (path->empty()) return InvalidArgument(field, "no TLS file given");
    std::FILE* file = std::fopen(path->c_str(), "rb");
    if (file == nullptr) {
      return InvalidArgument(field, "cannot read TLS file " + *path + ": " + std::strerror(errno));
    }
    std::fclose(file);
  }
  auto context = std::make_unique<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = context->native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                       ssl::context::single_dh_use | ssl::context::no_compression);
  SSL_CTX_set_options(native, SSL_OP_NO_RENEGOTIATION);
  // Mozilla "intermediate" TLS 1.2 suites; TLS 1.3 suites stay OpenSSL's defaults.
  SSL_CTX_set_cipher_list(native,
                          "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
                          "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
                          "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
                          "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384");
  // An encrypted key must fail to load, not prompt on the terminal.
  context->set_password_callback(
      [](std::size_t, ssl::context::password_purpose) { return std::string(); });
  beast::error_code ec;
  context->use_certificate_chain_file(files.cert_file, ec);
  if (ec) {
    return InvalidArgument("tls.cert_file", "cannot load a PEM certificate chain from " +
                                                files.cert_file + ": " + ec.message());
  }
  context->use_private_key_file(files.key_file, ssl::context::pem, ec);
  auto openssl_error = static_cast<unsigned long>(ec.value());
  if (ec && ec.category() == asio::error::get_ssl_category() &&
      ERR_GET_LIB(openssl_error) == ERR_LIB_X509 &&
      ERR_GET_REASON(openssl_error) == X509_R_KEY_VALUES_MISMATCH) {
    return InvalidArgument("tls.key_file", "the private key in " + files.key_file +
                                               " does not match the certificate in " +
                                               files.cert_file);
  }
  if (ec) {
    return InvalidArgument("tls.key_file", "cannot load a PEM private key from " + files.key_file +
                                               ": " + ec.message());
  }
  if (SSL_CTX_check_private_key(native) != 1) {
    return InvalidArgument("tls.key_file", "the private key in " + files.key_file +
                                               " does not match the certificate in " +
                                               files.cert_file);
  }
  return context;
}

}  // namespace

// ---------------------------------------------------------------------------------------

class Server::Impl {
 public:
  Impl(ServerOptions options, Handler handler,
       std::function<void(const RequestObservation&)> observe)
      : ioc_(options.io_threads), acceptor_(asio::make_strand(ioc_)), retry_timer_(ioc_) {
    state_.options = std::move(options);
    state_.handler = std::move(handler);
    state_.observe = std::move(observe);
  }

  ~Impl() { Stop(std::chrono::milliseconds(0)); }

  Result<void> Listen() {
    const ServerOptions& options = state_.options;
    if (options.tls) {
      FG_ASSIGN_OR_RETURN(state_.tls, LoadTls(*options.tls));
    }
    beast::error_code ec;
    tcp::endpoint endpoint;
    auto address = asio::ip::make_address(options.address, ec);
    if (!ec) {
      endpoint = tcp::endpoint(address, options.port);
    } else {
      tcp::resolver resolver(ioc_);
      auto results = resolver.resolve(options.address, std::to_string(options.port),
                                      tcp::resolver::passive, ec);
      if (ec || results.empty()) {
        return InvalidArgument("address", "cannot resolve listen address \"" + options.address +
                                              "\": " + (ec ? ec.message() : "no address"));
      }
      endpoint = results.begin()->endpoint();
    }
    const std::string where = options.address + ":" + std::to_string(options.port);
    if (acceptor_.open(endpoint.protocol(), ec); ec) {
      return MakeError(ErrorCode::kUnavailable,
                       "cannot open a socket for " + where + ": " + ec.message());
    }
    if (acceptor_.set_option(tcp::acceptor::reuse_address(true), ec); ec) {
      return MakeError(ErrorCode::kUnavailable, "cannot set SO_REUSEADDR: " + ec.message());
    }
    if (acceptor_.bind(endpoint, ec); ec) {
      return MakeError(ErrorCode::kUnavailable, "cannot listen on " + where + ": " + ec.message());
    }
    if (acceptor_.listen(asio::socket_base::max_listen_connections, ec); ec) {
      return MakeError(ErrorCode::kUnavailable, "cannot listen on " + where + ": " + ec.message());
    }
    port_ = acceptor_.local_endpoint(ec).port();
    return {};
  }

  void Run() {
    state_.workers =
        std::make_unique<asio::thread_pool>(static_cast<size_t>(state_.options.worker_threads));
    work_.emplace(asio::make_work_guard(ioc_));
    asio::co_spawn(acceptor_.get_executor(), Accept(), [](std::exception_ptr) {});
    running_ = true;
    for (int i = 0; i < state_.options.io_threads; ++i) {
      io_threads_.emplace_back([this] {
        while (true) {
          try {
            ioc_.run();
            return;
          } catch (...) {
            // A handler threw past every catch; keep serving the other connections.
          }
        }
      });
    }
  }

  void Stop(std::chrono::milliseconds grace) {
    std::lock_guard stop_lock(stop_mu_);
    if (stopped_) return;
    stopped_ = true;
    state_.stopping = true;
    if (running_) {
      // Close the listening socket before returning, so the port is free again.
      auto closed = std::make_shared<std::promise<void>>();
      asio::post(acceptor_.get_executor(), [this, closed] {
        beast::error_code ignored;
        acceptor_.close(ignored);
        retry_timer_.cancel();
        closed->set_value();
      });
      closed->get_future().wait_for(grace + std::chrono::seconds(1));
      ShutdownSessions(Closing::kGraceful);
      WaitForSessions(SteadyClock::now() + grace);
      ShutdownSessions(Closing::kForced);
      WaitForSessions(SteadyClock::now() + std::chrono::seconds(2));
    }
    {
      std::lock_guard lock(state_.hub->mu);
      state_.hub->open = false;
    }
    work_.reset();
    ioc_.stop();
    for (std::thread& thread : io_threads_) {
      if (thread.joinable()) thread.join();
    }
    // A handler still running finishes here; its continuation is dropped with ioc_.
    if (state_.workers) state_.workers->join();
  }

  uint16_t port() const { return port_; }
  bool tls() const { return state_.tls != nullptr; }

 private:
  asio::awaitable<void> Accept() {
    while (true) {
      auto [ec, socket] = co_await acceptor_.async_accept(asio::make_strand(ioc_), kUse);
      if (ec) {
        if (state_.stopping || !acceptor_.is_open()) co_return;
        // Out of descriptors or a connection reset before accept: back off, do not spin.
        retry_timer_.expires_after(std::chrono::milliseconds(50));
        co_await retry_timer_.async_wait(kUse);
        continue;
      }
      StartSession(std::move(socket));
    }
  }

  void StartSession(tcp::socket socket) {
    beast::error_code ec;
    tcp::endpoint remote = socket.remote_endpoint(ec);
    if (ec) return;  // already gone
    socket.set_option(tcp::no_delay(true), ec);
    auto executor = socket.get_executor();
    if (state_.tls) {
      auto session = std::make_shared<Session<TlsStream>>(state_, std::move(socket),
                                                          RemoteAddress(remote), *state_.tls);
      session->Register();
      asio::co_spawn(executor, session->Run(), [session](std::exception_ptr) {});
    } else {
      auto session =
          std::make_shared<Session<PlainStream>>(state_, std::move(socket), RemoteAddress(remote));
      session->Register();
      asio::co_spawn(executor, session->Run(), [session](std::exception_ptr) {});
    }
  }

  void ShutdownSessions(Closing how) {
    std::vector<std::shared_ptr<SessionBase>> live;
    {
      std::lock_guard lock(state_.sessions_mu);
      for (auto& weak : state_.sessions) {
        if (auto session = weak.lock()) live.push_back(std::move(session));
      }
    }
    for (auto& session : live) session->Shutdown(how);
    // `live` may hold the last reference: it is released here, outside sessions_mu.
  }

  void WaitForSessions(SteadyClock::time_point deadline) {
    std::unique_lock lock(state_.sessions_mu);
    state_.sessions_cv.wait_until(lock, deadline, [&] { return state_.sessions.empty(); });
  }

  ServerState state_;
  std::mutex stop_mu_;
  bool stopped_ = false;
  bool running_ = false;
  uint16_t port_ = 0;
  std::vector<std::thread> io_threads_;
  // Declared last but for the objects bound to it: destroyed before everything above, so
  // that sessions it still owns (their handlers) unregister from a live ServerState.
  asio::io_context ioc_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  tcp::acceptor acceptor_;
  asio::steady_timer retry_timer_;
};

Result<std::unique_ptr<Server>> Server::Start(
    ServerOptions options, Handler handler,
    std::function<void(const RequestObservation&)> observe) {
  if (!handler) return InvalidArgument("handler", "a handler is required");
  if (options.io_threads < 1) return InvalidArgument("io_threads", "must be at least 1");
  if (options.worker_threads < 1) return InvalidArgument("worker_threads", "must be at least 1");
  if (options.max_header_bytes < 256 || options.max_header_bytes > (1u << 30)) {
    return InvalidArgument("max_header_bytes", "must be between 256 bytes and 1 GiB");
  }
  if (options.idle_timeout.count() < 1 || options.sse_keepalive.count() < 1) {
    return InvalidArgument("idle_timeout", "timeouts must be at least one second");
  }
  try {
    auto impl = std::make_unique<Impl>(std::move(options), std::move(handler), std::move(observe));
    FG_RETURN_IF_ERROR(impl->Listen());
    impl->Run();
    return std::unique_ptr<Server>(new Server(std::move(impl)));
  } catch (const std::exception& e) {
    return Internal(std::string("cannot start the HTTP server: ") + e.what());
  }
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() { Stop(); }

uint16_t Server::port() const { return impl_->port(); }

bool Server::tls() const { return impl_->tls(); }

void Server::Stop(std::chrono::milliseconds grace) { impl_->Stop(grace); }

}  // namespace fg::http
