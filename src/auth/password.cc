#include "auth/password.h"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "auth/internal/common_passwords.h"
#include "auth/internal/secrets.h"

namespace fg::auth {

namespace {

std::string AsciiLower(std::string_view text) {
  std::string out(text);
  for (char& ch : out) {
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
  }
  return out;
}

bool HasControlCharacter(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char ch) {
    auto byte = static_cast<unsigned char>(ch);
    return byte < 0x20 || byte == 0x7f;
  });
}

// "aaaaaaaaaaaa", "abcabcabcabc", "123412341234": one short unit over and over.
bool IsRepeatedPattern(std::string_view text) {
  for (size_t unit = 1; unit <= text.size() / 2; ++unit) {
    if (text.size() % unit != 0) continue;
    bool repeated = true;
    for (size_t i = unit; i < text.size() && repeated; ++i) repeated = text[i] == text[i - unit];
    if (repeated) return true;
  }
  return false;
}

// "abcdefghijkl", "987654321098": each character one step from the last, digits wrapping.
bool IsSequence(std::string_view lower) {
  auto step = [](char a, char b) -> int {
    bool digits = a >= '0' && a <= '9' && b >= '0' && b <= '9';
    int d = b - a;
    if (digits && d == -9) return 1;
    if (digits && d == 9) return -1;
    return d;
  };
  if (lower.size() < 2) return false;
  int first = step(lower[0], lower[1]);
  if (first != 1 && first != -1) return false;
  for (size_t i = 2; i < lower.size(); ++i) {
    if (step(lower[i - 1], lower[i]) != first) return false;
  }
  return true;
}

// "Anne-Marie O'Neill" -> "Anne", "Marie", "Neill": the parts of 3+ code points.
std::vector<std::string_view> NameParts(std::string_view name) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t i = 0; i <= name.size(); ++i) {
    bool separator = i == name.size() || name[i] == ' ' || name[i] == '-' || name[i] == '\'' ||
                     name[i] == '\t' || name.substr(i).starts_with("\u2019");
    if (!separator) continue;
    std::string_view part = name.substr(start, i - start);
    if (CountCodePoints(part) >= 3) parts.push_back(part);
    if (i < name.size() && name.substr(i).starts_with("\u2019")) i += 2;  // 3-byte apostrophe
    start = i + 1;
  }
  return parts;
}

tl::unexpected<Error> Rejected(std::string message) {
  return InvalidArgument("password", std::move(message));
}

// No look-alikes: 0/O/o, 1/l/I are left out so a password read aloud or from paper survives.
constexpr std::string_view kTemporaryAlphabet =
    "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789";
constexpr size_t kTemporaryLength = 20;

}  // namespace

int64_t CountCodePoints(std::string_view text) {
  int64_t count = 0;
  size_t i = 0;
  while (i < text.size()) {
    auto lead = static_cast<unsigned char>(text[i]);
    size_t len = 0;
    uint32_t cp = 0;
    if (lead < 0x80) {
      len = 1;
      cp = lead;
    } else if ((lead & 0xE0) == 0xC0) {
      len = 2;
      cp = lead & 0x1F;
    } else if ((lead & 0xF0) == 0xE0) {
      len = 3;
      cp = lead & 0x0F;
    } else if ((lead & 0xF8) == 0xF0) {
      len = 4;
      cp = lead & 0x07;
    } else {
      return -1;
    }
    if (i + len > text.size()) return -1;
    for (size_t k = 1; k < len; ++k) {
      auto cont = static_cast<unsigned char>(text[i + k]);
      if ((cont & 0xC0) != 0x80) return -1;
      cp = (cp << 6) | (cont & 0x3F);
    }
    // Overlong forms, surrogates and values beyond Unicode are not UTF-8.
    static constexpr std::array<uint32_t, 5> kMinForLength = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMinForLength[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return -1;
    i += len;
    ++count;
  }
  return count;
}

Result<void> CheckPasswordPolicy(std::string_view password, const PolicyContext& context) {
  int64_t length = CountCodePoints(password);
  if (length < 0) return Rejected("must be valid UTF-8 text");
  if (HasControlCharacter(password)) return Rejected("must not contain control characters");
  if (length < static_cast<int64_t>(kMinPasswordLength)) {
    return Rejected("must be at least " + std::to_string(kMinPasswordLength) +
                    " characters long; a passphrase of several words is easiest to remember");
  }
  if (length > static_cast<int64_t>(kMaxPasswordLength)) {
    return Rejected("must be at most " + std::to_string(kMaxPasswordLength) + " characters long");
  }
  std::string lower = AsciiLower(password);
  if (CountCodePoints(context.username) >= 3 &&
      lower.find(AsciiLower(context.username)) != std::string::npos) {
    return Rejected("must not contain the username");
  }
  for (std::string_view part : NameParts(context.person_name)) {
    if (lower.find(AsciiLower(part)) != std::string::npos) {
      return Rejected("must not contain your name");
    }
  }
  if (IsRepeatedPattern(lower)) return Rejected("must not be one short pattern repeated");
  if (IsSequence(lower)) return Rejected("must not be a simple sequence of characters");
  if (internal::IsCommonPassword(lower)) {
    return Rejected("is a commonly used password; choose something less predictable");
  }
  if (context.extra != nullptr && context.extra->Matches(lower)) {
    return Rejected("is on this installation's list of forbidden passwords");
  }
  return {};
}

Result<void> CheckPasswordPolicy(std::string_view password, std::string_view username) {
  return CheckPasswordPolicy(password, PolicyContext{.username = username});
}

Result<std::string> HashPassword(std::string_view password, const PasswordParams& params) {
  if (!internal::EnsureSodium()) return Internal("libsodium failed to initialise");
  std::array<char, crypto_pwhash_STRBYTES> out{};
  if (crypto_pwhash_str_alg(out.data(), password.data(), password.size(), params.iterations,
                            params.memory_bytes, crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return Internal("Argon2id hashing failed (out of memory?)");
  }
  return std::string(out.data());
}

bool VerifyPassword(std::string_view hash, std::string_view password) {
  // libsodium wants a NUL-terminated hash; a stored value longer than a hash is not one.
  if (hash.empty() || hash.size() >= crypto_pwhash_STRBYTES) return false;
  std::array<char, crypto_pwhash_STRBYTES> terminated{};
  std::copy(hash.begin(), hash.end(), terminated.begin());
  return crypto_pwhash_str_verify(terminated.data(), password.data(), password.size()) == 0;
}

bool NeedsRehash(std::string_view hash, const PasswordParams& params) {
  if (hash.empty() || hash.size() >= crypto_pwhash_STRBYTES) return true;
  std::array<char, crypto_pwhash_STRBYTES> terminated{};
  std::copy(hash.begin(), hash.end(), terminated.begin());
  return crypto_pwhash_str_needs_rehash(terminated.data(), params.iterations,
                                        params.memory_bytes) != 0;
}

std::string GenerateTemporaryPassword(std::string_view username) {
  internal::EnsureSodium();
  while (true) {
    std::string password(kTemporaryLength, ' ');
    for (char& ch : password) {
      ch =
          kTemporaryAlphabet[randombytes_uniform(static_cast<uint32_t>(kTemporaryAlphabet.size()))];
    }
    // Vanishingly rare (a random run spelling the username): draw again.
    if (CheckPasswordPolicy(password, username)) return password;
  }
}

}  // namespace fg::auth
