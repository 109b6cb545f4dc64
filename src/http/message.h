// Request and Response as the rest of floorguard sees them: plain values, no Beast types.
//
// The http module owns the wire (Beast/Asio, TLS, keep-alive, limits); src/api turns a
// Request into module calls and back into a Response. A Response is either a complete
// body or a stream (server-sent events) that the server pumps until the client leaves.
// Thread-safety: values; a StreamSource is called from one connection's strand at a time.
//
//   http::Response r = http::Response::Json(200, R"({"ok":true})");
//   r.headers.emplace_back("Set-Cookie", "fg_session=...; HttpOnly");
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fg::http {

enum class Method { kGet, kHead, kPost, kPut, kPatch, kDelete, kOptions, kOther };

std::string_view MethodName(Method method);

using Headers = std::vector<std::pair<std::string, std::string>>;

struct Request {
  Method method = Method::kGet;
  std::string target;  // as sent: "/api/v1/people?limit=10"
  std::string path;    // percent-decoded path without the query: "/api/v1/people"
  std::vector<std::pair<std::string, std::string>> query;  // decoded, in order
  Headers headers;                                         // names lower-cased
  std::string body;
  std::string remote_address;  // "127.0.0.1"
  bool secure = false;         // arrived over TLS

  // First header with this (lower-case) name, if any.
  std::optional<std::string_view> Header(std::string_view lower_name) const;
  // First query parameter with this name, if any.
  std::optional<std::string_view> Query(std::string_view name) const;
  // Value of one cookie from the Cookie header, if any.
  std::optional<std::string> Cookie(std::string_view name) const;
};

// Pull-based source of a server-sent event stream. The server calls Next() whenever it has
// been woken (or every keep-alive interval); Next() returns what is ready now, without
// blocking: an empty string when nothing is, std::nullopt when the stream is over.
class StreamSource {
 public:
  virtual ~StreamSource() = default;
  virtual std::optional<std::string> Next() = 0;
  // The server hands over a callback, callable from any thread, that makes it call Next()
  // again soon. Called once, before the first Next().
  virtual void SetWakeup(std::function<void()> wakeup) = 0;
};

struct Response {
  int status = 200;
  Headers headers;  // Content-Type among them
  std::string body;
  std::shared_ptr<StreamSource> stream;  // when set, body is ignored and SSE is streamed

  static Response Json(int status, std::string body);
  static Response Text(int status, std::string body, std::string content_type = "text/plain");
  static Response Empty(int status);
  void SetHeader(std::string name, std::string value);
};

// The one entry point the server calls for every request. May block (a write waits for its
// transaction to be durable); the server runs such requests off its I/O threads.
using Handler = std::function<Response(const Request&)>;

}  // namespace fg::http
