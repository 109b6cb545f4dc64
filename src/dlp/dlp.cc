// The detector: one left-to-right pass over the bytes. In text mode a pre-filter (HotLines,
// AVX-512BW or AVX2 where the CPU has it) first picks the lines that can hold a finding, so
// typical log text is mostly skipped 64 bytes at a time; within those lines a second (SIMD) skip
// finds the next byte that can start a digit; each digit run is then read whole (digits, single
// separators, zero-width characters) and classified: track data, PAN (whole run, or a prefix
// made of whole groups such as a PAN followed by its expiry), IBAN (looking back two letters),
// SSN, or an expiry/CVV candidate that a second step keeps only near a PAN or a keyword.
#include "dlp/dlp.h"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>

#include "dlp/internal/scanner.h"
#include "dlp/issuers.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define FG_DLP_X86 1
#endif

namespace fg::dlp {
namespace {

// Zero code points of every Unicode Nd block (Unicode 15): Nd digits come in runs of ten.
constexpr uint32_t kZeros[] = {
    0x30,    0x660,   0x6f0,   0x7c0,   0x966,   0x9e6,   0xa66,   0xae6,   0xb66,   0xbe6,
    0xc66,   0xce6,   0xd66,   0xde6,   0xe50,   0xed0,   0xf20,   0x1040,  0x1090,  0x17e0,
    0x1810,  0x1946,  0x19d0,  0x1a80,  0x1a90,  0x1b50,  0x1bb0,  0x1c40,  0x1c50,  0xa620,
    0xa8d0,  0xa900,  0xa9d0,  0xa9f0,  0xaa50,  0xabf0,  0xff10,  0x104a0, 0x10d30, 0x11066,
    0x110f0, 0x11136, 0x111d0, 0x112f0, 0x11450, 0x114d0, 0x11650, 0x116c0, 0x11730, 0x118e0,
    0x11950, 0x11c50, 0x11d50, 0x11da0, 0x11f50, 0x16a60, 0x16ac0, 0x16b50, 0x1d7ce, 0x1d7d8,
    0x1d7e2, 0x1d7ec, 0x1d7f6, 0x1e140, 0x1e2f0, 0x1e4f0, 0x1e950, 0x1fbf0};

// Lead bytes of the UTF-8 encodings of the digits above (besides ASCII).
constexpr uint8_t kDigitLeads[] = {0xD9, 0xDB, 0xDF, 0xE0, 0xE1, 0xEA, 0xEF, 0xF0};

constexpr std::array<bool, 256> MakeCandidateTable() {
  std::array<bool, 256> table{};
  for (int c = '0'; c <= '9'; ++c) table[c] = true;
  for (uint8_t lead : kDigitLeads) table[lead] = true;
  return table;
}
constexpr std::array<bool, 256> kCandidate = MakeCandidateTable();

// Decodes one UTF-8 code point; 0 bytes when invalid.
inline int DecodeUtf8(const uint8_t* p, const uint8_t* end, uint32_t* cp) {
  const uint8_t c = p[0];
  int len;
  uint32_t value;
  if (c < 0x80) {
    *cp = c;
    return 1;
  } else if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
    value = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    value = c & 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    value = c & 0x07;
  } else {
    return 0;
  }
  if (end - p < len) return 0;
  for (int i = 1; i < len; ++i) {
    if ((p[i] & 0xC0) != 0x80) return 0;
    value = (value << 6) | (p[i] & 0x3F);
  }
  if ((len == 3 && value < 0x800) || (len == 4 && (value < 0x10000 || value > 0x10FFFF))) return 0;
  *cp = value;
  return len;
}

// The digit value at p (any Nd digit), or -1; *len gets its byte length.
inline int DigitAt(const uint8_t* p, const uint8_t* end, int* len) {
  const uint8_t c = *p;
  if (static_cast<uint8_t>(c - '0') < 10) {
    *len = 1;
    return c - '0';
  }
  if (!kCandidate[c]) return -1;
  uint32_t cp = 0;
  const int n = DecodeUtf8(p, end, &cp);
  if (n < 2) return -1;
  const uint32_t* it = std::upper_bound(std::begin(kZeros), std::end(kZeros), cp);
  if (it == std::begin(kZeros)) return -1;
  const uint32_t zero = *(it - 1);
  if (cp - zero >= 10) return -1;
  *len = n;
  return static_cast<int>(cp - zero);
}

// U+200B..U+200D, U+2060, U+FEFF: bytes at p, or 0.
inline int ZeroWidthAt(const uint8_t* p, const uint8_t* end) {
  if (end - p < 3) return 0;
  if (p[0] == 0xE2 && p[1] == 0x80 && p[2] >= 0x8B && p[2] <= 0x8D) return 3;
  if (p[0] == 0xE2 && p[1] == 0x81 && p[2] == 0xA0) return 3;
  if (p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) return 3;
  return 0;
}

// A single separator at p: its kind (' ' for space, NBSP and %20) and byte length, or 0.
inline int SeparatorAt(const uint8_t* p, const uint8_t* end, char* kind) {
  const uint8_t c = *p;
  if (c == ' ' || c == '-' || c == '.' || c == '/') {
    *kind = static_cast<char>(c);
    return 1;
  }
  if (c == 0xC2 && end - p >= 2 && p[1] == 0xA0) {
    *kind = ' ';
    return 2;
  }
  if (c == '%' && end - p >= 3 && p[1] == '2' && p[2] == '0') {
    *kind = ' ';
    return 3;
  }
  return 0;
}

inline size_t SkipZeroWidth(const uint8_t* p, size_t i, size_t n) {
  for (int k = 0; k < internal::kMaxZeroWidth; ++k) {
    const int z = ZeroWidthAt(p + i, p + n);
    if (z == 0) break;
    i += z;
  }
  return i;
}

size_t NextCandidateScalar(const uint8_t* p, size_t i, size_t n) {
  while (i < n && !kCandidate[p[i]]) ++i;
  return i;
}

#ifdef FG_DLP_X86
__attribute__((target("avx2"))) size_t NextCandidateAvx2(const uint8_t* p, size_t i, size_t n) {
  const __m256i zero = _mm256_set1_epi8('0');
  const __m256i nine = _mm256_set1_epi8(9);
  while (i + 32 <= n) {
    const __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i));
    const __m256i d = _mm256_sub_epi8(x, zero);
    __m256i hit = _mm256_cmpeq_epi8(_mm256_min_epu8(d, nine), d);
    // Lead bytes of non-ASCII digits: only checked when some byte is >= 0xD9.
    if (!_mm256_testz_si256(x, _mm256_set1_epi8(static_cast<char>(0x80)))) {
      for (uint8_t lead : kDigitLeads) {
        hit = _mm256_or_si256(hit, _mm256_cmpeq_epi8(x, _mm256_set1_epi8(static_cast<char>(lead))));
      }
    }
    const uint32_t mask = static_cast<uint32_t>(_mm256_movemask_epi8(hit));
    if (mask != 0) return i + static_cast<size_t>(__builtin_ctz(mask));
    i += 32;
  }
  return NextCandidateScalar(p, i, n);
}
#endif

using NextCandidateFn = size_t (*)(const uint8_t*, size_t, size_t);
NextCandidateFn ChooseNextCandidate() {
#ifdef FG_DLP_X86
  if (__builtin_cpu_supports("avx2")) return NextCandidateAvx2;
#endif
  return NextCandidateScalar;
}
const NextCandidateFn kNextCandidate = ChooseNextCandidate();

// The pre-filter: which lines can hold a finding. Log text has a number every few bytes, so
// "has a digit" rules out little; what can START a finding is much rarer:
//   - a stretch of digits joined by single separators that holds 12+ digits (PAN, track), or
//     an SSN shape (3-2-4 with '-' or ' ');
//   - two capital letters starting a word, then a digit (IBAN);
//   - a keyword an expiry, CVV or keyed SSN needs ("exp", "card", "cvv", "ssn", ...);
//   - any byte >= 0x80 (Unicode digits, zero-width characters, NBSP).
// No construct the scanner reads crosses a newline (runs, IBANs and track data stop there), so
// the scanner is in the same state at every line start whether or not it read the lines
// before: it reads only the lines around a trigger. A card keeps an expiry or CVV only on its
// own line (NearCard); a keyword reaches at most 40 bytes after it (an SSN), 24 + 32 for an
// expiry and its CVV: every trigger marks [its line start, its line end + kHotAfter) rounded to
// whole lines, and lines outside every such span hold nothing the scanner would keep.
constexpr size_t kHotAfter = 192;
static_assert(kHotAfter >= 96 + internal::kNearBytes + internal::kCvvBytes,
              "hot spans must cover the reach of the keyword checks");

struct Span {
  size_t begin, end;
};

inline bool IsAsciiDigit(uint8_t c) { return static_cast<uint8_t>(c - '0') < 10; }
inline bool IsCapital(uint8_t c) { return c >= 'A' && c <= 'Z'; }
inline bool IsSepByte(uint8_t c) {
  return c == ' ' || c == '-' || c == '.' || c == '/' || c == '%';
}
// Part of a possible run: a digit, or a separator byte followed by a digit.
inline bool InStretch(const uint8_t* p, size_t i, size_t n) {
  return IsAsciiDigit(p[i]) || (IsSepByte(p[i]) && i + 1 < n && IsAsciiDigit(p[i + 1]));
}

inline size_t LineStart(const uint8_t* p, size_t at) {
  const void* q = at == 0 ? nullptr : memrchr(p, '\n', at);
  return q == nullptr ? 0 : static_cast<size_t>(static_cast<const uint8_t*>(q) - p) + 1;
}
inline size_t LineEnd(const uint8_t* p, size_t at, size_t n) {
  if (at >= n) return n;
  const void* q = std::memchr(p + at, '\n', n - at);
  return q == nullptr ? n : static_cast<size_t>(static_cast<const uint8_t*>(q) - p) + 1;
}

bool Luhn(std::string_view digits);
inline char Lower(uint8_t c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c); }

// Keyword lists with a table from a byte to the words that start with it (either case), so
// that a context scan costs one lookup per byte.
struct Keywords {
  static constexpr size_t kMax = 32;
  std::string_view words[kMax] = {};
  size_t count = 0;
  uint32_t first[256] = {};
};
template <size_t N>
constexpr Keywords MakeKeywords(const std::string_view (&words)[N]) {
  static_assert(N <= Keywords::kMax);
  Keywords k;
  for (size_t i = 0; i < N; ++i) {
    k.words[i] = words[i];
    const auto c = static_cast<uint8_t>(words[i][0]);
    k.first[c] |= 1u << i;
    if (c >= 'a' && c <= 'z') k.first[c - 32] |= 1u << i;
  }
  k.count = N;
  return k;
}

