#include "auth/totp.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>

#include <array>
#include <cstring>

#include "auth/internal/secrets.h"

namespace fg::auth::totp {

namespace {

constexpr std::string_view kBase32Upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
constexpr std::string_view kBase32Lower = "abcdefghijklmnopqrstuvwxyz234567";
constexpr size_t kSecretBytes = 20;
constexpr size_t kRecoveryChars = 12;    // 12 base32 characters: 60 bits
constexpr int64_t kModulus = 1'000'000;  // 10^kDigits

std::string Base32Encode(const unsigned char* data, size_t size, std::string_view alphabet) {
  std::string out;
  out.reserve((size * 8 + 4) / 5);
  uint32_t buffer = 0;
  int bits = 0;
  for (size_t i = 0; i < size; ++i) {
    buffer = (buffer << 8) | data[i];
    bits += 8;
    while (bits >= 5) {
      out.push_back(alphabet[(buffer >> (bits - 5)) & 0x1F]);
      bits -= 5;
    }
  }
  if (bits > 0) out.push_back(alphabet[(buffer << (5 - bits)) & 0x1F]);
  return out;
}

// RFC 4648 base32, either case, '=' padding optional; nullopt for anything else (including
// lengths no encoder produces and non-zero leftover bits).
std::optional<std::string> Base32Decode(std::string_view text) {
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  if (text.empty()) return std::nullopt;
  size_t rem = text.size() % 8;
  if (rem == 1 || rem == 3 || rem == 6) return std::nullopt;
  std::string out;
  out.reserve(text.size() * 5 / 8);
  uint32_t buffer = 0;
  int bits = 0;
  for (char ch : text) {
    int value = -1;
    if (ch >= 'A' && ch <= 'Z') value = ch - 'A';
    if (ch >= 'a' && ch <= 'z') value = ch - 'a';
    if (ch >= '2' && ch <= '7') value = ch - '2' + 26;
    if (value < 0) return std::nullopt;
    buffer = (buffer << 5) | static_cast<uint32_t>(value);
    bits += 5;
    if (bits >= 8) {
      out.push_back(static_cast<char>((buffer >> (bits - 8)) & 0xFF));
      bits -= 8;
    }
    buffer &= (1u << bits) - 1;  // keep only the bits not yet emitted
  }
  if (buffer != 0) return std::nullopt;
  return out;
}

// RFC 4226 HOTP with dynamic truncation, kDigits digits.
std::string Hotp(std::string_view key, int64_t counter) {
  std::array<unsigned char, 8> message{};
  auto value = static_cast<uint64_t>(counter);
  for (int i = 7; i >= 0; --i) {
    message[static_cast<size_t>(i)] = static_cast<unsigned char>(value & 0xFF);
    value >>= 8;
  }
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int mac_size = 0;
  if (HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()), message.data(), message.size(),
           mac.data(), &mac_size) == nullptr ||
      mac_size < 20) {
    return {};
  }
  size_t offset = mac[mac_size - 1] & 0x0F;
  uint32_t binary = (static_cast<uint32_t>(mac[offset] & 0x7F) << 24) |
                    (static_cast<uint32_t>(mac[offset + 1]) << 16) |
                    (static_cast<uint32_t>(mac[offset + 2]) << 8) |
                    static_cast<uint32_t>(mac[offset + 3]);
  sodium_memzero(mac.data(), mac.size());
  std::string code = std::to_string(binary % kModulus);
  return std::string(static_cast<size_t>(kDigits) - code.size(), '0') + code;
}

bool IsUnreserved(char ch) {
  return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
         ch == '-' || ch == '.' || ch == '_' || ch == '~';
}

std::string PercentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char ch : text) {
    if (IsUnreserved(ch)) {
      out.push_back(ch);
    } else {
      auto byte = static_cast<unsigned char>(ch);
      out.push_back('%');
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 0x0F]);
    }
  }
  return out;
}

}  // namespace

std::string GenerateSecret() {
  internal::EnsureSodium();
  std::array<unsigned char, kSecretBytes> bytes{};
  randombytes_buf(bytes.data(), bytes.size());
  std::string secret = Base32Encode(bytes.data(), bytes.size(), kBase32Upper);
  sodium_memzero(bytes.data(), bytes.size());
  return secret;
}

std::string OtpauthUri(std::string_view issuer, std::string_view account,
                       std::string_view base32_secret) {
  std::string uri = "otpauth://totp/" + PercentEncode(issuer) + ":" + PercentEncode(account);
  uri += "?secret=" + std::string(base32_secret);
  uri += "&issuer=" + PercentEncode(issuer);
  uri += "&algorithm=SHA1&digits=" + std::to_string(kDigits) +
         "&period=" + std::to_string(kStepSeconds);
  return uri;
}

int64_t StepAt(core::WallTime time) {
  int64_t seconds = std::chrono::floor<std::chrono::seconds>(time.time_since_epoch()).count();
  // Floor division: a time before 1970 (a broken clock) still maps to one step.
  int64_t step = seconds / kStepSeconds;
  if (seconds % kStepSeconds < 0) --step;
  return step;
}

std::string CodeAt(std::string_view base32_secret, int64_t step) {
  auto key = Base32Decode(base32_secret);
  if (!key) return {};
  std::string code = Hotp(*key, step);
  sodium_memzero(key->data(), key->size());
  return code;
}

std::optional<int64_t> MatchStep(std::string_view base32_secret, std::string_view code,
                                 core::WallTime now, int window) {
  if (code.size() != static_cast<size_t>(kDigits)) return std::nullopt;
  for (char ch : code) {
    if (ch < '0' || ch > '9') return std::nullopt;
  }
  auto key = Base32Decode(base32_secret);
  if (!key) return std::nullopt;
  internal::EnsureSodium();
  window = std::max(0, window);
  int64_t center = StepAt(now);
  std::optional<int64_t> matched;
  // Every step of the window is computed and compared, so the time taken does not tell
  // which step (if any) matched.
  for (int64_t step = center - window; step <= center + window; ++step) {
    std::string expected = Hotp(*key, step);
    if (expected.size() == code.size() &&
        sodium_memcmp(expected.data(), code.data(), code.size()) == 0) {
      matched = step;
    }
  }
  sodium_memzero(key->data(), key->size());
  return matched;
}

std::vector<std::string> GenerateRecoveryCodes(int count) {
  internal::EnsureSodium();
  std::vector<std::string> codes;
  for (int i = 0; i < count; ++i) {
    std::string code;
    for (size_t k = 0; k < kRecoveryChars; ++k) {
      if (k > 0 && k % 4 == 0) code.push_back('-');
      code.push_back(kBase32Lower[randombytes_uniform(32)]);
    }
    codes.push_back(std::move(code));
  }
  return codes;
}

std::string NormalizeRecoveryCode(std::string_view code) {
  std::string out;
  if (code.size() > 64) return {};
  for (char ch : code) {
    if (ch == '-' || ch == ' ') continue;
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
    if (kBase32Lower.find(ch) == std::string_view::npos) return {};
    out.push_back(ch);
  }
  if (out.size() != kRecoveryChars) return {};
  return out;
}

std::string HashRecoveryCode(std::string_view normalized_code) {
  internal::EnsureSodium();
  std::array<unsigned char, 32> hash{};
  crypto_generichash(hash.data(), hash.size(),
                     reinterpret_cast<const unsigned char*>(normalized_code.data()),
                     normalized_code.size(), nullptr, 0);
  std::string hex(hash.size() * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), hash.data(), hash.size());
  hex.pop_back();
  return hex;
}

}  // namespace fg::auth::totp
