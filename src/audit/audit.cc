#include "audit/audit.h"

#include <sodium.h>

#include <cstring>

namespace fg::audit {

namespace {

constexpr store::Migration kMigrations[] = {
    {1,
     "CREATE TABLE audit_log ("
     "  seq INTEGER PRIMARY KEY,"
     "  time_us INTEGER NOT NULL,"
     "  actor TEXT NOT NULL,"
     "  action TEXT NOT NULL,"
     "  subject TEXT NOT NULL,"
     "  details TEXT NOT NULL,"
     "  prev_hash BLOB NOT NULL,"
     "  hash BLOB NOT NULL);"
     "CREATE INDEX audit_log_actor ON audit_log(actor, seq);"
     "CREATE INDEX audit_log_subject ON audit_log(subject, seq);"
     "CREATE TABLE audit_checkpoints ("
     "  seq INTEGER PRIMARY KEY,"
     "  time_us INTEGER NOT NULL,"
     "  hash BLOB NOT NULL,"
     "  signature BLOB NOT NULL);"},
};

void PutU64(std::string& out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((v >> shift) & 0xff));
}
void PutField(std::string& out, std::string_view field) {
  uint32_t n = static_cast<uint32_t>(field.size());
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((n >> shift) & 0xff));
  out.append(field);
}

std::string CheckpointMessage(int64_t seq, const Hash& hash, int64_t time_us) {
  std::string message = "floorguard-audit-checkpoint-v1";
  PutU64(message, static_cast<uint64_t>(seq));
  PutU64(message, static_cast<uint64_t>(time_us));
  message.append(reinterpret_cast<const char*>(hash.data()), hash.size());
  return message;
}

bool CopyHash(std::string_view bytes, Hash* out) {
  if (bytes.size() != out->size()) return false;
  std::memcpy(out->data(), bytes.data(), out->size());
  return true;
}

std::string_view HashBytes(const Hash& h) {
  return {reinterpret_cast<const char*>(h.data()), h.size()};
}

Entry ReadEntry(const store::Row& row) {
  Entry e;
  e.seq = row.Int(0);
  e.time = core::FromUnixMicros(row.Int(1));
  e.actor = row.Text(2);
  e.action = row.Text(3);
  e.subject = row.Text(4);
  e.details = row.Text(5);
  CopyHash(row.Blob(6), &e.prev_hash);
  CopyHash(row.Blob(7), &e.hash);
  return e;
}

constexpr const char* kEntryColumns =
    "seq, time_us, actor, action, subject, details, prev_hash, hash";

}  // namespace

std::string CanonicalBytes(const Entry& entry) {
  std::string out;
  out.reserve(64 + entry.actor.size() + entry.action.size() + entry.subject.size() +
              entry.details.size());
  out.append("floorguard-audit-v1");
  PutU64(out, static_cast<uint64_t>(entry.seq));
  PutU64(out, static_cast<uint64_t>(core::ToUnixMicros(entry.time)));
  PutField(out, entry.actor);
  PutField(out, entry.action);
  PutField(out, entry.subject);
  PutField(out, entry.details);
  return out;
}

Hash ChainHash(const Hash& prev, const Entry& entry) {
  std::string bytes = CanonicalBytes(entry);
  crypto_generichash_state state;
  crypto_generichash_init(&state, nullptr, 0, 32);
  crypto_generichash_update(&state, prev.data(), prev.size());
  crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(bytes.data()),
                            bytes.size());
  Hash out;
  crypto_generichash_final(&state, out.data(), out.size());
  return out;
}

std::string HashHex(const Hash& hash) {
  char hex[65];
  sodium_bin2hex(hex, sizeof hex, hash.data(), hash.size());
  return hex;
}

Log::Log(store::Database& db, core::Clock& clock, core::EventBus& bus, Signer signer,
         Options options)
    : db_(db), clock_(clock), bus_(bus), signer_(std::move(signer)), options_(options) {}

std::span<const store::Migration> Log::Migrations() { return kMigrations; }

Result<int64_t> Log::Append(store::Connection& c, const Record& record) {
  Entry entry;
  entry.prev_hash.fill(0);
  // The head is read inside the caller's transaction rather than cached, so a job that
  // rolls back can never leave a stale head behind.
  int64_t last_seq = 0;
  FG_RETURN_IF_ERROR(c.Exec("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1", {},
                            [&](const store::Row& row) {
                              last_seq = row.Int(0);
                              CopyHash(row.Blob(1), &entry.prev_hash);
                            }));
  entry.seq = last_seq + 1;
  entry.time = clock_.WallNow();
  entry.actor = record.actor;
  entry.action = record.action;
  entry.subject = record.subject;
  entry.details = record.details.empty() ? "{}" : record.details;
  entry.hash = ChainHash(entry.prev_hash, entry);
  FG_RETURN_IF_ERROR(c.Exec(
      "INSERT INTO audit_log(seq, time_us, actor, action, subject, details, prev_hash, hash) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      {entry.seq, core::ToUnixMicros(entry.time), entry.actor, entry.action, entry.subject,
       entry.details, store::BlobView{HashBytes(entry.prev_hash)},
       store::BlobView{HashBytes(entry.hash)}}));
  if (options_.checkpoint_every_entries > 0 && entry.seq % options_.checkpoint_every_entries == 0) {
    FG_RETURN_IF_ERROR(WriteCheckpoint(c, entry.seq, entry.hash));
  }
  int64_t seq = entry.seq;
  c.OnCommit([this, seq] { bus_.Publish(AuditCommitted{seq}); });
  return seq;
}

