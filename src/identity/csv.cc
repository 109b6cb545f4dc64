#include "identity/csv.h"

namespace fg::identity {

namespace {

std::string Time(core::WallTime t) { return core::FormatRfc3339(t); }
std::string Time(const std::optional<core::WallTime>& t) { return t ? Time(*t) : std::string(); }

}  // namespace

std::string CsvCell(std::string_view value) {
  std::string cell(value);
  // A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
  if (!cell.empty() && (cell[0] == '=' || cell[0] == '+' || cell[0] == '-' || cell[0] == '@' ||
                        cell[0] == '\t' || cell[0] == '\r')) {
    cell.insert(cell.begin(), '\'');
  }
  if (cell.find_first_of(",\"\r\n") == std::string::npos) return cell;
  std::string quoted = "\"";
  for (char ch : cell) {
    if (ch == '"') quoted += '"';
    quoted += ch;
  }
  quoted += '"';
  return quoted;
}

void CsvWriter::Row(std::initializer_list<std::string_view> cells) {
  bool first = true;
  for (std::string_view cell : cells) {
    if (!first) text_ += ',';
    first = false;
    text_ += CsvCell(cell);
  }
  text_ += "\r\n";
}

void CsvWriter::Row(const std::vector<std::string>& cells) {
  bool first = true;
  for (const std::string& cell : cells) {
    if (!first) text_ += ',';
    first = false;
    text_ += CsvCell(cell);
  }
  text_ += "\r\n";
}

std::string FloorViewCsv(const std::vector<FloorZone>& zones) {
  CsvWriter csv;
  csv.Row({"zone_id", "zone", "station_id", "workstation_id", "enabled", "session_id", "username",
           "person_id", "name", "since", "state"});
  for (const FloorZone& zone : zones) {
    for (const FloorStation& station : zone.stations) {
      std::vector<std::string> row = {std::to_string(zone.zone_id), zone.zone_name,
                                      std::to_string(station.station_id), station.workstation_id,
                                      station.enabled ? "true" : "false"};
      if (station.session) {
        const StationSession& s = *station.session;
        row.insert(row.end(),
                   {std::to_string(s.id), s.username, std::to_string(s.person_id), s.person_name,
                    Time(s.started_at), std::string(SessionStateName(s.state))});
      } else {
        row.insert(row.end(), {"", "", "", "", "", ""});
      }
      csv.Row(row);
    }
  }
  return csv.text();
}

std::string SessionsCsv(const std::vector<StationSession>& sessions) {
  CsvWriter csv;
  csv.Row({"session_id", "station_id", "workstation_id", "account_id", "username", "person_id",
           "name", "started_at", "ended_at", "end_reason", "state", "source_address"});
  for (const StationSession& s : sessions) {
    csv.Row({std::to_string(s.id), std::to_string(s.station_id), s.workstation_id,
             std::to_string(s.account_id), s.username, std::to_string(s.person_id), s.person_name,
             Time(s.started_at), Time(s.ended_at), s.end_reason,
             std::string(SessionStateName(s.state)), s.source_address});
  }
  return csv.text();
}

std::string LogonAttemptsCsv(const std::vector<LogonAttempt>& attempts) {
  CsvWriter csv;
  csv.Row({"id", "time", "kind", "station_id", "workstation_id", "account_id", "username",
           "source_address", "decision", "check", "reason"});
  for (const LogonAttempt& a : attempts) {
    csv.Row({std::to_string(a.id), Time(a.time), a.kind, std::to_string(a.station_id),
             a.workstation_id, a.account_id ? std::to_string(*a.account_id) : std::string(),
             a.username, a.source_address, a.decision, a.check, a.reason});
  }
  return csv.text();
}

std::string LockedAccountsCsv(const std::vector<LockedAccount>& accounts) {
  CsvWriter csv;
  csv.Row({"account_id", "username", "person_id", "locked_at", "until", "reason", "locked_by"});
  for (const LockedAccount& a : accounts) {
    csv.Row({std::to_string(a.account_id), a.username, std::to_string(a.person_id),
             Time(a.locked_at), Time(a.until), a.reason, a.locked_by});
  }
  return csv.text();
}

}  // namespace fg::identity
