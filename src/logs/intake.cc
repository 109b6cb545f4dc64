// The intake feeds the single store writer from a thread of its own with batches of rows:
// the receiver's thread only appends to a bounded in-memory queue.
#include "logs/intake.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

namespace fg::logs {

namespace {

constexpr store::Migration kMigrations[] = {
    {1, R"sql(
CREATE TABLE log_events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  received_at INTEGER NOT NULL,
  peer TEXT NOT NULL,
  transport TEXT NOT NULL CHECK (transport IN ('udp', 'tcp', 'file')),
  host TEXT NOT NULL DEFAULT '',
  app TEXT NOT NULL DEFAULT '',
  parsed INTEGER NOT NULL CHECK (parsed IN (0, 1)),
  error TEXT,
  auth_origin TEXT,
  auth_outcome TEXT,
  auth_username TEXT,
  auth_source TEXT,
  raw TEXT NOT NULL,
  raw_truncated INTEGER NOT NULL DEFAULT 0 CHECK (raw_truncated IN (0, 1))
);
CREATE INDEX log_events_unparsed ON log_events (parsed, id);
)sql"},
};

struct PendingRow {
  int64_t received_at;
  std::string peer;
  Transport transport;
  std::string host, app;
  bool parsed;
  std::optional<std::string> error;
  std::optional<std::string> auth_origin, auth_outcome, auth_username, auth_source;
  std::string raw;
  bool raw_truncated;
  std::vector<std::string> redactions;  // "kind mask" of what dlp masked in this row
};

// Cuts at most `max` bytes without splitting a UTF-8 sequence.
std::string_view CapUtf8(std::string_view text, size_t max, bool* truncated) {
  *truncated = text.size() > max;
  if (!*truncated) return text;
  size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return text.substr(0, cut);
}

std::optional<Transport> ParseTransport(std::string_view name) {
  if (name == "udp") return Transport::kUdp;
  if (name == "tcp") return Transport::kTcp;
  if (name == "file") return Transport::kFile;
  return std::nullopt;
}

template <typename Enum>
std::optional<Enum> ParseName(const std::optional<std::string>& name,
                              std::string_view (*to_name)(Enum), std::initializer_list<Enum> all) {
  if (!name) return std::nullopt;
  for (Enum value : all) {
    if (to_name(value) == *name) return value;
  }
  return std::nullopt;
}

}  // namespace

struct Intake::State {
  store::Database* db;
  const core::Clock* clock;
  IntakeOptions options;

  std::mutex mu;
  std::condition_variable cv;
  std::deque<PendingRow> queue;
  bool stopping = false;
  uint64_t accepted = 0;
  uint64_t done = 0;  // rows written or lost to a failed write
  uint64_t written = 0;
  uint64_t dropped = 0;
  uint64_t write_failures = 0;
  std::thread thread;

  void Run() {
    std::vector<PendingRow> batch;
    while (true) {
      {
        std::unique_lock lock(mu);
        cv.wait(lock, [this] { return stopping || !queue.empty(); });
        if (queue.empty()) return;  // stopping, and drained
        size_t n = std::min(queue.size(), options.max_batch);
        batch.assign(std::make_move_iterator(queue.begin()),
                     std::make_move_iterator(queue.begin() + static_cast<ptrdiff_t>(n)));
        queue.erase(queue.begin(), queue.begin() + static_cast<ptrdiff_t>(n));
      }
      Result<void> result = db->Write([this, &batch](store::Connection& c) -> Result<void> {
        nlohmann::json redacted = nlohmann::json::array();
        for (const PendingRow& row : batch) {
          for (const std::string& note : row.redactions) {
            redacted.push_back({{"peer", row.peer}, {"finding", note}});
          }
          FG_RETURN_IF_ERROR(c.Exec(
              "INSERT INTO log_events (received_at, peer, transport, host, app, parsed, error, "
              "auth_origin, auth_outcome, auth_username, auth_source, raw, raw_truncated) "
              "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
              {row.received_at, row.peer, TransportName(row.transport), row.host, row.app,
               row.parsed, row.error, row.auth_origin, row.auth_outcome, row.auth_username,
               row.auth_source, row.raw, row.raw_truncated}));
        }
        if (redacted.empty() || options.audit == nullptr) return {};
        return options.audit
            ->Append(c, {.actor = "system",
                         .action = "dlp.redact",
                         .subject = "log_events",
                         .details = nlohmann::json{{"findings", std::move(redacted)}}.dump(
                             -1, ' ', false, nlohmann::json::error_handler_t::replace)})
            .transform([](int64_t) {});
      });
      {
        std::lock_guard lock(mu);
        done += batch.size();
        if (result) {
          written += batch.size();
        } else {
          ++write_failures;
          dropped += batch.size();
        }
      }
      cv.notify_all();
      batch.clear();
    }
  }
};

