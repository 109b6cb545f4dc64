#include "voip/sdp.h"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace fg::voip {
namespace {

constexpr size_t kMaxMedia = 64;
constexpr size_t kMaxFormats = 128;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

std::optional<int> ParseInt(std::string_view s, int max) {
  if (s.empty() || s.size() > 9) return std::nullopt;
  int value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size() || value < 0 || value > max) {
    return std::nullopt;
  }
  return value;
}

std::vector<std::string_view> Split(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    const size_t start = i;
    while (i < s.size() && s[i] != ' ' && s[i] != '\t') ++i;
    if (i > start) out.push_back(s.substr(start, i - start));
  }
  return out;
}

std::optional<MediaDirection> DirectionAttribute(std::string_view attribute) {
  if (attribute == "sendrecv") return MediaDirection::kSendRecv;
  if (attribute == "sendonly") return MediaDirection::kSendOnly;
  if (attribute == "recvonly") return MediaDirection::kRecvOnly;
  if (attribute == "inactive") return MediaDirection::kInactive;
  return std::nullopt;
}

// c=IN IP4 192.0.2.1[/ttl[/count]] or c=IN IP6 2001:db8::1[/count].
Result<Endpoint> ParseConnection(std::string_view value) {
  const auto parts = Split(value);
  if (parts.size() < 3 || parts[0] != "IN" || (parts[1] != "IP4" && parts[1] != "IP6")) {
    return InvalidArgument("c", "connection line is not 'IN IP4|IP6 address'");
  }
  const std::string_view address = parts[2].substr(0, parts[2].find('/'));
  FG_ASSIGN_OR_RETURN(Endpoint endpoint, Endpoint::Parse(address, 0));
  if ((parts[1] == "IP4") != endpoint.IsV4()) {
    return InvalidArgument("c", "address family does not match " + std::string(parts[1]));
  }
  return endpoint;
}

bool IsUnspecified(const Endpoint& e) {
  const size_t from = e.IsV4() ? 12 : 0;
  return std::all_of(e.address.begin() + from, e.address.end(), [](uint8_t b) { return b == 0; });
}

struct PendingMedia {
  SdpMedia media;
  std::optional<Result<Endpoint>> connection;
  std::optional<MediaDirection> direction;
};

}  // namespace

const Codec* SdpMedia::FindCodec(int payload_type) const {
  for (const Codec& codec : codecs) {
    if (codec.payload_type == payload_type) return &codec;
  }
  return nullptr;
}

const SdpMedia* Sdp::Audio() const {
  for (const SdpMedia& m : media) {
    if (m.kind == "audio" && m.rtp.port != 0) return &m;
  }
  return nullptr;
}

std::optional<Codec> StaticCodec(int payload_type) {
  switch (payload_type) {
    case 0:
      return Codec{0, "PCMU", 8000, 1};
    case 3:
      return Codec{3, "GSM", 8000, 1};
    case 4:
      return Codec{4, "G723", 8000, 1};
    case 8:
      return Codec{8, "PCMA", 8000, 1};
    case 9:
      return Codec{9, "G722", 8000, 1};  // 16 kHz audio on an 8 kHz clock (RFC 3551)
    case 13:
      return Codec{13, "CN", 8000, 1};
    case 18:
      return Codec{18, "G729", 8000, 1};
    default:
      return std::nullopt;
  }
}

