// Text helpers private to detect.
#pragma once

#include <string>
#include <string_view>

namespace fg::detect::internal {

inline std::string LowerAscii(std::string_view text) {
  std::string out(text);
  for (char& ch : out) {
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
  }
  return out;
}

// Untrusted names (from syslog) in a sentence: control characters become '?', and the text is
// cut at 128 bytes so one name cannot swamp a summary.
inline std::string Printable(std::string_view text) {
  constexpr size_t kMax = 128;
  std::string out;
  for (char ch : text.substr(0, kMax)) {
    auto u = static_cast<unsigned char>(ch);
    out += (u < 0x20 || u == 0x7f) ? '?' : ch;
  }
  if (text.size() > kMax) out += "...";
  return out;
}

}  // namespace fg::detect::internal