constexpr std::string_view kCardWordList[] = {
    "card",     "visa", "mastercard", "master card", "amex",     "american express",
    "discover", "jcb",  "diners",     "maestro",     "unionpay", "cvv",
    "cvc",      "cid",  "exp",        "credit",      "debit",    "pan",
    "ccn",      "cc#",  "payment"};
constexpr std::string_view kExpiryWordList[] = {"exp", "valid thru", "valid until", "good thru",
                                                "card"};
constexpr std::string_view kCvvWordList[] = {"cvv", "cvc",           "cid",
                                             "csc", "security code", "verification"};
constexpr std::string_view kSsnWordList[] = {"ssn", "social security", "social sec"};
constexpr Keywords kCardWords = MakeKeywords(kCardWordList);
constexpr Keywords kExpiryWords = MakeKeywords(kExpiryWordList);
constexpr Keywords kCvvWords = MakeKeywords(kCvvWordList);
constexpr Keywords kSsnWords = MakeKeywords(kSsnWordList);

// Case-insensitive: does any keyword occur in text[from, to)?
bool HasKeyword(const uint8_t* p, size_t from, size_t to, const Keywords& keywords) {
  for (size_t i = from; i < to; ++i) {
    uint32_t m = keywords.first[p[i]];
    while (m != 0) {
      const std::string_view word = keywords.words[__builtin_ctz(m)];
      m &= m - 1;
      if (i + word.size() > to) continue;
      size_t k = 1;
      while (k < word.size() && Lower(p[i + k]) == word[k]) ++k;
      if (k == word.size()) return true;
    }
  }
  return false;
}

// The stretch around `at` (an ASCII digit/separator stretch of 9+ bytes) can start a finding:
// some 12..19 digits in it pass Luhn and belong to an issuer (or are followed by track data),
// or it holds an SSN shape (3-2-4, or nine digits in a row after an SSN keyword).
// *end gets the stretch end so that the caller does not check it again.
bool StretchMatters(const uint8_t* p, size_t at, size_t n, size_t* end) {
  constexpr size_t kMaxWalk = 256;  // longer: let the scanner decide
  size_t b = at, e = at;
  while (b > 0 && at - b < kMaxWalk && InStretch(p, b - 1, n)) --b;
  while (e < n && e - at < kMaxWalk && InStretch(p, e, n)) ++e;
  *end = e;
  if (at - b >= kMaxWalk || e - at >= kMaxWalk) return true;
  if (b > 0 && p[b - 1] == '%') return true;  // after "%": maybe "%20" + a number, the scanner's
  const bool track_next = e < n && (p[e] == '=' || p[e] == '^' || p[e] == 'D');
  // One group (an epoch timestamp, an id): only the whole can be a PAN; no issuer starts with
  // 0, 1, 7, 8 or 9. (An SSN shape has separators.)
  if (!track_next && std::find_if_not(p + b, p + e, IsAsciiDigit) == p + e &&
      (e - b > 19 || p[b] < '2' || p[b] > '6')) {
    return false;
  }
  char digits[2 * kMaxWalk];
  uint16_t group_starts[2 * kMaxWalk + 1];  // digit index where each group starts
  size_t count = 0, consecutive = 0, groups = 0;
  for (size_t i = b; i < e; ++i) {
    if (IsAsciiDigit(p[i])) {
      if (consecutive == 0) group_starts[groups++] = static_cast<uint16_t>(count);
      digits[count++] = static_cast<char>(p[i]);
      ++consecutive;
    } else {
      if (p[i] == '%') return true;  // "%20" separators: let the scanner read it
      consecutive = 0;
    }
  }
  group_starts[groups] = static_cast<uint16_t>(count);
  if (count < 9) return false;
  for (size_t i = b; i + 11 <= e; ++i) {  // ddd-dd-dddd or ddd dd dddd
    const uint8_t s = p[i + 3];
    if ((s == '-' || s == ' ') && p[i + 6] == s && IsAsciiDigit(p[i]) && IsAsciiDigit(p[i + 1]) &&
        IsAsciiDigit(p[i + 2]) && IsAsciiDigit(p[i + 4]) && IsAsciiDigit(p[i + 5]) &&
        IsAsciiDigit(p[i + 7]) && IsAsciiDigit(p[i + 8]) && IsAsciiDigit(p[i + 9]) &&
        IsAsciiDigit(p[i + 10])) {
      return true;
    }
  }
  if (count < 12) return false;
  const bool track = e < n && (p[e] == '=' || p[e] == '^');
  if (e < n && p[e] == 'D' && count >= 12) return true;  // EMV tag 57: the scanner decides
  // The scanner only ever checks whole groups (a run, or its first groups, or what follows a
  // space where the grouping changes).
  for (size_t g = 0; g < groups; ++g) {
    for (size_t h = g + 1; h <= groups; ++h) {
      const size_t len = group_starts[h] - group_starts[g];
      if (len > 19) break;
      if (len < 12) continue;
      const std::string_view window(digits + group_starts[g], len);
      if (!track && (window[0] < '2' || window[0] > '6')) continue;
      if (Luhn(window) && (track || MatchIssuer(window) != nullptr)) return true;
    }
  }
  return false;
}

// Lower-cased (| 0x20) prefixes of the expiry and CVV keywords; "id th", "id un", "od th" stand
// for "valid thru", "valid until", "good thru".
constexpr std::string_view kTriggerWords[] = {"exp",   "card", "cvv",  "cvc",   "cid",
                                              "csc",   "secu", "veri", "id th", "id un",
                                              "od th", "ssn",  "soci"};

inline bool TriggerWordAt(const uint8_t* p, size_t i, size_t n) {
  for (std::string_view w : kTriggerWords) {
    if (i + w.size() > n) continue;
    size_t k = 0;
    while (k < w.size() && (p[i + k] | 0x20) == static_cast<uint8_t>(w[k])) ++k;
    if (k == w.size()) return true;
  }
  return false;
}

class HotLines {
 public:
  HotLines(const uint8_t* p, size_t n) : p_(p), n_(n) {}

  // Marks the lines around a trigger at `t`; returns where scanning resumes: the next line,
  // since a trigger in the lines marked after this one reaches further.
  size_t Trigger(size_t t) {
    const size_t ls = LineStart(p_, t);
    const size_t le = LineEnd(p_, t, n_);
    const size_t begin = ls;
    const size_t end = le + kHotAfter >= n_ ? n_ : LineEnd(p_, le + kHotAfter, n_);
    if (!spans_.empty() && begin <= spans_.back().end) {
      spans_.back().end = std::max(spans_.back().end, end);
    } else {
      spans_.push_back({begin, end});
    }
    resume_ = le;
    return le;
  }

  // Scalar scan of [i, n_).
  void Scalar(size_t i) {
    size_t stretch = 0, checked_until = 0;
    while (i < n_) {
      const uint8_t c = p_[i];
      bool hit = c >= 0x80 || TriggerWordAt(p_, i, n_) ||
                 (i >= 2 && IsCapital(p_[i - 2]) && IsCapital(p_[i - 1]) && IsAsciiDigit(c));
      if (!hit) {
        stretch = InStretch(p_, i, n_) ? stretch + 1 : 0;
        if (stretch >= 9 && i >= checked_until) hit = StretchMatters(p_, i, n_, &checked_until);
      }
      if (hit) {
        i = Trigger(i);
        stretch = 0;
        continue;
      }
      ++i;
    }
  }

  std::vector<Span> Run(internal::PrefilterPath path = internal::PrefilterPath::kAuto);

 private:
#ifdef FG_DLP_X86
  // What the block loops carry from one 64-byte block to the next (see hotlines_blocks.inc).
  struct BlockCarry {
    uint64_t stretch = 0, ds = 0, run2 = 0, run4 = 0, run12 = 0, issuer = 0;
    size_t checked_until = 0;
  };
  size_t Avx2(size_t i, BlockCarry carry);
  size_t Avx512(size_t i, BlockCarry carry);
  size_t Avx512VbmiBlocks(size_t i, BlockCarry carry);
  size_t Avx512Vbmi();
#endif
  const uint8_t* p_;
  size_t n_;
  std::vector<Span> spans_;
  size_t resume_ = 0;  // end of the last trigger's line
};

#ifdef FG_DLP_X86
#define FG_AVX2 __attribute__((target("avx2"), always_inline)) inline
// Bytes with v - lo (unsigned) <= span, by one add and one signed compare.
FG_AVX2 __m256i InRange(__m256i v, uint8_t lo, uint8_t span) {
  const __m256i moved = _mm256_add_epi8(v, _mm256_set1_epi8(static_cast<char>(0x80 - lo)));
  return _mm256_cmpgt_epi8(_mm256_set1_epi8(static_cast<char>(-128 + span + 1)), moved);
}
// Bytes equal to table[their low nibble]; bytes >= 0x80 never are (pshufb gives 0 for them).
FG_AVX2 __m256i InTable(__m256i v, __m256i table) {
  return _mm256_cmpeq_epi8(_mm256_shuffle_epi8(table, v), v);
}
#undef FG_AVX2

