#include "http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>

namespace fg::test {

namespace {

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) {
    text.remove_suffix(1);
  }
  return text;
}

template <typename T>
Outcome<T> Failed(std::string error) {
  Outcome<T> outcome;
  outcome.error = std::move(error);
  return outcome;
}

}  // namespace

std::optional<std::string> HttpResponse::Header(std::string_view lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) return value;
  }
  return std::nullopt;
}

std::vector<std::string> HttpResponse::Headers(std::string_view lower_name) const {
  std::vector<std::string> out;
  for (const auto& [name, value] : headers) {
    if (name == lower_name) out.push_back(value);
  }
  return out;
}

std::optional<Connection> Connection::Open(uint16_t port, std::string* error) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    if (error != nullptr) *error = std::string("socket: ") + std::strerror(errno);
    return std::nullopt;
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    if (error != nullptr) *error = std::string("connect: ") + std::strerror(errno);
    ::close(fd);
    return std::nullopt;
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return Connection(fd);
}

Connection::Connection(Connection&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), buffer_(std::move(other.buffer_)) {}

Connection& Connection::operator=(Connection&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    buffer_ = std::move(other.buffer_);
  }
  return *this;
}

Connection::~Connection() {
  if (fd_ >= 0) ::close(fd_);
}

bool Connection::Write(std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

bool Connection::WriteRequest(const HttpRequest& request, bool send_body) {
  std::string head = request.method + " " + request.target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  bool has_length = false;
  for (const auto& [name, value] : request.headers) {
    head += name + ": " + value + "\r\n";
    if (Lower(name) == "content-length") has_length = true;
  }
  if (!has_length && (!request.body.empty() || request.method == "POST" ||
                      request.method == "PATCH" || request.method == "PUT")) {
    head += "Content-Length: " + std::to_string(request.body.size()) + "\r\n";
  }
  head += "\r\n";
  if (!Write(head)) return false;
  return !send_body || Write(request.body);
}

bool Connection::Fill(Deadline deadline) {
  timed_out_ = false;
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out_ = true;
      return false;
    }
    pollfd p{.fd = fd_, .events = POLLIN, .revents = 0};
    int ready = ::poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) return false;
    if (ready == 0) continue;  // the loop re-checks the deadline
    char chunk[16384];
    ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    buffer_.append(chunk, static_cast<size_t>(n));
    return true;
  }
}

bool Connection::ReadLine(std::string* line, Deadline deadline) {
  while (true) {
    size_t end = buffer_.find("\r\n");
    if (end != std::string::npos) {
      *line = buffer_.substr(0, end);
      buffer_.erase(0, end + 2);
      return true;
    }
    if (!Fill(deadline)) return false;
  }
}

bool Connection::ReadExactly(size_t n, std::string* out, Deadline deadline) {
  while (buffer_.size() < n) {
    if (!Fill(deadline)) return false;
  }
  out->append(buffer_, 0, n);
  buffer_.erase(0, n);
  return true;
}

Outcome<HttpResponse> Connection::ReadHead(Deadline deadline) {
  HttpResponse response;
  std::string line;
  if (!ReadLine(&line, deadline)) {
    return Failed<HttpResponse>(timed_out_ ? "timed out waiting for a status line"
                                           : "connection closed before a status line");
  }
  // "HTTP/1.1 200 OK"
  if (!line.starts_with("HTTP/1.") || line.size() < 12) {
    return Failed<HttpResponse>("bad status line: " + line);
  }
  auto [ptr, ec] = std::from_chars(line.data() + 9, line.data() + 12, response.status);
  if (ec != std::errc()) return Failed<HttpResponse>("bad status line: " + line);
  while (true) {
    if (!ReadLine(&line, deadline)) return Failed<HttpResponse>("connection closed in headers");
    if (line.empty()) break;
    size_t colon = line.find(':');
    if (colon == std::string::npos) return Failed<HttpResponse>("bad header line: " + line);
    response.headers.emplace_back(Lower(line.substr(0, colon)),
                                  std::string(Trim(std::string_view(line).substr(colon + 1))));
  }
  return Outcome<HttpResponse>{response, {}};
}

