// access/credential.h: the credential formats door controllers send, parsed and checked.
//
// What it decides: whether a reader's credential is well formed (length, digits, parity) and
// its normalised key, the one string a badge is stored and looked up under:
//   26-bit H10301 (8-bit facility, 16-bit card)        -> "w26:<facility>:<card>"
//   35-bit HID Corporate 1000 (12-bit company, 20-bit) -> "w35:<company>:<card>"
//   37-bit H10304 (16-bit facility, 19-bit card)       -> "w37:<facility>:<card>"
//   raw card serial (4..10 bytes)                       -> "raw:<lower-case hex>"
// Accepted text (ParseCredential):
//   "1010..."            a bit string of 26, 35 or 37 bits, first bit first
//   "26:0x181B01"        bit length, ':', hex of the whole frame (the "0x" is optional)
//   "raw:04A1B2C3D4"     a card serial in hex (also "raw:04:a1:b2:c3:d4")
//   "w26:12:34567"       a normalised key (decimal fields), as enrolment screens type it
// What it never does: throw, or accept a frame whose parity is wrong.
// Thread-safety: pure functions.
//
//   FG_ASSIGN_OR_RETURN(auto credential, access::ParseCredential("26:0x181B01"));
//   std::string key = credential.Key();  // "w26:12:3456"
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace fg::access {

enum class CredentialFormat { kWiegand26, kCorporate1000_35, kH10304_37, kRawSerial };

struct Credential {
  CredentialFormat format = CredentialFormat::kWiegand26;
  uint32_t facility = 0;  // company code for the 35-bit format
  uint32_t card = 0;
  std::string serial_hex;  // kRawSerial only: lower-case hex, 8..20 digits

  std::string Key() const;
};

// Longest credential text accepted; anything longer is refused before parsing.
inline constexpr size_t kMaxCredentialText = 128;

// A frame given as its bits, first transmitted bit first.
Result<Credential> ParseWiegandBits(std::string_view bits);
// A frame given as a number in hex holding `bit_length` bits (26, 35 or 37).
Result<Credential> ParseWiegandHex(std::string_view hex, int bit_length);
// A card serial in hex, 4..10 bytes; ':' or '-' between bytes allowed.
Result<Credential> ParseRawSerial(std::string_view hex);
// Any of the accepted text forms above. Errors are InvalidArgument on field "credential".
Result<Credential> ParseCredential(std::string_view text);

// Encodes a frame as its bit string (for tests, simulators and the fuzz target).
std::string EncodeWiegandBits(CredentialFormat format, uint32_t facility, uint32_t card);

}  // namespace fg::access
