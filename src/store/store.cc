// The SQLite adapter: the only file that calls the SQLite C API.
//
// We use the C API directly rather than SQLiteCpp: it never throws (so no exception has to
// be caught at every call), and a per-connection cache of prepared statements keyed by SQL
// text keeps the hot paths (audit append, GET by id) free of re-preparation.
#include "store/store.h"

#include <sqlite3.h>

#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

namespace fg::store {

namespace {

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

tl::unexpected<Error> SqliteError(sqlite3* db, int rc, std::string_view what) {
  int extended = db != nullptr ? sqlite3_extended_errcode(db) : rc;
  std::string message =
      std::string(what) + ": " + (db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  ErrorCode code = ErrorCode::kInternal;
  switch (rc & 0xff) {
    case SQLITE_CONSTRAINT:
      if (extended == SQLITE_CONSTRAINT_UNIQUE || extended == SQLITE_CONSTRAINT_PRIMARYKEY) {
        code = ErrorCode::kAlreadyExists;
      } else if (extended == SQLITE_CONSTRAINT_FOREIGNKEY) {
        code = ErrorCode::kFailedPrecondition;
      } else {
        code = ErrorCode::kInvalidArgument;
      }
      break;
    case SQLITE_FULL:
      code = ErrorCode::kResourceExhausted;
      break;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
      code = ErrorCode::kUnavailable;
      break;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      code = ErrorCode::kDataLoss;
      break;
    default:
      break;
  }
  return MakeError(code, std::move(message));
}

Result<sqlite3*> OpenConnection(const std::string& path, bool read_only) {
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    auto error = SqliteError(db, rc, "cannot open database " + path);
    sqlite3_close(db);
    return error;
  }
  sqlite3_busy_timeout(db, 5000);
  sqlite3_extended_result_codes(db, 1);
  if (read_only) sqlite3_exec(db, "PRAGMA query_only=1", nullptr, nullptr, nullptr);
  return db;
}

}  // namespace

// ---- Row ----

bool Row::IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
int64_t Row::Int(int col) const { return sqlite3_column_int64(stmt_, col); }
double Row::Real(int col) const { return sqlite3_column_double(stmt_, col); }
std::string_view Row::TextView(int col) const {
  const unsigned char* text = sqlite3_column_text(stmt_, col);
  if (text == nullptr) return {};
  return {reinterpret_cast<const char*>(text),
          static_cast<size_t>(sqlite3_column_bytes(stmt_, col))};
}
std::string Row::Blob(int col) const {
  const void* data = sqlite3_column_blob(stmt_, col);
  if (data == nullptr) return {};
  return std::string(static_cast<const char*>(data), sqlite3_column_bytes(stmt_, col));
}
std::optional<int64_t> Row::OptInt(int col) const {
  if (IsNull(col)) return std::nullopt;
  return Int(col);
}
std::optional<std::string> Row::OptText(int col) const {
  if (IsNull(col)) return std::nullopt;
  return Text(col);
}

// ---- Connection ----

struct Connection::Cache {
  std::unordered_map<std::string, sqlite3_stmt*, StringHash, std::equal_to<>> statements;
};

Connection::Connection(sqlite3* db) : db_(db), cache_(std::make_unique<Cache>()) {}

Connection::~Connection() {
  for (auto& [sql, stmt] : cache_->statements) sqlite3_finalize(stmt);
  sqlite3_close_v2(db_);
}

Result<sqlite3_stmt*> Connection::Prepare(std::string_view sql) {
  auto it = cache_->statements.find(sql);
  if (it != cache_->statements.end()) return it->second;
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return SqliteError(db_, rc, "prepare");
  cache_->statements.emplace(std::string(sql), stmt);
  return stmt;
}

Result<int64_t> Connection::Exec(std::string_view sql, std::initializer_list<Param> params,
                                 const RowFn& on_row) {
  return Exec(sql, std::span<const Param>(params.begin(), params.size()), on_row);
}

Result<int64_t> Connection::Exec(std::string_view sql, std::span<const Param> params,
                                 const RowFn& on_row) {
  FG_ASSIGN_OR_RETURN(sqlite3_stmt * stmt, Prepare(sql));
  // Reset on every exit so the cached statement releases its read snapshot.
  struct ResetGuard {
    sqlite3_stmt* s;
    ~ResetGuard() {
      sqlite3_reset(s);
      sqlite3_clear_bindings(s);
    }
  } guard{stmt};
  if (static_cast<int>(params.size()) != sqlite3_bind_parameter_count(stmt)) {
    return Internal("statement expects " + std::to_string(sqlite3_bind_parameter_count(stmt)) +
                    " parameters, got " + std::to_string(params.size()));
  }
  for (size_t i = 0; i < params.size(); ++i) {
    const Param& p = params[i];
    int index = static_cast<int>(i) + 1;
    int rc = SQLITE_OK;
    switch (p.kind()) {
      case Param::Kind::kNull:
        rc = sqlite3_bind_null(stmt, index);
        break;
      case Param::Kind::kInt:
        rc = sqlite3_bind_int64(stmt, index, p.int_value());
        break;
      case Param::Kind::kReal:
        rc = sqlite3_bind_double(stmt, index, p.real_value());
        break;
      case Param::Kind::kText:
        rc = sqlite3_bind_text64(stmt, index, p.text_value().data(), p.text_value().size(),
                                 SQLITE_STATIC, SQLITE_UTF8);
        break;
      case Param::Kind::kBlob:
        rc = sqlite3_bind_blob64(stmt, index, p.text_value().data(), p.text_value().size(),
                                 SQLITE_STATIC);
        break;
    }
    if (rc != SQLITE_OK) return SqliteError(db_, rc, "bind");
  }
  while (true) {
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
      if (on_row) on_row(Row(stmt));
      continue;
    }
    if (rc == SQLITE_DONE) break;
    return SqliteError(db_, rc, "step");
  }
  return static_cast<int64_t>(sqlite3_changes64(db_));
}

