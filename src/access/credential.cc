// Wiegand layouts after HID's format documents (as transcribed by Proxmark3's
// wiegand_formats.c). Bit positions are counted from the first transmitted bit.
#include "access/credential.h"

#include <bit>
#include <charconv>

namespace fg::access {

namespace {

constexpr std::string_view kField = "credential";

// The frame as an integer: the first bit is the most significant.
struct Frame {
  uint64_t value = 0;
  int length = 0;

  uint32_t Bit(int position) const {
    return static_cast<uint32_t>((value >> (length - 1 - position)) & 1);
  }
  uint32_t Field(int first, int count) const {
    return static_cast<uint32_t>((value >> (length - first - count)) & ((1ULL << count) - 1));
  }
};

uint32_t Ones(uint64_t x) { return static_cast<uint32_t>(std::popcount(x)); }
// The bit that makes the count of ones even / odd.
uint32_t EvenParity(uint64_t x) { return Ones(x) & 1; }
uint32_t OddParity(uint64_t x) { return EvenParity(x) ^ 1; }

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Result<Credential> Decode(const Frame& f) {
  Credential c;
  switch (f.length) {
    case 26: {
      if (f.Bit(0) != EvenParity(f.Field(1, 12)) || f.Bit(25) != OddParity(f.Field(13, 12))) {
        return InvalidArgument(std::string(kField), "26-bit frame fails its parity check");
      }
      c.format = CredentialFormat::kWiegand26;
      c.facility = f.Field(1, 8);
      c.card = f.Field(9, 16);
      return c;
    }
    case 35: {
      const uint64_t bot = f.value & 0xFFFFFFFFULL;
      const uint64_t mid = f.value >> 32;
      const bool ok = ((mid >> 1) & 1) == EvenParity((mid & 0x1) ^ (bot & 0xB6DB6DB6ULL)) &&
                      (bot & 1) == OddParity((mid & 0x3) ^ (bot & 0x6DB6DB6CULL)) &&
                      ((mid >> 2) & 1) == OddParity((mid & 0x3) ^ bot);
      if (!ok) {
        return InvalidArgument(std::string(kField),
                               "35-bit Corporate 1000 frame fails its parity check");
      }
      c.format = CredentialFormat::kCorporate1000_35;
      c.facility = f.Field(2, 12);
      c.card = f.Field(14, 20);
      return c;
    }
    case 37: {
      if (f.Bit(0) != EvenParity(f.Field(1, 18)) || f.Bit(36) != OddParity(f.Field(18, 18))) {
        return InvalidArgument(std::string(kField), "37-bit H10304 frame fails its parity check");
      }
      c.format = CredentialFormat::kH10304_37;
      c.facility = f.Field(1, 16);
      c.card = f.Field(17, 19);
      return c;
    }
    default:
      return InvalidArgument(
          std::string(kField),
          "a Wiegand frame must be 26, 35 or 37 bits, not " + std::to_string(f.length));
  }
}

bool ParseDecimal(std::string_view text, uint32_t* out) {
  if (text.empty() || text.size() > 10) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size();
}

Result<Credential> ParseKey(std::string_view text) {
  CredentialFormat format;
  uint32_t facility_max, card_max;
  if (text.starts_with("w26:")) {
    format = CredentialFormat::kWiegand26, facility_max = 0xFF, card_max = 0xFFFF;
  } else if (text.starts_with("w35:")) {
    format = CredentialFormat::kCorporate1000_35, facility_max = 0xFFF, card_max = 0xFFFFF;
  } else {
    format = CredentialFormat::kH10304_37, facility_max = 0xFFFF, card_max = 0x7FFFF;
  }
  std::string_view rest = text.substr(4);
  const size_t colon = rest.find(':');
  uint32_t facility = 0, card = 0;
  if (colon == std::string_view::npos || !ParseDecimal(rest.substr(0, colon), &facility) ||
      !ParseDecimal(rest.substr(colon + 1), &card)) {
    return InvalidArgument(std::string(kField), "a key must read wNN:<facility>:<card> in decimal");
  }
  if (facility > facility_max) {
    return InvalidArgument(std::string(kField), "facility code out of range for the format");
  }
  if (card > card_max) {
    return InvalidArgument(std::string(kField), "card number out of range for the format");
  }
  return Credential{.format = format, .facility = facility, .card = card};
}

}  // namespace

std::string Credential::Key() const {
  switch (format) {
    case CredentialFormat::kWiegand26:
      return "w26:" + std::to_string(facility) + ":" + std::to_string(card);
    case CredentialFormat::kCorporate1000_35:
      return "w35:" + std::to_string(facility) + ":" + std::to_string(card);
    case CredentialFormat::kH10304_37:
      return "w37:" + std::to_string(facility) + ":" + std::to_string(card);
    case CredentialFormat::kRawSerial:
      return "raw:" + serial_hex;
  }
  return {};
}

Result<Credential> ParseWiegandBits(std::string_view bits) {
  if (bits.size() != 26 && bits.size() != 35 && bits.size() != 37) {
    return InvalidArgument(
        std::string(kField),
        "a Wiegand bit string must be 26, 35 or 37 bits, not " + std::to_string(bits.size()));
  }
  Frame f{.length = static_cast<int>(bits.size())};
  for (char b : bits) {
    if (b != '0' && b != '1') {
      return InvalidArgument(std::string(kField), "a bit string holds only 0 and 1");
    }
    f.value = (f.value << 1) | static_cast<uint64_t>(b - '0');
  }
  return Decode(f);
}

Result<Credential> ParseWiegandHex(std::string_view hex, int bit_length) {
  if (bit_length != 26 && bit_length != 35 && bit_length != 37) {
    return InvalidArgument(std::string(kField), "bit length must be 26, 35 or 37");
  }
  if (hex.starts_with("0x") || hex.starts_with("0X")) hex.remove_prefix(2);
  if (hex.empty() || hex.size() > 16) {
    return InvalidArgument(std::string(kField), "hex frame must have 1..16 digits");
  }
  Frame f{.length = bit_length};
  for (char ch : hex) {
    const int d = HexDigit(ch);
    if (d < 0) return InvalidArgument(std::string(kField), "not a hex digit in the frame");
    f.value = (f.value << 4) | static_cast<uint64_t>(d);
  }
  if (f.value >> bit_length) {
    return InvalidArgument(std::string(kField),
                           "hex value does not fit in " + std::to_string(bit_length) + " bits");
  }
  return Decode(f);
}

Result<Credential> ParseRawSerial(std::string_view hex) {
  std::string digits;
  for (char ch : hex) {
    if (ch == ':' || ch == '-') continue;
    const int d = HexDigit(ch);
    if (d < 0) return InvalidArgument(std::string(kField), "not a hex digit in the card serial");
    digits.push_back("0123456789abcdef"[d]);
    if (digits.size() > 20) break;
  }
  if (digits.size() % 2 != 0 || digits.size() < 8 || digits.size() > 20) {
    return InvalidArgument(std::string(kField), "a card serial is 4..10 bytes in hex");
  }
  return Credential{.format = CredentialFormat::kRawSerial, .serial_hex = std::move(digits)};
}

Result<Credential> ParseCredential(std::string_view text) {
  if (text.empty()) return InvalidArgument(std::string(kField), "is empty");
  if (text.size() > kMaxCredentialText) {
    return InvalidArgument(std::string(kField),
                           "is longer than " + std::to_string(kMaxCredentialText));
  }
  if (text.starts_with("raw:")) return ParseRawSerial(text.substr(4));
  if (text.starts_with("w26:") || text.starts_with("w35:") || text.starts_with("w37:")) {
    return ParseKey(text);
  }
  if (text.size() > 3 && text[2] == ':') {
    const std::string_view length = text.substr(0, 2);
    const int bits = length == "26" ? 26 : length == "35" ? 35 : length == "37" ? 37 : 0;
    if (bits == 0) return InvalidArgument(std::string(kField), "bit length must be 26, 35 or 37");
    return ParseWiegandHex(text.substr(3), bits);
  }
  if (text.find_first_not_of("01") == std::string_view::npos) return ParseWiegandBits(text);
  return InvalidArgument(std::string(kField),
                         "expected a bit string, NN:<hex>, raw:<hex> or wNN:<facility>:<card>");
}

std::string EncodeWiegandBits(CredentialFormat format, uint32_t facility, uint32_t card) {
  int length = 0;
  uint64_t v = 0;
  switch (format) {
    case CredentialFormat::kWiegand26: {
      length = 26;
      v = (uint64_t{facility & 0xFF} << 17) | (uint64_t{card & 0xFFFF} << 1);
      Frame f{.value = v, .length = 26};
      v |= uint64_t{EvenParity(f.Field(1, 12))} << 25;
      v |= OddParity(f.Field(13, 12));
      break;
    }
    case CredentialFormat::kCorporate1000_35: {
      length = 35;
      uint64_t bot = (uint64_t{card & 0xFFFFF} << 1) | (uint64_t{facility & 0x7FF} << 21);
      uint64_t mid = (facility & 0x800) >> 11;
      mid |= uint64_t{EvenParity((mid & 0x1) ^ (bot & 0xB6DB6DB6ULL))} << 1;
      bot |= OddParity((mid & 0x3) ^ (bot & 0x6DB6DB6CULL));
      mid |= uint64_t{OddParity((mid & 0x3) ^ bot)} << 2;
      v = (mid << 32) | bot;
      break;
    }
    case CredentialFormat::kH10304_37: {
      length = 37;
      v = (uint64_t{facility & 0xFFFF} << 20) | (uint64_t{card & 0x7FFFF} << 1);
      Frame f{.value = v, .length = 37};
      v |= uint64_t{EvenParity(f.Field(1, 18))} << 36;
      v |= OddParity(f.Field(18, 18));
      break;
    }
    case CredentialFormat::kRawSerial:
      return {};
  }
  std::string bits(static_cast<size_t>(length), '0');
  for (int i = 0; i < length; ++i) bits[i] = ((v >> (length - 1 - i)) & 1) ? '1' : '0';
  return bits;
}

}  // namespace fg::access
