#include "access/access.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace fg::access {

namespace {

using Json = nlohmann::json;

std::optional<core::WallTime> OptTime(const store::Row& r, int col) {
  auto v = r.OptInt(col);
  if (!v) return std::nullopt;
  return core::FromUnixMicros(*v);
}
std::optional<int64_t> OptMicros(const std::optional<core::WallTime>& t) {
  if (!t) return std::nullopt;
  return core::ToUnixMicros(*t);
}
Json TimeJson(const std::optional<core::WallTime>& t) {
  return t ? Json(core::FormatRfc3339(*t)) : Json(nullptr);
}

constexpr std::string_view kDoorColumns =
    "SELECT id, name, from_zone_id, to_zone_id, entry_reader_id, exit_reader_id, controller "
    "FROM "
    "access_doors";
Door DoorOf(const store::Row& r) {
  return Door{.id = r.Int(0),
              .name = r.Text(1),
              .from_zone_id = r.Int(2),
              .to_zone_id = r.Int(3),
              .entry_reader_id = r.Text(4),
              .exit_reader_id = r.OptText(5),
              .controller = r.Text(6)};
}
constexpr std::string_view kBadgeColumns =
    "SELECT id, credential_key, person_id, status, valid_from, valid_until, pin_hash FROM "
    "access_badges";
Badge BadgeOf(const store::Row& r) {
  return Badge{.id = r.Int(0),
               .credential_key = r.Text(1),
               .person_id = r.Int(2),
               .status = ParseBadgeStatus(r.TextView(3)).value_or(BadgeStatus::kRevoked),
               .valid_from = OptTime(r, 4),
               .valid_until = OptTime(r, 5),
               .has_pin = r.OptText(6).has_value()};
}
constexpr std::string_view kGrantColumns =
    "SELECT id, person_id, zone_id, valid_from, valid_until, note FROM access_grants";
Grant GrantOf(const store::Row& r) {
  return Grant{.id = r.Int(0),
               .person_id = r.Int(1),
               .zone_id = r.Int(2),
               .valid_from = core::FromUnixMicros(r.Int(3)),
               .valid_until = OptTime(r, 4),
               .note = r.Text(5)};
}

Json DoorJson(const Door& d) {
  return Json{{"name", d.name},
              {"from_zone_id", d.from_zone_id},
              {"to_zone_id", d.to_zone_id},
              {"entry_reader_id", d.entry_reader_id},
              {"exit_reader_id", d.exit_reader_id ? Json(*d.exit_reader_id) : Json(nullptr)},
              {"controller", d.controller}};
}
Json BadgeJson(const Badge& b) {
  return Json{{"credential_key", b.credential_key},     {"person_id", b.person_id},
              {"status", BadgeStatusName(b.status)},    {"valid_from", TimeJson(b.valid_from)},
              {"valid_until", TimeJson(b.valid_until)}, {"has_pin", b.has_pin}};
}

bool ValidReaderId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' ||
          c == ':')) {
      return false;
    }
  }
  return true;
}

Result<void> CheckWindow(const std::optional<core::WallTime>& from,
                         const std::optional<core::WallTime>& until) {
  if (from && until && *until <= *from) {
    return InvalidArgument("valid_until", "must be after valid_from");
  }
  return {};
}

// Whether a reader id is already used by another door, on either side.
Result<void> CheckReaderFree(store::Connection& c, const std::string& reader, int64_t self_id,
                             const std::string& field) {
  int64_t holder = 0;
  FG_RETURN_IF_ERROR(
      c.Exec("SELECT id FROM access_doors WHERE (entry_reader_id = ?1 OR exit_reader_id = ?1) AND "
             "id <> ?2",
             {reader, self_id}, [&](const store::Row& r) { holder = r.Int(0); }));
  if (holder != 0) {
    return MakeError(ErrorCode::kAlreadyExists,
                     "reader " + reader + " already belongs to door " + std::to_string(holder),
                     field);
  }
  return {};
}

Result<void> ValidateDoor(const DoorInput& in) {
  if (in.name.empty() || in.name.size() > 100) {
    return InvalidArgument("name", "must be 1..100 characters");
  }
  if (in.from_zone_id == in.to_zone_id) {
    return InvalidArgument("to_zone_id", "must differ from from_zone_id");
  }
  if (!ValidReaderId(in.entry_reader_id)) {
    return InvalidArgument("entry_reader_id", "must be 1..64 of [A-Za-z0-9._:-]");
  }
  if (in.exit_reader_id) {
    if (!ValidReaderId(*in.exit_reader_id)) {
      return InvalidArgument("exit_reader_id", "must be 1..64 of [A-Za-z0-9._:-]");
    }
    if (*in.exit_reader_id == in.entry_reader_id) {
      return InvalidArgument("exit_reader_id", "must differ from entry_reader_id");
    }
  }
  if (!in.controller.empty() && !ValidReaderId(in.controller)) {
    return InvalidArgument("controller", "must be 1..64 of [A-Za-z0-9._:-] (a device token name)");
  }
  return {};
}

