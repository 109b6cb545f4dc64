#include "access/visitors.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <nlohmann/json.hpp>

namespace fg::access {

namespace {

using Json = nlohmann::json;

constexpr store::Migration kMigrations[] = {
    {1, R"sql(
CREATE TABLE access_visits (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  person_id INTEGER NOT NULL,
  name TEXT NOT NULL,
  company TEXT NOT NULL,
  host_id INTEGER NOT NULL,
  host_name TEXT NOT NULL,
  purpose TEXT NOT NULL,
  credential_key TEXT NOT NULL,
  badge_id INTEGER NOT NULL,
  escort_zone_ids TEXT NOT NULL DEFAULT '',
  grant_ids TEXT NOT NULL DEFAULT '',
  photo BLOB,
  photo_type TEXT NOT NULL DEFAULT '',
  checked_in_at INTEGER NOT NULL,
  expected_end INTEGER NOT NULL,
  checked_out_at INTEGER,
  overdue_alerted INTEGER NOT NULL DEFAULT 0 CHECK (overdue_alerted IN (0, 1)),
  purged_at INTEGER
);
CREATE INDEX access_visits_open ON access_visits (checked_out_at, expected_end);
CREATE INDEX access_visits_checked_in ON access_visits (checked_in_at);
CREATE INDEX access_visits_badge ON access_visits (badge_id);
CREATE INDEX access_visits_person ON access_visits (person_id);
)sql"},
};

constexpr std::string_view kVisitColumns =
    "SELECT id, person_id, name, company, host_id, host_name, purpose, credential_key, badge_id, "
    "escort_zone_ids, grant_ids, photo_type, checked_in_at, expected_end, checked_out_at, "
    "overdue_alerted, purged_at FROM access_visits";

std::string JoinIds(const std::vector<int64_t>& ids) {
  std::string out;
  for (int64_t id : ids) out += (out.empty() ? "" : ",") + std::to_string(id);
  return out;
}

std::vector<int64_t> SplitIds(std::string_view text) {
  std::vector<int64_t> ids;
  while (!text.empty()) {
    size_t comma = text.find(',');
    std::string_view part = text.substr(0, comma);
    int64_t id = 0;
    if (std::from_chars(part.data(), part.data() + part.size(), id).ec == std::errc()) {
      ids.push_back(id);
    }
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return ids;
}

Visit VisitOf(const store::Row& r) {
  Visit v;
  v.id = r.Int(0);
  v.person_id = r.Int(1);
  v.name = r.Text(2);
  v.company = r.Text(3);
  v.host_id = r.Int(4);
  v.host_name = r.Text(5);
  v.purpose = r.Text(6);
  v.credential_key = r.Text(7);
  v.badge_id = r.Int(8);
  v.escort_zone_ids = SplitIds(r.TextView(9));
  v.grant_ids = SplitIds(r.TextView(10));
  v.photo_type = r.Text(11);
  v.checked_in_at = core::FromUnixMicros(r.Int(12));
  v.expected_end = core::FromUnixMicros(r.Int(13));
  if (auto out = r.OptInt(14)) v.checked_out_at = core::FromUnixMicros(*out);
  v.overdue_alerted = r.Int(15) != 0;
  v.purged = !r.IsNull(16);
  return v;
}

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return -1;
}

bool IsSpace(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

// Text the desk types: trimmed, 1..max characters (bytes), no control characters. The
// directory checks UTF-8 and the finer rules for name and company.
Result<std::string> CleanField(std::string_view field, std::string_view text, size_t max_len,
                               bool required) {
  while (!text.empty() && IsSpace(text.front())) text.remove_prefix(1);
  while (!text.empty() && IsSpace(text.back())) text.remove_suffix(1);
  if (required && text.empty()) return InvalidArgument(std::string(field), "is required");
  if (text.size() > max_len) {
    return InvalidArgument(std::string(field),
                           "must be at most " + std::to_string(max_len) + " characters");
  }
  for (char c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return InvalidArgument(std::string(field), "must not contain control characters");
    }
  }
  return std::string(text);
}

core::WallTime EndOfDay(core::WallTime now) {
  using Days = std::chrono::duration<int64_t, std::ratio<86400>>;
  auto day = std::chrono::floor<Days>(now.time_since_epoch());
  return core::WallTime(std::chrono::duration_cast<std::chrono::microseconds>(day + Days(1)));
}

}  // namespace

Result<Photo> DecodePhoto(std::string_view text, size_t max_bytes) {
  if (text.starts_with("data:")) {
    size_t comma = text.find(',');
    if (comma == std::string_view::npos || text.substr(0, comma).find(";base64") == text.npos) {
      return InvalidArgument("photo", "must be base64 (a data: URL needs ;base64)");
    }
    text.remove_prefix(comma + 1);
  }
  // Four characters carry three bytes; refuse oversized text before decoding it.
  if (text.size() > (max_bytes / 3 + 2) * 4 + text.size() / 64 * 2 + 16) {
    return InvalidArgument("photo",
                           "must be at most " + std::to_string(max_bytes / 1024) + " KiB decoded");
  }
  std::string bytes;
  bytes.reserve(text.size() / 4 * 3);
  uint32_t accumulator = 0;
  int bits = 0;
  size_t padding = 0;
  for (char c : text) {
    if (IsSpace(c)) continue;
    if (c == '=') {
      ++padding;
      continue;
    }
    int value = Base64Value(c);
    if (value < 0 || padding > 0) {
      return InvalidArgument("photo", "must be base64 (standard or URL-safe alphabet)");
    }
    accumulator = (accumulator << 6) | static_cast<uint32_t>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes.push_back(static_cast<char>((accumulator >> bits) & 0xFF));
    }
  }
  if (padding > 2 || bits >= 6) return InvalidArgument("photo", "must be base64 (bad length)");
  if (bytes.empty()) return InvalidArgument("photo", "must not be empty");
  if (bytes.size() > max_bytes) {
    return InvalidArgument("photo",
                           "must be at most " + std::to_string(max_bytes / 1024) + " KiB decoded");
  }
  static constexpr std::array<unsigned char, 3> kJpeg = {0xFF, 0xD8, 0xFF};
  static constexpr std::array<unsigned char, 8> kPng = {0x89, 'P',  'N',  'G',
                                                        0x0D, 0x0A, 0x1A, 0x0A};
  auto starts = [&](const auto& magic) {
    if (bytes.size() < magic.size()) return false;
    return std::equal(magic.begin(), magic.end(), bytes.begin(),
                      [](unsigned char m, char b) { return m == static_cast<unsigned char>(b); });
  };
  if (starts(kJpeg)) return Photo{.content_type = "image/jpeg", .bytes = std::move(bytes)};
  if (starts(kPng)) return Photo{.content_type = "image/png", .bytes = std::move(bytes)};
  return InvalidArgument("photo", "must be a JPEG or PNG image");
}

