// TOTP (RFC 6238) second factor and recovery codes, shared by console users and workforce
// accounts.
//
// What it decides: whether a 6-digit code matches a secret at a time (HMAC-SHA1, 30 s steps,
// one step of clock drift either way) and which time step it matched, so the caller can
// refuse a replay by storing the last step used; what an otpauth:// URI for authenticator
// apps looks like; what recovery codes look like.
// What it never does: store anything. Callers keep secrets sealed (secret_box.h) and recovery
// codes hashed.
// Thread-safety: every function is thread-safe.
//
//   std::string secret = totp::GenerateSecret();            // base32, 160 bits
//   show(totp::OtpauthUri("floorguard", "alice", secret));  // as a QR code
//   if (auto step = totp::MatchStep(secret, code, clock.WallNow()); step && *step > last_step)
//     last_step = *step;  // accepted once
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"

namespace fg::auth::totp {

inline constexpr int kDigits = 6;
inline constexpr int kStepSeconds = 30;

// 20 random bytes (RFC 4226's recommended length) in RFC 4648 base32 without padding.
std::string GenerateSecret();
// otpauth://totp/<issuer>:<account>?secret=...&issuer=...&algorithm=SHA1&digits=6&period=30
// with issuer and account percent-encoded.
std::string OtpauthUri(std::string_view issuer, std::string_view account,
                       std::string_view base32_secret);
// The time step (unix seconds / 30) within `window` steps of `now` whose code is `code`, or
// nullopt when none matches, the code is not 6 digits, or the secret is not valid base32.
// Compares in constant time.
std::optional<int64_t> MatchStep(std::string_view base32_secret, std::string_view code,
                                 core::WallTime now, int window = 1);
// The code of one step ("004219"); empty when the secret is not valid base32. For tests and
// for the enrolment check.
std::string CodeAt(std::string_view base32_secret, int64_t step);
int64_t StepAt(core::WallTime time);

// `count` one-time recovery codes "xxxx-xxxx-xxxx" (lower-case base32, 60 bits each), shown
// once; store only their hashes (HashRecoveryCode) and compare with NormalizeRecoveryCode.
std::vector<std::string> GenerateRecoveryCodes(int count = 10);
// Lower-cased, dashes and spaces removed; empty when it cannot be a recovery code.
std::string NormalizeRecoveryCode(std::string_view code);
// BLAKE2b-256 hex of the normalised code (recovery codes carry 60 random bits, so a fast
// hash is enough when the attempts are rate limited by the lockout rules).
std::string HashRecoveryCode(std::string_view normalized_code);

}  // namespace fg::auth::totp
