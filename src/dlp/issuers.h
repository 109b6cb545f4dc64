// The issuer table: which brand a card number belongs to, by prefix range and length, kept as
// data so that a new range is one line (issue 5's list). Maestro claims 50, 56-58 and any 6
// prefix that no other brand claims (60 except 6011, 63, 640-643, 66-69); the most specific
// range (the longest prefix) decides the brand, then that brand's lengths decide.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace fg::dlp {

struct IssuerRange {
  std::string_view brand;  // "visa", "mastercard", ...
  uint32_t low = 0;        // inclusive prefix range, both `digits` long
  uint32_t high = 0;
  uint8_t digits = 0;    // prefix length
  uint32_t lengths = 0;  // allowed PAN lengths: bit n set when n digits is allowed
};

std::span<const IssuerRange> Issuers();

// The range a PAN-shaped ASCII digit string belongs to, or nullptr when no range claims its
// prefix or the claiming range does not allow its length.
const IssuerRange* MatchIssuer(std::string_view digits);

}  // namespace fg::dlp
