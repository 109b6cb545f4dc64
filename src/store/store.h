// store: the database under every module — SQLite in WAL mode, one writer, many readers.
//
// What it decides: how rows reach the disk. Every write is a WriteFn run inside a
// transaction on the single writer thread; the writer batches whatever is queued into one
// transaction (group commit) and fsyncs once per batch, and Write() returns only after the
// batch is durable. Each WriteFn runs under its own savepoint, so one failing job rolls
// back alone. A module's decision and its audit entry go in the same WriteFn, hence the
// same transaction. Reads run on a pool of read-only connections (WAL snapshots).
// What it never does: throw, or know any module's tables. Each module owns its schema
// through versioned Migrations.
// Thread-safety: Database is thread-safe. A Connection is handed to one callback at a
// time and must not escape it.
//
//   FG_ASSIGN_OR_RETURN(auto db, store::Database::Open({.path = "var/floorguard.db"}));
//   FG_RETURN_IF_ERROR(db->Migrate("directory", kMigrations));
//   db->Write([&](store::Connection& c) { return c.Exec("INSERT ...", {name}).transform(...); });
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

#include "core/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace fg::store {

// Bytes to bind as a BLOB rather than TEXT.
struct BlobView {
  std::string_view bytes;
};

// One bound parameter: NULL, integer, real, text or blob. Holds views: the bound values
// must outlive the Exec call (they always do when passed inline).
class Param {
 public:
  enum class Kind { kNull, kInt, kReal, kText, kBlob };
  Param(std::nullptr_t) : kind_(Kind::kNull) {}
  Param(int v) : kind_(Kind::kInt), int_(v) {}
  Param(int64_t v) : kind_(Kind::kInt), int_(v) {}
  Param(bool v) : kind_(Kind::kInt), int_(v ? 1 : 0) {}
  Param(double v) : kind_(Kind::kReal), real_(v) {}
  Param(std::string_view v) : kind_(Kind::kText), text_(v) {}
  Param(const std::string& v) : kind_(Kind::kText), text_(v) {}
  Param(const char* v) : kind_(Kind::kText), text_(v) {}
  Param(BlobView v) : kind_(Kind::kBlob), text_(v.bytes) {}
  template <typename T>
  Param(const std::optional<T>& v) : Param(v ? Param(*v) : Param(nullptr)) {}

  Kind kind() const { return kind_; }
  int64_t int_value() const { return int_; }
  double real_value() const { return real_; }
  std::string_view text_value() const { return text_; }

 private:
  Kind kind_;
  int64_t int_ = 0;
  double real_ = 0;
  std::string_view text_;
};

// The current row of a running statement. Columns are 0-based.
class Row {
 public:
  explicit Row(sqlite3_stmt* stmt) : stmt_(stmt) {}
  bool IsNull(int col) const;
  int64_t Int(int col) const;
  double Real(int col) const;
  std::string_view TextView(int col) const;  // valid until the next row
  std::string Text(int col) const { return std::string(TextView(col)); }
  std::string Blob(int col) const;
  std::optional<int64_t> OptInt(int col) const;
  std::optional<std::string> OptText(int col) const;

 private:
  sqlite3_stmt* stmt_;
};

using RowFn = std::function<void(const Row&)>;

// One SQLite connection with a cache of prepared statements.
class Connection {
 public:
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one statement with positional parameters (?1, ?2 ... or ?), calling on_row for each
  // result row. Returns the number of rows the statement changed.
  Result<int64_t> Exec(std::string_view sql, std::initializer_list<Param> params = {},
                       const RowFn& on_row = {});
  Result<int64_t> Exec(std::string_view sql, std::span<const Param> params,
                       const RowFn& on_row = {});
  // Runs several ;-separated statements without parameters (migrations).
  Result<void> ExecScript(std::string_view sql);
  int64_t LastInsertRowId() const;

  // Within a Write: runs `hook` after the batch holding this job is durable; dropped if the
  // job or the batch rolls back. Outside a Write it runs at once.
  void OnCommit(std::function<void()> hook);

 private:
  friend class Database;
  explicit Connection(sqlite3* db);
  Result<sqlite3_stmt*> Prepare(std::string_view sql);

  sqlite3* db_;
  struct Cache;
  std::unique_ptr<Cache> cache_;
  std::vector<std::function<void()>>* commit_hooks_ = nullptr;  // set by the writer per job
};

// One schema step of one module. Versions start at 1 and increase by one.
struct Migration {
  int version;
  std::string_view sql;
};

enum class Durability {
  kFull,    // fsync the WAL at every commit (production)
  kNormal,  // fsync at checkpoints only: survives a process crash, not a power cut (tests)
};

struct Options {
  std::string path;  // a file, or ":memory:" (one connection shared by reads and writes)
  Durability durability = Durability::kFull;
  size_t max_batch = 4096;            // jobs per group-commit transaction
  int read_connections = 4;           // pool size for file databases
  size_t max_queued_writes = 100000;  // beyond this Write fails with ResourceExhausted
};

using WriteFn = std::function<Result<void>(Connection&)>;
using WriteDone = std::function<void(const Result<void>&)>;

class Database {
 public:
  static Result<std::unique_ptr<Database>> Open(Options options);
  // Drains queued writes, then closes.
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Brings `module`'s schema up to its newest migration, in one transaction. Fails with
  // FailedPrecondition when the database holds a newer version than this build knows.
  Result<void> Migrate(std::string_view module, std::span<const Migration> migrations);
  // The module's current schema version (0 when never migrated).
  Result<int> SchemaVersion(std::string_view module);

  // Runs fn in the next group-commit batch and returns once that batch is durable.
  Result<void> Write(WriteFn fn);
  // Same, without waiting: done runs on the writer thread after the commit (or failure).
  void WriteAsync(WriteFn fn, WriteDone done);

  // Runs fn with a read connection (a consistent snapshot) and returns what it returns.
  template <typename Fn>
  auto Read(Fn&& fn) -> std::invoke_result_t<Fn, Connection&> {
    auto lease = AcquireReader();
    return std::forward<Fn>(fn)(*lease.connection);
  }

  // Group-commit counters, for /metrics and benchmarks.
  struct Stats {
    uint64_t batches = 0;
    uint64_t jobs = 0;
    uint64_t failed_jobs = 0;
  };
  Stats stats() const;
  const std::string& path() const;

 private:
  struct ReaderLease {
    Connection* connection;
    std::function<void()> release;
    ~ReaderLease() { release(); }
  };
  ReaderLease AcquireReader();

  struct Impl;
  explicit Database(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace fg::store
