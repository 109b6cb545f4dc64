// Server: the HTTP/1.1 wire transport (plain or TLS) in front of one Handler.
//
// Owns sockets, TLS, keep-alive, timeouts and limits, and turns bytes into http::Request
// values and http::Response values back into bytes. It decides only what the wire decides:
// 400 for a malformed request or target, 413 for a body over max_body_bytes, 431 for a
// header over max_header_bytes, 500 when the handler throws. It never routes, authenticates
// or logs request contents; that is src/api's job. No Beast or Asio type leaks from here.
//
// Threads: `io_threads` run the sockets; GET and HEAD call the handler inline on an I/O
// thread (reads are fast), every other method calls it on one of `worker_threads` (a write
// may block on its transaction). The handler and `observe` must therefore be thread-safe.
// A Server object itself is thread-safe: Stop() may be called from any thread.
//
//   auto server = http::Server::Start({.port = 0}, [](const http::Request&) {
//     return http::Response::Json(200, R"({"ok":true})"); });
//   if (!server) return server.error();  // e.g. "address already in use"
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "http/message.h"

namespace fg::http {

struct TlsFiles {
  std::string cert_file;  // PEM certificate chain, leaf first
  std::string key_file;   // PEM private key of the leaf
};

struct ServerOptions {
  std::string address = "127.0.0.1";  // an IPv4/IPv6 literal or a resolvable host name
  uint16_t port = 8080;               // 0 = ephemeral; see Server::port()
  int io_threads = 2;
  int worker_threads = 4;
  size_t max_body_bytes = 1 << 20;
  size_t max_header_bytes = 16 << 10;      // request line and all header fields
  std::chrono::seconds idle_timeout{60};   // keep-alive idle time, and each read/write/handshake
  std::chrono::seconds sse_keepalive{15};  // a ": keepalive" comment after this much silence
  std::optional<TlsFiles> tls;             // TLS 1.2+ when set
};

// What the server reports for every request it answers (for metrics), just before the
// response is written; `path` is valid only during the call. A stream is reported once, when
// its headers are ready. Errors the server answers itself (400, 413, 431) are reported with
// an empty path and, when the method was not read yet, Method::kOther.
struct RequestObservation {
  Method method;
  std::string_view path;
  int status;
  std::chrono::nanoseconds duration;  // from the full header read to the response ready
};

class Server {
 public:
  // Binds, listens and starts the threads before returning, so port() is real. Errors:
  // InvalidArgument for bad options or unreadable/mismatched TLS files (the message names
  // the file), Unavailable when the address cannot be bound (e.g. already in use).
  static Result<std::unique_ptr<Server>> Start(
      ServerOptions options, Handler handler,
      std::function<void(const RequestObservation&)> observe = {});

  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;
  ~Server();  // Stop()

  uint16_t port() const;
  bool tls() const;

  // Stops accepting, ends streams, closes idle keep-alive connections, lets requests in
  // flight finish and send their response (with Connection: close) for up to `grace`, then
  // closes what is left and joins every thread. A handler that never returns blocks Stop(),
  // and Stop() must not be called from a handler. Idempotent.
  void Stop(std::chrono::milliseconds grace = std::chrono::seconds(10));

 private:
  class Impl;
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace fg::http
