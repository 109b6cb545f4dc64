#include "access/devices.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace fg::access {

namespace {

using Json = nlohmann::json;

constexpr store::Migration kMigrations[] = {
    {1, R"sql(
CREATE TABLE access_violations (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  person_id INTEGER NOT NULL,
  zone_id INTEGER NOT NULL,
  time INTEGER NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('phone', 'camera', 'storage', 'other')),
  note TEXT NOT NULL DEFAULT '',
  camera_ref TEXT NOT NULL DEFAULT '',
  recorded_by TEXT NOT NULL,
  recorded_at INTEGER NOT NULL,
  alert_id INTEGER
);
CREATE INDEX access_violations_person ON access_violations (person_id, time);
CREATE INDEX access_violations_time ON access_violations (time);
CREATE TABLE access_company_devices (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  identifier TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL,
  person_id INTEGER,
  note TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL
);
CREATE TABLE access_device_episodes (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  identifier TEXT NOT NULL,
  zone_id INTEGER NOT NULL,
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  sightings INTEGER NOT NULL,
  min_rssi INTEGER NOT NULL,
  max_rssi INTEGER NOT NULL,
  closed INTEGER NOT NULL CHECK (closed IN (0, 1)),
  alert_id INTEGER
);
CREATE INDEX access_device_episodes_last_seen ON access_device_episodes (last_seen);
)sql"},
};

constexpr std::string_view kViolationKinds[] = {"phone", "camera", "storage", "other"};

std::string Dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

bool IsHex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }
std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// "aa:bb:cc:dd:ee:ff", "aa-bb-cc-dd-ee-ff", "aabb.ccdd.eeff" or 12 bare hex digits.
bool LooksLikeMac(std::string_view s) {
  std::string hex;
  for (char c : s) {
    if (IsHex(c)) {
      hex += c;
    } else if (c != ':' && c != '-' && c != '.') {
      return false;
    }
  }
  return hex.size() == 12 && (s.size() == 12 || s.size() == 14 || s.size() == 17);
}

enum class Newlines { kAllowed, kRefused };

Result<void> CheckText(std::string_view text, std::string_view field, size_t max_bytes,
                       Newlines newlines) {
  if (text.size() > max_bytes) {
    return InvalidArgument(std::string(field),
                           "must be at most " + std::to_string(max_bytes) + " bytes");
  }
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (newlines == Newlines::kAllowed && (c == '\n' || c == '\t')) continue;
    if (u < 0x20 || u == 0x7f) {
      return InvalidArgument(std::string(field), "must not hold control characters");
    }
  }
  return {};
}

constexpr std::string_view kViolationColumns =
    "SELECT id, person_id, zone_id, time, kind, note, camera_ref, recorded_by, recorded_at, "
    "alert_id FROM access_violations";
Violation ViolationOf(const store::Row& r) {
  return Violation{.id = r.Int(0),
                   .person_id = r.Int(1),
                   .zone_id = r.Int(2),
                   .time = core::FromUnixMicros(r.Int(3)),
                   .kind = ParseViolationKind(r.TextView(4)).value_or(ViolationKind::kOther),
                   .note = r.Text(5),
                   .camera_ref = r.Text(6),
                   .recorded_by = r.Text(7),
                   .recorded_at = core::FromUnixMicros(r.Int(8)),
                   .alert_id = r.OptInt(9)};
}
constexpr std::string_view kDeviceColumns =
    "SELECT id, identifier, kind, person_id, note, created_at FROM access_company_devices";
CompanyDevice DeviceOf(const store::Row& r) {
  return CompanyDevice{.id = r.Int(0),
                       .identifier = r.Text(1),
                       .kind = r.Text(2),
                       .person_id = r.OptInt(3),
                       .note = r.Text(4),
                       .created_at = core::FromUnixMicros(r.Int(5))};
}
constexpr std::string_view kEpisodeColumns =
    "SELECT id, identifier, zone_id, first_seen, last_seen, sightings, min_rssi, max_rssi, "
    "closed, alert_id FROM access_device_episodes";
DeviceEpisode EpisodeOf(const store::Row& r) {
  return DeviceEpisode{.id = r.Int(0),
                       .identifier = r.Text(1),
                       .zone_id = r.Int(2),
                       .first_seen = core::FromUnixMicros(r.Int(3)),
                       .last_seen = core::FromUnixMicros(r.Int(4)),
                       .sightings = r.Int(5),
                       .min_rssi = static_cast<int>(r.Int(6)),
                       .max_rssi = static_cast<int>(r.Int(7)),
                       .closed = r.Int(8) != 0,
                       .alert_id = r.OptInt(9)};
}