VisitorDesk::VisitorDesk(store::Database& db, audit::Log& log, directory::Directory& directory,
                         AccessControl& access, core::Clock& clock, AlertPort* alerts,
                         VisitorOptions options)
    : db_(db),
      log_(log),
      directory_(directory),
      access_(access),
      clock_(clock),
      alerts_(alerts),
      options_(options) {}

std::span<const store::Migration> VisitorDesk::Migrations() { return kMigrations; }

Result<void> VisitorDesk::Audit(store::Connection& c, std::string_view actor, std::string action,
                                int64_t visit_id, std::string details) {
  return log_
      .Append(c, {.actor = std::string(actor),
                  .action = std::move(action),
                  .subject = "visit:" + std::to_string(visit_id),
                  .details = std::move(details)})
      .transform([](int64_t) {});
}

Result<std::optional<Visit>> VisitorDesk::FindVisitByBadge(int64_t badge_id) {
  std::optional<Visit> visit;
  FG_RETURN_IF_ERROR(db_.Read([&](store::Connection& c) {
    return c.Exec(std::string(kVisitColumns) + " WHERE badge_id = ? ORDER BY id DESC LIMIT 1",
                  {badge_id}, [&](const store::Row& r) { visit = VisitOf(r); });
  }));
  return visit;
}

