#include "store/store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <thread>

namespace fg::store {
namespace {

constexpr Migration kV1[] = {
    {1, "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL);"}};
constexpr Migration kV2[] = {
    {1, "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL);"},
    {2, "ALTER TABLE t ADD COLUMN note TEXT;"}};

class TempDir {
 public:
  TempDir() {
    path_ = std::filesystem::temp_directory_path() /
            ("fg_store_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter_++));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  static inline int counter_ = 0;
  std::filesystem::path path_;
};

std::unique_ptr<Database> OpenMemory() {
  auto db = Database::Open({.path = ":memory:"});
  EXPECT_TRUE(db.has_value());
  return std::move(*db);
}

int64_t Count(Database& db) {
  int64_t n = -1;
  EXPECT_TRUE(db.Read([&](Connection& c) {
                  return c.Exec("SELECT COUNT(*) FROM t", {}, [&](const Row& r) { n = r.Int(0); });
                }).has_value());
  return n;
}

TEST(Store, WriteIsVisibleToLaterReads) {
  auto db = OpenMemory();
  ASSERT_TRUE(db->Migrate("test", kV1));
  ASSERT_TRUE(db->Write([](Connection& c) {
    return c.Exec("INSERT INTO t(name) VALUES (?)", {"alice"}).transform([](int64_t) {});
  }));
  EXPECT_EQ(Count(*db), 1);
}

TEST(Store, FailingJobRollsBackAloneInItsBatch) {
  TempDir dir;
  auto opened = Database::Open({.path = dir.File("db.sqlite"), .durability = Durability::kNormal});
  ASSERT_TRUE(opened);
  auto& db = **opened;
  ASSERT_TRUE(db.Migrate("test", kV1));
  std::atomic<int> done{0};
  std::atomic<int> failed{0};
  // Queue many jobs at once so they share batches; every third one fails halfway through.
  for (int i = 0; i < 300; ++i) {
    db.WriteAsync(
        [i](Connection& c) -> Result<void> {
          FG_RETURN_IF_ERROR(c.Exec("INSERT INTO t(name) VALUES (?)", {"n" + std::to_string(i)}));
          if (i % 3 == 0) return InvalidArgument("x", "job fails after its insert");
          return {};
        },
        [&](const Result<void>& r) {
          if (!r) ++failed;
          ++done;
        });
  }
  ASSERT_TRUE(db.Write([](Connection&) -> Result<void> { return {}; }));
  EXPECT_EQ(done.load(), 300);
  EXPECT_EQ(failed.load(), 100);
  EXPECT_EQ(Count(db), 200);
  EXPECT_LT(db.stats().batches, 301u);
}

TEST(Store, UniqueViolationIsAlreadyExists) {
  auto db = OpenMemory();
  ASSERT_TRUE(db->Migrate("test", kV1));
  auto insert = [&] {
    return db->Write([](Connection& c) {
      return c.Exec("INSERT INTO t(name) VALUES ('same')").transform([](int64_t) {});
    });
  };
  ASSERT_TRUE(insert());
  auto second = insert();
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, ErrorCode::kAlreadyExists);
}

TEST(Store, BadSqlIsAnErrorNotACrash) {
  auto db = OpenMemory();
  auto r = db->Read([](Connection& c) { return c.Exec("SELEKT nonsense"); });
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("prepare"), std::string::npos);
  auto wrong_params = db->Read([](Connection& c) { return c.Exec("SELECT ?", {1, 2}); });
  EXPECT_FALSE(wrong_params);
}

TEST(Store, CommitHookRunsOnlyAfterSuccess) {
  auto db = OpenMemory();
  ASSERT_TRUE(db->Migrate("test", kV1));
  int hooks = 0;
  ASSERT_TRUE(db->Write([&](Connection& c) -> Result<void> {
    c.OnCommit([&] { ++hooks; });
    return {};
  }));
  ASSERT_FALSE(db->Write([&](Connection& c) -> Result<void> {
    c.OnCommit([&] { ++hooks; });
    return Internal("rolled back");
  }));
  EXPECT_EQ(hooks, 1);
}

TEST(Store, ThrowingJobFailsWithoutKillingTheWriter) {
  auto db = OpenMemory();
  auto r = db->Write([](Connection&) -> Result<void> { throw std::runtime_error("boom"); });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInternal);
  EXPECT_TRUE(db->Write([](Connection&) -> Result<void> { return {}; }));
}

TEST(Store, MigrationUpgradesAnOlderDatabase) {
  TempDir dir;
  {
    auto db = Database::Open({.path = dir.File("db.sqlite")});
    ASSERT_TRUE(db);
    ASSERT_TRUE((*db)->Migrate("test", kV1));
    EXPECT_EQ(*(*db)->SchemaVersion("test"), 1);
  }
  auto db = Database::Open({.path = dir.File("db.sqlite")});
  ASSERT_TRUE(db);
  ASSERT_TRUE((*db)->Migrate("test", kV2));
  EXPECT_EQ(*(*db)->SchemaVersion("test"), 2);
  EXPECT_TRUE((*db)->Write([](Connection& c) {
    return c.Exec("INSERT INTO t(name, note) VALUES ('a', 'b')").transform([](int64_t) {});
  }));
}

TEST(Store, NewerDatabaseIsRefusedWithAClearMessage) {
  TempDir dir;
  {
    auto db = Database::Open({.path = dir.File("db.sqlite")});
    ASSERT_TRUE((*db)->Migrate("test", kV2));
  }
  auto db = Database::Open({.path = dir.File("db.sqlite")});
  auto r = (*db)->Migrate("test", kV1);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(r.error().message.find("newer floorguard"), std::string::npos);
  EXPECT_EQ(*(*db)->SchemaVersion("test"), 2);
}

TEST(Store, GarbageFileIsRefusedAtOpen) {
  TempDir dir;
  {
    std::FILE* f = std::fopen(dir.File("bad.sqlite").c_str(), "wb");
    std::string junk(8192, 'x');
    std::fwrite(junk.data(), 1, junk.size(), f);
    std::fclose(f);
  }
  auto db = Database::Open({.path = dir.File("bad.sqlite")});
  ASSERT_FALSE(db);
  EXPECT_EQ(db.error().code, ErrorCode::kDataLoss);
}

TEST(Store, ConcurrentReadersSeeCommittedRows) {
  TempDir dir;
  auto db = Database::Open({.path = dir.File("db.sqlite"), .durability = Durability::kNormal});
  ASSERT_TRUE((*db)->Migrate("test", kV1));
  std::thread writer([&] {
    for (int i = 0; i < 200; ++i) {
      ASSERT_TRUE((*db)->Write([i](Connection& c) {
        return c.Exec("INSERT INTO t(name) VALUES (?)", {std::to_string(i)}).transform([](int64_t) {
        });
      }));
    }
  });
  int64_t last = 0;
  for (int i = 0; i < 200; ++i) {
    int64_t n = Count(**db);
    EXPECT_GE(n, last);
    last = n;
  }
  writer.join();
  EXPECT_EQ(Count(**db), 200);
}

}  // namespace
}  // namespace fg::store
