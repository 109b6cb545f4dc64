#include "http/server.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <stdlib.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <future>
#include <mutex>
#include <optional>
#include <thread>

namespace fg::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

// Every wait on the server is bounded by this; a passing test never comes near it.
constexpr auto kDeadline = 5s;

using WireResponse = bhttp::response<bhttp::string_body>;

// A client over a real socket, plain or TLS. Each operation runs the client's own
// io_context until it completes or kDeadline passes (then it fails with a timeout).
class Client {
 public:
  explicit Client(uint16_t port, ssl::context* tls = nullptr) : port_(port) {
    if (tls != nullptr) {
      tls_.emplace(ioc_, *tls);
    } else {
      plain_.emplace(ioc_);
    }
  }

  bool Connect() {
    auto ec = Run([&](auto&& done) {
      Lowest().async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_), done);
    });
    if (ec || !tls_) return !ec;
    return !Run([&](auto&& done) { tls_->async_handshake(ssl::stream_base::client, done); });
  }

  beast::error_code Write(std::string_view raw) {
    return Run([&](auto&& done) {
      With([&](auto& stream) { asio::async_write(stream, asio::buffer(raw), done); });
    });
  }

  // Sends a request and reads the response. Keep-alive unless the caller says otherwise.
  std::optional<WireResponse> Send(bhttp::verb verb, std::string target, std::string body = {},
                                   std::vector<std::pair<std::string, std::string>> headers = {}) {
    bhttp::request<bhttp::string_body> request(verb, target, 11);
    request.set(bhttp::field::host, "127.0.0.1");
    for (auto& [name, value] : headers) request.set(name, value);
    if (!body.empty() || verb == bhttp::verb::post) request.body() = std::move(body);
    request.prepare_payload();
    auto ec = Run([&](auto&& done) {
      With([&](auto& stream) { bhttp::async_write(stream, request, done); });
    });
    if (ec) return std::nullopt;
    return Receive(verb == bhttp::verb::head);
  }

  std::optional<WireResponse> Receive(bool head = false) {
    bhttp::response_parser<bhttp::string_body> parser;
    parser.skip(head);
    parser.body_limit(64 << 20);
    auto ec = Run([&](auto&& done) {
      With([&](auto& stream) { bhttp::async_read(stream, buffer_, parser, done); });
    });
    if (ec) return std::nullopt;
    return parser.release();
  }

  // Raw bytes until `needle` has been seen (true), or EOF/error/deadline (false).
  bool ReadUntil(std::string_view needle) {
    auto deadline = std::chrono::steady_clock::now() + kDeadline;
    while (received_.find(needle) == std::string::npos) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      if (!ReadSome()) return received_.find(needle) != std::string::npos;
    }
    return true;
  }

  // Raw bytes until the server closes the connection: true when it did within the deadline.
  bool ReadToEnd() {
    auto deadline = std::chrono::steady_clock::now() + kDeadline;
    while (std::chrono::steady_clock::now() < deadline) {
      if (!ReadSome()) return eof_;
    }
    return false;
  }

  // Sends FIN, as a browser tab that closes does.
  void HalfClose() {
    beast::error_code ignored;
    Lowest().socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  const std::string& received() const { return received_; }

  SSL* native_tls() { return tls_ ? tls_->native_handle() : nullptr; }

 private:
  bool ReadSome() {
    if (buffer_.size() > 0) {
      received_.append(static_cast<const char*>(buffer_.data().data()), buffer_.size());
      buffer_.consume(buffer_.size());
      return true;
    }
    std::array<char, 4096> chunk;
    size_t got = 0;
    auto ec = Run([&](auto&& done) {
      With([&](auto& stream) {
        stream.async_read_some(asio::buffer(chunk), [&, done](beast::error_code e, size_t n) {
          got = n;
          done(e);
        });
      });
    });
    received_.append(chunk.data(), got);
    if (ec) {
      eof_ = ec == asio::error::eof || ec == ssl::error::stream_truncated ||
             ec == asio::error::connection_reset;
      return false;
    }
    return true;
  }

  beast::tcp_stream& Lowest() { return tls_ ? beast::get_lowest_layer(*tls_) : *plain_; }

  template <typename F>
  void With(F f) {
    if (tls_) {
      f(*tls_);
    } else {
      f(*plain_);
    }
  }

  template <typename Start>
  beast::error_code Run(Start start) {
    beast::error_code result = asio::error::would_block;
    bool finished = false;
    Lowest().expires_after(kDeadline);
    start([&result, &finished](beast::error_code ec, auto&&...) {
      result = ec;
      finished = true;
    });
    ioc_.restart();
    ioc_.run();
    return finished ? result : beast::error::timeout;
  }

  uint16_t port_;
  asio::io_context ioc_;
  std::optional<beast::tcp_stream> plain_;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls_;
  beast::flat_buffer buffer_;
  std::string received_;
  bool eof_ = false;
};

