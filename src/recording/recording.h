// Recordings: call records, their encrypted recordings, playback, verification, retention,
// PBX call records and the completeness report.
//
// What it decides: which calls exist (from the capture and from the PBX's own records),
// which recording belongs to which call, who may listen, and when a recording is gone for
// good. A call record and its recording's ciphertext hash are written with their audit
// entry in one transaction, so a swapped or truncated file is found by Verify (and by
// `audit verify`, which compares files against the trail). Every listen needs a reason and
// is audited before the first byte is decrypted. Retention destroys the wrapped key
// (crypto-shredding) before removing the file, and audits a proof of purge.
// What it never does: store raw packets, keypad digits or an unwrapped key.
// Thread-safety: thread-safe (state is in the database; the key ring is immutable).
//
//   recording::Recordings calls(db, audit, clock, {.directory = data_dir + "/recordings"});
//   FG_RETURN_IF_ERROR(calls.Migrate());
//   auto page = calls.ListCalls({.direction = recording::Direction::kInbound});
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/audit.h"
#include "core/clock.h"
#include "core/result.h"
#include "nlohmann/json.hpp"
#include "recording/vault.h"
#include "store/store.h"

namespace fg::recording {

enum class Direction { kInbound, kOutbound, kInternal, kUnknown };
std::string_view DirectionName(Direction direction);
std::optional<Direction> ParseDirection(std::string_view name);

// A silenced stretch of a recording: "dtmf" (keypad, RFC 4733 or in-band), "pause" (the
// agent desktop paused recording), "gap" (a codec we cannot decode). Never the digits.
struct MaskedSpan {
  int64_t start_ms = 0;
  int64_t end_ms = 0;
  std::string source;
};

struct RecordingInfo {
  std::string id;      // random, also names the file
  std::string status;  // "complete", "incomplete" (ended without its final segment), "shredded"
  int64_t duration_ms = 0;
  int64_t bytes = 0;
  std::string sha256;
  std::string master_key_id;
  int sample_rate = 8000;
  int64_t packets = 0;
  int64_t lost = 0;
  int64_t late = 0;
  int64_t duplicates = 0;
  double loss_pct = 0;
  bool one_way = false;  // audio in only one direction
  std::vector<MaskedSpan> spans;
};

struct Call {
  int64_t id = 0;
  std::string call_id;  // SIP Call-ID, or the PBX's unique id for calls known only from a CDR
  Direction direction = Direction::kUnknown;
  std::string from_number;
  std::string to_number;
  std::string agent_extension;
  std::optional<int64_t> agent_person_id;
  std::optional<int64_t> station_id;
  std::optional<int64_t> campaign_id;
  core::WallTime started_at;
  std::optional<core::WallTime> answered_at;
  std::optional<core::WallTime> ended_at;
  std::string end_reason;  // "bye", "cancel", "rejected", "timeout", "" while active
  int final_status = 0;
  std::string source;  // "capture" or "cdr"
  std::optional<RecordingInfo> recording;
  bool active() const { return !ended_at.has_value(); }
};

struct CallFilter {
  std::optional<core::WallTime> from;
  std::optional<core::WallTime> to;
  std::optional<int64_t> agent_person_id;
  std::optional<int64_t> station_id;
  std::optional<int64_t> campaign_id;
  std::optional<Direction> direction;
  std::string number;  // substring of either number
  int limit = 50;
  std::optional<int64_t> after_id;  // paging: calls with a smaller id (newest first)
};

struct CallPage {
  std::vector<Call> items;
  std::optional<int64_t> next_after_id;
};

// What the capture engine knows when a call starts and ends.
struct CallStart {
  std::string call_id;
  Direction direction = Direction::kUnknown;
  std::string from_number;
  std::string to_number;
  std::string agent_extension;
  std::optional<int64_t> agent_person_id;
  std::optional<int64_t> station_id;
  std::optional<int64_t> campaign_id;
  core::WallTime started_at;
};

struct CallEnd {
  std::optional<core::WallTime> answered_at;
  core::WallTime ended_at;
  std::string end_reason;
  int final_status = 0;
  std::optional<RecordingInfo> recording;  // with the wrapped key below
  std::optional<WrappedKey> key;
};

// A call record from the PBX (Asterisk Master.csv layout, or the API).
struct Cdr {
  std::string unique_id;    // the PBX's id (Asterisk uniqueid)
  std::string source;       // src
  std::string destination;  // dst
  std::string channel;
  std::string destination_channel;
  core::WallTime start;
  std::optional<core::WallTime> answer;
  core::WallTime end;
  int64_t billable_seconds = 0;
  std::string disposition;  // ANSWERED, NO ANSWER, BUSY, FAILED
  std::string call_id;      // SIP Call-ID when the PBX exports it (userfield), else ""
};

struct CdrImport {
  int64_t imported = 0;
  int64_t duplicates = 0;           // unique ids already known
  int64_t matched = 0;              // matched to a captured call
  std::vector<std::string> errors;  // "line 7: bad start time" (the rest is kept)
};

struct CompletenessOptions {
  double max_loss_pct = 2.0;
  int64_t min_coverage_pct = 95;  // recording shorter than this share of the answered call
};

struct CompletenessIssue {
  int64_t call_id = 0;  // our call id
  std::string problem;  // "no recording", "recording shorter than call", "one-way audio",
                        // "loss above threshold", "not captured" (known from a CDR only)
  std::string detail;
};

struct CompletenessDay {
  std::string day;  // YYYY-MM-DD (UTC)
  std::optional<int64_t> campaign_id;
  int64_t answered_calls = 0;
  int64_t recorded_calls = 0;  // answered and recorded without a problem
  double percent = 100;
};

struct CompletenessReport {
  std::vector<CompletenessDay> days;
  std::vector<CompletenessIssue> issues;
};

struct PurgeResult {
  int64_t recordings = 0;
  int64_t calls = 0;
  std::optional<core::WallTime> oldest;
  std::optional<core::WallTime> newest;
};

struct VerifyProblem {
  int64_t call_id = 0;
  std::string recording_id;
  std::string problem;  // "missing file", "hash differs from the audit trail", "truncated", ...
};

struct RecordingsOptions {
  std::string directory;          // where recording files live
  const KeyRing* keys = nullptr;  // needed to write and to play back
};

class Recordings {
 public:
  Recordings(store::Database& db, audit::Log& audit, core::Clock& clock, RecordingsOptions options);