void VisitorDesk::Undo(int64_t person_id, std::optional<int64_t> badge_id,
                       const std::vector<int64_t>& grant_ids, std::string_view actor) {
  for (int64_t grant : grant_ids) (void)access_.DeleteGrant(grant, actor);
  if (badge_id) (void)access_.DeleteBadge(*badge_id, actor);
  (void)directory_.DeletePerson(person_id, actor);
}

Result<Visit> VisitorDesk::CheckIn(const CheckInInput& in, std::string_view actor) {
  const core::WallTime now = clock_.WallNow();
  Visit visit;
  FG_ASSIGN_OR_RETURN(visit.name, CleanField("name", in.name, 100, true));
  FG_ASSIGN_OR_RETURN(visit.company, CleanField("company", in.company, 100, false));
  FG_ASSIGN_OR_RETURN(visit.purpose, CleanField("purpose", in.purpose, 200, true));

  if (in.host_id <= 0) return InvalidArgument("host_id", "must be a positive person id");
  auto host = directory_.GetPerson(in.host_id);
  if (!host) {
    if (host.error().code != ErrorCode::kNotFound) return tl::unexpected(host.error());
    return InvalidArgument("host_id", "person " + std::to_string(in.host_id) + " does not exist");
  }
  if (host->kind != directory::PersonKind::kEmployee ||
      host->status != directory::PersonStatus::kActive) {
    return InvalidArgument("host_id", "the host must be an active employee");
  }
  visit.host_id = host->id;
  visit.host_name = host->name;

  std::optional<Photo> photo;
  if (in.photo_base64) {
    FG_ASSIGN_OR_RETURN(photo, DecodePhoto(*in.photo_base64, options_.max_photo_bytes));
    visit.photo_type = photo->content_type;
  }

  visit.checked_in_at = now;
  visit.expected_end = in.expected_end.value_or(EndOfDay(now));
  if (visit.expected_end <= now) return InvalidArgument("expected_end", "must be in the future");
  if (visit.expected_end > now + options_.max_visit) {
    return InvalidArgument(
        "expected_end",
        "must be at most " + std::to_string(options_.max_visit.count()) + " hours ahead");
  }

  auto credential = ParseCredential(in.credential);
  if (!credential) return InvalidArgument("credential", credential.error().message);
  visit.credential_key = credential->Key();

  if (in.escort_zone_ids.size() > options_.max_escort_zones) {
    return InvalidArgument("escort_zone_ids",
                           "at most " + std::to_string(options_.max_escort_zones) + " zones");
  }
  for (size_t i = 0; i < in.escort_zone_ids.size(); ++i) {
    const std::string field = "escort_zone_ids[" + std::to_string(i) + "]";
    const int64_t zone = in.escort_zone_ids[i];
    if (std::find(in.escort_zone_ids.begin(), in.escort_zone_ids.begin() + i, zone) !=
        in.escort_zone_ids.begin() + i) {
      return InvalidArgument(field, "zone " + std::to_string(zone) + " is listed twice");
    }
    Result<directory::Zone> found = NotFound("zone ids are positive");
    if (zone > 0) found = directory_.GetZone(zone);
    if (!found) {
      if (found.error().code != ErrorCode::kNotFound) return tl::unexpected(found.error());
      return InvalidArgument(field, "zone " + std::to_string(zone) + " does not exist");
    }
  }
  visit.escort_zone_ids = in.escort_zone_ids;

  std::lock_guard lock(desk_mutex_);
  // The pass number: free, or a returned pass of a closed visit (its revoked badge stays, with
  // its history, beside the new one). Anything else keeps its badge.
  {
    auto snapshot = access_.snapshot();
    auto it = snapshot->badges.find(visit.credential_key);
    if (it != snapshot->badges.end()) {
      const auto& holder = it->second;
      if (holder.status == BadgeStatus::kActive) {
        return MakeError(ErrorCode::kAlreadyExists,
                         "pass " + visit.credential_key + " is active on badge " +
                             std::to_string(holder.id) + "; check that visit out first",
                         "credential");
      }
      FG_ASSIGN_OR_RETURN(auto previous, FindVisitByBadge(holder.id));
      if (holder.status != BadgeStatus::kRevoked || !previous || previous->on_site()) {
        return MakeError(ErrorCode::kAlreadyExists,
                         "credential " + visit.credential_key + " belongs to badge " +
                             std::to_string(holder.id) + ", which is not a returned visitor pass",
                         "credential");
      }
    }
  }

  FG_ASSIGN_OR_RETURN(auto person,
                      directory_.CreatePerson({.kind = directory::PersonKind::kVisitor,
                                               .name = visit.name,
                                               .status = directory::PersonStatus::kActive,
                                               .company = visit.company},
                                              actor));
  visit.person_id = person.id;
  visit.name = person.name;
  visit.company = person.company;

  auto badge = access_.CreateBadge({.credential = in.credential,
                                    .person_id = person.id,
                                    .valid_from = now,
                                    .valid_until = visit.expected_end},
                                   actor);
  if (!badge) {
    Undo(person.id, std::nullopt, {}, actor);
    return tl::unexpected(badge.error());
  }
  visit.badge_id = badge->id;

  std::string note = "escort by " + visit.host_name;
  if (note.size() > 200) note.resize(200);
  for (int64_t zone : visit.escort_zone_ids) {
    auto grant = access_.CreateGrant({.person_id = person.id,
                                      .zone_id = zone,
                                      .valid_from = now,
                                      .valid_until = visit.expected_end,
                                      .note = note},
                                     actor);
    if (!grant) {
      Undo(person.id, visit.badge_id, visit.grant_ids, actor);
      return tl::unexpected(grant.error());
    }
    visit.grant_ids.push_back(grant->id);
  }

  auto written = db_.Write([&](store::Connection& c) -> Result<void> {
    std::optional<store::BlobView> blob;
    if (photo) blob = store::BlobView{photo->bytes};
    FG_RETURN_IF_ERROR(c.Exec(
        "INSERT INTO access_visits (person_id, name, company, host_id, host_name, purpose, "
        "credential_key, badge_id, escort_zone_ids, grant_ids, photo, photo_type, checked_in_at, "
        "expected_end) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        {visit.person_id, visit.name, visit.company, visit.host_id, visit.host_name, visit.purpose,
         visit.credential_key, visit.badge_id, JoinIds(visit.escort_zone_ids),
         JoinIds(visit.grant_ids), blob ? store::Param(*blob) : store::Param(nullptr),
         visit.photo_type, core::ToUnixMicros(visit.checked_in_at),
         core::ToUnixMicros(visit.expected_end)}));
    visit.id = c.LastInsertRowId();
    // No name, company or photo: the audit trail outlives the retention purge.
    return Audit(c, actor, "access.visit.check_in", visit.id,
                 Json{{"person_id", visit.person_id},
                      {"host_id", visit.host_id},
                      {"badge_id", visit.badge_id},
                      {"credential", visit.credential_key},
                      {"expected_end", core::FormatRfc3339(visit.expected_end)},
                      {"escort_zone_ids", visit.escort_zone_ids},
                      {"grant_ids", visit.grant_ids},
                      {"photo", !visit.photo_type.empty()}}
                     .dump());
  });
  if (!written) {
    Undo(person.id, visit.badge_id, visit.grant_ids, actor);
    return tl::unexpected(written.error());
  }
  return visit;
}

