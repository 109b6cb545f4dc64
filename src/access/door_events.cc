#include "access/door_events.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

namespace fg::access {

namespace {

using Json = nlohmann::json;

constexpr store::Migration kMigrations[] = {
    {1, R"sql(
CREATE TABLE access_door_events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,
  door_id INTEGER,
  reader_id TEXT,
  controller TEXT NOT NULL,
  event_id TEXT,
  time INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  time_clamped INTEGER NOT NULL DEFAULT 0,
  note TEXT NOT NULL DEFAULT '',
  alert_id INTEGER
);
CREATE UNIQUE INDEX access_door_events_idempotent ON access_door_events (controller, event_id)
  WHERE event_id IS NOT NULL;
CREATE INDEX access_door_events_door ON access_door_events (door_id, time);
CREATE INDEX access_door_events_time ON access_door_events (time);
CREATE TABLE access_door_states (
  door_id INTEGER PRIMARY KEY,
  position TEXT NOT NULL,
  controller TEXT NOT NULL DEFAULT '',
  last_event TEXT,
  last_event_at INTEGER,
  last_passage_at INTEGER,
  tamper_at INTEGER
);
CREATE TABLE access_controllers (
  name TEXT PRIMARY KEY,
  online INTEGER NOT NULL CHECK (online IN (0, 1)),
  last_seen_at INTEGER NOT NULL,
  offline_alerted INTEGER NOT NULL DEFAULT 0
);
)sql"},
};

constexpr std::string_view kKindNames[] = {
    "passage_confirmed", "door_forced_open",   "door_held_open", "door_closed", "tamper",
    "controller_online", "controller_offline", "heartbeat"};
constexpr std::string_view kPositionNames[] = {"unknown", "closed", "open", "forced", "held"};

std::string Dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

std::optional<DoorPosition> ParsePosition(std::string_view name) {
  for (size_t i = 0; i < std::size(kPositionNames); ++i) {
    if (kPositionNames[i] == name) return static_cast<DoorPosition>(i);
  }
  return std::nullopt;
}

bool ValidToken(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' ||
           c == ':';
  });
}

Result<void> CheckNote(std::string_view note) {
  if (note.size() > 200) return InvalidArgument("note", "must be at most 200 bytes");
  for (char c : note) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return InvalidArgument("note", "must not hold control characters");
  }
  return {};
}

std::optional<core::WallTime> OptTime(const store::Row& r, int col) {
  auto v = r.OptInt(col);
  if (!v) return std::nullopt;
  return core::FromUnixMicros(*v);
}

constexpr std::string_view kEventColumns =
    "SELECT id, kind, door_id, reader_id, controller, event_id, time, received_at, "
    "time_clamped, note, alert_id FROM access_door_events";
DoorEvent EventOf(const store::Row& r) {
  return DoorEvent{.id = r.Int(0),
                   .kind = ParseDoorEventKind(r.TextView(1)).value_or(DoorEventKind::kHeartbeat),
                   .door_id = r.OptInt(2),
                   .reader_id = r.OptText(3),
                   .controller = r.Text(4),
                   .event_id = r.OptText(5),
                   .time = core::FromUnixMicros(r.Int(6)),
                   .received_at = core::FromUnixMicros(r.Int(7)),
                   .time_clamped = r.Int(8) != 0,
                   .note = r.Text(9),
                   .alert_id = r.OptInt(10)};
}

// The alert an event raises, if any.
struct AlertRule {
  std::string_view rule;
  std::string_view severity;
  std::string_view what;  // for the summary
};
std::optional<AlertRule> RuleFor(DoorEventKind kind) {
  switch (kind) {
    case DoorEventKind::kDoorForcedOpen:
      return AlertRule{"access.door_forced", "high", "forced open"};
    case DoorEventKind::kDoorHeldOpen:
      return AlertRule{"access.door_held", "medium", "held open"};
    case DoorEventKind::kTamper:
      return AlertRule{"access.door_tamper", "high", "reported tamper"};
    default:
      return std::nullopt;
  }
}