// Calls on_item for every item of a paged directory list (fetch(after_id) -> Page).
template <typename Fetch, typename OnItem>
Result<void> EachPage(Fetch&& fetch, OnItem&& on_item) {
  int64_t after = 0;
  for (;;) {
    FG_ASSIGN_OR_RETURN(auto page, fetch(after));
    for (const auto& item : page.items) on_item(item);
    if (!page.next_after_id) return {};
    after = *page.next_after_id;
  }
}

std::string Subject(std::string_view kind, int64_t id) {
  return std::string(kind) + ":" + std::to_string(id);
}

}  // namespace

AccessControl::AccessControl(store::Database& db, audit::Log& log, directory::Directory& directory,
                             core::Clock& clock, core::EventBus* bus, AccessOptions options)
    : db_(db),
      log_(log),
      directory_(directory),
      clock_(clock),
      options_(options),
      bus_(bus),
      snapshot_(std::make_shared<const Snapshot>()) {
  if (options_.secret_box == nullptr) {
    own_box_ = std::make_unique<auth::SecretBox>(auth::SecretBox::Ephemeral());
    options_.secret_box = own_box_.get();
  }
  if (bus != nullptr) {
    status_subscription_ = bus->Subscribe<directory::PersonStatusChanged>(
        [this](const directory::PersonStatusChanged& e) {
          if (e.new_status == directory::PersonStatus::kTerminated) presence_.Remove(e.person_id);
          Invalidate();
        });
  }
}

AccessControl::~AccessControl() = default;

std::shared_ptr<const Snapshot> AccessControl::snapshot() { return CurrentSnapshot(); }

Result<void> AccessControl::Start() {
  FG_RETURN_IF_ERROR(Refresh());
  // Each person's last granted passage says where they are.
  return db_.Read([&](store::Connection& c) -> Result<void> {
    FG_RETURN_IF_ERROR(c.Exec(
        "SELECT person_id, to_zone_id, time FROM access_passages WHERE id IN (SELECT MAX(id) "
        "FROM access_passages WHERE granted = 1 AND person_id IS NOT NULL GROUP BY person_id)",
        {}, [&](const store::Row& r) {
          presence_.Move(r.Int(0), r.Int(1), core::FromUnixMicros(r.Int(2)));
        }));
    return {};
  });
}

Result<void> AccessControl::Refresh() {
  std::lock_guard lock(refresh_mutex_);
  return RebuildLocked();
}

