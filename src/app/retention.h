// app/retention: personal data is kept no longer than a policy says, then provably removed.
//
// What it decides: for each kind of data (logon events, syslog events, badge passages, door
// events, device violations, resolved alerts) the rows older than its `[retention]` days.
// Run deletes them kind by kind, each kind in one transaction with its proof of purge in the
// audit trail ("retention.purge": kind, count, oldest and newest time removed, cutoff).
// The store runs with secure_delete, so removed rows are overwritten, not just unlinked.
// What it never does: purge the audit trail (PCI DSS 10.5.1 keeps it at least 12 months;
// `retention.audit_days` may only raise that, and floorguard keeps the trail whole), or
// purge visitor records (the visitor desk purges them after `visitors.retention_days`).
// The policies are listed in one place (retention.cc) so an auditor reads them together.
// Thread-safety: Run may be called from any thread; writes go through the store's writer.
//
//   FG_ASSIGN_OR_RETURN(auto report, RunRetention(db, log, clock, config, /*dry_run=*/true));
#pragma once

#include <string>
#include <vector>

#include "app/config.h"
#include "audit/audit.h"
#include "core/clock.h"
#include "recording/recording.h"
#include "store/store.h"

namespace fg::app {

struct PurgeResult {
  std::string kind;   // "logon_events"
  std::string table;  // "identity_logon_attempts"
  int days = 0;
  int64_t count = 0;  // rows removed (or that would be, with dry_run)
  std::optional<core::WallTime> oldest, newest;
};

// With `recordings`, call audio past retention.recordings_days is crypto-shredded (its key
// destroyed, then the file removed) and call records past retention.call_records_days go.
Result<std::vector<PurgeResult>> RunRetention(store::Database& db, audit::Log& log,
                                              core::Clock& clock, const Config& config,
                                              bool dry_run,
                                              recording::Recordings* recordings = nullptr);

// `floorguard retention run [--dry-run] [--vacuum]`: prints one line per table; exit code.
int RetentionCommand(const Config& config, bool dry_run, bool vacuum);

}  // namespace fg::app
