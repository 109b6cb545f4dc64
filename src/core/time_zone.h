// core/time_zone: a small reader of TZif time zone files (RFC 8536), enough to answer "what is the
// UTC offset of this zone at this instant". g++ 12's libstdc++ has no std::chrono::tzdb, and
// setenv("TZ") + localtime_r changes process-wide state, so floorguard reads the files itself
// (identity: off-shift logons; access: zone schedules).
//
// What it reads: the version 2+ 64-bit block (the 32-bit block of a version 1 file), and the
// footer's POSIX TZ string for instants after the last transition, with rules in all three
// forms (Mm.w.d, Jn, n). A footer it cannot parse is ignored: the last transition's offset
// then holds for ever (wrong across later daylight-saving changes, right for zones without).
// Leap-second records are skipped: zoneinfo's "right/" zones are not supported.
// Thread-safety: TimeZone is immutable; TimeZones (the cache) is thread-safe.
//
//   internal::TimeZones zones;
//   FG_ASSIGN_OR_RETURN(auto zone, zones.Get("America/Chicago"));
//   int64_t local = unix_seconds + zone->OffsetAt(unix_seconds);
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace fg::core {

inline constexpr std::string_view kZoneinfoDir = "/usr/share/zoneinfo";

// An IANA zone name safe to join to a directory: 1..64 of [A-Za-z0-9_+-/], no "." at all (so
// no ".." and no hidden file), no leading '/', no empty segment.
bool IsValidZoneName(std::string_view name);

class TimeZone {
 public:
  // Parses the bytes of a TZif file. InvalidArgument("tzif", ...) when they are not one.
  static Result<TimeZone> Parse(std::string_view data);
  // Reads <dir>/<name>. InvalidArgument("timezone") for a bad name, NotFound for a missing
  // file, InvalidArgument("tzif") for a file that is not TZif.
  static Result<TimeZone> Load(
      std::string_view name,
      const std::filesystem::path& dir = std::filesystem::path(std::string(kZoneinfoDir)));

  // Seconds to add to UTC to get local time at the instant (Chicago in winter: -21600).
  int64_t OffsetAt(int64_t unix_seconds) const;

  // A POSIX TZ rule's date: Mm.w.d, Jn (1..365, no Feb 29) or n (0..365).
  struct RuleDate {
    enum class Kind { kMonthWeekDay, kJulianNoLeap, kJulianZero };
    Kind kind = Kind::kMonthWeekDay;
    int month = 0, week = 0, weekday = 0, day = 0;
    int64_t time = 7200;  // seconds after local midnight (may be negative or past 24h)
  };
  // The footer, e.g. "CST6CDT,M3.2.0,M11.1.0".
  struct Posix {
    int64_t std_offset = 0;             // seconds east of UTC
    std::optional<int64_t> dst_offset;  // none: no daylight saving time
    RuleDate start, end;                // meaningful with dst_offset
  };
  // Parses a POSIX TZ string; nullopt when it is not one this reader understands.
  static std::optional<Posix> ParsePosix(std::string_view text);

 private:
  std::vector<int64_t> transitions_;   // ascending
  std::vector<uint8_t> type_indices_;  // per transition
  std::vector<int32_t> type_offsets_;  // per local time type
  std::optional<Posix> footer_;
};

// Zones by name, each file read once. A failure is remembered too (so a bad name costs no
// file read per call) and reported in the log once; restart to pick up installed tzdata.
class TimeZones {
 public:
  explicit TimeZones(std::filesystem::path dir = std::filesystem::path(std::string(kZoneinfoDir)))
      : dir_(std::move(dir)) {}
  Result<std::shared_ptr<const TimeZone>> Get(std::string_view name);

 private:
  std::filesystem::path dir_;
  std::mutex mutex_;
  std::map<std::string, Result<std::shared_ptr<const TimeZone>>, std::less<>> zones_;
};

}  // namespace fg::core