Result<void> AccessControl::RebuildLocked() {
  auto s = std::make_shared<Snapshot>();
  s->version = ++version_;
  // Read before loading: a directory write racing this load moves the generation again, and
  // the next decision reloads.
  s->directory_generation = directory_.generation();
  s->access_writes = writes_.load(std::memory_order_acquire);
  s->pin_hash = [this](std::string_view key, std::string_view pin) { return PinHash(key, pin); };

  FG_RETURN_IF_ERROR(EachPage(
      [&](int64_t after) { return directory_.ListPeople({}, directory::kMaxListLimit, after); },
      [&](const directory::Person& p) { s->people[p.id] = {.kind = p.kind, .status = p.status}; }));
  FG_RETURN_IF_ERROR(EachPage(
      [&](int64_t after) { return directory_.ListZones({}, directory::kMaxListLimit, after); },
      [&](const directory::Zone& z) {
        s->zones[z.id] = {.classification = z.classification,
                          .campaign_id = z.campaign_id,
                          .parent_id = z.parent_id,
                          .site_id = z.site_id};
      }));
  FG_RETURN_IF_ERROR(EachPage(
      [&](int64_t after) { return directory_.ListTraining({}, directory::kMaxListLimit, after); },
      [&](const directory::TrainingRecord& t) {
        auto from = DayNumber(t.completed_on);
        if (!from) return;
        Snapshot::DayWindow w{.from_day = *from};
        if (t.expires_on) w.until_day = DayNumber(*t.expires_on).value_or(*from);
        s->trainings[{t.person_id, t.campaign_id}].push_back(w);
      }));
  FG_RETURN_IF_ERROR(EachPage(
      [&](int64_t after) { return directory_.ListStations({}, directory::kMaxListLimit, after); },
      [&](const directory::Station& station) { s->zones_with_stations[station.zone_id] = true; }));
  FG_ASSIGN_OR_RETURN(auto assignments, directory_.ListAssignments());
  for (const auto& a : assignments) s->assignments[{a.person_id, a.campaign_id}] = true;
  std::map<int64_t, std::string> site_zones;  // site id -> IANA time zone name
  FG_RETURN_IF_ERROR(EachPage(
      [&](int64_t after) { return directory_.ListSites({}, directory::kMaxListLimit, after); },
      [&](const directory::Site& site) { site_zones[site.id] = site.timezone; }));

  FG_RETURN_IF_ERROR(db_.Read([&](store::Connection& c) -> Result<void> {
    std::map<int64_t, std::vector<int32_t>> holidays;  // by site
    FG_RETURN_IF_ERROR(c.Exec("SELECT site_id, date FROM access_holidays ORDER BY site_id, date",
                              {}, [&](const store::Row& r) {
                                if (auto day = DayNumber(r.TextView(1)))
                                  holidays[r.Int(0)].push_back(*day);
                              }));
    FG_RETURN_IF_ERROR(
        c.Exec("SELECT zone_id, passback, pin_required, schedule FROM access_zone_settings", {},
               [&](const store::Row& r) {
                 auto it = s->zones.find(r.Int(0));
                 if (it == s->zones.end()) return;
                 Snapshot::ZoneInfo& zone = it->second;
                 zone.passback = ParsePassbackMode(r.TextView(1)).value_or(PassbackMode::kOff);
                 zone.pin_required = r.Int(2) != 0;
                 if (r.TextView(3).empty()) return;
                 auto hours = std::make_shared<Snapshot::Hours>();
                 // Stored text was parsed when written; a failure here closes the zone (fail
                 // closed).
                 auto weekly = identity::Schedule::Parse(r.TextView(3));
                 if (weekly) hours->weekly = std::move(*weekly);
                 auto tz = weekly ? time_zones_.Get(site_zones[zone.site_id])
                                  : Result<std::shared_ptr<const core::TimeZone>>(nullptr);
                 if (tz) hours->time_zone = *tz;
                 hours->holidays = holidays[zone.site_id];
                 zone.hours = std::move(hours);
               }));
    FG_RETURN_IF_ERROR(c.Exec(kDoorColumns, {}, [&](const store::Row& r) {
      const Door d = DoorOf(r);
      s->readers[d.entry_reader_id] = {.door_id = d.id,
                                       .direction = Direction::kEntry,
                                       .from_zone_id = d.from_zone_id,
                                       .to_zone_id = d.to_zone_id};
      if (d.exit_reader_id) {
        s->readers[*d.exit_reader_id] = {.door_id = d.id,
                                         .direction = Direction::kExit,
                                         .from_zone_id = d.to_zone_id,
                                         .to_zone_id = d.from_zone_id};
      }
    }));
    // A credential may have old revoked or lost badges beside its active one: active last, so
    // it is the one the reader meets; otherwise the newest.
    FG_RETURN_IF_ERROR(c.Exec(std::string(kBadgeColumns) + " ORDER BY status = 'active', id", {},
                              [&](const store::Row& r) {
                                const Badge b = BadgeOf(r);
                                s->badges[b.credential_key] = {
                                    .id = b.id,
                                    .person_id = b.person_id,
                                    .status = b.status,
                                    .valid_from = b.valid_from,
                                    .valid_until = b.valid_until,
                                    .pin_hash = r.OptText(6).value_or("")};
                              }));
    FG_RETURN_IF_ERROR(c.Exec(kGrantColumns, {}, [&](const store::Row& r) {
      const Grant g = GrantOf(r);
      s->grants[{g.person_id, g.zone_id}].push_back(
          {.from_us = core::ToUnixMicros(g.valid_from),
           .until_us = g.valid_until ? core::ToUnixMicros(*g.valid_until) : INT64_MAX});
    }));
    return {};
  }));
  std::atomic_store(&snapshot_, std::shared_ptr<const Snapshot>(std::move(s)));
  return {};
}

void AccessControl::Invalidate() { writes_.fetch_add(1, std::memory_order_acq_rel); }

std::shared_ptr<const Snapshot> AccessControl::CurrentSnapshot() {
  auto stale = [this](const Snapshot& s) {
    return s.directory_generation != directory_.generation() ||
           s.access_writes != writes_.load(std::memory_order_acquire);
  };
  auto s = std::atomic_load(&snapshot_);
  if (!stale(*s)) return s;
  std::lock_guard lock(refresh_mutex_);
  s = std::atomic_load(&snapshot_);  // another thread may have rebuilt it while we waited
  if (!stale(*s)) return s;
  // A failed reload keeps deciding on the older snapshot; the next decision retries.
  if (auto r = RebuildLocked(); !r) return s;
  return std::atomic_load(&snapshot_);
}

std::string AccessControl::PinHash(std::string_view credential_key, std::string_view pin) const {
  return options_.secret_box->Mac(pin, "access.pin:" + std::string(credential_key));
}

