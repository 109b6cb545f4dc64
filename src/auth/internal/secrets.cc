#include "auth/internal/secrets.h"

#include <sodium.h>

#include <array>

namespace fg::auth::internal {

namespace {
constexpr size_t kSecretBytes = 32;
constexpr size_t kHashBytes = 32;
constexpr int kVariant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
}  // namespace

bool EnsureSodium() {
  static const bool ready = sodium_init() >= 0;
  return ready;
}

std::string NewSecret(std::string_view prefix) {
  EnsureSodium();
  std::array<unsigned char, kSecretBytes> bytes{};
  randombytes_buf(bytes.data(), bytes.size());
  std::array<char, sodium_base64_ENCODED_LEN(kSecretBytes, kVariant)> text{};
  sodium_bin2base64(text.data(), text.size(), bytes.data(), bytes.size(), kVariant);
  sodium_memzero(bytes.data(), bytes.size());
  std::string secret(prefix);
  secret += text.data();
  sodium_memzero(text.data(), text.size());
  return secret;
}

bool LooksLikeSecret(std::string_view text, std::string_view prefix) {
  constexpr size_t kEncoded = sodium_base64_ENCODED_LEN(kSecretBytes, kVariant) - 1;
  if (text.size() != prefix.size() + kEncoded || !text.starts_with(prefix)) return false;
  for (char ch : text.substr(prefix.size())) {
    bool ok = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
              ch == '-' || ch == '_';
    if (!ok) return false;
  }
  return true;
}

std::string SecretHash(std::string_view text) {
  EnsureSodium();
  std::string hash(kHashBytes, '\0');
  crypto_generichash(reinterpret_cast<unsigned char*>(hash.data()), hash.size(),
                     reinterpret_cast<const unsigned char*>(text.data()), text.size(), nullptr, 0);
  return hash;
}

bool SameHash(std::string_view a, std::string_view b) {
  return a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace fg::auth::internal