Result<void> Connection::ExecScript(std::string_view sql) {
  std::string copy(sql);
  char* message = nullptr;
  int rc = sqlite3_exec(db_, copy.c_str(), nullptr, nullptr, &message);
  if (rc != SQLITE_OK) {
    std::string text = message != nullptr ? message : sqlite3_errstr(rc);
    sqlite3_free(message);
    auto error = SqliteError(db_, rc, "script");
    error.value().message = "script: " + text;
    return error;
  }
  return {};
}

int64_t Connection::LastInsertRowId() const { return sqlite3_last_insert_rowid(db_); }

void Connection::OnCommit(std::function<void()> hook) {
  if (commit_hooks_ != nullptr) {
    commit_hooks_->push_back(std::move(hook));
  } else {
    hook();
  }
}

// ---- Database ----

struct Database::Impl {
  Options options;
  bool in_memory = false;

  std::unique_ptr<Connection> writer;
  // In memory there is one connection; this serialises readers with the writer's batches.
  std::mutex memory_mu;

  std::mutex readers_mu;
  std::condition_variable readers_cv;
  std::vector<std::unique_ptr<Connection>> readers;
  std::vector<Connection*> idle_readers;

  struct Job {
    WriteFn fn;
    WriteDone done;
  };
  std::mutex queue_mu;
  std::condition_variable queue_cv;
  std::deque<Job> queue;
  bool stopping = false;
  std::thread writer_thread;

  mutable std::mutex stats_mu;
  Stats stats;

  void WriterLoop();
  void RunBatch(std::vector<Job>& batch);
};