Result<Decision> AccessControl::Decide(const DecideRequest& request) {
  auto credential = ParseCredential(request.credential);
  std::mutex& stripe = decide_stripes_[std::hash<std::string>{}(credential ? credential->Key()
                                                                           : request.credential) %
                                       kDecideStripes];
  const core::WallTime now = clock_.WallNow();
  Decision d;
  // Deciding and moving the person happen under the credential's lock, so a second read of the
  // same card sees the move (hard anti-passback holds); the durable write happens outside it,
  // so reads of one card still share a group commit. A failed write moves the person back.
  std::optional<PresenceTracker::Location> before;
  bool left_station_zone = false;
  {
    std::lock_guard serialised(stripe);
    const auto current = snapshot();
    d = DecideInMemory(*current, &presence_, request, now);
    left_station_zone = d.granted() && current->zones_with_stations.contains(d.from_zone_id);
    if (d.granted() && d.person_id) {
      before = presence_.Where(*d.person_id);
      presence_.Move(*d.person_id, d.to_zone_id, now);
    }
  }
  const std::string reason(ReasonName(d.reason));
  std::string alerts;
  for (const auto& a : d.alerts) alerts += (alerts.empty() ? "" : ",") + a;
  Json details{{"reader_id", request.reader_id},
               {"reason", reason},
               {"credential", d.credential_key},
               {"door_id", d.door_id ? Json(*d.door_id) : Json(nullptr)},
               {"badge_id", d.badge_id ? Json(*d.badge_id) : Json(nullptr)},
               {"from_zone_id", d.from_zone_id},
               {"to_zone_id", d.to_zone_id},
               {"alerts", d.alerts}};
  // The reader's text goes to the audit only when it did not parse, truncated.
  if (d.reason == Reason::kMalformedCredential) details["credential"] = nullptr;
  auto written = db_.Write([&](store::Connection& c) -> Result<void> {
    FG_RETURN_IF_ERROR(c.Exec(
        "INSERT INTO access_passages (time, reader_id, door_id, badge_id, person_id, "
        "from_zone_id, to_zone_id, granted, reason, alerts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        {core::ToUnixMicros(now), request.reader_id, d.door_id, d.badge_id, d.person_id,
         d.from_zone_id, d.to_zone_id, d.granted(), reason, alerts}));
    return Audit(
        c, "device:reader:" + request.reader_id.substr(0, 64),
        d.granted() ? "access.decide.grant" : "access.decide.deny",
        d.person_id ? Subject("person", *d.person_id) : "reader:" + request.reader_id.substr(0, 64),
        details.dump());
  });
  if (!written) {
    if (d.granted() && d.person_id) {
      std::lock_guard serialised(stripe);
      if (before) {
        presence_.Move(*d.person_id, before->zone_id, before->since);
      } else {
        presence_.Remove(*d.person_id);
      }
    }
    return tl::unexpected(written.error());
  }
  // Only a zone with stations can leave a session unattended (walk-away, identity).
  if (left_station_zone && d.person_id && bus_ != nullptr) {
    bus_->Publish(
        identity::PersonLeftZone{.person_id = *d.person_id, .zone_id = d.from_zone_id, .at = now});
  }
  if (!d.alerts.empty()) RaiseHints(d, request);
  return d;
}

void AccessControl::RaiseHints(const Decision& d, const DecideRequest& request) {
  if (options_.alerts == nullptr) return;
  for (const std::string& hint : d.alerts) {
    const bool tailgate = hint == "tailgate_suspected";
    AccessAlert alert{
        .rule = "access." + hint,
        .severity = "low",
        .summary = (tailgate ? "Person " + std::to_string(d.person_id.value_or(0)) +
                                   " entered zone " + std::to_string(d.to_zone_id) +
                                   " without having badged into the zone around it"
                             : "Person " + std::to_string(d.person_id.value_or(0)) +
                                   " badged into zone " + std::to_string(d.to_zone_id) +
                                   " without having left it (soft anti-passback)"),
        .subject = "person:" + std::to_string(d.person_id.value_or(0)),
        .details = Json{{"reader_id", request.reader_id},
                        {"door_id", d.door_id ? Json(*d.door_id) : Json(nullptr)},
                        {"person_id", d.person_id ? Json(*d.person_id) : Json(nullptr)},
                        {"to_zone_id", d.to_zone_id}}
                       .dump()};
    // A hint that cannot be stored never turns the decision around; the passage has it.
    (void)options_.alerts->Raise(alert);
  }
}

Result<void> AccessControl::Audit(store::Connection& c, std::string_view actor, std::string action,
                                  std::string subject, std::string details) {
  return log_
      .Append(c, {.actor = std::string(actor),
                  .action = std::move(action),
                  .subject = std::move(subject),
                  .details = std::move(details)})
      .transform([](int64_t) {});
}

Result<void> AccessControl::CheckZone(int64_t zone_id, const std::string& field) {
  auto zone = directory_.GetZone(zone_id);
  if (!zone) {
    if (zone.error().code == ErrorCode::kNotFound) {
      return InvalidArgument(field, "zone " + std::to_string(zone_id) + " does not exist");
    }
    return tl::unexpected(zone.error());
  }
  return {};
}

Result<void> AccessControl::CheckPerson(int64_t person_id, const std::string& field) {
  auto person = directory_.GetPerson(person_id);
  if (!person) {
    if (person.error().code == ErrorCode::kNotFound) {
      return InvalidArgument(field, "person " + std::to_string(person_id) + " does not exist");
    }
    return tl::unexpected(person.error());
  }
  return {};
}

// --- Doors ---

