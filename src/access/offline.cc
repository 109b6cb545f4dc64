// The offline cache: what one controller needs, its versions and deltas, its signature, and
// the upload of decisions made offline. nlohmann-json throws; every parse of outside input is
// caught in ParseCache.
#include "access/offline.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "access/credential.h"

namespace fg::access {

namespace {

using Json = nlohmann::json;

// Compact JSON that never throws (invalid UTF-8 replaced).
std::string Dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

std::string Hex(const unsigned char* data, size_t size) {
  std::string out(size * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), data, size);
  out.pop_back();
  return out;
}

std::string ContentHash(std::string_view text) {
  unsigned char hash[16];
  crypto_generichash(hash, sizeof hash, reinterpret_cast<const unsigned char*>(text.data()),
                     text.size(), nullptr, 0);
  return Hex(hash, sizeof hash);
}

Json OptMicrosJson(const std::optional<core::WallTime>& t) {
  return t ? Json(core::ToUnixMicros(*t)) : Json(nullptr);
}

Json ReaderJson(const std::string& id, const Snapshot::ReaderInfo& r) {
  return Json{{"reader_id", id},
              {"door_id", r.door_id},
              {"direction", r.direction == Direction::kEntry ? "entry" : "exit"},
              {"from_zone_id", r.from_zone_id},
              {"to_zone_id", r.to_zone_id}};
}

Json ZoneJson(int64_t id, const Snapshot::ZoneInfo& z) {
  Json hours = nullptr;
  if (z.hours) {
    hours = Json{{"weekly", z.hours->weekly.text()}, {"holidays", z.hours->holidays}};
  }
  return Json{{"id", id},
              {"classification", directory::ZoneClassificationName(z.classification)},
              {"campaign_id", z.campaign_id ? Json(*z.campaign_id) : Json(nullptr)},
              {"parent_id", z.parent_id ? Json(*z.parent_id) : Json(nullptr)},
              {"site_id", z.site_id},
              {"passback", PassbackModeName(z.passback)},
              {"pin_required", z.pin_required},
              {"hours", std::move(hours)}};
}

Json EntryJson(const CacheEntry& e) {
  Json grants = Json::array();
  for (const auto& [zone, windows] : e.grants) {
    Json w = Json::array();
    for (const auto& win : windows) {
      w.push_back(Json::array(
          {win.from_us, win.until_us == INT64_MAX ? Json(nullptr) : Json(win.until_us)}));
    }
    grants.push_back(Json{{"zone_id", zone}, {"windows", std::move(w)}});
  }
  Json trainings = Json::array();
  for (const auto& [campaign, windows] : e.trainings) {
    Json w = Json::array();
    for (const auto& win : windows) {
      w.push_back(Json::array(
          {win.from_day, win.until_day == INT32_MAX ? Json(nullptr) : Json(win.until_day)}));
    }
    trainings.push_back(Json{{"campaign_id", campaign}, {"windows", std::move(w)}});
  }
  return Json{{"key", e.credential_key},
              {"badge_id", e.badge.id},
              {"person_id", e.badge.person_id},
              {"status", BadgeStatusName(e.badge.status)},
              {"valid_from", OptMicrosJson(e.badge.valid_from)},
              {"valid_until", OptMicrosJson(e.badge.valid_until)},
              {"kind", directory::PersonKindName(e.person.kind)},
              {"person_status", directory::PersonStatusName(e.person.status)},
              {"grants", std::move(grants)},
              {"trainings", std::move(trainings)},
              {"assignments", e.assignments}};
}

// Field access that reports the path at fault; throws only nlohmann's own exceptions, which
// ParseCache catches.
struct Bad {
  std::string field;
  std::string message;
};

const Json& Field(const Json& object, const char* name, const std::string& path) {
  if (!object.is_object() || !object.contains(name)) throw Bad{path + name, "is missing"};
  return object.at(name);
}
int64_t IntField(const Json& object, const char* name, const std::string& path) {
  const Json& v = Field(object, name, path);
  if (!v.is_number_integer()) throw Bad{path + name, "must be an integer"};
  return v.get<int64_t>();
}
std::optional<int64_t> OptIntField(const Json& object, const char* name, const std::string& path) {
  const Json& v = Field(object, name, path);
  if (v.is_null()) return std::nullopt;
  if (!v.is_number_integer()) throw Bad{path + name, "must be an integer or null"};
  return v.get<int64_t>();
}
std::string StringField(const Json& object, const char* name, const std::string& path) {
  const Json& v = Field(object, name, path);
  if (!v.is_string()) throw Bad{path + name, "must be a string"};
  return v.get<std::string>();
}
const Json& ArrayField(const Json& object, const char* name, const std::string& path) {
  const Json& v = Field(object, name, path);
  if (!v.is_array()) throw Bad{path + name, "must be an array"};
  return v;
}
template <typename T>
T Named(std::optional<T> value, const std::string& field) {
  if (!value) throw Bad{field, "has an unknown value"};
  return *value;
}

CacheEntry ParseEntry(const Json& j, const std::string& path) {
  CacheEntry e;
  e.credential_key = StringField(j, "key", path);
  e.badge.id = IntField(j, "badge_id", path);
  e.badge.person_id = IntField(j, "person_id", path);
  e.badge.status = Named(ParseBadgeStatus(StringField(j, "status", path)), path + "status");
  if (auto from = OptIntField(j, "valid_from", path))
    e.badge.valid_from = core::FromUnixMicros(*from);
  if (auto until = OptIntField(j, "valid_until", path)) {
    e.badge.valid_until = core::FromUnixMicros(*until);
  }
  e.person.kind = Named(directory::ParsePersonKind(StringField(j, "kind", path)), path + "kind");
  e.person.status = Named(directory::ParsePersonStatus(StringField(j, "person_status", path)),
                          path + "person_status");
  const Json& grants = ArrayField(j, "grants", path);
  for (size_t i = 0; i < grants.size(); ++i) {
    const std::string gp = path + "grants[" + std::to_string(i) + "].";
    std::vector<Snapshot::Window> windows;
    for (const Json& w : ArrayField(grants[i], "windows", gp)) {
      if (!w.is_array() || w.size() != 2 || !w[0].is_number_integer() ||
          !(w[1].is_null() || w[1].is_number_integer())) {
        throw Bad{gp + "windows", "must hold [from_us, until_us|null] pairs"};
      }
      windows.push_back({.from_us = w[0].get<int64_t>(),
                         .until_us = w[1].is_null() ? INT64_MAX : w[1].get<int64_t>()});
    }
    e.grants.emplace_back(IntField(grants[i], "zone_id", gp), std::move(windows));
  }
  const Json& trainings = ArrayField(j, "trainings", path);
  for (size_t i = 0; i < trainings.size(); ++i) {
    const std::string tp = path + "trainings[" + std::to_string(i) + "].";
    std::vector<Snapshot::DayWindow> windows;
    for (const Json& w : ArrayField(trainings[i], "windows", tp)) {
      if (!w.is_array() || w.size() != 2 || !w[0].is_number_integer() ||
          !(w[1].is_null() || w[1].is_number_integer())) {
        throw Bad{tp + "windows", "must hold [from_day, until_day|null] pairs"};
      }
      windows.push_back({.from_day = w[0].get<int32_t>(),
                         .until_day = w[1].is_null() ? INT32_MAX : w[1].get<int32_t>()});
    }
    e.trainings.emplace_back(IntField(trainings[i], "campaign_id", tp), std::move(windows));
  }
  for (const Json& campaign : ArrayField(j, "assignments", path)) {
    if (!campaign.is_number_integer()) throw Bad{path + "assignments", "must hold campaign ids"};
    e.assignments.push_back(campaign.get<int64_t>());
  }
  return e;
}

bool ValidEventId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' ||
           c == ':';
  });
}

