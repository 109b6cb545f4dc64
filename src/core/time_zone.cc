#include "core/time_zone.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iterator>

namespace fg::core {

namespace {

constexpr size_t kMaxZoneName = 64;
constexpr std::uintmax_t kMaxFileBytes = 1 << 20;  // real ones are a few KiB
constexpr size_t kHeaderBytes = 44;
constexpr int64_t kDay = 86400;

tl::unexpected<Error> NotTzif(std::string why) {
  return InvalidArgument("tzif", "not a TZif file: " + why);
}

class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}
  bool Has(size_t n) const { return n <= data_.size() - pos_; }
  size_t pos() const { return pos_; }
  void Skip(size_t n) { pos_ += n; }
  std::string_view Rest() const { return data_.substr(pos_); }
  uint8_t Byte() { return static_cast<uint8_t>(data_[pos_++]); }
  uint32_t U32() {
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v = (v << 8) | Byte();
    return v;
  }
  int64_t I64() {
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = (v << 8) | Byte();
    return static_cast<int64_t>(v);
  }

 private:
  std::string_view data_;
  size_t pos_ = 0;
};

struct Header {
  char version = 0;
  uint32_t isutcnt = 0, isstdcnt = 0, leapcnt = 0, timecnt = 0, typecnt = 0, charcnt = 0;
};

Result<Header> ReadHeader(Reader& r) {
  if (!r.Has(kHeaderBytes) || !r.Rest().starts_with("TZif")) return NotTzif("no TZif header");
  Header h;
  r.Skip(4);
  h.version = static_cast<char>(r.Byte());
  if (h.version != 0 && (h.version < '2' || h.version > '9')) return NotTzif("unknown version");
  r.Skip(15);
  h.isutcnt = r.U32();
  h.isstdcnt = r.U32();
  h.leapcnt = r.U32();
  h.timecnt = r.U32();
  h.typecnt = r.U32();
  h.charcnt = r.U32();
  // Bounds before any multiplication: the counts come from a file.
  if (h.typecnt == 0 || h.typecnt > 256 || h.timecnt > 100000 || h.leapcnt > 100000 ||
      h.charcnt > 100000 || (h.isutcnt != 0 && h.isutcnt != h.typecnt) ||
      (h.isstdcnt != 0 && h.isstdcnt != h.typecnt)) {
    return NotTzif("implausible counts");
  }
  return h;
}

size_t BlockBytes(const Header& h, size_t time_size) {
  return h.timecnt * time_size + h.timecnt + h.typecnt * 6 + h.charcnt +
         h.leapcnt * (time_size + 4) + h.isstdcnt + h.isutcnt;
}

// --- POSIX TZ strings ---

class PosixParser {
 public:
  explicit PosixParser(std::string_view text) : text_(text) {}
  bool Done() const { return pos_ == text_.size(); }
  bool Peek(char ch) const { return pos_ < text_.size() && text_[pos_] == ch; }
  bool PeekDigitOrSign() const {
    if (pos_ >= text_.size()) return false;
    char ch = text_[pos_];
    return (ch >= '0' && ch <= '9') || ch == '+' || ch == '-';
  }
  bool Eat(char ch) {
    if (!Peek(ch)) return false;
    ++pos_;
    return true;
  }
  // "<+0530>" or "CST": at least three characters.
  bool Name() {
    if (Eat('<')) {
      size_t start = pos_;
      while (pos_ < text_.size() && text_[pos_] != '>') ++pos_;
      if (pos_ >= text_.size() || pos_ - start < 3) return false;
      ++pos_;
      return true;
    }
    size_t start = pos_;
    while (pos_ < text_.size() && ((text_[pos_] >= 'A' && text_[pos_] <= 'Z') ||
                                   (text_[pos_] >= 'a' && text_[pos_] <= 'z'))) {
      ++pos_;
    }
    return pos_ - start >= 3;
  }
  std::optional<int64_t> Number(int64_t max) {
    size_t start = pos_;
    int64_t v = 0;
    while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9' && pos_ - start < 4) {
      v = v * 10 + (text_[pos_] - '0');
      ++pos_;
    }
    if (pos_ == start || v > max) return std::nullopt;
    return v;
  }
  // [+-]hh[:mm[:ss]] in seconds, sign as written.
  std::optional<int64_t> Duration(int64_t max_hours) {
    int64_t sign = 1;
    if (Eat('-')) {
      sign = -1;
    } else {
      Eat('+');
    }
    auto hours = Number(max_hours);
    if (!hours) return std::nullopt;
    int64_t seconds = *hours * 3600;
    if (Eat(':')) {
      auto minutes = Number(59);
      if (!minutes) return std::nullopt;
      seconds += *minutes * 60;
      if (Eat(':')) {
        auto secs = Number(59);
        if (!secs) return std::nullopt;
        seconds += *secs;
      }
    }
    return sign * seconds;
  }
  std::optional<TimeZone::RuleDate> Date() {
    using Kind = TimeZone::RuleDate::Kind;
    TimeZone::RuleDate date;
    if (Eat('M')) {
      auto month = Number(12);
      if (!month || *month < 1 || !Eat('.')) return std::nullopt;
      auto week = Number(5);
      if (!week || *week < 1 || !Eat('.')) return std::nullopt;
      auto weekday = Number(6);
      if (!weekday) return std::nullopt;
      date.kind = Kind::kMonthWeekDay;
      date.month = static_cast<int>(*month);
      date.week = static_cast<int>(*week);
      date.weekday = static_cast<int>(*weekday);
    } else if (Eat('J')) {
      auto day = Number(365);
      if (!day || *day < 1) return std::nullopt;
      date.kind = Kind::kJulianNoLeap;
      date.day = static_cast<int>(*day);
    } else {
      auto day = Number(365);
      if (!day) return std::nullopt;
      date.kind = Kind::kJulianZero;
      date.day = static_cast<int>(*day);
    }
    if (Eat('/')) {
      auto time = Duration(167);  // RFC 8536 extends POSIX's 24 to 167 hours
      if (!time) return std::nullopt;
      date.time = *time;
    }
    return date;
  }

 private:
  std::string_view text_;
  size_t pos_ = 0;
};