Result<Door> AccessControl::CreateDoor(const DoorInput& in, std::string_view actor) {
  FG_RETURN_IF_ERROR(ValidateDoor(in));
  FG_RETURN_IF_ERROR(CheckZone(in.from_zone_id, "from_zone_id"));
  FG_RETURN_IF_ERROR(CheckZone(in.to_zone_id, "to_zone_id"));
  Door door{.name = in.name,
            .from_zone_id = in.from_zone_id,
            .to_zone_id = in.to_zone_id,
            .entry_reader_id = in.entry_reader_id,
            .exit_reader_id = in.exit_reader_id,
            .controller = in.controller};
  FG_RETURN_IF_ERROR(db_.Write([&](store::Connection& c) -> Result<void> {
    FG_RETURN_IF_ERROR(CheckReaderFree(c, door.entry_reader_id, 0, "entry_reader_id"));
    if (door.exit_reader_id) {
      FG_RETURN_IF_ERROR(CheckReaderFree(c, *door.exit_reader_id, 0, "exit_reader_id"));
    }
    FG_RETURN_IF_ERROR(
        c.Exec("INSERT INTO access_doors (name, from_zone_id, to_zone_id, entry_reader_id, "
               "exit_reader_id, controller) VALUES (?, ?, ?, ?, ?, ?)",
               {door.name, door.from_zone_id, door.to_zone_id, door.entry_reader_id,
                door.exit_reader_id, door.controller}));
    door.id = c.LastInsertRowId();
    return Audit(c, actor, "access.door.create", Subject("door", door.id), DoorJson(door).dump());
  }));
  Invalidate();
  return door;
}

Result<Door> AccessControl::GetDoor(int64_t id) {
  std::optional<Door> door;
  FG_RETURN_IF_ERROR(db_.Read([&](store::Connection& c) {
    return c.Exec(std::string(kDoorColumns) + " WHERE id = ?", {id},
                  [&](const store::Row& r) { door = DoorOf(r); });
  }));
  if (!door) return NotFound("door " + std::to_string(id) + " does not exist");
  return *door;
}

Result<std::vector<Door>> AccessControl::ListDoors() {
  std::vector<Door> doors;
  FG_RETURN_IF_ERROR(db_.Read([&](store::Connection& c) {
    return c.Exec(std::string(kDoorColumns) + " ORDER BY id", {},
                  [&](const store::Row& r) { doors.push_back(DoorOf(r)); });
  }));
  return doors;
}

Result<Door> AccessControl::UpdateDoor(int64_t id, const DoorInput& in, std::string_view actor) {
  FG_ASSIGN_OR_RETURN(Door before, GetDoor(id));
  FG_RETURN_IF_ERROR(ValidateDoor(in));
  FG_RETURN_IF_ERROR(CheckZone(in.from_zone_id, "from_zone_id"));
  FG_RETURN_IF_ERROR(CheckZone(in.to_zone_id, "to_zone_id"));
  Door door{.id = id,
            .name = in.name,
            .from_zone_id = in.from_zone_id,
            .to_zone_id = in.to_zone_id,
            .entry_reader_id = in.entry_reader_id,
            .exit_reader_id = in.exit_reader_id,
            .controller = in.controller};
  FG_RETURN_IF_ERROR(db_.Write([&](store::Connection& c) -> Result<void> {
    FG_RETURN_IF_ERROR(CheckReaderFree(c, door.entry_reader_id, id, "entry_reader_id"));
    if (door.exit_reader_id) {
      FG_RETURN_IF_ERROR(CheckReaderFree(c, *door.exit_reader_id, id, "exit_reader_id"));
    }
    FG_RETURN_IF_ERROR(c.Exec(
        "UPDATE access_doors SET name = ?, from_zone_id = ?, to_zone_id = ?, entry_reader_id = "
        "?, exit_reader_id = ?, controller = ? WHERE id = ?",
        {door.name, door.from_zone_id, door.to_zone_id, door.entry_reader_id, door.exit_reader_id,
         door.controller, id}));
    return Audit(c, actor, "access.door.update", Subject("door", id),
                 Json{{"old", DoorJson(before)}, {"new", DoorJson(door)}}.dump());
  }));
  Invalidate();
  return door;
}

Result<void> AccessControl::DeleteDoor(int64_t id, std::string_view actor) {
  FG_ASSIGN_OR_RETURN(Door before, GetDoor(id));
  FG_RETURN_IF_ERROR(db_.Write([&](store::Connection& c) -> Result<void> {
    FG_RETURN_IF_ERROR(c.Exec("DELETE FROM access_doors WHERE id = ?", {id}));
    return Audit(c, actor, "access.door.delete", Subject("door", id), DoorJson(before).dump());
  }));
  Invalidate();
  return {};
}

// --- Badges ---