Database::Database(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<std::unique_ptr<Database>> Database::Open(Options options) {
  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options);
  impl->in_memory = impl->options.path == ":memory:" || impl->options.path.empty();
  if (impl->in_memory) impl->options.path = ":memory:";

  FG_ASSIGN_OR_RETURN(sqlite3 * raw_writer, OpenConnection(impl->options.path, false));
  impl->writer.reset(new Connection(raw_writer));
  Connection& w = *impl->writer;
  if (!impl->in_memory) {
    std::string mode;
    FG_RETURN_IF_ERROR(
        w.Exec("PRAGMA journal_mode=WAL", {}, [&](const Row& r) { mode = r.Text(0); }));
    if (mode != "wal") {
      return MakeError(ErrorCode::kFailedPrecondition,
                       "cannot switch " + impl->options.path + " to WAL mode (got " + mode + ")");
    }
  }
  const char* sync = impl->options.durability == Durability::kFull ? "PRAGMA synchronous=FULL"
                                                                   : "PRAGMA synchronous=NORMAL";
  FG_RETURN_IF_ERROR(w.ExecScript(sync));
  FG_RETURN_IF_ERROR(w.ExecScript("PRAGMA foreign_keys=ON"));
  // Deleted rows are overwritten with zeros, in the file and the WAL: a purge that retention
  // or a visitor's check-out performs leaves nothing readable behind.
  FG_RETURN_IF_ERROR(w.ExecScript("PRAGMA secure_delete=ON"));
  // A quick structural check so a damaged file is refused at start, not mid-request.
  std::string check;
  FG_RETURN_IF_ERROR(w.Exec("PRAGMA quick_check(1)", {}, [&](const Row& r) { check = r.Text(0); }));
  if (check != "ok") {
    return MakeError(ErrorCode::kDataLoss, impl->options.path + " fails integrity check: " + check);
  }

  if (!impl->in_memory) {
    for (int i = 0; i < std::max(1, impl->options.read_connections); ++i) {
      FG_ASSIGN_OR_RETURN(sqlite3 * raw_reader, OpenConnection(impl->options.path, true));
      impl->readers.emplace_back(new Connection(raw_reader));
      (void)impl->readers.back()->ExecScript("PRAGMA foreign_keys=ON");
      impl->idle_readers.push_back(impl->readers.back().get());
    }
  }
  Impl* raw = impl.get();
  impl->writer_thread = std::thread([raw] { raw->WriterLoop(); });
  return std::unique_ptr<Database>(new Database(std::move(impl)));
}

Database::~Database() {
  {
    std::lock_guard lock(impl_->queue_mu);
    impl_->stopping = true;
  }
  impl_->queue_cv.notify_all();
  if (impl_->writer_thread.joinable()) impl_->writer_thread.join();
}

const std::string& Database::path() const { return impl_->options.path; }

Database::Stats Database::stats() const {
  std::lock_guard lock(impl_->stats_mu);
  return impl_->stats;
}

Database::ReaderLease Database::AcquireReader() {
  Impl* impl = impl_.get();
  if (impl->in_memory) {
    impl->memory_mu.lock();
    return ReaderLease{impl->writer.get(), [impl] { impl->memory_mu.unlock(); }};
  }
  std::unique_lock lock(impl->readers_mu);
  impl->readers_cv.wait(lock, [impl] { return !impl->idle_readers.empty(); });
  Connection* c = impl->idle_readers.back();
  impl->idle_readers.pop_back();
  return ReaderLease{c, [impl, c] {
                       {
                         std::lock_guard l(impl->readers_mu);
                         impl->idle_readers.push_back(c);
                       }
                       impl->readers_cv.notify_one();
                     }};
}

void Database::WriteAsync(WriteFn fn, WriteDone done) {
  {
    std::lock_guard lock(impl_->queue_mu);
    if (impl_->stopping) {
      done(MakeError(ErrorCode::kUnavailable, "database is shutting down"));
      return;
    }
    if (impl_->queue.size() >= impl_->options.max_queued_writes) {
      done(MakeError(ErrorCode::kResourceExhausted, "write queue is full"));
      return;
    }
    impl_->queue.push_back({std::move(fn), std::move(done)});
  }
  impl_->queue_cv.notify_one();
}

Result<void> Database::Write(WriteFn fn) {
  std::promise<Result<void>> promise;
  auto future = promise.get_future();
  WriteAsync(std::move(fn), [&promise](const Result<void>& r) { promise.set_value(r); });
  return future.get();
}

void Database::Impl::WriterLoop() {
  std::vector<Job> batch;
  while (true) {
    {
      std::unique_lock lock(queue_mu);
      queue_cv.wait(lock, [this] { return stopping || !queue.empty(); });
      if (queue.empty() && stopping) return;
      while (!queue.empty() && batch.size() < options.max_batch) {
        batch.push_back(std::move(queue.front()));
        queue.pop_front();
      }
    }
    RunBatch(batch);
    batch.clear();
  }
}

