// access/devices.h: personal devices on the production floor — violations recorded by
// supervisors, the registry of company devices, and wireless sightings from sensors.
//
// What it decides:
// - A violation (person, zone, time, kind phone|camera|storage|other, note, camera reference)
//   is well formed (person and zone exist; time not in the future beyond Options.max_clock_skew);
//   it is stored with its audit entry ("access.violation.create") and then opens an incident for
//   the security officer: alert "access.device_violation" (medium), whose id is kept with the
//   violation.
// - A device identifier is "sha256:<64 hex>" (a MAC address hashed on the sensor) or
//   "ble:<1..64 hex>" (a BLE identifier), lower-cased. A raw MAC ("aa:bb:cc:dd:ee:ff",
//   "aa-bb-...", "aabbccddeeff") is refused: floorguard never stores a hardware address.
// - A company device (identifier, kind, optional person, note) is registered or removed with
//   its audit entry ("access.device.register" / "access.device.delete").
// - Sightings (identifier, zone, RSSI -127..0 dBm, time): an unregistered device seen in a
//   secure or restricted zone for longer than Options.device_alert_after in one episode raises
//   "access.unregistered_device" (high) once per episode. An episode is a run of sightings of
//   one identifier in one zone with no gap longer than Options.sighting_gap; a longer gap
//   starts a new one. Registered devices and public/staff zones are never tracked.
// Storage is bounded: sightings are never stored one by one. An episode lives in memory while
//   open (at most Options.max_open_episodes; beyond that new episodes are refused with
//   ResourceExhausted), and is written as one aggregate row (first/last seen, count, RSSI range,
//   alert id) with an audit entry ("access.device.episode") when it alerts and when it closes
//   (Sweep or the next sighting after the gap). Rows older than Options.episode_retention are
//   purged by Sweep. Open episodes do not survive a restart: a device still present then starts
//   a new episode.
// What it never does: store a raw MAC, store a sighting of a registered device or of a device in
//   a zone that is not secure or restricted, or raise an alert inside a store transaction.
// Thread-safety: Devices is thread-safe (one mutex over the registry and the open episodes,
//   never held across a store write or an alert).
//
//   access::Devices devices(db, log, directory, access_control, alerts, clock);
//   FG_RETURN_IF_ERROR(devices.Start());
//   FG_ASSIGN_OR_RETURN(auto r, devices.RecordSighting({.identifier = "ble:a1b2", .zone_id = 4,
//                                                       .rssi = -60}));
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "access/access.h"
#include "access/alert_port.h"
#include "audit/audit.h"
#include "core/clock.h"
#include "core/result.h"
#include "directory/directory.h"
#include "store/store.h"