// Days since 1970-01-01 of the rule's date in `year`.
int64_t RuleDay(const TimeZone::RuleDate& date, int year) {
  using namespace std::chrono;
  using Kind = TimeZone::RuleDate::Kind;
  std::chrono::year y{year};
  int64_t jan1 = sys_days(y / January / 1).time_since_epoch().count();
  switch (date.kind) {
    case Kind::kJulianNoLeap:
      return jan1 + date.day - 1 + (y.is_leap() && date.day >= 60 ? 1 : 0);
    case Kind::kJulianZero:
      return jan1 + date.day;
    case Kind::kMonthWeekDay:
      break;
  }
  std::chrono::month m{static_cast<unsigned>(date.month)};
  std::chrono::weekday wd{static_cast<unsigned>(date.weekday)};
  if (date.week == 5) return sys_days(y / m / wd[last]).time_since_epoch().count();
  return sys_days(y / m / wd[static_cast<unsigned>(date.week)]).time_since_epoch().count();
}

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

int YearOf(int64_t unix_seconds) {
  using namespace std::chrono;
  year_month_day ymd{sys_days(days(FloorDiv(unix_seconds, kDay)))};
  return static_cast<int>(ymd.year());
}

int64_t PosixOffsetAt(const TimeZone::Posix& rule, int64_t t) {
  if (!rule.dst_offset) return rule.std_offset;
  int year = YearOf(t + rule.std_offset);
  int64_t start = RuleDay(rule.start, year) * kDay + rule.start.time - rule.std_offset;
  int64_t end = RuleDay(rule.end, year) * kDay + rule.end.time - *rule.dst_offset;
  bool dst = start < end ? (t >= start && t < end) : !(t >= end && t < start);
  return dst ? *rule.dst_offset : rule.std_offset;
}

}  // namespace

bool IsValidZoneName(std::string_view name) {
  if (name.empty() || name.size() > kMaxZoneName || name.front() == '/' || name.back() == '/') {
    return false;
  }
  char previous = 0;
  for (char ch : name) {
    bool ok = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
              ch == '_' || ch == '+' || ch == '-' || ch == '/';
    if (!ok || (ch == '/' && previous == '/')) return false;
    previous = ch;
  }
  return true;
}

std::optional<TimeZone::Posix> TimeZone::ParsePosix(std::string_view text) {
  PosixParser p(text);
  Posix rule;
  if (!p.Name()) return std::nullopt;
  auto std_offset = p.Duration(24);
  if (!std_offset) return std::nullopt;
  rule.std_offset = -*std_offset;  // POSIX counts west of Greenwich as positive
  if (p.Done()) return rule;
  if (!p.Name()) return std::nullopt;
  rule.dst_offset = rule.std_offset + 3600;
  if (p.PeekDigitOrSign()) {
    auto dst = p.Duration(24);
    if (!dst) return std::nullopt;
    rule.dst_offset = -*dst;
  }
  // Without a rule POSIX leaves the dates to the implementation: not understood here.
  if (!p.Eat(',')) return std::nullopt;
  auto start = p.Date();
  if (!start || !p.Eat(',')) return std::nullopt;
  auto end = p.Date();
  if (!end || !p.Done()) return std::nullopt;
  rule.start = *start;
  rule.end = *end;
  return rule;
}