std::unique_ptr<Server> StartOrDie(ServerOptions options, Handler handler,
                                   std::function<void(const RequestObservation&)> observe = {}) {
  options.port = 0;
  auto server = Server::Start(std::move(options), std::move(handler), std::move(observe));
  EXPECT_TRUE(server) << server.error().ToString();
  return server ? std::move(*server) : nullptr;
}

Response Echo(const Request& request) { return Response::Text(200, request.path); }

std::string HeaderOf(const WireResponse& response, std::string_view name) {
  auto it = response.find(name);
  return it == response.end() ? "" : std::string(it->value());
}

// Raw request, raw answer: for what a well-behaved client library would refuse to send.
std::string RawExchange(uint16_t port, std::string_view raw, bool* closed = nullptr) {
  Client client(port);
  if (!client.Connect()) return "connect failed";
  if (client.Write(raw)) return "write failed";
  bool eof = client.ReadToEnd();
  if (closed != nullptr) *closed = eof;
  return client.received();
}

// -----------------------------------------------------------------------------------------

TEST(HttpServer, KeepAliveServesTwoRequestsOnOneConnection) {
  auto server = StartOrDie({}, Echo);
  ASSERT_TRUE(server);
  Client client(server->port());
  ASSERT_TRUE(client.Connect());
  auto first = client.Send(bhttp::verb::get, "/one");
  ASSERT_TRUE(first);
  EXPECT_EQ(first->result_int(), 200);
  EXPECT_EQ(first->body(), "/one");
  EXPECT_TRUE(first->keep_alive());
  EXPECT_EQ(HeaderOf(*first, "Content-Length"), "4");
  EXPECT_EQ(HeaderOf(*first, "Server"), "");
  auto second = client.Send(bhttp::verb::get, "/two");
  ASSERT_TRUE(second);
  EXPECT_EQ(second->body(), "/two");
}

