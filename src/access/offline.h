// access/offline.h: doors that keep working when floorguard is down — a signed cache of what
// one door controller needs to decide offline, deltas since a version, and the upload of the
// decisions it made meanwhile.
//
// What it decides:
//  - The cache of one controller (the device token name in Door::controller): the readers of
//    its doors, the zones those doors touch and their enclosing zones (classification,
//    campaign, parent, passback, PIN flag, opening hours with the site's time zone name), and
//    one entry per badge (credential key, badge id/status/window, the holder's kind/status,
//    grant windows for those zones, assignments to and training day-windows for those zones'
//    campaigns). PIN hashes never leave the server: offline, a PIN zone denies (pin_required).
//    DecodeCache rebuilds an access::Snapshot from it, so the controller decides offline with the
//    very same DecideInMemory as the server.
//  - Versions: a persistent, monotonic version per controller. The last published entry per
//    (controller, credential key) is kept with a content hash and the version at which it
//    changed (a tombstone when it went away); each request compares and bumps. A delta
//    (?since=V) holds the entries changed after V, the keys removed after V and the rules; an
//    unknown V, a V from before a rules change, or no V gives a full cache ("full": true).
//  - Signing: Ed25519 (libsodium) over the exact payload bytes with a key of its own
//    (DATA/access-cache.key, 0600, created at first start; never the audit key). The answer
//    carries the payload as text, so no canonical form is needed: Verify(payload, signature,
//    public key) on the controller side.
//  - Uploads: offline decisions with a controller-assigned id are stored once per
//    (controller, id); each new one becomes a passage in access_passages with its audit entry
//    ("access.offline.grant" / "access.offline.deny") in the same transaction, and a grant
//    newer than the person's current location moves them. A re-upload writes nothing. Bad
//    events are rejected one by one; good ones in the same batch are kept.
// What it never does: decide for the controller (the controller's verdict is recorded as it
// was made), accept an event for a reader that is not on the caller's doors, or put a secret
// (the signing key, a token) in a cache, an answer or the audit trail.
// Thread-safety: OfflineService is thread-safe (writes go through the store's single writer).
// The free functions are pure.
//
//   access::OfflineService offline(db, log, access, directory, clock,
//                                  {.key_file = data / "access-cache.key"});
//   FG_RETURN_IF_ERROR(offline.Start());
//   FG_ASSIGN_OR_RETURN(access::SignedCache cache, offline.Cache("door-ctl-3", since));
//   // controller: Verify(cache.payload, signature, key); DecodeCache(cache.payload)
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "access/access.h"
#include "access/decide.h"
#include "audit/audit.h"
#include "core/clock.h"
#include "core/result.h"
#include "core/time_zone.h"
#include "directory/directory.h"
#include "store/store.h"

