#include "directory/internal/rules.h"

#include <cstdint>

namespace fg::directory::internal {

namespace {

std::string_view Trim(std::string_view text) {
  constexpr std::string_view kSpace = " \t\n\r\f\v";
  size_t begin = text.find_first_not_of(kSpace);
  if (begin == std::string_view::npos) return {};
  size_t end = text.find_last_not_of(kSpace);
  return text.substr(begin, end - begin + 1);
}

bool IsAsciiAlnum(char ch) {
  return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');
}

// Counts the code points of well-formed UTF-8 without control characters (C0, DEL, C1).
// Returns nullopt with *why set when the text is not.
std::optional<size_t> CountCharacters(std::string_view text, std::string* why) {
  size_t count = 0;
  size_t i = 0;
  while (i < text.size()) {
    auto byte = static_cast<unsigned char>(text[i]);
    uint32_t cp = 0;
    size_t len = 0;
    if (byte < 0x80) {
      cp = byte;
      len = 1;
    } else if ((byte & 0xE0) == 0xC0) {
      cp = byte & 0x1F;
      len = 2;
    } else if ((byte & 0xF0) == 0xE0) {
      cp = byte & 0x0F;
      len = 3;
    } else if ((byte & 0xF8) == 0xF0) {
      cp = byte & 0x07;
      len = 4;
    } else {
      *why = "must be valid UTF-8";
      return std::nullopt;
    }
    if (i + len > text.size()) {
      *why = "must be valid UTF-8";
      return std::nullopt;
    }
    for (size_t k = 1; k < len; ++k) {
      auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) {
        *why = "must be valid UTF-8";
        return std::nullopt;
      }
      cp = (cp << 6) | (next & 0x3F);
    }
    static constexpr uint32_t kMinForLength[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMinForLength[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      *why = "must be valid UTF-8";
      return std::nullopt;
    }
    if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F)) {
      *why = "must not contain control characters";
      return std::nullopt;
    }
    ++count;
    i += len;
  }
  return count;
}

Result<std::string> CleanTextImpl(std::string_view field, std::string_view text, bool allow_empty) {
  std::string_view trimmed = Trim(text);
  if (trimmed.empty() && !allow_empty)
    return InvalidArgument(std::string(field), "must not be empty");
  std::string why;
  auto chars = CountCharacters(trimmed, &why);
  if (!chars) return InvalidArgument(std::string(field), why);
  if (*chars > kMaxNameChars) {
    return InvalidArgument(std::string(field),
                           "must be at most " + std::to_string(kMaxNameChars) + " characters");
  }
  return std::string(trimmed);
}

}  // namespace

Result<std::string> CleanName(std::string_view field, std::string_view text) {
  return CleanTextImpl(field, text, /*allow_empty=*/false);
}

Result<std::string> CleanText(std::string_view field, std::string_view text) {
  return CleanTextImpl(field, text, /*allow_empty=*/true);
}

Result<std::optional<std::string>> CleanEmployeeNumber(const std::optional<std::string>& text) {
  if (!text) return std::optional<std::string>();
  std::string_view trimmed = Trim(*text);
  if (trimmed.empty()) return std::optional<std::string>();
  bool ok = trimmed.size() <= kMaxEmployeeNumber;
  for (char ch : trimmed) ok = ok && (IsAsciiAlnum(ch) || ch == '-');
  if (!ok) {
    return InvalidArgument("employee_number",
                           "must be 1 to 32 letters, digits or hyphens (like E1001)");
  }
  return std::optional<std::string>(std::string(trimmed));
}

Result<std::string> CleanDate(std::string_view field, std::string_view text) {
  std::string_view trimmed = Trim(text);
  if (!core::IsValidDate(trimmed)) {
    return InvalidArgument(std::string(field), "must be a real calendar date YYYY-MM-DD");
  }
  return std::string(trimmed);
}

Result<std::optional<std::string>> CleanOptionalDate(std::string_view field,
                                                     const std::optional<std::string>& text) {
  if (!text || Trim(*text).empty()) return std::optional<std::string>();
  FG_ASSIGN_OR_RETURN(std::string date, CleanDate(field, *text));
  return std::optional<std::string>(std::move(date));
}

Result<std::optional<std::string>> CleanEmail(const std::optional<std::string>& text) {
  if (!text) return std::optional<std::string>();
  std::string_view trimmed = Trim(*text);
  if (trimmed.empty()) return std::optional<std::string>();
  size_t at = trimmed.find('@');
  bool ok = trimmed.size() <= kMaxEmail && at != std::string_view::npos && at > 0 &&
            at + 1 < trimmed.size() && trimmed.find('@', at + 1) == std::string_view::npos;
  for (char ch : trimmed) {
    auto byte = static_cast<unsigned char>(ch);
    ok = ok && byte > 0x20 && byte != 0x7F;
  }
  std::string why;
  if (ok && !CountCharacters(trimmed, &why)) ok = false;
  if (!ok) return InvalidArgument("email", "must be an address like name@example.com");
  return std::optional<std::string>(std::string(trimmed));
}

