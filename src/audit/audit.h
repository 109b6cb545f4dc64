// audit: the tamper-evident trail of every decision and every change.
//
// What it decides: how an entry is chained and signed. Each entry carries a sequence
// number, time, actor, action, subject, JSON details, the previous entry's hash and its own
// hash = BLAKE2b-256(previous hash || canonical bytes of the entry). Every N entries, or
// every T seconds when entries arrived, an Ed25519-signed checkpoint pins (seq, hash), so an
// edited, deleted, inserted or reordered entry, or a forged checkpoint, is found by Verify.
// What it never does: open its own transaction for a caller's decision. Append runs inside
// the caller's store::WriteFn, so the decision and its entry commit (or vanish) together.
// Entries never go over the event bus; only the fact "entries up to seq N are durable" does.
// Thread-safety: Log is thread-safe (appends are serialised by the store's single writer).
//
//   db.Write([&](store::Connection& c) -> Result<void> {
//     FG_RETURN_IF_ERROR(InsertPerson(c, person));
//     return log.Append(c, {.actor = "user:admin", .action = "person.create",
//     ...}).transform([](auto) {});
//   });
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/event_bus.h"
#include "core/result.h"
#include "store/store.h"

namespace fg::audit {

using Hash = std::array<unsigned char, 32>;

// What a module records. details is a JSON object in compact form ("{}" when empty); it must
// never hold a secret.
struct Record {
  std::string actor;    // "user:admin", "device:door-3", "system"
  std::string action;   // "person.create", "session.login.denied"
  std::string subject;  // "person:42"
  std::string details = "{}";
};

struct Entry {
  int64_t seq = 0;
  core::WallTime time;
  std::string actor;
  std::string action;
  std::string subject;
  std::string details;
  Hash prev_hash{};
  Hash hash{};
};

// Published after a batch holding entries up to last_seq is durable.
struct AuditCommitted {
  int64_t last_seq;
};

// The Ed25519 key that signs checkpoints. The secret key lives in one 0600 file.
class Signer {
 public:
  static constexpr const char* kSecretKeyFile = "audit-signing.key";
  static constexpr const char* kPublicKeyFile = "audit-signing.pub";

  // Reads DIR/audit-signing.key, or creates it (and the .pub beside it) when absent.
  // Refuses a key file readable by group or others.
  static Result<Signer> LoadOrCreate(const std::filesystem::path& dir);
  static Result<Signer> Load(const std::filesystem::path& dir);

  std::string Sign(std::string_view message) const;  // 64-byte signature
  const std::array<unsigned char, 32>& public_key() const { return public_key_; }

 private:
  std::array<unsigned char, 64> secret_key_{};
  std::array<unsigned char, 32> public_key_{};
};

// Reads a public key written by Signer (hex in DIR/audit-signing.pub, or a given file).
Result<std::array<unsigned char, 32>> LoadPublicKey(const std::filesystem::path& file);

struct Options {
  int64_t checkpoint_every_entries = 1000;
  std::chrono::seconds checkpoint_interval{60};
};

struct Query {
  std::optional<core::WallTime> from;  // inclusive
  std::optional<core::WallTime> to;    // exclusive
  std::string actor;                   // exact match; empty = any
  std::string action;                  // exact, or a prefix ending in '.' ("person.")
  std::string subject;                 // exact
  std::optional<int64_t> before_seq;   // cursor: entries with seq below this
  int limit = 50;
};

class Log {
 public:
  Log(store::Database& db, core::Clock& clock, core::EventBus& bus, Signer signer,
      Options options = {});

  static std::span<const store::Migration> Migrations();

  // Appends one entry inside the caller's write transaction and returns its sequence number.
  Result<int64_t> Append(store::Connection& c, const Record& record);
  // Appends one entry in a transaction of its own (for facts that change nothing else).
  Result<int64_t> AppendDurably(const Record& record);

  // Writes a signed checkpoint when entries arrived since the last one and the interval has
  // passed. Called by a timer; cheap when nothing is due.
  Result<void> CheckpointIfDue();
  // Writes a checkpoint over the newest entry now, unless one already pins it (shutdown).
  Result<void> CheckpointNow();

  // Newest first.
  Result<std::vector<Entry>> List(const Query& query);
  // Oldest first: entries with seq > after_seq, for the live stream.
  Result<std::vector<Entry>> After(int64_t after_seq, int limit);
  Result<int64_t> LastSeq();

 private:
  Result<void> WriteCheckpoint(store::Connection& c, int64_t seq, const Hash& hash);
  enum class When { kIfDue, kNow };
  Result<void> Checkpoint(When when);

  store::Database& db_;
  core::Clock& clock_;
  core::EventBus& bus_;
  Signer signer_;
  Options options_;
};

// The canonical bytes an entry's hash covers (exposed for tests and the verifier).
std::string CanonicalBytes(const Entry& entry);
Hash ChainHash(const Hash& prev, const Entry& entry);
std::string HashHex(const Hash& hash);

struct VerifyReport {
  bool intact = false;
  int64_t entries = 0;
  int64_t checkpoints = 0;
  int64_t last_seq = 0;
  int64_t last_signed_seq = 0;  // newest entry pinned by a valid checkpoint
  std::optional<int64_t> first_bad_seq;
  std::string problem;  // what is wrong at first_bad_seq
};

// Checks the whole trail end to end: sequence, chain, hashes, checkpoint signatures and
// that each checkpoint pins an existing entry. A broken trail is a report, not an error;
// an Error means the trail could not be read at all.
Result<VerifyReport> Verify(store::Database& db, const std::array<unsigned char, 32>& public_key);

}  // namespace fg::audit
