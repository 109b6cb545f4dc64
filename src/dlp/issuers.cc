#include "dlp/issuers.h"

namespace fg::dlp {
namespace {

constexpr uint32_t Lengths(int low, int high) {
  uint32_t mask = 0;
  for (int n = low; n <= high; ++n) mask |= 1u << n;
  return mask;
}
constexpr uint32_t Length(int n) { return 1u << n; }

constexpr IssuerRange kIssuers[] = {
    {"visa", 4, 4, 1, Length(13) | Length(16) | Length(19)},
    {"mastercard", 51, 55, 2, Length(16)},
    {"mastercard", 2221, 2720, 4, Length(16)},
    {"amex", 34, 34, 2, Length(15)},
    {"amex", 37, 37, 2, Length(15)},
    {"discover", 6011, 6011, 4, Lengths(16, 19)},
    {"discover", 644, 649, 3, Lengths(16, 19)},
    {"discover", 65, 65, 2, Lengths(16, 19)},
    {"discover", 622126, 622925, 6, Lengths(16, 19)},
    {"jcb", 3528, 3589, 4, Lengths(16, 19)},
    {"unionpay", 62, 62, 2, Lengths(16, 19)},
    {"diners", 300, 305, 3, Lengths(14, 19)},
    {"diners", 3095, 3095, 4, Lengths(14, 19)},
    {"diners", 36, 36, 2, Lengths(14, 19)},
    {"diners", 38, 39, 2, Lengths(14, 19)},
    {"maestro", 50, 50, 2, Lengths(12, 19)},
    {"maestro", 56, 58, 2, Lengths(12, 19)},
    {"maestro", 6, 6, 1, Lengths(12, 19)},
    {"mir", 2200, 2204, 4, Lengths(16, 19)},
};

}  // namespace

std::span<const IssuerRange> Issuers() { return kIssuers; }

const IssuerRange* MatchIssuer(std::string_view digits) {
  const IssuerRange* best = nullptr;
  for (const IssuerRange& range : kIssuers) {
    if (digits.size() < range.digits) continue;
    uint32_t prefix = 0;
    for (size_t i = 0; i < range.digits; ++i) prefix = prefix * 10 + uint32_t(digits[i] - '0');
    if (prefix < range.low || prefix > range.high) continue;
    if (best == nullptr || range.digits > best->digits) best = &range;
  }
  if (best == nullptr || digits.size() >= 32 || !(best->lengths & (1u << digits.size()))) {
    return nullptr;
  }
  return best;
}

}  // namespace fg::dlp