Result<Badge> AccessControl::CreateBadge(const BadgeInput& in, std::string_view actor) {
  auto credential = ParseCredential(in.credential);
  if (!credential) return InvalidArgument("credential", credential.error().message);
  FG_RETURN_IF_ERROR(CheckWindow(in.valid_from, in.valid_until));
  FG_RETURN_IF_ERROR(CheckPerson(in.person_id, "person_id"));
  Badge badge{.credential_key = credential->Key(),
              .person_id = in.person_id,
              .valid_from = in.valid_from,
              .valid_until = in.valid_until};
  FG_RETURN_IF_ERROR(db_.Write([&](store::Connection& c) -> Result<void> {
    int64_t holder = 0;
    FG_RETURN_IF_ERROR(
        c.Exec("SELECT id FROM access_badges WHERE credential_key = ? AND status = 'active'",
               {badge.credential_key}, [&](const store::Row& r) { holder = r.Int(0); }));
    if (holder != 0) {
      return MakeError(ErrorCode::kAlreadyExists,
                       "credential already belongs to badge " + std::to_string(holder),
                       "credential");
    }
    FG_RETURN_IF_ERROR(c.Exec(
        "INSERT INTO access_badges (credential_key, person_id, status, valid_from, valid_until) "
        "VALUES (?, ?, 'active', ?, ?)",
        {badge.credential_key, badge.person_id, OptMicros(badge.valid_from),
         OptMicros(badge.valid_until)}));
    badge.id = c.LastInsertRowId();
    return Audit(c, actor, "access.badge.create", Subject("badge", badge.id),
                 BadgeJson(badge).dump());
  }));
  Invalidate();
  return badge;
}

Result<Badge> AccessControl::GetBadge(int64_t id) {
  std::optional<Badge> badge;
  FG_RETURN_IF_ERROR(db_.Read([&](store::Connection& c) {
    return c.Exec(std::string(kBadgeColumns) + " WHERE id = ?", {id},
                  [&](const store::Row& r) { badge = BadgeOf(r); });
  }));
  if (!badge) return NotFound("badge " + std::to_string(id) + " does not exist");
  return *badge;
}

Result<std::vector<Badge>> AccessControl::ListBadges(std::optional<int64_t> person_id) {
  std::vector<Badge> badges;
  FG_RETURN_IF_ERROR(db_.Read([&](store::Connection& c) {
    return c.Exec(std::string(kBadgeColumns) + " WHERE ?1 IS NULL OR person_id = ?1 ORDER BY id",
                  {person_id}, [&](const store::Row& r) { badges.push_back(BadgeOf(r)); });
  }));
  return badges;
}

Result<Badge> AccessControl::UpdateBadge(int64_t id, const BadgePatch& patch,
                                         std::string_view actor) {
  FG_ASSIGN_OR_RETURN(Badge before, GetBadge(id));
  Badge after = before;
  if (patch.status) after.status = *patch.status;
  if (patch.valid_from) after.valid_from = *patch.valid_from;
  if (patch.valid_until) after.valid_until = *patch.valid_until;
  FG_RETURN_IF_ERROR(CheckWindow(after.valid_from, after.valid_until));
  std::optional<std::string> pin_hash;  // set when the patch changes the PIN
  if (patch.pin) {
    const std::string& pin = *patch.pin;
    if (!pin.empty() &&
        (pin.size() < 4 || pin.size() > 12 ||
         !std::all_of(pin.begin(), pin.end(), [](char c) { return c >= '0' && c <= '9'; }))) {
      return InvalidArgument("pin", "must be 4 to 12 digits (empty to clear)");
    }
    pin_hash = pin.empty() ? "" : PinHash(before.credential_key, pin);
    after.has_pin = !pin.empty();
  }
  // Revoked and lost are final: a found badge is re-issued as a new badge.
  if (before.status != BadgeStatus::kActive && after.status == BadgeStatus::kActive) {
    return InvalidArgument("status", "a revoked or lost badge cannot be reactivated");
  }
  const std::string action =
      after.status == BadgeStatus::kRevoked && before.status != after.status ? "access.badge.revoke"
      : after.status == BadgeStatus::kLost && before.status != after.status  ? "access.badge.lost"
                                                                            : "access.badge.update";
  FG_RETURN_IF_ERROR(db_.Write([&](store::Connection& c) -> Result<void> {
    FG_RETURN_IF_ERROR(
        c.Exec("UPDATE access_badges SET status = ?, valid_from = ?, valid_until = ? WHERE id = ?",
               {BadgeStatusName(after.status), OptMicros(after.valid_from),
                OptMicros(after.valid_until), id}));
    if (pin_hash) {
      FG_RETURN_IF_ERROR(c.Exec(
          "UPDATE access_badges SET pin_hash = ? WHERE id = ?",
          {pin_hash->empty() ? std::optional<std::string>() : std::optional<std::string>(*pin_hash),
           id}));
    }
    // The audit says whether a PIN is set, never what it is.
    return Audit(c, actor, action, Subject("badge", id),
                 Json{{"old", BadgeJson(before)}, {"new", BadgeJson(after)}}.dump());
  }));
  Invalidate();
  return after;
}

Result<void> AccessControl::DeleteBadge(int64_t id, std::string_view actor) {
  FG_ASSIGN_OR_RETURN(Badge before, GetBadge(id));
  FG_RETURN_IF_ERROR(db_.Write([&](store::Connection& c) -> Result<void> {
    FG_RETURN_IF_ERROR(c.Exec("DELETE FROM access_badges WHERE id = ?", {id}));
    return Audit(c, actor, "access.badge.delete", Subject("badge", id), BadgeJson(before).dump());
  }));
  Invalidate();
  return {};
}