Json EpisodeJson(const DeviceEpisode& e) {
  Json out{{"identifier", e.identifier},
           {"zone_id", e.zone_id},
           {"first_seen", core::FormatRfc3339(e.first_seen)},
           {"last_seen", core::FormatRfc3339(e.last_seen)},
           {"sightings", e.sightings},
           {"min_rssi", e.min_rssi},
           {"max_rssi", e.max_rssi},
           {"closed", e.closed}};
  out["alert_id"] = e.alert_id ? Json(*e.alert_id) : Json(nullptr);
  return out;
}

int64_t Seconds(std::chrono::microseconds d) {
  return std::chrono::duration_cast<std::chrono::seconds>(d).count();
}

Result<void> Audit(audit::Log& log, store::Connection& c, std::string actor, std::string action,
                   std::string subject, const Json& details) {
  return log
      .Append(c, {.actor = std::move(actor),
                  .action = std::move(action),
                  .subject = std::move(subject),
                  .details = Dump(details)})
      .transform([](int64_t) {});
}

}  // namespace

std::string_view ViolationKindName(ViolationKind kind) {
  return kViolationKinds[static_cast<size_t>(kind)];
}
std::optional<ViolationKind> ParseViolationKind(std::string_view name) {
  for (size_t i = 0; i < std::size(kViolationKinds); ++i) {
    if (kViolationKinds[i] == name) return static_cast<ViolationKind>(i);
  }
  return std::nullopt;
}

std::string_view SightingOutcomeName(SightingResult::Outcome outcome) {
  switch (outcome) {
    case SightingResult::Outcome::kNotWatched:
      return "not_watched";
    case SightingResult::Outcome::kRegistered:
      return "registered";
    case SightingResult::Outcome::kTracked:
      return "tracked";
    case SightingResult::Outcome::kAlerted:
      return "alerted";
  }
  return "tracked";
}

Result<std::string> NormalizeDeviceIdentifier(std::string_view text) {
  const std::string lower = Lower(text);
  auto all_hex = [](std::string_view s) { return std::all_of(s.begin(), s.end(), IsHex); };
  if (lower.starts_with("sha256:")) {
    std::string_view hex = std::string_view(lower).substr(7);
    if (hex.size() == 64 && all_hex(hex)) return lower;
    return InvalidArgument("identifier", "sha256: must be followed by 64 hex digits");
  }
  if (lower.starts_with("ble:")) {
    std::string_view hex = std::string_view(lower).substr(4);
    if (!hex.empty() && hex.size() <= 64 && all_hex(hex)) return lower;
    return InvalidArgument("identifier", "ble: must be followed by 1 to 64 hex digits");
  }
  if (LooksLikeMac(lower)) {
    return InvalidArgument("identifier",
                           "a raw MAC address is refused: hash it on the sensor and send "
                           "\"sha256:<64 hex>\"");
  }
  return InvalidArgument("identifier", "must be \"sha256:<64 hex>\" or \"ble:<hex id>\"");
}

Devices::Devices(store::Database& db, audit::Log& log, directory::Directory& directory,
                 AccessControl& access, AlertPort& alerts, core::Clock& clock, Options options)
    : db_(db),
      log_(log),
      directory_(directory),
      access_(access),
      alerts_(alerts),
      clock_(clock),
      options_(options) {}

std::span<const store::Migration> Devices::Migrations() { return kMigrations; }

Result<void> Devices::Start() {
  std::set<std::string, std::less<>> registered;
  FG_RETURN_IF_ERROR(db_.Read([&](store::Connection& c) {
    return c.Exec("SELECT identifier FROM access_company_devices", {},
                  [&](const store::Row& r) { registered.insert(r.Text(0)); });
  }));
  std::lock_guard lock(mu_);
  registered_ = std::move(registered);
  return {};
}

// --- Violations ---

