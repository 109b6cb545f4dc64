// Reports: the floor view (who is at which station now), station and person histories, failed
// logons and locked accounts.
#include <map>

#include "identity/identity.h"
#include "identity/internal/common.h"

namespace fg::identity {

namespace {

using internal::Micros;

// Names from the directory, looked up once per report.
class Names {
 public:
  explicit Names(directory::Directory& directory) : directory_(directory) {}
  const std::string& Person(int64_t id) {
    auto [it, fresh] = people_.try_emplace(id);
    if (fresh) {
      if (auto person = directory_.GetPerson(id)) it->second = person->name;
    }
    return it->second;
  }
  const std::string& Station(int64_t id) {
    auto [it, fresh] = stations_.try_emplace(id);
    if (fresh) {
      if (auto station = directory_.GetStation(id)) it->second = station->workstation_id;
    }
    return it->second;
  }

 private:
  directory::Directory& directory_;
  std::map<int64_t, std::string> people_;
  std::map<int64_t, std::string> stations_;
};

}  // namespace

Result<std::vector<FloorZone>> Identity::FloorView() {
  std::vector<directory::Zone> zones;
  for (int64_t after = 0;;) {
    FG_ASSIGN_OR_RETURN(auto page, directory_.ListZones({}, directory::kMaxListLimit, after));
    for (auto& zone : page.items) zones.push_back(std::move(zone));
    if (!page.next_after_id) break;
    after = *page.next_after_id;
  }
  std::vector<directory::Station> stations;
  for (int64_t after = 0;;) {
    FG_ASSIGN_OR_RETURN(auto page, directory_.ListStations({}, directory::kMaxListLimit, after));
    for (auto& station : page.items) stations.push_back(std::move(station));
    if (!page.next_after_id) break;
    after = *page.next_after_id;
  }
  std::map<int64_t, StationSession> open;  // by station
  FG_RETURN_IF_ERROR(db_.Read([&](store::Connection& c) {
    return c.Exec("SELECT " + std::string(internal::kSessionColumns) +
                      std::string(internal::kSessionFrom) +
                      "WHERE s.ended_at IS NULL ORDER BY s.id",
                  {}, [&](const store::Row& row) {
                    StationSession s = internal::ReadSession(row);
                    open[s.station_id] = std::move(s);
                  });
  }));
  Names names(directory_);
  std::vector<FloorZone> out;
  std::map<int64_t, size_t> index;
  for (const directory::Zone& zone : zones) {
    index[zone.id] = out.size();
    out.push_back({.zone_id = zone.id, .zone_name = zone.name, .site_id = zone.site_id});
  }
  for (const directory::Station& station : stations) {
    auto it = index.find(station.zone_id);
    if (it == index.end()) continue;  // a zone added after the list was read
    FloorStation entry{.station_id = station.id,
                       .workstation_id = station.workstation_id,
                       .enabled = station.enabled};
    if (auto s = open.find(station.id); s != open.end()) {
      StationSession session = s->second;
      session.workstation_id = station.workstation_id;
      session.person_name = names.Person(session.person_id);
      session.state = Effective(session.state, session.last_heartbeat_at);
      entry.session = std::move(session);
    }
    out[it->second].stations.push_back(std::move(entry));
  }
  return out;
}

namespace {

Result<std::vector<StationSession>> QuerySessions(store::Database& db, std::string_view where,
                                                  int64_t key, int64_t from, int64_t to) {
  std::vector<StationSession> out;
  FG_RETURN_IF_ERROR(db.Read([&](store::Connection& c) {
    return c.Exec("SELECT " + std::string(internal::kSessionColumns) +
                      std::string(internal::kSessionFrom) + "WHERE " + std::string(where) +
                      " AND s.started_at < ?2 AND (s.ended_at IS NULL OR s.ended_at > ?3) "
                      "ORDER BY s.started_at, s.id LIMIT ?4",
                  {key, to, from, kMaxReportRows},
                  [&](const store::Row& row) { out.push_back(internal::ReadSession(row)); });
  }));
  return out;
}

Result<void> CheckRange(core::WallTime from, core::WallTime to) {
  if (to <= from) return InvalidArgument("to", "must be later than from");
  return {};
}

}  // namespace

Result<std::vector<StationSession>> Identity::StationHistory(int64_t station_id,
                                                             core::WallTime from,
                                                             core::WallTime to) {
  FG_RETURN_IF_ERROR(CheckRange(from, to));
  FG_RETURN_IF_ERROR(directory_.GetStation(station_id));
  FG_ASSIGN_OR_RETURN(
      auto sessions, QuerySessions(db_, "s.station_id = ?1", station_id, Micros(from), Micros(to)));
  Names names(directory_);
  for (StationSession& s : sessions) {
    s.workstation_id = names.Station(s.station_id);
    s.person_name = names.Person(s.person_id);
    s.state = Effective(s.state, s.last_heartbeat_at);
  }
  return sessions;
}

Result<std::vector<StationSession>> Identity::PersonHistory(int64_t person_id, core::WallTime from,
                                                            core::WallTime to) {
  FG_RETURN_IF_ERROR(CheckRange(from, to));
  FG_RETURN_IF_ERROR(directory_.GetPerson(person_id));
  FG_ASSIGN_OR_RETURN(auto sessions,
                      QuerySessions(db_, "a.person_id = ?1", person_id, Micros(from), Micros(to)));
  Names names(directory_);
  for (StationSession& s : sessions) {
    s.workstation_id = names.Station(s.station_id);
    s.person_name = names.Person(s.person_id);
    s.state = Effective(s.state, s.last_heartbeat_at);
  }
  return sessions;
}

Result<Page<LogonAttempt>> Identity::FailedLogons(core::WallTime from, core::WallTime to, int limit,
                                                  std::optional<int64_t> cursor) {
  FG_RETURN_IF_ERROR(CheckRange(from, to));
  limit = std::clamp(limit, 1, kMaxReportRows);
  Page<LogonAttempt> page;
  FG_RETURN_IF_ERROR(db_.Read([&](store::Connection& c) {
    return c.Exec(
        "SELECT id, at, station_id, workstation_id, account_id, username, source_address, "
        "decision, check_name, reason, kind FROM identity_logon_attempts WHERE decision = 'deny' "
        "AND at >= ? AND at < ? AND id < ? ORDER BY id DESC LIMIT ?",
        {Micros(from), Micros(to), cursor.value_or(INT64_MAX), limit + 1},
        [&](const store::Row& row) {
          page.items.push_back({.id = row.Int(0),
                                .time = core::FromUnixMicros(row.Int(1)),
                                .station_id = row.Int(2),
                                .workstation_id = row.Text(3),
                                .account_id = row.OptInt(4),
                                .username = row.Text(5),
                                .source_address = row.Text(6),
                                .decision = row.Text(7),
                                .check = row.Text(8),
                                .reason = row.Text(9),
                                .kind = row.Text(10)});
        });
  }));
  if (static_cast<int>(page.items.size()) > limit) {
    page.items.pop_back();
    page.next_cursor = page.items.back().id;
  }
  return page;
}

Result<std::vector<LockedAccount>> Identity::LockedAccounts() {
  int64_t now = Micros(clock_.WallNow());
  std::vector<LockedAccount> out;
  FG_RETURN_IF_ERROR(db_.Read([&](store::Connection& c) {
    // The latest lockout in force per account.
    return c.Exec(
        "SELECT a.id, a.username, a.person_id, l.locked_at, l.until, l.reason, l.locked_by "
        "FROM identity_lockouts l JOIN identity_accounts a ON a.id = l.account_id "
        "WHERE l.lifted_at IS NULL AND l.until > ?1 AND l.id = (SELECT l2.id FROM "
        "identity_lockouts l2 WHERE l2.account_id = l.account_id AND l2.lifted_at IS NULL AND "
        "l2.until > ?1 ORDER BY l2.until DESC, l2.id DESC LIMIT 1) ORDER BY a.username LIMIT ?2",
        {now, kMaxReportRows}, [&](const store::Row& row) {
          out.push_back({.account_id = row.Int(0),
                         .username = row.Text(1),
                         .person_id = row.Int(2),
                         .locked_at = core::FromUnixMicros(row.Int(3)),
                         .until = core::FromUnixMicros(row.Int(4)),
                         .reason = row.Text(5),
                         .locked_by = row.Text(6)});
        });
  }));
  return out;
}

}  // namespace fg::identity