TEST(HttpServer, PipelinedRequestsAreAnsweredInOrder) {
  auto server = StartOrDie({}, Echo);
  ASSERT_TRUE(server);
  Client client(server->port());
  ASSERT_TRUE(client.Connect());
  ASSERT_FALSE(
      client.Write("GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto a = client.Receive();
  auto b = client.Receive();
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->body(), "/a");
  EXPECT_EQ(b->body(), "/b");
}

TEST(HttpServer, MalformedRequestGets400AndTheConnectionIsClosed) {
  auto server = StartOrDie({}, Echo);
  ASSERT_TRUE(server);
  for (std::string_view bad : {"GET /x HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n",
                               "GET /x HTTP/1.1\r\nHost: x\r\n"
                               "Content-Length: abc\r\n\r\n",
                               "G(T /x HTTP/1.1\r\nHost: x\r\n\r\n", "GET /x HTTP/9\r\n\r\n"}) {
    bool closed = false;
    std::string answer = RawExchange(server->port(), bad, &closed);
    EXPECT_TRUE(answer.starts_with("HTTP/1.1 400 ")) << bad << " -> " << answer;
    EXPECT_NE(answer.find("Connection: close"), std::string::npos);
    EXPECT_TRUE(closed) << bad;
  }
}

TEST(HttpServer, Http11RequestWithoutHostGets400) {
  auto server = StartOrDie({}, Echo);
  ASSERT_TRUE(server);
  EXPECT_TRUE(RawExchange(server->port(), "GET / HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 400 "));
  EXPECT_TRUE(RawExchange(server->port(), "GET / HTTP/1.0\r\n\r\n").starts_with("HTTP/1.1 200 "));
}

TEST(HttpServer, BodyOverTheLimitGets413) {
  std::atomic<int> calls{0};
  auto server = StartOrDie({.max_body_bytes = 1024}, [&](const Request& r) {
    ++calls;
    return Response::Text(200, std::to_string(r.body.size()));
  });
  ASSERT_TRUE(server);
  {
    Client client(server->port());
    ASSERT_TRUE(client.Connect());
    auto ok = client.Send(bhttp::verb::post, "/upload", std::string(1024, 'a'));
    ASSERT_TRUE(ok);
    EXPECT_EQ(ok->body(), "1024");
    auto big = client.Send(bhttp::verb::post, "/upload", std::string(5000, 'a'));
    ASSERT_TRUE(big);
    EXPECT_EQ(big->result_int(), 413);
    EXPECT_FALSE(big->keep_alive());
  }
  // Chunked: the size is only known while reading.
  std::string chunked =
      "POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "400\r\n" +
      std::string(1024, 'b') + "\r\n400\r\n" + std::string(1024, 'b') + "\r\n0\r\n\r\n";
  EXPECT_TRUE(RawExchange(server->port(), chunked).starts_with("HTTP/1.1 413 "));
  EXPECT_EQ(calls.load(), 1);
}

TEST(HttpServer, HeaderOverTheLimitGets431) {
  auto server = StartOrDie({.max_header_bytes = 1024}, Echo);
  ASSERT_TRUE(server);
  std::string request =
      "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(2000, 'h') + "\r\n\r\n";
  bool closed = false;
  EXPECT_TRUE(RawExchange(server->port(), request, &closed).starts_with("HTTP/1.1 431 "));
  EXPECT_TRUE(closed);
}

TEST(HttpServer, PathAndQueryArePercentDecoded) {
  std::mutex mu;
  Request seen;
  auto server = StartOrDie({}, [&](const Request& request) {
    std::lock_guard lock(mu);
    seen = request;
    return Response::Empty(204);
  });
  ASSERT_TRUE(server);
  Client client(server->port());
  ASSERT_TRUE(client.Connect());
  auto response = client.Send(bhttp::verb::get,
                              "/api/v1/people/J%C3%BCrgen%20M?q=a%26b&name=hello+world&flag"
                              "&limit=10&empty=",
                              "", {{"X-Custom-Header", "Value"}});
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 204);
  std::lock_guard lock(mu);
  EXPECT_EQ(seen.method, Method::kGet);
  EXPECT_EQ(seen.target,
            "/api/v1/people/J%C3%BCrgen%20M?q=a%26b&name=hello+world&flag&limit=10&empty=");
  EXPECT_EQ(seen.path, "/api/v1/people/J\xC3\xBCrgen M");
  using Pairs = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(
      seen.query,
      (Pairs{{"q", "a&b"}, {"name", "hello world"}, {"flag", ""}, {"limit", "10"}, {"empty", ""}}));
  EXPECT_EQ(seen.Header("x-custom-header"), "Value");
  for (const auto& [name, value] : seen.headers) {
    for (char c : name) EXPECT_FALSE(c >= 'A' && c <= 'Z') << name;
  }
  EXPECT_EQ(seen.remote_address, "127.0.0.1");
  EXPECT_FALSE(seen.secure);
}

TEST(HttpServer, AReusedConnectionDoesNotCarryOverHeadersQueryOrBody) {
  std::mutex mu;
  std::vector<Request> seen;
  auto server = StartOrDie({}, [&](const Request& request) {
    std::lock_guard lock(mu);
    seen.push_back(request);
    return Response::Empty(204);
  });
  ASSERT_TRUE(server);
  Client client(server->port());
  ASSERT_TRUE(client.Connect());
  ASSERT_TRUE(client.Send(bhttp::verb::post, "/a?x=1&y=2", "body",
                          {{"X-One", "1"}, {"X-Two", "2"}, {"Cookie", "a=b"}}));
  ASSERT_TRUE(client.Send(bhttp::verb::get, "/b"));
  std::lock_guard lock(mu);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].body, "body");
  EXPECT_EQ(seen[0].Header("x-two"), "2");
  EXPECT_EQ(seen[1].path, "/b");
  EXPECT_TRUE(seen[1].query.empty());
  EXPECT_TRUE(seen[1].body.empty());
  EXPECT_FALSE(seen[1].Header("x-one"));
  EXPECT_FALSE(seen[1].Cookie("a"));
  EXPECT_EQ(seen[1].headers.size(), 1u);  // host
}