std::optional<DoorPosition> PositionAfter(DoorEventKind kind) {
  switch (kind) {
    case DoorEventKind::kPassageConfirmed:
      return DoorPosition::kOpen;
    case DoorEventKind::kDoorForcedOpen:
      return DoorPosition::kForced;
    case DoorEventKind::kDoorHeldOpen:
      return DoorPosition::kHeld;
    case DoorEventKind::kDoorClosed:
      return DoorPosition::kClosed;
    default:
      return std::nullopt;
  }
}

Json EventJson(const DoorEvent& e) {
  Json out{{"kind", DoorEventKindName(e.kind)},
           {"controller", e.controller},
           {"time", core::FormatRfc3339(e.time)},
           {"received_at", core::FormatRfc3339(e.received_at)}};
  out["door_id"] = e.door_id ? Json(*e.door_id) : Json(nullptr);
  out["reader_id"] = e.reader_id ? Json(*e.reader_id) : Json(nullptr);
  out["event_id"] = e.event_id ? Json(*e.event_id) : Json(nullptr);
  if (e.time_clamped) out["time_clamped"] = true;
  if (!e.note.empty()) out["note"] = e.note;
  return out;
}

}  // namespace

std::string_view DoorEventKindName(DoorEventKind kind) {
  return kKindNames[static_cast<size_t>(kind)];
}
std::optional<DoorEventKind> ParseDoorEventKind(std::string_view name) {
  for (size_t i = 0; i < std::size(kKindNames); ++i) {
    if (kKindNames[i] == name) return static_cast<DoorEventKind>(i);
  }
  return std::nullopt;
}
bool IsDoorKind(DoorEventKind kind) {
  return PositionAfter(kind) || kind == DoorEventKind::kTamper;
}
std::string_view DoorPositionName(DoorPosition position) {
  return kPositionNames[static_cast<size_t>(position)];
}
std::string_view ControllerStatusName(ControllerStatus status) {
  switch (status) {
    case ControllerStatus::kOnline:
      return "online";
    case ControllerStatus::kOffline:
      return "offline";
    default:
      return "unknown";
  }
}

DoorEvents::DoorEvents(store::Database& db, audit::Log& log, AccessControl& access,
                       AlertPort& alerts, core::Clock& clock, Options options)
    : db_(db), log_(log), access_(access), alerts_(alerts), clock_(clock), options_(options) {}

std::span<const store::Migration> DoorEvents::Migrations() { return kMigrations; }

Result<int64_t> DoorEvents::ResolveDoor(const DoorEventInput& input) {
  std::optional<int64_t> by_reader;
  if (input.reader_id) {
    auto snapshot = access_.snapshot();
    auto it = snapshot->readers.find(*input.reader_id);
    if (it == snapshot->readers.end()) {
      return InvalidArgument("reader_id", "reader " + *input.reader_id + " belongs to no door");
    }
    by_reader = it->second.door_id;
  }
  if (input.door_id && by_reader && *input.door_id != *by_reader) {
    return InvalidArgument("reader_id", "reader " + *input.reader_id + " belongs to door " +
                                            std::to_string(*by_reader) + ", not door " +
                                            std::to_string(*input.door_id));
  }
  return input.door_id ? *input.door_id : *by_reader;
}

