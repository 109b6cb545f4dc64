// The installation's own blocklist file (config key password.blocklist_file).
#include <algorithm>
#include <fstream>

#include "auth/internal/common_passwords.h"
#include "auth/password.h"

namespace fg::auth {

namespace {

constexpr std::string_view kField = "password.blocklist_file";
constexpr size_t kMinBaseWord = 4;

std::string LowerAscii(std::string_view text) {
  std::string out(text);
  for (char& ch : out) {
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
  }
  return out;
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) {
    text.remove_suffix(1);
  }
  return text;
}

}  // namespace

Result<Blocklist> Blocklist::LoadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return MakeError(ErrorCode::kNotFound, "cannot read the password blocklist " + path.string(),
                     std::string(kField));
  }
  std::string data(kMaxFileBytes + 1, '\0');
  in.read(data.data(), static_cast<std::streamsize>(data.size()));
  data.resize(static_cast<size_t>(in.gcount()));
  if (data.size() > kMaxFileBytes) {
    return InvalidArgument(std::string(kField), path.string() + " is larger than " +
                                                    std::to_string(kMaxFileBytes >> 20) + " MB");
  }
  std::vector<std::string> entries;
  std::string_view rest = data;
  size_t line_number = 0;
  while (!rest.empty()) {
    ++line_number;
    size_t end = rest.find('\n');
    std::string_view line = rest.substr(0, end);
    rest.remove_prefix(end == std::string_view::npos ? rest.size() : end + 1);
    line = Trim(line);
    if (line.empty() || line.front() == '#') continue;
    auto where = [&] { return path.string() + " line " + std::to_string(line_number) + ": "; };
    if (CountCodePoints(line) < 0)
      return InvalidArgument(std::string(kField), where() + "is not valid UTF-8");
    if (std::any_of(line.begin(), line.end(), [](char ch) {
          auto byte = static_cast<unsigned char>(ch);
          return byte < 0x20 || byte == 0x7f;
        })) {
      return InvalidArgument(std::string(kField), where() + "contains a control character");
    }
    entries.push_back(LowerAscii(line));
  }
  return FromEntries(std::move(entries));
}

Blocklist Blocklist::FromEntries(std::vector<std::string> entries) {
  Blocklist list;
  for (std::string& entry : entries) entry = LowerAscii(entry);
  std::erase_if(entries, [](const std::string& entry) { return entry.empty(); });
  std::sort(entries.begin(), entries.end());
  entries.erase(std::unique(entries.begin(), entries.end()), entries.end());
  list.entries_ = std::move(entries);
  return list;
}

bool Blocklist::Contains(std::string_view word) const {
  return std::binary_search(entries_.begin(), entries_.end(), word,
                            [](std::string_view a, std::string_view b) { return a < b; });
}

bool Blocklist::Matches(std::string_view lowercase) const {
  if (entries_.empty()) return false;
  if (Contains(lowercase)) return true;
  return internal::IsDressedWord(lowercase, [this](std::string_view word) {
    return word.size() >= kMinBaseWord && Contains(word);
  });
}

size_t BuiltinBlocklistSize() { return internal::BuiltinBlocklistSize(); }

}  // namespace fg::auth
