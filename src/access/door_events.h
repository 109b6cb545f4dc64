// access/door_events.h: what door controllers report besides badge reads — a passage
// confirmed, a door forced or held open, a door closed, tamper, a controller coming online or
// going offline, heartbeats — and the live state of every door that follows from it.
//
// What it decides: whether an event is well formed (a known kind; a door given by id or by
// one of its readers, which must exist and, when the door has a controller assigned, belong
// to the reporting controller; a time no older than Options.max_event_age, a future time
// clamped to now); whether it is new (the same (controller, event_id) is stored once; a
// repeat answers the stored event with duplicate = true); the door's state (position
// unknown/closed/open/forced/held, last event, last tamper, last passage); and which events
// raise an alert through AlertPort: door_forced_open ("access.door_forced", high),
// door_held_open ("access.door_held", medium) and tamper ("access.door_tamper", high). A
// repeated forced or held report of a door already in that position raises nothing more.
// A controller silent for longer than Options.offline_after is marked offline by Sweep(now)
// and raises "access.controller_offline" (high) once, until it is heard from again.
// Every stored event and its audit entry ("access.door.<kind>") commit in one transaction;
// alerts are raised after the commit (the port writes its own rows) and their ids are kept
// with the event. A heartbeat only refreshes "last seen" (no event row, no audit entry) unless
// it brings a silent controller back online; a controller_offline report marks it offline
// without an alert (a controller announcing a planned shutdown).
// Position rules, applied only when the event is not older than the door's last event:
// passage_confirmed -> open, door_forced_open -> forced, door_held_open -> held,
// door_closed -> closed; tamper keeps the position and sets tamper_at.
// "Last seen" is the server's receive time, never the controller's clock.
// What it never does: decide badge reads (decide.h), change doors, or raise an alert inside a
// store transaction.
// Thread-safety: DoorEvents is thread-safe; state lives in the store and every
// read-modify-write runs on the store's single writer.
//
//   access::DoorEvents events(db, log, access_control, alerts, clock);
//   FG_ASSIGN_OR_RETURN(auto r, events.Record({.kind = DoorEventKind::kDoorForcedOpen,
//                                              .reader_id = "floor-in"}, "door-ctl-1"));
//   FG_RETURN_IF_ERROR(events.Sweep(clock.WallNow()));  // every few seconds
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "access/access.h"
#include "access/alert_port.h"
#include "audit/audit.h"
#include "core/clock.h"
#include "core/result.h"
#include "store/store.h"

namespace fg::access {

enum class DoorEventKind {
  kPassageConfirmed,
  kDoorForcedOpen,
  kDoorHeldOpen,
  kDoorClosed,
  kTamper,
  kControllerOnline,
  kControllerOffline,
  kHeartbeat,
};
// Wire names: "passage_confirmed", "door_forced_open", ..., "heartbeat".
std::string_view DoorEventKindName(DoorEventKind kind);
std::optional<DoorEventKind> ParseDoorEventKind(std::string_view name);
// Whether the kind is about one door (and so needs door_id or reader_id).
bool IsDoorKind(DoorEventKind kind);

enum class DoorPosition { kUnknown, kClosed, kOpen, kForced, kHeld };
std::string_view DoorPositionName(DoorPosition position);  // "unknown", "closed", ...

enum class ControllerStatus { kUnknown, kOnline, kOffline };
std::string_view ControllerStatusName(ControllerStatus status);  // "unknown", "online", ...

struct DoorEventInput {
  DoorEventKind kind = DoorEventKind::kHeartbeat;
  std::optional<int64_t> door_id;
  std::optional<std::string> reader_id;  // resolved to its door
  std::optional<core::WallTime> time;    // the controller's clock; absent = now
  std::optional<std::string> event_id;   // the controller's id: [A-Za-z0-9._:-]{1,64}
  std::string note;                      // optional, up to 200 printable characters
};

struct DoorEvent {
  int64_t id = 0;
  DoorEventKind kind = DoorEventKind::kHeartbeat;
  std::optional<int64_t> door_id;
  std::optional<std::string> reader_id;
  std::string controller;
  std::optional<std::string> event_id;
  core::WallTime time;         // effective time (clamped)
  core::WallTime received_at;  // server time
  bool time_clamped = false;   // the controller's time was in the future
  std::string note;
  std::optional<int64_t> alert_id;
};

struct RecordResult {
  DoorEvent event;  // id 0 for a heartbeat that stored nothing
  bool duplicate = false;
  bool stored = true;                // false for a plain heartbeat
  std::optional<Error> alert_error;  // the event stands; raising its alert failed
};

struct DoorState {
  int64_t door_id = 0;
  std::string door_name;
  std::string controller;  // the door's controller, or the last one that reported it
  ControllerStatus status = ControllerStatus::kUnknown;
  DoorPosition position = DoorPosition::kUnknown;
  std::optional<DoorEventKind> last_event;
  std::optional<core::WallTime> last_event_at;
  std::optional<core::WallTime> last_seen_at;  // the controller's, server time
  std::optional<core::WallTime> last_passage_at;
  std::optional<core::WallTime> tamper_at;
};

struct DoorEventFilter {
  std::optional<int64_t> door_id;
  int limit = 50;  // 1..500
};

struct SweepReport {
  std::vector<std::string> marked_offline;  // controller names
  std::vector<int64_t> alert_ids;
};

class DoorEvents {
 public:
  struct Options {
    std::chrono::seconds offline_after{120};
    std::chrono::seconds max_event_age{std::chrono::hours(24)};
  };

  DoorEvents(store::Database& db, audit::Log& log, AccessControl& access, AlertPort& alerts,
             core::Clock& clock, Options options);
  DoorEvents(store::Database& db, audit::Log& log, AccessControl& access, AlertPort& alerts,
             core::Clock& clock)
      : DoorEvents(db, log, access, alerts, clock, Options{}) {}

  // Schema of module "access_events": db.Migrate("access_events", DoorEvents::Migrations()).
  static std::span<const store::Migration> Migrations();

  // Records one event from `controller` (its device token name). Bad input InvalidArgument
  // naming the field; a door driven by another controller PermissionDenied.
  Result<RecordResult> Record(const DoorEventInput& input, std::string_view controller);

  // Newest first.
  Result<std::vector<DoorEvent>> List(const DoorEventFilter& filter);
  // One per door, in door id order.
  Result<std::vector<DoorState>> States();

  // Marks controllers silent since before now - offline_after offline, audits it and raises
  // one alert per controller. Cheap when nothing is due.
  Result<SweepReport> Sweep(core::WallTime now);

 private:
  Result<int64_t> ResolveDoor(const DoorEventInput& input);

  store::Database& db_;
  audit::Log& log_;
  AccessControl& access_;
  AlertPort& alerts_;
  core::Clock& clock_;
  Options options_;
};

}  // namespace fg::access
