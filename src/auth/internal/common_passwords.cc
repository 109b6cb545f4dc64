// Two lists compiled in. A small hand-made one: the passwords that top every breach corpus
// and the base words people dress up to pass length rules (including short ones such as
// "abc" and "qwe"). A large generated one (scripts/gen_blocklist.py, ~94k entries from
// john-data and zxcvbn's frequency lists): whole candidates are looked up in it, and its
// entries of 4 characters or more serve as base words too. Shorter entries of the large list
// are not base words: "Xq7#cat#9pL" must not be refused because "cat" is an English word.
#include "auth/internal/common_passwords.h"

#include <algorithm>
#include <array>
#include <string>
#include <vector>

namespace fg::auth::internal {

// Defined in the generated blocklist_data.cc.
extern const std::size_t kBlocklistCount;
extern const std::string_view kBlocklistBlob;

namespace {

constexpr size_t kMinListedBaseWord = 4;

// Whole passwords of 12 characters or more (shorter ones fail the length rule anyway),
// lower-case. Sorted at first use.
constexpr std::array kCommonPasswords = std::to_array<std::string_view>({
    "!qaz2wsx#edc",     "!qaz@wsx#edc",     "0987654321qwerty",    "1029384756qp",
    "1111111111111",    "111222333444",     "112233445566",        "1122334455667788",
    "11223344qwer",     "1234567890-=",     "1234567890qwerty",    "1234qwerasdf",
    "1234qwerasdfzxcv", "123abc123abc",     "123qweasdzxc",        "123qwe123qwe",
    "147258369147",     "147258369abc",     "159357159357",        "1a2b3c4d5e6f",
    "1q2w3e4r5t6y",     "1q2w3e4r5t6y7u",   "1q2w3e4r5t6y7u8i",    "1qa2ws3ed4rf",
    "1qaz!qaz1qaz",     "1qaz1qaz1qaz",     "1qaz2wsx3edc",        "1qaz2wsx3edc4rfv",
    "1qaz@wsx#edc",     "1qazxsw23edc",     "2wsx3edc4rfv",        "321654987321",
    "369258147369",     "456123456123",     "741852963741",        "789456123789",
    "a1b2c3d4e5f6",     "a1s2d3f4g5h6",     "aa123456789a",        "abc123abc123",
    "abcd1234abcd",     "abcd1234efgh",     "abcdefg12345",        "asdf1234asdf",
    "asdfasdfasdf",     "asdfghjkl123",     "asdfghjkl;'",         "asdfjkl;asdf",
    "azertyuiop12",     "azertyuiopqs",     "blink182blink182",    "correcthorsebatterystaple",
    "iloveyou1234",     "iloveyouforever",  "iloveyoutoo!",        "izxcvbnm1234",
    "letmeinletmein",   "letmeinnow123",    "mnbvcxz12345",        "mynoob123456",
    "p@ssw0rd1234",     "p@ssword1234",     "pass@word123",        "pass1234word",
    "passw0rd1234",     "password!@#$",     "password1234",        "password12345",
    "password123456",   "password123!",     "password2023",        "password2024",
    "password2025",     "password2026",     "poiuytrewq12",        "q1w2e3r4t5y6",
    "q1w2e3r4t5y6u7",   "qawsedrftgyh",     "qaz123wsx456",        "qazwsx123456",
    "qazwsxedc123",     "qazwsxedcrfv",     "qazwsxedcrfvtgb",     "qq123456789q",
    "qwe123qwe123",     "qweasdzxc123",     "qweasdzxcqwe",        "qwer1234asdf",
    "qwer1234qwer",     "qwerasdfzxcv",     "qwerty123456",        "qwerty1234567",
    "qwertyqwerty",     "qwertyuiop12",     "qwertyuiop123",       "qwertyuiopas",
    "qwertyuiopasdf",   "qwertyuiopasdfgh", "qwertz123456",        "secret123456",
    "thequickbrownfox", "trustno1trustno1", "welcome12345",        "welcome123456",
    "zaq12wsxcde3",     "zaq1zaq1zaq1",     "zaq1xsw2cde3",        "zaq!xsw@cde#",
    "zxcvbnm,./",       "zxcvbnm123456",    "zxcvbnmasdfg",        "1qazzaq!1qaz",
    "changeme1234",     "changemenow!",     "administrator",       "administrator1",
    "admin1234567",     "adminadmin123",    "adminpassword",       "rootpassword",
    "superpassword",    "mypassword123",    "newpassword1",        "welcomewelcome",
    "iloveyou12345",    "princess1234",     "sunshine1234",        "football1234",
    "baseball1234",     "superman1234",     "starwars1234",        "whatever1234",
    "monkey123456",     "dragon123456",     "letmein12345",        "trustno112345",
    "abcdefghijkl",     "abcdefghijklm",    "qwertyuiopasdfghjkl", "1234512345123",
});

// Base words (letters only, after undoing simple swaps such as @->a, 0->o). A candidate is
// common when, stripped of leading and trailing digits and symbols, it is one of these or
// one of these repeated.
constexpr std::array kBaseWords = std::to_array<std::string_view>({
    "abc",        "abcd",       "abcdef",     "access",     "admin",       "administrator",
    "agent",      "alexander",  "amanda",     "andrew",     "angel",       "apple",
    "april",      "arsenal",    "ashley",     "asdf",       "asdfgh",      "asdfghjkl",
    "august",     "autumn",     "azerty",     "baby",       "babygirl",    "bailey",
    "banana",     "barcelona",  "baseball",   "basketball", "batman",      "blink",
    "buster",     "butterfly",  "callcenter", "callcentre", "changeme",    "charlie",
    "chelsea",    "cheese",     "chocolate",  "christmas",  "cisco",       "company",
    "computer",   "cookie",     "corvette",   "cowboy",     "cowboys",     "customer",
    "daniel",     "database",   "december",   "default",    "diamond",     "dragon",
    "eagles",     "easter",     "february",   "ferrari",    "flower",      "floorguard",
    "football",   "fortnite",   "freedom",    "friday",     "fuckyou",     "gateway",
    "ginger",     "golden",     "google",     "guest",      "harley",      "hello",
    "helloworld", "helpdesk",   "hockey",     "hunter",     "iloveu",      "iloveyou",
    "internet",   "jackson",    "january",    "jennifer",   "jessica",     "jordan",
    "joshua",     "july",       "june",       "killer",     "lakers",      "letmein",
    "linkedin",   "liverpool",  "login",      "love",       "lovely",      "loveme",
    "lucky",      "maggie",     "manchester", "march",      "master",      "matrix",
    "matthew",    "michael",    "microsoft",  "minecraft",  "monday",      "monkey",
    "mustang",    "mypassword", "mysql",      "naruto",     "network",     "newpassword",
    "nicole",     "november",   "october",    "office",     "oldpassword", "oracle",
    "orange",     "pass",       "passpass",   "passw",      "passwd",      "password",
    "passwort",   "pepper",     "phoenix",    "pokemon",    "porsche",     "princess",
    "private",    "purple",     "qazwsx",     "qwe",        "qweasd",      "qwer",
    "qwert",      "qwerty",     "qwertyuiop", "qwertz",     "ranger",      "realmadrid",
    "robert",     "root",       "samsung",    "saturday",   "secret",      "secure",
    "security",   "september",  "server",     "service",    "shadow",      "silver",
    "soccer",     "spring",     "starwars",   "summer",     "sunday",      "sunshine",
    "superman",   "supervisor", "support",    "system",     "temp",        "temporary",
    "test",       "tester",     "testing",    "thomas",     "thunder",     "thursday",
    "tigger",     "trustno",    "tuesday",    "united",     "user",        "username",
    "wednesday",  "welcome",    "whatever",   "windows",    "winter",      "yamaha",
    "yankees",    "yellow",     "zaq",        "zxcvbn",     "zxcvbnm",
});

bool IsLetter(char ch) { return ch >= 'a' && ch <= 'z'; }

// Undoes the swaps people make to "strengthen" a word.
char Unleet(char ch) {
  switch (ch) {
    case '@':
    case '4':
      return 'a';
    case '8':
      return 'b';
    case '3':
      return 'e';
    case '6':
    case '9':
      return 'g';
    case '1':
    case '!':
    case '|':
      return 'i';
    case '0':
      return 'o';
    case '$':
    case '5':
      return 's';
    case '7':
    case '+':
      return 't';
    case '2':
      return 'z';
    default:
      return ch;
  }
}

template <size_t N>
bool Contains(const std::array<std::string_view, N>& sorted, std::string_view word) {
  return std::binary_search(sorted.begin(), sorted.end(), word);
}

template <size_t N>
std::array<std::string_view, N> Sorted(std::array<std::string_view, N> list) {
  std::sort(list.begin(), list.end());
  return list;
}

// The generated blob split into entries once (a function-local static: thread-safe), kept
// as views into the blob. The generator sorted it bytewise, as string_view compares.
const std::vector<std::string_view>& GeneratedIndex() {
  static const std::vector<std::string_view> index = [] {
    std::vector<std::string_view> entries;
    entries.reserve(kBlocklistCount);
    std::string_view rest = kBlocklistBlob;
    while (!rest.empty()) {
      size_t end = rest.find('\n');
      if (end == std::string_view::npos) end = rest.size();
      entries.push_back(rest.substr(0, end));
      rest.remove_prefix(std::min(rest.size(), end + 1));
    }
    // A blob out of order would make lookups miss silently: sort rather than trust it.
    if (!std::is_sorted(entries.begin(), entries.end())) std::sort(entries.begin(), entries.end());
    return entries;
  }();
  return index;
}

bool InGeneratedList(std::string_view word) {
  const auto& index = GeneratedIndex();
  return std::binary_search(index.begin(), index.end(), word);
}

bool IsBuiltinBaseWord(std::string_view word) {
  static const auto words = Sorted(kBaseWords);
  return Contains(words, word) || (word.size() >= kMinListedBaseWord && InGeneratedList(word));
}

}  // namespace

bool IsDressedWord(std::string_view lowercase,
                   const std::function<bool(std::string_view)>& is_base) {
  // Strip what people add around a word: digits and symbols at either end.
  size_t begin = 0;
  size_t end = lowercase.size();
  while (begin < end && !IsLetter(lowercase[begin])) ++begin;
  while (end > begin && !IsLetter(lowercase[end - 1])) --end;
  if (begin == end) return false;  // digits and symbols only: judged by the other rules
  std::string core;
  core.reserve(end - begin);
  for (size_t i = begin; i < end; ++i) core.push_back(Unleet(lowercase[i]));
  // "passwordpassword" -> "password" repeated; "password" -> once.
  for (size_t unit = 1; unit <= core.size(); ++unit) {
    if (core.size() % unit != 0) continue;
    std::string_view head = std::string_view(core).substr(0, unit);
    bool repeated = true;
    for (size_t i = unit; i < core.size() && repeated; i += unit) {
      repeated = std::string_view(core).substr(i, unit) == head;
    }
    if (repeated && is_base(head)) return true;
  }
  return false;
}

bool IsCommonPassword(std::string_view lowercase) {
  static const auto passwords = Sorted(kCommonPasswords);
  if (Contains(passwords, lowercase) || InGeneratedList(lowercase)) return true;
  return IsDressedWord(lowercase, IsBuiltinBaseWord);
}

size_t BuiltinBlocklistSize() { return GeneratedIndex().size(); }

bool BuiltinBlocklistContains(std::string_view lowercase) { return InGeneratedList(lowercase); }

}  // namespace fg::auth::internal
