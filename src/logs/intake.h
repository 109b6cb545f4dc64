// Intake: keeps every received syslog message as a raw event in the store (table log_events).
//
// What it decides: what of a message is kept (receive time, peer, transport, host, program,
// whether it parsed and why not, the authentication result when there is one, and the raw
// text capped at kMaxStoredRawBytes) and when it is written. Add() only queues: rows go to
// the database in batches through Database::WriteAsync, one batch in flight at a time, so a
// flood never stalls the receiver. When max_queued rows wait, Add() refuses the row and
// counts it as dropped (exported in /metrics); nothing is lost silently.
// What it never does: write an audit entry per line (the audit trail is for decisions),
// interpret or act on events (detect/ does), or drop an unparseable line on purpose.
// Caution: raw lines may hold what users typed as a user name (sometimes a password); List
// is for the security roles only.
// Thread-safety: thread-safe. The destructor waits for queued rows to be written.
//
//   FG_ASSIGN_OR_RETURN(auto intake, logs::Intake::Open(db, clock));
//   receiver = SyslogReceiver::Start(clock, options, [&](const Received& r) { intake->Add(r); });
//   auto page = intake->List({.only_unparsed = true, .limit = 50});
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "audit/audit.h"
#include "core/clock.h"
#include "core/result.h"
#include "logs/received.h"
#include "store/store.h"

namespace fg::logs {

inline constexpr size_t kMaxStoredRawBytes = 8 * 1024;

struct IntakeOptions {
  size_t max_queued = 20000;  // rows waiting for the database; beyond this Add() drops
  size_t max_batch = 2000;    // rows per write job
  // Where "dlp.redact" entries go: Classify masks card data in a line before it is parsed
  // (dlp); each write batch that held any is audited once, in the same transaction, with the
  // masks only. Null: masked, not audited (tests).
  audit::Log* audit = nullptr;
};

struct LogEventRow {
  int64_t id = 0;
  core::WallTime received_at{};
  std::string peer;
  Transport transport = Transport::kUdp;
  std::string host;  // syslog HOSTNAME (or the Windows event's host), empty when unknown
  std::string app;   // syslog APP-NAME, empty when unknown
  bool parsed = false;
  std::string error;  // why it did not parse
  // The authentication result, when the message carried one.
  std::optional<AuthOrigin> auth_origin;
  std::optional<AuthOutcome> auth_outcome;
  std::string auth_username;
  std::string auth_source;
  std::string raw;  // at most kMaxStoredRawBytes, cut at a UTF-8 boundary
  bool raw_truncated = false;
};

struct LogEventQuery {
  bool only_unparsed = false;
  int limit = 100;       // 1..1000
  int64_t after_id = 0;  // paging: rows with a larger id, oldest first
};

struct IntakeCounts {
  uint64_t accepted = 0;        // Add() calls that queued a row (this process)
  uint64_t written = 0;         // rows committed (this process)
  uint64_t dropped = 0;         // refused because the queue was full, or lost to a failed write
  uint64_t write_failures = 0;  // failed write batches
  uint64_t queued = 0;          // rows waiting now
  int64_t stored = 0;           // rows in log_events
  int64_t stored_unparsed = 0;  // of which unparseable
};

class Intake {
 public:
  // Migrates module "logs" and returns a ready intake.
  static Result<std::unique_ptr<Intake>> Open(store::Database& db, const core::Clock& clock,
                                              IntakeOptions options = {});
  ~Intake();
  Intake(const Intake&) = delete;
  Intake& operator=(const Intake&) = delete;

  // Queues one row; false when it was dropped (queue full).
  bool Add(const Received& received);
  // Waits until every row queued before the call is written or has failed.
  void Flush();

  Result<std::vector<LogEventRow>> List(const LogEventQuery& query) const;
  Result<IntakeCounts> Counts() const;

 private:
  struct State;
  Intake(store::Database& db, std::shared_ptr<State> state);
  store::Database& db_;
  std::shared_ptr<State> state_;
};

}  // namespace fg::logs