namespace fg::access {

enum class ViolationKind { kPhone, kCamera, kStorage, kOther };
std::string_view ViolationKindName(ViolationKind kind);  // "phone", "camera", ...
std::optional<ViolationKind> ParseViolationKind(std::string_view name);

// "sha256:<64 hex>" or "ble:<1..64 hex>", lower-cased; InvalidArgument("identifier") for
// anything else, with a message that says so when it looks like a raw MAC.
Result<std::string> NormalizeDeviceIdentifier(std::string_view text);

struct ViolationInput {
  int64_t person_id = 0;
  int64_t zone_id = 0;
  std::optional<core::WallTime> time;  // absent = now
  ViolationKind kind = ViolationKind::kPhone;
  std::string note;        // up to 1000 characters
  std::string camera_ref;  // up to 200 printable characters: a camera and a time, a clip id
};

struct Violation {
  int64_t id = 0;
  int64_t person_id = 0;
  int64_t zone_id = 0;
  core::WallTime time;
  ViolationKind kind = ViolationKind::kPhone;
  std::string note;
  std::string camera_ref;
  std::string recorded_by;  // the audit actor
  core::WallTime recorded_at;
  std::optional<int64_t> alert_id;
};

struct RecordedViolation {
  Violation violation;
  std::optional<Error> alert_error;  // the violation stands; raising its alert failed
};

struct ViolationFilter {
  std::optional<int64_t> person_id;
  std::optional<int64_t> zone_id;
  int limit = 50;  // 1..500
};

struct CompanyDeviceInput {
  std::string identifier;  // any form NormalizeDeviceIdentifier accepts
  std::string kind;        // [a-z0-9_-]{1,32}: "phone", "laptop", "headset" ...
  std::optional<int64_t> person_id;
  std::string note;  // up to 200 characters
};

struct CompanyDevice {
  int64_t id = 0;
  std::string identifier;
  std::string kind;
  std::optional<int64_t> person_id;
  std::string note;
  core::WallTime created_at;
};

struct SightingInput {
  std::string identifier;
  int64_t zone_id = 0;
  int rssi = 0;                        // dBm, -127..0
  std::optional<core::WallTime> time;  // absent = now
};

struct SightingResult {
  enum class Outcome {
    kNotWatched,  // the zone is neither secure nor restricted
    kRegistered,  // a company device
    kTracked,     // counted in an open episode
    kAlerted,     // this sighting made its episode raise the alert
  };
  Outcome outcome = Outcome::kNotWatched;
  std::string identifier;  // normalised
  std::optional<int64_t> alert_id;
  std::optional<Error> alert_error;
};
std::string_view SightingOutcomeName(SightingResult::Outcome outcome);

// One aggregate of sightings of an unregistered device in a watched zone.
struct DeviceEpisode {
  int64_t id = 0;
  std::string identifier;
  int64_t zone_id = 0;
  core::WallTime first_seen;
  core::WallTime last_seen;
  int64_t sightings = 0;
  int min_rssi = 0;
  int max_rssi = -127;
  bool closed = false;
  std::optional<int64_t> alert_id;
};

struct DeviceSweepReport {
  int closed_episodes = 0;
  int64_t purged_episodes = 0;
};

class Devices {
 public:
  struct Options {
    std::chrono::seconds device_alert_after{120};
    std::chrono::seconds sighting_gap{60};
    std::chrono::seconds max_sighting_age{std::chrono::minutes(10)};
    std::chrono::seconds max_clock_skew{std::chrono::minutes(5)};
    std::chrono::seconds episode_retention{std::chrono::hours(24 * 30)};
    size_t max_open_episodes = 10000;
  };

  Devices(store::Database& db, audit::Log& log, directory::Directory& directory,
          AccessControl& access, AlertPort& alerts, core::Clock& clock, Options options);
  Devices(store::Database& db, audit::Log& log, directory::Directory& directory,
          AccessControl& access, AlertPort& alerts, core::Clock& clock)
      : Devices(db, log, directory, access, alerts, clock, Options{}) {}

  // Schema of module "access_devices": db.Migrate("access_devices", Devices::Migrations()).
  static std::span<const store::Migration> Migrations();
  // Loads the registry of company devices. Call once.
  Result<void> Start();

  Result<RecordedViolation> RecordViolation(const ViolationInput& input, std::string_view actor);
  // Newest first.
  Result<std::vector<Violation>> ListViolations(const ViolationFilter& filter);

  Result<CompanyDevice> RegisterDevice(const CompanyDeviceInput& input, std::string_view actor);
  Result<std::vector<CompanyDevice>> ListDevices();
  Result<void> DeleteDevice(int64_t id, std::string_view actor);

  // `sensor` is the reporting device token's name (for the audit of an alert).
  Result<SightingResult> RecordSighting(const SightingInput& input, std::string_view sensor);
  // Stored episodes, newest first.
  Result<std::vector<DeviceEpisode>> ListEpisodes(int limit = 50);
  size_t open_episodes() const;

  // Closes and stores episodes whose last sighting is older than sighting_gap; purges stored
  // episodes older than episode_retention.
  Result<DeviceSweepReport> Sweep(core::WallTime now);

 private:
  struct Open {
    DeviceEpisode episode;
    bool alerted = false;
    std::string sensor;
  };
  using Key = std::pair<std::string, int64_t>;  // identifier, zone
  Result<bool> Watched(int64_t zone_id);
  Result<void> StoreEpisodes(const std::vector<Open>& closed);

  store::Database& db_;
  audit::Log& log_;
  directory::Directory& directory_;
  AccessControl& access_;
  AlertPort& alerts_;
  core::Clock& clock_;
  Options options_;
  mutable std::mutex mu_;
  std::set<std::string, std::less<>> registered_;
  std::map<Key, Open> open_;
};

}  // namespace fg::access