Result<Visit> VisitorDesk::CheckOut(int64_t visit_id, std::string_view actor) {
  std::lock_guard lock(desk_mutex_);
  FG_ASSIGN_OR_RETURN(Visit visit, GetVisit(visit_id));
  if (!visit.on_site()) {
    return MakeError(ErrorCode::kFailedPrecondition,
                     "visit " + std::to_string(visit_id) + " is already checked out");
  }
  // Each step tolerates having been done by an earlier, interrupted check-out.
  auto badge = access_.GetBadge(visit.badge_id);
  if (badge && badge->status == BadgeStatus::kActive) {
    FG_RETURN_IF_ERROR(
        access_.UpdateBadge(visit.badge_id, {.status = BadgeStatus::kRevoked}, actor));
  } else if (!badge && badge.error().code != ErrorCode::kNotFound) {
    return tl::unexpected(badge.error());
  }
  for (int64_t grant : visit.grant_ids) {
    auto ended = access_.DeleteGrant(grant, actor);
    if (!ended && ended.error().code != ErrorCode::kNotFound) return tl::unexpected(ended.error());
  }
  access_.presence().Remove(visit.person_id);

  const core::WallTime now = clock_.WallNow();
  FG_RETURN_IF_ERROR(db_.Write([&](store::Connection& c) -> Result<void> {
    FG_ASSIGN_OR_RETURN(
        int64_t changed,
        c.Exec(
            "UPDATE access_visits SET checked_out_at = ? WHERE id = ? AND checked_out_at IS NULL",
            {core::ToUnixMicros(now), visit_id}));
    if (changed == 0) {
      return MakeError(ErrorCode::kFailedPrecondition,
                       "visit " + std::to_string(visit_id) + " is already checked out");
    }
    return Audit(c, actor, "access.visit.check_out", visit_id,
                 Json{{"person_id", visit.person_id},
                      {"badge_id", visit.badge_id},
                      {"credential", visit.credential_key},
                      {"grant_ids", visit.grant_ids},
                      {"overdue", now > visit.expected_end}}
                     .dump());
  }));
  visit.checked_out_at = now;
  // The visitor person is no longer active; a failure here leaves the visit closed and the
  // badge revoked, which is what matters for the doors.
  (void)directory_.UpdatePerson(visit.person_id, {.status = directory::PersonStatus::kTerminated},
                                actor);
  return visit;
}