Result<RecordedViolation> Devices::RecordViolation(const ViolationInput& in,
                                                   std::string_view actor) {
  FG_RETURN_IF_ERROR(CheckText(in.note, "note", 1000, Newlines::kAllowed));
  FG_RETURN_IF_ERROR(CheckText(in.camera_ref, "camera_ref", 200, Newlines::kRefused));
  const core::WallTime now = clock_.WallNow();
  Violation v{.person_id = in.person_id,
              .zone_id = in.zone_id,
              .time = in.time.value_or(now),
              .kind = in.kind,
              .note = in.note,
              .camera_ref = in.camera_ref,
              .recorded_by = std::string(actor),
              .recorded_at = now};
  if (v.time > now + options_.max_clock_skew) {
    return InvalidArgument("time", "is in the future");
  }
  if (v.time > now) v.time = now;
  auto person = directory_.GetPerson(in.person_id);
  if (!person) {
    if (person.error().code != ErrorCode::kNotFound) return tl::unexpected(person.error());
    return InvalidArgument("person_id",
                           "person " + std::to_string(in.person_id) + " does not exist");
  }
  auto zone = directory_.GetZone(in.zone_id);
  if (!zone) {
    if (zone.error().code != ErrorCode::kNotFound) return tl::unexpected(zone.error());
    return InvalidArgument("zone_id", "zone " + std::to_string(in.zone_id) + " does not exist");
  }
  Json details{{"person_id", v.person_id},
               {"zone_id", v.zone_id},
               {"time", core::FormatRfc3339(v.time)},
               {"kind", ViolationKindName(v.kind)},
               {"note", v.note},
               {"camera_ref", v.camera_ref}};
  FG_RETURN_IF_ERROR(db_.Write([&](store::Connection& c) -> Result<void> {
    FG_RETURN_IF_ERROR(
        c.Exec("INSERT INTO access_violations (person_id, zone_id, time, kind, note, camera_ref, "
               "recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
               {v.person_id, v.zone_id, core::ToUnixMicros(v.time), ViolationKindName(v.kind),
                v.note, v.camera_ref, v.recorded_by, core::ToUnixMicros(v.recorded_at)}));
    v.id = c.LastInsertRowId();
    return Audit(log_, c, std::string(actor), "access.violation.create",
                 "violation:" + std::to_string(v.id), details);
  }));

  RecordedViolation out{.violation = v};
  std::string who = person->name;
  if (person->employee_number) who += " (" + *person->employee_number + ")";
  details["violation_id"] = v.id;
  details["recorded_by"] = v.recorded_by;
  auto alert_id = alerts_.Raise({.rule = "access.device_violation",
                                 .severity = "medium",
                                 .summary = "Personal device violation (" +
                                            std::string(ViolationKindName(v.kind)) + ") by " + who +
                                            " in zone '" + zone->name + "'",
                                 .subject = "person:" + std::to_string(v.person_id),
                                 .details = Dump(details)});
  if (!alert_id) {
    out.alert_error = alert_id.error();
    return out;
  }
  auto linked = db_.Write([&](store::Connection& c) -> Result<void> {
    FG_RETURN_IF_ERROR(
        c.Exec("UPDATE access_violations SET alert_id = ? WHERE id = ?", {*alert_id, v.id}));
    return Audit(log_, c, "system", "access.violation.incident",
                 "violation:" + std::to_string(v.id), Json{{"alert_id", *alert_id}});
  });
  if (!linked) {
    out.alert_error = linked.error();
  } else {
    out.violation.alert_id = *alert_id;
  }
  return out;
}

Result<std::vector<Violation>> Devices::ListViolations(const ViolationFilter& filter) {
  if (filter.limit < 1 || filter.limit > 500) return InvalidArgument("limit", "must be 1..500");
  std::vector<Violation> out;
  FG_RETURN_IF_ERROR(db_.Read([&](store::Connection& c) {
    return c.Exec(std::string(kViolationColumns) +
                      " WHERE (?1 IS NULL OR person_id = ?1) AND (?2 IS NULL OR zone_id = ?2) "
                      "ORDER BY time DESC, id DESC LIMIT ?3",
                  {filter.person_id, filter.zone_id, filter.limit},
                  [&](const store::Row& r) { out.push_back(ViolationOf(r)); });
  }));
  return out;
}

// --- Company devices ---

