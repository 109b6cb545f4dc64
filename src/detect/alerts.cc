// Alerts: table, lifecycle rules and JSON forms. nlohmann-json is confined to this file and
// defender.cc; every dump replaces invalid UTF-8 (names come from syslog) instead of throwing.
#include "detect/alerts.h"

#include <array>
#include <chrono>
#include <nlohmann/json.hpp>
#include <utility>

#include "detect/internal/text.h"

namespace fg::detect {

namespace {

using Json = nlohmann::json;

constexpr store::Migration kMigrations[] = {
    {1, R"sql(
CREATE TABLE alerts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  rule TEXT NOT NULL,
  severity TEXT NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical')),
  status TEXT NOT NULL CHECK (status IN ('open', 'acknowledged', 'resolved')),
  summary TEXT NOT NULL,
  account TEXT NOT NULL DEFAULT '' COLLATE NOCASE,
  source TEXT NOT NULL DEFAULT '',
  details TEXT NOT NULL DEFAULT '{}',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  acknowledged_by TEXT,
  acknowledged_at INTEGER,
  resolved_by TEXT,
  resolved_at INTEGER,
  resolution_note TEXT
);
CREATE INDEX alerts_status ON alerts (status, id);
CREATE INDEX alerts_rule ON alerts (rule, id);
CREATE INDEX alerts_account ON alerts (account, id);
)sql"},
};

constexpr std::array<std::pair<AlertStatus, std::string_view>, 3> kStatuses = {{
    {AlertStatus::kOpen, "open"},
    {AlertStatus::kAcknowledged, "acknowledged"},
    {AlertStatus::kResolved, "resolved"},
}};

constexpr std::string_view kColumns =
    "id, rule, severity, status, summary, account, source, details, created_at, updated_at, "
    "acknowledged_by, acknowledged_at, resolved_by, resolved_at, resolution_note";

constexpr size_t kMaxSummary = 1000;
constexpr size_t kMaxName = 512;

std::string Dump(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

tl::unexpected<Error> FailedPrecondition(std::string message) {
  return MakeError(ErrorCode::kFailedPrecondition, std::move(message));
}

std::string Subject(int64_t id) { return "alert:" + std::to_string(id); }

// Cuts at a byte limit without splitting a UTF-8 sequence.
std::string CutUtf8(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  size_t end = max_bytes;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return std::string(text.substr(0, end));
}

size_t CodePoints(std::string_view text) {
  size_t n = 0;
  for (char ch : text) n += (static_cast<unsigned char>(ch) & 0xC0) != 0x80;
  return n;
}

bool ReadAlert(const store::Row& row, Alert* a) {
  auto severity = ParseSeverity(row.TextView(2));
  auto status = ParseAlertStatus(row.TextView(3));
  if (!severity || !status) return false;
  a->id = row.Int(0);
  a->rule = row.Text(1);
  a->severity = *severity;
  a->status = *status;
  a->summary = row.Text(4);
  a->account = row.Text(5);
  a->source = row.Text(6);
  a->details = row.Text(7);
  a->created_at = core::FromUnixMicros(row.Int(8));
  a->updated_at = core::FromUnixMicros(row.Int(9));
  a->acknowledged_by = row.OptText(10);
  if (auto t = row.OptInt(11)) a->acknowledged_at = core::FromUnixMicros(*t);
  a->resolved_by = row.OptText(12);
  if (auto t = row.OptInt(13)) a->resolved_at = core::FromUnixMicros(*t);
  a->resolution_note = row.OptText(14);
  return true;
}

Result<std::vector<Alert>> Fetch(store::Connection& c, std::string_view sql,
                                 std::span<const store::Param> params) {
  std::vector<Alert> out;
  bool corrupt = false;
  FG_RETURN_IF_ERROR(c.Exec(sql, params, [&](const store::Row& row) {
    Alert a;
    if (ReadAlert(row, &a)) {
      out.push_back(std::move(a));
    } else {
      corrupt = true;
    }
  }));
  if (corrupt) return MakeError(ErrorCode::kDataLoss, "an alert row holds an unknown value");
  return out;
}

Result<std::optional<Alert>> Load(store::Connection& c, int64_t id) {
  static const std::string sql = "SELECT " + std::string(kColumns) + " FROM alerts WHERE id = ?";
  store::Param params[] = {id};
  FG_ASSIGN_OR_RETURN(auto rows, Fetch(c, sql, params));
  if (rows.empty()) return std::optional<Alert>();
  return std::optional<Alert>(std::move(rows.front()));
}

Result<Alert> Require(store::Connection& c, int64_t id) {
  FG_ASSIGN_OR_RETURN(auto alert, Load(c, id));
  if (!alert) return NotFound("alert " + std::to_string(id) + " does not exist");
  return std::move(*alert);
}

Result<void> CheckActor(std::string_view actor) {
  if (actor.empty() || actor.size() > 128) {
    return InvalidArgument("actor", "must be 1 to 128 characters");
  }
  return {};
}

Result<void> CheckInput(const AlertInput& in) {
  if (in.rule.empty() || in.rule.size() > 64) {
    return InvalidArgument("rule", "must be 1 to 64 characters");
  }
  for (char ch : in.rule) {
    bool ok = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '.';
    if (!ok) return InvalidArgument("rule", "may hold only a-z, 0-9, '_' and '.'");
  }
  if (in.summary.empty() || in.summary.size() > kMaxSummary) {
    return InvalidArgument("summary", "must be 1 to " + std::to_string(kMaxSummary) + " bytes");
  }
  if (in.account.size() > kMaxName) return InvalidArgument("account", "is too long");
  if (in.source.size() > kMaxName) return InvalidArgument("source", "is too long");
  Json details = Json::parse(in.details, nullptr, /*allow_exceptions=*/false);
  if (!details.is_object()) return InvalidArgument("details", "must be a JSON object");
  return {};
}

Result<void> CheckNote(std::string_view note) {
  bool blank = true;
  for (char ch : note) {
    auto u = static_cast<unsigned char>(ch);
    if ((u < 0x20 && ch != '\n' && ch != '\r' && ch != '\t') || u == 0x7f) {
      return InvalidArgument("note", "must not hold control characters");
    }
    if (ch != ' ' && ch != '\n' && ch != '\r' && ch != '\t') blank = false;
  }
  size_t length = CodePoints(note);
  if (blank || length > kMaxResolutionNote) {
    return InvalidArgument("note", "is required: 1 to " + std::to_string(kMaxResolutionNote) +
                                       " characters saying why the alert is resolved");
  }
  return {};
}

Json EvidenceJson(const Evidence& e) {
  return Json{{"count", e.count},
              {"threshold", e.threshold},
              {"window_seconds", e.window.count()},
              {"distinct", e.distinct},
              {"first", core::FormatRfc3339(e.first)},
              {"last", core::FormatRfc3339(e.last)},
              {"repeat", e.repeat}};
}

Json ActionJson(const Action& a) {
  Json out{{"kind", ActionKindName(a.kind)}, {"target", a.target}};
  if (a.duration) out["duration_seconds"] = a.duration->count();
  if (a.until) out["until"] = core::FormatRfc3339(*a.until);
  return out;
}

}  // namespace

std::string_view AlertStatusName(AlertStatus status) {
  for (const auto& [value, name] : kStatuses) {
    if (value == status) return name;
  }
  return "unknown";
}

std::optional<AlertStatus> ParseAlertStatus(std::string_view name) {
  for (const auto& [value, n] : kStatuses) {
    if (n == name) return value;
  }
  return std::nullopt;
}

// FindingDetailsJson runs for every finding (logscan prints thousands), so it writes the
// JSON directly when every string is ASCII: the bytes are exactly what Dump() gives (keys in
// std::map order, nlohmann's escapes). Other text takes the generic path, which replaces
// invalid UTF-8 the way every other dump here does.
namespace {

bool AllAscii(std::string_view text) {
  for (char ch : text) {
    if (static_cast<unsigned char>(ch) >= 0x80) return false;
  }
  return true;
}

void AppendJsonString(std::string_view text, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (char ch : text) {
    const auto u = static_cast<unsigned char>(ch);
    switch (ch) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (u < 0x20) {
          out += "\\u00";
          out += kHex[u >> 4];
          out += kHex[u & 0xf];
        } else {
          out += ch;
        }
    }
  }
  out += '"';
}

void AppendJsonInt(int64_t value, std::string& out) { out += std::to_string(value); }

// core::FormatRfc3339 as a JSON string, without snprintf for the years 1970..9999.
void AppendJsonTime(core::WallTime t, std::string& out) {
  const int64_t us = core::ToUnixMicros(t);
  const int64_t secs = us >= 0 ? us / 1'000'000 : (us - 999'999) / 1'000'000;
  const int64_t frac = us - secs * 1'000'000;
  const int64_t days = secs / 86400;
  const int64_t of_day = secs % 86400;
  const std::chrono::year_month_day date{std::chrono::sys_days{std::chrono::days{days}}};
  const int year = static_cast<int>(date.year());
  if (us < 0 || year > 9999) {
    AppendJsonString(core::FormatRfc3339(t), out);
    return;
  }
  char buf[] = "\"0000-00-00T00:00:00.000000Z\"";
  auto put = [&buf](size_t pos, int64_t value, int width) {
    for (int i = width - 1; i >= 0; --i) {
      buf[pos + static_cast<size_t>(i)] = static_cast<char>('0' + value % 10);
      value /= 10;
    }
  };
  put(1, year, 4);
  put(6, static_cast<unsigned>(date.month()), 2);
  put(9, static_cast<unsigned>(date.day()), 2);
  put(12, of_day / 3600, 2);
  put(15, of_day / 60 % 60, 2);
  put(18, of_day % 60, 2);
  put(21, frac, 6);
  out.append(buf, sizeof buf - 1);
}

}  // namespace

std::string FindingDetailsJson(const Finding& finding) {
  bool ascii = true;
  for (const std::string& d : finding.evidence.distinct) ascii = ascii && AllAscii(d);
  for (const Action& a : finding.actions) ascii = ascii && AllAscii(a.target);
  if (!ascii) {
    Json actions = Json::array();
    for (const Action& a : finding.actions) actions.push_back(ActionJson(a));
    return Dump(Json{{"evidence", EvidenceJson(finding.evidence)}, {"actions", actions}});
  }
  const Evidence& e = finding.evidence;
  std::string out;
  out.reserve(256);
  out += "{\"actions\":[";
  for (size_t i = 0; i < finding.actions.size(); ++i) {
    const Action& a = finding.actions[i];
    if (i > 0) out += ',';
    out += '{';
    if (a.duration) {
      out += "\"duration_seconds\":";
      AppendJsonInt(a.duration->count(), out);
      out += ',';
    }
    out += "\"kind\":";
    AppendJsonString(ActionKindName(a.kind), out);
    out += ",\"target\":";
    AppendJsonString(a.target, out);
    if (a.until) {
      out += ",\"until\":";
      AppendJsonTime(*a.until, out);
    }
    out += '}';
  }
  out += "],\"evidence\":{\"count\":";
  AppendJsonInt(e.count, out);
  out += ",\"distinct\":[";
  for (size_t i = 0; i < e.distinct.size(); ++i) {
    if (i > 0) out += ',';
    AppendJsonString(e.distinct[i], out);
  }
  out += "],\"first\":";
  AppendJsonTime(e.first, out);
  out += ",\"last\":";
  AppendJsonTime(e.last, out);
  out += ",\"repeat\":";
  AppendJsonInt(e.repeat, out);
  out += ",\"threshold\":";
  AppendJsonInt(e.threshold, out);
  out += ",\"window_seconds\":";
  AppendJsonInt(e.window.count(), out);
  out += "}}";
  return out;
}

AlertInput AlertInputFrom(const Finding& finding) {
  return AlertInput{
      .rule = finding.rule,
      .severity = finding.severity,
      .summary = CutUtf8(finding.summary.empty() ? finding.rule : finding.summary, kMaxSummary),
      .account = CutUtf8(finding.account, kMaxName),
      .source = CutUtf8(finding.source, kMaxName),
      .details = FindingDetailsJson(finding)};
}

std::string AlertJson(const Alert& a) {
  Json details = Json::parse(a.details, nullptr, false);
  if (details.is_discarded()) details = Json::object();
  Json out{{"id", a.id},
           {"rule", a.rule},
           {"severity", SeverityName(a.severity)},
           {"status", AlertStatusName(a.status)},
           {"summary", a.summary},
           {"account", a.account},
           {"source", a.source},
           {"details", details},
           {"created_at", core::FormatRfc3339(a.created_at)},
           {"updated_at", core::FormatRfc3339(a.updated_at)}};
  auto opt_text = [&](const char* key, const std::optional<std::string>& v) {
    out[key] = v ? Json(*v) : Json(nullptr);
  };
  auto opt_time = [&](const char* key, const std::optional<core::WallTime>& v) {
    out[key] = v ? Json(core::FormatRfc3339(*v)) : Json(nullptr);
  };
  opt_text("acknowledged_by", a.acknowledged_by);
  opt_time("acknowledged_at", a.acknowledged_at);
  opt_text("resolved_by", a.resolved_by);
  opt_time("resolved_at", a.resolved_at);
  opt_text("resolution_note", a.resolution_note);
  return Dump(out);
}

std::span<const store::Migration> Alerts::Migrations() { return kMigrations; }

Result<Alert> Alerts::Raise(const AlertInput& input, std::string_view actor) {
  FG_RETURN_IF_ERROR(CheckActor(actor));
  FG_RETURN_IF_ERROR(CheckInput(input));
  Alert alert{.rule = input.rule,
              .severity = input.severity,
              .status = AlertStatus::kOpen,
              .summary = input.summary,
              .account = input.account,
              .source = input.source,
              .details = Dump(Json::parse(input.details, nullptr, false))};
  alert.created_at = alert.updated_at = clock_.WallNow();
  FG_RETURN_IF_ERROR(db_.Write([&](store::Connection& c) -> Result<void> {
    FG_RETURN_IF_ERROR(
        c.Exec("INSERT INTO alerts (rule, severity, status, summary, account, source, details, "
               "created_at, updated_at) VALUES (?, ?, 'open', ?, ?, ?, ?, ?, ?)",
               {alert.rule, SeverityName(alert.severity), alert.summary, alert.account,
                alert.source, alert.details, core::ToUnixMicros(alert.created_at),
                core::ToUnixMicros(alert.updated_at)}));
    alert.id = c.LastInsertRowId();
    Json details{
        {"rule", alert.rule},       {"severity", SeverityName(alert.severity)},
        {"summary", alert.summary}, {"account", alert.account},
        {"source", alert.source},   {"details", Json::parse(alert.details, nullptr, false)}};
    FG_RETURN_IF_ERROR(log_.Append(c, {.actor = std::string(actor),
                                       .action = "alert.raise",
                                       .subject = Subject(alert.id),
                                       .details = Dump(details)}));
    c.OnCommit([this, event = AlertRaised{alert.id, alert.rule, alert.severity, alert.summary}] {
      bus_.Publish(event);
    });
    return {};
  }));
  return alert;
}

Result<Alert> Alerts::Acknowledge(std::string_view actor, int64_t id) {
  return Transition(actor, id, AlertStatus::kAcknowledged, {});
}

Result<Alert> Alerts::Resolve(std::string_view actor, int64_t id, std::string_view note) {
  FG_RETURN_IF_ERROR(CheckNote(note));
  return Transition(actor, id, AlertStatus::kResolved, note);
}

Result<Alert> Alerts::Transition(std::string_view actor, int64_t id, AlertStatus to,
                                 std::string_view note) {
  FG_RETURN_IF_ERROR(CheckActor(actor));
  Alert after;
  FG_RETURN_IF_ERROR(db_.Write([&](store::Connection& c) -> Result<void> {
    FG_ASSIGN_OR_RETURN(Alert before, Require(c, id));
    if (before.status == AlertStatus::kResolved) {
      return FailedPrecondition("alert " + std::to_string(id) + " is already resolved");
    }
    if (to == AlertStatus::kAcknowledged && before.status == AlertStatus::kAcknowledged) {
      return FailedPrecondition("alert " + std::to_string(id) + " is already acknowledged by " +
                                before.acknowledged_by.value_or("someone"));
    }
    after = before;
    after.status = to;
    after.updated_at = clock_.WallNow();
    Json details{{"from", AlertStatusName(before.status)},
                 {"to", AlertStatusName(to)},
                 {"rule", before.rule}};
    if (to == AlertStatus::kAcknowledged) {
      after.acknowledged_by = std::string(actor);
      after.acknowledged_at = after.updated_at;
    } else {
      after.resolved_by = std::string(actor);
      after.resolved_at = after.updated_at;
      after.resolution_note = std::string(note);
      details["note"] = *after.resolution_note;
    }
    FG_RETURN_IF_ERROR(c.Exec(
        "UPDATE alerts SET status = ?, updated_at = ?, acknowledged_by = ?, acknowledged_at = ?, "
        "resolved_by = ?, resolved_at = ?, resolution_note = ? WHERE id = ?",
        {AlertStatusName(after.status), core::ToUnixMicros(after.updated_at), after.acknowledged_by,
         after.acknowledged_at ? store::Param(core::ToUnixMicros(*after.acknowledged_at))
                               : store::Param(nullptr),
         after.resolved_by,
         after.resolved_at ? store::Param(core::ToUnixMicros(*after.resolved_at))
                           : store::Param(nullptr),
         after.resolution_note, id}));
    FG_RETURN_IF_ERROR(log_.Append(
        c, {.actor = std::string(actor),
            .action = to == AlertStatus::kAcknowledged ? "alert.acknowledge" : "alert.resolve",
            .subject = Subject(id),
            .details = Dump(details)}));
    c.OnCommit([this, event = AlertChanged{id, to}] { bus_.Publish(event); });
    return {};
  }));
  return after;
}

Result<Alert> Alerts::Get(int64_t id) {
  return db_.Read([&](store::Connection& c) { return Require(c, id); });
}

Result<AlertPage> Alerts::List(const AlertFilter& filter, int limit, int64_t after_id) {
  if (limit < 1 || limit > kMaxAlertListLimit) {
    return InvalidArgument("limit", "must be from 1 to " + std::to_string(kMaxAlertListLimit));
  }
  if (after_id < 0) return InvalidArgument("after_id", "must not be negative");
  std::string sql = "SELECT " + std::string(kColumns) + " FROM alerts WHERE id > ?";
  std::vector<store::Param> params{after_id};
  std::string status(filter.status ? AlertStatusName(*filter.status) : "");
  if (filter.status) {
    sql += " AND status = ?";
    params.emplace_back(status);
  }
  if (!filter.rule.empty()) {
    sql += " AND rule = ?";
    params.emplace_back(filter.rule);
  }
  if (!filter.account.empty()) {
    sql += " AND account = ?";
    params.emplace_back(filter.account);
  }
  sql += " ORDER BY id LIMIT ?";
  params.emplace_back(static_cast<int64_t>(limit) + 1);
  FG_ASSIGN_OR_RETURN(auto items,
                      db_.Read([&](store::Connection& c) { return Fetch(c, sql, params); }));
  AlertPage page;
  if (items.size() > static_cast<size_t>(limit)) {
    items.resize(static_cast<size_t>(limit));
    page.next_after_id = items.back().id;
  }
  page.items = std::move(items);
  return page;
}

Result<AlertCounts> Alerts::Counts() {
  AlertCounts counts;
  FG_RETURN_IF_ERROR(db_.Read([&](store::Connection& c) {
    return c.Exec("SELECT status, COUNT(*) FROM alerts GROUP BY status", {},
                  [&](const store::Row& row) {
                    auto status = ParseAlertStatus(row.TextView(0));
                    if (!status) return;
                    int64_t n = row.Int(1);
                    switch (*status) {
                      case AlertStatus::kOpen:
                        counts.open = n;
                        break;
                      case AlertStatus::kAcknowledged:
                        counts.acknowledged = n;
                        break;
                      case AlertStatus::kResolved:
                        counts.resolved = n;
                        break;
                    }
                  });
  }));
  return counts;
}

}  // namespace fg::detect
