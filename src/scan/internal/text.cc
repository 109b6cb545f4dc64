#include "scan/internal/text.h"

#include <algorithm>
#include <array>
#include <cstring>

namespace fg::scan::internal {
namespace {

constexpr size_t kFlushAt = 64 << 10;

void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Length of the valid UTF-8 sequence at s[0], 0 when invalid, -1 when it may be valid but is cut
// off by the end of the buffer.
int Utf8SequenceLength(const unsigned char* s, size_t available) {
  unsigned char c = s[0];
  int length;
  unsigned char low = 0x80, high = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    length = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    length = 3;
    if (c == 0xE0) low = 0xA0;
    if (c == 0xED) high = 0x9F;  // no UTF-16 surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    length = 4;
    if (c == 0xF0) low = 0x90;
    if (c == 0xF4) high = 0x8F;
  } else {
    return 0;
  }
  for (int i = 1; i < length; ++i) {
    if (static_cast<size_t>(i) >= available) return -1;
    unsigned char lo = i == 1 ? low : 0x80, hi = i == 1 ? high : 0xBF;
    if (s[i] < lo || s[i] > hi) return 0;
  }
  return length;
}

}  // namespace

void TextDecoder::Flush() {
  if (!buffer_.empty()) {
    out_(buffer_);
    buffer_.clear();
  }
}

void TextDecoder::Feed(std::string_view bytes) {
  if (encoding_ == Encoding::kUnknown) {
    carry_.append(bytes);
    if (carry_.size() < 3) return;
    std::string head;
    head.swap(carry_);
    std::string_view rest(head.data(), head.size());
    if (rest.starts_with("\xEF\xBB\xBF")) {
      encoding_ = Encoding::kUtf8;
      rest.remove_prefix(3);
    } else if (rest.starts_with("\xFF\xFE")) {
      encoding_ = Encoding::kUtf16Le;
      rest.remove_prefix(2);
    } else if (rest.starts_with("\xFE\xFF")) {
      encoding_ = Encoding::kUtf16Be;
      rest.remove_prefix(2);
    } else {
      encoding_ = Encoding::kUtf8;
    }
    Feed(rest);
    return;
  }
  if (encoding_ == Encoding::kUtf8) {
    DecodeUtf8(bytes, false);
  } else {
    DecodeUtf16(bytes, false);
  }
}

void TextDecoder::Finish() {
  if (encoding_ == Encoding::kUnknown) {
    // Fewer than 3 bytes in all: a 2-byte UTF-16 BOM may still be there.
    std::string head;
    head.swap(carry_);
    std::string_view rest(head.data(), head.size());
    encoding_ = Encoding::kUtf8;
    if (rest.size() >= 2 && rest[0] == '\xFF' && rest[1] == '\xFE') {
      encoding_ = Encoding::kUtf16Le;
      rest.remove_prefix(2);
    } else if (rest.size() >= 2 && rest[0] == '\xFE' && rest[1] == '\xFF') {
      encoding_ = Encoding::kUtf16Be;
      rest.remove_prefix(2);
    }
    if (encoding_ == Encoding::kUtf8) {
      DecodeUtf8(rest, true);
    } else {
      DecodeUtf16(rest, true);
    }
  } else if (encoding_ == Encoding::kUtf8) {
    DecodeUtf8({}, true);
  } else {
    DecodeUtf16({}, true);
  }
  Flush();
}

void TextDecoder::DecodeUtf8(std::string_view bytes, bool final) {
  std::string joined;
  if (!carry_.empty()) {
    joined = std::move(carry_);
    carry_.clear();
    joined.append(bytes);
    bytes = joined;
  }
  const auto* s = reinterpret_cast<const unsigned char*>(bytes.data());
  size_t n = bytes.size(), i = 0;
  while (i < n) {
    size_t run = i;
    while (run < n && s[run] < 0x80) ++run;
    buffer_.append(bytes.data() + i, run - i);
    i = run;
    if (i >= n) break;
    int length = Utf8SequenceLength(s + i, n - i);
    if (length < 0 && !final) {
      carry_.assign(bytes.substr(i));
      break;
    }
    if (length > 0) {
      buffer_.append(bytes.data() + i, length);
      i += length;
    } else {
      saw_latin1_ = true;
      AppendUtf8(buffer_, s[i]);
      ++i;
    }
    if (buffer_.size() >= kFlushAt) Flush();
  }
  if (buffer_.size() >= kFlushAt || final) Flush();
}

