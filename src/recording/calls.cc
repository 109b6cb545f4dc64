// Call records and their recordings: tables, writes with their audit entries, reads,
// playback, verification and crypto-shredding.
#include <sodium.h>

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <system_error>
#include <unordered_map>

#include "recording/recording.h"

namespace fg::recording {

namespace {

constexpr store::Migration kMigrations[] = {
    {1, R"sql(
CREATE TABLE recording_calls (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  call_id TEXT NOT NULL,
  direction TEXT NOT NULL CHECK (direction IN ('inbound', 'outbound', 'internal', 'unknown')),
  from_number TEXT NOT NULL,
  to_number TEXT NOT NULL,
  agent_extension TEXT NOT NULL DEFAULT '',
  agent_person_id INTEGER,
  station_id INTEGER,
  campaign_id INTEGER,
  started_at INTEGER NOT NULL,
  answered_at INTEGER,
  ended_at INTEGER,
  end_reason TEXT NOT NULL DEFAULT '',
  final_status INTEGER NOT NULL DEFAULT 0,
  source TEXT NOT NULL CHECK (source IN ('capture', 'cdr'))
);
CREATE INDEX recording_calls_started ON recording_calls (started_at);
CREATE INDEX recording_calls_call_id ON recording_calls (call_id);
CREATE TABLE recording_files (
  id TEXT PRIMARY KEY,
  call_row INTEGER NOT NULL UNIQUE REFERENCES recording_calls (id),
  status TEXT NOT NULL CHECK (status IN ('complete', 'incomplete', 'shredded')),
  master_key_id TEXT NOT NULL,
  wrapped_key BLOB,
  sha256 TEXT NOT NULL,
  bytes INTEGER NOT NULL,
  duration_ms INTEGER NOT NULL,
  sample_rate INTEGER NOT NULL,
  packets INTEGER NOT NULL,
  lost INTEGER NOT NULL,
  late INTEGER NOT NULL,
  duplicates INTEGER NOT NULL,
  loss_pct REAL NOT NULL,
  one_way INTEGER NOT NULL,
  shredded_at INTEGER
);
CREATE TABLE recording_spans (
  recording_id TEXT NOT NULL REFERENCES recording_files (id),
  start_ms INTEGER NOT NULL,
  end_ms INTEGER NOT NULL,
  source TEXT NOT NULL CHECK (source IN ('dtmf', 'pause', 'gap'))
);
CREATE INDEX recording_spans_recording ON recording_spans (recording_id);
CREATE TABLE recording_extensions (
  extension TEXT PRIMARY KEY,
  station_id INTEGER NOT NULL
);
CREATE TABLE recording_cdrs (
  unique_id TEXT PRIMARY KEY,
  call_row INTEGER REFERENCES recording_calls (id),
  source TEXT NOT NULL,
  destination TEXT NOT NULL,
  start_at INTEGER NOT NULL,
  answer_at INTEGER,
  end_at INTEGER NOT NULL,
  billable_seconds INTEGER NOT NULL,
  disposition TEXT NOT NULL
);
CREATE TABLE recording_supervisor_campaigns (
  user_id INTEGER NOT NULL,
  campaign_id INTEGER NOT NULL,
  PRIMARY KEY (user_id, campaign_id)
);
CREATE TABLE recording_listen_grants (
  account_id INTEGER PRIMARY KEY,
  until INTEGER NOT NULL
);
)sql"},
};

constexpr std::string_view kCallColumns =
    "c.id, c.call_id, c.direction, c.from_number, c.to_number, c.agent_extension, "
    "c.agent_person_id, c.station_id, c.campaign_id, c.started_at, c.answered_at, c.ended_at, "
    "c.end_reason, c.final_status, c.source, f.id, f.status, f.duration_ms, f.bytes, f.sha256, "
    "f.master_key_id, f.sample_rate, f.packets, f.lost, f.late, f.duplicates, f.loss_pct, "
    "f.one_way";

Call CallFromRow(const store::Row& row) {
  Call call;
  call.id = row.Int(0);
  call.call_id = row.Text(1);
  call.direction = ParseDirection(row.TextView(2)).value_or(Direction::kUnknown);
  call.from_number = row.Text(3);
  call.to_number = row.Text(4);
  call.agent_extension = row.Text(5);
  call.agent_person_id = row.OptInt(6);
  call.station_id = row.OptInt(7);
  call.campaign_id = row.OptInt(8);
  call.started_at = core::FromUnixMicros(row.Int(9));
  if (auto t = row.OptInt(10)) call.answered_at = core::FromUnixMicros(*t);
  if (auto t = row.OptInt(11)) call.ended_at = core::FromUnixMicros(*t);
  call.end_reason = row.Text(12);
  call.final_status = static_cast<int>(row.Int(13));
  call.source = row.Text(14);
  if (!row.IsNull(15)) {
    RecordingInfo info;
    info.id = row.Text(15);
    info.status = row.Text(16);
    info.duration_ms = row.Int(17);
    info.bytes = row.Int(18);
    info.sha256 = row.Text(19);
    info.master_key_id = row.Text(20);
    info.sample_rate = static_cast<int>(row.Int(21));
    info.packets = row.Int(22);
    info.lost = row.Int(23);
    info.late = row.Int(24);
    info.duplicates = row.Int(25);
    info.loss_pct = row.Real(26);
    info.one_way = row.Int(27) != 0;
    call.recording = std::move(info);
  }
  return call;
}

Result<void> LoadSpans(store::Connection& c, RecordingInfo& info) {
  return c
      .Exec(
          "SELECT start_ms, end_ms, source FROM recording_spans WHERE recording_id = ? "
          "ORDER BY start_ms",
          {info.id},
          [&](const store::Row& row) {
            info.spans.push_back({row.Int(0), row.Int(1), row.Text(2)});
          })
      .transform([](int64_t) {});
}

std::string RandomId() {
  unsigned char bytes[16];
  randombytes_buf(bytes, sizeof bytes);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  for (unsigned char b : bytes) {
    id.push_back(kHex[b >> 4]);
    id.push_back(kHex[b & 15]);
  }
  return id;
}

bool ValidExtension(std::string_view e) {
  if (e.empty() || e.size() > 64) return false;
  for (char ch : e) {
    if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '+' || ch == '-' || ch == '_' ||
          ch == '.' || ch == '*' || ch == '#')) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string_view DirectionName(Direction direction) {
  switch (direction) {
    case Direction::kInbound:
      return "inbound";
    case Direction::kOutbound:
      return "outbound";
    case Direction::kInternal:
      return "internal";
    case Direction::kUnknown:
      break;
  }
  return "unknown";
}

std::optional<Direction> ParseDirection(std::string_view name) {
  if (name == "inbound") return Direction::kInbound;
  if (name == "outbound") return Direction::kOutbound;
  if (name == "internal") return Direction::kInternal;
  if (name == "unknown") return Direction::kUnknown;
  return std::nullopt;
}

std::string NewRecordingId() { return RandomId(); }

Recordings::Recordings(store::Database& db, audit::Log& audit, core::Clock& clock,
                       RecordingsOptions options)
    : db_(db), audit_(audit), clock_(clock), options_(std::move(options)) {}

Result<void> Recordings::AuditIn(store::Connection& c, std::string_view actor,
                                 std::string_view action, std::string_view subject,
                                 const nlohmann::json& details) {
  return audit_
      .Append(c, {.actor = std::string(actor),
                  .action = std::string(action),
                  .subject = std::string(subject),
                  .details = details.dump()})
      .transform([](int64_t) {});
}

Result<void> Recordings::Migrate() { return db_.Migrate("recording", kMigrations); }

std::string Recordings::PathOf(std::string_view recording_id) const {
  return options_.directory + "/" + std::string(recording_id) + ".fgrec";
}

Result<void> Recordings::InsertCall(store::Connection& c, const CallStart& start, int64_t& id) {
  FG_RETURN_IF_ERROR(
      c.Exec("INSERT INTO recording_calls (call_id, direction, from_number, to_number, "
             "agent_extension, agent_person_id, station_id, campaign_id, started_at, source) "
             "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'capture')",
             {start.call_id, DirectionName(start.direction), start.from_number, start.to_number,
              start.agent_extension, start.agent_person_id, start.station_id, start.campaign_id,
              core::ToUnixMicros(start.started_at)}));
  id = c.LastInsertRowId();
  return {};
}

Result<int64_t> Recordings::OpenCall(const CallStart& start) {
  int64_t id = 0;
  FG_RETURN_IF_ERROR(db_.Write([&](store::Connection& c) { return InsertCall(c, start, id); }));
  return id;
}

void Recordings::OpenCallAsync(const CallStart& start, std::function<void(Result<int64_t>)> done) {
  auto id = std::make_shared<int64_t>(0);
  db_.WriteAsync([this, start, id](store::Connection& c) { return InsertCall(c, start, *id); },
                 [id, done = std::move(done)](const Result<void>& result) {
                   if (result) {
                     done(*id);
                   } else {
                     done(tl::unexpected(result.error()));
                   }
                 });
}

Result<void> Recordings::CloseCall(int64_t id, const CallEnd& end) {
  return db_.Write([&](store::Connection& c) { return WriteClose(c, id, end); });
}

void Recordings::CloseCallAsync(int64_t id, CallEnd end, std::function<void(Result<void>)> done) {
  db_.WriteAsync(
      [this, id, end = std::move(end)](store::Connection& c) { return WriteClose(c, id, end); },
      [done = std::move(done)](const Result<void>& result) { done(result); });
}

Result<void> Recordings::AuditCallEvent(std::string_view actor, std::string_view action, int64_t id,
                                        std::string details_json) {
  return audit_
      .AppendDurably({.actor = std::string(actor),
                      .action = std::string(action),
                      .subject = "call:" + std::to_string(id),
                      .details = std::move(details_json)})
      .transform([](int64_t) {});
}

Result<void> Recordings::WriteClose(store::Connection& c, int64_t id, const CallEnd& end) {
  FG_ASSIGN_OR_RETURN(
      int64_t changed,
      c.Exec("UPDATE recording_calls SET answered_at = ?, ended_at = ?, end_reason = ?, "
             "final_status = ? WHERE id = ? AND ended_at IS NULL",
             {end.answered_at ? std::optional<int64_t>(core::ToUnixMicros(*end.answered_at))
                              : std::nullopt,
              core::ToUnixMicros(end.ended_at), end.end_reason, end.final_status, id}));
  if (changed == 0) return NotFound("no open call " + std::to_string(id));
  nlohmann::json details = {
      {"call_id", id}, {"end_reason", end.end_reason}, {"final_status", end.final_status}};
  if (end.recording && end.key) {
    const RecordingInfo& r = *end.recording;
    FG_RETURN_IF_ERROR(c.Exec(
        "INSERT INTO recording_files (id, call_row, status, master_key_id, wrapped_key, "
        "sha256, bytes, duration_ms, sample_rate, packets, lost, late, duplicates, loss_pct, "
        "one_way) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        {r.id, id, r.status, end.key->master_key_id,
         store::BlobView{std::string_view(reinterpret_cast<const char*>(end.key->sealed.data()),
                                          end.key->sealed.size())},
         r.sha256, r.bytes, r.duration_ms, r.sample_rate, r.packets, r.lost, r.late, r.duplicates,
         r.loss_pct, r.one_way}));
    for (const MaskedSpan& span : r.spans) {
      FG_RETURN_IF_ERROR(
          c.Exec("INSERT INTO recording_spans (recording_id, start_ms, end_ms, source) "
                 "VALUES (?, ?, ?, ?)",
                 {r.id, span.start_ms, span.end_ms, span.source}));
    }
    details["recording_id"] = r.id;
    details["sha256"] = r.sha256;
    details["bytes"] = r.bytes;
    details["duration_ms"] = r.duration_ms;
    details["status"] = r.status;
    details["masked_spans"] = r.spans.size();
  }
  return AuditIn(c, "system:recorder", end.recording ? "recording.complete" : "call.end",
                 "call:" + std::to_string(id), details);
}

Result<CallPage> Recordings::ListCalls(const CallFilter& filter) {
  if (filter.limit < 1 || filter.limit > 1000) {
    return InvalidArgument("limit", "must be between 1 and 1000");
  }
  std::string sql = "SELECT " + std::string(kCallColumns) +
                    " FROM recording_calls c LEFT JOIN recording_files f ON f.call_row = c.id "
                    "WHERE 1 = 1";
  std::vector<store::Param> params;
  const std::string number_pattern = "%" + filter.number + "%";  // bound by view below
  if (filter.from) {
    sql += " AND c.started_at >= ?";
    params.emplace_back(core::ToUnixMicros(*filter.from));
  }
  if (filter.to) {
    sql += " AND c.started_at < ?";
    params.emplace_back(core::ToUnixMicros(*filter.to));
  }
  if (filter.agent_person_id) {
    sql += " AND c.agent_person_id = ?";
    params.emplace_back(*filter.agent_person_id);
  }
  if (filter.station_id) {
    sql += " AND c.station_id = ?";
    params.emplace_back(*filter.station_id);
  }
  if (filter.campaign_id) {
    sql += " AND c.campaign_id = ?";
    params.emplace_back(*filter.campaign_id);
  }
  if (filter.direction) {
    sql += " AND c.direction = ?";
    params.emplace_back(DirectionName(*filter.direction));
  }
  if (!filter.number.empty()) {
    sql += " AND (c.from_number LIKE ? OR c.to_number LIKE ?)";
    params.emplace_back(std::string_view(number_pattern));
    params.emplace_back(std::string_view(number_pattern));
  }
  if (filter.after_id) {
    sql += " AND c.id < ?";
    params.emplace_back(*filter.after_id);
  }
  sql += " ORDER BY c.id DESC LIMIT ?";
  params.emplace_back(int64_t{filter.limit} + 1);
  return db_.Read([&](store::Connection& c) -> Result<CallPage> {
    CallPage page;
    FG_RETURN_IF_ERROR(c.Exec(
        sql, params, [&](const store::Row& row) { page.items.push_back(CallFromRow(row)); }));
    if (static_cast<int>(page.items.size()) > filter.limit) {
      page.items.pop_back();
      page.next_after_id = page.items.back().id;
    }
    // The masked spans of the whole page in one query, not one per call.
    std::unordered_map<std::string, RecordingInfo*> by_id;
    std::string in;
    std::vector<store::Param> ids;
    for (Call& call : page.items) {
      if (!call.recording) continue;
      by_id[call.recording->id] = &*call.recording;
      in += in.empty() ? "?" : ", ?";
      ids.emplace_back(std::string_view(call.recording->id));
    }
    if (ids.empty()) return page;
    FG_RETURN_IF_ERROR(c.Exec(
        "SELECT recording_id, start_ms, end_ms, source FROM recording_spans WHERE recording_id "
        "IN (" +
            in + ") ORDER BY recording_id, start_ms",
        ids, [&](const store::Row& row) {
          if (auto it = by_id.find(row.Text(0)); it != by_id.end()) {
            it->second->spans.push_back({row.Int(1), row.Int(2), row.Text(3)});
          }
        }));
    return page;
  });
}

Result<Call> Recordings::GetCall(int64_t id) {
  return db_.Read([&](store::Connection& c) -> Result<Call> {
    std::optional<Call> call;
    FG_RETURN_IF_ERROR(c.Exec("SELECT " + std::string(kCallColumns) +
                                  " FROM recording_calls c LEFT JOIN recording_files f ON "
                                  "f.call_row = c.id WHERE c.id = ?",
                              {id}, [&](const store::Row& row) { call = CallFromRow(row); }));
    if (!call) return NotFound("no call " + std::to_string(id));
    if (call->recording) FG_RETURN_IF_ERROR(LoadSpans(c, *call->recording));
    return *call;
  });
}

Result<std::optional<Call>> Recordings::FindCallBySipId(std::string_view call_id) {
  FG_ASSIGN_OR_RETURN(
      auto id, db_.Read([&](store::Connection& c) -> Result<std::optional<int64_t>> {
        std::optional<int64_t> found;
        FG_RETURN_IF_ERROR(
            c.Exec("SELECT id FROM recording_calls WHERE call_id = ? ORDER BY id DESC "
                   "LIMIT 1",
                   {call_id}, [&](const store::Row& row) { found = row.Int(0); }));
        return found;
      }));
  if (!id) return std::optional<Call>();
  FG_ASSIGN_OR_RETURN(Call call, GetCall(*id));
  return std::optional<Call>(std::move(call));
}

namespace {

struct StoredKey {
  std::string recording_id;
  WrappedKey key;
  std::string status;
  std::string sha256;
};

Result<StoredKey> LoadKey(store::Database& db, int64_t call_row) {
  return db.Read([&](store::Connection& c) -> Result<StoredKey> {
    std::optional<StoredKey> found;
    FG_RETURN_IF_ERROR(
        c.Exec("SELECT id, master_key_id, wrapped_key, status, sha256 FROM recording_files "
               "WHERE call_row = ?",
               {call_row}, [&](const store::Row& row) {
                 StoredKey k;
                 k.recording_id = row.Text(0);
                 k.key.master_key_id = row.Text(1);
                 const std::string sealed = row.Blob(2);
                 k.key.sealed.assign(sealed.begin(), sealed.end());
                 k.status = row.Text(3);
                 k.sha256 = row.Text(4);
                 found = std::move(k);
               }));
    if (!found) return NotFound("call " + std::to_string(call_row) + " has no recording");
    return *found;
  });
}

}  // namespace

Result<std::vector<uint8_t>> Recordings::OpenAudio(std::string_view actor, int64_t call_id,
                                                   std::string_view reason,
                                                   std::string_view format) {
  if (reason.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return InvalidArgument("reason", "a reason is required to listen to a recording");
  }
  if (reason.size() > 500) return InvalidArgument("reason", "at most 500 characters");
  if (options_.keys == nullptr) {
    return MakeError(ErrorCode::kFailedPrecondition, "no recording key ring is configured");
  }
  FG_ASSIGN_OR_RETURN(StoredKey stored, LoadKey(db_, call_id));
  if (stored.status == "shredded") {
    return MakeError(ErrorCode::kNotFound, "the recording was destroyed by retention");
  }
  // The listen is on the record before a byte is decrypted.
  nlohmann::json details = {{"call_id", call_id},
                            {"recording_id", stored.recording_id},
                            {"reason", std::string(reason)},
                            {"format", std::string(format)}};
  FG_RETURN_IF_ERROR(audit_.AppendDurably({.actor = std::string(actor),
                                           .action = "recording.listen",
                                           .subject = "call:" + std::to_string(call_id),
                                           .details = details.dump()}));
  FG_ASSIGN_OR_RETURN(auto reader,
                      RecordingReader::Open(*options_.keys, PathOf(stored.recording_id),
                                            stored.recording_id, stored.key));
  std::vector<uint8_t> ogg;
  while (true) {
    FG_ASSIGN_OR_RETURN(auto segment, reader->Next());
    if (!segment) break;
    ogg.insert(ogg.end(), segment->begin(), segment->end());
  }
  return ogg;
}

Result<std::vector<VerifyProblem>> Recordings::Verify(std::optional<int64_t> call_id) {
  struct Item {
    int64_t call_row;
    std::string id;
    std::string status;
    std::string sha256;
    WrappedKey key;
  };
  FG_ASSIGN_OR_RETURN(auto items, db_.Read([&](store::Connection& c) -> Result<std::vector<Item>> {
    std::vector<Item> out;
    FG_RETURN_IF_ERROR(c.Exec(
        "SELECT call_row, id, status, sha256, master_key_id, wrapped_key FROM recording_files "
        "WHERE (?1 IS NULL OR call_row = ?1) ORDER BY call_row",
        {call_id}, [&](const store::Row& row) {
          Item item{row.Int(0), row.Text(1), row.Text(2), row.Text(3), {}};
          item.key.master_key_id = row.Text(4);
          const std::string sealed = row.Blob(5);
          item.key.sealed.assign(sealed.begin(), sealed.end());
          out.push_back(std::move(item));
        }));
    return out;
  }));
  std::vector<VerifyProblem> problems;
  for (const Item& item : items) {
    if (item.status == "shredded") continue;
    auto problem = [&](std::string what) {
      problems.push_back({item.call_row, item.id, std::move(what)});
    };
    // The hash the audit trail holds is the one that counts: the row could be edited too.
    FG_ASSIGN_OR_RETURN(auto entries,
                        audit_.List({.action = "recording.complete",
                                     .subject = "call:" + std::to_string(item.call_row),
                                     .limit = 1}));
    std::string audited;
    if (!entries.empty()) {
      auto details = nlohmann::json::parse(entries.front().details, nullptr, false);
      if (details.is_object() && details.contains("sha256") && details["sha256"].is_string()) {
        audited = details["sha256"].get<std::string>();
      }
    }
    if (audited.empty()) {
      problem("no audit entry holds this recording's hash");
      continue;
    }
    if (audited != item.sha256) problem("the stored hash differs from the audit trail");
    std::error_code ec;
    if (!std::filesystem::exists(PathOf(item.id), ec)) {
      problem("recording file is missing");
      continue;
    }
    auto hash = HashFile(PathOf(item.id));
    if (!hash) {
      problem("recording file cannot be read: " + hash.error().message);
      continue;
    }
    if (*hash != audited) {
      problem("recording file's hash differs from the audit trail (swapped or altered)");
      continue;
    }
    if (options_.keys != nullptr && item.status == "complete") {
      auto reader = RecordingReader::Open(*options_.keys, PathOf(item.id), item.id, item.key);
      if (!reader) {
        problem("cannot open: " + reader.error().message);
        continue;
      }
      auto all = (*reader)->ReadAll();
      if (!all) problem("cannot decrypt: " + all.error().message);
    }
  }
  return problems;
}

Result<PurgeResult> Recordings::PurgeRecordings(core::WallTime cutoff, bool dry_run) {
  struct Victim {
    std::string id;
    int64_t ended;
  };
  std::vector<Victim> victims;
  FG_RETURN_IF_ERROR(db_.Read([&](store::Connection& c) -> Result<void> {
    return c
        .Exec(
            "SELECT f.id, c.ended_at FROM recording_files f JOIN recording_calls c ON "
            "c.id = f.call_row WHERE f.status <> 'shredded' AND c.ended_at < ? ORDER BY c.ended_at",
            {core::ToUnixMicros(cutoff)},
            [&](const store::Row& row) {
              victims.push_back({row.Text(0), row.Int(1)});
            })
        .transform([](int64_t) {});
  }));
  PurgeResult result;
  result.recordings = static_cast<int64_t>(victims.size());
  if (!victims.empty()) {
    result.oldest = core::FromUnixMicros(victims.front().ended);
    result.newest = core::FromUnixMicros(victims.back().ended);
  }
  if (dry_run || victims.empty()) return result;
  const int64_t now = core::ToUnixMicros(clock_.WallNow());
  // Keys first: once the transaction commits (secure_delete overwrites the freed pages),
  // the files are noise even if a copy of them survives somewhere.
  FG_RETURN_IF_ERROR(db_.Write([&](store::Connection& c) -> Result<void> {
    for (const Victim& v : victims) {
      FG_RETURN_IF_ERROR(
          c.Exec("UPDATE recording_files SET wrapped_key = NULL, status = "
                 "'shredded', shredded_at = ? WHERE id = ?",
                 {now, v.id}));
    }
    nlohmann::json details = {{"kind", "recordings"},
                              {"count", result.recordings},
                              {"method", "crypto-shred"},
                              {"oldest", core::FormatRfc3339(*result.oldest)},
                              {"newest", core::FormatRfc3339(*result.newest)},
                              {"cutoff", core::FormatRfc3339(cutoff)}};
    return AuditIn(c, "system", "retention.purge", "retention:recordings", details);
  }));
  for (const Victim& v : victims) {
    std::error_code ec;
    std::filesystem::remove(PathOf(v.id), ec);
  }
  return result;
}

Result<PurgeResult> Recordings::PurgeCalls(core::WallTime cutoff, bool dry_run) {
  PurgeResult result;
  FG_RETURN_IF_ERROR(db_.Read([&](store::Connection& c) -> Result<void> {
    return c
        .Exec(
            "SELECT COUNT(*), MIN(ended_at), MAX(ended_at) FROM recording_calls WHERE "
            "ended_at < ?",
            {core::ToUnixMicros(cutoff)},
            [&](const store::Row& row) {
              result.calls = row.Int(0);
              if (auto t = row.OptInt(1)) result.oldest = core::FromUnixMicros(*t);
              if (auto t = row.OptInt(2)) result.newest = core::FromUnixMicros(*t);
            })
        .transform([](int64_t) {});
  }));
  if (dry_run || result.calls == 0) return result;
  // Recordings of these calls go first (shredded), then the rows.
  FG_RETURN_IF_ERROR(PurgeRecordings(cutoff, false));
  FG_RETURN_IF_ERROR(db_.Write([&](store::Connection& c) -> Result<void> {
    const int64_t at = core::ToUnixMicros(cutoff);
    FG_RETURN_IF_ERROR(c.Exec(
        "DELETE FROM recording_spans WHERE recording_id IN (SELECT f.id FROM recording_files f "
        "JOIN recording_calls c ON c.id = f.call_row WHERE c.ended_at < ?)",
        {at}));
    FG_RETURN_IF_ERROR(
        c.Exec("DELETE FROM recording_files WHERE call_row IN (SELECT id FROM "
               "recording_calls WHERE ended_at < ?)",
               {at}));
    FG_RETURN_IF_ERROR(
        c.Exec("UPDATE recording_cdrs SET call_row = NULL WHERE call_row IN "
               "(SELECT id FROM recording_calls WHERE ended_at < ?)",
               {at}));
    FG_RETURN_IF_ERROR(c.Exec("DELETE FROM recording_cdrs WHERE end_at < ?", {at}));
    FG_RETURN_IF_ERROR(c.Exec("DELETE FROM recording_calls WHERE ended_at < ?", {at}));
    nlohmann::json details = {{"kind", "call_records"},
                              {"count", result.calls},
                              {"oldest", core::FormatRfc3339(*result.oldest)},
                              {"newest", core::FormatRfc3339(*result.newest)},
                              {"cutoff", core::FormatRfc3339(cutoff)}};
    return AuditIn(c, "system", "retention.purge", "retention:call_records", details);
  }));
  return result;
}

Result<void> Recordings::SetExtension(std::string_view actor, std::string_view extension,
                                      std::optional<int64_t> station_id) {
  if (!ValidExtension(extension)) {
    return InvalidArgument("extension", "1-64 characters of digits, letters, + - _ . * #");
  }
  return db_.Write([&](store::Connection& c) -> Result<void> {
    if (station_id) {
      FG_RETURN_IF_ERROR(
          c.Exec("INSERT INTO recording_extensions (extension, station_id) VALUES (?, ?) "
                 "ON CONFLICT (extension) DO UPDATE SET station_id = excluded.station_id",
                 {extension, *station_id}));
    } else {
      FG_RETURN_IF_ERROR(
          c.Exec("DELETE FROM recording_extensions WHERE extension = ?", {extension}));
    }
    nlohmann::json details = {{"extension", std::string(extension)}};
    details["station_id"] = station_id ? nlohmann::json(*station_id) : nlohmann::json(nullptr);
    return AuditIn(c, actor, "recording.extension.set", "extension:" + std::string(extension),
                   details);
  });
}

Result<std::optional<int64_t>> Recordings::StationOfExtension(std::string_view extension) {
  return db_.Read([&](store::Connection& c) -> Result<std::optional<int64_t>> {
    std::optional<int64_t> station;
    FG_RETURN_IF_ERROR(c.Exec("SELECT station_id FROM recording_extensions WHERE extension = ?",
                              {extension}, [&](const store::Row& row) { station = row.Int(0); }));
    return station;
  });
}

Result<std::vector<std::pair<std::string, int64_t>>> Recordings::ListExtensions() {
  return db_.Read(
      [&](store::Connection& c) -> Result<std::vector<std::pair<std::string, int64_t>>> {
        std::vector<std::pair<std::string, int64_t>> out;
        FG_RETURN_IF_ERROR(
            c.Exec("SELECT extension, station_id FROM recording_extensions ORDER BY "
                   "extension",
                   {}, [&](const store::Row& row) { out.emplace_back(row.Text(0), row.Int(1)); }));
        return out;
      });
}

Result<void> Recordings::GrantListen(std::string_view actor, int64_t account_id,
                                     core::WallTime until, std::string_view reason) {
  if (reason.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return InvalidArgument("reason", "a reason is required to grant listening");
  }
  return db_.Write([&](store::Connection& c) -> Result<void> {
    FG_RETURN_IF_ERROR(
        c.Exec("INSERT INTO recording_listen_grants (account_id, until) VALUES (?, ?) ON CONFLICT "
               "(account_id) DO UPDATE SET until = excluded.until",
               {account_id, core::ToUnixMicros(until)}));
    nlohmann::json details = {{"account_id", account_id},
                              {"until", core::FormatRfc3339(until)},
                              {"reason", std::string(reason)}};
    return AuditIn(c, actor, "recording.grant", "account:" + std::to_string(account_id), details);
  });
}

Result<bool> Recordings::HasListenGrant(int64_t account_id) {
  const int64_t now = core::ToUnixMicros(clock_.WallNow());
  return db_.Read([&](store::Connection& c) -> Result<bool> {
    bool granted = false;
    FG_RETURN_IF_ERROR(
        c.Exec("SELECT 1 FROM recording_listen_grants WHERE account_id = ? AND until > ?",
               {account_id, now}, [&](const store::Row&) { granted = true; }));
    return granted;
  });
}

Result<void> Recordings::SetSupervisorCampaigns(std::string_view actor, int64_t user_id,
                                                const std::vector<int64_t>& campaign_ids) {
  if (campaign_ids.size() > 1000) return InvalidArgument("campaign_ids", "at most 1000");
  return db_.Write([&](store::Connection& c) -> Result<void> {
    FG_RETURN_IF_ERROR(
        c.Exec("DELETE FROM recording_supervisor_campaigns WHERE user_id = ?", {user_id}));
    for (int64_t campaign : campaign_ids) {
      FG_RETURN_IF_ERROR(
          c.Exec("INSERT OR IGNORE INTO recording_supervisor_campaigns (user_id, campaign_id) "
                 "VALUES (?, ?)",
                 {user_id, campaign}));
    }
    nlohmann::json details = {{"user_id", user_id}, {"campaign_ids", campaign_ids}};
    return AuditIn(c, actor, "recording.supervisor.campaigns", "user:" + std::to_string(user_id),
                   details);
  });
}

Result<std::vector<int64_t>> Recordings::SupervisorCampaigns(int64_t user_id) {
  return db_.Read([&](store::Connection& c) -> Result<std::vector<int64_t>> {
    std::vector<int64_t> out;
    FG_RETURN_IF_ERROR(c.Exec(
        "SELECT campaign_id FROM recording_supervisor_campaigns WHERE user_id = ? ORDER BY 1",
        {user_id}, [&](const store::Row& row) { out.push_back(row.Int(0)); }));
    return out;
  });
}

}  // namespace fg::recording