std::optional<Reason> ParseReason(std::string_view name) {
  // ReasonName answers "unknown" past the last reason.
  for (int r = 0; r < 256 && ReasonName(static_cast<Reason>(r)) != "unknown"; ++r) {
    if (ReasonName(static_cast<Reason>(r)) == name) return static_cast<Reason>(r);
  }
  return std::nullopt;
}

Result<void> WriteNewFile(const std::filesystem::path& file, std::string_view data) {
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    return MakeError(ErrorCode::kUnavailable,
                     "cannot create " + file.string() + ": " + std::strerror(errno));
  }
  bool ok = ::write(fd, data.data(), data.size()) == static_cast<ssize_t>(data.size()) &&
            ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return MakeError(ErrorCode::kUnavailable, "cannot write " + file.string());
  return {};
}

constexpr store::Migration kMigrations[] = {
    {1, R"sql(
CREATE TABLE access_offline_controllers (
  controller TEXT PRIMARY KEY,
  version INTEGER NOT NULL,
  rules_hash TEXT NOT NULL,
  rules_version INTEGER NOT NULL
);
CREATE TABLE access_offline_entries (
  controller TEXT NOT NULL,
  credential_key TEXT NOT NULL,
  hash TEXT NOT NULL,
  version INTEGER NOT NULL,
  removed INTEGER NOT NULL DEFAULT 0 CHECK (removed IN (0, 1)),
  PRIMARY KEY (controller, credential_key)
);
CREATE TABLE access_offline_events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  controller TEXT NOT NULL,
  event_id TEXT NOT NULL,
  passage_id INTEGER,
  received_at INTEGER NOT NULL,
  UNIQUE (controller, event_id)
);
)sql"},
};

}  // namespace

