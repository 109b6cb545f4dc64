// Passwords of console users: Argon2id hashing, the password policy and temporary passwords.
//
// What it decides: whether a candidate password is acceptable (NIST SP 800-63B / PCI DSS
// 8.3.6: 12..128 characters counted as Unicode code points, no composition rules, not
// containing the username or a part of the person's name, not a commonly used or breached
// password: ~94k entries compiled in from john-data and zxcvbn's lists, plus an optional
// file of the installation's own, each also matched when dressed up as "P@ssw0rd2024!"), how a
// password is hashed (Argon2id, libsodium's self-describing "$argon2id$v=19$m=...,t=...,p=1$..."
// string) and when a stored hash is weaker than the current parameters and must be replaced at the
// next successful login. What it never does: log, audit or keep a password; compare hashes in
// variable time. Thread-safety: every function is thread-safe, and so are the const members of a
// Blocklist. Policy checks take microseconds. Hashing costs ~50 ms and `memory_bytes` of RAM per
// call: never call it on the store's writer thread.
//
//   FG_RETURN_IF_ERROR(CheckPasswordPolicy(candidate, {.username = "alice",
//                                                      .person_name = "Alice O'Neill"}));
//   FG_ASSIGN_OR_RETURN(std::string hash, HashPassword(candidate, params));
//   if (VerifyPassword(hash, attempt) && NeedsRehash(hash, params)) { /* store a new hash */ }
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace fg::auth {

// Argon2id cost. The defaults are OWASP's minimum for Argon2id (m = 19 MiB, t = 2, p = 1);
// raise them, never lower them, in production. Tests use tiny values to stay fast.
struct PasswordParams {
  uint64_t iterations = 2;                 // Argon2 t (libsodium's opslimit)
  size_t memory_bytes = 19 * 1024 * 1024;  // Argon2 m in bytes (libsodium's memlimit)
};

// The policy's limits, in code points.
inline constexpr size_t kMinPasswordLength = 12;
inline constexpr size_t kMaxPasswordLength = 128;
// Longest input LogIn will even try to verify, in bytes (4 bytes per code point at most).
inline constexpr size_t kMaxPasswordBytes = 4 * kMaxPasswordLength;

// Passwords an installation forbids on top of the built-in list (its company name, its
// products, its own breach data). Entries are ASCII-lower-cased; a candidate is refused when
// it is an entry, or an entry of 4+ characters dressed with digits, symbols and swaps.
class Blocklist {
 public:
  // Largest file LoadFile reads.
  static constexpr size_t kMaxFileBytes = 10 * 1024 * 1024;

  // One entry per line (leading and trailing spaces and a CR are dropped), blank lines and
  // lines starting with '#' skipped, UTF-8. InvalidArgument on field "password.blocklist_file"
  // naming the line for invalid UTF-8 or control characters, or when the file exceeds
  // kMaxFileBytes; NotFound when it cannot be read.
  static Result<Blocklist> LoadFile(const std::filesystem::path& path);
  // From entries in memory (tests, configuration).
  static Blocklist FromEntries(std::vector<std::string> entries);

  // `lowercase` is an ASCII-lower-cased candidate.
  bool Matches(std::string_view lowercase) const;
  size_t size() const { return entries_.size(); }

 private:
  bool Contains(std::string_view word) const;
  std::vector<std::string> entries_;  // sorted, unique, lower-case
};

// Who the password is for, and what else to refuse.
struct PolicyContext {
  std::string_view username;     // refused inside the password when 3+ characters
  std::string_view person_name;  // each part of 3+ letters ("Anne-Marie O'Neill") refused
  const Blocklist* extra = nullptr;
};

// InvalidArgument on field "password" with the first rule the candidate breaks.
Result<void> CheckPasswordPolicy(std::string_view password, const PolicyContext& context);
// The same with only a username.
Result<void> CheckPasswordPolicy(std::string_view password, std::string_view username);

// Entries in the built-in (generated) blocklist: logged at startup.
size_t BuiltinBlocklistSize();

// The Argon2id hash string of `password`. Internal when libsodium runs out of memory.
Result<std::string> HashPassword(std::string_view password, const PasswordParams& params);
// True when `password` matches `hash`; false for a mismatch or a malformed hash.
bool VerifyPassword(std::string_view hash, std::string_view password);
// True when `hash` was made with other parameters (or another algorithm) than `params`.
bool NeedsRehash(std::string_view hash, const PasswordParams& params);

// A temporary password: 20 characters drawn uniformly from an alphabet without look-alikes
// (no 0/O/o, 1/l/I), ~114 bits. Always passes CheckPasswordPolicy for `username`.
std::string GenerateTemporaryPassword(std::string_view username);

// Unicode code points in valid UTF-8 text; nullopt-like -1 for invalid UTF-8.
int64_t CountCodePoints(std::string_view text);

}  // namespace fg::auth