Result<CompanyDevice> Devices::RegisterDevice(const CompanyDeviceInput& in,
                                              std::string_view actor) {
  FG_ASSIGN_OR_RETURN(std::string identifier, NormalizeDeviceIdentifier(in.identifier));
  if (in.kind.empty() || in.kind.size() > 32 ||
      !std::all_of(in.kind.begin(), in.kind.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
      })) {
    return InvalidArgument("kind", "must be 1..32 of [a-z0-9_-] (phone, laptop, headset...)");
  }
  FG_RETURN_IF_ERROR(CheckText(in.note, "note", 200, Newlines::kRefused));
  if (in.person_id) {
    auto person = directory_.GetPerson(*in.person_id);
    if (!person) {
      if (person.error().code != ErrorCode::kNotFound) return tl::unexpected(person.error());
      return InvalidArgument("person_id",
                             "person " + std::to_string(*in.person_id) + " does not exist");
    }
  }
  CompanyDevice device{.identifier = identifier,
                       .kind = in.kind,
                       .person_id = in.person_id,
                       .note = in.note,
                       .created_at = clock_.WallNow()};
  FG_RETURN_IF_ERROR(db_.Write([&](store::Connection& c) -> Result<void> {
    int64_t taken = 0;
    FG_RETURN_IF_ERROR(c.Exec("SELECT id FROM access_company_devices WHERE identifier = ?",
                              {identifier}, [&](const store::Row& r) { taken = r.Int(0); }));
    if (taken != 0) {
      return MakeError(
          ErrorCode::kAlreadyExists,
          "device " + identifier + " is already registered (id " + std::to_string(taken) + ")",
          "identifier");
    }
    FG_RETURN_IF_ERROR(
        c.Exec("INSERT INTO access_company_devices (identifier, kind, person_id, note, created_at) "
               "VALUES (?, ?, ?, ?, ?)",
               {device.identifier, device.kind, device.person_id, device.note,
                core::ToUnixMicros(device.created_at)}));
    device.id = c.LastInsertRowId();
    Json details{{"identifier", device.identifier}, {"kind", device.kind}, {"note", device.note}};
    details["person_id"] = device.person_id ? Json(*device.person_id) : Json(nullptr);
    return Audit(log_, c, std::string(actor), "access.device.register",
                 "device:" + std::to_string(device.id), details);
  }));
  std::lock_guard lock(mu_);
  registered_.insert(identifier);
  // A device registered while it was being watched is no longer a stranger.
  for (auto it = open_.begin(); it != open_.end();) {
    it = it->first.first == identifier ? open_.erase(it) : std::next(it);
  }
  return device;
}

Result<std::vector<CompanyDevice>> Devices::ListDevices() {
  std::vector<CompanyDevice> out;
  FG_RETURN_IF_ERROR(db_.Read([&](store::Connection& c) {
    return c.Exec(std::string(kDeviceColumns) + " ORDER BY id", {},
                  [&](const store::Row& r) { out.push_back(DeviceOf(r)); });
  }));
  return out;
}

Result<void> Devices::DeleteDevice(int64_t id, std::string_view actor) {
  std::optional<CompanyDevice> before;
  FG_RETURN_IF_ERROR(db_.Write([&](store::Connection& c) -> Result<void> {
    FG_RETURN_IF_ERROR(c.Exec(std::string(kDeviceColumns) + " WHERE id = ?", {id},
                              [&](const store::Row& r) { before = DeviceOf(r); }));
    if (!before) return NotFound("device " + std::to_string(id) + " does not exist");
    FG_RETURN_IF_ERROR(c.Exec("DELETE FROM access_company_devices WHERE id = ?", {id}));
    return Audit(log_, c, std::string(actor), "access.device.delete",
                 "device:" + std::to_string(id),
                 Json{{"identifier", before->identifier}, {"kind", before->kind}});
  }));
  std::lock_guard lock(mu_);
  registered_.erase(before->identifier);
  return {};
}

// --- Sightings ---

Result<bool> Devices::Watched(int64_t zone_id) {
  using directory::ZoneClassification;
  auto watched = [](ZoneClassification c) {
    return c == ZoneClassification::kSecure || c == ZoneClassification::kRestricted;
  };
  {
    auto snapshot = access_.snapshot();
    if (auto it = snapshot->zones.find(zone_id); it != snapshot->zones.end()) {
      return watched(it->second.classification);
    }
  }
  // A zone created since the last snapshot: ask the directory.
  auto zone = directory_.GetZone(zone_id);
  if (!zone) {
    if (zone.error().code != ErrorCode::kNotFound) return tl::unexpected(zone.error());
    return InvalidArgument("zone_id", "zone " + std::to_string(zone_id) + " does not exist");
  }
  return watched(zone->classification);
}

