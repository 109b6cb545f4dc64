#include "access/decide.h"

#include <algorithm>
#include <charconv>

#include "access/credential.h"
#include "access/presence.h"

namespace fg::access {

namespace {

using directory::PersonKind;
using directory::PersonStatus;
using directory::ZoneClassification;

constexpr int64_t kMicrosPerDay = 86'400'000'000;

int32_t DayOf(core::WallTime t) {
  const int64_t us = core::ToUnixMicros(t);
  return static_cast<int32_t>(us >= 0 ? us / kMicrosPerDay
                                      : (us - kMicrosPerDay + 1) / kMicrosPerDay);
}

Decision Deny(Decision d, Reason reason) {
  d.verdict = Verdict::kDeny;
  d.reason = reason;
  return d;
}

int64_t FloorDiv(int64_t a, int64_t b) { return a >= 0 ? a / b : (a - b + 1) / b; }

// nullopt: open; otherwise the reason it is closed now.
std::optional<Reason> Closed(const Snapshot::Hours& hours, core::WallTime now) {
  if (hours.time_zone == nullptr) return Reason::kOutsideSchedule;  // fail closed
  const int64_t utc = FloorDiv(core::ToUnixMicros(now), 1'000'000);
  const int64_t local = utc + hours.time_zone->OffsetAt(utc);
  const auto day = static_cast<int32_t>(FloorDiv(local, 86'400));
  if (std::binary_search(hours.holidays.begin(), hours.holidays.end(), day)) {
    return Reason::kHoliday;
  }
  if (!hours.weekly.Covers(identity::SecondOfWeek(local))) return Reason::kOutsideSchedule;
  return std::nullopt;
}

// Whether `zone` is `enclosing` or lies inside it.
bool Within(const Snapshot& s, int64_t zone, int64_t enclosing) {
  for (int depth = 0; depth < 32; ++depth) {  // bounded: a cycle cannot hang a decision
    if (zone == enclosing) return true;
    auto it = s.zones.find(zone);
    if (it == s.zones.end() || !it->second.parent_id) return false;
    zone = *it->second.parent_id;
  }
  return false;
}

}  // namespace

std::string_view BadgeStatusName(BadgeStatus status) {
  switch (status) {
    case BadgeStatus::kActive:
      return "active";
    case BadgeStatus::kRevoked:
      return "revoked";
    case BadgeStatus::kLost:
      return "lost";
  }
  return "active";
}
std::optional<BadgeStatus> ParseBadgeStatus(std::string_view name) {
  if (name == "active") return BadgeStatus::kActive;
  if (name == "revoked") return BadgeStatus::kRevoked;
  if (name == "lost") return BadgeStatus::kLost;
  return std::nullopt;
}
std::string_view PassbackModeName(PassbackMode mode) {
  switch (mode) {
    case PassbackMode::kOff:
      return "off";
    case PassbackMode::kSoft:
      return "soft";
    case PassbackMode::kHard:
      return "hard";
  }
  return "off";
}
std::optional<PassbackMode> ParsePassbackMode(std::string_view name) {
  if (name == "off") return PassbackMode::kOff;
  if (name == "soft") return PassbackMode::kSoft;
  if (name == "hard") return PassbackMode::kHard;
  return std::nullopt;
}

std::string_view ReasonName(Reason reason) {
  switch (reason) {
    case Reason::kGranted:
      return "granted";
    case Reason::kUnknownReader:
      return "unknown_reader";
    case Reason::kMalformedCredential:
      return "malformed_credential";
    case Reason::kUnknownCredential:
      return "unknown_credential";
    case Reason::kBadgeRevoked:
      return "badge_revoked";
    case Reason::kBadgeLost:
      return "badge_lost";
    case Reason::kBadgeNotYetValid:
      return "badge_not_yet_valid";
    case Reason::kBadgeExpired:
      return "badge_expired";
    case Reason::kPersonNotActive:
      return "person_not_active";
    case Reason::kEscortRequired:
      return "escort_required";
    case Reason::kEmployeeRequired:
      return "employee_required";
    case Reason::kNotTrained:
      return "not_trained";
    case Reason::kNoGrant:
      return "no_grant";
    case Reason::kPassback:
      return "passback";
    case Reason::kPinRequired:
      return "pin_required";
    case Reason::kPinInvalid:
      return "pin_invalid";
    case Reason::kNotAssigned:
      return "not_assigned";
    case Reason::kOutsideSchedule:
      return "outside_schedule";
    case Reason::kHoliday:
      return "holiday";
  }
  return "unknown";
}

std::optional<int32_t> DayNumber(std::string_view date) {
  if (!core::IsValidDate(date)) return std::nullopt;
  int y = 0;
  unsigned m = 0, d = 0;
  std::from_chars(date.data(), date.data() + 4, y);
  std::from_chars(date.data() + 5, date.data() + 7, m);
  std::from_chars(date.data() + 8, date.data() + 10, d);
  // Howard Hinnant's days_from_civil.
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return static_cast<int32_t>(era * 146097 + static_cast<int>(doe) - 719468);
}

Decision DecideInMemory(const Snapshot& s, const PresenceTracker* presence,
                        const DecideRequest& request, core::WallTime now) {
  Decision d;
  d.snapshot_version = s.version;

  auto reader = s.readers.find(std::string_view(request.reader_id));
  if (reader == s.readers.end()) return Deny(std::move(d), Reason::kUnknownReader);
  d.door_id = reader->second.door_id;
  d.direction = reader->second.direction;
  d.from_zone_id = reader->second.from_zone_id;
  d.to_zone_id = reader->second.to_zone_id;

  auto credential = ParseCredential(request.credential);
  if (!credential) return Deny(std::move(d), Reason::kMalformedCredential);
  d.credential_key = credential->Key();

  auto badge_it = s.badges.find(std::string_view(d.credential_key));
  if (badge_it == s.badges.end()) return Deny(std::move(d), Reason::kUnknownCredential);
  const Snapshot::BadgeInfo& badge = badge_it->second;
  d.badge_id = badge.id;
  d.person_id = badge.person_id;
  if (badge.status == BadgeStatus::kRevoked) return Deny(std::move(d), Reason::kBadgeRevoked);
  if (badge.status == BadgeStatus::kLost) return Deny(std::move(d), Reason::kBadgeLost);
  if (badge.valid_from && now < *badge.valid_from) {
    return Deny(std::move(d), Reason::kBadgeNotYetValid);
  }
  if (badge.valid_until && now >= *badge.valid_until) {
    return Deny(std::move(d), Reason::kBadgeExpired);
  }

  auto zone_it = s.zones.find(d.to_zone_id);
  auto person_it = s.people.find(badge.person_id);
  // A zone or person deleted since the door or badge was made: fail closed.
  if (zone_it == s.zones.end()) return Deny(std::move(d), Reason::kUnknownReader);
  if (person_it == s.people.end()) return Deny(std::move(d), Reason::kPersonNotActive);
  const Snapshot::ZoneInfo& zone = zone_it->second;
  const Snapshot::PersonInfo& person = person_it->second;
  const bool public_zone = zone.classification == ZoneClassification::kPublic;

  if (zone.pin_required) {
    if (!request.pin || request.pin->empty() || badge.pin_hash.empty() || !s.pin_hash) {
      return Deny(std::move(d), Reason::kPinRequired);
    }
    // The hashes are keyed MACs of equal length; a timing difference reveals nothing usable.
    if (s.pin_hash(d.credential_key, *request.pin) != badge.pin_hash) {
      return Deny(std::move(d), Reason::kPinInvalid);
    }
  }

  if (person.status == PersonStatus::kSuspended || person.status == PersonStatus::kTerminated ||
      (person.kind == PersonKind::kApplicant && !public_zone)) {
    return Deny(std::move(d), Reason::kPersonNotActive);
  }

  const int64_t now_us = core::ToUnixMicros(now);
  auto has_grant = [&] {
    auto it = s.grants.find({badge.person_id, d.to_zone_id});
    if (it == s.grants.end()) return false;
    for (const auto& w : it->second) {
      if (w.from_us <= now_us && now_us < w.until_us) return true;
    }
    return false;
  };

  if (!public_zone) {
    if (person.kind != PersonKind::kEmployee) {
      if (!has_grant()) return Deny(std::move(d), Reason::kEscortRequired);
    } else {
      if (person.status != PersonStatus::kActive && person.status != PersonStatus::kHired) {
        return Deny(std::move(d), Reason::kEmployeeRequired);
      }
      if (zone.campaign_id) {
        if (!s.assignments.contains({badge.person_id, *zone.campaign_id})) {
          return Deny(std::move(d), Reason::kNotAssigned);
        }
        const int32_t today = DayOf(now);
        bool trained = false;
        auto it = s.trainings.find({badge.person_id, *zone.campaign_id});
        if (it != s.trainings.end()) {
          for (const auto& w : it->second) {
            if (w.from_day <= today && today < w.until_day) trained = true;
          }
        }
        if (!trained) return Deny(std::move(d), Reason::kNotTrained);
      }
      if (zone.classification == ZoneClassification::kRestricted && !has_grant()) {
        return Deny(std::move(d), Reason::kNoGrant);
      }
    }
  }

  if (zone.hours && d.direction == Direction::kEntry) {
    if (auto closed = Closed(*zone.hours, now)) return Deny(std::move(d), *closed);
  }

  const std::optional<int64_t> here =
      presence != nullptr ? presence->CurrentZone(badge.person_id) : std::nullopt;
  if (zone.passback != PassbackMode::kOff && here == d.to_zone_id) {
    if (zone.passback == PassbackMode::kHard) return Deny(std::move(d), Reason::kPassback);
    d.alerts.emplace_back("passback_soft");
  }
  if (presence != nullptr && d.direction == Direction::kEntry && zone.parent_id &&
      (!here || !Within(s, *here, *zone.parent_id))) {
    d.alerts.emplace_back("tailgate_suspected");
  }
  d.verdict = Verdict::kGrant;
  d.reason = Reason::kGranted;
  return d;
}

}  // namespace fg::access