void TextDecoder::DecodeUtf16(std::string_view bytes, bool final) {
  std::string joined;
  if (!carry_.empty()) {
    joined = std::move(carry_);
    carry_.clear();
    joined.append(bytes);
    bytes = joined;
  }
  const auto* s = reinterpret_cast<const unsigned char*>(bytes.data());
  size_t n = bytes.size() & ~size_t{1};
  bool little = encoding_ == Encoding::kUtf16Le;
  for (size_t i = 0; i < n; i += 2) {
    uint32_t unit = little ? (s[i] | (s[i + 1] << 8)) : ((s[i] << 8) | s[i + 1]);
    if (unit >= 0xD800 && unit <= 0xDBFF) {
      if (high_surrogate_ != 0) AppendUtf8(buffer_, 0xFFFD);
      high_surrogate_ = unit;
      continue;
    }
    if (unit >= 0xDC00 && unit <= 0xDFFF) {
      if (high_surrogate_ != 0) {
        AppendUtf8(buffer_, 0x10000 + ((high_surrogate_ - 0xD800) << 10) + (unit - 0xDC00));
      } else {
        AppendUtf8(buffer_, 0xFFFD);
      }
      high_surrogate_ = 0;
      continue;
    }
    if (high_surrogate_ != 0) {
      AppendUtf8(buffer_, 0xFFFD);
      high_surrogate_ = 0;
    }
    AppendUtf8(buffer_, unit);
    if (buffer_.size() >= kFlushAt) Flush();
  }
  if (bytes.size() > n) {
    if (final) {
      AppendUtf8(buffer_, 0xFFFD);
    } else {
      carry_.assign(bytes.substr(n));
    }
  }
  if (final && high_surrogate_ != 0) {
    AppendUtf8(buffer_, 0xFFFD);
    high_surrogate_ = 0;
  }
  if (buffer_.size() >= kFlushAt || final) Flush();
}

// ---- XmlText ----

namespace {

std::string_view LocalName(std::string_view name) {
  size_t colon = name.rfind(':');
  return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

// What a tag leaves in the text: '\n' ends a paragraph or row, '\t' separates cells.
char TagSeparator(std::string_view raw, bool self_closing) {
  bool closing = raw.starts_with("/");
  std::string_view name = raw;
  if (closing) name.remove_prefix(1);
  if (name.ends_with("/")) name.remove_suffix(1);
  name = LocalName(name);
  static constexpr std::array<std::string_view, 9> kBlocks = {
      "p", "h", "tr", "row", "si", "table-row", "list-item", "line-break", "br"};
  static constexpr std::array<std::string_view, 7> kCells = {"c",  "tc",  "table-cell", "tab",
                                                             "is", "sym", "cell"};
  bool is_break = name == "br" || name == "cr" || name == "line-break";
  if (is_break) return '\n';
  if (closing || self_closing) {
    if (std::find(kBlocks.begin(), kBlocks.end(), name) != kBlocks.end()) return '\n';
    if (std::find(kCells.begin(), kCells.end(), name) != kCells.end()) return '\t';
  }
  if (name == "tab") return '\t';
  if (name == "s" && self_closing) return ' ';  // ODF <text:s/> is a space
  return 0;
}

}  // namespace

void XmlText::Flush() {
  if (!buffer_.empty()) {
    out_(buffer_);
    buffer_.clear();
  }
}

void XmlText::EndTag() {
  if (char separator = TagSeparator(tag_, tag_last_ == '/'); separator != 0) {
    buffer_.push_back(separator);
  }
  tag_.clear();
  tag_name_done_ = false;
  tag_last_ = 0;
  quote_ = 0;
}

void XmlText::EndEntity() {
  std::string_view name = entity_;
  uint32_t cp = 0;
  if (name == "amp") {
    cp = '&';
  } else if (name == "lt") {
    cp = '<';
  } else if (name == "gt") {
    cp = '>';
  } else if (name == "quot") {
    cp = '"';
  } else if (name == "apos") {
    cp = '\'';
  } else if (name == "nbsp") {
    cp = 0xA0;
  } else if (name.starts_with("#x") || name.starts_with("#X")) {
    cp = static_cast<uint32_t>(std::strtoul(std::string(name.substr(2)).c_str(), nullptr, 16));
  } else if (name.starts_with("#")) {
    cp = static_cast<uint32_t>(std::strtoul(std::string(name.substr(1)).c_str(), nullptr, 10));
  }
  if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    buffer_.push_back('&');
    buffer_.append(entity_);
  } else {
    AppendUtf8(buffer_, cp);
  }
  entity_.clear();
}

