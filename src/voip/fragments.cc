#include "voip/fragments.h"

#include <algorithm>

namespace fg::voip {

namespace {

constexpr uint32_t kMaxDatagram = 65535;

uint16_t Be16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }

std::string Bytes(std::span<const uint8_t> bytes) {
  return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

// One fragment, read from its IP header.
struct Piece {
  bool v6 = false;
  std::string key;
  std::vector<uint8_t> header;  // unfragmentable part with fragmentation removed
  uint32_t offset = 0;
  bool more = false;
  std::span<const uint8_t> data;
};

std::optional<Piece> ReadV4(std::span<const uint8_t> ip) {
  if (ip.size() < 20) return std::nullopt;
  const size_t ihl = static_cast<size_t>(ip[0] & 0x0f) * 4;
  const size_t total = Be16(&ip[2]);
  if (ihl < 20 || total < ihl || total > ip.size()) return std::nullopt;
  const uint16_t flags = Be16(&ip[6]);
  Piece piece;
  piece.offset = static_cast<uint32_t>(flags & 0x1fff) * 8;
  piece.more = (flags & 0x2000) != 0;
  if (piece.offset == 0 && !piece.more) return std::nullopt;  // not a fragment
  piece.key = "4" + Bytes(ip.subspan(12, 8)) + static_cast<char>(ip[9]) + Bytes(ip.subspan(4, 2));
  piece.data = ip.subspan(ihl, total - ihl);
  if (piece.offset == 0) {
    piece.header.assign(ip.begin(), ip.begin() + static_cast<std::ptrdiff_t>(ihl));
    piece.header[6] = piece.header[7] = 0;    // no longer a fragment
    piece.header[10] = piece.header[11] = 0;  // checksum: not checked by the decoder
  }
  return piece;
}

std::optional<Piece> ReadV6(std::span<const uint8_t> ip) {
  if (ip.size() < 40) return std::nullopt;
  const size_t end = 40 + static_cast<size_t>(Be16(&ip[4]));
  if (end > ip.size()) return std::nullopt;
  size_t next_at = 6;  // where the "next header" byte that names the current header lives
  size_t at = 40;
  uint8_t next = ip[6];
  while (next == 0 || next == 43 || next == 60) {  // hop-by-hop, routing, destination options
    if (at + 8 > end) return std::nullopt;
    next_at = at;
    next = ip[at];
    at += (static_cast<size_t>(ip[at + 1]) + 1) * 8;
  }
  if (next != 44 || at + 8 > end) return std::nullopt;
  const uint16_t field = Be16(&ip[at + 2]);
  Piece piece;
  piece.v6 = true;
  piece.offset = field & 0xfff8;
  piece.more = (field & 1) != 0;
  piece.key = "6" + Bytes(ip.subspan(8, 32)) + Bytes(ip.subspan(at + 4, 4));
  piece.data = ip.subspan(at + 8, end - at - 8);
  if (piece.offset == 0) {
    piece.header.assign(ip.begin(), ip.begin() + static_cast<std::ptrdiff_t>(at));
    piece.header[next_at] = ip[at];  // the fragment header's next header takes its place
  }
  return piece;
}

}  // namespace

FragmentReassembler::FragmentReassembler(FragmentOptions options) : options_(options) {}

void FragmentReassembler::Expire(int64_t now_us) {
  for (auto it = datagrams_.begin(); it != datagrams_.end();) {
    if (now_us - it->second.first_us > options_.timeout_us) {
      ++stats_.expired;
      it = datagrams_.erase(it);
    } else {
      ++it;
    }
  }
}

std::optional<std::vector<uint8_t>> FragmentReassembler::Add(int64_t time_us,
                                                             std::span<const uint8_t> ip) {
  if (ip.empty()) return std::nullopt;
  const int version = ip[0] >> 4;
  std::optional<Piece> piece = version == 4 ? ReadV4(ip) : version == 6 ? ReadV6(ip) : std::nullopt;
  if (!piece || piece->offset + piece->data.size() > kMaxDatagram ||
      (piece->more && piece->data.size() % 8 != 0)) {
    ++stats_.malformed;
    return std::nullopt;
  }
  ++stats_.fragments;
  if (stats_.fragments % 256 == 0) Expire(time_us);
  auto it = datagrams_.find(piece->key);
  if (it == datagrams_.end()) {
    if (datagrams_.size() >= options_.max_datagrams) {
      auto oldest = std::min_element(datagrams_.begin(), datagrams_.end(), [](auto& a, auto& b) {
        return a.second.first_us < b.second.first_us;
      });
      datagrams_.erase(oldest);
      ++stats_.expired;
    }
    it = datagrams_.emplace(piece->key, Datagram{.first_us = time_us}).first;
  }
  Datagram& d = it->second;
  if (!piece->header.empty() && d.header.empty()) d.header = std::move(piece->header);
  d.pieces.emplace(piece->offset, std::vector<uint8_t>(piece->data.begin(), piece->data.end()));
  if (!piece->more) d.total = piece->offset + static_cast<uint32_t>(piece->data.size());
  return Complete(piece->key, d, piece->v6);
}

std::optional<std::vector<uint8_t>> FragmentReassembler::Complete(const std::string& key,
                                                                  Datagram& d, bool v6) {
  if (!d.total || d.header.empty()) return std::nullopt;
  uint32_t covered = 0;
  for (const auto& [offset, bytes] : d.pieces) {
    if (offset > covered) return std::nullopt;  // a gap: wait for the missing piece
    covered = std::max(covered, offset + static_cast<uint32_t>(bytes.size()));
  }
  if (covered < *d.total) return std::nullopt;
  std::vector<uint8_t> whole = std::move(d.header);
  const size_t start = whole.size();
  whole.resize(start + *d.total);
  uint32_t written = 0;
  for (const auto& [offset, bytes] : d.pieces) {
    if (offset + bytes.size() <= written) continue;
    const uint32_t skip = written > offset ? written - offset : 0;
    const uint32_t take =
        std::min<uint32_t>(static_cast<uint32_t>(bytes.size()) - skip, *d.total - (offset + skip));
    std::copy_n(bytes.begin() + skip, take,
                whole.begin() + static_cast<std::ptrdiff_t>(start + offset + skip));
    written = offset + skip + take;
    if (written >= *d.total) break;
  }
  if (v6) {
    const size_t payload = whole.size() - 40;
    whole[4] = static_cast<uint8_t>(payload >> 8);
    whole[5] = static_cast<uint8_t>(payload);
  } else {
    const size_t total = whole.size();
    if (total > kMaxDatagram) {
      ++stats_.malformed;
      datagrams_.erase(key);
      return std::nullopt;
    }
    whole[2] = static_cast<uint8_t>(total >> 8);
    whole[3] = static_cast<uint8_t>(total);
  }
  ++stats_.reassembled;
  datagrams_.erase(key);
  return whole;
}

}  // namespace fg::voip
