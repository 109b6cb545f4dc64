#include "app/retention.h"

#include "app/recording_service.h"

#include <nlohmann/json.hpp>

#include <cstdio>

#include "app/runtime.h"

namespace fg::app {

namespace {

// One table of one kind of data, and the column that dates a row. `only` narrows the rows
// that may go (a session still open is not history yet).
struct Policy {
  const char* kind;
  const char* table;
  const char* time_column;
  const char* only;  // extra SQL condition, or ""
  int64_t Config::*days;
};

// Order matters where rows refer to others: attempts before the sessions they name.
constexpr Policy kPolicies[] = {
    {"logon_events", "identity_logon_attempts", "at", "", &Config::retention_logon_events_days},
    {"logon_events", "identity_presence_reports", "at", "", &Config::retention_logon_events_days},
    {"logon_events", "identity_station_sessions", "started_at", "ended_at IS NOT NULL",
     &Config::retention_logon_events_days},
    {"syslog_events", "log_events", "received_at", "", &Config::retention_syslog_events_days},
    {"badge_passages", "access_offline_events", "received_at", "",
     &Config::retention_badge_passages_days},
    {"badge_passages", "access_passages", "time", "", &Config::retention_badge_passages_days},
    {"door_events", "access_door_events", "time", "", &Config::retention_door_events_days},
    {"device_violations", "access_violations", "time", "",
     &Config::retention_device_violations_days},
    {"resolved_alerts", "alerts", "updated_at", "status = 'resolved'",
     &Config::retention_resolved_alerts_days},
};

std::string Where(const Policy& p) {
  std::string where = std::string(p.time_column) + " < ?";
  if (*p.only != 0) where += std::string(" AND ") + p.only;
  return where;
}

bool TableExists(store::Connection& c, const char* table) {
  bool exists = false;
  (void)c.Exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", {table},
               [&](const store::Row&) { exists = true; });
  return exists;
}

}  // namespace

Result<std::vector<PurgeResult>> RunRetention(store::Database& db, audit::Log& log,
                                              core::Clock& clock, const Config& config,
                                              bool dry_run, recording::Recordings* recordings) {
  const core::WallTime now = clock.WallNow();
  std::vector<PurgeResult> results;
  for (const Policy& p : kPolicies) {
    PurgeResult r{.kind = p.kind, .table = p.table, .days = static_cast<int>(config.*p.days)};
    const int64_t cutoff = core::ToUnixMicros(now) - config.*p.days * 86'400'000'000LL;
    auto count = [&](store::Connection& c) -> Result<void> {
      if (!TableExists(c, p.table)) return {};
      return c
          .Exec("SELECT COUNT(*), MIN(" + std::string(p.time_column) + "), MAX(" +
                    p.time_column + ") FROM " + p.table + " WHERE " + Where(p),
                {cutoff},
                [&](const store::Row& row) {
                  r.count = row.Int(0);
                  if (auto t = row.OptInt(1)) r.oldest = core::FromUnixMicros(*t);
                  if (auto t = row.OptInt(2)) r.newest = core::FromUnixMicros(*t);
                })
          .transform([](int64_t) {});
    };
    if (dry_run) {
      FG_RETURN_IF_ERROR(db.Read(count));
    } else {
      // Counting, deleting and the proof commit together: the proof says exactly what went.
      FG_RETURN_IF_ERROR(db.Write([&](store::Connection& c) -> Result<void> {
        FG_RETURN_IF_ERROR(count(c));
        if (r.count == 0) return {};
        FG_RETURN_IF_ERROR(
            c.Exec("DELETE FROM " + std::string(p.table) + " WHERE " + Where(p), {cutoff}));
        nlohmann::json proof = {{"kind", r.kind},
                                {"table", r.table},
                                {"count", r.count},
                                {"days", r.days},
                                {"cutoff", core::FormatRfc3339(core::FromUnixMicros(cutoff))},
                                {"oldest", core::FormatRfc3339(*r.oldest)},
                                {"newest", core::FormatRfc3339(*r.newest)}};
        return log
            .Append(c, {.actor = "system",
                        .action = "retention.purge",
                        .subject = std::string("retention:") + p.kind,
                        .details = proof.dump()})
            .transform([](int64_t) {});
      }));
    }
    results.push_back(std::move(r));
  }
  if (recordings != nullptr) {
    auto add = [&](std::string kind, std::string table, int64_t days,
                   const recording::PurgeResult& purged, int64_t count) {
      results.push_back({.kind = std::move(kind),
                         .table = std::move(table),
                         .days = static_cast<int>(days),
                         .count = count,
                         .oldest = purged.oldest,
                         .newest = purged.newest});
    };
    const auto days = [&](int64_t d) { return now - std::chrono::hours(24 * d); };
    FG_ASSIGN_OR_RETURN(auto audio, recordings->PurgeRecordings(
                                        days(config.retention_recordings_days), dry_run));
    add("recordings", "recording_files", config.retention_recordings_days, audio, audio.recordings);
    FG_ASSIGN_OR_RETURN(auto calls, recordings->PurgeCalls(
                                        days(config.retention_call_records_days), dry_run));
    add("call_records", "recording_calls", config.retention_call_records_days, calls, calls.calls);
  }
  return results;
}

int RetentionCommand(const Config& config, bool dry_run, bool vacuum) {
  auto rt = OpenRuntime(config, DataDir::kMustExist);
  if (!rt) {
    std::fprintf(stderr, "floorguard: %s\n", rt.error().message.c_str());
    return rt.error().code == ErrorCode::kInvalidArgument ? 2 : 1;
  }
  auto recording = OpenRecordings(**rt);
  if (!recording) {
    std::fprintf(stderr, "floorguard: %s\n", recording.error().message.c_str());
    return 1;
  }
  auto results = RunRetention(*(*rt)->db, *(*rt)->log, (*rt)->clock, config, dry_run,
                              (*recording)->recordings.get());
  if (!results) {
    std::fprintf(stderr, "floorguard: %s\n", results.error().message.c_str());
    return 1;
  }
  std::printf("%-18s %-26s %6s %8s  %s\n", "KIND", "TABLE", "DAYS",
              dry_run ? "WOULD GO" : "REMOVED", "RANGE");
  for (const PurgeResult& r : *results) {
    std::string range = r.count == 0 ? "-"
                                     : core::FormatRfc3339(*r.oldest) + " .. " +
                                           core::FormatRfc3339(*r.newest);
    std::printf("%-18s %-26s %6d %8lld  %s\n", r.kind.c_str(), r.table.c_str(), r.days,
                static_cast<long long>(r.count), range.c_str());
  }
  if (!dry_run) {
    if (vacuum) {
      // Gives the freed pages back to the file system (secure_delete already zeroed them).
      if (auto v = (*rt)->db->Write([](store::Connection& c) -> Result<void> {
            return c.ExecScript("PRAGMA wal_checkpoint(TRUNCATE)");
          });
          !v) {
        std::fprintf(stderr, "floorguard: checkpoint: %s\n", v.error().message.c_str());
      }
    }
    if (auto signed_now = (*rt)->log->CheckpointNow(); !signed_now) {
      std::fprintf(stderr, "floorguard: %s\n", signed_now.error().message.c_str());
      return 1;
    }
  }
  return 0;
}

}  // namespace fg::app