Result<RecordResult> DoorEvents::Record(const DoorEventInput& input, std::string_view controller) {
  if (!ValidToken(controller)) {
    return InvalidArgument("controller", "must be a device token name of 1..64 [A-Za-z0-9._:-]");
  }
  if (input.reader_id && !ValidToken(*input.reader_id)) {
    return InvalidArgument("reader_id", "must be 1..64 of [A-Za-z0-9._:-]");
  }
  if (input.door_id && *input.door_id <= 0) {
    return InvalidArgument("door_id", "must be a positive id");
  }
  if (input.event_id && !ValidToken(*input.event_id)) {
    return InvalidArgument("event_id", "must be 1..64 of [A-Za-z0-9._:-]");
  }
  FG_RETURN_IF_ERROR(CheckNote(input.note));
  if (IsDoorKind(input.kind) && !input.door_id && !input.reader_id) {
    return InvalidArgument("door_id", std::string(DoorEventKindName(input.kind)) +
                                          " needs a door: give door_id or reader_id");
  }

  const core::WallTime now = clock_.WallNow();
  DoorEvent event{.kind = input.kind,
                  .reader_id = input.reader_id,
                  .controller = std::string(controller),
                  .event_id = input.event_id,
                  .time = input.time.value_or(now),
                  .received_at = now,
                  .note = input.note};
  // A controller's clock ahead of ours is believed up to now; far in the past is refused, since
  // such an event can no longer change a door's state truthfully.
  if (event.time > now) {
    event.time = now;
    event.time_clamped = true;
  } else if (now - event.time > options_.max_event_age) {
    return InvalidArgument("time", "is older than " +
                                       std::to_string(options_.max_event_age.count()) +
                                       " seconds; upload old events through the offline upload");
  }

  std::optional<Door> door;
  if (input.door_id || input.reader_id) {
    FG_ASSIGN_OR_RETURN(int64_t door_id, ResolveDoor(input));
    auto found = access_.GetDoor(door_id);
    if (!found) {
      if (found.error().code == ErrorCode::kNotFound) {
        return InvalidArgument(input.door_id ? "door_id" : "reader_id",
                               "door " + std::to_string(door_id) + " does not exist");
      }
      return tl::unexpected(found.error());
    }
    door = std::move(*found);
    if (!door->controller.empty() && door->controller != controller) {
      return MakeError(
          ErrorCode::kPermissionDenied,
          "door " + std::to_string(door->id) + " is driven by controller " + door->controller);
    }
    event.door_id = door->id;
  }

  RecordResult result;
  bool raise = false;
  const std::string actor = "device:" + event.controller;
  FG_RETURN_IF_ERROR(db_.Write([&](store::Connection& c) -> Result<void> {
    result = RecordResult{};
    raise = false;
    if (event.event_id) {
      std::optional<DoorEvent> existing;
      FG_RETURN_IF_ERROR(
          c.Exec(std::string(kEventColumns) + " WHERE controller = ? AND event_id = ?",
                 {event.controller, *event.event_id},
                 [&](const store::Row& r) { existing = EventOf(r); }));
      if (existing) {
        result.event = std::move(*existing);
        result.duplicate = true;
        return {};
      }
    }
    bool was_online = false;
    FG_RETURN_IF_ERROR(c.Exec("SELECT online FROM access_controllers WHERE name = ?",
                              {event.controller},
                              [&](const store::Row& r) { was_online = r.Int(0) != 0; }));
    const bool online = event.kind != DoorEventKind::kControllerOffline;
    FG_RETURN_IF_ERROR(c.Exec(
        "INSERT INTO access_controllers (name, online, last_seen_at, offline_alerted) VALUES "
        "(?1, ?2, ?3, 0) ON CONFLICT (name) DO UPDATE SET online = ?2, last_seen_at = ?3, "
        "offline_alerted = 0",
        {event.controller, online, core::ToUnixMicros(now)}));
    // A heartbeat of a controller already online only says "still here": no row, no entry.
    if (event.kind == DoorEventKind::kHeartbeat && was_online) {
      result.event = event;
      result.stored = false;
      return {};
    }

    Json details = EventJson(event);
    if (event.door_id) {
      std::optional<DoorPosition> before;
      std::optional<core::WallTime> last_event_at;
      FG_RETURN_IF_ERROR(
          c.Exec("SELECT position, last_event_at FROM access_door_states WHERE door_id = ?",
                 {*event.door_id}, [&](const store::Row& r) {
                   before = ParsePosition(r.TextView(0)).value_or(DoorPosition::kUnknown);
                   last_event_at = OptTime(r, 1);
                 }));
      if (!before) {
        FG_RETURN_IF_ERROR(c.Exec(
            "INSERT INTO access_door_states (door_id, position, controller) VALUES (?, ?, ?)",
            {*event.door_id, DoorPositionName(DoorPosition::kUnknown), event.controller}));
      }
      const DoorPosition position_before = before.value_or(DoorPosition::kUnknown);
      // An event older than the door's last one (a late delivery) is kept and audited but does
      // not turn the state back.
      const bool newest = !last_event_at || event.time >= *last_event_at;
      DoorPosition position = position_before;
      if (auto after = PositionAfter(event.kind); after && newest) position = *after;
      if (newest) {
        FG_RETURN_IF_ERROR(
            c.Exec("UPDATE access_door_states SET position = ?, controller = ?, last_event = ?, "
                   "last_event_at = ? WHERE door_id = ?",
                   {DoorPositionName(position), event.controller, DoorEventKindName(event.kind),
                    core::ToUnixMicros(event.time), *event.door_id}));
      }
      if (event.kind == DoorEventKind::kPassageConfirmed) {
        FG_RETURN_IF_ERROR(c.Exec(
            "UPDATE access_door_states SET last_passage_at = MAX(COALESCE(last_passage_at, 0), "
            "?) WHERE door_id = ?",
            {core::ToUnixMicros(event.time), *event.door_id}));
      }
      if (event.kind == DoorEventKind::kTamper) {
        FG_RETURN_IF_ERROR(
            c.Exec("UPDATE access_door_states SET tamper_at = MAX(COALESCE(tamper_at, 0), ?) "
                   "WHERE door_id = ?",
                   {core::ToUnixMicros(event.time), *event.door_id}));
      }
      if (RuleFor(event.kind)) {
        // A controller repeating "still forced" for a door already forced is one incident.
        const bool repeat =
            newest && PositionAfter(event.kind) && position_before == *PositionAfter(event.kind);
        raise = !repeat;
      }
      details["door_name"] = door->name;
      details["position_before"] = DoorPositionName(position_before);
      details["position"] = DoorPositionName(position);
    }
    if (!was_online && online) details["controller_back_online"] = true;
    FG_RETURN_IF_ERROR(c.Exec(
        "INSERT INTO access_door_events (kind, door_id, reader_id, controller, event_id, time, "
        "received_at, time_clamped, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        {DoorEventKindName(event.kind), event.door_id, event.reader_id, event.controller,
         event.event_id, core::ToUnixMicros(event.time), core::ToUnixMicros(event.received_at),
         event.time_clamped, event.note}));
    event.id = c.LastInsertRowId();
    result.event = event;
    const std::string subject =
        event.door_id ? "door:" + std::to_string(*event.door_id) : "controller:" + event.controller;
    return log_
        .Append(c, {.actor = actor,
                    .action = "access.door." + std::string(DoorEventKindName(event.kind)),
                    .subject = subject,
                    .details = Dump(details)})
        .transform([](int64_t) {});
  }));
  if (!raise) return result;

  const AlertRule rule = *RuleFor(event.kind);
  const std::string summary = event.kind == DoorEventKind::kTamper
                                  ? "Door '" + door->name + "' reported tamper"
                                  : "Door '" + door->name + "' " + std::string(rule.what);
  Json alert_details{{"door_id", door->id},
                     {"door_name", door->name},
                     {"event", result.event.id},
                     {"kind", DoorEventKindName(event.kind)},
                     {"controller", event.controller},
                     {"time", core::FormatRfc3339(event.time)}};
  auto alert_id = alerts_.Raise({.rule = std::string(rule.rule),
                                 .severity = std::string(rule.severity),
                                 .summary = summary,
                                 .subject = "door:" + std::to_string(door->id),
                                 .details = Dump(alert_details)});
  if (!alert_id) {
    result.alert_error = alert_id.error();
    return result;
  }
  result.event.alert_id = *alert_id;
  // The alert's own entry ("alert.raise") is the audit of this link.
  auto linked = db_.Write([&](store::Connection& c) -> Result<void> {
    return c
        .Exec("UPDATE access_door_events SET alert_id = ? WHERE id = ?",
              {*alert_id, result.event.id})
        .transform([](int64_t) {});
  });
  if (!linked) result.alert_error = linked.error();
  return result;
}