Result<std::unique_ptr<Intake>> Intake::Open(store::Database& db, const core::Clock& clock,
                                             IntakeOptions options) {
  if (options.max_queued == 0 || options.max_batch == 0) {
    return InvalidArgument("options", "max_queued and max_batch must be positive");
  }
  FG_RETURN_IF_ERROR(db.Migrate("logs", kMigrations));
  auto state = std::make_shared<State>();
  state->db = &db;
  state->clock = &clock;
  state->options = options;
  state->thread = std::thread([raw = state.get()] { raw->Run(); });
  return std::unique_ptr<Intake>(new Intake(db, std::move(state)));
}

Intake::Intake(store::Database& db, std::shared_ptr<State> state)
    : db_(db), state_(std::move(state)) {}

Intake::~Intake() {
  {
    std::lock_guard lock(state_->mu);
    state_->stopping = true;
  }
  state_->cv.notify_all();
  state_->thread.join();
}

bool Intake::Add(const Received& received) {
  PendingRow row;
  row.received_at = core::ToUnixMicros(state_->clock->WallNow());
  row.peer = received.peer;
  row.transport = received.transport;
  if (received.message) {
    row.host = received.message->hostname;
    row.app = received.message->app_name;
  }
  row.parsed = received.parsed();
  if (!received.error.empty()) row.error = received.error;
  if (received.auth) {
    const AuthEvent& event = *received.auth;
    if (row.host.empty()) row.host = event.host;
    row.auth_origin = std::string(AuthOriginName(event.origin));
    row.auth_outcome = std::string(AuthOutcomeName(event.outcome));
    row.auth_username = event.username;
    row.auth_source = event.source_address;
  }
  row.raw = CapUtf8(received.raw, kMaxStoredRawBytes, &row.raw_truncated);
  // Classify masked the line before parsing it; the row records what, for the audit.
  row.redactions = received.redactions;
  {
    std::lock_guard lock(state_->mu);
    if (state_->queue.size() >= state_->options.max_queued) {
      ++state_->dropped;
      return false;
    }
    state_->queue.push_back(std::move(row));
    ++state_->accepted;
  }
  state_->cv.notify_all();
  return true;
}

void Intake::Flush() {
  std::unique_lock lock(state_->mu);
  const uint64_t target = state_->accepted;
  state_->cv.wait(lock, [&] { return state_->done >= target; });
}

Result<std::vector<LogEventRow>> Intake::List(const LogEventQuery& query) const {
  if (query.limit < 1 || query.limit > 1000) {
    return InvalidArgument("limit", "limit must be between 1 and 1000");
  }
  if (query.after_id < 0) return InvalidArgument("after_id", "after_id must not be negative");
  std::vector<LogEventRow> rows;
  Result<int64_t> result = db_.Read([&](store::Connection& c) {
    return c.Exec(
        "SELECT id, received_at, peer, transport, host, app, parsed, error, auth_origin, "
        "auth_outcome, auth_username, auth_source, raw, raw_truncated FROM log_events "
        "WHERE id > ? AND (? = 0 OR parsed = 0) ORDER BY id LIMIT ?",
        {query.after_id, query.only_unparsed, query.limit}, [&](const store::Row& r) {
          LogEventRow row;
          row.id = r.Int(0);
          row.received_at = core::FromUnixMicros(r.Int(1));
          row.peer = r.Text(2);
          row.transport = ParseTransport(r.TextView(3)).value_or(Transport::kUdp);
          row.host = r.Text(4);
          row.app = r.Text(5);
          row.parsed = r.Int(6) != 0;
          row.error = r.OptText(7).value_or("");
          row.auth_origin =
              ParseName<AuthOrigin>(r.OptText(8), &AuthOriginName,
                                    {AuthOrigin::kFloorguard, AuthOrigin::kSshd, AuthOrigin::kPam,
                                     AuthOrigin::kSudo, AuthOrigin::kWindows, AuthOrigin::kOther});
          row.auth_outcome = ParseName<AuthOutcome>(r.OptText(9), &AuthOutcomeName,
                                                    {AuthOutcome::kSuccess, AuthOutcome::kFailure,
                                                     AuthOutcome::kLockout, AuthOutcome::kLogoff});
          row.auth_username = r.OptText(10).value_or("");
          row.auth_source = r.OptText(11).value_or("");
          row.raw = r.Text(12);
          row.raw_truncated = r.Int(13) != 0;
          rows.push_back(std::move(row));
        });
  });
  if (!result) return tl::unexpected(result.error());
  return rows;
}

Result<IntakeCounts> Intake::Counts() const {
  IntakeCounts counts;
  {
    std::lock_guard lock(state_->mu);
    counts.accepted = state_->accepted;
    counts.written = state_->written;
    counts.dropped = state_->dropped;
    counts.write_failures = state_->write_failures;
    counts.queued = state_->queue.size();
  }
  Result<int64_t> result = db_.Read([&](store::Connection& c) {
    return c.Exec("SELECT count(*), coalesce(sum(parsed = 0), 0) FROM log_events", {},
                  [&](const store::Row& r) {
                    counts.stored = r.Int(0);
                    counts.stored_unparsed = r.Int(1);
                  });
  });
  if (!result) return tl::unexpected(result.error());
  return counts;
}

}  // namespace fg::logs
