// The directory's pure rules: how each field is normalised and checked, and the rules that
// tie a record's fields together. No storage here; the rules that need the database
// (uniqueness, references, cycles, deletes) live in the transaction code beside it.
// Every error is InvalidArgument naming the field, in the words the console shows.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/result.h"
#include "directory/directory.h"

namespace fg::directory::internal {

inline constexpr size_t kMaxNameChars = 200;
inline constexpr size_t kMaxEmployeeNumber = 32;
inline constexpr size_t kMaxWorkstationId = 64;
inline constexpr size_t kMaxTimezone = 64;
inline constexpr size_t kMaxEmail = 254;

// Trimmed; 1..200 characters; valid UTF-8 without control characters.
Result<std::string> CleanName(std::string_view field, std::string_view text);
// As CleanName, but empty is allowed.
Result<std::string> CleanText(std::string_view field, std::string_view text);
// Trimmed; empty becomes absent; otherwise 1..32 of [A-Za-z0-9-].
Result<std::optional<std::string>> CleanEmployeeNumber(const std::optional<std::string>& text);
// Trimmed; a real calendar date "YYYY-MM-DD".
Result<std::string> CleanDate(std::string_view field, std::string_view text);
// As CleanDate; empty becomes absent.
Result<std::optional<std::string>> CleanOptionalDate(std::string_view field,
                                                     const std::optional<std::string>& text);
// Trimmed; empty becomes absent; otherwise local@domain without spaces, at most 254 bytes.
Result<std::optional<std::string>> CleanEmail(const std::optional<std::string>& text);
// Trimmed and upper-cased; [A-Z0-9-]{2,32}.
Result<std::string> CleanCampaignCode(std::string_view text);
// Trimmed; [A-Za-z0-9._-]{1,64}.
Result<std::string> CleanWorkstationId(std::string_view text);
// Trimmed; an IANA-looking name: "UTC", "Europe/Lisbon", "America/Argentina/Buenos_Aires".
Result<std::string> CleanTimezone(std::string_view text);

// "YYYY-MM-DD" of `now` in UTC.
std::string DateOf(core::WallTime now);

// Normalises every field and applies the rules between them: an employee has an employee
// number; end_date is not before hire_date; a terminated person without end_date ends today.
Result<void> NormalisePerson(Person& person, std::string_view today);
Result<void> NormaliseCampaign(Campaign& campaign);
// expires_on, when present, is after completed_on.
Result<void> NormaliseTraining(TrainingRecord& training);
Result<void> NormaliseSite(Site& site);
Result<void> NormaliseZone(Zone& zone);
Result<void> NormaliseStation(Station& station);

// Whether a person of this kind may hold training records.
bool MayHoldTraining(PersonKind kind);

}  // namespace fg::directory::internal
