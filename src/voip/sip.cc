#include "voip/sip.h"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace fg::voip {
namespace {

constexpr size_t kMaxHeaderBlock = 64 * 1024;
constexpr size_t kMaxBody = 1024 * 1024;

char Lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

std::string LowerCopy(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), Lower);
  return out;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return Lower(x) == Lower(y); });
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

bool IsToken(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (std::isalnum(static_cast<unsigned char>(c)) == 0 &&
        std::string_view("-.!%*_+`'~").find(c) == std::string_view::npos) {
      return false;
    }
  }
  return true;
}

// RFC 3261 7.3.3 compact forms, plus the common ones from later RFCs.
std::string_view LongName(std::string_view lower) {
  if (lower.size() != 1) return lower;
  switch (lower[0]) {
    case 'i':
      return "call-id";
    case 'f':
      return "from";
    case 't':
      return "to";
    case 'm':
      return "contact";
    case 'c':
      return "content-type";
    case 'l':
      return "content-length";
    case 'v':
      return "via";
    case 'e':
      return "content-encoding";
    case 'k':
      return "supported";
    case 's':
      return "subject";
    case 'o':
      return "event";
    case 'r':
      return "refer-to";
    case 'b':
      return "referred-by";
    case 'u':
      return "allow-events";
    case 'x':
      return "session-expires";
    default:
      return lower;
  }
}

std::optional<uint64_t> ParseNumber(std::string_view s) {
  s = Trim(s);
  if (s.empty() || s.size() > 18) return std::nullopt;
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return value;
}

// The header block ends at the first empty line (CRLF CRLF, or bare LF from sloppy stacks).
// Returns the offset of the body, or npos.
size_t FindBodyStart(std::string_view text, size_t* header_end) {
  for (size_t i = text.find('\n'); i != std::string_view::npos; i = text.find('\n', i + 1)) {
    size_t next = i + 1;
    if (next < text.size() && text[next] == '\r') ++next;
    if (next < text.size() && text[next] == '\n') {
      *header_end = i;
      return next + 1;
    }
  }
  return std::string_view::npos;
}

}  // namespace

std::string SipUriUser(std::string_view uri) {
  const size_t colon = uri.find(':');
  if (colon == std::string_view::npos) return {};
  const std::string scheme = LowerCopy(uri.substr(0, colon));
  std::string_view rest = uri.substr(colon + 1);
  if (scheme == "tel") return std::string(rest.substr(0, rest.find(';')));
  if (scheme != "sip" && scheme != "sips") return {};
  const size_t at = rest.find('@');
  if (at == std::string_view::npos) return {};
  std::string_view user = rest.substr(0, at);
  user = user.substr(0, user.find(':'));
  user = user.substr(0, user.find(';'));
  return std::string(user);
}

namespace {

struct NameAddr {
  std::string display, uri, user, tag;
};

// name-addr ("Alice" <sip:1001@pbx>;tag=x, Alice <sip:...>) or addr-spec (sip:1001@pbx;tag=x).
Result<NameAddr> ParseNameAddr(std::string_view value, const char* field) {
  NameAddr out;
  value = Trim(value);
  std::string_view params;
  size_t search_from = 0;
  if (!value.empty() && value.front() == '"') {
    size_t i = 1;
    for (; i < value.size() && value[i] != '"'; ++i) {
      if (value[i] == '\\' && i + 1 < value.size()) ++i;
      out.display.push_back(value[i]);
    }
    if (i >= value.size()) return InvalidArgument(field, "unterminated display name");
    search_from = i + 1;
  }
  const size_t open = value.find('<', search_from);
  if (open != std::string_view::npos) {
    const size_t close = value.find('>', open);
    if (close == std::string_view::npos) return InvalidArgument(field, "missing '>'");
    if (search_from == 0) out.display = std::string(Trim(value.substr(0, open)));
    out.uri = std::string(Trim(value.substr(open + 1, close - open - 1)));
    params = value.substr(close + 1);
  } else {
    if (search_from != 0) return InvalidArgument(field, "display name without <uri>");
    const size_t semicolon = value.find(';');
    out.uri = std::string(Trim(value.substr(0, semicolon)));
    if (semicolon != std::string_view::npos) params = value.substr(semicolon);
  }
  if (out.uri.empty()) return InvalidArgument(field, "empty URI");
  while (!params.empty()) {
    const size_t semicolon = params.find(';');
    if (semicolon == std::string_view::npos) break;
    params.remove_prefix(semicolon + 1);
    const std::string_view param = Trim(params.substr(0, params.find(';')));
    const size_t equals = param.find('=');
    if (equals != std::string_view::npos &&
        EqualsIgnoreCase(Trim(param.substr(0, equals)), "tag")) {
      out.tag = std::string(Trim(param.substr(equals + 1)));
    }
  }
  out.user = SipUriUser(out.uri);
  return out;
}

Result<void> ParseStartLine(std::string_view line, SipMessage& message) {
  if (line.size() > 8 && line.substr(0, 8) == "SIP/2.0 ") {
    std::string_view rest = line.substr(8);
    const std::string_view code = rest.substr(0, 3);
    const auto status = ParseNumber(code);
    if (code.size() != 3 || !status || *status < 100 || *status > 699 ||
        (rest.size() > 3 && rest[3] != ' ')) {
      return InvalidArgument("start_line", "bad status code");
    }
    message.status = static_cast<int>(*status);
    message.reason = std::string(Trim(rest.substr(std::min<size_t>(rest.size(), 4))));
    return {};
  }
  const size_t first = line.find(' ');
  const size_t last = line.rfind(' ');
  if (first == std::string_view::npos || first == last || line.substr(last + 1) != "SIP/2.0") {
    return InvalidArgument("start_line", "not a SIP request or response line");
  }
  const std::string_view method = line.substr(0, first);
  const std::string_view uri = Trim(line.substr(first + 1, last - first - 1));
  if (!IsToken(method) || uri.empty() || uri.find(' ') != std::string_view::npos) {
    return InvalidArgument("start_line", "bad request line");
  }
  message.is_request = true;
  message.method = std::string(method);
  message.request_uri = std::string(uri);
  return {};
}

bool LooksLikeStartLine(std::string_view line) {
  if (line.substr(0, 8) == "SIP/2.0 ") return true;
  const size_t space = line.find(' ');
  return space != std::string_view::npos && IsToken(line.substr(0, space)) && line.size() >= 8 &&
         line.substr(line.size() - 7) == "SIP/2.0";
}

}  // namespace

