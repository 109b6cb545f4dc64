// A small blocking HTTP/1.1 client over plain POSIX sockets, for integration tests only.
//
// What it does: one connection to 127.0.0.1:port, requests written as given, responses read
// with Content-Length, chunked or read-until-close framing, interim 1xx heads, and the
// decoded body of a chunked event stream read for a bounded time. Every read has a
// deadline, so a server that hangs fails a test instead of blocking it.
// What it never does: TLS, redirects, cookies jars or retries.
// Thread-safety: a Connection belongs to one thread.
//
//   auto response = test::Fetch(port, {.method = "GET", .target = "/healthz"});
//   ASSERT_TRUE(response) << response.error;
//   EXPECT_EQ(response->status, 200);
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fg::test {

using Deadline = std::chrono::steady_clock::time_point;

inline Deadline In(std::chrono::milliseconds ms) { return std::chrono::steady_clock::now() + ms; }

struct HttpRequest {
  std::string method = "GET";
  std::string target = "/";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

struct HttpResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;

  // First header with this (lower-case) name.
  std::optional<std::string> Header(std::string_view lower_name) const;
  // Every header with this name (Set-Cookie comes once per cookie).
  std::vector<std::string> Headers(std::string_view lower_name) const;
};

// A result or what went wrong on the wire.
template <typename T>
struct Outcome {
  std::optional<T> value;
  std::string error;
  explicit operator bool() const { return value.has_value(); }
  T* operator->() { return &*value; }
  const T* operator->() const { return &*value; }
  T& operator*() { return *value; }
};

class Connection {
 public:
  // Connects to 127.0.0.1:port; nullopt with `error` set when refused.
  static std::optional<Connection> Open(uint16_t port, std::string* error = nullptr);
  Connection(Connection&& other) noexcept;
  Connection& operator=(Connection&& other) noexcept;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  // Writes all of `data`; false when the peer has gone.
  bool Write(std::string_view data);
  // Writes a request: the request line, Host, the given headers, Content-Length when there
  // is a body (or `content_length` when given), and the body unless `send_body` is false.
  bool WriteRequest(const HttpRequest& request, bool send_body = true);

  // The status line and headers of the next response (a 1xx head included).
  Outcome<HttpResponse> ReadHead(Deadline deadline);
  // A whole final response: skips 1xx heads, then reads the body by its framing.
  Outcome<HttpResponse> ReadResponse(Deadline deadline, bool head_request = false);
  // For a chunked stream whose head was read: appends decoded body bytes that arrive before
  // `deadline` to `out`. False once the stream has ended or failed; true on timeout.
  bool ReadStream(std::string* out, Deadline deadline);

 private:
  explicit Connection(int fd) : fd_(fd) {}
  // Reads more bytes into buffer_; false on EOF, error or deadline (timed_out_ tells which).
  bool Fill(Deadline deadline);
  bool ReadLine(std::string* line, Deadline deadline);
  bool ReadExactly(size_t n, std::string* out, Deadline deadline);
  // One chunk of a chunked body; false on a framing error, EOF or timeout; sets *last.
  bool ReadChunk(std::string* out, bool* last, Deadline deadline);

  int fd_ = -1;
  std::string buffer_;
  bool timed_out_ = false;
};

// Opens a connection, sends `request` with Connection: close, reads the response.
Outcome<HttpResponse> Fetch(uint16_t port, HttpRequest request,
                            std::chrono::milliseconds timeout = std::chrono::seconds(10));

// One server-sent event.
struct SseEvent {
  std::string id;
  std::string event;
  std::string data;
};
// Takes the complete events out of `text` (SSE wire format), leaving a partial one behind.
std::vector<SseEvent> TakeEvents(std::string* text);

}  // namespace fg::test