// --- Encoding ---

std::string EncodeCache(const CacheDocument& d) {
  Json readers = Json::array();
  for (const auto& [id, r] : d.readers) readers.push_back(ReaderJson(id, r));
  Json zones = Json::array();
  for (const auto& [id, z] : d.zones) zones.push_back(ZoneJson(id, z));
  Json sites = Json::array();
  for (const auto& [id, tz] : d.site_time_zones)
    sites.push_back(Json{{"id", id}, {"time_zone", tz}});
  Json entries = Json::array();
  for (const auto& e : d.entries) entries.push_back(EntryJson(e));
  return Dump(Json{{"format", kCacheFormat},
                   {"controller", d.controller},
                   {"version", d.version},
                   {"since", d.since ? Json(*d.since) : Json(nullptr)},
                   {"full", d.full},
                   {"issued_at", core::FormatRfc3339(d.issued_at)},
                   {"readers", std::move(readers)},
                   {"zones", std::move(zones)},
                   {"sites", std::move(sites)},
                   {"badges", std::move(entries)},
                   {"removed", d.removed}});
}

Result<CacheDocument> ParseCache(std::string_view payload) {
  Json j = Json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return InvalidArgument("payload", "is not a JSON object");
  }
  try {
    CacheDocument d;
    if (StringField(j, "format", "") != kCacheFormat) {
      return InvalidArgument("format", "must be " + std::string(kCacheFormat));
    }
    d.controller = StringField(j, "controller", "");
    int64_t version = IntField(j, "version", "");
    if (version < 0) return InvalidArgument("version", "must not be negative");
    d.version = static_cast<uint64_t>(version);
    if (auto since = OptIntField(j, "since", "")) {
      if (*since < 0) return InvalidArgument("since", "must not be negative");
      d.since = static_cast<uint64_t>(*since);
    }
    const Json& full = Field(j, "full", "");
    if (!full.is_boolean()) return InvalidArgument("full", "must be a boolean");
    d.full = full.get<bool>();
    if (!d.full && !d.since) return InvalidArgument("since", "a delta must name its base");
    if (!core::ParseRfc3339(StringField(j, "issued_at", ""), &d.issued_at)) {
      return InvalidArgument("issued_at", "must be an RFC 3339 time");
    }
    const Json& readers = ArrayField(j, "readers", "");
    for (size_t i = 0; i < readers.size(); ++i) {
      const std::string p = "readers[" + std::to_string(i) + "].";
      const std::string direction = StringField(readers[i], "direction", p);
      if (direction != "entry" && direction != "exit") {
        return InvalidArgument(p + "direction", "must be entry or exit");
      }
      d.readers.emplace_back(
          StringField(readers[i], "reader_id", p),
          Snapshot::ReaderInfo{
              .door_id = IntField(readers[i], "door_id", p),
              .direction = direction == "entry" ? Direction::kEntry : Direction::kExit,
              .from_zone_id = IntField(readers[i], "from_zone_id", p),
              .to_zone_id = IntField(readers[i], "to_zone_id", p)});
    }
    const Json& zones = ArrayField(j, "zones", "");
    for (size_t i = 0; i < zones.size(); ++i) {
      const std::string p = "zones[" + std::to_string(i) + "].";
      Snapshot::ZoneInfo z;
      z.classification =
          Named(directory::ParseZoneClassification(StringField(zones[i], "classification", p)),
                p + "classification");
      z.campaign_id = OptIntField(zones[i], "campaign_id", p);
      z.passback = Named(ParsePassbackMode(StringField(zones[i], "passback", p)), p + "passback");
      z.parent_id = OptIntField(zones[i], "parent_id", p);
      z.site_id = IntField(zones[i], "site_id", p);
      const Json& pin = Field(zones[i], "pin_required", p);
      if (!pin.is_boolean()) return InvalidArgument(p + "pin_required", "must be a boolean");
      z.pin_required = pin.get<bool>();
      const Json& hours = Field(zones[i], "hours", p);
      if (!hours.is_null()) {
        auto weekly = identity::Schedule::Parse(StringField(hours, "weekly", p + "hours."));
        if (!weekly) return InvalidArgument(p + "hours.weekly", weekly.error().message);
        auto h = std::make_shared<Snapshot::Hours>(Snapshot::Hours{.weekly = std::move(*weekly)});
        for (const Json& day : ArrayField(hours, "holidays", p + "hours.")) {
          if (!day.is_number_integer()) {
            return InvalidArgument(p + "hours.holidays", "must hold day numbers");
          }
          h->holidays.push_back(day.get<int32_t>());
        }
        std::sort(h->holidays.begin(), h->holidays.end());
        z.hours = std::move(h);
      }
      d.zones.emplace_back(IntField(zones[i], "id", p), z);
    }
    const Json& sites = ArrayField(j, "sites", "");
    for (size_t i = 0; i < sites.size(); ++i) {
      const std::string p = "sites[" + std::to_string(i) + "].";
      d.site_time_zones.emplace_back(IntField(sites[i], "id", p),
                                     StringField(sites[i], "time_zone", p));
    }
    const Json& badges = ArrayField(j, "badges", "");
    for (size_t i = 0; i < badges.size(); ++i) {
      d.entries.push_back(ParseEntry(badges[i], "badges[" + std::to_string(i) + "]."));
    }
    for (const Json& key : ArrayField(j, "removed", "")) {
      if (!key.is_string()) return InvalidArgument("removed", "must hold strings");
      d.removed.push_back(key.get<std::string>());
    }
    return d;
  } catch (const Bad& bad) {
    return InvalidArgument(bad.field, bad.message);
  } catch (const std::exception& e) {
    return InvalidArgument("payload", std::string("is not a cache document: ") + e.what());
  }
}