struct ClassTables {
  __m256i lo[3], hi[3];                   // keyword prefixes: Teddy nibble tables for bytes 0, 1, 2
  __m256i digit, issuer, sep, ds, track;  // InTable tables
  // The AVX-512 VBMI path looks every ASCII byte up directly (vpermi2b over 128 entries): its
  // classes (kClass* bits), and the keyword buckets a prefix's k-th byte is in (either case).
  alignas(64) uint8_t classes[128];
  alignas(64) uint8_t words[3][128];
};
enum : uint8_t {
  kClassDigit = 1,   // 0-9
  kClassIssuer = 2,  // 2-6
  kClassSep = 4,     // ' ' % - . /
  kClassDs = 8,      // - ' '
  kClassTrack = 16,  // = ^ D
};
struct ByteMasks {
  uint64_t stretch;  // a digit, or a separator right after a digit
  uint64_t issuer;   // a digit 2..6 that starts a group (no digit before it)
  uint64_t ds;       // '-' or ' ' (the separators of an SSN)
  uint64_t track;    // '=' '^' 'D'
  uint64_t other;    // >= 0x80, a keyword start, or a digit after two capitals
};
// One bit per byte of q[0, 64) for each class; reads q[-2, 66).
__attribute__((target("avx2"), always_inline)) inline ByteMasks Classify(const uint8_t* q,
                                                                         const ClassTables& t) {
  const __m256i nibble = _mm256_set1_epi8(0x0F);
  uint32_t m[5][2];
  for (int h = 0; h < 2; ++h) {
    const uint8_t* r = q + 32 * h;
    const __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(r));
    const __m256i before = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(r - 1));
    const __m256i before2 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(r - 2));
    const __m256i digit = InTable(x, t.digit);
    const __m256i digit_before = InTable(before, t.digit);
    const __m256i sep = InTable(x, t.sep);
    const __m256i stretch = _mm256_or_si256(digit, _mm256_and_si256(sep, digit_before));
    const __m256i issuer = _mm256_andnot_si256(digit_before, InTable(x, t.issuer));
    const __m256i iban = _mm256_and_si256(
        digit, _mm256_and_si256(InRange(before, 'A', 25), InRange(before2, 'A', 25)));
    __m256i word = _mm256_set1_epi8(-1);
    for (int k = 0; k < 3; ++k) {
      const __m256i xk = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(r + k));
      const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(xk, 4), nibble);
      word = _mm256_and_si256(word, _mm256_and_si256(_mm256_shuffle_epi8(t.lo[k], xk),
                                                     _mm256_shuffle_epi8(t.hi[k], hi)));
    }
    // word != 0 without a compare: with 7 buckets word <= 0x7F, and word + 0x7F has bit 7 set.
    const __m256i word_bit = _mm256_add_epi8(word, _mm256_set1_epi8(0x7F));
    const __m256i other = _mm256_or_si256(_mm256_or_si256(x, iban), word_bit);
    m[0][h] = static_cast<uint32_t>(_mm256_movemask_epi8(stretch));
    m[1][h] = static_cast<uint32_t>(_mm256_movemask_epi8(issuer));
    m[2][h] = static_cast<uint32_t>(_mm256_movemask_epi8(InTable(x, t.ds)));
    m[3][h] = static_cast<uint32_t>(_mm256_movemask_epi8(InTable(x, t.track)));
    m[4][h] = static_cast<uint32_t>(_mm256_movemask_epi8(other));
    // One half at a time: interleaved, the two halves need more than 16 vector registers.
    asm volatile("" ::: "memory");
  }
  auto join = [&m](int k) { return m[k][0] | (static_cast<uint64_t>(m[k][1]) << 32); };
  return ByteMasks{join(0), join(1), join(2), join(3), join(4)};
}

// Digits of q[0, 64).
__attribute__((target("avx2"))) inline uint64_t DigitMask(const uint8_t* q) {
  const auto half = [](const uint8_t* r) __attribute__((target("avx2"))) {
    return static_cast<uint32_t>(_mm256_movemask_epi8(
        InRange(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(r)), '0', 9)));
  };
  return half(q) | (static_cast<uint64_t>(half(q + 32)) << 32);
}

#define FG_AVX512 __attribute__((target("avx512bw,avx512vl,bmi2"), always_inline)) inline
FG_AVX512 __m512i Load512(const uint8_t* r) {
  return _mm512_loadu_si512(reinterpret_cast<const void*>(r));
}
// The 256-bit table in all four 128-bit lanes (maskz: GCC 12 warns on the undefined upper half).
FG_AVX512 __m512i Wide(__m256i table) { return _mm512_maskz_broadcast_i64x4(0xFF, table); }
FG_AVX512 uint64_t InTable512(__m512i v, __m256i table) {
  return _mm512_cmpeq_epi8_mask(_mm512_shuffle_epi8(Wide(table), v), v);
}

// Classify with AVX-512BW: one 64-byte load per shift and compares straight into bit masks.
// The same classes bit for bit (DlpPrefilter.Avx512AndAvx2MarkTheSameLines).
FG_AVX512 ByteMasks Classify512(const uint8_t* q, const ClassTables& t) {
  const __m512i x = Load512(q), before = Load512(q - 1), before2 = Load512(q - 2);
  const uint64_t digit = InTable512(x, t.digit);
  const uint64_t digit_before = InTable512(before, t.digit);
  const uint64_t stretch = digit | (InTable512(x, t.sep) & digit_before);
  const uint64_t issuer = ~digit_before & InTable512(x, t.issuer);
  const __m512i a = _mm512_set1_epi8('A'), span = _mm512_set1_epi8(25);
  const uint64_t iban = digit & _mm512_cmple_epu8_mask(_mm512_sub_epi8(before, a), span) &
                        _mm512_cmple_epu8_mask(_mm512_sub_epi8(before2, a), span);
  const __m512i nibble = _mm512_set1_epi8(0x0F);
  __m512i word = _mm512_set1_epi8(-1);
  for (int k = 0; k < 3; ++k) {
    const __m512i xk = Load512(q + k);
    const __m512i hi = _mm512_and_si512(_mm512_srli_epi16(xk, 4), nibble);
    word = _mm512_and_si512(word, _mm512_and_si512(_mm512_shuffle_epi8(Wide(t.lo[k]), xk),
                                                   _mm512_shuffle_epi8(Wide(t.hi[k]), hi)));
  }
  const uint64_t other = _mm512_movepi8_mask(x) | iban | _mm512_test_epi8_mask(word, word);
  return ByteMasks{stretch, issuer, InTable512(x, t.ds), InTable512(x, t.track), other};
}
#undef FG_AVX512

// Classify with AVX-512 VBMI: one vpermi2b gives every byte its classes (bytes >= 0x80 none),
// and one per prefix byte its keyword buckets (exact bytes where Teddy's nibbles approximate):
// about half the instructions of Classify512. Bucket 7 of the keyword tables is an IBAN start
// (two capitals, then a digit), so its "other" bit sits on the first capital where the other
// paths set it on the digit; the slow path checks both places. Marks the same lines.
#define FG_VBMI __attribute__((target("avx512bw,avx512vl,avx512vbmi,bmi2"), always_inline)) inline
FG_VBMI __m512i Lookup128(__mmask64 keep, const uint8_t (&table)[128], __m512i index) {
  return _mm512_maskz_permutex2var_epi8(keep, _mm512_load_si512(table), index,
                                        _mm512_load_si512(table + 64));
}
FG_VBMI ByteMasks Classify512Vbmi(const uint8_t* q, const ClassTables& t) {
  const auto load = [q](int at) __attribute__((target("avx512bw"), always_inline)) {
    return _mm512_loadu_si512(reinterpret_cast<const void*>(q + at));
  };
  const __m512i x = load(0), before = load(-1);
  const __mmask64 high = _mm512_movepi8_mask(x);
  const __m512i classes = Lookup128(~high, t.classes, x);
  const __m512i classes_before = Lookup128(~_mm512_movepi8_mask(before), t.classes, before);
  const auto has = [](__m512i c, uint8_t bit) __attribute__((target("avx512bw"), always_inline)) {
    return static_cast<uint64_t>(
        _mm512_test_epi8_mask(c, _mm512_set1_epi8(static_cast<char>(bit))));
  };
  const uint64_t digit_before = has(classes_before, kClassDigit);
  const uint64_t stretch = has(classes, kClassDigit) | (has(classes, kClassSep) & digit_before);
  const uint64_t issuer = ~digit_before & has(classes, kClassIssuer);
  const __m512i word = _mm512_ternarylogic_epi32(Lookup128(~0ull, t.words[0], x),
                                                 Lookup128(~0ull, t.words[1], load(1)),
                                                 Lookup128(~0ull, t.words[2], load(2)), 0x80);
  const uint64_t other = high | _mm512_test_epi8_mask(word, word);
  return ByteMasks{stretch, issuer, has(classes, kClassDs), has(classes, kClassTrack), other};
}
#undef FG_VBMI

// The stream's bit mask shifted up by k over the block boundary: bit j of the result is bit
// j - k of the stream (cur: this block, prev: the one before).
template <int k>
inline uint64_t Back(uint64_t cur, uint64_t prev) {
  return (cur << k) | (prev >> (64 - k));
}

// A 16-byte table for InTable, repeated in both 128-bit lanes: entry c & 15 = c for each byte
// c; 0 elsewhere (no byte with a non-zero low nibble is 0), 1 at 0 when no byte has nibble 0.
constexpr std::array<uint8_t, 32> MakeNibbleTable(std::string_view bytes) {
  std::array<uint8_t, 32> table{};
  table[0] = table[16] = 1;
  for (char c : bytes) {
    const auto b = static_cast<uint8_t>(c);
    table[b & 15] = table[16 + (b & 15)] = b;
  }
  return table;
}

inline bool IbanStartAt(const uint8_t* p, size_t j) {
  const auto alnum = [](uint8_t c) {
    return IsAsciiDigit(c) || static_cast<uint8_t>((c | 0x20) - 'a') < 26;
  };
  return j >= 2 && IsAsciiDigit(p[j]) && IsCapital(p[j - 1]) && IsCapital(p[j - 2]) &&
         (j == 2 || !alnum(p[j - 3]));
}

