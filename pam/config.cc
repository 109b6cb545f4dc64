#include "pam/config.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <charconv>

#include "pam/secure.h"

namespace fg::pam {

namespace {

constexpr size_t kMaxFileBytes = 64 * 1024;
constexpr size_t kMaxTokenBytes = 512;
constexpr long kMinTimeoutMs = 100;
constexpr long kMaxTimeoutMs = 60000;

std::string_view Trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return text;
}

tl::unexpected<Error> LineError(std::string_view name, int line, std::string_view message) {
  return MakeError(ErrorCode::kInvalidArgument,
                   std::string(name) + ":" + std::to_string(line) + ": " + std::string(message));
}

bool IsLoopbackHost(std::string_view host) {
  if (host == "localhost" || host == "::1") return true;
  in_addr v4{};
  std::string text(host);
  if (::inet_pton(AF_INET, text.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  return false;
}

bool IsHostNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-';
}

// Reads a whole regular file that `ownership.owner` owns, refusing group/other write (and any
// group/other bit at all when `secret`).
Result<std::string> ReadProtectedFile(const std::string& path, Ownership ownership, bool secret) {
  int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    return MakeError(ErrorCode::kUnavailable, path + ": cannot open: " + ::strerror(errno));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return MakeError(ErrorCode::kInvalidArgument, path + ": not a regular file");
  }
  if (st.st_uid != ownership.owner) {
    ::close(fd);
    return MakeError(ErrorCode::kPermissionDenied,
                     path + ": must be owned by uid " + std::to_string(ownership.owner));
  }
  if (secret && (st.st_mode & 077) != 0) {
    ::close(fd);
    return MakeError(ErrorCode::kPermissionDenied,
                     path +
                         ": holds a token, so it must not be readable by group or others "
                         "(chmod 0600)");
  }
  if ((st.st_mode & 022) != 0) {
    ::close(fd);
    return MakeError(ErrorCode::kPermissionDenied,
                     path + ": must not be writable by group or others");
  }
  if (st.st_size < 0 || static_cast<size_t>(st.st_size) > kMaxFileBytes) {
    ::close(fd);
    return MakeError(ErrorCode::kInvalidArgument, path + ": larger than 64 KiB");
  }
  std::string text(kMaxFileBytes + 1, '\0');
  size_t used = 0;
  while (used < text.size()) {
    ssize_t n = ::read(fd, text.data() + used, text.size() - used);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int saved = errno;
      ::close(fd);
      Wipe(text);
      return MakeError(ErrorCode::kUnavailable, path + ": cannot read: " + ::strerror(saved));
    }
    if (n == 0) break;
    used += static_cast<size_t>(n);
  }
  ::close(fd);
  if (used > kMaxFileBytes) {
    Wipe(text);
    return MakeError(ErrorCode::kInvalidArgument, path + ": larger than 64 KiB");
  }
  std::string out(text.data(), used);
  Wipe(text);
  return out;
}

}  // namespace

bool LooksLikeToken(std::string_view token) {
  if (!token.starts_with("fgd_") || token.size() <= 4 || token.size() > kMaxTokenBytes) {
    return false;
  }
  for (char c : token) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') return false;
  }
  return true;
}

Result<std::string> CheckUrl(std::string_view url) {
  bool tls = false;
  std::string_view rest;
  if (url.starts_with("https://")) {
    tls = true;
    rest = url.substr(8);
  } else if (url.starts_with("http://")) {
    rest = url.substr(7);
  } else {
    return InvalidArgument("url", "must start with https:// (or http:// to a loopback host)");
  }
  for (char c : rest) {
    if (std::iscntrl(static_cast<unsigned char>(c)) ||
        std::isspace(static_cast<unsigned char>(c)) || c == '?' || c == '#' || c == '@' ||
        c == '\\') {
      return InvalidArgument("url",
                             "must be scheme://host[:port][/prefix] without user, query, "
                             "fragment or spaces");
    }
  }
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
  std::string_view host;
  std::string_view port;
  if (authority.starts_with("[")) {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return InvalidArgument("url", "unclosed [ in the host");
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (!after.starts_with(":")) return InvalidArgument("url", "junk after the IPv6 host");
      port = after.substr(1);
    }
    in6_addr v6{};
    if (::inet_pton(AF_INET6, std::string(host).c_str(), &v6) != 1) {
      return InvalidArgument("url", "bad IPv6 address");
    }
  } else {
    size_t colon = authority.find(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
    for (char c : host) {
      if (!IsHostNameChar(c)) return InvalidArgument("url", "bad character in the host name");
    }
  }
  if (host.empty()) return InvalidArgument("url", "has no host");
  if (authority.find(':') != std::string_view::npos && !authority.starts_with("[") &&
      port.empty()) {
    return InvalidArgument("url", "empty port");
  }
  if (!port.empty()) {
    int number = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), number);
    if (ec != std::errc() || end != port.data() + port.size() || number < 1 || number > 65535) {
      return InvalidArgument("url", "port must be 1..65535");
    }
  }
  if (!tls && !IsLoopbackHost(host)) {
    return InvalidArgument("url", "plain http:// is allowed only to a loopback host; use https://");
  }
  while (path.ends_with("/")) path.remove_suffix(1);
  std::string out(url.substr(0, url.size() - rest.size()));
  out += authority;
  out += path;
  return out;
}

