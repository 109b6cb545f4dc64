// Streaming text decoders of the scanner (private to src/scan): every stage takes chunks of any
// size, keeps at most a few bytes between calls, and passes UTF-8 on to the next stage.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <string_view>

namespace fg::scan::internal {

using TextOut = std::function<void(std::string_view)>;

// Bytes -> UTF-8. A BOM selects UTF-8, UTF-16LE or UTF-16BE; without one the bytes are read as
// UTF-8 and every byte that is not part of a valid UTF-8 sequence is read as Latin-1. The
// fallback is per byte, not per file, so a file can be decoded in one pass in constant memory;
// a Latin-1 text whose accented letters happen to form valid UTF-8 is the (rare) loss.
// Line breaks are kept, so line numbers of the output are those of the input.
class TextDecoder {
 public:
  enum class Encoding { kUnknown, kUtf8, kUtf16Le, kUtf16Be };
  explicit TextDecoder(TextOut out) : out_(std::move(out)) {}
  void Feed(std::string_view bytes);
  void Finish();
  Encoding encoding() const { return encoding_; }
  bool saw_latin1() const { return saw_latin1_; }

 private:
  void DecodeUtf8(std::string_view bytes, bool final);
  void DecodeUtf16(std::string_view bytes, bool final);
  void Flush();

  TextOut out_;
  Encoding encoding_ = Encoding::kUnknown;
  bool saw_latin1_ = false;
  std::string carry_;  // an incomplete sequence (or the first bytes, before the BOM check)
  uint32_t high_surrogate_ = 0;
  std::string buffer_;
};

// XML (UTF-8) -> its character data: tags and attributes dropped, entities decoded. Ends of
// paragraphs, rows and breaks become '\n' and cells and tabs '\t', so the digits of two
// paragraphs or cells are never joined into one number while runs split inside a paragraph
// (<w:t>4111 </w:t><w:t>1111</w:t>) are.
class XmlText {
 public:
  explicit XmlText(TextOut out) : out_(std::move(out)) {}
  void Feed(std::string_view utf8);
  void Finish();

 private:
  void EndTag();
  void EndEntity();
  void Flush();

  TextOut out_;
  enum class State { kText, kTag, kEntity } state_ = State::kText;
  char quote_ = 0;
  std::string tag_;  // the first bytes of the current tag (its name)
  bool tag_name_done_ = false;
  char tag_last_ = 0;
  char last_ = '\n';  // the last character passed on  // '/' at the end: a self-closing tag
  std::string entity_;
  std::string buffer_;
};

// Base64 bytes -> binary; whitespace and stray characters are skipped, '=' ends the data.
class Base64Decoder {
 public:
  explicit Base64Decoder(TextOut out) : out_(std::move(out)) {}
  void Feed(std::string_view text);
  void Finish();

 private:
  TextOut out_;
  uint32_t bits_ = 0;
  int count_ = 0;
  bool done_ = false;
  std::string buffer_;
};

// One line of a quoted-printable body (without its line break) -> bytes; a soft break (final
// '=') joins the line to the next.
std::string DecodeQuotedPrintableLine(std::string_view line, bool* soft_break);

// Header text with its RFC 2047 encoded-words (=?charset?B?...?= and =?charset?Q?...?=)
// decoded to their bytes; the whitespace between two adjacent encoded-words is dropped, as the
// RFC says, so a number split across two words is one number again. Anything that is not a
// well-formed encoded-word stays as it is. The bytes are those of the word's charset: UTF-8
// and ASCII as they are, Latin-1 read by TextDecoder's per-byte fallback.
std::string DecodeEncodedWords(std::string_view header_text);

// Maps byte offsets of a stream to 1-based line numbers while keeping only the line breaks of
// the last `window` bytes: a finding reported up to `window` bytes after its start still gets
// its line; an older one gets 0 (unknown).
class LineTracker {
 public:
  explicit LineTracker(uint64_t window = 4 << 20) : window_(window) {}
  void Feed(std::string_view text);
  uint64_t LineAt(uint64_t offset) const;
  uint64_t fed() const { return fed_; }

 private:
  uint64_t window_;
  uint64_t fed_ = 0;
  uint64_t dropped_lines_ = 0;
  uint64_t dropped_until_ = 0;  // offsets below this may have lost their line
  std::deque<uint64_t> breaks_;
};

}  // namespace fg::scan::internal