// --- Grants ---

Result<Grant> AccessControl::CreateGrant(const GrantInput& in, std::string_view actor) {
  FG_RETURN_IF_ERROR(CheckWindow(in.valid_from, in.valid_until));
  if (in.note.size() > 200) return InvalidArgument("note", "must be at most 200 characters");
  FG_RETURN_IF_ERROR(CheckPerson(in.person_id, "person_id"));
  FG_RETURN_IF_ERROR(CheckZone(in.zone_id, "zone_id"));
  Grant grant{.person_id = in.person_id,
              .zone_id = in.zone_id,
              .valid_from = in.valid_from,
              .valid_until = in.valid_until,
              .note = in.note};
  FG_RETURN_IF_ERROR(db_.Write([&](store::Connection& c) -> Result<void> {
    FG_RETURN_IF_ERROR(c.Exec(
        "INSERT INTO access_grants (person_id, zone_id, valid_from, valid_until, note) VALUES "
        "(?, ?, ?, ?, ?)",
        {grant.person_id, grant.zone_id, core::ToUnixMicros(grant.valid_from),
         OptMicros(grant.valid_until), grant.note}));
    grant.id = c.LastInsertRowId();
    return Audit(c, actor, "access.grant.create", Subject("grant", grant.id),
                 Json{{"person_id", grant.person_id},
                      {"zone_id", grant.zone_id},
                      {"valid_from", core::FormatRfc3339(grant.valid_from)},
                      {"valid_until", TimeJson(grant.valid_until)},
                      {"note", grant.note}}
                     .dump());
  }));
  Invalidate();
  return grant;
}

Result<std::vector<Grant>> AccessControl::ListGrants(std::optional<int64_t> person_id) {
  std::vector<Grant> grants;
  FG_RETURN_IF_ERROR(db_.Read([&](store::Connection& c) {
    return c.Exec(std::string(kGrantColumns) + " WHERE ?1 IS NULL OR person_id = ?1 ORDER BY id",
                  {person_id}, [&](const store::Row& r) { grants.push_back(GrantOf(r)); });
  }));
  return grants;
}

Result<void> AccessControl::DeleteGrant(int64_t id, std::string_view actor) {
  bool found = false;
  FG_RETURN_IF_ERROR(db_.Write([&](store::Connection& c) -> Result<void> {
    FG_ASSIGN_OR_RETURN(int64_t changed, c.Exec("DELETE FROM access_grants WHERE id = ?", {id}));
    found = changed > 0;
    if (!found) return NotFound("grant " + std::to_string(id) + " does not exist");
    return Audit(c, actor, "access.grant.delete", Subject("grant", id), "{}");
  }));
  Invalidate();
  return {};
}

Result<void> AccessControl::SetPassbackMode(int64_t zone_id, PassbackMode mode,
                                            std::string_view actor) {
  return UpdateZoneSettings(zone_id, {.passback = mode}, actor).transform([](auto) {});
}

Result<ZoneSettings> AccessControl::GetZoneSettings(int64_t zone_id) {
  FG_RETURN_IF_ERROR(CheckZone(zone_id, "zone_id"));
  ZoneSettings out{.zone_id = zone_id};
  FG_RETURN_IF_ERROR(db_.Read([&](store::Connection& c) {
    return c.Exec(
        "SELECT passback, pin_required, schedule FROM access_zone_settings WHERE zone_id = ?",
        {zone_id}, [&](const store::Row& r) {
          out.passback = ParsePassbackMode(r.TextView(0)).value_or(PassbackMode::kOff);
          out.pin_required = r.Int(1) != 0;
          out.schedule = r.Text(2);
        });
  }));
  return out;
}

Result<std::vector<ZoneSettings>> AccessControl::ListZoneSettings() {
  std::vector<ZoneSettings> out;
  FG_RETURN_IF_ERROR(db_.Read([&](store::Connection& c) {
    return c.Exec(
        "SELECT zone_id, passback, pin_required, schedule FROM access_zone_settings ORDER BY "
        "zone_id",
        {}, [&](const store::Row& r) {
          out.push_back({.zone_id = r.Int(0),
                         .passback = ParsePassbackMode(r.TextView(1)).value_or(PassbackMode::kOff),
                         .pin_required = r.Int(2) != 0,
                         .schedule = r.Text(3)});
        });
  }));
  return out;
}