// The tables of every Classify, built once.
__attribute__((target("avx2"))) ClassTables MakeClassTables() {
  // Bucket b holds the b-th prefixes; bit b of table[k][nibble] says a prefix's k-th byte has
  // that nibble (either case: the high nibble of the byte without 0x20 too, as TriggerWordAt
  // compares p | 0x20).
  constexpr std::string_view kPrefixes[7][3] = {
      {"exp", "", ""},       {"car", "", ""}, {"cvv", "cvc", "cid"}, {"csc", "", ""},
      {"sec", "ssn", "soc"}, {"ver", "", ""}, {"id ", "od ", ""}};
  alignas(32) uint8_t lo_table[3][32] = {}, hi_table[3][32] = {};
  for (int b = 0; b < 7; ++b) {
    for (std::string_view word : kPrefixes[b]) {
      for (size_t k = 0; k < word.size(); ++k) {
        const auto c = static_cast<uint8_t>(word[k]);
        const auto bit = static_cast<uint8_t>(1u << b);
        for (int lane = 0; lane < 32; lane += 16) {
          lo_table[k][lane + (c & 15)] |= bit;
          hi_table[k][lane + (c >> 4)] |= bit;
          hi_table[k][lane + ((c & ~0x20) >> 4)] |= bit;
        }
      }
    }
  }
  ClassTables tables;
  std::memset(tables.words, 0, sizeof tables.words);
  for (int b = 0; b < 7; ++b) {
    for (std::string_view word : kPrefixes[b]) {
      for (size_t k = 0; k < word.size(); ++k) {
        const auto c = static_cast<uint8_t>(word[k]);
        tables.words[k][c] |= static_cast<uint8_t>(1u << b);
        tables.words[k][c & ~0x20] |= static_cast<uint8_t>(1u << b);
      }
    }
  }
  for (int c = 0; c < 128; ++c) {  // bucket 7: an IBAN start (see Classify512Vbmi)
    if (c >= 'A' && c <= 'Z') tables.words[0][c] |= 0x80, tables.words[1][c] |= 0x80;
    if (c >= '0' && c <= '9') tables.words[2][c] |= 0x80;
  }
  for (int c = 0; c < 128; ++c) {
    const auto in = [c](std::string_view set) {
      return set.find(static_cast<char>(c)) != set.npos;
    };
    tables.classes[c] = static_cast<uint8_t>(
        (in("0123456789") ? kClassDigit : 0) | (in("23456") ? kClassIssuer : 0) |
        (in(" %-./") ? kClassSep : 0) | (in("- ") ? kClassDs : 0) | (in("=^D") ? kClassTrack : 0));
  }
  for (int k = 0; k < 3; ++k) {
    tables.lo[k] = _mm256_load_si256(reinterpret_cast<const __m256i*>(lo_table[k]));
    tables.hi[k] = _mm256_load_si256(reinterpret_cast<const __m256i*>(hi_table[k]));
  }
  static constexpr std::array<uint8_t, 32> kDigitTable = MakeNibbleTable("0123456789");
  static constexpr std::array<uint8_t, 32> kIssuerTable = MakeNibbleTable("23456");
  static constexpr std::array<uint8_t, 32> kSepTable = MakeNibbleTable(" %-./");
  static constexpr std::array<uint8_t, 32> kDashSpaceTable = MakeNibbleTable("- ");
  static constexpr std::array<uint8_t, 32> kTrackTable = MakeNibbleTable("=^D");
  tables.digit = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kDigitTable.data()));
  tables.issuer = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kIssuerTable.data()));
  tables.sep = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kSepTable.data()));
  tables.ds = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kDashSpaceTable.data()));
  tables.track = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kTrackTable.data()));
  return tables;
}
__attribute__((target("avx2"))) const ClassTables& SharedClassTables() {
  static const ClassTables tables = MakeClassTables();
  return tables;
}

// The slow path of the 64-byte block at i, whose masks flagged something: the first real
// trigger in byte order, or n. other_bits, runs and ssn are the block's masks; t and prev_t its
// stretch mask and the previous block's; checked_until the end of the last stretch decided.
__attribute__((target("avx2"))) size_t FirstTrigger(const uint8_t* p, size_t n, size_t i,
                                                    uint64_t other_bits, uint64_t runs, uint64_t t,
                                                    uint64_t prev_t, uint64_t ssn,
                                                    size_t* checked_until) {
  int first_hit = 64;
  for (uint64_t other = other_bits; other != 0; other &= other - 1) {
    const int j = __builtin_ctzll(other);
    const size_t at = i + static_cast<size_t>(j);
    // An IBAN's bit is on its digit (AVX2, AVX-512BW) or its first capital (VBMI).
    if (p[at] >= 0x80 || IbanStartAt(p, at) || IbanStartAt(p, at + 2) || TriggerWordAt(p, at, n)) {
      first_hit = j;
      break;
    }
  }
  size_t trigger = first_hit == 64 ? n : i + static_cast<size_t>(first_hit);
  uint64_t stretch_ends = runs & (first_hit == 64 ? ~0ull : (1ull << first_hit) - 1);
  __extension__ typedef unsigned __int128 U128;
  const U128 w = (static_cast<U128>(t) << 64) | prev_t;
  const U128 wd =
      (static_cast<U128>(DigitMask(p + i)) << 64) | (i >= 64 ? DigitMask(p + i - 64) : 0);
  while (stretch_ends != 0) {
    const size_t at = i + static_cast<size_t>(__builtin_ctzll(stretch_ends));
    stretch_ends &= stretch_ends - 1;
    if (at < *checked_until) continue;
    // Bounds of the stretch from the masks when it lies in these 128 bytes (it may go on
    // past this block: then StretchMatters reads it whole).
    const int j = static_cast<int>(at - i);
    const uint64_t rest = ~(t >> j);
    const int after = rest == 0 ? 64 : __builtin_ctzll(rest);  // 64 - j: t set up to bit 63
    const uint64_t below_hi = ~t & ((1ull << j) - 1), below_lo = ~prev_t;
    if (after < 64 - j && (below_hi | below_lo) != 0) {
      const size_t e = at + static_cast<size_t>(after);
      const size_t bg = below_hi != 0 ? i + static_cast<size_t>(64 - __builtin_clzll(below_hi))
                                      : i - static_cast<size_t>(__builtin_clzll(below_lo));
      *checked_until = e;
      // Fewer than 12 digits (an IP address, a version): no PAN; an SSN shape goes on.
      const U128 span = ((U128{1} << (e + 64 - i)) - 1) & ~((U128{1} << (bg + 64 - i)) - 1);
      const U128 digits_in = wd & span;
      const int count = __builtin_popcountll(static_cast<uint64_t>(digits_in)) +
                        __builtin_popcountll(static_cast<uint64_t>(digits_in >> 64));
      if (count < 12 && (ssn & static_cast<uint64_t>(span >> 64)) == 0) continue;
      if ((w & ~wd & span) == 0 && (e - bg > 19 || p[bg] < '2' || p[bg] > '6') &&
          !(e < n && (p[e] == '=' || p[e] == '^' || p[e] == 'D'))) {
        continue;  // one group that no issuer starts
      }
    }
    if (StretchMatters(p, at, n, checked_until)) {
      trigger = at;
      break;
    }
  }
  return trigger;
}

// 64 bytes a step; the masks stay in registers and the common block costs one branch. Per
// byte (with loads one and two bytes back, so no shifts for these): a stretch byte (a digit,
// or a single separator after a digit), a group start whose digit is 2..6, '-' or ' ', a
// track terminator ('=' '^' 'D'), and "other": >= 0x80, a keyword start (a Teddy-style nibble
// match on three bytes, either case) or a digit after two capitals (an IBAN, if the capitals
// start a word). With shifts over the previous block it finds what the scanner could make a
// finding of:
//   - 12 stretch bytes in a row that START at such a group (every issuer prefix starts with
//     2..6 and the scanner checks whole groups only), or that end right before a track
//     terminator (track data carries any PAN);
//   - 11 stretch bytes with '-' or ' ' 3 and 6 bytes in (an SSN shape);
//   - "other" (checked exactly in the slow path).
// Epoch-ms timestamps, hex ids and most IPs fail the first test. The slow path rejects what
// the masks can (fewer than 12 digits in the stretch, one group no issuer starts) and asks
// StretchMatters about the rest. Returns where the scalar scan takes over. The loop is
// hotlines_blocks.inc, once each with AVX2, AVX-512BW (Classify512) and AVX-512 VBMI
// (Classify512Vbmi, for the blocks after the last eight-block step of Avx512Vbmi below): the
// same masks, the same lines.
#define FG_BLOCKS_NAME Avx2
#define FG_BLOCKS_TARGET __attribute__((target("avx2")))
#define FG_BLOCKS_CLASSIFY Classify
#include "dlp/internal/hotlines_blocks.inc"  // NOLINT(build/include)
#undef FG_BLOCKS_NAME
#undef FG_BLOCKS_TARGET
#undef FG_BLOCKS_CLASSIFY

#define FG_BLOCKS_NAME Avx512
#define FG_BLOCKS_TARGET __attribute__((target("avx512bw,avx512vl,bmi2")))
#define FG_BLOCKS_CLASSIFY Classify512
#include "dlp/internal/hotlines_blocks.inc"  // NOLINT(build/include)
#undef FG_BLOCKS_NAME
#undef FG_BLOCKS_TARGET
#undef FG_BLOCKS_CLASSIFY

#define FG_BLOCKS_NAME Avx512VbmiBlocks
#define FG_BLOCKS_TARGET __attribute__((target("avx512bw,avx512vl,avx512vbmi,bmi2")))
#define FG_BLOCKS_CLASSIFY Classify512Vbmi
#include "dlp/internal/hotlines_blocks.inc"  // NOLINT(build/include)
#undef FG_BLOCKS_NAME
#undef FG_BLOCKS_TARGET
#undef FG_BLOCKS_CLASSIFY

// Lane j of the result is lane j - 1 of cur; lane 0 is prev's last (the step before).
__attribute__((target("avx512f"), always_inline)) inline __m512i LanesBefore(__m512i cur,
                                                                             __m512i prev) {
  return _mm512_maskz_alignr_epi64(0xFF, cur, prev, 7);
}

