// A small blocking HTTP/1.1 client over a real TCP socket, for integration tests only.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace fg::testing {

struct HttpResult {
  int status = 0;
  std::multimap<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string Header(const std::string& name) const;
  nlohmann::json Json() const { return nlohmann::json::parse(body, nullptr, false); }
};

class HttpClient {
 public:
  explicit HttpClient(uint16_t port) : port_(port) {}
  // Cookies from Set-Cookie are kept and sent back, like a browser.
  HttpResult Send(const std::string& method, const std::string& target,
                  const std::string& body = "",
                  std::vector<std::pair<std::string, std::string>> headers = {});
  // Sends the csrf cookie back in X-CSRF-Token for unsafe methods.
  HttpResult Call(const std::string& method, const std::string& target,
                  const std::string& body = "");
  std::string Cookie(const std::string& name) const;
  void ClearCookies() { cookies_.clear(); }
  // Opens a stream and returns everything read within `millis` after `trigger` ran.
  std::string ReadStream(const std::string& target, int millis,
                         const std::function<void()>& trigger);

 private:
  uint16_t port_;
  std::map<std::string, std::string> cookies_;
};

}  // namespace fg::testing