Result<int64_t> Log::AppendDurably(const Record& record) {
  int64_t seq = 0;
  FG_RETURN_IF_ERROR(db_.Write([&](store::Connection& c) -> Result<void> {
    FG_ASSIGN_OR_RETURN(seq, Append(c, record));
    return {};
  }));
  return seq;
}

Result<void> Log::WriteCheckpoint(store::Connection& c, int64_t seq, const Hash& hash) {
  int64_t now = core::ToUnixMicros(clock_.WallNow());
  std::string signature = signer_.Sign(CheckpointMessage(seq, hash, now));
  FG_RETURN_IF_ERROR(c.Exec(
      "INSERT OR IGNORE INTO audit_checkpoints(seq, time_us, hash, signature) VALUES (?, ?, ?, ?)",
      {seq, now, store::BlobView{HashBytes(hash)}, store::BlobView{signature}}));
  return {};
}

Result<void> Log::CheckpointIfDue() { return Checkpoint(When::kIfDue); }
Result<void> Log::CheckpointNow() { return Checkpoint(When::kNow); }

Result<void> Log::Checkpoint(When when) {
  return db_.Write([&](store::Connection& c) -> Result<void> {
    int64_t head = 0;
    Hash head_hash{};
    FG_RETURN_IF_ERROR(c.Exec("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1", {},
                              [&](const store::Row& row) {
                                head = row.Int(0);
                                CopyHash(row.Blob(1), &head_hash);
                              }));
    if (head == 0) return {};
    int64_t last_seq = 0, last_time = 0;
    FG_RETURN_IF_ERROR(
        c.Exec("SELECT seq, time_us FROM audit_checkpoints ORDER BY seq DESC LIMIT 1", {},
               [&](const store::Row& row) {
                 last_seq = row.Int(0);
                 last_time = row.Int(1);
               }));
    if (last_seq >= head) return {};
    int64_t now = core::ToUnixMicros(clock_.WallNow());
    auto interval_us =
        std::chrono::duration_cast<std::chrono::microseconds>(options_.checkpoint_interval).count();
    if (when == When::kIfDue && last_seq > 0 && now - last_time < interval_us) return {};
    return WriteCheckpoint(c, head, head_hash);
  });
}

Result<std::vector<Entry>> Log::List(const Query& query) {
  std::string sql = std::string("SELECT ") + kEntryColumns + " FROM audit_log WHERE 1=1";
  std::vector<store::Param> params;
  std::string action_end;
  if (query.before_seq) {
    sql += " AND seq < ?";
    params.emplace_back(*query.before_seq);
  }
  if (query.from) {
    sql += " AND time_us >= ?";
    params.emplace_back(core::ToUnixMicros(*query.from));
  }
  if (query.to) {
    sql += " AND time_us < ?";
    params.emplace_back(core::ToUnixMicros(*query.to));
  }
  if (!query.actor.empty()) {
    sql += " AND actor = ?";
    params.emplace_back(query.actor);
  }
  if (!query.subject.empty()) {
    sql += " AND subject = ?";
    params.emplace_back(query.subject);
  }
  if (!query.action.empty()) {
    if (query.action.back() == '.') {
      // Prefix match as a range so LIKE's wildcards in user input mean nothing.
      action_end = query.action;
      action_end.back() = '/';  // the character after '.'
      sql += " AND action >= ? AND action < ?";
      params.emplace_back(query.action);
      params.emplace_back(action_end);
    } else {
      sql += " AND action = ?";
      params.emplace_back(query.action);
    }
  }
  sql += " ORDER BY seq DESC LIMIT ?";
  params.emplace_back(static_cast<int64_t>(query.limit));
  std::vector<Entry> entries;
  FG_RETURN_IF_ERROR(db_.Read([&](store::Connection& c) {
    return c.Exec(sql, params, [&](const store::Row& row) { entries.push_back(ReadEntry(row)); });
  }));
  return entries;
}

Result<std::vector<Entry>> Log::After(int64_t after_seq, int limit) {
  std::vector<Entry> entries;
  FG_RETURN_IF_ERROR(db_.Read([&](store::Connection& c) {
    return c.Exec(std::string("SELECT ") + kEntryColumns +
                      " FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?",
                  {after_seq, static_cast<int64_t>(limit)},
                  [&](const store::Row& row) { entries.push_back(ReadEntry(row)); });
  }));
  return entries;
}