Result<Sdp> ParseSdp(std::string_view text) {
  std::optional<Result<Endpoint>> session_connection;
  MediaDirection session_direction = MediaDirection::kSendRecv;
  std::vector<PendingMedia> pending;
  bool have_version = false;

  size_t position = 0;
  while (position < text.size()) {
    size_t end = text.find('\n', position);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = Trim(text.substr(position, end - position));
    position = end + 1;
    if (line.empty()) continue;
    if (line.size() < 2 || line[1] != '=') {
      if (!have_version) return InvalidArgument("sdp", "not an SDP body");
      continue;  // tolerated: sloppy stacks add lines we do not need
    }
    const char type = line[0];
    const std::string_view value = line.substr(2);
    if (!have_version) {
      if (type != 'v' || Trim(value) != "0") return InvalidArgument("v", "SDP must start with v=0");
      have_version = true;
      continue;
    }
    PendingMedia* current = pending.empty() ? nullptr : &pending.back();
    if (type == 'm') {
      const auto parts = Split(value);
      if (parts.size() < 3) return InvalidArgument("m", "media line needs kind, port and proto");
      if (pending.size() >= kMaxMedia) return InvalidArgument("m", "too many media lines");
      const auto port = ParseInt(parts[1].substr(0, parts[1].find('/')), 65535);
      if (!port) return InvalidArgument("m", "bad port");
      PendingMedia media;
      media.media.kind = std::string(parts[0]);
      media.media.rtp.port = static_cast<uint16_t>(*port);
      for (size_t i = 3; i < parts.size() && media.media.codecs.size() < kMaxFormats; ++i) {
        const auto payload_type = ParseInt(parts[i], 127);
        if (!payload_type) continue;  // not an RTP format ("*", "webrtc-datachannel")
        Codec codec = StaticCodec(*payload_type).value_or(Codec{*payload_type, "", 8000, 1});
        media.media.codecs.push_back(std::move(codec));
      }
      pending.push_back(std::move(media));
    } else if (type == 'c') {
      (current != nullptr ? current->connection : session_connection) = ParseConnection(value);
    } else if (type == 'a') {
      const size_t colon = value.find(':');
      const std::string_view name = value.substr(0, colon);
      if (const auto direction = DirectionAttribute(name)) {
        if (current != nullptr) {
          current->direction = direction;
        } else {
          session_direction = *direction;
        }
      } else if (current != nullptr && colon != std::string_view::npos &&
                 (name == "rtpmap" || name == "fmtp")) {
        const std::string_view rest = value.substr(colon + 1);
        const size_t space = rest.find_first_of(" \t");
        if (space == std::string_view::npos) continue;
        const auto payload_type = ParseInt(rest.substr(0, space), 127);
        if (!payload_type) continue;
        auto it = std::find_if(current->media.codecs.begin(), current->media.codecs.end(),
                               [&](const Codec& c) { return c.payload_type == *payload_type; });
        if (it == current->media.codecs.end()) continue;  // not offered on the m= line
        const std::string_view spec = Trim(rest.substr(space + 1));
        if (name == "fmtp") {
          it->fmtp = std::string(spec);
          continue;
        }
        // encoding/clock-rate[/channels]
        const size_t slash = spec.find('/');
        if (slash == 0 || slash == std::string_view::npos) continue;
        const auto rate =
            ParseInt(spec.substr(slash + 1, spec.find('/', slash + 1) - slash - 1), 10'000'000);
        if (!rate || *rate == 0) continue;
        int channels = 1;
        if (const size_t second = spec.find('/', slash + 1); second != std::string_view::npos) {
          const auto parsed = ParseInt(spec.substr(second + 1), 255);
          if (!parsed || *parsed == 0) continue;
          channels = *parsed;
        }
        it->name = std::string(spec.substr(0, slash));
        std::transform(it->name.begin(), it->name.end(), it->name.begin(), [](char c) {
          return static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        });
        it->clock_rate = *rate;
        it->channels = channels;
      }
    }
  }
  if (!have_version) return InvalidArgument("v", "empty SDP");

  Sdp sdp;
  for (PendingMedia& p : pending) {
    SdpMedia& media = p.media;
    media.direction = p.direction.value_or(session_direction);
    if (media.rtp.port == 0) {
      media.direction = MediaDirection::kInactive;  // a refused or removed stream
    } else {
      const auto& connection = p.connection ? p.connection : session_connection;
      if (!connection) return InvalidArgument("c", "media without a connection address");
      if (!*connection) return tl::unexpected<Error>(connection->error());
      const uint16_t port = media.rtp.port;
      media.rtp = **connection;
      media.rtp.port = port;
      if (IsUnspecified(media.rtp)) {
        if (media.direction == MediaDirection::kSendRecv)
          media.direction = MediaDirection::kSendOnly;
        if (media.direction == MediaDirection::kRecvOnly)
          media.direction = MediaDirection::kInactive;
      }
    }
    sdp.media.push_back(std::move(media));
  }
  return sdp;
}

}  // namespace fg::voip