// With AVX-512 VBMI and VBMI2, eight blocks a step: each block's masks are classified as
// above and stored, then the run shifts of all eight are one vector operation each (a lane
// per block; vpshldq shifts a lane with the bits of the lane before it, valignq brings the
// previous step's last lane in). The common step — nothing in 512 bytes — costs about a quarter
// of the instructions of the loop above. Blocks that flag something take the same slow path.
__attribute__((target("avx512bw,avx512vl,avx512vbmi,avx512vbmi2,bmi2"))) size_t
HotLines::Avx512Vbmi() {
  constexpr size_t kBlocks = 8, kStep = 64 * kBlocks;
  const uint8_t* const p = p_;
  const size_t n = n_;
  if (n < kStep + 2) return Avx512VbmiBlocks(0, {});
  const ClassTables tables = SharedClassTables();
  uint8_t head[2 + 66];  // the first block reads two bytes before the text: newlines
  head[0] = head[1] = '\n';
  std::memcpy(head + 2, p, 66);
  alignas(64) uint64_t stretch[kBlocks], issuer[kBlocks], ds[kBlocks], track[kBlocks],
      other[kBlocks], runs[kBlocks], ssn[kBlocks];
  // The previous step's masks (its last lane is what the first block of this one shifts in):
  // stretch, 2- and 4-byte stretch runs, 12-byte runs, issuer group starts, '-'/' '.
  const __m512i zero = _mm512_setzero_si512();
  __m512i pt = zero, pa = zero, pb = zero, pc = zero, pg = zero, ps = zero;
  uint64_t last_stretch = 0;  // the stretch mask of the block before this step
  size_t checked_until = 0;
  constexpr size_t kPrefetchAhead = 8192;
  size_t i = 0;
  while (i + kStep + 2 <= n) {
    for (size_t k = 0; k < kBlocks; ++k) {
      const size_t at = i + 64 * k;
      _mm_prefetch(reinterpret_cast<const char*>(p) + std::min(at + kPrefetchAhead, n - 1),
                   _MM_HINT_T0);
      const ByteMasks m = Classify512Vbmi(at == 0 ? head + 2 : p + at, tables);
      stretch[k] = m.stretch;
      issuer[k] = m.issuer;
      ds[k] = m.ds;
      track[k] = m.track;
      other[k] = m.other;
    }
    const __m512i t = _mm512_load_si512(stretch), g = _mm512_load_si512(issuer);
    const __m512i d = _mm512_load_si512(ds);
    // Back<k> of every lane: the lane shifted up by k, the previous lane's top k bits below.
    const __m512i t_before = LanesBefore(t, pt), g_before = LanesBefore(g, pg);
    const __m512i d_before = LanesBefore(d, ps);
    const __m512i a = _mm512_and_si512(t, _mm512_shldi_epi64(t, t_before, 1));
    const __m512i b = _mm512_and_si512(a, _mm512_shldi_epi64(a, LanesBefore(a, pa), 2));
    const __m512i b_before = LanesBefore(b, pb);
    const __m512i c8 = _mm512_and_si512(b, _mm512_shldi_epi64(b, b_before, 4));
    const __m512i c = _mm512_and_si512(c8, _mm512_shldi_epi64(b, b_before, 8));
    const __m512i pan = _mm512_and_si512(c, _mm512_shldi_epi64(g, g_before, 11));
    const __m512i trk =
        _mm512_and_si512(_mm512_load_si512(track), _mm512_shldi_epi64(c, LanesBefore(c, pc), 1));
    const __m512i s = _mm512_ternarylogic_epi64(
        _mm512_and_si512(c8, _mm512_shldi_epi64(b, b_before, 7)),
        _mm512_shldi_epi64(d, d_before, 4), _mm512_shldi_epi64(d, d_before, 7), 0x80);
    const __m512i r = _mm512_ternarylogic_epi64(pan, trk, s, 0xFE);  // pan | trk | s
    const __mmask8 flagged =
        _mm512_test_epi64_mask(_mm512_or_si512(r, _mm512_load_si512(other)), _mm512_set1_epi8(-1));
    if (__builtin_expect(flagged == 0, 1)) {
      pt = t, pa = a, pb = b, pc = c, pg = g, ps = d;
      last_stretch = stretch[kBlocks - 1];
      i += kStep;
      continue;
    }
    _mm512_store_si512(runs, r);
    _mm512_store_si512(ssn, s);
    size_t trigger = n;
    for (uint32_t todo = flagged; todo != 0; todo &= todo - 1) {
      const int k = __builtin_ctz(todo);
      trigger = FirstTrigger(p, n, i + 64 * static_cast<size_t>(k), other[k], runs[k], stretch[k],
                             k == 0 ? last_stretch : stretch[k - 1], ssn[k], &checked_until);
      if (trigger != n) break;
    }
    if (trigger == n) {
      pt = t, pa = a, pb = b, pc = c, pg = g, ps = d;
      last_stretch = stretch[kBlocks - 1];
      i += kStep;
      continue;
    }
    // The next step starts at the end of the trigger's line, with nothing before it.
    i = Trigger(trigger);
    pt = pa = pb = pc = pg = ps = zero;
    last_stretch = 0;
  }
  // Fewer than eight blocks left: one at a time, carrying the last step's masks.
  const auto last_lane = [](__m512i v) __attribute__((target("avx512f"))) {
    alignas(64) uint64_t lanes[8];
    _mm512_store_si512(lanes, v);
    return lanes[7];
  };
  return Avx512VbmiBlocks(i, BlockCarry{last_lane(pt), last_lane(ps), last_lane(pa), last_lane(pb),
                                        last_lane(pc), last_lane(pg), checked_until});
}
#endif

std::atomic<internal::PrefilterPath> forced_path{internal::PrefilterPath::kAuto};

internal::PrefilterPath BestPrefilterPath() {
  using internal::PrefilterPath;
  static const PrefilterPath best = [] {
    for (PrefilterPath path : {PrefilterPath::kAvx512Vbmi, PrefilterPath::kAvx512}) {
      if (internal::PrefilterPathSupported(path)) return path;
    }
    if (internal::PrefilterPathSupported(PrefilterPath::kAvx2)) return PrefilterPath::kAvx2;
    return PrefilterPath::kScalar;
  }();
  return best;
}

std::vector<Span> HotLines::Run(internal::PrefilterPath path) {
  using internal::PrefilterPath;
  if (path == PrefilterPath::kAuto) path = forced_path.load(std::memory_order_relaxed);
  if (path == PrefilterPath::kAuto || !internal::PrefilterPathSupported(path)) {
    path = BestPrefilterPath();
  }
  size_t i = 0;
#ifdef FG_DLP_X86
  if (path == PrefilterPath::kAvx512Vbmi) i = Avx512Vbmi();
  if (path == PrefilterPath::kAvx512) i = Avx512(0, {});
  if (path == PrefilterPath::kAvx2) i = Avx2(0, {});
#endif
  i = std::max(i, resume_);
  // Back to the start of a stretch the vector loop left undecided at its end.
  while (i > resume_ && InStretch(p_, i - 1, n_)) --i;
  Scalar(i);
  return std::move(spans_);
}

// A whole digit run: digits joined by single separators (zero-width characters ignored).
struct Run {
  static constexpr int kMaxDigits = 160;
  static constexpr int kMaxGroups = 64;
  size_t begin = 0;
  size_t end = 0;  // after the last digit
  int count = 0;
  // Not zeroed: a run is read for every number in the text, and only the first `count`
  // digits and `groups` groups are ever read (ReadRun writes them first).
  char digits[kMaxDigits];
  int groups = 0;
  uint8_t group_len[kMaxGroups];
  size_t group_begin[kMaxGroups];
  size_t group_end[kMaxGroups];
  char sep[kMaxGroups];   // separator kind after group g
  bool long_run = false;  // too many bytes, digits or groups: never a finding
};

// Reads the run starting at the digit at i.
Run ReadRun(const uint8_t* p, size_t i, size_t n, size_t max_bytes) {
  Run run;
  run.begin = i;
  run.groups = 1;
  run.group_begin[0] = i;
  run.group_len[0] = 0;
  while (true) {
    int len = 0;
    const int d = DigitAt(p + i, p + n, &len);
    if (run.count < Run::kMaxDigits) run.digits[run.count] = static_cast<char>('0' + d);
    ++run.count;
    if (run.groups <= Run::kMaxGroups) ++run.group_len[run.groups - 1];
    i += len;
    run.end = i;
    if (run.groups <= Run::kMaxGroups) run.group_end[run.groups - 1] = i;
    // Continuation: zero-width* digit, or zero-width* separator zero-width* digit.
    size_t j = SkipZeroWidth(p, i, n);
    if (j < n && DigitAt(p + j, p + n, &len) >= 0) {
      i = j;
      continue;
    }
    char kind = 0;
    const int s = j < n ? SeparatorAt(p + j, p + n, &kind) : 0;
    if (s == 0) break;
    const size_t k = SkipZeroWidth(p, j + s, n);
    if (k >= n || DigitAt(p + k, p + n, &len) < 0) break;
    if (run.groups <= Run::kMaxGroups) run.sep[run.groups - 1] = kind;
    ++run.groups;
    if (run.groups <= Run::kMaxGroups) {
      run.group_begin[run.groups - 1] = k;
      run.group_len[run.groups - 1] = 0;
    }
    i = k;
  }
  if (run.end - run.begin > max_bytes || run.count > Run::kMaxDigits ||
      run.groups > Run::kMaxGroups) {
    run.long_run = true;
  }
  return run;
}

bool Luhn(std::string_view digits) {
  int sum = 0;
  bool twice = false;
  for (size_t i = digits.size(); i-- > 0;) {
    int d = digits[i] - '0';
    if (twice) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    twice = !twice;
  }
  return sum % 10 == 0;
}

bool AllSame(std::string_view digits) {
  return digits.find_first_not_of(digits[0]) == std::string_view::npos;
}

// Luhn-valid, issuer-claimed, 12..19 digits, not one repeated digit: the brand, or empty.
std::string_view PanBrand(std::string_view digits) {
  if (digits.size() < 12 || digits.size() > 19 || AllSame(digits) || !Luhn(digits)) return {};
  const IssuerRange* range = MatchIssuer(digits);
  return range == nullptr ? std::string_view() : range->brand;
}

constexpr std::string_view kTestPans[] = {
    "4111111111111111", "4012888888881881",    "4222222222222",    "4242424242424242",
    "4000056655665556", "4000002500003155",    "4000000000003220", "5555555555554444",
    "5105105105105100", "5200828282828210",    "2223003122003222", "2222400070000005",
    "378282246310005",  "371449635398431",     "378734493671000",  "6011111111111117",
    "6011000990139424", "6011981111111113",    "30569309025904",   "38520000023237",
    "36227206271667",   "3530111333300000",    "3566002020360505", "3566111111111113",
    "6200000000000005", "6205500000000000004", "6759649826438453", "6799990100000000019",
    "2201382000000013", "5019717010103742"};

bool IsTestPan(std::string_view digits) {
  return std::find(std::begin(kTestPans), std::end(kTestPans), digits) != std::end(kTestPans);
}

bool IsAlpha(uint8_t c) { return (c | 32) >= 'a' && (c | 32) <= 'z'; }
bool IsAlnum(uint8_t c) { return IsAlpha(c) || (c >= '0' && c <= '9'); }
bool IsUpper(uint8_t c) { return c >= 'A' && c <= 'Z'; }

struct Raw {
  Kind kind;
  size_t begin, end;
  std::string value;  // normalised value (never leaves this file except through the HMAC)
  std::string_view brand;
  bool test_value = false;
  int confidence = 0;
};

std::string Last4(std::string_view value) {
  return std::string(value.substr(value.size() >= 4 ? value.size() - 4 : 0));
}

std::string Mask(const Raw& raw) {
  switch (raw.kind) {
    case Kind::kPan:
      return "[PAN ****" + Last4(raw.value) + "]";
    case Kind::kTrack1:
      return "[TRACK1 ****" + Last4(raw.value) + "]";
    case Kind::kTrack2:
      return "[TRACK2 ****" + Last4(raw.value) + "]";
    case Kind::kCvv:
      return "[CVV ***]";
    case Kind::kExpiry:
      return "[EXP **/**]";
    case Kind::kSsn:
      return "[SSN ***-**-" + Last4(raw.value) + "]";
    case Kind::kIban:
      return "[IBAN ****" + Last4(raw.value) + "]";
  }
  return "[REDACTED]";
}

std::string Hmac(std::string_view key, std::string_view value) {
  if (key.empty()) return {};
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(key.data()),
                              key.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(value.data()),
                                value.size());
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_final(&state, mac);
  char hex[crypto_auth_hmacsha256_BYTES * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, mac, sizeof mac);
  sodium_memzero(&state, sizeof state);
  return hex;
}