Result<void> ApplyDelta(CacheDocument& base, const CacheDocument& delta) {
  if (!base.controller.empty() && delta.controller != base.controller) {
    return InvalidArgument("controller",
                           "the cache is for " + delta.controller + ", not " + base.controller);
  }
  if (delta.full) {
    base = delta;
    return {};
  }
  if (!delta.since || *delta.since != base.version) {
    return InvalidArgument("since",
                           "the delta does not start at version " + std::to_string(base.version));
  }
  std::map<std::string, CacheEntry> entries;
  for (auto& e : base.entries) entries[e.credential_key] = std::move(e);
  for (const auto& key : delta.removed) entries.erase(key);
  for (const auto& e : delta.entries) entries[e.credential_key] = e;
  base.entries.clear();
  for (auto& [key, e] : entries) base.entries.push_back(std::move(e));
  base.readers = delta.readers;
  base.zones = delta.zones;
  base.site_time_zones = delta.site_time_zones;
  base.version = delta.version;
  base.issued_at = delta.issued_at;
  base.since.reset();
  base.full = true;
  base.removed.clear();
  return {};
}

Snapshot ToSnapshot(const CacheDocument& d) {
  core::TimeZones time_zones;
  return ToSnapshot(d, time_zones);
}

Snapshot ToSnapshot(const CacheDocument& d, core::TimeZones& time_zones) {
  Snapshot s;
  s.version = d.version;
  std::map<int64_t, std::string> site_zones(d.site_time_zones.begin(), d.site_time_zones.end());
  for (const auto& [id, r] : d.readers) s.readers[id] = r;
  for (const auto& [id, z] : d.zones) {
    Snapshot::ZoneInfo zone = z;
    if (zone.hours) {
      auto hours = std::make_shared<Snapshot::Hours>(*zone.hours);
      auto site = site_zones.find(zone.site_id);
      if (site != site_zones.end()) {
        if (auto tz = time_zones.Get(site->second)) hours->time_zone = *tz;
      }
      zone.hours = std::move(hours);
    }
    s.zones[id] = std::move(zone);
  }
  for (const auto& e : d.entries) {
    s.badges[e.credential_key] = e.badge;
    s.people[e.badge.person_id] = e.person;
    // A person's windows come with each of their badges, identical: assign, never append.
    for (const auto& [zone, windows] : e.grants) s.grants[{e.badge.person_id, zone}] = windows;
    for (const auto& [campaign, windows] : e.trainings) {
      s.trainings[{e.badge.person_id, campaign}] = windows;
    }
    for (int64_t campaign : e.assignments) s.assignments[{e.badge.person_id, campaign}] = true;
    // PIN hashes are not in the cache: pin_hash stays empty and a PIN zone denies offline.
    s.badges[e.credential_key].pin_hash.clear();
  }
  return s;
}

Result<Snapshot> DecodeCache(std::string_view payload) {
  FG_ASSIGN_OR_RETURN(CacheDocument document, ParseCache(payload));
  if (!document.full) {
    return MakeError(ErrorCode::kFailedPrecondition, "a delta needs its base (ApplyDelta)");
  }
  return ToSnapshot(document);
}

// --- Signatures ---

std::string Base64Encode(std::string_view bytes) {
  std::string out(sodium_base64_encoded_len(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), sodium_base64_VARIANT_ORIGINAL);
  out.pop_back();  // the terminating NUL
  return out;
}