std::optional<std::string_view> SipMessage::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoreCase(key, name)) return std::string_view(value);
  }
  return std::nullopt;
}

Result<SipMessage> ParseSip(std::string_view text) {
  // Keep-alive CRLFs may precede a message (RFC 3261 7.5, RFC 5626).
  while (!text.empty() && (text.front() == '\r' || text.front() == '\n')) text.remove_prefix(1);
  if (text.empty()) return InvalidArgument("message", "empty");
  size_t header_end = 0;
  const size_t body_start = FindBodyStart(text, &header_end);
  std::string_view header_block;
  std::string_view body;
  if (body_start == std::string_view::npos) {
    // No empty line: a datagram whose sender left the final CRLF out; all of it is headers.
    header_block = text;
  } else {
    header_block = text.substr(0, header_end);
    body = text.substr(body_start);
  }
  if (header_block.size() > kMaxHeaderBlock) {
    return MakeError(ErrorCode::kResourceExhausted, "SIP header block over 64 KiB");
  }

  SipMessage message;
  bool have_start = false;
  size_t position = 0;
  while (position < header_block.size()) {
    size_t end = header_block.find('\n', position);
    if (end == std::string_view::npos) end = header_block.size();
    const std::string_view raw = header_block.substr(position, end - position);
    position = end + 1;
    std::string_view line = raw;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!have_start) {
      FG_RETURN_IF_ERROR(ParseStartLine(line, message));
      have_start = true;
      continue;
    }
    if (line.empty()) continue;
    if (line.front() == ' ' || line.front() == '\t') {
      // A folded line continues the previous header's value (RFC 3261 7.3.1).
      if (message.headers.empty()) return InvalidArgument("headers", "continuation before header");
      std::string& value = message.headers.back().second;
      const std::string_view more = Trim(line);
      if (!more.empty()) {
        if (!value.empty()) value.push_back(' ');
        value.append(more);
      }
      continue;
    }
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
      return InvalidArgument("headers", "header line without ':'");
    }
    const std::string_view name = Trim(line.substr(0, colon));
    if (!IsToken(name)) return InvalidArgument("headers", "bad header name");
    message.headers.emplace_back(std::string(LongName(LowerCopy(name))),
                                 std::string(Trim(line.substr(colon + 1))));
  }
  if (!have_start) return InvalidArgument("start_line", "missing");

  std::optional<std::string_view> from, to, cseq, length;
  for (const auto& [name, value] : message.headers) {
    if (name == "call-id" && message.call_id.empty()) {
      message.call_id = value;
    } else if (name == "from" && !from) {
      from = value;
    } else if (name == "to" && !to) {
      to = value;
    } else if (name == "cseq" && !cseq) {
      cseq = value;
    } else if (name == "content-length" && !length) {
      length = value;
    } else if (name == "content-type" && message.content_type.empty()) {
      message.content_type = LowerCopy(Trim(std::string_view(value).substr(0, value.find(';'))));
    }
  }
  if (message.call_id.empty()) return InvalidArgument("call-id", "missing Call-ID");
  if (!from) return InvalidArgument("from", "missing From");
  if (!to) return InvalidArgument("to", "missing To");
  if (!cseq) return InvalidArgument("cseq", "missing CSeq");

  FG_ASSIGN_OR_RETURN(NameAddr from_addr, ParseNameAddr(*from, "from"));
  FG_ASSIGN_OR_RETURN(NameAddr to_addr, ParseNameAddr(*to, "to"));
  message.from_uri = std::move(from_addr.uri);
  message.from_user = std::move(from_addr.user);
  message.from_tag = std::move(from_addr.tag);
  message.from_display = std::move(from_addr.display);
  message.to_uri = std::move(to_addr.uri);
  message.to_user = std::move(to_addr.user);
  message.to_tag = std::move(to_addr.tag);

  const std::string_view cseq_value = Trim(*cseq);
  const size_t space = cseq_value.find_first_of(" \t");
  const auto number =
      ParseNumber(space == std::string_view::npos ? cseq_value : cseq_value.substr(0, space));
  const std::string_view cseq_method =
      space == std::string_view::npos ? std::string_view() : Trim(cseq_value.substr(space));
  if (!number || *number > 0xffffffffull || !IsToken(cseq_method)) {
    return InvalidArgument("cseq", "CSeq is not 'number METHOD'");
  }
  message.cseq = static_cast<uint32_t>(*number);
  message.cseq_method = std::string(cseq_method);

  if (length) {
    const auto declared = ParseNumber(*length);
    if (!declared) return InvalidArgument("content-length", "not a number");
    if (*declared > body.size()) {
      return InvalidArgument("content-length", "body shorter than Content-Length");
    }
    body = body.substr(0, *declared);
  }
  message.body = std::string(body);
  return message;
}

