#include "http/internal/wire.h"

#include <boost/url/parse.hpp>

namespace fg::http::internal {

namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsTokenChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  constexpr std::string_view kSymbols = "!#$%&'*+-.^_`|~";
  return kSymbols.find(c) != std::string_view::npos;
}

}  // namespace

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (Lower(a[i]) != Lower(b[i])) return false;
  }
  return true;
}

bool PercentDecode(std::string_view in, std::string& out, bool plus_is_space) {
  out.clear();
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return false;
      int high = HexValue(in[i + 1]);
      int low = HexValue(in[i + 2]);
      if (high < 0 || low < 0) return false;
      c = static_cast<char>(high * 16 + low);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      c = ' ';
    }
    if (c == '\0') return false;
    out.push_back(c);
  }
  return true;
}

bool ParseTarget(Request& request) {
  auto url = boost::urls::parse_origin_form(request.target);
  if (!url) return false;
  auto path = url->encoded_path();
  if (!PercentDecode(std::string_view(path.data(), path.size()), request.path, false)) {
    return false;
  }
  size_t count = 0;
  if (url->has_query()) {
    for (auto param : url->encoded_params()) {
      if (param.key.empty() && !param.has_value) continue;  // "a=1&&b=2"
      if (count == request.query.size()) request.query.emplace_back();
      auto& [key, value] = request.query[count++];
      if (!PercentDecode(std::string_view(param.key.data(), param.key.size()), key, true) ||
          !PercentDecode(std::string_view(param.value.data(), param.value.size()), value, true)) {
        return false;
      }
    }
  }
  request.query.resize(count);
  return true;
}

bool IsSafeHeader(std::string_view name, std::string_view value) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!IsTokenChar(c)) return false;
  }
  for (char c : value) {
    auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u == 0x7f) return false;
  }
  return true;
}

}  // namespace fg::http::internal