std::optional<std::string> Base64Decode(std::string_view text) {
  if (sodium_init() < 0) return std::nullopt;
  std::string out(text.size() / 4 * 3 + 3, '\0');
  size_t len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                        text.size(), nullptr, &len, &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != text.data() + text.size()) {
    return std::nullopt;
  }
  out.resize(len);
  return out;
}

std::string KeyId(const PublicKey& public_key) {
  unsigned char hash[8];
  crypto_generichash(hash, sizeof hash, public_key.data(), public_key.size(), nullptr, 0);
  return "fgc-" + Hex(hash, sizeof hash);
}

bool Verify(std::string_view payload, std::string_view signature, const PublicKey& public_key) {
  if (sodium_init() < 0 || signature.size() != crypto_sign_BYTES) return false;
  return crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(signature.data()),
                                     reinterpret_cast<const unsigned char*>(payload.data()),
                                     payload.size(), public_key.data()) == 0;
}

Result<void> VerifyBase64(std::string_view payload, std::string_view signature_b64,
                          std::string_view public_key_b64) {
  auto key = Base64Decode(public_key_b64);
  if (!key || key->size() != crypto_sign_PUBLICKEYBYTES) {
    return InvalidArgument("public_key", "must be a base64 Ed25519 public key (32 bytes)");
  }
  auto signature = Base64Decode(signature_b64);
  if (!signature || signature->size() != crypto_sign_BYTES) {
    return InvalidArgument("signature", "must be a base64 Ed25519 signature (64 bytes)");
  }
  PublicKey pk{};
  std::memcpy(pk.data(), key->data(), pk.size());
  if (!Verify(payload, *signature, pk)) {
    return MakeError(ErrorCode::kDataLoss, "the cache signature does not verify");
  }
  return {};
}

Result<CacheSigner> CacheSigner::LoadOrCreate(const std::filesystem::path& file) {
  if (sodium_init() < 0) return Internal("libsodium failed to initialise");
  CacheSigner signer;
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) {
    crypto_sign_keypair(signer.public_key_.data(), signer.secret_key_.data());
    std::string hex = Hex(signer.secret_key_.data(), signer.secret_key_.size());
    auto written = WriteNewFile(file, hex + "\n");
    sodium_memzero(hex.data(), hex.size());
    FG_RETURN_IF_ERROR(written);
    return signer;
  }
  if ((st.st_mode & 077) != 0) {
    return MakeError(ErrorCode::kFailedPrecondition,
                     file.string() + " is readable by others; run: chmod 600 " + file.string());
  }
  std::ifstream in(file, std::ios::binary);
  std::string hex(257, '\0');
  in.read(hex.data(), static_cast<std::streamsize>(hex.size()));
  hex.resize(static_cast<size_t>(in.gcount()));
  while (!hex.empty() && std::isspace(static_cast<unsigned char>(hex.back()))) hex.pop_back();
  size_t len = 0;
  const int bad = sodium_hex2bin(signer.secret_key_.data(), signer.secret_key_.size(), hex.data(),
                                 hex.size(), nullptr, &len, nullptr);
  sodium_memzero(hex.data(), hex.size());
  if (bad != 0 || len != signer.secret_key_.size()) {
    return MakeError(ErrorCode::kDataLoss, file.string() + " does not hold an Ed25519 key");
  }
  crypto_sign_ed25519_sk_to_pk(signer.public_key_.data(), signer.secret_key_.data());
  return signer;
}

std::string CacheSigner::Sign(std::string_view payload) const {
  std::string signature(crypto_sign_BYTES, '\0');
  crypto_sign_detached(reinterpret_cast<unsigned char*>(signature.data()), nullptr,
                       reinterpret_cast<const unsigned char*>(payload.data()), payload.size(),
                       secret_key_.data());
  return signature;
}

// --- The service ---

OfflineService::OfflineService(store::Database& db, audit::Log& log, AccessControl& access,
                               directory::Directory& directory, core::Clock& clock,
                               OfflineOptions options)
    : db_(db),
      log_(log),
      access_(access),
      directory_(directory),
      clock_(clock),
      options_(std::move(options)) {}

std::span<const store::Migration> OfflineService::Migrations() { return kMigrations; }

Result<void> OfflineService::Start() {
  FG_ASSIGN_OR_RETURN(CacheSigner signer, CacheSigner::LoadOrCreate(options_.key_file));
  signer_ = std::move(signer);
  return {};
}