struct IbanLength {
  char code[3];
  int length;
};
constexpr IbanLength kIbanLengths[] = {
    {"AD", 24}, {"AE", 23}, {"AL", 28}, {"AT", 20}, {"AZ", 28}, {"BA", 20}, {"BE", 16}, {"BG", 22},
    {"BH", 22}, {"BR", 29}, {"BY", 28}, {"CH", 21}, {"CR", 22}, {"CY", 28}, {"CZ", 24}, {"DE", 22},
    {"DK", 18}, {"DO", 28}, {"EE", 20}, {"EG", 29}, {"ES", 24}, {"FI", 18}, {"FO", 18}, {"FR", 27},
    {"GB", 22}, {"GE", 22}, {"GI", 23}, {"GL", 18}, {"GR", 27}, {"GT", 28}, {"HR", 21}, {"HU", 28},
    {"IE", 22}, {"IL", 23}, {"IQ", 23}, {"IS", 26}, {"IT", 27}, {"JO", 30}, {"KW", 30}, {"KZ", 20},
    {"LB", 28}, {"LC", 32}, {"LI", 21}, {"LT", 20}, {"LU", 20}, {"LV", 21}, {"MC", 27}, {"MD", 24},
    {"ME", 22}, {"MK", 19}, {"MR", 27}, {"MT", 31}, {"MU", 30}, {"NL", 18}, {"NO", 15}, {"PK", 24},
    {"PL", 28}, {"PS", 29}, {"PT", 25}, {"QA", 29}, {"RO", 24}, {"RS", 22}, {"SA", 24}, {"SC", 31},
    {"SE", 24}, {"SI", 19}, {"SK", 24}, {"SM", 27}, {"ST", 25}, {"SV", 28}, {"TL", 23}, {"TN", 24},
    {"TR", 26}, {"UA", 29}, {"VA", 22}, {"VG", 24}, {"XK", 20}};

int IbanCountryLength(const uint8_t* p) {
  for (const IbanLength& entry : kIbanLengths) {
    if (entry.code[0] == p[0] && entry.code[1] == p[1]) return entry.length;
  }
  return 0;
}

bool Mod97(std::string_view iban) {
  int r = 0;
  auto feed = [&r](char c) {
    if (c >= '0' && c <= '9') {
      r = (r * 10 + (c - '0')) % 97;
    } else {
      r = (r * 100 + (c - 'A' + 10)) % 97;
    }
  };
  for (char c : iban.substr(4)) feed(c);
  for (char c : iban.substr(0, 4)) feed(c);
  return r == 1;
}

// An IBAN starting at `at` (two capital letters, two check digits, BBAN in groups of single
// spaces): its end, or 0.
size_t TryIban(const uint8_t* p, size_t at, size_t n, std::string* value) {
  if (at > 0 && IsAlnum(p[at - 1])) return 0;
  const int expected = IbanCountryLength(p + at);
  std::string chars;
  size_t ends[34];
  bool space_before[34];
  size_t i = at;
  bool space = false;
  while (i < n && chars.size() < 34) {
    const uint8_t c = p[i];
    if (IsUpper(c) || (c >= '0' && c <= '9')) {
      space_before[chars.size()] = space;
      chars.push_back(static_cast<char>(c));
      ends[chars.size() - 1] = i + 1;
      space = false;
      ++i;
    } else if (c == ' ' && !space && i + 1 < n &&
               (IsUpper(p[i + 1]) || (p[i + 1] >= '0' && p[i + 1] <= '9'))) {
      space = true;
      ++i;
    } else {
      break;
    }
  }
  if (chars.size() < 4 || !(chars[2] >= '0' && chars[2] <= '9') ||
      !(chars[3] >= '0' && chars[3] <= '9')) {
    return 0;
  }
  size_t length = 0;
  const bool token_ends = i >= n || !IsAlnum(p[i]);
  if (expected > 0) {
    const size_t want = static_cast<size_t>(expected);
    if (chars.size() < want) return 0;
    if (chars.size() > want && !space_before[want]) return 0;
    if (chars.size() == want && !token_ends) return 0;
    length = want;
  } else {
    if (chars.size() < 15 || !token_ends) return 0;
    length = chars.size();
  }
  chars.resize(length);
  if (!Mod97(chars)) return 0;
  *value = chars;
  return ends[length - 1];
}

// Track 2 after a PAN run ending at `end`: ';'? PAN '=' YYMM ... '?'. Returns [begin, end).
bool TryTrack2(const uint8_t* p, size_t run_begin, size_t run_end, size_t n, size_t* begin,
               size_t* end) {
  if (run_end >= n || p[run_end] != '=') return false;
  size_t i = run_end + 1;
  size_t digits = 0;
  while (i < n && p[i] >= '0' && p[i] <= '9' && i - run_begin < 40) {
    ++i;
    ++digits;
  }
  if (digits < 4) return false;
  if (i < n && p[i] == '?') ++i;
  *begin = run_begin > 0 && p[run_begin - 1] == ';' ? run_begin - 1 : run_begin;
  *end = i;
  return true;
}

// EMV tag 57 (track 2 equivalent data, as terminals log it in hex): PAN 'D' YYMM ... 'F'*.
// Returns [begin, end).
bool TryTrackEmv(const uint8_t* p, size_t run_begin, size_t run_end, size_t n, size_t* begin,
                 size_t* end) {
  if (run_end >= n || p[run_end] != 'D') return false;
  size_t i = run_end + 1;
  size_t digits = 0;
  while (i < n && p[i] >= '0' && p[i] <= '9' && i - run_begin < 40) {
    ++i;
    ++digits;
  }
  if (digits < 4) return false;
  while (i < n && (p[i] == 'F' || p[i] == 'f') && i - run_begin < 41) ++i;
  *begin = run_begin;
  *end = i;
  return true;
}

// Track 1: '%'? 'B' PAN '^' NAME '^' YYMM ... '?'.
bool TryTrack1(const uint8_t* p, size_t run_begin, size_t run_end, size_t n, size_t* begin,
               size_t* end) {
  if (run_begin == 0 || p[run_begin - 1] != 'B' || run_end >= n || p[run_end] != '^') {
    return false;
  }
  size_t i = run_end + 1;
  const size_t name_begin = i;
  // The name ends at '^'; a mask ('[') inside it means this is no track (a mask's digits
  // would otherwise make one of the text around it).
  while (i < n && p[i] != '^' && p[i] != '\n' && p[i] != '\r' && p[i] != '[' &&
         i - name_begin <= 26) {
    ++i;
  }
  if (i >= n || p[i] != '^') return false;
  ++i;
  size_t digits = 0;
  const size_t limit = run_begin + 79;
  // Up to the end sentinel, the next track, or a mask ('['): a mask's last four are never
  // this track's expiry.
  while (i < n && i < limit && p[i] != '?' && p[i] != '\n' && p[i] != '\r' && p[i] != '%' &&
         p[i] != '[') {
    if (p[i] >= '0' && p[i] <= '9') ++digits;
    ++i;
  }
  if (digits < 4) return false;
  if (i < n && p[i] == '?') ++i;
  *begin = run_begin >= 2 && p[run_begin - 2] == '%' ? run_begin - 2 : run_begin - 1;
  *end = i;
  return true;
}

// A hexadecimal token (a hash, a UUID part) of 20+ characters around a single-group run.
bool InHexToken(const uint8_t* p, size_t begin, size_t end, size_t n) {
  const bool letter_before = begin > 0 && IsAlpha(p[begin - 1]);
  const bool letter_after = end < n && IsAlpha(p[end]);
  if (!letter_before && !letter_after) return false;
  size_t b = begin, e = end;
  while (b > 0 && IsAlnum(p[b - 1])) --b;
  while (e < n && IsAlnum(p[e])) ++e;
  if (e - b < 20) return false;
  // '%' and a format code start track 1 data ("%B4111..."): card numbers follow, not a hash.
  if (b > 0 && p[b - 1] == '%' && IsUpper(p[b])) return false;
  // Two card numbers joined by a letter ("4111...B5555...") are numbers, not a hash: a decimal
  // run that passes Luhn and an issuer prefix turns up in a random hex id, two hardly ever.
  // So are digits with a single letter among them ("115B4111..."): a hex id has several.
  int cards = 0, letters = 0;
  size_t run_begin = b;
  for (size_t i = b; i <= e; ++i) {
    const char c = i < e ? Lower(p[i]) : 'x';
    if (c >= '0' && c <= '9') continue;
    if (i < e && (c < 'a' || c > 'f')) return false;
    if (i < e) ++letters;
    const std::string_view digits(reinterpret_cast<const char*>(p + run_begin), i - run_begin);
    if (digits.size() >= 12 && digits.size() <= 19 && Luhn(digits) &&
        MatchIssuer(digits) != nullptr) {
      ++cards;
    }
    run_begin = i + 1;
  }
  return cards < 2 && letters >= 2;
}

bool SsnValid(std::string_view d) {
  const int area = (d[0] - '0') * 100 + (d[1] - '0') * 10 + (d[2] - '0');
  if (area == 0 || area == 666 || area >= 900) return false;
  if (d.substr(3, 2) == "00" || d.substr(5, 4) == "0000") return false;
  return true;
}

// The most digits of a run whose pieces may be an expiry or a CVV ("12/2027 123").
constexpr int kMaxShortDigits = 8;

struct Candidate {
  Kind kind;  // kExpiry or kCvv
  size_t begin, end;
  std::string value;
};

class TextScanner {
 public:
  TextScanner(const uint8_t* p, size_t n) : p_(p), n_(n) {}

  // `prefilter`: read only the lines HotLines marks (the same findings, see there).
  std::vector<Raw> Run(bool prefilter) {
    const std::vector<Span> spans = prefilter ? HotLines(p_, n_).Run() : std::vector<Span>{{0, n_}};
    size_t i = 0;
    for (const Span& span : spans) {
      i = std::max(i, span.begin);
      while (true) {
        i = kNextCandidate(p_, i, span.end);
        if (i >= span.end) break;
        int len = 0;
        if (DigitAt(p_ + i, p_ + n_, &len) < 0) {
          ++i;
          continue;
        }
        i = OnRun(i);
      }
    }
    Classify();
    return std::move(found_);
  }