Result<Visit> VisitorDesk::GetVisit(int64_t id) {
  std::optional<Visit> visit;
  FG_RETURN_IF_ERROR(db_.Read([&](store::Connection& c) {
    return c.Exec(std::string(kVisitColumns) + " WHERE id = ?", {id},
                  [&](const store::Row& r) { visit = VisitOf(r); });
  }));
  if (!visit) return NotFound("visit " + std::to_string(id) + " does not exist");
  return *visit;
}

Result<std::vector<Visit>> VisitorDesk::OnSite() {
  std::vector<Visit> visits;
  FG_RETURN_IF_ERROR(db_.Read([&](store::Connection& c) {
    return c.Exec(std::string(kVisitColumns) + " WHERE checked_out_at IS NULL ORDER BY id", {},
                  [&](const store::Row& r) { visits.push_back(VisitOf(r)); });
  }));
  return visits;
}

Result<std::vector<Visit>> VisitorDesk::History(const VisitQuery& query) {
  std::vector<Visit> visits;
  std::optional<int64_t> from;
  std::optional<int64_t> to;
  if (query.from) from = core::ToUnixMicros(*query.from);
  if (query.to) to = core::ToUnixMicros(*query.to);
  FG_RETURN_IF_ERROR(db_.Read([&](store::Connection& c) {
    return c.Exec(std::string(kVisitColumns) +
                      " WHERE (?1 IS NULL OR checked_in_at >= ?1) AND (?2 IS NULL OR "
                      "checked_in_at < ?2) ORDER BY checked_in_at DESC, id DESC LIMIT ?3",
                  {from, to, std::clamp(query.limit, 1, 1000)},
                  [&](const store::Row& r) { visits.push_back(VisitOf(r)); });
  }));
  return visits;
}

Result<Photo> VisitorDesk::GetPhoto(int64_t visit_id) {
  std::optional<Photo> photo;
  bool exists = false;
  FG_RETURN_IF_ERROR(db_.Read([&](store::Connection& c) {
    return c.Exec("SELECT photo, photo_type FROM access_visits WHERE id = ?", {visit_id},
                  [&](const store::Row& r) {
                    exists = true;
                    if (!r.IsNull(0)) photo = Photo{.content_type = r.Text(1), .bytes = r.Blob(0)};
                  });
  }));
  if (!exists) return NotFound("visit " + std::to_string(visit_id) + " does not exist");
  if (!photo) return NotFound("visit " + std::to_string(visit_id) + " has no photo");
  return *photo;
}

