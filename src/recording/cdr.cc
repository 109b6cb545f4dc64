// Call records from the PBX, and the completeness report that compares them with what the
// capture recorded: "every call recorded" is checked, not assumed.
#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <map>
#include <nlohmann/json.hpp>

#include "recording/recording.h"

namespace fg::recording {

namespace {

// Splits one CSV line with double-quoted fields ("" inside quotes is a quote).
std::optional<std::vector<std::string>> SplitCsv(std::string_view line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char ch = line[i];
    if (quoted) {
      if (ch == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        fields.back().push_back('"');
        ++i;
      } else if (ch == '"') {
        quoted = false;
      } else {
        fields.back().push_back(ch);
      }
    } else if (ch == '"') {
      quoted = true;
    } else if (ch == ',') {
      fields.emplace_back();
    } else if (ch != '\r') {
      fields.back().push_back(ch);
    }
  }
  if (quoted) return std::nullopt;
  return fields;
}

// "2026-11-29 10:15:00" (Asterisk writes local time; floorguard's PBXs are set to UTC).
std::optional<core::WallTime> ParseCdrTime(std::string_view text) {
  if (text.size() != 19 || text[4] != '-' || text[7] != '-' || text[10] != ' ' || text[13] != ':' ||
      text[16] != ':') {
    return std::nullopt;
  }
  std::string iso(text);
  iso[10] = 'T';
  iso += "Z";
  core::WallTime t;
  if (!core::ParseRfc3339(iso, &t)) return std::nullopt;
  return t;
}

std::string DayOf(core::WallTime t) { return core::FormatRfc3339(t).substr(0, 10); }

}  // namespace

std::vector<Cdr> ParseMasterCsv(std::string_view text, std::vector<std::string>& errors) {
  std::vector<Cdr> out;
  size_t line_number = 0;
  while (!text.empty()) {
    const size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    ++line_number;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    auto bad = [&](std::string what) {
      errors.push_back("line " + std::to_string(line_number) + ": " + what);
    };
    auto fields = SplitCsv(line);
    if (!fields) {
      bad("unterminated quote");
      continue;
    }
    // accountcode,src,dst,dcontext,clid,channel,dstchannel,lastapp,lastdata,start,answer,end,
    // duration,billsec,disposition,amaflags[,uniqueid[,userfield]]
    if (fields->size() < 16) {
      bad("expected at least 16 columns, found " + std::to_string(fields->size()));
      continue;
    }
    const auto& f = *fields;
    Cdr cdr;
    cdr.source = f[1];
    cdr.destination = f[2];
    cdr.channel = f[5];
    cdr.destination_channel = f[6];
    auto start = ParseCdrTime(f[9]);
    auto finish = ParseCdrTime(f[11]);
    if (!start || !finish) {
      bad("start and end must be 'YYYY-MM-DD HH:MM:SS'");
      continue;
    }
    cdr.start = *start;
    cdr.end = *finish;
    if (!f[10].empty()) {
      auto answer = ParseCdrTime(f[10]);
      if (!answer) {
        bad("answer must be empty or 'YYYY-MM-DD HH:MM:SS'");
        continue;
      }
      cdr.answer = *answer;
    }
    char* stop = nullptr;
    const long long billsec = std::strtoll(f[13].c_str(), &stop, 10);
    if (f[13].empty() || *stop != '\0' || billsec < 0) {
      bad("billsec must be a whole number of seconds");
      continue;
    }
    cdr.billable_seconds = billsec;
    cdr.disposition = f[14];
    cdr.unique_id = f.size() > 16 && !f[16].empty()
                        ? f[16]
                        : f[1] + "|" + f[2] + "|" + f[9];  // no uniqueid column: derive one
    if (f.size() > 17) cdr.call_id = f[17];
    if (cdr.end < cdr.start) {
      bad("end is before start");
      continue;
    }
    out.push_back(std::move(cdr));
  }
  return out;
}