Result<CacheDocument> OfflineService::Build(std::string_view controller,
                                            std::optional<uint64_t> since) {
  FG_ASSIGN_OR_RETURN(std::vector<Door> doors, access_.ListDoors());
  std::shared_ptr<const Snapshot> snap = access_.snapshot();
  // A directory change (training, assignment, person status) since the snapshot was built
  // must reach the cache too, as it reaches the next online decision.
  if (snap->directory_generation != directory_.generation()) {
    FG_RETURN_IF_ERROR(access_.Refresh());
    snap = access_.snapshot();
  }

  CacheDocument current;
  current.controller = std::string(controller);
  current.issued_at = clock_.WallNow();
  std::set<int64_t> zone_ids;
  std::map<std::string, Snapshot::ReaderInfo> readers;
  for (const Door& d : doors) {
    if (d.controller.empty() || d.controller != controller) continue;
    readers[d.entry_reader_id] = {.door_id = d.id,
                                  .direction = Direction::kEntry,
                                  .from_zone_id = d.from_zone_id,
                                  .to_zone_id = d.to_zone_id};
    if (d.exit_reader_id) {
      readers[*d.exit_reader_id] = {.door_id = d.id,
                                    .direction = Direction::kExit,
                                    .from_zone_id = d.to_zone_id,
                                    .to_zone_id = d.from_zone_id};
    }
    zone_ids.insert(d.from_zone_id);
    zone_ids.insert(d.to_zone_id);
  }
  current.readers.assign(readers.begin(), readers.end());
  // The enclosing zones too, so the tailgating hint sees the same zone tree offline.
  std::set<int64_t> cached_zones;
  for (int64_t id : zone_ids) {
    for (int64_t z = id, depth = 0; depth < 32 && cached_zones.insert(z).second; ++depth) {
      auto it = snap->zones.find(z);
      if (it == snap->zones.end() || !it->second.parent_id) break;
      z = *it->second.parent_id;
    }
  }
  std::set<int64_t> campaigns;
  std::set<int64_t> sites;
  for (int64_t id : cached_zones) {
    auto it = snap->zones.find(id);
    // A zone deleted since the door was made stays out: the reader then denies, as online.
    if (it == snap->zones.end()) continue;
    current.zones.emplace_back(id, it->second);
    if (zone_ids.contains(id) && it->second.campaign_id) campaigns.insert(*it->second.campaign_id);
    if (it->second.hours) sites.insert(it->second.site_id);
  }
  for (int64_t site_id : sites) {
    auto site = directory_.GetSite(site_id);
    if (site) {
      current.site_time_zones.emplace_back(site_id, site->timezone);
    } else if (site.error().code != ErrorCode::kNotFound) {
      return tl::unexpected(site.error());
    }
  }

  // Entry text by key: what is hashed, compared and sent.
  std::map<std::string, CacheEntry> entries;
  if (!readers.empty()) {
    for (const auto& [key, badge] : snap->badges) {
      auto person = snap->people.find(badge.person_id);
      if (person == snap->people.end()) continue;
      CacheEntry e{.credential_key = key, .badge = badge, .person = person->second};
      e.badge.pin_hash.clear();  // never leaves the server
      for (int64_t zone : zone_ids) {
        auto g = snap->grants.find({badge.person_id, zone});
        if (g != snap->grants.end()) e.grants.emplace_back(zone, g->second);
      }
      for (int64_t campaign : campaigns) {
        auto t = snap->trainings.find({badge.person_id, campaign});
        if (t != snap->trainings.end()) e.trainings.emplace_back(campaign, t->second);
        if (snap->assignments.contains({badge.person_id, campaign})) {
          e.assignments.push_back(campaign);
        }
      }
      entries.emplace(key, std::move(e));
    }
  }
  std::map<std::string, std::string> hashes;
  for (const auto& [key, e] : entries) hashes[key] = ContentHash(Dump(EntryJson(e)));
  CacheDocument rules_only = current;
  rules_only.issued_at = core::FromUnixMicros(0);
  const std::string rules_hash = ContentHash(EncodeCache(rules_only));

  uint64_t version = 0;
  uint64_t rules_version = 0;
  std::map<std::string, std::pair<uint64_t, bool>> stored;  // key -> (version, removed)
  FG_RETURN_IF_ERROR(db_.Write([&](store::Connection& c) -> Result<void> {
    version = 0;
    rules_version = 0;
    stored.clear();
    std::optional<std::string> old_rules_hash;
    FG_RETURN_IF_ERROR(
        c.Exec("SELECT version, rules_hash, rules_version FROM access_offline_controllers WHERE "
               "controller = ?",
               {controller}, [&](const store::Row& r) {
                 version = static_cast<uint64_t>(r.Int(0));
                 old_rules_hash = r.Text(1);
                 rules_version = static_cast<uint64_t>(r.Int(2));
               }));
    std::map<std::string, std::string> old_hashes;
    FG_RETURN_IF_ERROR(
        c.Exec("SELECT credential_key, hash, version, removed FROM access_offline_entries WHERE "
               "controller = ?",
               {controller}, [&](const store::Row& r) {
                 stored[r.Text(0)] = {static_cast<uint64_t>(r.Int(2)), r.Int(3) != 0};
                 if (r.Int(3) == 0) old_hashes[r.Text(0)] = r.Text(1);
               }));
    std::vector<std::string> changed;
    std::vector<std::string> removed;
    for (const auto& [key, hash] : hashes) {
      auto old = old_hashes.find(key);
      if (old == old_hashes.end() || old->second != hash) changed.push_back(key);
    }
    for (const auto& [key, hash] : old_hashes) {
      if (!hashes.contains(key)) removed.push_back(key);
    }
    const bool rules_changed = !old_rules_hash || *old_rules_hash != rules_hash;
    if (changed.empty() && removed.empty() && !rules_changed) return {};

    ++version;
    if (rules_changed) rules_version = version;
    FG_RETURN_IF_ERROR(
        c.Exec("INSERT INTO access_offline_controllers (controller, version, rules_hash, "
               "rules_version) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (controller) DO UPDATE SET "
               "version = ?2, rules_hash = ?3, rules_version = ?4",
               {controller, static_cast<int64_t>(version), rules_hash,
                static_cast<int64_t>(rules_version)}));
    for (const auto& key : changed) {
      FG_RETURN_IF_ERROR(
          c.Exec("INSERT INTO access_offline_entries (controller, credential_key, hash, version, "
                 "removed) VALUES (?1, ?2, ?3, ?4, 0) ON CONFLICT (controller, credential_key) DO "
                 "UPDATE SET hash = ?3, version = ?4, removed = 0",
                 {controller, key, hashes[key], static_cast<int64_t>(version)}));
      stored[key] = {version, false};
    }
    for (const auto& key : removed) {
      FG_RETURN_IF_ERROR(
          c.Exec("UPDATE access_offline_entries SET hash = '', version = ?3, removed = 1 WHERE "
                 "controller = ?1 AND credential_key = ?2",
                 {controller, key, static_cast<int64_t>(version)}));
      stored[key] = {version, true};
    }
    return log_
        .Append(c, {.actor = "system",
                    .action = "access.offline.cache.publish",
                    .subject = "controller:" + std::string(controller),
                    .details = Dump(Json{{"version", version},
                                         {"changed", changed.size()},
                                         {"removed", removed.size()},
                                         {"rules_changed", rules_changed}})})
        .transform([](int64_t) {});
  }));

  current.version = version;
  const bool full = !since || *since == 0 || *since > version || *since < rules_version;
  current.full = full;
  if (!full) current.since = since;
  for (auto& [key, e] : entries) {
    if (full || stored[key].first > *since) current.entries.push_back(std::move(e));
  }
  if (!full) {
    for (const auto& [key, state] : stored) {
      if (state.second && state.first > *since) current.removed.push_back(key);
    }
  }
  return current;
}

