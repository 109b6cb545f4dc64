// The recording vault: every recording encrypted with its own key, keys wrapped by a
// master key, ciphertext hashed for the audit trail.
//
// A recording file is a libsodium secretstream (XChaCha20-Poly1305): a small plain header
// (magic, version, the recording id) then one encrypted message per Ogg Opus segment and
// a final tag, so truncation, reordering, a swapped file or a flipped bit are all
// detected (kDataLoss) on reading. The per-recording key is random, wrapped with the
// current master key (XChaCha20-Poly1305 AEAD, the recording id as associated data) and
// stored by the caller beside the call record, never in the file. Destroying the wrapped
// key (crypto-shredding) makes the file unreadable even from a backup.
// File layout: "FGREC\x01", u16 length + recording id, the 24-byte secretstream header,
// then per message u32 length + ciphertext; the plain prefix is the first message's
// associated data, the last message is an empty TAG_FINAL.
// Master keys form a KeyRing: old keys still unwrap, new recordings use the newest.
// Keys never appear in logs, errors or answers.
// Thread-safety: KeyRing is immutable after Load; writers and readers belong to one thread.
//
//   FG_ASSIGN_OR_RETURN(auto ring, recording::KeyRing::LoadFile(path));
//   FG_ASSIGN_OR_RETURN(auto writer, recording::RecordingWriter::Create(ring, file, id));
//   writer->Append(segment); ...
//   FG_ASSIGN_OR_RETURN(std::string sha256, writer->Finish());
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/result.h"

namespace fg::recording {

class KeyRing {
 public:
  struct Key {
    std::string id;                  // short name, [A-Za-z0-9_-]{1,32}
    std::array<uint8_t, 32> secret;  // never printed
  };

  // File: one key per line "<id> <64 hex digits>", '#' comments; the last key is current.
  // The file must not be readable by group or others (kFailedPrecondition otherwise).
  static Result<KeyRing> LoadFile(const std::string& path);
  // Same format, keys separated by newlines or ';' (from an environment variable).
  static Result<KeyRing> Parse(std::string_view text);
  // Creates the file with one fresh key if it does not exist (mode 0600).
  static Result<void> CreateFileIfMissing(const std::string& path);
  // Appends a fresh key (id "k<unix seconds>") to the file: rotation. Returns its id.
  static Result<std::string> RotateFile(const std::string& path);

  KeyRing() = default;
  KeyRing(const KeyRing&) = default;
  KeyRing(KeyRing&&) = default;
  KeyRing& operator=(const KeyRing&) = default;
  KeyRing& operator=(KeyRing&&) = default;
  ~KeyRing();  // wipes the secrets

  const Key& current() const;  // only when size() > 0 (Load and Parse never return empty)
  const Key* Find(std::string_view id) const;
  size_t size() const;

 private:
  std::vector<Key> keys_;
};

struct WrappedKey {
  std::string master_key_id;
  std::vector<uint8_t> sealed;  // nonce || ciphertext || tag
};

class RecordingWriter {
 public:
  // Creates the file (mode 0600); kAlreadyExists if it exists: a recording is never
  // overwritten. kFailedPrecondition for an empty ring.
  static Result<std::unique_ptr<RecordingWriter>> Create(const KeyRing& ring,
                                                         const std::string& path,
                                                         const std::string& recording_id);
  ~RecordingWriter();  // an unfinished file is left as is (readable up to its last segment)
  const WrappedKey& wrapped_key() const;
  // Written to the file at once (one write(2), no user-space buffer): a crash loses at
  // most the segment being written. After Finish or a failed write: kFailedPrecondition.
  Result<void> Append(std::span<const uint8_t> segment);
  // Writes the final tag, fsyncs, and returns the hex SHA-256 of the whole file.
  Result<std::string> Finish();
  uint64_t bytes_written() const;

 private:
  struct Impl;
  explicit RecordingWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

class RecordingReader {
 public:
  // kFailedPrecondition when the wrapped key's master key is not in the ring; kDataLoss
  // when the wrapped key is not this recording's, or the file names another recording.
  static Result<std::unique_ptr<RecordingReader>> Open(const KeyRing& ring, const std::string& path,
                                                       const std::string& recording_id,
                                                       const WrappedKey& key);
  ~RecordingReader();
  // The next decrypted segment; nullopt after the final tag. kDataLoss when the file was
  // altered, or ends without its final tag (truncated).
  Result<std::optional<std::vector<uint8_t>>> Next();
  // Reads every segment and concatenates them.
  Result<std::vector<uint8_t>> ReadAll();

 private:
  struct Impl;
  explicit RecordingReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Hex SHA-256 of a file's bytes (the value the audit trail keeps).
Result<std::string> HashFile(const std::string& path);

}  // namespace fg::recording
