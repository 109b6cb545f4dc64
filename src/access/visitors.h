// access/visitors.h: the front desk — visitors checked in with a temporary pass, escorted
// beyond public zones, checked out, swept for overdue stays and purged after retention.
//
// What it decides: whether a check-in is acceptable (a host who is an active employee, a
// photo that really is a JPEG or PNG of at most 256 KiB, an expected end in the future and
// at most max_visit ahead, a pass number that parses and is not active on another badge,
// escort zones that exist) and what a visit is made of: a directory person of kind visitor,
// a badge valid for the visit window (AccessControl::CreateBadge), one grant per escort zone
// for the same window with note "escort by <host name>" (AccessControl::CreateGrant), and
// the visit row with its audit entry "access.visit.check_in". Check-out revokes the badge,
// ends the grants, removes the person from presence, terminates the visitor person and closes
// the visit ("access.visit.check_out"); a second check-out is FailedPrecondition. Sweep(now)
// raises "access.visitor_overdue" once per visit still in past expected end + grace, and
// purges personal data (photo, name, company) of visits checked out more than retention_days
// ago ("access.visit.purge").
// What it never does: put a visitor's name, company or photo in an audit entry or an alert
// (they would outlive the purge), or reuse a pass that is still active: a returned pass
// (revoked badge of a closed visit) is freed for the next visitor, any other holder refuses.
// A check-in spans several modules' transactions; when a later step fails the earlier ones
// are undone (best effort, each audited by its module).
// Thread-safety: VisitorDesk is thread-safe; check-in, check-out and Sweep serialise on one
// mutex (a desk's rate is low and it keeps a pass from being handed out twice).
//
//   access::VisitorDesk desk(db, log, directory, access, clock, &alerts);
//   FG_ASSIGN_OR_RETURN(auto visit, desk.CheckIn({.name = "Val Visitor", .host_id = 7,
//       .purpose = "Audit", .credential = "w26:1:500"}, "user:desk"));
//   FG_RETURN_IF_ERROR(desk.CheckOut(visit.id, "user:desk"));
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
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
#include "directory/directory.h"
#include "store/store.h"

namespace fg::access {

struct VisitorOptions {
  std::chrono::minutes overdue_grace{15};  // [visitors] overdue_grace_minutes
  int retention_days = 30;                 // [visitors] retention_days
  std::chrono::hours max_visit{24};        // [visitors] max_visit_hours
  size_t max_photo_bytes = 256 * 1024;     // [visitors] max_photo_kib (decoded)
  size_t max_escort_zones = 16;            // per visit
};

// What the desk stores per visit. name/company read "(purged)" after the retention purge.
struct Visit {
  int64_t id = 0;
  int64_t person_id = 0;  // the visitor's directory person (kind visitor)
  std::string name;
  std::string company;
  int64_t host_id = 0;
  std::string host_name;
  std::string purpose;
  std::string credential_key;  // the pass, normalised (credential.h)
  int64_t badge_id = 0;
  std::vector<int64_t> escort_zone_ids;
  std::vector<int64_t> grant_ids;
  core::WallTime checked_in_at;
  core::WallTime expected_end;
  std::optional<core::WallTime> checked_out_at;
  std::string photo_type;  // "image/jpeg", "image/png" or empty (none or purged)
  bool overdue_alerted = false;
  bool purged = false;

  bool on_site() const { return !checked_out_at.has_value(); }
};

struct CheckInInput {
  std::string name;
  std::string company;
  int64_t host_id = 0;
  std::string purpose;
  std::optional<std::string> photo_base64;     // a JPEG or PNG, base64 (standard alphabet)
  std::optional<core::WallTime> expected_end;  // default: end of the current day (UTC)
  std::string credential;                      // the pass number, any ParseCredential form
  std::vector<int64_t> escort_zone_ids;
};

struct VisitQuery {
  std::optional<core::WallTime> from;  // checked in at or after
  std::optional<core::WallTime> to;    // checked in before
  int limit = 100;                     // 1..1000
};

struct Photo {
  std::string content_type;  // "image/jpeg" or "image/png"
  std::string bytes;
};

// Decodes and checks a visitor photo: base64 (whitespace and a "data:image/...;base64,"
// prefix tolerated), JPEG or PNG by magic bytes, at most max_bytes decoded. Errors are
// InvalidArgument on field "photo".
Result<Photo> DecodePhoto(std::string_view base64, size_t max_bytes);

class VisitorDesk {
 public:
  // alerts may be null (no overdue alerts are raised then; the sweep still marks nothing).
  VisitorDesk(store::Database& db, audit::Log& log, directory::Directory& directory,
              AccessControl& access, core::Clock& clock, AlertPort* alerts,
              VisitorOptions options = {});

  // Schema of module "access_visitors": db.Migrate("access_visitors", Migrations()).
  static std::span<const store::Migration> Migrations();

  // Bad input is InvalidArgument naming the field ("host_id", "photo", "expected_end",
  // "credential", "escort_zone_ids[1]"); a pass active on another badge is AlreadyExists on
  // "credential".
  Result<Visit> CheckIn(const CheckInInput& input, std::string_view actor);
  // NotFound for an unknown visit; FailedPrecondition when already checked out.
  Result<Visit> CheckOut(int64_t visit_id, std::string_view actor);

  Result<Visit> GetVisit(int64_t id);
  // Visits still checked in, oldest first.
  Result<std::vector<Visit>> OnSite();
  // Visits checked in within [from, to), newest first.
  Result<std::vector<Visit>> History(const VisitQuery& query);
  // NotFound when the visit has no photo (never had one, or purged).
  Result<Photo> GetPhoto(int64_t visit_id);

  struct SweepReport {
    int overdue_alerts = 0;
    int purged = 0;
  };
  // Overdue alerts and the retention purge; cheap when nothing is due.
  Result<SweepReport> Sweep(core::WallTime now);

  const VisitorOptions& options() const { return options_; }

 private:
  Result<std::optional<Visit>> FindVisitByBadge(int64_t badge_id);
  Result<void> Audit(store::Connection& c, std::string_view actor, std::string action,
                     int64_t visit_id, std::string details);
  void Undo(int64_t person_id, std::optional<int64_t> badge_id,
            const std::vector<int64_t>& grant_ids, std::string_view actor);

  store::Database& db_;
  audit::Log& log_;
  directory::Directory& directory_;
  AccessControl& access_;
  core::Clock& clock_;
  AlertPort* alerts_;
  VisitorOptions options_;
  std::mutex desk_mutex_;
};

}  // namespace fg::access
