#include "detect/cef.h"

#include <arpa/inet.h>

#include <string>

namespace fg::detect {

namespace {

bool IsControl(char ch) {
  auto u = static_cast<unsigned char>(ch);
  return u < 0x20 || u == 0x7f;
}

// The IP address of an "address:<ip>" source key, or empty.
std::string SourceAddress(std::string_view source) {
  constexpr std::string_view kPrefix = "address:";
  if (!source.starts_with(kPrefix)) return {};
  std::string address(source.substr(kPrefix.size()));
  unsigned char buf[16];
  if (inet_pton(AF_INET, address.c_str(), buf) == 1 ||
      inet_pton(AF_INET6, address.c_str(), buf) == 1) {
    return address;
  }
  return {};
}

}  // namespace

int CefSeverity(Severity severity) {
  switch (severity) {
    case Severity::kLow:
      return 3;
    case Severity::kMedium:
      return 5;
    case Severity::kHigh:
      return 8;
    case Severity::kCritical:
      return 10;
  }
  return 5;
}

std::string CefEscapeHeader(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    if (ch == '\\' || ch == '|') {
      out += '\\';
      out += ch;
    } else if (IsControl(ch)) {
      out += ' ';
    } else {
      out += ch;
    }
  }
  return out;
}

std::string CefEscapeExtension(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    if (ch == '\\' || ch == '=') {
      out += '\\';
      out += ch;
    } else if (ch == '\n') {
      out += "\\n";
    } else if (ch == '\r') {
      out += "\\r";
    } else if (IsControl(ch)) {
      out += ' ';
    } else {
      out += ch;
    }
  }
  return out;
}

std::string FormatCef(const Alert& alert, std::string_view version) {
  std::string out = "CEF:0|floorguard|floorguard|" + CefEscapeHeader(version) + "|" +
                    CefEscapeHeader(alert.rule) + "|" + CefEscapeHeader(alert.summary) + "|" +
                    std::to_string(CefSeverity(alert.severity)) + "|";
  auto add = [&](std::string_view key, std::string_view value) {
    if (value.empty()) return;
    if (out.back() != '|') out += ' ';
    out += key;
    out += '=';
    out += CefEscapeExtension(value);
  };
  add("externalId", std::to_string(alert.id));
  add("rt", std::to_string(core::ToUnixMicros(alert.created_at) / 1000));
  add("cat", alert.rule);
  add("act", AlertStatusName(alert.status));
  add("suser", alert.account);
  if (std::string address = SourceAddress(alert.source); !address.empty()) {
    add("src", address);
  } else if (alert.source.starts_with("station:")) {
    add("shost", std::string_view(alert.source).substr(8));
  }
  if (!alert.source.empty()) {
    add("cs1Label", "sourceKey");
    add("cs1", alert.source);
  }
  add("msg", alert.summary);
  return out;
}

}  // namespace fg::detect
