#include "http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <stdexcept>

namespace fg::testing {

namespace {

int Connect(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot connect");
  }
  return fd;
}

void WriteAll(int fd, const std::string& data) {
  size_t sent = 0;
  while (sent < data.size()) {
    ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;  // the server may close early (413): read what it answered
    sent += static_cast<size_t>(n);
  }
}

std::string Lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

std::string HttpResult::Header(const std::string& name) const {
  auto it = headers.find(Lower(name));
  return it == headers.end() ? "" : it->second;
}

std::string HttpClient::Cookie(const std::string& name) const {
  auto it = cookies_.find(name);
  return it == cookies_.end() ? "" : it->second;
}

HttpResult HttpClient::Send(const std::string& method, const std::string& target,
                            const std::string& body,
                            std::vector<std::pair<std::string, std::string>> headers) {
  std::string request =
      method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  if (!cookies_.empty()) {
    std::string cookie;
    for (const auto& [k, v] : cookies_) cookie += (cookie.empty() ? "" : "; ") + k + "=" + v;
    request += "Cookie: " + cookie + "\r\n";
  }
  for (const auto& [k, v] : headers) request += k + ": " + v + "\r\n";
  if (!body.empty() || method == "POST" || method == "PATCH" || method == "PUT") {
    request +=
        "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  }
  request += "\r\n" + body;
  int fd = Connect(port_);
  WriteAll(fd, request);
  std::string raw;
  char buf[65536];
  while (true) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    raw.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);

  HttpResult result;
  size_t header_end = raw.find("\r\n\r\n");
  if (header_end == std::string::npos || raw.size() < 12) return result;
  result.status = std::stoi(raw.substr(9, 3));
  size_t pos = raw.find("\r\n") + 2;
  while (pos < header_end) {
    size_t eol = raw.find("\r\n", pos);
    std::string line = raw.substr(pos, eol - pos);
    size_t colon = line.find(':');
    if (colon != std::string::npos) {
      std::string name = Lower(line.substr(0, colon));
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      result.headers.emplace(name, value);
      if (name == "set-cookie") {
        size_t eq = value.find('=');
        size_t semi = value.find(';');
        std::string cname = value.substr(0, eq);
        std::string cvalue = value.substr(eq + 1, semi == std::string::npos ? semi : semi - eq - 1);
        if (value.find("Max-Age=0") != std::string::npos || cvalue.empty()) {
          cookies_.erase(cname);
        } else {
          cookies_[cname] = cvalue;
        }
      }
    }
    pos = eol + 2;
  }
  result.body = raw.substr(header_end + 4);
  return result;
}

HttpResult HttpClient::Call(const std::string& method, const std::string& target,
                            const std::string& body) {
  std::vector<std::pair<std::string, std::string>> headers;
  if (method != "GET" && !Cookie("csrf").empty())
    headers.emplace_back("X-CSRF-Token", Cookie("csrf"));
  return Send(method, target, body, headers);
}

std::string HttpClient::ReadStream(const std::string& target, int millis,
                                   const std::function<void()>& trigger) {
  int fd = Connect(port_);
  std::string cookie;
  for (const auto& [k, v] : cookies_) cookie += (cookie.empty() ? "" : "; ") + k + "=" + v;
  WriteAll(fd, "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: " + cookie + "\r\n\r\n");
  std::string raw;
  char buf[65536];
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(millis);
  bool triggered = false;
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 50) > 0) {
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      raw.append(buf, static_cast<size_t>(n));
    }
    if (!triggered && raw.find("\r\n\r\n") != std::string::npos) {
      triggered = true;
      trigger();
    }
    if (triggered && raw.find("event: audit") != std::string::npos) break;
  }
  ::close(fd);
  return raw;
}

}  // namespace fg::testing