void XmlText::Feed(std::string_view utf8) {
  for (char c : utf8) {
    switch (state_) {
      case State::kText:
        if (c == '<') {
          state_ = State::kTag;
        } else if (c == '&') {
          state_ = State::kEntity;
        } else if (c == '\n' || c == '\r') {
          // Layout whitespace between tags: a space (never joins two numbers), and none at
          // the start of a line, so paragraphs stay lines.
          if (last_ != '\n' && last_ != ' ' && last_ != '\t') buffer_.push_back(' ');
        } else {
          buffer_.push_back(c);
        }
        break;
      case State::kTag:
        if (quote_ != 0) {
          if (c == quote_) quote_ = 0;
        } else if (c == '"' || c == '\'') {
          quote_ = c;
        } else if (c == '>') {
          state_ = State::kText;
          EndTag();
        } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
          tag_name_done_ = true;
        } else {
          if (!tag_name_done_ && tag_.size() < 64) tag_.push_back(c);
          tag_last_ = c;
        }
        break;
      case State::kEntity:
        if (c == ';') {
          state_ = State::kText;
          EndEntity();
        } else if (entity_.size() >= 10 || c == '<' || c == '&' || c == ' ' || c == '\n') {
          buffer_.push_back('&');
          buffer_.append(entity_);
          entity_.clear();
          state_ = State::kText;
          if (c == '<') {
            state_ = State::kTag;
          } else if (c == '&') {
            state_ = State::kEntity;
          } else {
            buffer_.push_back(c);
          }
        } else {
          entity_.push_back(c);
        }
        break;
    }
    if (!buffer_.empty()) last_ = buffer_.back();
    if (buffer_.size() >= kFlushAt) Flush();
  }
  Flush();
}

void XmlText::Finish() {
  if (state_ == State::kEntity) {
    buffer_.push_back('&');
    buffer_.append(entity_);
  }
  entity_.clear();
  state_ = State::kText;
  Flush();
}

// ---- Base64 ----

namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// The encoded-word starting at text[at] ("=?"): its decoded bytes and its end, or false.
bool EncodedWordAt(std::string_view text, size_t at, std::string* decoded, size_t* end) {
  const size_t charset_end = text.find('?', at + 2);
  if (charset_end == std::string_view::npos || charset_end == at + 2 || charset_end - at > 2 + 64 ||
      charset_end + 2 >= text.size() || text[charset_end + 2] != '?') {
    return false;
  }
  const char kind = static_cast<char>(text[charset_end + 1] | 0x20);
  if (kind != 'b' && kind != 'q') return false;
  const size_t data_begin = charset_end + 3;
  const size_t close = text.find("?=", data_begin);
  if (close == std::string_view::npos) return false;
  const std::string_view data = text.substr(data_begin, close - data_begin);
  // No whitespace inside (RFC 2047); the 75-character limit is not enforced, senders break it.
  if (data.find_first_of(" \t\r\n") != std::string_view::npos) return false;
  decoded->clear();
  if (kind == 'b') {
    Base64Decoder base64([decoded](std::string_view bytes) { decoded->append(bytes); });
    base64.Feed(data);
    base64.Finish();
  } else {  // quoted-printable with '_' for a space
    std::string text_q(data);
    std::replace(text_q.begin(), text_q.end(), '_', ' ');
    bool soft_break = false;
    *decoded = DecodeQuotedPrintableLine(text_q, &soft_break);
  }
  *end = close + 2;
  return true;
}

}  // namespace