Result<SignedCache> OfflineService::Cache(std::string_view controller,
                                          std::optional<uint64_t> since) {
  if (!signer_) return MakeError(ErrorCode::kFailedPrecondition, "offline cache not started");
  FG_ASSIGN_OR_RETURN(CacheDocument document, Build(controller, since));
  SignedCache out;
  out.payload = EncodeCache(document);
  out.signature_b64 = Base64Encode(signer_->Sign(out.payload));
  out.key_id = signer_->key_id();
  out.version = document.version;
  out.full = document.full;
  return out;
}

Result<UploadResult> OfflineService::Upload(std::string_view controller,
                                            std::span<const OfflineEvent> events) {
  if (events.size() > options_.max_events_per_upload) {
    return InvalidArgument("events", "at most " + std::to_string(options_.max_events_per_upload) +
                                         " events per upload");
  }
  FG_ASSIGN_OR_RETURN(std::vector<Door> doors, access_.ListDoors());
  std::map<std::string, Snapshot::ReaderInfo, std::less<>> readers;
  for (const Door& d : doors) {
    if (d.controller.empty() || d.controller != controller) continue;
    readers[d.entry_reader_id] = {.door_id = d.id,
                                  .direction = Direction::kEntry,
                                  .from_zone_id = d.from_zone_id,
                                  .to_zone_id = d.to_zone_id};
    if (d.exit_reader_id) {
      readers[*d.exit_reader_id] = {.door_id = d.id,
                                    .direction = Direction::kExit,
                                    .from_zone_id = d.to_zone_id,
                                    .to_zone_id = d.from_zone_id};
    }
  }
  std::shared_ptr<const Snapshot> snap = access_.snapshot();
  const core::WallTime now = clock_.WallNow();

  // What one valid event becomes.
  struct Row {
    const OfflineEvent* event;
    Snapshot::ReaderInfo reader;
    std::string credential_key;  // empty when the credential did not parse
    std::optional<int64_t> badge_id;
    std::optional<int64_t> person_id;
  };
  UploadResult result;
  std::vector<Row> rows;
  for (const OfflineEvent& e : events) {
    auto reject = [&](std::string why) {
      result.rejected.emplace_back(e.id.substr(0, 64), std::move(why));
    };
    if (!ValidEventId(e.id)) {
      reject("id: must be 1..64 of [A-Za-z0-9._:-]");
      continue;
    }
    auto reader = readers.find(e.reader_id);
    if (reader == readers.end()) {
      reject("reader_id: " + e.reader_id.substr(0, 64) + " is not on this controller's doors");
      continue;
    }
    if (e.time > now + options_.max_clock_skew) {
      reject("time: in the future (controller clock?)");
      continue;
    }
    if (e.time < now - options_.max_event_age) {
      reject("time: older than the upload window");
      continue;
    }
    auto reason = ParseReason(e.reason);
    if (!reason) {
      reject("reason: unknown reason code");
      continue;
    }
    if (e.granted != (*reason == Reason::kGranted)) {
      reject("reason: " + e.reason + " does not match the decision");
      continue;
    }
    Row row{.event = &e, .reader = reader->second};
    auto credential = ParseCredential(e.credential);
    if (credential) {
      row.credential_key = credential->Key();
      auto badge = snap->badges.find(std::string_view(row.credential_key));
      if (badge != snap->badges.end()) {
        row.badge_id = badge->second.id;
        row.person_id = badge->second.person_id;
      }
    } else if (*reason != Reason::kMalformedCredential) {
      reject("credential: " + credential.error().message);
      continue;
    }
    rows.push_back(std::move(row));
  }

  std::vector<const Row*> accepted;
  const std::string actor = "device:" + std::string(controller);
  FG_RETURN_IF_ERROR(db_.Write([&](store::Connection& c) -> Result<void> {
    accepted.clear();
    result.duplicates = 0;
    for (const Row& row : rows) {
      const OfflineEvent& e = *row.event;
      FG_ASSIGN_OR_RETURN(
          int64_t inserted,
          c.Exec("INSERT OR IGNORE INTO access_offline_events (controller, event_id, received_at) "
                 "VALUES (?, ?, ?)",
                 {controller, e.id, core::ToUnixMicros(now)}));
      if (inserted == 0) {
        ++result.duplicates;
        continue;
      }
      const int64_t event_row = c.LastInsertRowId();
      FG_RETURN_IF_ERROR(c.Exec(
          "INSERT INTO access_passages (time, reader_id, door_id, badge_id, person_id, "
          "from_zone_id, to_zone_id, granted, reason, alerts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, "
          "?)",
          {core::ToUnixMicros(e.time), e.reader_id, row.reader.door_id, row.badge_id, row.person_id,
           row.reader.from_zone_id, row.reader.to_zone_id, e.granted, e.reason, "offline"}));
      const int64_t passage_id = c.LastInsertRowId();
      FG_RETURN_IF_ERROR(c.Exec("UPDATE access_offline_events SET passage_id = ? WHERE id = ?",
                                {passage_id, event_row}));
      Json details{
          {"event_id", e.id},
          {"controller", controller},
          {"reader_id", e.reader_id},
          {"reason", e.reason},
          {"credential", row.credential_key.empty() ? Json(nullptr) : Json(row.credential_key)},
          {"door_id", row.reader.door_id},
          {"badge_id", row.badge_id ? Json(*row.badge_id) : Json(nullptr)},
          {"from_zone_id", row.reader.from_zone_id},
          {"to_zone_id", row.reader.to_zone_id},
          {"time", core::FormatRfc3339(e.time)},
          {"passage_id", passage_id}};
      FG_RETURN_IF_ERROR(
          log_.Append(c, {.actor = actor,
                          .action = e.granted ? "access.offline.grant" : "access.offline.deny",
                          .subject = row.person_id ? "person:" + std::to_string(*row.person_id)
                                                   : "reader:" + e.reader_id,
                          .details = Dump(details)}));
      accepted.push_back(&row);
    }
    return {};
  }));
  result.accepted = static_cast<int>(accepted.size());

  // Presence follows the newest grant: an offline entry older than what the server already
  // saw (an online passage after the outage) does not move anyone back.
  for (const Row* row : accepted) {
    if (!row->event->granted || !row->person_id) continue;
    auto where = access_.presence().Where(*row->person_id);
    if (!where || where->since < row->event->time) {
      access_.presence().Move(*row->person_id, row->reader.to_zone_id, row->event->time);
    }
  }
  return result;
}

}  // namespace fg::access
