// Random bearer secrets (session, CSRF and device tokens) and their stored form.
//
// A secret is 32 bytes from randombytes_buf, shown as a prefix and 43 base64url characters
// ("fgs_..." sessions, "fgc_..." CSRF, "fgd_..." devices) so scanners can spot a leaked one.
// Only BLAKE2b-256 of the presented text is stored; a 256-bit random secret needs no salt
// or slow hash. Private to the auth module.
#pragma once

#include <string>
#include <string_view>

namespace fg::auth::internal {

inline constexpr std::string_view kSessionPrefix = "fgs_";
inline constexpr std::string_view kCsrfPrefix = "fgc_";
inline constexpr std::string_view kDevicePrefix = "fgd_";

// Calls sodium_init() once per process; false when libsodium cannot start.
bool EnsureSodium();

// prefix + base64url(32 random bytes), 47 characters for a 4-character prefix.
std::string NewSecret(std::string_view prefix);
// Whether `text` has the shape NewSecret(prefix) produces (checked before any lookup).
bool LooksLikeSecret(std::string_view text, std::string_view prefix);
// BLAKE2b-256 of the presented text: 32 raw bytes, the only form that is stored.
std::string SecretHash(std::string_view text);
// Constant-time equality of two hashes (false when their sizes differ).
bool SameHash(std::string_view a, std::string_view b);

}  // namespace fg::auth::internal
