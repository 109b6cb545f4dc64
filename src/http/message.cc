#include "http/message.h"

#include <algorithm>

#include "http/internal/wire.h"

namespace fg::http {

namespace {

using internal::EqualsIgnoreCase;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string_view MethodName(Method method) {
  switch (method) {
    case Method::kGet:
      return "GET";
    case Method::kHead:
      return "HEAD";
    case Method::kPost:
      return "POST";
    case Method::kPut:
      return "PUT";
    case Method::kPatch:
      return "PATCH";
    case Method::kDelete:
      return "DELETE";
    case Method::kOptions:
      return "OPTIONS";
    case Method::kOther:
      return "OTHER";
  }
  return "OTHER";
}

std::optional<std::string_view> Request::Header(std::string_view lower_name) const {
  for (const auto& [name, value] : headers) {
    if (EqualsIgnoreCase(name, lower_name)) return std::string_view(value);
  }
  return std::nullopt;
}

std::optional<std::string_view> Request::Query(std::string_view name) const {
  for (const auto& [key, value] : query) {
    if (key == name) return std::string_view(value);
  }
  return std::nullopt;
}

// RFC 6265 section 4.2.1, read leniently: pairs split by ';', optional whitespace around
// names and values, values optionally in double quotes. Pairs without '=' are skipped.
std::optional<std::string> Request::Cookie(std::string_view name) const {
  if (name.empty()) return std::nullopt;
  for (const auto& [header, value] : headers) {
    if (!EqualsIgnoreCase(header, "cookie")) continue;
    std::string_view rest = value;
    while (!rest.empty()) {
      size_t end = rest.find(';');
      std::string_view pair = rest.substr(0, end);
      rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
      size_t eq = pair.find('=');
      if (eq == std::string_view::npos) continue;
      if (Trim(pair.substr(0, eq)) != name) continue;
      std::string_view v = Trim(pair.substr(eq + 1));
      if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
      return std::string(v);
    }
  }
  return std::nullopt;
}

Response Response::Json(int status, std::string body) {
  return Text(status, std::move(body), "application/json");
}

Response Response::Text(int status, std::string body, std::string content_type) {
  Response response;
  response.status = status;
  response.headers.emplace_back("Content-Type", std::move(content_type));
  response.body = std::move(body);
  return response;
}

Response Response::Empty(int status) {
  Response response;
  response.status = status;
  return response;
}

void Response::SetHeader(std::string name, std::string value) {
  auto same = [&name](const auto& header) { return EqualsIgnoreCase(header.first, name); };
  auto it = std::find_if(headers.begin(), headers.end(), same);
  if (it == headers.end()) {
    headers.emplace_back(std::move(name), std::move(value));
    return;
  }
  headers.erase(std::remove_if(std::next(it), headers.end(), same), headers.end());
  it->first = std::move(name);
  it->second = std::move(value);
}

}  // namespace fg::http