TEST(HttpServer, InvalidEncodingOrNulInTheTargetGets400) {
  std::atomic<int> calls{0};
  auto server = StartOrDie({}, [&](const Request& r) {
    ++calls;
    return Echo(r);
  });
  ASSERT_TRUE(server);
  for (std::string_view target :
       {"/a%zz", "/a%0", "/a%00b", "/a?x=%00", "/a?x=%g1", "*", "http://example.com/a", "/a b"}) {
    std::string request = "GET " + std::string(target) + " HTTP/1.1\r\nHost: x\r\n\r\n";
    EXPECT_TRUE(RawExchange(server->port(), request).starts_with("HTTP/1.1 400 ")) << target;
  }
  EXPECT_EQ(calls.load(), 0);
}

TEST(HttpServer, UnknownMethodReachesTheHandlerAsOther) {
  std::atomic<Method> seen{Method::kGet};
  auto server = StartOrDie({}, [&](const Request& request) {
    seen = request.method;
    return Response::Empty(405);
  });
  ASSERT_TRUE(server);
  std::string answer = RawExchange(server->port(),
                                   "BREW /pot HTTP/1.1\r\nHost: x\r\n"
                                   "Connection: close\r\n\r\n");
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 405 ")) << answer;
  EXPECT_EQ(seen.load(), Method::kOther);
}

TEST(HttpServer, HeadGetsTheHeadersAndLengthButNoBody) {
  auto server = StartOrDie({}, [](const Request& request) {
    EXPECT_EQ(request.method, Method::kHead);
    return Response::Text(200, "hello");
  });
  ASSERT_TRUE(server);
  Client client(server->port());
  ASSERT_TRUE(client.Connect());
  ASSERT_FALSE(
      client.Write("HEAD / HTTP/1.1\r\nHost: x\r\n\r\nHEAD / HTTP/1.1\r\nHost: x\r\n"
                   "Connection: close\r\n\r\n"));
  ASSERT_TRUE(client.ReadToEnd());
  const std::string& raw = client.received();
  EXPECT_EQ(raw.find("hello"), std::string::npos) << raw;
  EXPECT_NE(raw.find("Content-Length: 5\r\n"), std::string::npos) << raw;
  EXPECT_NE(raw.rfind("HTTP/1.1 200 "), 0u) << "two responses expected: " << raw;
}

TEST(HttpServer, NoContentResponsesCarryNoLength) {
  auto server = StartOrDie({}, [](const Request&) { return Response::Empty(204); });
  ASSERT_TRUE(server);
  std::string answer =
      RawExchange(server->port(), "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 204 ")) << answer;
  EXPECT_EQ(answer.find("Content-Length"), std::string::npos) << answer;
}

TEST(HttpServer, ExpectContinueGetsAnInterimResponse) {
  auto server = StartOrDie({}, [](const Request& r) { return Response::Text(200, r.body); });
  ASSERT_TRUE(server);
  Client client(server->port());
  ASSERT_TRUE(client.Connect());
  ASSERT_FALSE(
      client.Write("PUT /x HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
                   "Expect: 100-continue\r\n\r\n"));
  ASSERT_TRUE(client.ReadUntil("HTTP/1.1 100 Continue\r\n\r\n"));
  ASSERT_FALSE(client.Write("body"));
  ASSERT_TRUE(client.ReadUntil("\r\n\r\nbody"));
}

TEST(HttpServer, WritesRunOnAWorkerAndDoNotBlockReads) {
  std::promise<std::thread::id> post_thread;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::thread::id get_thread;
  std::mutex mu;
  auto server = StartOrDie({.io_threads = 1, .worker_threads = 1}, [&](const Request& request) {
    if (request.method == Method::kPost) {
      post_thread.set_value(std::this_thread::get_id());
      released.wait_for(kDeadline);
      return Response::Text(200, "posted");
    }
    std::lock_guard lock(mu);
    get_thread = std::this_thread::get_id();
    return Response::Text(200, "read");
  });
  ASSERT_TRUE(server);
  Client writer(server->port());
  ASSERT_TRUE(writer.Connect());
  ASSERT_FALSE(writer.Write("POST /w HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nx"));
  auto post_future = post_thread.get_future();
  ASSERT_EQ(post_future.wait_for(kDeadline), std::future_status::ready);

  // The only I/O thread is free while the write's handler blocks.
  Client reader(server->port());
  ASSERT_TRUE(reader.Connect());
  auto read = reader.Send(bhttp::verb::get, "/r");
  ASSERT_TRUE(read);
  EXPECT_EQ(read->body(), "read");
  release.set_value();
  auto posted = writer.Receive();
  ASSERT_TRUE(posted);
  EXPECT_EQ(posted->body(), "posted");
  std::lock_guard lock(mu);
  EXPECT_NE(post_future.get(), get_thread);
}

