// Audit append and verify, side by side with plain SQLite on the same rows and the same
// durability (WAL, synchronous=FULL: an fsync at every commit).
//
//   audit_append_group_commit: floorguard's path — every entry is its own Write job (as a
//     decision would be), the writer batches queued jobs into one transaction per fsync.
//   sqlite_insert_txn_per_row: the reference without group commit — one INSERT, one COMMIT.
//   sqlite_insert_batched: the reference with hand-made batches of 4096 rows per COMMIT.
//   audit_verify / sqlite_scan: verifying the chain vs merely reading every row.
//
// Run: build/bench/audit_bench --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>
#include <sqlite3.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <mutex>

#include "audit/audit.h"

namespace fg {
namespace {

namespace fs = std::filesystem;

fs::path FreshDir(const std::string& name) {
  fs::path dir =
      fs::temp_directory_path() / ("fg_bench_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

audit::Record SampleRecord(int64_t i) {
  return {.actor = "device:door-" + std::to_string(i % 40),
          .action = "access.decision",
          .subject = "badge:" + std::to_string(100000 + i % 5000),
          .details = R"({"reader":"R-)" + std::to_string(i % 64) +
                     R"(","verdict":"grant","reason":"ok","zone":"production-floor"})"};
}

struct Fixture {
  explicit Fixture(const std::string& name) : dir(FreshDir(name)) {
    db = std::move(*store::Database::Open({.path = (dir / "db.sqlite").string()}));
    (void)db->Migrate("audit", audit::Log::Migrations());
    log =
        std::make_unique<audit::Log>(*db, clock, bus, std::move(*audit::Signer::LoadOrCreate(dir)));
  }
  ~Fixture() {
    log.reset();
    db.reset();
    fs::remove_all(dir);
  }
  fs::path dir;
  core::SystemClock clock;
  core::EventBus bus;
  std::unique_ptr<store::Database> db;
  std::unique_ptr<audit::Log> log;
};

// Appends n entries as n independent jobs, keeping up to `window` of them in flight, as
// concurrent requests would. Returns when every one is durable.
void AppendConcurrently(Fixture& f, int64_t n, int64_t window) {
  std::mutex mu;
  std::condition_variable cv;
  int64_t in_flight = 0, done = 0;
  for (int64_t i = 0; i < n; ++i) {
    {
      std::unique_lock lock(mu);
      cv.wait(lock, [&] { return in_flight < window; });
      ++in_flight;
    }
    audit::Record record = SampleRecord(i);
    f.db->WriteAsync(
        [&f, record = std::move(record)](store::Connection& c) -> Result<void> {
          FG_RETURN_IF_ERROR(f.log->Append(c, record));
          return {};
        },
        [&](const Result<void>& r) {
          if (!r) std::abort();
          std::lock_guard lock(mu);
          --in_flight;
          ++done;
          // Wake the submitter only when half the window has drained, or at the very end.
          if (in_flight == window / 2 || done == n) cv.notify_all();
        });
  }
  std::unique_lock lock(mu);
  cv.wait(lock, [&] { return done == n; });
}

void BM_AuditAppendGroupCommit(benchmark::State& state) {
  const int64_t n = state.range(0);
  for (auto _ : state) {
    state.PauseTiming();
    Fixture f("append");
    state.ResumeTiming();
    AppendConcurrently(f, n, 8192);
    state.PauseTiming();
    auto stats = f.db->stats();
    state.counters["entries_per_batch"] =
        static_cast<double>(stats.jobs) / static_cast<double>(stats.batches);
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_AuditAppendGroupCommit)
    ->Arg(200'000)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(3);

// Plain SQLite, same table shape and row contents, no hashing: the reference.
struct RawSqlite {
  explicit RawSqlite(const std::string& name) : dir(FreshDir(name)) {
    sqlite3_open((dir / "db.sqlite").c_str(), &db);
    sqlite3_exec(db,
                 "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                 "CREATE TABLE audit_log (seq INTEGER PRIMARY KEY, time_us INTEGER NOT NULL,"
                 " actor TEXT NOT NULL, action TEXT NOT NULL, subject TEXT NOT NULL,"
                 " details TEXT NOT NULL, prev_hash BLOB NOT NULL, hash BLOB NOT NULL);"
                 "CREATE INDEX audit_log_actor ON audit_log(actor, seq);"
                 "CREATE INDEX audit_log_subject ON audit_log(subject, seq);",
                 nullptr, nullptr, nullptr);
    sqlite3_prepare_v2(db, "INSERT INTO audit_log VALUES (?,?,?,?,?,?,?,?)", -1, &insert, nullptr);
  }
  ~RawSqlite() {
    sqlite3_finalize(insert);
    sqlite3_close(db);
    fs::remove_all(dir);
  }
  void Insert(int64_t i) {
    audit::Record r = SampleRecord(i);
    static const std::string hash(32, 'h');
    sqlite3_bind_int64(insert, 1, i + 1);
    sqlite3_bind_int64(insert, 2, 1'800'000'000'000'000 + i);
    sqlite3_bind_text(insert, 3, r.actor.data(), static_cast<int>(r.actor.size()),
                      SQLITE_TRANSIENT);
    sqlite3_bind_text(insert, 4, r.action.data(), static_cast<int>(r.action.size()),
                      SQLITE_TRANSIENT);
    sqlite3_bind_text(insert, 5, r.subject.data(), static_cast<int>(r.subject.size()),
                      SQLITE_TRANSIENT);
    sqlite3_bind_text(insert, 6, r.details.data(), static_cast<int>(r.details.size()),
                      SQLITE_TRANSIENT);
    sqlite3_bind_blob(insert, 7, hash.data(), 32, SQLITE_STATIC);
    sqlite3_bind_blob(insert, 8, hash.data(), 32, SQLITE_STATIC);
    sqlite3_step(insert);
    sqlite3_reset(insert);
  }
  fs::path dir;
  sqlite3* db = nullptr;
  sqlite3_stmt* insert = nullptr;
};

void BM_SqliteInsertTxnPerRow(benchmark::State& state) {
  const int64_t n = state.range(0);
  for (auto _ : state) {
    state.PauseTiming();
    RawSqlite raw("per_row");
    state.ResumeTiming();
    for (int64_t i = 0; i < n; ++i) raw.Insert(i);  // autocommit: one transaction per row
  }
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_SqliteInsertTxnPerRow)
    ->Arg(2'000)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(3);

void BM_SqliteInsertBatched(benchmark::State& state) {
  const int64_t n = state.range(0);
  for (auto _ : state) {
    state.PauseTiming();
    RawSqlite raw("batched");
    state.ResumeTiming();
    for (int64_t i = 0; i < n; ++i) {
      if (i % 4096 == 0) sqlite3_exec(raw.db, "BEGIN", nullptr, nullptr, nullptr);
      raw.Insert(i);
      if (i % 4096 == 4095 || i == n - 1) sqlite3_exec(raw.db, "COMMIT", nullptr, nullptr, nullptr);
    }
  }
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_SqliteInsertBatched)
    ->Arg(200'000)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(3);

// One trail of 1M entries shared by the verify benchmarks.
Fixture& VerifyFixture() {
  static Fixture* f = [] {
    auto* fixture = new Fixture("verify");
    AppendConcurrently(*fixture, 1'000'000, 16384);
    return fixture;
  }();
  return *f;
}

void BM_AuditVerify(benchmark::State& state) {
  Fixture& f = VerifyFixture();
  auto key = audit::LoadPublicKey(f.dir / audit::Signer::kPublicKeyFile);
  int64_t entries = 0;
  for (auto _ : state) {
    auto report = audit::Verify(*f.db, *key);
    if (!report || !report->intact) state.SkipWithError("trail not intact");
    entries = report->entries;
  }
  state.SetItemsProcessed(state.iterations() * entries);
}
BENCHMARK(BM_AuditVerify)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

void BM_SqliteScan(benchmark::State& state) {
  Fixture& f = VerifyFixture();
  int64_t rows = 0;
  for (auto _ : state) {
    rows = 0;
    size_t bytes = 0;
    (void)f.db->Read([&](store::Connection& c) {
      return c.Exec(
          "SELECT seq, time_us, actor, action, subject, details, prev_hash, hash FROM "
          "audit_log ORDER BY seq",
          {}, [&](const store::Row& row) {
            ++rows;
            bytes += row.TextView(5).size();
          });
    });
    benchmark::DoNotOptimize(bytes);
  }
  state.SetItemsProcessed(state.iterations() * rows);
}
BENCHMARK(BM_SqliteScan)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

}  // namespace
}  // namespace fg

BENCHMARK_MAIN();