Result<SightingResult> Devices::RecordSighting(const SightingInput& in, std::string_view sensor) {
  FG_ASSIGN_OR_RETURN(std::string identifier, NormalizeDeviceIdentifier(in.identifier));
  if (in.zone_id <= 0) return InvalidArgument("zone_id", "must be a positive id");
  if (in.rssi < -127 || in.rssi > 0) return InvalidArgument("rssi", "must be -127..0 dBm");
  const core::WallTime now = clock_.WallNow();
  core::WallTime t = in.time.value_or(now);
  if (t > now) t = now;  // a sensor clock ahead of ours
  if (now - t > options_.max_sighting_age) {
    return InvalidArgument(
        "time", "is older than " + std::to_string(options_.max_sighting_age.count()) + " seconds");
  }
  SightingResult result{.identifier = identifier};
  FG_ASSIGN_OR_RETURN(bool watched, Watched(in.zone_id));
  if (!watched) return result;

  std::vector<Open> closed;
  std::optional<Open> to_alert;
  {
    std::lock_guard lock(mu_);
    if (registered_.contains(identifier)) {
      result.outcome = SightingResult::Outcome::kRegistered;
      return result;
    }
    const Key key{identifier, in.zone_id};
    auto it = open_.find(key);
    if (it != open_.end() && t - it->second.episode.last_seen > options_.sighting_gap) {
      closed.push_back(std::move(it->second));
      open_.erase(it);
      it = open_.end();
    }
    if (it == open_.end()) {
      if (open_.size() >= options_.max_open_episodes) {
        return MakeError(ErrorCode::kResourceExhausted,
                         "too many devices watched at once (" +
                             std::to_string(options_.max_open_episodes) + ")");
      }
      Open fresh{.episode = {.identifier = identifier,
                             .zone_id = in.zone_id,
                             .first_seen = t,
                             .last_seen = t,
                             .sightings = 0,
                             .min_rssi = in.rssi,
                             .max_rssi = in.rssi},
                 .sensor = std::string(sensor)};
      it = open_.emplace(key, std::move(fresh)).first;
    }
    DeviceEpisode& e = it->second.episode;
    e.first_seen = std::min(e.first_seen, t);
    e.last_seen = std::max(e.last_seen, t);
    ++e.sightings;
    e.min_rssi = std::min(e.min_rssi, in.rssi);
    e.max_rssi = std::max(e.max_rssi, in.rssi);
    result.outcome = SightingResult::Outcome::kTracked;
    if (!it->second.alerted && e.last_seen - e.first_seen > options_.device_alert_after) {
      it->second.alerted = true;
      to_alert = it->second;
    }
  }
  if (!closed.empty()) FG_RETURN_IF_ERROR(StoreEpisodes(closed));
  if (!to_alert) return result;

  // The episode is written (with its audit entry) before the alert, so the alert points at it.
  DeviceEpisode& e = to_alert->episode;
  const int64_t seconds = Seconds(e.last_seen - e.first_seen);
  auto stored = db_.Write([&](store::Connection& c) -> Result<void> {
    FG_RETURN_IF_ERROR(
        c.Exec("INSERT INTO access_device_episodes (identifier, zone_id, first_seen, last_seen, "
               "sightings, min_rssi, max_rssi, closed) VALUES (?, ?, ?, ?, ?, ?, ?, 0)",
               {e.identifier, e.zone_id, core::ToUnixMicros(e.first_seen),
                core::ToUnixMicros(e.last_seen), e.sightings, e.min_rssi, e.max_rssi}));
    e.id = c.LastInsertRowId();
    Json details = EpisodeJson(e);
    details["seconds"] = seconds;
    details["reason"] = "unregistered_device";
    return Audit(log_, c, "device:" + std::string(sensor), "access.device.episode",
                 "zone:" + std::to_string(e.zone_id), details);
  });
  if (!stored) {
    // Let the next sighting try again.
    std::lock_guard lock(mu_);
    if (auto it = open_.find({e.identifier, e.zone_id}); it != open_.end()) {
      it->second.alerted = false;
    }
    return tl::unexpected(stored.error());
  }
  std::string zone_name = "zone " + std::to_string(e.zone_id);
  if (auto zone = directory_.GetZone(e.zone_id)) zone_name = "'" + zone->name + "'";
  auto alert_id = alerts_.Raise({.rule = "access.unregistered_device",
                                 .severity = "high",
                                 .summary = "Unregistered device " + e.identifier.substr(0, 20) +
                                            "... seen in zone " + zone_name + " for " +
                                            std::to_string(seconds) + " s",
                                 .subject = "zone:" + std::to_string(e.zone_id),
                                 .details = Dump(EpisodeJson(e))});
  result.outcome = SightingResult::Outcome::kAlerted;
  if (!alert_id) {
    result.alert_error = alert_id.error();
  } else {
    result.alert_id = *alert_id;
    (void)db_.Write([&](store::Connection& c) -> Result<void> {
      return c
          .Exec("UPDATE access_device_episodes SET alert_id = ? WHERE id = ?", {*alert_id, e.id})
          .transform([](int64_t) {});
    });
  }
  std::lock_guard lock(mu_);
  if (auto it = open_.find({e.identifier, e.zone_id}); it != open_.end()) {
    it->second.episode.id = e.id;
    it->second.episode.alert_id = result.alert_id;
  }
  return result;
}

