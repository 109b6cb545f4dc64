// Builders of test documents: zip (and the office formats on it), gzip, UTF-16, mbox, PDF.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace fg::scan::testing {

inline constexpr char kTestPan[] = "4111 1111 1111 1111";
inline constexpr char kTestPanDigits[] = "4111111111111111";

using Entries = std::vector<std::pair<std::string, std::string>>;  // name, content

std::string Zip(const Entries& entries);
std::string Gzip(const std::string& content);
std::string Utf16(const std::string& ascii, bool little_endian);  // with its BOM
std::string Docx(const std::string& paragraph_xml);               // the inner XML of <w:body>
std::string Xlsx(const std::string& shared_string, const std::string& sheet_cells);
std::string Odt(const std::string& paragraph);
// A one-page PDF showing each line of `lines` (ASCII) with Helvetica.
std::string Pdf(const std::vector<std::string>& lines);
std::string Base64(const std::string& bytes);

// True when `output` holds the PAN in plain or separated form.
bool HoldsFullPan(const std::string& output);

}  // namespace fg::scan::testing