 private:
  size_t OnRun(size_t at) {
    // "%20" before a number is an encoded space, not its first digits ("card=%204111...").
    if (at > 0 && p_[at - 1] == '%' && at + 2 < n_ && p_[at] == '2' && p_[at + 1] == '0' &&
        IsAsciiDigit(p_[at + 2])) {
      at += 2;
    }
    // IBAN: two capital letters just before the check digits.
    if (at >= 2 && IsUpper(p_[at - 1]) && IsUpper(p_[at - 2])) {
      std::string value;
      if (const size_t end = TryIban(p_, at - 2, n_, &value)) {
        found_.push_back({Kind::kIban, at - 2, end, std::move(value), {}, false, 90});
        return end;
      }
    }
    dlp::Run run = ReadRun(p_, at, n_, internal::kMaxMatchBytes);
    if (run.long_run) return run.end;
    if (at > 0 && p_[at - 1] == '+') return run.end;  // E.164
    // Two numbers that a space joins are two tokens where the grouping changes: "12/27 4111
    // 1111 ...", "20240115123456 4111 ...". The first is checked whole; the rest is read again.
    size_t rest = 0;
    for (int g = 1; g < run.groups && !IsFourSixRest(run, run.groups); ++g) {
      if (run.sep[g - 1] != ' ') continue;
      const bool kind_changes =
          (g >= 2 && run.sep[g - 2] != ' ') || (g + 1 < run.groups && run.sep[g] != ' ');
      if (kind_changes || run.group_len[g - 1] > 6 || run.group_len[g] > 6) {
        rest = run.group_begin[g];
        run.count = static_cast<int>(PrefixDigits(run, g));
        run.end = run.group_end[g - 1];
        run.groups = g;
        break;
      }
    }
    const size_t next = OnToken(run);
    return rest != 0 && next == run.end ? rest : next;
  }

  size_t OnToken(const dlp::Run& run) {
    const std::string_view digits(run.digits, static_cast<size_t>(run.count));
    if (run.groups == 1 && run.count >= 12 && run.count <= 19 && !AllSame(digits) && Luhn(digits)) {
      size_t begin = 0, end = 0;
      if (TryTrack2(p_, run.begin, run.end, n_, &begin, &end)) {
        AddPan(Kind::kTrack2, begin, end, digits, PanBrand(digits));
        return end;
      }
      if (TryTrack1(p_, run.begin, run.end, n_, &begin, &end)) {
        AddPan(Kind::kTrack1, begin, end, digits, PanBrand(digits));
        return end;
      }
    }
    if (run.groups == 1 && run.end < n_ && p_[run.end] == 'D') {
      // Tag 57: the PAN, or "57" and a length byte before it when the tag is written joined.
      size_t begin = 0, end = 0;
      for (const size_t skip : {size_t{0}, size_t{4}}) {
        if (skip == 4 && !digits.starts_with("57")) break;
        const std::string_view pan = digits.substr(std::min(skip, digits.size()));
        const std::string_view brand = PanBrand(pan);
        if (!brand.empty() && TryTrackEmv(p_, run.begin, run.end, n_, &begin, &end)) {
          AddPan(Kind::kTrack2, begin, end, pan, brand);
          return end;
        }
      }
    }
    if (run.groups == 1 && InHexToken(p_, run.begin, run.end, n_)) return run.end;
    if (IsPanShape(run, run.groups)) {
      if (std::string_view brand = PanBrand(digits); !brand.empty()) {
        AddPan(Kind::kPan, run.begin, run.end, digits, brand);
        return run.end;
      }
    }
    // A run is a PAN or it is not: never a window of it (issue 5). A longer number's groups are
    // not expiry or CVV candidates either.
    OnShortRun(run, digits);
    return run.end;
  }

  static size_t PrefixDigits(const dlp::Run& run, int groups) {
    size_t count = 0;
    for (int g = 0; g < groups; ++g) count += run.group_len[g];
    return count;
  }

  // 4-6-rest ("6011 123456 1234567", Amex's 4-6-5 and Diners' 4-6-4 included): three groups
  // joined by one kind of separator.
  static bool IsFourSixRest(const dlp::Run& run, int groups) {
    return groups == 3 && run.group_len[0] == 4 && run.group_len[1] == 6 &&
           run.sep[0] == run.sep[1];
  }

  // The first `groups` groups look like a written card number: one group, 4-6-rest, or groups of
  // at most six digits joined by one kind of separator.
  static bool IsPanShape(const dlp::Run& run, int groups) {
    if (groups == 1 || IsFourSixRest(run, groups)) return true;
    for (int g = 0; g < groups; ++g) {
      if (run.group_len[g] > 6) return false;
      if (g + 1 < groups && run.sep[g] != run.sep[0]) return false;
    }
    return true;
  }

  void OnShortRun(const dlp::Run& run, std::string_view digits) {
    if (run.groups == 3 && run.group_len[0] == 3 && run.group_len[1] == 2 &&
        run.group_len[2] == 4 && run.sep[0] == run.sep[1] &&
        (run.sep[0] == '-' || run.sep[0] == ' ')) {
      if (SsnValid(digits)) {
        const bool context = HasKeyword(p_, Back(run.begin, 40), run.begin, kSsnWords);
        found_.push_back(
            {Kind::kSsn, run.begin, run.end, std::string(digits), {}, false, context ? 95 : 60});
        return;
      }
    }
    if (run.groups == 1 && run.count == 9 && SsnValid(digits) &&
        HasKeyword(p_, Back(run.begin, 40), run.begin, kSsnWords)) {
      found_.push_back({Kind::kSsn, run.begin, run.end, std::string(digits), {}, false, 80});
      return;
    }
    if (run.count > kMaxShortDigits) return;
    // Split at space-like separators; each piece may be an expiry or a CVV.
    int g = 0;
    size_t offset = 0;
    while (g < run.groups) {
      int last = g;
      while (last + 1 < run.groups && run.sep[last] != ' ') ++last;
      const int pieces = last - g + 1;
      const size_t piece_digits = PrefixDigits(run, last + 1) - PrefixDigits(run, g);
      const std::string_view piece = digits.substr(offset, piece_digits);
      const size_t begin = run.group_begin[g], end = run.group_end[last];
      if (pieces == 2 && run.group_len[g] == 2 &&
          (run.group_len[g + 1] == 2 || run.group_len[g + 1] == 4) &&
          (run.sep[g] == '/' || run.sep[g] == '-')) {
        const int month = (piece[0] - '0') * 10 + (piece[1] - '0');
        if (month >= 1 && month <= 12) {
          candidates_.push_back({Kind::kExpiry, begin, end, std::string(piece)});
        }
      } else if (pieces == 1 && (piece_digits == 3 || piece_digits == 4)) {
        candidates_.push_back({Kind::kCvv, begin, end, std::string(piece)});
      }
      offset += piece_digits;
      g = last + 1;
    }
  }

  void AddPan(Kind kind, size_t begin, size_t end, std::string_view digits,
              std::string_view brand) {
    Raw raw{kind, begin, end, std::string(digits), brand, IsTestPan(digits), 0};
    int confidence = kind == Kind::kPan ? 55 : 90;
    if (HasKeyword(p_, Back(begin, internal::kContextBytes),
                   std::min(n_, end + internal::kContextBytes), kCardWords)) {
      confidence += 35;
    }
    raw.confidence = std::min(confidence, 100);
    found_.push_back(std::move(raw));
    card_ends_.push_back(end);
    card_begins_.push_back(begin);
  }

  size_t Back(size_t at, size_t by) const { return at > by ? at - by : 0; }

  // Near a card on the same line: a PAN or track ending at most `after` bytes before, or
  // starting at most `before` bytes after. Without a keyword, a number on another line is never
  // card data (a log's next line starts with a date or a process id).
  bool NearCard(size_t begin, size_t end, size_t after, size_t before) const {
    for (size_t i = 0; i < card_ends_.size(); ++i) {
      if (card_ends_[i] <= begin && begin - card_ends_[i] <= after &&
          SameLine(card_ends_[i], begin)) {
        return true;
      }
      if (card_begins_[i] >= end && card_begins_[i] - end <= before &&
          SameLine(end, card_begins_[i])) {
        return true;
      }
    }
    return false;
  }

  bool SameLine(size_t from, size_t to) const {
    return std::memchr(p_ + from, '\n', to - from) == nullptr;
  }

  void Classify() {
    std::vector<size_t> expiry_ends;
    for (const Candidate& c : candidates_) {
      if (c.kind != Kind::kExpiry) continue;
      const bool keyword = HasKeyword(p_, Back(c.begin, 24), c.begin, kExpiryWords);
      if (keyword || NearCard(c.begin, c.end, internal::kNearBytes, internal::kNearBytes)) {
        found_.push_back({Kind::kExpiry, c.begin, c.end, c.value, {}, false, keyword ? 90 : 75});
        expiry_ends.push_back(c.end);
      }
    }
    for (const Candidate& c : candidates_) {
      if (c.kind != Kind::kCvv) continue;
      bool accept = HasKeyword(p_, Back(c.begin, 24), c.begin, kCvvWords);
      if (!accept) accept = NearCard(c.begin, c.end, internal::kCvvBytes, 0);
      for (size_t e : expiry_ends) {
        if (e <= c.begin && c.begin - e <= internal::kCvvBytes && SameLine(e, c.begin)) {
          accept = true;
        }
      }
      if (accept) found_.push_back({Kind::kCvv, c.begin, c.end, c.value, {}, false, 80});
    }
  }

  const uint8_t* p_;
  size_t n_;
  std::vector<Raw> found_;
  std::vector<Candidate> candidates_;
  std::vector<size_t> card_begins_, card_ends_;
};

// Transcript mode: spoken digit words, numerals, "double"/"triple", filler words between
// groups. A sequence closes at a word that is none of these, at a gap of more than
// kSpokenGap bytes, after more than kMaxFillers fillers in a row, or at 19 digits; with 12 or
// more digits it is a PAN whatever Luhn says (fail closed).
constexpr size_t kSpokenGap = 16;
constexpr int kMaxFillers = 3;

struct DigitWord {
  std::string_view word;
  char digit;
};
constexpr DigitWord kDigitWords[] = {{"zero", '0'}, {"oh", '0'},   {"o", '0'},     {"nought", '0'},
                                     {"one", '1'},  {"two", '2'},  {"three", '3'}, {"four", '4'},
                                     {"five", '5'}, {"six", '6'},  {"seven", '7'}, {"eight", '8'},
                                     {"nine", '9'}, {"niner", '9'}};
constexpr std::string_view kFillers[] = {
    "uh",    "um",    "umm",  "uhm",    "er",   "erm",  "ah",     "hmm",   "mm",    "and",
    "then",  "is",    "it's", "its",    "it",   "my",   "number", "card",  "the",   "a",
    "so",    "okay",  "ok",   "yeah",   "yes",  "like", "that's", "sorry", "again", "dash",
    "space", "comma", "next", "digits", "ends", "with", "wait"};