void Database::Impl::RunBatch(std::vector<Job>& batch) {
  std::unique_lock<std::mutex> memory_lock;
  if (in_memory) memory_lock = std::unique_lock(memory_mu);
  Connection& c = *writer;

  std::vector<Result<void>> results(batch.size(), Result<void>{});
  std::vector<std::vector<std::function<void()>>> hooks(batch.size());
  auto begun = c.ExecScript("BEGIN IMMEDIATE");
  if (!begun) {
    for (auto& r : results) r = tl::unexpected(begun.error());
  } else {
    for (size_t i = 0; i < batch.size(); ++i) {
      (void)c.Exec("SAVEPOINT job");
      c.commit_hooks_ = &hooks[i];
      try {
        results[i] = batch[i].fn(c);
      } catch (const std::exception& e) {
        results[i] = Internal(std::string("write failed: ") + e.what());
      } catch (...) {
        results[i] = Internal("write failed with an unknown exception");
      }
      c.commit_hooks_ = nullptr;
      if (!results[i]) {
        hooks[i].clear();
        (void)c.Exec("ROLLBACK TO job");
      }
      (void)c.Exec("RELEASE job");
    }
    auto committed = c.ExecScript("COMMIT");
    if (!committed) {
      (void)c.ExecScript("ROLLBACK");
      for (size_t i = 0; i < batch.size(); ++i) {
        if (results[i]) results[i] = tl::unexpected(committed.error());
        hooks[i].clear();
      }
    }
  }
  if (memory_lock.owns_lock()) memory_lock.unlock();

  uint64_t failed = 0;
  for (size_t i = 0; i < batch.size(); ++i) {
    if (!results[i]) ++failed;
    for (auto& hook : hooks[i]) hook();
    if (batch[i].done) batch[i].done(results[i]);
  }
  std::lock_guard lock(stats_mu);
  stats.batches += 1;
  stats.jobs += batch.size();
  stats.failed_jobs += failed;
}

Result<int> Database::SchemaVersion(std::string_view module) {
  int version = 0;
  auto r = Write([&](Connection& c) -> Result<void> {
    FG_RETURN_IF_ERROR(c.ExecScript(
        "CREATE TABLE IF NOT EXISTS schema_versions (module TEXT PRIMARY KEY, version INTEGER "
        "NOT NULL)"));
    FG_RETURN_IF_ERROR(c.Exec("SELECT version FROM schema_versions WHERE module = ?", {module},
                              [&](const Row& row) { version = static_cast<int>(row.Int(0)); }));
    return {};
  });
  if (!r) return tl::unexpected(r.error());
  return version;
}

Result<void> Database::Migrate(std::string_view module, std::span<const Migration> migrations) {
  int newest = 0;
  for (const Migration& m : migrations) {
    if (m.version != newest + 1) {
      return Internal("migrations of " + std::string(module) + " must be numbered 1, 2, 3...");
    }
    newest = m.version;
  }
  return Write([&](Connection& c) -> Result<void> {
    FG_RETURN_IF_ERROR(c.ExecScript(
        "CREATE TABLE IF NOT EXISTS schema_versions (module TEXT PRIMARY KEY, version INTEGER "
        "NOT NULL)"));
    int current = 0;
    FG_RETURN_IF_ERROR(c.Exec("SELECT version FROM schema_versions WHERE module = ?", {module},
                              [&](const Row& row) { current = static_cast<int>(row.Int(0)); }));
    if (current > newest) {
      return MakeError(ErrorCode::kFailedPrecondition,
                       "the database was written by a newer floorguard: module '" +
                           std::string(module) + "' is at schema version " +
                           std::to_string(current) + " but this build knows up to " +
                           std::to_string(newest) + "; run a newer floorguard or restore a backup");
    }
    for (const Migration& m : migrations) {
      if (m.version <= current) continue;
      auto applied = c.ExecScript(m.sql);
      if (!applied) {
        return Internal("migration " + std::string(module) + "/" + std::to_string(m.version) +
                        " failed: " + applied.error().message);
      }
    }
    FG_RETURN_IF_ERROR(
        c.Exec("INSERT INTO schema_versions(module, version) VALUES (?, ?) "
               "ON CONFLICT(module) DO UPDATE SET version = excluded.version",
               {module, newest}));
    return {};
  });
}

}  // namespace fg::store