bool Connection::ReadChunk(std::string* out, bool* last, Deadline deadline) {
  std::string size_line;
  if (!ReadLine(&size_line, deadline)) return false;
  size_t size = 0;
  auto [ptr, ec] = std::from_chars(size_line.data(), size_line.data() + size_line.size(), size, 16);
  if (ec != std::errc()) return false;
  *last = size == 0;
  if (size == 0) {
    std::string trailer;
    do {
      if (!ReadLine(&trailer, deadline)) return false;
    } while (!trailer.empty());
    return true;
  }
  if (!ReadExactly(size, out, deadline)) return false;
  std::string crlf;
  return ReadExactly(2, &crlf, deadline) && crlf == "\r\n";
}

Outcome<HttpResponse> Connection::ReadResponse(Deadline deadline, bool head_request) {
  Outcome<HttpResponse> head;
  do {
    head = ReadHead(deadline);
    if (!head) return head;
  } while (head->status >= 100 && head->status < 200);
  HttpResponse& response = *head;
  if (head_request || response.status == 204 || response.status == 304) return head;
  if (auto length = response.Header("content-length")) {
    size_t n = 0;
    auto [ptr, ec] = std::from_chars(length->data(), length->data() + length->size(), n);
    if (ec != std::errc()) return Failed<HttpResponse>("bad Content-Length: " + *length);
    if (!ReadExactly(n, &response.body, deadline)) {
      return Failed<HttpResponse>("connection closed in the body");
    }
    return head;
  }
  if (auto te = response.Header("transfer-encoding")) {
    if (Lower(*te).find("chunked") == std::string::npos) {
      return Failed<HttpResponse>("unsupported Transfer-Encoding: " + *te);
    }
    bool last = false;
    while (!last) {
      if (!ReadChunk(&response.body, &last, deadline)) {
        return Failed<HttpResponse>("bad or truncated chunked body");
      }
    }
    return head;
  }
  // No framing: the body runs to the end of the connection.
  while (Fill(deadline)) {
  }
  if (timed_out_) return Failed<HttpResponse>("timed out reading a body framed by close");
  response.body += buffer_;
  buffer_.clear();
  return head;
}

bool Connection::ReadStream(std::string* out, Deadline deadline) {
  // One chunk per call, so the caller can look at what arrived. A timeout inside a chunk
  // loses its framing; callers stop at their deadline anyway.
  bool last = false;
  if (!ReadChunk(out, &last, deadline)) return timed_out_;
  return !last;
}

Outcome<HttpResponse> Fetch(uint16_t port, HttpRequest request, std::chrono::milliseconds timeout) {
  std::string error;
  auto connection = Connection::Open(port, &error);
  if (!connection) return Failed<HttpResponse>(error);
  request.headers.emplace_back("Connection", "close");
  if (!connection->WriteRequest(request)) return Failed<HttpResponse>("cannot send the request");
  return connection->ReadResponse(In(timeout), request.method == "HEAD");
}

std::vector<SseEvent> TakeEvents(std::string* text) {
  std::vector<SseEvent> events;
  while (true) {
    size_t end = text->find("\n\n");
    if (end == std::string::npos) break;
    std::string_view block(text->data(), end);
    SseEvent event;
    bool any = false;
    while (!block.empty()) {
      size_t nl = block.find('\n');
      std::string_view line = block.substr(0, nl);
      block = nl == std::string_view::npos ? std::string_view() : block.substr(nl + 1);
      if (line.empty() || line.front() == ':') continue;  // a comment (keep-alive)
      size_t colon = line.find(':');
      std::string_view field = line.substr(0, colon);
      std::string_view value =
          colon == std::string_view::npos ? std::string_view() : line.substr(colon + 1);
      if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      if (field == "id") event.id = value, any = true;
      if (field == "event") event.event = value, any = true;
      if (field == "data") {
        if (!event.data.empty()) event.data += "\n";
        event.data += value;
        any = true;
      }
    }
    if (any && !event.data.empty()) events.push_back(std::move(event));
    text->erase(0, end + 2);
  }
  return events;
}

}  // namespace fg::test
