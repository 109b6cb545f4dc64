// SecretBox: secrets that must be read back (TOTP seeds), sealed at rest with
// XChaCha20-Poly1305 under a key kept in its own file in the data directory.
//
// What it decides: nothing; it seals and opens. Opening fails (never returns garbage) when
// the text was altered or sealed under another key.
// What it never does: log or return the key; accept a key file others can read.
// Thread-safety: Seal and Open are thread-safe.
//
//   FG_ASSIGN_OR_RETURN(auto box, SecretBox::OpenOrCreate(data_dir / "secrets.key"));
//   FG_ASSIGN_OR_RETURN(std::string sealed, box.Seal(totp_secret, "totp:user:7"));  // base64
//   FG_ASSIGN_OR_RETURN(std::string secret, box.Open(sealed, "totp:user:7"));
#pragma once

#include <array>
#include <filesystem>
#include <string>
#include <string_view>

#include "core/result.h"

namespace fg::auth {

class SecretBox {
 public:
  // Reads the 32-byte key at `path`, or creates it (0600) when missing. FailedPrecondition
  // when the file is readable by group or others, is not a regular file or has the wrong
  // size; Unavailable when it cannot be read or created. Two processes creating it at once
  // end up with the same key (the file appears whole, through link(2), or not at all).
  static Result<SecretBox> OpenOrCreate(const std::filesystem::path& path);
  // A box with a fresh random key held only in memory (tests, ":memory:" databases).
  static SecretBox Ephemeral();

  // base64 of nonce || ciphertext || tag; `context` (e.g. "totp:account:42") is bound as
  // associated data, so a sealed value copied to another row does not open.
  Result<std::string> Seal(std::string_view plaintext, std::string_view context) const;
  // InvalidArgument when the text is not ours or was altered.
  Result<std::string> Open(std::string_view sealed, std::string_view context) const;
  // A keyed hash (BLAKE2b-256 under a subkey of this key) of context and data, as hex: for
  // short secrets that are only compared, never read back (door PINs). Deterministic.
  std::string Mac(std::string_view data, std::string_view context) const;

 private:
  std::array<unsigned char, 32> key_{};
};

}  // namespace fg::auth