Result<CdrImport> Recordings::ImportCdrs(std::string_view actor, const std::vector<Cdr>& cdrs) {
  CdrImport result;
  for (size_t i = 0; i < cdrs.size(); ++i) {
    const Cdr& cdr = cdrs[i];
    if (cdr.unique_id.empty() || cdr.unique_id.size() > 200) {
      result.errors.push_back("record " + std::to_string(i + 1) + ": unique_id is required");
    } else if (cdr.end < cdr.start) {
      result.errors.push_back("record " + std::to_string(i + 1) + ": end is before start");
    }
  }
  if (!result.errors.empty() && result.errors.size() == cdrs.size()) return result;
  FG_RETURN_IF_ERROR(db_.Write([&](store::Connection& c) -> Result<void> {
    for (const Cdr& cdr : cdrs) {
      if (cdr.unique_id.empty() || cdr.unique_id.size() > 200 || cdr.end < cdr.start) continue;
      bool known = false;
      FG_RETURN_IF_ERROR(c.Exec("SELECT 1 FROM recording_cdrs WHERE unique_id = ?", {cdr.unique_id},
                                [&](const store::Row&) { known = true; }));
      if (known) {
        ++result.duplicates;
        continue;
      }
      // The captured call: by SIP Call-ID when the PBX gave it, else by numbers and a start
      // within ten seconds.
      std::optional<int64_t> call_row;
      const int64_t start = core::ToUnixMicros(cdr.start);
      if (!cdr.call_id.empty()) {
        FG_RETURN_IF_ERROR(
            c.Exec("SELECT id FROM recording_calls WHERE call_id = ? AND source = "
                   "'capture' ORDER BY id DESC LIMIT 1",
                   {cdr.call_id}, [&](const store::Row& r) { call_row = r.Int(0); }));
      }
      if (!call_row) {
        FG_RETURN_IF_ERROR(
            c.Exec("SELECT id FROM recording_calls WHERE source = 'capture' AND started_at BETWEEN "
                   "? AND ? "
                   "AND (from_number = ? OR to_number = ?) AND (to_number = ? OR from_number = ?) "
                   "AND id NOT IN (SELECT call_row FROM recording_cdrs WHERE call_row IS NOT NULL) "
                   "ORDER BY ABS(started_at - ?) LIMIT 1",
                   {start - 10'000'000, start + 10'000'000, cdr.source, cdr.source, cdr.destination,
                    cdr.destination, start},
                   [&](const store::Row& r) { call_row = r.Int(0); }));
      }
      if (call_row) {
        ++result.matched;
      } else {
        // A call the capture never saw: it enters the call list without a recording, so
        // the completeness report finds it.
        FG_RETURN_IF_ERROR(c.Exec(
            "INSERT INTO recording_calls (call_id, direction, from_number, to_number, started_at, "
            "answered_at, ended_at, end_reason, final_status, source) VALUES (?, 'unknown', ?, ?, "
            "?, ?, ?, ?, ?, 'cdr')",
            {cdr.call_id.empty() ? cdr.unique_id : cdr.call_id, cdr.source, cdr.destination, start,
             cdr.answer ? std::optional<int64_t>(core::ToUnixMicros(*cdr.answer)) : std::nullopt,
             core::ToUnixMicros(cdr.end), cdr.disposition == "ANSWERED" ? "bye" : "rejected",
             cdr.disposition == "ANSWERED" ? 200 : 0}));
        call_row = c.LastInsertRowId();
      }
      FG_RETURN_IF_ERROR(c.Exec(
          "INSERT INTO recording_cdrs (unique_id, call_row, source, destination, start_at, "
          "answer_at, end_at, billable_seconds, disposition) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
          {cdr.unique_id, call_row, cdr.source, cdr.destination, start,
           cdr.answer ? std::optional<int64_t>(core::ToUnixMicros(*cdr.answer)) : std::nullopt,
           core::ToUnixMicros(cdr.end), cdr.billable_seconds, cdr.disposition}));
      ++result.imported;
    }
    nlohmann::json details = {{"imported", result.imported},
                              {"matched", result.matched},
                              {"duplicates", result.duplicates},
                              {"errors", result.errors.size()}};
    return AuditIn(c, actor, "cdr.import", "cdrs", details);
  }));
  return result;
}

Result<CompletenessReport> Recordings::Completeness(core::WallTime from, core::WallTime to,
                                                    const CompletenessOptions& options) {
  if (to <= from) return InvalidArgument("to", "must be after from");
  if (to - from > std::chrono::hours(24 * 400)) {
    return InvalidArgument("to", "the range may span at most 400 days");
  }
  CompletenessReport report;
  std::map<std::pair<std::string, int64_t>, CompletenessDay> days;  // campaign -1 = none
  FG_RETURN_IF_ERROR(db_.Read([&](store::Connection& c) -> Result<void> {
    return c
        .Exec(
            "SELECT c.id, c.started_at, c.answered_at, c.ended_at, c.campaign_id, c.source, "
            "f.id, f.status, f.duration_ms, f.loss_pct, f.one_way FROM recording_calls c "
            "LEFT JOIN recording_files f ON f.call_row = c.id WHERE c.started_at >= ? AND "
            "c.started_at < ? AND c.answered_at IS NOT NULL AND c.ended_at IS NOT NULL "
            "ORDER BY c.id",
            {core::ToUnixMicros(from), core::ToUnixMicros(to)},
            [&](const store::Row& row) {
              const int64_t id = row.Int(0);
              const auto started = core::FromUnixMicros(row.Int(1));
              const int64_t answered_ms = row.Int(2) / 1000;
              const int64_t ended_ms = row.Int(3) / 1000;
              const int64_t campaign = row.OptInt(4).value_or(-1);
              auto& day = days[{DayOf(started), campaign}];
              day.day = DayOf(started);
              if (campaign >= 0) day.campaign_id = campaign;
              ++day.answered_calls;
              std::vector<CompletenessIssue> found;
              if (row.IsNull(6)) {
                found.push_back({id, row.TextView(5) == "cdr" ? "not captured" : "no recording",
                                 "answered call without a recording"});
              } else {
                const int64_t talk_ms = std::max<int64_t>(0, ended_ms - answered_ms);
                const int64_t recorded_ms = row.Int(8);
                if (row.TextView(7) == "incomplete") {
                  found.push_back({id, "recording incomplete", "the file has no final segment"});
                }
                if (talk_ms > 2000 && recorded_ms * 100 < talk_ms * options.min_coverage_pct) {
                  found.push_back({id, "recording shorter than call",
                                   std::to_string(recorded_ms / 1000) + " s of " +
                                       std::to_string(talk_ms / 1000) + " s"});
                }
                if (row.Int(10) != 0) {
                  found.push_back({id, "one-way audio", "audio in one direction only"});
                }
                if (row.Real(9) > options.max_loss_pct) {
                  char loss[32];
                  std::snprintf(loss, sizeof loss, "%.1f%% packets lost", row.Real(9));
                  found.push_back({id, "loss above threshold", loss});
                }
              }
              if (found.empty()) ++day.recorded_calls;
              for (auto& issue : found) report.issues.push_back(std::move(issue));
            })
        .transform([](int64_t) {});
  }));
  for (auto& [key, day] : days) {
    day.percent = day.answered_calls == 0 ? 100.0
                                          : 100.0 * static_cast<double>(day.recorded_calls) /
                                                static_cast<double>(day.answered_calls);
    report.days.push_back(day);
  }
  return report;
}

}  // namespace fg::recording