std::string DecodeEncodedWords(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool after_word = false;  // only whitespace since the last encoded-word
  size_t space_from = 0;    // where that whitespace starts in `out`
  std::string decoded;
  for (size_t i = 0; i < text.size();) {
    size_t end = 0;
    if (text[i] == '=' && i + 1 < text.size() && text[i + 1] == '?' &&
        EncodedWordAt(text, i, &decoded, &end)) {
      if (after_word) out.resize(space_from);
      out += decoded;
      after_word = true;
      space_from = out.size();
      i = end;
      continue;
    }
    const char c = text[i++];
    out.push_back(c);
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') after_word = false;
  }
  return out;
}

void Base64Decoder::Feed(std::string_view text) {
  for (char ch : text) {
    if (done_) break;
    int value;
    if (ch >= 'A' && ch <= 'Z') {
      value = ch - 'A';
    } else if (ch >= 'a' && ch <= 'z') {
      value = ch - 'a' + 26;
    } else if (ch >= '0' && ch <= '9') {
      value = ch - '0' + 52;
    } else if (ch == '+' || ch == '-') {
      value = 62;
    } else if (ch == '/' || ch == '_') {
      value = 63;
    } else if (ch == '=') {
      done_ = true;
      break;
    } else {
      continue;
    }
    bits_ = (bits_ << 6) | static_cast<uint32_t>(value);
    if (++count_ == 4) {
      buffer_.push_back(static_cast<char>((bits_ >> 16) & 0xFF));
      buffer_.push_back(static_cast<char>((bits_ >> 8) & 0xFF));
      buffer_.push_back(static_cast<char>(bits_ & 0xFF));
      bits_ = 0;
      count_ = 0;
    }
  }
  if (buffer_.size() >= kFlushAt) {
    out_(buffer_);
    buffer_.clear();
  }
}

void Base64Decoder::Finish() {
  if (count_ == 2) {
    buffer_.push_back(static_cast<char>((bits_ >> 4) & 0xFF));
  } else if (count_ == 3) {
    buffer_.push_back(static_cast<char>((bits_ >> 10) & 0xFF));
    buffer_.push_back(static_cast<char>((bits_ >> 2) & 0xFF));
  }
  count_ = 0;
  bits_ = 0;
  if (!buffer_.empty()) out_(buffer_);
  buffer_.clear();
}

std::string DecodeQuotedPrintableLine(std::string_view line, bool* soft_break) {
  while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r')) {
    line.remove_suffix(1);
  }
  *soft_break = line.ends_with("=");
  if (*soft_break) line.remove_suffix(1);
  std::string out;
  out.reserve(line.size());
  for (size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '=' && i + 2 < line.size()) {
      int hi = HexValue(line[i + 1]), lo = HexValue(line[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(line[i]);
  }
  return out;
}

// ---- LineTracker ----

void LineTracker::Feed(std::string_view text) {
  for (size_t pos = text.find('\n'); pos != std::string_view::npos;
       pos = text.find('\n', pos + 1)) {
    breaks_.push_back(fed_ + pos);
  }
  fed_ += text.size();
  while (!breaks_.empty() && fed_ - breaks_.front() > window_) {
    dropped_until_ = breaks_.front() + 1;
    breaks_.pop_front();
    ++dropped_lines_;
  }
}

uint64_t LineTracker::LineAt(uint64_t offset) const {
  if (dropped_lines_ > 0 && offset < dropped_until_) return 0;
  auto before = std::lower_bound(breaks_.begin(), breaks_.end(), offset);
  return dropped_lines_ + static_cast<uint64_t>(before - breaks_.begin()) + 1;
}

}  // namespace fg::scan::internal