TEST(HttpServer, HandlerExceptionGives500AndTheServerKeepsServing) {
  auto server = StartOrDie({}, [](const Request& request) -> Response {
    if (request.path == "/boom") throw std::runtime_error("secret detail");
    return Response::Text(200, "fine");
  });
  ASSERT_TRUE(server);
  Client client(server->port());
  ASSERT_TRUE(client.Connect());
  for (auto verb : {bhttp::verb::get, bhttp::verb::post}) {
    auto boom = client.Send(verb, "/boom");
    ASSERT_TRUE(boom);
    EXPECT_EQ(boom->result_int(), 500);
    EXPECT_EQ(HeaderOf(*boom, "Content-Type"), "application/problem+json");
    EXPECT_EQ(boom->body().find("secret"), std::string::npos);
    auto fine = client.Send(bhttp::verb::get, "/fine");
    ASSERT_TRUE(fine);
    EXPECT_EQ(fine->result_int(), 200);
  }
}

TEST(HttpServer, ResponseHeaderThatWouldSplitTheResponseGives500) {
  auto server = StartOrDie({}, [](const Request&) {
    Response response = Response::Text(200, "x");
    response.headers.emplace_back("X-Injected", "a\r\nSet-Cookie: evil=1");
    return response;
  });
  ASSERT_TRUE(server);
  Client client(server->port());
  ASSERT_TRUE(client.Connect());
  auto response = client.Send(bhttp::verb::get, "/");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 500);
  EXPECT_EQ(HeaderOf(*response, "Set-Cookie"), "");
}

TEST(HttpServer, ObserverSeesEveryCompletedRequest) {
  std::mutex mu;
  std::vector<std::tuple<Method, std::string, int>> seen;
  auto server = StartOrDie(
      {}, [](const Request& r) { return Response::Text(r.path == "/missing" ? 404 : 200, "x"); },
      [&](const RequestObservation& o) {
        EXPECT_GE(o.duration.count(), 0);
        std::lock_guard lock(mu);
        seen.emplace_back(o.method, std::string(o.path), o.status);
      });
  ASSERT_TRUE(server);
  Client client(server->port());
  ASSERT_TRUE(client.Connect());
  ASSERT_TRUE(client.Send(bhttp::verb::get, "/a"));
  ASSERT_TRUE(client.Send(bhttp::verb::delete_, "/missing"));
  std::lock_guard lock(mu);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0], std::make_tuple(Method::kGet, std::string("/a"), 200));
  EXPECT_EQ(seen[1], std::make_tuple(Method::kDelete, std::string("/missing"), 404));
}

// ---- server-sent events -------------------------------------------------------------------

class QueueSource final : public StreamSource {
 public:
  explicit QueueSource(std::string first = {}) : pending_(std::move(first)) {}

  std::optional<std::string> Next() override {
    std::lock_guard lock(mu_);
    if (ended_ && pending_.empty()) return std::nullopt;
    return std::exchange(pending_, std::string());
  }

  void SetWakeup(std::function<void()> wakeup) override {
    std::lock_guard lock(mu_);
    wakeup_ = std::move(wakeup);
  }

  // From the test thread, as an event bus subscriber would.
  void Push(std::string event, bool end = false) {
    std::function<void()> wakeup;
    {
      std::lock_guard lock(mu_);
      pending_ += event;
      ended_ = ended_ || end;
      wakeup = wakeup_;
    }
    if (wakeup) wakeup();
  }

 private:
  std::mutex mu_;
  std::string pending_;
  bool ended_ = false;
  std::function<void()> wakeup_;
};