Result<std::vector<DoorEvent>> DoorEvents::List(const DoorEventFilter& filter) {
  if (filter.limit < 1 || filter.limit > 500) return InvalidArgument("limit", "must be 1..500");
  std::vector<DoorEvent> events;
  FG_RETURN_IF_ERROR(db_.Read([&](store::Connection& c) {
    auto add = [&](const store::Row& r) { events.push_back(EventOf(r)); };
    if (filter.door_id) {
      return c.Exec(
          std::string(kEventColumns) + " WHERE door_id = ? ORDER BY time DESC, id DESC LIMIT ?",
          {*filter.door_id, filter.limit}, add);
    }
    return c.Exec(std::string(kEventColumns) + " ORDER BY time DESC, id DESC LIMIT ?",
                  {filter.limit}, add);
  }));
  return events;
}

Result<std::vector<DoorState>> DoorEvents::States() {
  FG_ASSIGN_OR_RETURN(auto doors, access_.ListDoors());
  std::map<int64_t, DoorState> states;
  struct ControllerRow {
    bool online = false;
    core::WallTime last_seen;
  };
  std::map<std::string, ControllerRow, std::less<>> controllers;
  FG_RETURN_IF_ERROR(db_.Read([&](store::Connection& c) -> Result<void> {
    FG_RETURN_IF_ERROR(c.Exec(
        "SELECT door_id, position, controller, last_event, last_event_at, last_passage_at, "
        "tamper_at FROM access_door_states",
        {}, [&](const store::Row& r) {
          DoorState s{.door_id = r.Int(0),
                      .controller = r.Text(2),
                      .position = ParsePosition(r.TextView(1)).value_or(DoorPosition::kUnknown),
                      .last_event_at = OptTime(r, 4),
                      .last_passage_at = OptTime(r, 5),
                      .tamper_at = OptTime(r, 6)};
          if (auto last = r.OptText(3)) s.last_event = ParseDoorEventKind(*last);
          states[s.door_id] = std::move(s);
        }));
    FG_RETURN_IF_ERROR(c.Exec(
        "SELECT name, online, last_seen_at FROM access_controllers", {}, [&](const store::Row& r) {
          controllers[r.Text(0)] = {.online = r.Int(1) != 0,
                                    .last_seen = core::FromUnixMicros(r.Int(2))};
        }));
    return {};
  }));
  std::vector<DoorState> out;
  out.reserve(doors.size());
  for (const Door& d : doors) {
    DoorState s;
    if (auto it = states.find(d.id); it != states.end()) s = it->second;
    s.door_id = d.id;
    s.door_name = d.name;
    // The assigned controller is the truth; the last reporter stands in until one is assigned.
    if (!d.controller.empty()) s.controller = d.controller;
    if (auto it = controllers.find(s.controller);
        !s.controller.empty() && it != controllers.end()) {
      s.status = it->second.online ? ControllerStatus::kOnline : ControllerStatus::kOffline;
      s.last_seen_at = it->second.last_seen;
    }
    out.push_back(std::move(s));
  }
  return out;
}