void SipStreamFramer::Feed(uint32_t sequence, std::span<const uint8_t> bytes) {
  if (failed_ || bytes.empty()) return;
  if (!next_sequence_) next_sequence_ = sequence;
  // Signed distance copes with sequence wrap-around.
  const int32_t ahead = static_cast<int32_t>(sequence - *next_sequence_);
  if (ahead > 0) {
    failed_ = true;  // a lost segment: the stream cannot be framed past it
    buffer_.clear();
    return;
  }
  const size_t overlap = static_cast<size_t>(-static_cast<int64_t>(ahead));
  if (overlap >= bytes.size()) return;  // retransmission of bytes we have
  bytes = bytes.subspan(overlap);
  if (buffer_.size() + bytes.size() > kMaxHeaderBlock + kMaxBody) {
    failed_ = true;
    buffer_.clear();
    return;
  }
  buffer_.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  *next_sequence_ += static_cast<uint32_t>(bytes.size());
}

std::optional<std::string> SipStreamFramer::Next() {
  while (!failed_) {
    // Skip keep-alive CRLFs and, when the capture started mid-stream, any line that is not
    // a start line (the tail of a message we never saw the beginning of).
    size_t start = 0;
    while (start < buffer_.size() && (buffer_[start] == '\r' || buffer_[start] == '\n')) ++start;
    const size_t line_end = buffer_.find('\n', start);
    if (line_end == std::string::npos) {
      buffer_.erase(0, start);
      if (buffer_.size() > kMaxHeaderBlock) {
        failed_ = true;
        buffer_.clear();
      }
      return std::nullopt;
    }
    std::string_view first(buffer_.data() + start, line_end - start);
    if (!first.empty() && first.back() == '\r') first.remove_suffix(1);
    if (!LooksLikeStartLine(first)) {
      buffer_.erase(0, line_end + 1);
      continue;
    }
    buffer_.erase(0, start);
    size_t header_end = 0;
    const size_t body_start = FindBodyStart(buffer_, &header_end);
    if (body_start == std::string::npos) {
      if (buffer_.size() > kMaxHeaderBlock) {
        failed_ = true;
        buffer_.clear();
      }
      return std::nullopt;
    }
    if (header_end > kMaxHeaderBlock) {
      failed_ = true;
      buffer_.clear();
      return std::nullopt;
    }
    // Content-Length is mandatory on streams (RFC 3261 18.3); a missing one means no body.
    uint64_t body_length = 0;
    const std::string_view headers(buffer_.data(), header_end);
    size_t position = headers.find('\n');
    while (position != std::string_view::npos && position < headers.size()) {
      const size_t end = std::min(headers.find('\n', position + 1), headers.size());
      const std::string_view line = headers.substr(position + 1, end - position - 1);
      position = end;
      const size_t colon = line.find(':');
      if (colon == std::string_view::npos) continue;
      const std::string name = LowerCopy(Trim(line.substr(0, colon)));
      if (name == "content-length" || name == "l") {
        const auto value = ParseNumber(line.substr(colon + 1));
        if (!value || *value > kMaxBody) {
          failed_ = true;
          buffer_.clear();
          return std::nullopt;
        }
        body_length = *value;
        break;
      }
    }
    if (buffer_.size() - body_start < body_length) return std::nullopt;
    std::string message = buffer_.substr(0, body_start + body_length);
    buffer_.erase(0, body_start + body_length);
    return message;
  }
  return std::nullopt;
}

}  // namespace fg::voip