Result<void> Devices::StoreEpisodes(const std::vector<Open>& closed) {
  return db_.Write([&](store::Connection& c) -> Result<void> {
    for (const Open& o : closed) {
      DeviceEpisode e = o.episode;
      e.closed = true;
      if (e.id != 0) {
        FG_RETURN_IF_ERROR(c.Exec(
            "UPDATE access_device_episodes SET first_seen = ?, last_seen = ?, sightings = ?, "
            "min_rssi = ?, max_rssi = ?, closed = 1 WHERE id = ?",
            {core::ToUnixMicros(e.first_seen), core::ToUnixMicros(e.last_seen), e.sightings,
             e.min_rssi, e.max_rssi, e.id}));
      } else {
        FG_RETURN_IF_ERROR(c.Exec(
            "INSERT INTO access_device_episodes (identifier, zone_id, first_seen, last_seen, "
            "sightings, min_rssi, max_rssi, closed, alert_id) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?)",
            {e.identifier, e.zone_id, core::ToUnixMicros(e.first_seen),
             core::ToUnixMicros(e.last_seen), e.sightings, e.min_rssi, e.max_rssi, e.alert_id}));
        e.id = c.LastInsertRowId();
      }
      FG_RETURN_IF_ERROR(Audit(log_, c, "system", "access.device.episode",
                               "zone:" + std::to_string(e.zone_id), EpisodeJson(e)));
    }
    return {};
  });
}

Result<std::vector<DeviceEpisode>> Devices::ListEpisodes(int limit) {
  if (limit < 1 || limit > 500) return InvalidArgument("limit", "must be 1..500");
  std::vector<DeviceEpisode> out;
  FG_RETURN_IF_ERROR(db_.Read([&](store::Connection& c) {
    return c.Exec(std::string(kEpisodeColumns) + " ORDER BY last_seen DESC, id DESC LIMIT ?",
                  {limit}, [&](const store::Row& r) { out.push_back(EpisodeOf(r)); });
  }));
  return out;
}

size_t Devices::open_episodes() const {
  std::lock_guard lock(mu_);
  return open_.size();
}

Result<DeviceSweepReport> Devices::Sweep(core::WallTime now) {
  DeviceSweepReport report;
  std::vector<Open> closed;
  {
    std::lock_guard lock(mu_);
    for (auto it = open_.begin(); it != open_.end();) {
      if (now - it->second.episode.last_seen > options_.sighting_gap) {
        closed.push_back(std::move(it->second));
        it = open_.erase(it);
      } else {
        ++it;
      }
    }
  }
  if (!closed.empty()) {
    FG_RETURN_IF_ERROR(StoreEpisodes(closed));
    report.closed_episodes = static_cast<int>(closed.size());
  }
  const int64_t cutoff = core::ToUnixMicros(now - options_.episode_retention);
  bool due = false;
  FG_RETURN_IF_ERROR(db_.Read([&](store::Connection& c) {
    return c.Exec("SELECT 1 FROM access_device_episodes WHERE last_seen < ? AND closed = 1 LIMIT 1",
                  {cutoff}, [&](const store::Row&) { due = true; });
  }));
  if (!due) return report;
  FG_RETURN_IF_ERROR(db_.Write([&](store::Connection& c) -> Result<void> {
    FG_ASSIGN_OR_RETURN(
        report.purged_episodes,
        c.Exec("DELETE FROM access_device_episodes WHERE last_seen < ? AND closed = 1", {cutoff}));
    return Audit(log_, c, "system", "access.device.episode.purge", "access_device_episodes",
                 Json{{"deleted", report.purged_episodes},
                      {"before", core::FormatRfc3339(core::FromUnixMicros(cutoff))}});
  }));
  return report;
}

}  // namespace fg::access
