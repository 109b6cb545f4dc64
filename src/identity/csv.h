// CSV exports of identity's reports (RFC 4180), safe to open in a spreadsheet.
//
// What it decides: how a cell is written. Fields with a comma, a quote, CR or LF are quoted
// with quotes doubled; lines end in CRLF. A cell that a spreadsheet would run as a formula
// (starting with =, +, -, @, a tab or CR) gets a leading apostrophe (OWASP, CSV injection):
// usernames and reasons come from outside.
// What it never does: write a secret (the reports hold none).
// Thread-safety: pure functions.
//
//   std::string csv = identity::FloorViewCsv(*identity.FloorView());
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "identity/identity.h"

namespace fg::identity {

// One cell, neutralised and quoted as needed.
std::string CsvCell(std::string_view value);

class CsvWriter {
 public:
  void Row(std::initializer_list<std::string_view> cells);
  void Row(const std::vector<std::string>& cells);
  const std::string& text() const { return text_; }

 private:
  std::string text_;
};

std::string FloorViewCsv(const std::vector<FloorZone>& zones);
std::string SessionsCsv(const std::vector<StationSession>& sessions);
std::string LogonAttemptsCsv(const std::vector<LogonAttempt>& attempts);
std::string LockedAccountsCsv(const std::vector<LockedAccount>& accounts);

}  // namespace fg::identity