Result<TimeZone> TimeZone::Parse(std::string_view data) {
  Reader r(data);
  FG_ASSIGN_OR_RETURN(Header h, ReadHeader(r));
  size_t time_size = 4;
  if (h.version != 0) {
    // Skip the 32-bit block: the second header and its 64-bit data follow.
    size_t v1 = BlockBytes(h, 4);
    if (!r.Has(v1)) return NotTzif("truncated version 1 block");
    r.Skip(v1);
    FG_ASSIGN_OR_RETURN(h, ReadHeader(r));
    time_size = 8;
  }
  if (!r.Has(BlockBytes(h, time_size))) return NotTzif("truncated data block");
  TimeZone zone;
  zone.transitions_.reserve(h.timecnt);
  for (uint32_t i = 0; i < h.timecnt; ++i) {
    int64_t t = time_size == 8 ? r.I64() : static_cast<int32_t>(r.U32());
    if (!zone.transitions_.empty() && t <= zone.transitions_.back()) {
      return NotTzif("transition times not ascending");
    }
    zone.transitions_.push_back(t);
  }
  zone.type_indices_.reserve(h.timecnt);
  for (uint32_t i = 0; i < h.timecnt; ++i) {
    uint8_t index = r.Byte();
    if (index >= h.typecnt) return NotTzif("transition to an unknown local time type");
    zone.type_indices_.push_back(index);
  }
  for (uint32_t i = 0; i < h.typecnt; ++i) {
    auto offset = static_cast<int32_t>(r.U32());
    r.Skip(2);  // isdst, designation index: not needed for an offset
    // RFC 8536: -2^31 is invalid; anything beyond a day is nonsense.
    if (offset < -26 * 3600 || offset > 26 * 3600) return NotTzif("implausible UTC offset");
    zone.type_offsets_.push_back(offset);
  }
  r.Skip(h.charcnt + h.leapcnt * (time_size + 4) + h.isstdcnt + h.isutcnt);
  if (time_size == 8) {
    std::string_view rest = r.Rest();
    if (rest.size() >= 2 && rest.front() == '\n') {
      size_t end = rest.find('\n', 1);
      if (end != std::string_view::npos) zone.footer_ = ParsePosix(rest.substr(1, end - 1));
    }
  }
  return zone;
}

Result<TimeZone> TimeZone::Load(std::string_view name, const std::filesystem::path& dir) {
  if (!IsValidZoneName(name)) {
    return InvalidArgument("timezone", "'" + std::string(name.substr(0, kMaxZoneName)) +
                                           "' is not a valid time zone name");
  }
  std::filesystem::path path = dir / std::string(name);
  std::error_code ec;
  bool regular = std::filesystem::is_regular_file(path, ec);
  if (ec || !regular) return NotFound("time zone '" + std::string(name) + "' is not installed");
  std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec || size > kMaxFileBytes) {
    return InvalidArgument("tzif", "time zone file for '" + std::string(name) + "' is too big");
  }
  std::ifstream in(path, std::ios::binary);
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) {
    return NotFound("time zone '" + std::string(name) + "' could not be read");
  }
  return Parse(data);
}

int64_t TimeZone::OffsetAt(int64_t unix_seconds) const {
  if (transitions_.empty() || unix_seconds >= transitions_.back()) {
    if (footer_) return PosixOffsetAt(*footer_, unix_seconds);
    if (transitions_.empty()) return type_offsets_.front();
    return type_offsets_[type_indices_.back()];
  }
  auto after = std::upper_bound(transitions_.begin(), transitions_.end(), unix_seconds);
  // Before the first transition the first local time type holds (RFC 8536 section 3.2).
  if (after == transitions_.begin()) return type_offsets_.front();
  return type_offsets_[type_indices_[static_cast<size_t>(after - transitions_.begin() - 1)]];
}

Result<std::shared_ptr<const TimeZone>> TimeZones::Get(std::string_view name) {
  std::lock_guard lock(mutex_);
  if (auto found = zones_.find(name); found != zones_.end()) return found->second;
  Result<std::shared_ptr<const TimeZone>> loaded =
      TimeZone::Load(name, dir_).transform([](TimeZone zone) {
        return std::make_shared<const TimeZone>(std::move(zone));
      });
  if (!loaded) {
    spdlog::warn(
        "identity: time zone '{}' is unusable ({}); off-shift logons at its sites are "
        "not flagged",
        name.substr(0, kMaxZoneName), loaded.error().message);
  }
  // Bounded: names come from the directory's sites, and bad ones are cached once each.
  if (zones_.size() < 1024) zones_.emplace(std::string(name), loaded);
  return loaded;
}

}  // namespace fg::core