Handler StreamHandler(std::shared_ptr<QueueSource> source) {
  return [source](const Request&) {
    Response response;
    response.stream = source;
    response.headers.emplace_back("Content-Type", "application/json");  // overridden
    response.headers.emplace_back("X-Stream", "yes");
    return response;
  };
}

TEST(HttpServerSse, ClientReceivesEventsPushedAfterAWakeup) {
  auto source = std::make_shared<QueueSource>("retry: 3000\n\n");
  auto server = StartOrDie({.sse_keepalive = 60s}, StreamHandler(source));
  ASSERT_TRUE(server);
  Client client(server->port());
  ASSERT_TRUE(client.Connect());
  ASSERT_FALSE(client.Write("GET /events HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(client.ReadUntil("retry: 3000\n\n"));
  const std::string& head = client.received();
  EXPECT_NE(head.find("Content-Type: text/event-stream\r\n"), std::string::npos) << head;
  EXPECT_NE(head.find("Cache-Control: no-store\r\n"), std::string::npos);
  EXPECT_NE(head.find("X-Accel-Buffering: no\r\n"), std::string::npos);
  EXPECT_NE(head.find("X-Stream: yes\r\n"), std::string::npos);
  EXPECT_EQ(head.find("application/json"), std::string::npos);

  source->Push("event: audit\ndata: {\"seq\":1}\n\n");
  EXPECT_TRUE(client.ReadUntil("data: {\"seq\":1}\n\n"));
  source->Push("data: two\n\n");
  EXPECT_TRUE(client.ReadUntil("data: two\n\n"));
  source->Push("", /*end=*/true);
  EXPECT_TRUE(client.ReadToEnd());
  EXPECT_TRUE(client.received().ends_with("0\r\n\r\n")) << client.received();
}

TEST(HttpServerSse, ClientThatLeavesEndsTheStream) {
  auto source = std::make_shared<QueueSource>("data: x\n\n");
  auto server = StartOrDie({.sse_keepalive = 60s}, StreamHandler(source));
  ASSERT_TRUE(server);
  Client client(server->port());
  ASSERT_TRUE(client.Connect());
  ASSERT_FALSE(client.Write("GET /events HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(client.ReadUntil("data: x\n\n"));
  client.HalfClose();
  EXPECT_TRUE(client.ReadToEnd());
  EXPECT_EQ(source.use_count(), 2) << "the server still holds the stream";
}

TEST(HttpServerSse, IdleStreamGetsAKeepaliveComment) {
  auto source = std::make_shared<QueueSource>();
  auto server = StartOrDie({.sse_keepalive = 1s}, StreamHandler(source));
  ASSERT_TRUE(server);
  Client client(server->port());
  ASSERT_TRUE(client.Connect());
  ASSERT_FALSE(client.Write("GET /events HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_TRUE(client.ReadUntil(": keepalive\n\n"));
}

TEST(HttpServerSse, Http10StreamIsCloseDelimited) {
  auto source = std::make_shared<QueueSource>("data: x\n\n");
  auto server = StartOrDie({}, StreamHandler(source));
  ASSERT_TRUE(server);
  Client client(server->port());
  ASSERT_TRUE(client.Connect());
  ASSERT_FALSE(client.Write("GET /events HTTP/1.0\r\n\r\n"));
  ASSERT_TRUE(client.ReadUntil("\r\n\r\ndata: x\n\n"));
  EXPECT_EQ(client.received().find("chunked"), std::string::npos);
}

TEST(HttpServerSse, StopEndsOpenStreams) {
  auto source = std::make_shared<QueueSource>("data: x\n\n");
  auto server = StartOrDie({}, StreamHandler(source));
  ASSERT_TRUE(server);
  Client client(server->port());
  ASSERT_TRUE(client.Connect());
  ASSERT_FALSE(client.Write("GET /events HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(client.ReadUntil("data: x\n\n"));
  auto before = std::chrono::steady_clock::now();
  server->Stop(5s);
  EXPECT_LT(std::chrono::steady_clock::now() - before, 3s);
  EXPECT_TRUE(client.ReadToEnd());
  source->Push("data: late\n\n");  // a wake-up after Stop() is harmless
}

// ---- lifecycle ----------------------------------------------------------------------------

TEST(HttpServerStop, InFlightWriteFinishesAndGetsItsResponse) {
  std::promise<void> started;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  auto server = StartOrDie({}, [&](const Request&) {
    started.set_value();
    released.wait_for(kDeadline);
    return Response::Text(200, "committed");
  });
  ASSERT_TRUE(server);
  const uint16_t port = server->port();
  Client client(port);
  ASSERT_TRUE(client.Connect());
  ASSERT_FALSE(client.Write("POST /w HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"));
  ASSERT_EQ(started.get_future().wait_for(kDeadline), std::future_status::ready);

  auto stopped = std::async(std::launch::async, [&] { server->Stop(5s); });
  // Stop() has begun once the listening socket is closed; only then let the handler finish.
  auto deadline = std::chrono::steady_clock::now() + kDeadline;
  while (Client(port).Connect() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(stopped.wait_for(0s), std::future_status::timeout) << "Stop did not wait";
  release.set_value();
  auto response = client.Receive();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body(), "committed");
  EXPECT_FALSE(response->keep_alive());
  ASSERT_EQ(stopped.wait_for(kDeadline), std::future_status::ready);
}

TEST(HttpServerStop, IdleKeepAliveConnectionsAreClosedAtOnce) {
  auto server = StartOrDie({}, Echo);
  ASSERT_TRUE(server);
  Client client(server->port());
  ASSERT_TRUE(client.Connect());
  ASSERT_TRUE(client.Send(bhttp::verb::get, "/"));
  auto before = std::chrono::steady_clock::now();
  server->Stop(10s);
  EXPECT_LT(std::chrono::steady_clock::now() - before, 3s);
  EXPECT_TRUE(client.ReadToEnd());
  server->Stop();  // idempotent
}

TEST(HttpServerStop, PortIsFreeAgainAfterStop) {
  auto first = StartOrDie({}, Echo);
  ASSERT_TRUE(first);
  const uint16_t port = first->port();
  first->Stop();
  ServerOptions options;
  options.port = port;
  auto second = Server::Start(options, Echo);
  EXPECT_TRUE(second) << second.error().ToString();
}

TEST(HttpServerStart, AddressInUseIsAnError) {
  auto first = StartOrDie({}, Echo);
  ASSERT_TRUE(first);
  ServerOptions options;
  options.port = first->port();
  auto second = Server::Start(options, Echo);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(second.error().message.find("in use"), std::string::npos) << second.error().message;
  EXPECT_NE(second.error().message.find(std::to_string(first->port())), std::string::npos);
}

TEST(HttpServerStart, BadOptionsAreErrors) {
  EXPECT_FALSE(Server::Start({.port = 0, .io_threads = 0}, Echo));
  EXPECT_FALSE(Server::Start({.port = 0}, Handler()));
  auto bad_address = Server::Start({.address = "not an address!", .port = 0}, Echo);
  ASSERT_FALSE(bad_address);
  EXPECT_EQ(bad_address.error().field, "address");
}

// ---- TLS ----------------------------------------------------------------------------------

struct TempDir {
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "fg_http_XXXXXX").string();
    path = mkdtemp(pattern.data());
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
  std::filesystem::path path;
};

// A fresh P-256 key and a self-signed certificate for it, written as PEM.
bool WriteSelfSigned(const std::filesystem::path& cert_file,
                     const std::filesystem::path& key_file) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* cert = X509_new();
  bool ok = key != nullptr && cert != nullptr;
  if (ok) {
    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), -60);
    X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
    X509_set_pubkey(cert, key);
    X509_NAME* name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
    X509_set_issuer_name(cert, name);
    ok = X509_sign(cert, key, EVP_sha256()) > 0;
  }
  if (ok) {
    std::FILE* c = std::fopen(cert_file.c_str(), "w");
    std::FILE* k = std::fopen(key_file.c_str(), "w");
    ok = c != nullptr && k != nullptr && PEM_write_X509(c, cert) == 1 &&
         PEM_write_PrivateKey(k, key, nullptr, nullptr, 0, nullptr, nullptr) == 1;
    if (c != nullptr) std::fclose(c);
    if (k != nullptr) std::fclose(k);
  }
  X509_free(cert);
  EVP_PKEY_free(key);
  return ok;
}

class HttpServerTls : public ::testing::Test {
 protected:
  void SetUp() override {
    cert_ = (dir_.path / "cert.pem").string();
    key_ = (dir_.path / "key.pem").string();
    ASSERT_TRUE(WriteSelfSigned(cert_, key_));
    client_tls_.set_verify_mode(ssl::verify_none);
  }

  TempDir dir_;
  std::string cert_;
  std::string key_;
  ssl::context client_tls_{ssl::context::tls_client};
};

TEST_F(HttpServerTls, ServesRequestsOverTls) {
  std::atomic<bool> secure{false};
  auto server = StartOrDie({.tls = TlsFiles{cert_, key_}}, [&](const Request& request) {
    secure = request.secure;
    return Response::Text(200, "over tls");
  });
  ASSERT_TRUE(server);
  EXPECT_TRUE(server->tls());
  Client client(server->port(), &client_tls_);
  ASSERT_TRUE(client.Connect());
  auto response = client.Send(bhttp::verb::get, "/");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body(), "over tls");
  EXPECT_TRUE(secure.load());
  auto again = client.Send(bhttp::verb::post, "/w", "x");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->body(), "over tls");

  // The certificate the client saw is the one in cert_.
  X509* presented = SSL_get1_peer_certificate(client.native_tls());
  std::FILE* file = std::fopen(cert_.c_str(), "r");
  X509* expected = PEM_read_X509(file, nullptr, nullptr, nullptr);
  std::fclose(file);
  ASSERT_TRUE(presented && expected);
  EXPECT_EQ(X509_cmp(presented, expected), 0);
  X509_free(presented);
  X509_free(expected);
}

TEST_F(HttpServerTls, RefusesTlsOlderThan12) {
  auto server = StartOrDie({.tls = TlsFiles{cert_, key_}}, Echo);
  ASSERT_TRUE(server);
  ssl::context old_tls(ssl::context::tls_client);
  SSL_CTX_set_security_level(old_tls.native_handle(), 0);
  SSL_CTX_set_min_proto_version(old_tls.native_handle(), TLS1_VERSION);
  SSL_CTX_set_max_proto_version(old_tls.native_handle(), TLS1_1_VERSION);
  old_tls.set_verify_mode(ssl::verify_none);
  Client client(server->port(), &old_tls);
  EXPECT_FALSE(client.Connect());
}

TEST_F(HttpServerTls, PlainHttpOnATlsPortGetsNoResponse) {
  auto server = StartOrDie({.tls = TlsFiles{cert_, key_}}, Echo);
  ASSERT_TRUE(server);
  std::string answer = RawExchange(server->port(), "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(answer.find("HTTP/1.1 200"), std::string::npos);
}

TEST_F(HttpServerTls, MissingCertificateFileIsAnErrorNamingTheFile) {
  std::string missing = (dir_.path / "missing.pem").string();
  auto server = Server::Start({.port = 0, .tls = TlsFiles{missing, key_}}, Echo);
  ASSERT_FALSE(server);
  EXPECT_EQ(server.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(server.error().field, "tls.cert_file");
  EXPECT_NE(server.error().message.find(missing), std::string::npos) << server.error().message;
}

TEST_F(HttpServerTls, GarbageKeyFileIsAnErrorNamingTheFile) {
  std::string garbage = (dir_.path / "garbage.pem").string();
  std::FILE* file = std::fopen(garbage.c_str(), "w");
  std::fputs("-----BEGIN PRIVATE KEY-----\nnot base64\n-----END PRIVATE KEY-----\n", file);
  std::fclose(file);
  auto server = Server::Start({.port = 0, .tls = TlsFiles{cert_, garbage}}, Echo);
  ASSERT_FALSE(server);
  EXPECT_EQ(server.error().field, "tls.key_file");
  EXPECT_NE(server.error().message.find(garbage), std::string::npos) << server.error().message;
}

TEST_F(HttpServerTls, KeyThatDoesNotMatchTheCertificateIsAnError) {
  std::string other_cert = (dir_.path / "other_cert.pem").string();
  std::string other_key = (dir_.path / "other_key.pem").string();
  ASSERT_TRUE(WriteSelfSigned(other_cert, other_key));
  auto server = Server::Start({.port = 0, .tls = TlsFiles{cert_, other_key}}, Echo);
  ASSERT_FALSE(server);
  EXPECT_NE(server.error().message.find("does not match"), std::string::npos)
      << server.error().message;
}

}  // namespace
}  // namespace fg::http