Result<int64_t> Log::LastSeq() {
  int64_t seq = 0;
  FG_RETURN_IF_ERROR(db_.Read([&](store::Connection& c) {
    return c.Exec("SELECT COALESCE(MAX(seq), 0) FROM audit_log", {},
                  [&](const store::Row& row) { seq = row.Int(0); });
  }));
  return seq;
}

// ---- Verify ----

Result<VerifyReport> Verify(store::Database& db, const std::array<unsigned char, 32>& public_key) {
  VerifyReport report;
  struct Checkpoint {
    int64_t seq;
    Hash hash;
  };
  std::vector<Checkpoint> checkpoints;
  auto fail = [&report](int64_t seq, std::string problem) {
    if (!report.first_bad_seq || seq < *report.first_bad_seq) {
      report.first_bad_seq = seq;
      report.problem = std::move(problem);
    }
  };

  auto read = db.Read([&](store::Connection& c) -> Result<void> {
    FG_RETURN_IF_ERROR(c.Exec(
        "SELECT seq, time_us, hash, signature FROM audit_checkpoints ORDER BY seq", {},
        [&](const store::Row& row) {
          ++report.checkpoints;
          Checkpoint cp{row.Int(0), {}};
          std::string signature = row.Blob(3);
          bool hash_ok = CopyHash(row.Blob(2), &cp.hash);
          std::string message = CheckpointMessage(cp.seq, cp.hash, row.Int(1));
          if (!hash_ok || signature.size() != crypto_sign_BYTES ||
              crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(signature.data()),
                                          reinterpret_cast<const unsigned char*>(message.data()),
                                          message.size(), public_key.data()) != 0) {
            fail(cp.seq, "checkpoint at seq " + std::to_string(cp.seq) +
                             " has an invalid signature (forged or edited checkpoint)");
            return;
          }
          checkpoints.push_back(cp);
        }));

    Hash prev{};
    int64_t expected = 1;
    size_t next_checkpoint = 0;
    bool broken = false;
    Entry entry;
    FG_RETURN_IF_ERROR(c.Exec(
        std::string("SELECT ") + kEntryColumns + " FROM audit_log ORDER BY seq", {},
        [&](const store::Row& row) {
          ++report.entries;
          if (broken) return;
          entry.seq = row.Int(0);
          report.last_seq = entry.seq;
          if (entry.seq != expected) {
            fail(expected, entry.seq > expected
                               ? "entry " + std::to_string(expected) + " is missing (deleted)"
                               : "sequence out of order at " + std::to_string(entry.seq));
            broken = true;
            return;
          }
          entry.time = core::FromUnixMicros(row.Int(1));
          entry.actor.assign(row.TextView(2));
          entry.action.assign(row.TextView(3));
          entry.subject.assign(row.TextView(4));
          entry.details.assign(row.TextView(5));
          Hash stored_prev{}, stored_hash{};
          if (!CopyHash(row.Blob(6), &stored_prev) || !CopyHash(row.Blob(7), &stored_hash)) {
            fail(entry.seq, "entry " + std::to_string(entry.seq) + " has a malformed hash");
            broken = true;
            return;
          }
          if (stored_prev != prev) {
            fail(entry.seq, "entry " + std::to_string(entry.seq) +
                                " does not link to the entry before it (inserted, removed or "
                                "reordered entries)");
            broken = true;
            return;
          }
          if (ChainHash(prev, entry) != stored_hash) {
            fail(entry.seq,
                 "entry " + std::to_string(entry.seq) + " does not match its hash (edited entry)");
            broken = true;
            return;
          }
          while (next_checkpoint < checkpoints.size() &&
                 checkpoints[next_checkpoint].seq <= entry.seq) {
            const Checkpoint& cp = checkpoints[next_checkpoint++];
            if (cp.seq == entry.seq && cp.hash == stored_hash) report.last_signed_seq = cp.seq;
            if (cp.seq == entry.seq && cp.hash != stored_hash) {
              fail(entry.seq, "entry " + std::to_string(entry.seq) +
                                  " differs from the signed checkpoint that pins it");
              broken = true;
              return;
            }
          }
          prev = stored_hash;
          ++expected;
        }));
    if (!broken) {
      for (size_t i = next_checkpoint; i < checkpoints.size(); ++i) {
        if (checkpoints[i].seq > report.last_seq) {
          fail(report.last_seq + 1, "signed checkpoint at seq " +
                                        std::to_string(checkpoints[i].seq) +
                                        " pins entries that are gone (entries from " +
                                        std::to_string(report.last_seq + 1) + " deleted)");
          break;
        }
      }
    }
    return {};
  });
  if (!read) return tl::unexpected(read.error());
  report.intact = !report.first_bad_seq.has_value();
  return report;
}

}  // namespace fg::audit