Result<ZoneSettings> AccessControl::UpdateZoneSettings(int64_t zone_id,
                                                       const ZoneSettingsPatch& patch,
                                                       std::string_view actor) {
  FG_ASSIGN_OR_RETURN(ZoneSettings before, GetZoneSettings(zone_id));
  ZoneSettings after = before;
  if (patch.passback) after.passback = *patch.passback;
  if (patch.pin_required) after.pin_required = *patch.pin_required;
  if (patch.schedule) {
    if (patch.schedule->empty()) {
      after.schedule.clear();
    } else {
      FG_ASSIGN_OR_RETURN(auto parsed, identity::Schedule::Parse(*patch.schedule));
      after.schedule = parsed.text();
    }
  }
  auto json = [](const ZoneSettings& z) {
    return Json{{"passback", PassbackModeName(z.passback)},
                {"pin_required", z.pin_required},
                {"schedule", z.schedule}};
  };
  FG_RETURN_IF_ERROR(db_.Write([&](store::Connection& c) -> Result<void> {
    FG_RETURN_IF_ERROR(c.Exec(
        "INSERT INTO access_zone_settings (zone_id, passback, pin_required, schedule) VALUES (?, "
        "?, ?, ?) ON CONFLICT (zone_id) DO UPDATE SET passback = excluded.passback, pin_required "
        "= excluded.pin_required, schedule = excluded.schedule",
        {zone_id, PassbackModeName(after.passback), after.pin_required, after.schedule}));
    return Audit(c, actor, "access.zone.settings", Subject("zone", zone_id),
                 Json{{"old", json(before)}, {"new", json(after)}}.dump());
  }));
  Invalidate();
  return after;
}

Result<Holiday> AccessControl::AddHoliday(const Holiday& holiday, std::string_view actor) {
  if (!DayNumber(holiday.date)) return InvalidArgument("date", "must be a date YYYY-MM-DD");
  if (holiday.name.size() > 100) return InvalidArgument("name", "must be at most 100 characters");
  auto site = directory_.GetSite(holiday.site_id);
  if (!site) {
    if (site.error().code == ErrorCode::kNotFound) {
      return InvalidArgument("site_id",
                             "site " + std::to_string(holiday.site_id) + " does not exist");
    }
    return tl::unexpected(site.error());
  }
  FG_RETURN_IF_ERROR(db_.Write([&](store::Connection& c) -> Result<void> {
    FG_ASSIGN_OR_RETURN(
        int64_t added,
        c.Exec("INSERT INTO access_holidays (site_id, date, name) VALUES (?, ?, ?) ON CONFLICT "
               "DO NOTHING",
               {holiday.site_id, holiday.date, holiday.name}));
    if (added == 0) {
      return MakeError(
          ErrorCode::kAlreadyExists,
          holiday.date + " is already a holiday of site " + std::to_string(holiday.site_id),
          "date");
    }
    return Audit(c, actor, "access.holiday.create", Subject("site", holiday.site_id),
                 Json{{"date", holiday.date}, {"name", holiday.name}}.dump());
  }));
  Invalidate();
  return holiday;
}

Result<void> AccessControl::DeleteHoliday(int64_t site_id, std::string_view date,
                                          std::string_view actor) {
  FG_RETURN_IF_ERROR(db_.Write([&](store::Connection& c) -> Result<void> {
    FG_ASSIGN_OR_RETURN(int64_t removed,
                        c.Exec("DELETE FROM access_holidays WHERE site_id = ? AND date = ?",
                               {site_id, std::string(date)}));
    if (removed == 0) {
      return NotFound(std::string(date) + " is not a holiday of site " + std::to_string(site_id));
    }
    return Audit(c, actor, "access.holiday.delete", Subject("site", site_id),
                 Json{{"date", date}}.dump());
  }));
  Invalidate();
  return {};
}

Result<std::vector<Holiday>> AccessControl::ListHolidays(std::optional<int64_t> site_id) {
  std::vector<Holiday> out;
  FG_RETURN_IF_ERROR(db_.Read([&](store::Connection& c) {
    return c.Exec(
        "SELECT site_id, date, name FROM access_holidays WHERE ?1 IS NULL OR site_id = ?1 ORDER "
        "BY site_id, date",
        {site_id}, [&](const store::Row& r) {
          out.push_back({.site_id = r.Int(0), .date = r.Text(1), .name = r.Text(2)});
        });
  }));
  return out;
}

Result<std::vector<Passage>> AccessControl::ListPassages(int limit,
                                                         std::optional<int64_t> person_id) {
  std::vector<Passage> passages;
  FG_RETURN_IF_ERROR(db_.Read([&](store::Connection& c) {
    return c.Exec(
        "SELECT id, time, reader_id, door_id, badge_id, person_id, from_zone_id, to_zone_id, "
        "granted, reason FROM access_passages WHERE ?2 IS NULL OR person_id = ?2 ORDER BY id "
        "DESC LIMIT ?1",
        {std::clamp(limit, 1, 1000), person_id}, [&](const store::Row& r) {
          passages.push_back({.id = r.Int(0),
                              .time = core::FromUnixMicros(r.Int(1)),
                              .reader_id = r.Text(2),
                              .door_id = r.OptInt(3),
                              .badge_id = r.OptInt(4),
                              .person_id = r.OptInt(5),
                              .from_zone_id = r.Int(6),
                              .to_zone_id = r.Int(7),
                              .granted = r.Int(8) != 0,
                              .reason = r.Text(9)});
        });
  }));
  return passages;
}

}  // namespace fg::access