namespace fg::access {

inline constexpr std::string_view kCacheFormat = "floorguard.access-cache/1";

// One badge as a controller needs it to decide offline.
struct CacheEntry {
  std::string credential_key;
  Snapshot::BadgeInfo badge;
  Snapshot::PersonInfo person;
  std::vector<std::pair<int64_t, std::vector<Snapshot::Window>>> grants;        // by zone
  std::vector<std::pair<int64_t, std::vector<Snapshot::DayWindow>>> trainings;  // by campaign
  std::vector<int64_t> assignments;                                             // campaigns
};

// The document a controller receives (a full cache or a delta).
struct CacheDocument {
  std::string controller;
  uint64_t version = 0;
  std::optional<uint64_t> since;  // deltas: the version they apply on
  bool full = true;
  core::WallTime issued_at;
  std::vector<std::pair<std::string, Snapshot::ReaderInfo>> readers;  // by reader id
  std::vector<std::pair<int64_t, Snapshot::ZoneInfo>> zones;          // by zone id
  std::vector<std::pair<int64_t, std::string>> site_time_zones;       // site id -> IANA name
  std::vector<CacheEntry> entries;                                    // sorted by key
  std::vector<std::string> removed;                                   // deltas only
};

// JSON text of the document (deterministic for equal documents).
std::string EncodeCache(const CacheDocument& document);
// Parses and checks a payload; InvalidArgument naming what is wrong. Never throws.
Result<CacheDocument> ParseCache(std::string_view payload);
// Applies a delta on a full document: InvalidArgument when it is for another controller or
// does not start at base.version. A full document replaces base.
Result<void> ApplyDelta(CacheDocument& base, const CacheDocument& delta);
// The snapshot DecideInMemory reads, from a full document. Zone hours get their site's time
// zone from `time_zones` (a zone that cannot be loaded stays null: closed, as on the server).
Snapshot ToSnapshot(const CacheDocument& document, core::TimeZones& time_zones);
Snapshot ToSnapshot(const CacheDocument& document);  // system zoneinfo
// ParseCache + ToSnapshot for a full payload (FailedPrecondition for a delta).
Result<Snapshot> DecodeCache(std::string_view payload);

using PublicKey = std::array<unsigned char, 32>;

// Base64 (standard alphabet, padded) both ways; nullopt when the text is not base64.
std::string Base64Encode(std::string_view bytes);
std::optional<std::string> Base64Decode(std::string_view text);
// "fgc-" + 16 hex digits of BLAKE2b(public key): names the key without revealing anything.
std::string KeyId(const PublicKey& public_key);
// Whether signature (64 raw bytes) is public_key's Ed25519 signature of exactly `payload`.
bool Verify(std::string_view payload, std::string_view signature, const PublicKey& public_key);
// Same, with the signature and key in base64 as the API gives them.
Result<void> VerifyBase64(std::string_view payload, std::string_view signature_b64,
                          std::string_view public_key_b64);

// The cache signing key: 64-byte Ed25519 secret in hex, one 0600 file.
class CacheSigner {
 public:
  // Reads `file`, or creates it (0600) when absent. Refuses a file readable by others.
  static Result<CacheSigner> LoadOrCreate(const std::filesystem::path& file);
  std::string Sign(std::string_view payload) const;  // 64 raw bytes
  const PublicKey& public_key() const { return public_key_; }
  std::string key_id() const { return KeyId(public_key_); }

 private:
  std::array<unsigned char, 64> secret_key_{};
  PublicKey public_key_{};
};

// What GET /api/v1/access/cache answers.
struct SignedCache {
  std::string payload;  // EncodeCache text, signed byte for byte
  std::string signature_b64;
  std::string key_id;
  uint64_t version = 0;
  bool full = true;
};

// One decision a controller made while floorguard was unreachable.
struct OfflineEvent {
  std::string id;  // assigned by the controller, unique per controller
  std::string reader_id;
  std::string credential;
  core::WallTime time;
  bool granted = false;
  std::string reason;  // ReasonName of the controller's decision
};

struct UploadResult {
  int accepted = 0;
  int duplicates = 0;
  std::vector<std::pair<std::string, std::string>> rejected;  // (event id, why)
};

struct OfflineOptions {
  std::filesystem::path key_file = "access-cache.key";
  // Events dated further ahead than this are refused (controller clock gone wrong).
  std::chrono::seconds max_clock_skew{300};
  // Events older than this are refused (a journal replayed from long ago).
  std::chrono::hours max_event_age{24 * 30};
  size_t max_events_per_upload = 1000;
};

class OfflineService {
 public:
  OfflineService(store::Database& db, audit::Log& log, AccessControl& access,
                 directory::Directory& directory, core::Clock& clock, OfflineOptions options = {});

  // Schema of module "access_offline": db.Migrate("access_offline", Migrations()).
  static std::span<const store::Migration> Migrations();

  // Loads or creates the signing key. Call once before anything else.
  Result<void> Start();

  // The controller's current document (full, or a delta since `since`), publishing a new
  // version first when its content changed ("access.offline.cache.publish" audit entry).
  Result<CacheDocument> Build(std::string_view controller, std::optional<uint64_t> since);
  // Build + encode + sign.
  Result<SignedCache> Cache(std::string_view controller, std::optional<uint64_t> since);
  const PublicKey& public_key() const { return signer_->public_key(); }
  std::string key_id() const { return signer_->key_id(); }

  // Records the offline decisions of `controller` (see the header comment).
  Result<UploadResult> Upload(std::string_view controller, std::span<const OfflineEvent> events);

 private:
  store::Database& db_;
  audit::Log& log_;
  AccessControl& access_;
  directory::Directory& directory_;
  core::Clock& clock_;
  OfflineOptions options_;
  std::optional<CacheSigner> signer_;
};

}  // namespace fg::access