// Whether the digits [begin, end) are the kept characters at the end of a mask: right after
// its stars, or up to its closing ']' with stars a few letters, digits or dashes before.
bool InMaskTail(const uint8_t* p, size_t n, size_t begin, size_t end) {
  if (end - begin > 4) return false;  // a mask keeps four: "*1234567890123456" is a number
  if (begin > 0 && p[begin - 1] == '*') return true;
  if (end >= n || p[end] != ']') return false;
  for (size_t k = begin; k > 0 && begin - k < 8; --k) {
    const uint8_t c = p[k - 1];
    if (c == '*') return true;
    if (!IsAsciiDigit(c) && !IsAlpha(c) && c != '-') return false;
  }
  return false;
}

// `blocked`: text findings other than PANs (IBAN, SSN, track data...), sorted; a spoken
// sequence never runs through them.
std::vector<Raw> SpokenScan(std::string_view text, const std::vector<Raw>& blocked) {
  size_t next_block = 0;
  const auto* p = reinterpret_cast<const uint8_t*>(text.data());
  const size_t n = text.size();
  std::vector<Raw> out;
  bool open = false;
  size_t begin = 0, end = 0;
  std::string digits;
  int fillers = 0;
  int multiplier = 0;
  size_t multiplier_begin = 0;
  size_t last_token_end = 0;
  // `part_of_longer`: the sequence closes because the next token would take it past 19 digits;
  // it was then part of a longer spoken number and is masked even under 12 digits (fail closed:
  // the split of 11 + 9 digits would otherwise leave all 20 in the clear).
  auto close = [&](bool part_of_longer = false) {
    if (open && (digits.size() >= 12 || part_of_longer)) {
      out.push_back({Kind::kPan, begin, end, digits, {}, IsTestPan(digits), 90});
    }
    open = false;
    digits.clear();
    fillers = 0;
    multiplier = 0;
  };
  // A token's digits are never split between two sequences.
  auto add = [&](size_t token_begin, size_t token_end, std::string_view token) {
    const size_t times = multiplier > 0 ? static_cast<size_t>(multiplier) : 1;
    const size_t adding = token.size() == 1 ? times : token.size();
    if (open && digits.size() + adding > 19) close(/*part_of_longer=*/true);
    if (!open) {
      open = true;
      begin = multiplier > 0 ? multiplier_begin : token_begin;
    }
    if (token.size() == 1) {
      digits.append(times, token[0]);
    } else {
      digits.append(token);
    }
    end = token_end;
    fillers = 0;
    multiplier = 0;
    if (digits.size() >= 19) close();
  };
  size_t i = 0;
  while (i < n) {
    while (next_block < blocked.size() && blocked[next_block].end <= i) ++next_block;
    if (next_block < blocked.size() && blocked[next_block].begin <= i) {
      close();
      i = blocked[next_block].end;
      last_token_end = i;
      continue;
    }
    const uint8_t c = p[i];
    int len = 0;
    const bool is_digit = DigitAt(p + i, p + n, &len) >= 0;
    if (!is_digit && !IsAlpha(c) && c < 0x80) {
      ++i;
      continue;
    }
    if (open && i - last_token_end > kSpokenGap) close();
    if (is_digit) {
      const size_t token_begin = i;
      std::string numeral;
      while (i < n) {
        const size_t j = SkipZeroWidth(p, i, n);
        const int d = j < n ? DigitAt(p + j, p + n, &len) : -1;
        if (d < 0) break;
        numeral.push_back(static_cast<char>('0' + d));
        i = j + len;
      }
      last_token_end = i;
      if (numeral.size() > 19) {
        close();
        continue;
      }
      // The last four of a mask ("****1111", "***-**-6789", "****22D0"): never part of a
      // spoken number, or redacting a redacted transcript would mask them again.
      if (InMaskTail(p, n, token_begin, i)) {
        close();
        continue;
      }
      add(token_begin, i, numeral);
      continue;
    }
    if (c >= 0x80) {  // a letter of another script: not a spoken digit
      close();
      ++i;
      while (i < n && (p[i] & 0xC0) == 0x80) ++i;
      last_token_end = i;
      continue;
    }
    const size_t word_begin = i;
    std::string word;
    while (i < n && (IsAlpha(p[i]) || p[i] == '\'')) {
      if (word.size() <= 16) word.push_back(Lower(p[i]));
      ++i;
    }
    last_token_end = i;
    const auto digit_word = std::find_if(std::begin(kDigitWords), std::end(kDigitWords),
                                         [&](const DigitWord& w) { return w.word == word; });
    if (digit_word != std::end(kDigitWords)) {
      add(word_begin, i, std::string_view(&digit_word->digit, 1));
    } else if (word == "double" || word == "triple") {
      multiplier = word == "double" ? 2 : 3;
      multiplier_begin = word_begin;
    } else if (open &&
               std::find(std::begin(kFillers), std::end(kFillers), word) != std::end(kFillers)) {
      if (++fillers > kMaxFillers) close();
    } else {
      close();
    }
  }
  close();
  return out;
}

}  // namespace

namespace internal {

bool PrefilterPathSupported(PrefilterPath path) {
  switch (path) {
    case PrefilterPath::kAuto:
    case PrefilterPath::kScalar:
      return true;
#ifdef FG_DLP_X86
    case PrefilterPath::kAvx2:
      return __builtin_cpu_supports("avx2");
    case PrefilterPath::kAvx512:
      return __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
             __builtin_cpu_supports("bmi2");
    case PrefilterPath::kAvx512Vbmi:
      return PrefilterPathSupported(PrefilterPath::kAvx512) &&
             __builtin_cpu_supports("avx512vbmi") && __builtin_cpu_supports("avx512vbmi2");
#endif
    default:
      return false;
  }
}

void ForcePrefilterPath(PrefilterPath path) { forced_path.store(path, std::memory_order_relaxed); }

std::vector<std::pair<size_t, size_t>> HotSpans(std::string_view text, PrefilterPath path) {
  if (!PrefilterPathSupported(path)) return {};
  const std::vector<Span> spans =
      HotLines(reinterpret_cast<const uint8_t*>(text.data()), text.size()).Run(path);
  std::vector<std::pair<size_t, size_t>> out;
  out.reserve(spans.size());
  for (const Span& s : spans) out.emplace_back(s.begin, s.end);
  return out;
}

std::vector<Finding> Detect(std::string_view text, uint64_t base, const Options& options,
                            bool prefilter) {
  const auto* p = reinterpret_cast<const uint8_t*>(text.data());
  std::vector<Raw> raws = TextScanner(p, text.size()).Run(prefilter);
  if (options.mode == Mode::kTranscript) {
    std::vector<Raw> blocked;
    for (const Raw& raw : raws) {
      if (raw.kind != Kind::kPan) blocked.push_back(raw);
    }
    std::sort(blocked.begin(), blocked.end(),
              [](const Raw& a, const Raw& b) { return a.begin < b.begin; });
    std::vector<Raw> spoken = SpokenScan(text, blocked);
    // Spoken sequences win over any text finding they overlap (they fail closed), and then
    // cover all of it too: a spoken number may start inside "%20" before a track and stop at
    // its 19th digit, and the track's data after it must not be left in the clear. Text
    // findings never overlap each other, so one pass finds every one a sequence touches.
    for (Raw& s : spoken) {
      for (const Raw& raw : raws) {
        if (raw.begin < s.end && s.begin < raw.end) {
          s.begin = std::min(s.begin, raw.begin);
          s.end = std::max(s.end, raw.end);
        }
      }
    }
    std::vector<Raw> merged;  // sequences that now overlap become one
    for (Raw& s : spoken) {
      if (!merged.empty() && s.begin < merged.back().end) {
        merged.back().end = std::max(merged.back().end, s.end);
        sodium_memzero(s.value.data(), s.value.size());
      } else {
        merged.push_back(std::move(s));
      }
    }
    std::erase_if(raws, [&](const Raw& raw) {
      for (const Raw& s : merged) {
        if (raw.begin < s.end && s.begin < raw.end) return true;
      }
      return false;
    });
    for (Raw& s : merged) raws.push_back(std::move(s));
  }
  std::sort(raws.begin(), raws.end(), [](const Raw& a, const Raw& b) { return a.begin < b.begin; });
  std::vector<Finding> findings;
  findings.reserve(raws.size());
  for (Raw& raw : raws) {
    Finding f;
    f.kind = raw.kind;
    f.brand = std::string(raw.brand);
    f.offset = base + raw.begin;
    f.length = raw.end - raw.begin;
    f.masked = Mask(raw);
    f.hmac = Hmac(options.hmac_key, raw.value);
    f.test_value = raw.test_value;
    f.confidence = raw.confidence;
    sodium_memzero(raw.value.data(), raw.value.size());
    findings.push_back(std::move(f));
  }
  return findings;
}

std::string Replacement(const Finding& finding, std::string_view covered) {
  std::string out = finding.masked;
  // A mask never swallows a line: the newlines of a spoken span stay in place.
  for (char c : covered) {
    if (c == '\n') out.push_back('\n');
  }
  return out;
}

}  // namespace internal

std::string_view KindName(Kind kind) {
  switch (kind) {
    case Kind::kPan:
      return "pan";
    case Kind::kTrack1:
      return "track1";
    case Kind::kTrack2:
      return "track2";
    case Kind::kCvv:
      return "cvv";
    case Kind::kExpiry:
      return "expiry";
    case Kind::kSsn:
      return "ssn";
    case Kind::kIban:
      return "iban";
  }
  return "unknown";
}

std::string Redact(std::string_view text, const Options& options, std::vector<Finding>* findings) {
  std::vector<Finding> found = internal::Detect(text, 0, options);
  std::string out;
  out.reserve(text.size());
  size_t at = 0;
  for (const Finding& f : found) {
    if (f.offset < at) continue;  // findings never overlap; this keeps Redact safe if one did
    out.append(text.substr(at, f.offset - at));
    out.append(internal::Replacement(f, text.substr(f.offset, f.length)));
    at = f.offset + f.length;
  }
  out.append(text.substr(at));
  if (findings != nullptr) *findings = std::move(found);
  return out;
}

std::vector<Finding> Scan(std::string_view text, const Options& options) {
  return internal::Detect(text, 0, options);
}

bool Contains(std::string_view text, const Options& options) {
  return !internal::Detect(text, 0, options).empty();
}

}  // namespace fg::dlp