Result<SweepReport> DoorEvents::Sweep(core::WallTime now) {
  const int64_t cutoff = core::ToUnixMicros(now - options_.offline_after);
  std::vector<std::pair<std::string, int64_t>> silent;  // name, last seen
  FG_RETURN_IF_ERROR(db_.Read([&](store::Connection& c) {
    return c.Exec(
        "SELECT name, last_seen_at FROM access_controllers WHERE online = 1 AND last_seen_at < ?",
        {cutoff}, [&](const store::Row& r) { silent.emplace_back(r.Text(0), r.Int(1)); });
  }));
  SweepReport report;
  if (silent.empty()) return report;
  FG_ASSIGN_OR_RETURN(auto doors, access_.ListDoors());
  std::map<std::string, std::vector<std::string>, std::less<>> doors_of;
  for (const Door& d : doors) {
    if (!d.controller.empty()) doors_of[d.controller].push_back(d.name);
  }
  // Doors without an assigned controller belong to the last one that reported them.
  FG_ASSIGN_OR_RETURN(auto states, States());
  for (const DoorState& s : states) {
    auto& names = doors_of[s.controller];
    if (!s.controller.empty() &&
        std::find(names.begin(), names.end(), s.door_name) == names.end()) {
      names.push_back(s.door_name);
    }
  }

  for (const auto& [name, last_seen] : silent) {
    const auto silent_seconds =
        std::chrono::duration_cast<std::chrono::seconds>(now - core::FromUnixMicros(last_seen))
            .count();
    DoorEvent event{.kind = DoorEventKind::kControllerOffline,
                    .controller = name,
                    .time = now,
                    .received_at = now,
                    .note = "silent for " + std::to_string(silent_seconds) + " s"};
    bool marked = false;
    FG_RETURN_IF_ERROR(db_.Write([&](store::Connection& c) -> Result<void> {
      // Heard from between the read and now: nothing to do.
      FG_ASSIGN_OR_RETURN(int64_t changed,
                          c.Exec("UPDATE access_controllers SET online = 0, offline_alerted = 1 "
                                 "WHERE name = ? AND online = 1 AND last_seen_at < ?",
                                 {name, cutoff}));
      marked = changed > 0;
      if (!marked) return {};
      FG_RETURN_IF_ERROR(c.Exec(
          "INSERT INTO access_door_events (kind, controller, time, received_at, note) VALUES "
          "(?, ?, ?, ?, ?)",
          {DoorEventKindName(event.kind), name, core::ToUnixMicros(now), core::ToUnixMicros(now),
           event.note}));
      event.id = c.LastInsertRowId();
      Json details = EventJson(event);
      details["reason"] = "silent";
      details["silent_seconds"] = silent_seconds;
      details["doors"] = doors_of[name];
      return log_
          .Append(c, {.actor = "system",
                      .action = "access.door.controller_offline",
                      .subject = "controller:" + name,
                      .details = Dump(details)})
          .transform([](int64_t) {});
    }));
    if (!marked) continue;
    report.marked_offline.push_back(name);
    std::string summary =
        "Door controller '" + name + "' silent for " + std::to_string(silent_seconds) + " s";
    const auto& names = doors_of[name];
    for (size_t i = 0; i < names.size() && i < 5; ++i) {
      summary += (i == 0 ? "; doors: '" : ", '") + names[i] + "'";
    }
    if (names.size() > 5) summary += " and " + std::to_string(names.size() - 5) + " more";
    auto alert_id = alerts_.Raise(
        {.rule = "access.controller_offline",
         .severity = "high",
         .summary = summary.substr(0, 400),
         .subject = "controller:" + name,
         .details = Dump(
             Json{{"controller", name}, {"silent_seconds", silent_seconds}, {"doors", names}})});
    // A failed raise is not retried: the offline state and its audit entry stand.
    if (!alert_id) continue;
    report.alert_ids.push_back(*alert_id);
    (void)db_.Write([&](store::Connection& c) -> Result<void> {
      return c
          .Exec("UPDATE access_door_events SET alert_id = ? WHERE id = ?", {*alert_id, event.id})
          .transform([](int64_t) {});
    });
  }
  return report;
}

}  // namespace fg::access