Result<VisitorDesk::SweepReport> VisitorDesk::Sweep(core::WallTime now) {
  std::lock_guard lock(desk_mutex_);
  SweepReport report;

  std::vector<Visit> overdue;
  const int64_t late_before = core::ToUnixMicros(now - options_.overdue_grace);
  FG_RETURN_IF_ERROR(db_.Read([&](store::Connection& c) {
    return c.Exec(std::string(kVisitColumns) +
                      " WHERE checked_out_at IS NULL AND overdue_alerted = 0 AND expected_end < ? "
                      "ORDER BY id",
                  {late_before}, [&](const store::Row& r) { overdue.push_back(VisitOf(r)); });
  }));
  for (const Visit& v : overdue) {
    if (alerts_ == nullptr) break;
    const auto late = std::chrono::duration_cast<std::chrono::minutes>(now - v.expected_end);
    AccessAlert alert{.rule = "access.visitor_overdue",
                      .severity = "medium",
                      .summary = "Visitor (visit " + std::to_string(v.id) + ", host " +
                                 v.host_name + ") is still checked in " +
                                 std::to_string(late.count()) + " minutes after the expected end",
                      .subject = "person:" + std::to_string(v.person_id),
                      .details = Json{{"visit_id", v.id},
                                      {"person_id", v.person_id},
                                      {"host_id", v.host_id},
                                      {"badge_id", v.badge_id},
                                      {"expected_end", core::FormatRfc3339(v.expected_end)},
                                      {"minutes_late", late.count()}}
                                     .dump()};
    // Raised before it is marked: a failed raise is retried at the next sweep, and a raised
    // alert is never raised again.
    auto raised = alerts_->Raise(alert);
    if (!raised) return tl::unexpected(raised.error());
    FG_RETURN_IF_ERROR(db_.Write([&](store::Connection& c) -> Result<void> {
      FG_RETURN_IF_ERROR(
          c.Exec("UPDATE access_visits SET overdue_alerted = 1 WHERE id = ?", {v.id}));
      return Audit(
          c, "system", "access.visit.overdue", v.id,
          Json{{"alert_id", *raised}, {"expected_end", core::FormatRfc3339(v.expected_end)}}
              .dump());
    }));
    ++report.overdue_alerts;
  }

  std::vector<Visit> expired;
  const int64_t purge_before =
      core::ToUnixMicros(now - std::chrono::hours(24) * std::max(options_.retention_days, 0));
  FG_RETURN_IF_ERROR(db_.Read([&](store::Connection& c) {
    return c.Exec(std::string(kVisitColumns) +
                      " WHERE checked_out_at IS NOT NULL AND checked_out_at < ? AND purged_at IS "
                      "NULL ORDER BY id LIMIT 500",
                  {purge_before}, [&](const store::Row& r) { expired.push_back(VisitOf(r)); });
  }));
  for (const Visit& v : expired) {
    // The directory's copy of the name goes too; a person already deleted has nothing left.
    auto person = directory_.UpdatePerson(
        v.person_id, {.name = std::string("(purged)"), .company = std::string("(purged)")},
        "system");
    if (!person && person.error().code != ErrorCode::kNotFound) {
      return tl::unexpected(person.error());
    }
    FG_RETURN_IF_ERROR(db_.Write([&](store::Connection& c) -> Result<void> {
      FG_RETURN_IF_ERROR(
          c.Exec("UPDATE access_visits SET name = '(purged)', company = '(purged)', photo = NULL, "
                 "photo_type = '', purged_at = ? WHERE id = ?",
                 {core::ToUnixMicros(now), v.id}));
      return Audit(c, "system", "access.visit.purge", v.id,
                   Json{{"person_id", v.person_id},
                        {"checked_out_at", core::FormatRfc3339(*v.checked_out_at)},
                        {"retention_days", options_.retention_days},
                        {"photo_removed", !v.photo_type.empty()}}
                       .dump());
    }));
    ++report.purged;
  }
  return report;
}

}  // namespace fg::access