  Result<void> Migrate();
  const RecordingsOptions& options() const { return options_; }

  // The engine's writes.
  Result<int64_t> OpenCall(const CallStart& start);
  Result<void> CloseCall(int64_t id, const CallEnd& end);
  // The same without waiting for the disk (the capture thread must not): `done` runs on
  // the database's writer thread after the commit.
  void OpenCallAsync(const CallStart& start, std::function<void(Result<int64_t>)> done);
  void CloseCallAsync(int64_t id, CallEnd end, std::function<void(Result<void>)> done);
  // An audited fact about a call (pause, resume, auto-resume), in its own transaction.
  Result<void> AuditCallEvent(std::string_view actor, std::string_view action, int64_t id,
                              std::string details_json);
  // Where a recording's file lives.
  std::string PathOf(std::string_view recording_id) const;

  Result<CallPage> ListCalls(const CallFilter& filter);
  Result<Call> GetCall(int64_t id);
  Result<std::optional<Call>> FindCallBySipId(std::string_view call_id);

  // Decrypted Ogg Opus of a call's recording. Audits "recording.listen" with actor, reason
  // and format before anything is decrypted; an empty reason is kInvalidArgument.
  Result<std::vector<uint8_t>> OpenAudio(std::string_view actor, int64_t call_id,
                                         std::string_view reason, std::string_view format);

  // Checks every (or one) recording file against the hash in its audit entry and in its
  // row, and decrypts it to the final tag. Empty = all good.
  Result<std::vector<VerifyProblem>> Verify(std::optional<int64_t> call_id = {});

  // Crypto-shreds recordings of calls that ended before `cutoff`; the call rows stay (they
  // carry no audio) until `calls_cutoff`. Audits "retention.purge" with kind, count, range.
  Result<PurgeResult> PurgeRecordings(core::WallTime cutoff, bool dry_run);
  Result<PurgeResult> PurgeCalls(core::WallTime cutoff, bool dry_run);

  // Extension (or SIP user) -> station, so the engine knows the agent's station.
  Result<void> SetExtension(std::string_view actor, std::string_view extension,
                            std::optional<int64_t> station_id);
  Result<std::optional<int64_t>> StationOfExtension(std::string_view extension);
  Result<std::vector<std::pair<std::string, int64_t>>> ListExtensions();

  Result<CdrImport> ImportCdrs(std::string_view actor, const std::vector<Cdr>& cdrs);
  Result<CompletenessReport> Completeness(core::WallTime from, core::WallTime to,
                                          const CompletenessOptions& options);

  // Listen grants for auditors: account may listen to recordings until `until`.
  Result<void> GrantListen(std::string_view actor, int64_t account_id, core::WallTime until,
                           std::string_view reason);
  Result<bool> HasListenGrant(int64_t account_id);
  // The campaigns a supervisor (console user) may listen to.
  Result<void> SetSupervisorCampaigns(std::string_view actor, int64_t user_id,
                                      const std::vector<int64_t>& campaign_ids);
  Result<std::vector<int64_t>> SupervisorCampaigns(int64_t user_id);

 private:
  Result<void> InsertCall(store::Connection& c, const CallStart& start, int64_t& id);
  // Appends one audit entry inside the caller's transaction.
  Result<void> AuditIn(store::Connection& c, std::string_view actor, std::string_view action,
                       std::string_view subject, const nlohmann::json& details);
  Result<void> WriteClose(store::Connection& c, int64_t id, const CallEnd& end);

  store::Database& db_;
  audit::Log& audit_;
  core::Clock& clock_;
  RecordingsOptions options_;
};

// Parses Asterisk's Master.csv (cdr_csv's default column layout). Bad lines are reported
// in `errors` with their line number; good lines are kept.
std::vector<Cdr> ParseMasterCsv(std::string_view text, std::vector<std::string>& errors);

// A fresh random recording id (32 hex digits).
std::string NewRecordingId();

}  // namespace fg::recording