Result<Config> ParseConfig(std::string_view text, std::string_view name) {
  Config config;
  bool seen_url = false, seen_token = false, seen_token_file = false, seen_ca = false,
       seen_timeout = false;
  int line_number = 0;
  while (!text.empty()) {
    ++line_number;
    size_t newline = text.find('\n');
    std::string_view line = text.substr(0, newline);
    text = newline == std::string_view::npos ? std::string_view() : text.substr(newline + 1);
    line = Trim(line);
    if (line.empty() || line.front() == '#') continue;
    size_t equals = line.find('=');
    if (equals == std::string_view::npos) {
      return LineError(name, line_number, "expected 'key = value'");
    }
    std::string_view key = Trim(line.substr(0, equals));
    std::string_view value = Trim(line.substr(equals + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    auto once = [&](bool& seen) -> Result<void> {
      if (seen) return LineError(name, line_number, std::string(key) + ": given twice");
      seen = true;
      if (value.empty()) return LineError(name, line_number, std::string(key) + ": empty value");
      return {};
    };
    if (key == "url") {
      FG_RETURN_IF_ERROR(once(seen_url));
      auto url = CheckUrl(value);
      if (!url) return LineError(name, line_number, "url: " + url.error().message);
      config.url = std::move(*url);
    } else if (key == "token") {
      FG_RETURN_IF_ERROR(once(seen_token));
      // The value is never echoed: it is a secret even when malformed.
      if (!LooksLikeToken(value)) {
        return LineError(name, line_number, "token: not a floorguard device token (fgd_...)");
      }
      config.token = std::string(value);
    } else if (key == "token_file") {
      FG_RETURN_IF_ERROR(once(seen_token_file));
      if (!value.starts_with("/")) {
        return LineError(name, line_number, "token_file: must be an absolute path");
      }
      config.token_file = std::string(value);
    } else if (key == "ca_file") {
      FG_RETURN_IF_ERROR(once(seen_ca));
      if (!value.starts_with("/")) {
        return LineError(name, line_number, "ca_file: must be an absolute path");
      }
      config.ca_file = std::string(value);
    } else if (key == "timeout_ms") {
      FG_RETURN_IF_ERROR(once(seen_timeout));
      long number = 0;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), number);
      if (ec != std::errc() || end != value.data() + value.size() || number < kMinTimeoutMs ||
          number > kMaxTimeoutMs) {
        return LineError(name, line_number, "timeout_ms: must be a number from 100 to 60000");
      }
      config.timeout_ms = number;
    } else {
      return LineError(name, line_number, "unknown key '" + std::string(key) + "'");
    }
  }
  if (!seen_url) return LineError(name, line_number, "url: is required");
  if (seen_token == seen_token_file) {
    return LineError(name, line_number, "give exactly one of token and token_file");
  }
  if (!config.ca_file.empty() && config.url.starts_with("http://")) {
    return LineError(name, line_number, "ca_file: given, but url is plain http://");
  }
  return config;
}

Result<Config> LoadConfig(const std::string& path, Ownership ownership) {
  // First pass without the secrecy check, to learn whether the file holds the token itself.
  FG_ASSIGN_OR_RETURN(std::string text, ReadProtectedFile(path, ownership, /*secret=*/false));
  size_t slash = path.rfind('/');
  std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  Result<Config> config = ParseConfig(text, name);
  Wipe(text);
  if (!config) return config;
  if (!config->token.empty()) {
    FG_ASSIGN_OR_RETURN(std::string again, ReadProtectedFile(path, ownership, /*secret=*/true));
    Wipe(again);
    return config;
  }
  FG_ASSIGN_OR_RETURN(std::string token_text,
                      ReadProtectedFile(config->token_file, ownership, /*secret=*/true));
  std::string_view token = Trim(token_text);
  if (!LooksLikeToken(token)) {
    Wipe(token_text);
    return MakeError(ErrorCode::kInvalidArgument,
                     config->token_file + ": does not hold one floorguard device token (fgd_...)");
  }
  config->token = std::string(token);
  Wipe(token_text);
  return config;
}

}  // namespace fg::pam