Result<std::string> CleanCampaignCode(std::string_view text) {
  std::string code(Trim(text));
  bool ok = code.size() >= 2 && code.size() <= 32;
  for (char& ch : code) {
    if (ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 'a' + 'A');
    ok = ok && (IsAsciiAlnum(ch) || ch == '-');
  }
  if (!ok) {
    return InvalidArgument("code", "must be 2 to 32 letters, digits or hyphens (like ACME-CARE)");
  }
  return code;
}

Result<std::string> CleanWorkstationId(std::string_view text) {
  std::string_view trimmed = Trim(text);
  bool ok = !trimmed.empty() && trimmed.size() <= kMaxWorkstationId;
  for (char ch : trimmed) ok = ok && (IsAsciiAlnum(ch) || ch == '.' || ch == '_' || ch == '-');
  if (!ok) {
    return InvalidArgument("workstation_id",
                           "must be 1 to 64 letters, digits, dots, underscores or hyphens");
  }
  return std::string(trimmed);
}

Result<std::string> CleanTimezone(std::string_view text) {
  std::string_view trimmed = Trim(text);
  // Segments separated by '/', each starting with a letter (the first) or a letter or
  // digit (the rest), then letters, digits, '_', '+' or '-'.
  bool ok = !trimmed.empty() && trimmed.size() <= kMaxTimezone;
  bool segment_start = true;
  bool first_segment = true;
  for (char ch : trimmed) {
    if (!ok) break;
    if (ch == '/') {
      ok = !segment_start;
      segment_start = true;
      first_segment = false;
      continue;
    }
    if (segment_start) {
      bool letter = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z');
      ok = first_segment ? letter : IsAsciiAlnum(ch);
      segment_start = false;
      continue;
    }
    ok = IsAsciiAlnum(ch) || ch == '_' || ch == '+' || ch == '-';
  }
  if (!ok || segment_start) {
    return InvalidArgument("timezone", "must be an IANA time zone name like Europe/Lisbon or UTC");
  }
  return std::string(trimmed);
}

std::string DateOf(core::WallTime now) { return core::FormatRfc3339(now).substr(0, 10); }

bool MayHoldTraining(PersonKind kind) {
  return kind == PersonKind::kEmployee || kind == PersonKind::kContractor;
}

Result<void> NormalisePerson(Person& person, std::string_view today) {
  FG_ASSIGN_OR_RETURN(person.name, CleanName("name", person.name));
  FG_ASSIGN_OR_RETURN(person.employee_number, CleanEmployeeNumber(person.employee_number));
  if (person.kind == PersonKind::kEmployee && !person.employee_number) {
    return InvalidArgument("employee_number", "is required for employees");
  }
  FG_ASSIGN_OR_RETURN(person.hire_date, CleanOptionalDate("hire_date", person.hire_date));
  FG_ASSIGN_OR_RETURN(person.end_date, CleanOptionalDate("end_date", person.end_date));
  if (person.status == PersonStatus::kTerminated && !person.end_date) {
    person.end_date = std::string(today);
  }
  if (person.hire_date && person.end_date && *person.end_date < *person.hire_date) {
    return InvalidArgument("end_date", "must not be before hire_date (" + *person.hire_date + ")");
  }
  FG_ASSIGN_OR_RETURN(person.company, CleanText("company", person.company));
  FG_ASSIGN_OR_RETURN(person.email, CleanEmail(person.email));
  return {};
}

Result<void> NormaliseCampaign(Campaign& campaign) {
  FG_ASSIGN_OR_RETURN(campaign.code, CleanCampaignCode(campaign.code));
  FG_ASSIGN_OR_RETURN(campaign.name, CleanName("name", campaign.name));
  FG_ASSIGN_OR_RETURN(campaign.client, CleanText("client", campaign.client));
  return {};
}

Result<void> NormaliseTraining(TrainingRecord& training) {
  FG_ASSIGN_OR_RETURN(training.completed_on, CleanDate("completed_on", training.completed_on));
  FG_ASSIGN_OR_RETURN(training.expires_on, CleanOptionalDate("expires_on", training.expires_on));
  if (training.expires_on && *training.expires_on <= training.completed_on) {
    return InvalidArgument("expires_on",
                           "must be after completed_on (" + training.completed_on + ")");
  }
  return {};
}

Result<void> NormaliseSite(Site& site) {
  FG_ASSIGN_OR_RETURN(site.name, CleanName("name", site.name));
  FG_ASSIGN_OR_RETURN(site.timezone, CleanTimezone(site.timezone));
  return {};
}

Result<void> NormaliseZone(Zone& zone) {
  FG_ASSIGN_OR_RETURN(zone.name, CleanName("name", zone.name));
  return {};
}

Result<void> NormaliseStation(Station& station) {
  FG_ASSIGN_OR_RETURN(station.workstation_id, CleanWorkstationId(station.workstation_id));
  return {};
}

}  // namespace fg::directory::internal
