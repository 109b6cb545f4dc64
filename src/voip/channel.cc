#include "voip/channel.h"

#include <algorithm>
#include <array>
#include <limits>
#include <utility>

#include "voip/codec.h"

namespace fg::voip {

namespace {

constexpr int64_t kDupWindow = 1024;    // recent sequence numbers remembered per SSRC
constexpr int64_t kMaxDropout = 3000;   // RFC 3550 A.1: larger forward jumps need probation
constexpr int64_t kMaxMisorder = 1000;  // older than this is a restart, not reordering
constexpr size_t kMaxStreams = 8;       // SSRCs remembered per direction
constexpr size_t kMaxIntervals = 1024;  // disjoint held pieces (bounds the insert cost)
constexpr size_t kMaxEvents = 32;       // telephone events remembered for deduplication
constexpr int64_t kMaxPendingSeconds = 10;
// A packet placed this far ahead of its arrival, or this far behind it and already
// drained, has a timestamp that does not describe real time: re-anchor on arrival.
constexpr int64_t kPlausibleSeconds = 5;
constexpr int64_t kEventKeepSeconds = 5;
constexpr int kGapEstimateMs = 20;

int64_t SaturatingSub(int64_t a, int64_t b) {
  int64_t result = 0;
  if (__builtin_sub_overflow(a, b, &result)) {
    return a > b ? std::numeric_limits<int64_t>::max() : std::numeric_limits<int64_t>::min();
  }
  return result;
}

int64_t FloorDiv(int64_t a, int64_t b) {
  const int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

int SaneRate(int rate, int fallback) { return rate >= 1000 && rate <= 192000 ? rate : fallback; }

bool SameCodec(const Codec& a, const Codec& b) {
  return a.name == b.name && a.clock_rate == b.clock_rate && a.channels == b.channels;
}

std::string Upper(std::string text) {
  for (char& c : text) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return text;
}

struct Interval {
  int64_t start;
  int64_t end;
};

}  // namespace

struct ChannelAssembler::Impl {
  enum class Kind : uint8_t { kUnknown, kAudio, kEvent, kComfortNoise };

  struct PayloadInfo {
    Kind kind = Kind::kUnknown;
    int clock_rate = 8000;
    uint32_t version = 0;
    Codec codec;
    std::string reason;  // for a gap: unknown payload type, or no decoder
  };

  struct CachedDecoder {
    int payload_type;
    uint32_t version;
    std::unique_ptr<AudioDecoder> decoder;  // nullptr: the codec has no decoder
  };

  struct Stream {
    uint32_t ssrc = 0;
    int64_t last_arrival_us = 0;
    // Sequence numbers, unwrapped to 64 bits.
    bool seq_started = false;
    int64_t seq_first = 0;
    int64_t seq_highest = 0;
    uint64_t received = 0;
    uint64_t lost_prior = 0;    // from before a sequence restart
    uint64_t lost_counted = 0;  // this stream's share of stats.lost
    bool probation = false;
    uint16_t probation_seq = 0;
    std::array<uint64_t, kDupWindow / 64> seen{};
    // Timestamps, unwrapped to 64 bits, and the anchor onto the timeline.
    bool ts_started = false;
    int64_t ts_ref = 0;
    bool has_base = false;
    bool has_audio = false;
    int64_t base_ts = 0;
    int64_t base_sample = 0;
    std::vector<CachedDecoder> decoders;
  };

  struct Event {
    uint32_t ssrc;
    uint32_t timestamp;
    uint8_t code;
    int clock_rate;
    int64_t start;
    uint16_t duration;
    bool ended;
    int64_t reported_end;
  };

  ChannelOptions options;
  int64_t origin_us;
  int rate;
  int64_t max_gap_seconds;
  // Payload type -> index into `infos` (kept small: a call holds two of these).
  std::array<uint8_t, 128> payload_slot{};
  std::vector<PayloadInfo> infos;
  std::vector<std::unique_ptr<Stream>> streams;
  Stream* last_stream = nullptr;
  bool had_audio = false;

  // Held audio: a ring indexed by absolute sample (pos & mask) and the sorted, disjoint,
  // non-adjacent covered intervals, all at or after drained.
  std::vector<int16_t> ring;
  int64_t mask = 0;
  int64_t max_capacity = 1024;
  std::vector<Interval> held;
  int64_t drained = 0;

  std::vector<Event> events;
  std::vector<SampleSpan> dtmf_spans;
  std::vector<CodecGap> gaps;
  ChannelStats stats;
  int64_t last_packet_us = 0;

  // Per-thread scratch: shared by every channel on the thread, so it stays in cache.
  struct ScratchBuffers {
    std::vector<int16_t> decoded;
    std::vector<int16_t> resampled;
  };
  static ScratchBuffers& Scratch() {
    thread_local ScratchBuffers scratch;
    return scratch;
  }

  Impl(ChannelOptions opts, int64_t origin)
      : options(opts),
        origin_us(origin),
        rate(SaneRate(opts.sample_rate, 8000)),
        max_gap_seconds(std::clamp<int64_t>(opts.max_gap_seconds, 1, 7 * 86400)) {
    options.sample_rate = rate;
    while (max_capacity < kMaxPendingSeconds * rate) max_capacity *= 2;
    SetCodecs({});
  }

  int64_t SampleAt(int64_t time_us) const {
    const int64_t us = SaturatingSub(time_us, origin_us);
    return (us / 1000000) * rate + FloorDiv((us % 1000000) * rate, 1000000);
  }

  void SetCodecs(const std::vector<Codec>& codecs) {
    if (infos.empty()) {
      infos.emplace_back();  // slot 0: unknown payload types
      infos[0].kind = Kind::kUnknown;
    }
    for (int pt = 0; pt < 128; ++pt) {
      std::optional<Codec> codec;
      for (const Codec& c : codecs) {
        if (c.payload_type == pt) {
          codec = c;
          codec->name = Upper(codec->name);
          break;
        }
      }
      if (!codec) codec = StaticCodec(pt);
      if (!codec) {
        payload_slot[pt] = 0;
        continue;
      }
      if (payload_slot[pt] == 0) {
        if (infos.size() >= 255) continue;  // more codecs than payload types exist
        payload_slot[pt] = static_cast<uint8_t>(infos.size());
        infos.emplace_back();
      }
      PayloadInfo& info = infos[payload_slot[pt]];
      PayloadInfo next;
      next.version = info.version;
      {
        next.codec = *codec;
        next.clock_rate = SaneRate(codec->clock_rate, 8000);
        next.kind = codec->name == "TELEPHONE-EVENT" ? Kind::kEvent
                    : codec->name == "CN"            ? Kind::kComfortNoise
                                                     : Kind::kAudio;
        next.reason = "no decoder for " + codec->name;
      }
      if (next.kind != info.kind || !SameCodec(next.codec, info.codec)) ++next.version;
      info = std::move(next);
    }
    // Slots no payload type points at any more are left in place: indices stay stable.
  }

  Stream& FindStream(uint32_t ssrc) {
    if (last_stream != nullptr && last_stream->ssrc == ssrc) return *last_stream;
    for (auto& stream : streams) {
      if (stream->ssrc == ssrc) return *(last_stream = stream.get());
    }
    if (streams.size() >= kMaxStreams) {
      auto oldest = std::min_element(streams.begin(), streams.end(), [](auto& a, auto& b) {
        return a->last_arrival_us < b->last_arrival_us;
      });
      streams.erase(oldest);
    }
    streams.push_back(std::make_unique<Stream>());
    streams.back()->ssrc = ssrc;
    return *(last_stream = streams.back().get());
  }

  // Duplicate detection and loss accounting; false for a packet already seen.
  bool AcceptSequence(Stream& s, uint16_t seq) {
    auto bit = [&](int64_t ext) -> std::pair<size_t, uint64_t> {
      const auto slot = static_cast<size_t>(ext & (kDupWindow - 1));
      return {slot / 64, uint64_t{1} << (slot % 64)};
    };
    auto restart = [&](int64_t first, int64_t ext, uint64_t received) {
      s.lost_prior = s.lost_counted;
      s.seq_first = first;
      s.seq_highest = ext;
      s.received = received;
      s.seen.fill(0);
      s.probation = false;
      if (first != ext) {
        auto [word, mask_bit] = bit(first);
        s.seen[word] |= mask_bit;
      }
      auto [word, mask_bit] = bit(ext);
      s.seen[word] |= mask_bit;
    };
    if (!s.seq_started) {
      s.seq_started = true;
      restart(int64_t{seq} + 65536, int64_t{seq} + 65536, 1);
      UpdateLost(s);
      return true;
    }
    const int64_t delta = static_cast<int16_t>(static_cast<uint16_t>(seq - s.seq_highest));
    const int64_t ext = s.seq_highest + delta;
    if (delta > kMaxDropout || delta < -kMaxMisorder) {
      // A source restart is believed after two sequential packets (RFC 3550 A.1).
      if (s.probation && seq == s.probation_seq) {
        restart(ext - 1, ext, 2);
        UpdateLost(s);
      } else {
        s.probation = true;
        s.probation_seq = static_cast<uint16_t>(seq + 1);
      }
      return true;
    }
    s.probation = false;
    if (delta > 0) {
      if (delta >= kDupWindow) {
        s.seen.fill(0);
      } else {
        for (int64_t e = s.seq_highest + 1; e < ext; ++e) {
          auto [word, mask_bit] = bit(e);
          s.seen[word] &= ~mask_bit;
        }
      }
      s.seq_highest = ext;
    } else if (s.seq_highest - ext < kDupWindow) {
      auto [word, mask_bit] = bit(ext);
      if (s.seen[word] & mask_bit) return false;
    }
    auto [word, mask_bit] = bit(ext);
    s.seen[word] |= mask_bit;
    s.seq_first = std::min(s.seq_first, ext);
    ++s.received;
    UpdateLost(s);
    return true;
  }

  void UpdateLost(Stream& s) {
    const int64_t expected = s.seq_highest - s.seq_first + 1;
    const int64_t missing = std::max<int64_t>(0, expected - static_cast<int64_t>(s.received));
    const uint64_t now = s.lost_prior + static_cast<uint64_t>(missing);
    stats.lost = stats.lost + now - s.lost_counted;
    s.lost_counted = now;
  }

  int64_t UnwrapTimestamp(Stream& s, uint32_t timestamp) {
    if (!s.ts_started) {
      s.ts_started = true;
      s.ts_ref = int64_t{timestamp} + (int64_t{1} << 32);
      return s.ts_ref;
    }
    return s.ts_ref + static_cast<int32_t>(timestamp - static_cast<uint32_t>(s.ts_ref));
  }

  void Rebase(Stream& s, int64_t sample, int64_t ext_ts) {
    s.has_base = true;
    s.base_sample = sample;
    s.base_ts = ext_ts;
    s.ts_ref = ext_ts;
    ++stats.rebases;
  }

  bool Position(const Stream& s, int64_t ext_ts, int clock, int64_t& pos) const {
    int64_t scaled = 0;
    if (__builtin_mul_overflow(ext_ts - s.base_ts, int64_t{rate}, &scaled)) return false;
    if (__builtin_add_overflow(s.base_sample, FloorDiv(scaled, clock), &pos)) return false;
    return true;
  }

  // Where an audio (or undecodable) packet starts on the timeline, re-anchoring the
  // stream on arrival when its timestamps cannot be believed.
  int64_t AudioPosition(Stream& s, int64_t arrival_us, int64_t ext_ts, int clock) {
    const int64_t arrival = SampleAt(arrival_us);
    bool rebase = false;
    if (!s.has_audio) {
      if (had_audio) ++stats.ssrc_changes;
      had_audio = true;
      s.has_audio = true;
      rebase = true;
    }
    const int64_t limit = max_gap_seconds * clock;
    const int64_t jump = ext_ts - s.ts_ref;
    if (jump > limit || jump < -limit) rebase = true;
    int64_t pos = 0;
    const int64_t plausible = kPlausibleSeconds * rate;
    if (!rebase && (!Position(s, ext_ts, clock, pos) || pos > arrival + plausible ||
                    (pos < drained && arrival - pos > plausible))) {
      rebase = true;
    }
    if (rebase) {
      Rebase(s, arrival, ext_ts);
      return arrival;
    }
    s.ts_ref = std::max(s.ts_ref, ext_ts);
    return pos;
  }

  void OnRtp(int64_t arrival_us, const RtpPacket& packet) {
    Stream& s = FindStream(packet.ssrc);
    if (!AcceptSequence(s, packet.sequence)) {
      ++stats.duplicates;
      return;
    }
    ++stats.packets;
    last_packet_us = arrival_us;
    s.last_arrival_us = arrival_us;
    const PayloadInfo& info = infos[payload_slot[packet.payload_type & 0x7F]];
    const int64_t ext_ts = UnwrapTimestamp(s, packet.timestamp);
    switch (info.kind) {
      case Kind::kEvent:
        OnEvent(s, arrival_us, ext_ts, packet, info);
        return;
      case Kind::kComfortNoise:
        // Silence described by parameters: the gap fills with silence anyway.
        return;
      case Kind::kUnknown:
        OnGap(s, arrival_us, ext_ts, info, packet.payload_type & 0x7F);
        return;
      case Kind::kAudio:
        break;
    }
    AudioDecoder* decoder = DecoderFor(s, packet.payload_type & 0x7F, info);
    if (decoder == nullptr) {
      OnGap(s, arrival_us, ext_ts, info, packet.payload_type & 0x7F);
      return;
    }
    const int64_t pos = AudioPosition(s, arrival_us, ext_ts, info.clock_rate);
    if (decoder->sample_rate() == rate && PlaceDirect(pos, *decoder, packet.payload)) return;
    std::vector<int16_t>& decoded = Scratch().decoded;
    decoded.clear();
    decoder->Decode(packet.payload, decoded);
    const std::vector<int16_t>& pcm = Resample(decoder->sample_rate(), decoded);
    if (!pcm.empty()) Place(pos, pcm.data(), static_cast<int64_t>(pcm.size()));
  }

  AudioDecoder* DecoderFor(Stream& s, int payload_type, const PayloadInfo& info) {
    for (CachedDecoder& cached : s.decoders) {
      if (cached.payload_type != payload_type) continue;
      if (cached.version != info.version) {
        cached.version = info.version;
        cached.decoder = MakeDecoder(info.codec);
      }
      return cached.decoder.get();
    }
    s.decoders.push_back({payload_type, info.version, MakeDecoder(info.codec)});
    return s.decoders.back().decoder.get();
  }

  // Brings `decoded` to the output rate: linear interpolation up, pair averages down.
  const std::vector<int16_t>& Resample(int from, const std::vector<int16_t>& decoded) {
    if (from == rate || decoded.empty()) return decoded;
    const size_t n = decoded.size();
    std::vector<int16_t>& resampled = Scratch().resampled;
    resampled.clear();
    if (from * 2 == rate) {
      resampled.resize(n * 2);
      for (size_t i = 0; i < n; ++i) {
        const int next = i + 1 < n ? decoded[i + 1] : decoded[i];
        resampled[2 * i] = decoded[i];
        resampled[2 * i + 1] = static_cast<int16_t>((decoded[i] + next) / 2);
      }
    } else if (rate * 2 == from) {
      resampled.resize((n + 1) / 2);
      for (size_t i = 0; i < n / 2; ++i) {
        resampled[i] = static_cast<int16_t>((decoded[2 * i] + decoded[2 * i + 1]) / 2);
      }
      if (n % 2) resampled.back() = decoded[n - 1];
    } else {
      const size_t m = static_cast<size_t>(static_cast<int64_t>(n) * rate / from);
      resampled.resize(m);
      for (size_t j = 0; j < m; ++j) {
        resampled[j] = decoded[std::min(n - 1, static_cast<size_t>(int64_t(j) * from / rate))];
      }
    }
    return resampled;
  }

  void OnGap(Stream& s, int64_t arrival_us, int64_t ext_ts, const PayloadInfo& info,
             int payload_type) {
    ++stats.unknown_codec;
    const std::string reason = info.kind == Kind::kUnknown
                                   ? "unknown payload type " + std::to_string(payload_type)
                                   : info.reason;
    const int64_t start = AudioPosition(s, arrival_us, ext_ts, info.clock_rate);
    const int64_t end = start + int64_t{rate} * kGapEstimateMs / 1000;
    const int64_t slack = end - start;  // packets may be longer than the estimate
    if (!gaps.empty() && gaps.back().reason == reason && start <= gaps.back().span.end + slack &&
        end >= gaps.back().span.start - slack) {
      gaps.back().span.start = std::min(gaps.back().span.start, start);
      gaps.back().span.end = std::max(gaps.back().span.end, end);
      return;
    }
    if (gaps.size() >= kMaxIntervals) return;  // the caller is not taking them
    gaps.push_back({{start, end}, reason});
  }

  void OnEvent(Stream& s, int64_t arrival_us, int64_t ext_ts, const RtpPacket& packet,
               const PayloadInfo& info) {
    ++stats.events;
    auto parsed = ParseTelephoneEvent(packet.payload);
    if (!parsed) return;
    const int clock = info.clock_rate;
    const int64_t arrival = SampleAt(arrival_us);
    const int64_t duration = int64_t{parsed->duration} * rate / clock;
    Event* event = nullptr;
    for (Event& e : events) {
      if (e.ssrc == packet.ssrc && e.timestamp == packet.timestamp && e.code == parsed->event) {
        event = &e;
        break;
      }
    }
    if (event == nullptr) {
      // The event's timestamp is its start; it may arrive under its own SSRC, whose
      // anchor is then its own first packet (never the audio's).
      if (!s.has_base) Rebase(s, arrival - duration, ext_ts);
      int64_t start = 0;
      const int64_t plausible = kPlausibleSeconds * rate;
      const int64_t limit = max_gap_seconds * clock;
      if (ext_ts - s.ts_ref > limit || s.ts_ref - ext_ts > limit ||
          !Position(s, ext_ts, clock, start) || start > arrival + plausible ||
          start < arrival - duration - plausible) {
        start = arrival - duration;  // place by arrival without moving the stream
      } else {
        s.ts_ref = std::max(s.ts_ref, ext_ts);
      }
      if (events.size() >= kMaxEvents) events.erase(events.begin());
      events.push_back({packet.ssrc, packet.timestamp, parsed->event, clock, start,
                        parsed->duration, false, start});
      event = &events.back();
    }
    event->duration = std::max(event->duration, parsed->duration);
    if (parsed->end) event->ended = true;
    if (event->ended) Report(*event);
  }

  int64_t EventEnd(const Event& e) const {
    return e.start + int64_t{e.duration} * rate / e.clock_rate;
  }

  void Report(Event& e) {
    const int64_t end = EventEnd(e);
    if (end <= e.reported_end) return;
    if (!dtmf_spans.empty() && dtmf_spans.back().end == e.reported_end &&
        dtmf_spans.back().start < e.reported_end) {
      dtmf_spans.back().end = end;  // an extension of the span not yet taken
    } else if (dtmf_spans.size() < kMaxIntervals) {
      dtmf_spans.push_back({e.reported_end, end});
    }
    e.reported_end = end;
  }

  // The common case: the packet extends the held audio, decoded straight into the ring.
  bool PlaceDirect(int64_t pos, AudioDecoder& decoder, std::span<const uint8_t> payload) {
    const int64_t n = decoder.SamplesIn(payload.size());
    if (n <= 0 || pos < drained) return false;
    if (!held.empty() && held.back().end > pos) return false;
    if (held.empty() || held.back().end < pos) {
      if (held.size() >= kMaxIntervals) return false;
    }
    if (!ring.empty()) {
      const int64_t lo = held.empty() ? pos : held.front().start;
      if (pos + n - lo > static_cast<int64_t>(ring.size())) return false;  // let Fit decide
    }
    if (Fit(pos, pos + n) != pos) return false;
    const int64_t index = pos & mask;
    if (index + n > static_cast<int64_t>(ring.size())) return false;  // would wrap
    const int64_t made = decoder.DecodeInto(payload, ring.data() + index);
    if (made <= 0) return true;
    stats.audio_samples += made;
    if (!held.empty() && held.back().end == pos) {
      held.back().end = pos + made;
    } else {
      held.push_back({pos, pos + made});
    }
    return true;
  }

  void Place(int64_t start, const int16_t* src, int64_t n) {
    int64_t end = start + n;
    if (end <= drained) {
      ++stats.late;
      return;
    }
    if (start < drained) {
      ++stats.late;
      src += drained - start;
      start = drained;
    }
    const int64_t clipped = Fit(start, end);
    src += clipped - start;
    start = clipped;
    if (start >= end) return;

    if (held.empty() || held.back().end < start) {
      if (held.size() >= kMaxIntervals) return;
      Write(start, end, start, src);
      held.push_back({start, end});
      return;
    }
    if (held.back().end == start) {
      Write(start, end, start, src);
      held.back().end = end;
      return;
    }
    auto first = std::lower_bound(held.begin(), held.end(), start,
                                  [](const Interval& iv, int64_t s) { return iv.end < s; });
    auto it = first;
    int64_t cursor = start;
    int64_t merged_start = start;
    int64_t merged_end = end;
    while (it != held.end() && it->start <= end) {
      if (it->start > cursor) Write(cursor, it->start, start, src);
      cursor = std::max(cursor, it->end);
      merged_start = std::min(merged_start, it->start);
      merged_end = std::max(merged_end, it->end);
      ++it;
    }
    if (cursor < end) Write(cursor, end, start, src);
    if (first == it) {
      if (held.size() >= kMaxIntervals) return;
      held.insert(first, {start, end});
    } else {
      *first = {merged_start, merged_end};
      held.erase(first + 1, it);
    }
  }

  // Makes room for [start, end) beside what is held; returns the new start if the oldest
  // audio had to go (at most kMaxPendingSeconds are held).
  int64_t Fit(int64_t start, int64_t end) {
    if (ring.empty()) {
      int64_t c = 1024;
      while (c < rate / 2) c *= 2;
      ring.assign(static_cast<size_t>(c), 0);
      mask = c - 1;
    }
    const int64_t lo = held.empty() ? start : std::min(start, held.front().start);
    const int64_t hi = held.empty() ? end : std::max(end, held.back().end);
    int64_t capacity = static_cast<int64_t>(ring.size());
    if (hi - lo > capacity && capacity < max_capacity) {
      while (hi - lo > capacity && capacity < max_capacity) capacity *= 2;
      std::vector<int16_t> grown(static_cast<size_t>(capacity), 0);
      const int64_t grown_mask = capacity - 1;
      for (const Interval& iv : held) {
        for (int64_t p = iv.start; p < iv.end; ++p) grown[p & grown_mask] = ring[p & mask];
      }
      ring.swap(grown);
      mask = grown_mask;
    }
    if (hi - lo <= capacity) return start;
    const int64_t floor = hi - capacity;
    size_t drop = 0;
    for (Interval& iv : held) {
      if (iv.end <= floor) {
        stats.dropped_samples += iv.end - iv.start;
        ++drop;
      } else {
        if (iv.start < floor) {
          stats.dropped_samples += floor - iv.start;
          iv.start = floor;
        }
        break;
      }
    }
    held.erase(held.begin(), held.begin() + static_cast<std::ptrdiff_t>(drop));
    return std::max(start, floor);
  }

  // Copies src[from - origin, to - origin) into the ring at [from, to).
  void Write(int64_t from, int64_t to, int64_t origin, const int16_t* src) {
    stats.audio_samples += to - from;
    const int16_t* in = src + (from - origin);
    while (from < to) {
      const int64_t index = from & mask;
      const int64_t run = std::min(to - from, static_cast<int64_t>(ring.size()) - index);
      std::copy(in, in + run, ring.begin() + index);
      in += run;
      from += run;
    }
  }

  void Read(int64_t from, int64_t to, int16_t* out) const {
    while (from < to) {
      const int64_t index = from & mask;
      const int64_t run = std::min(to - from, static_cast<int64_t>(ring.size()) - index);
      std::copy(ring.begin() + index, ring.begin() + index + run, out);
      out += run;
      from += run;
    }
  }

  void DrainTo(int64_t end, std::vector<int16_t>& out) {
    if (end <= drained) return;
    const size_t at = out.size();
    out.resize(at + static_cast<size_t>(end - drained));
    int16_t* dst = out.data() + at;
    int64_t pos = drained;
    size_t done = 0;
    for (; done < held.size() && held[done].start < end; ++done) {
      Interval& iv = held[done];
      if (iv.start > pos) {
        std::fill(dst + (pos - drained), dst + (iv.start - drained), int16_t{0});
        stats.silence_samples += iv.start - pos;
        pos = iv.start;
      }
      const int64_t stop = std::min(iv.end, end);
      Read(pos, stop, dst + (pos - drained));
      pos = stop;
      if (iv.end > end) {
        iv.start = end;
        break;
      }
    }
    held.erase(held.begin(), held.begin() + static_cast<std::ptrdiff_t>(done));
    if (pos < end) {
      std::fill(dst + (pos - drained), dst + (end - drained), int16_t{0});
      stats.silence_samples += end - pos;
    }
    drained = end;
    // Telephone events the drain has reached are reported with the length known so far,
    // so a long press is masked while its audio is still held downstream.
    const int64_t keep = kEventKeepSeconds * rate;
    for (Event& e : events) {
      if (drained > e.reported_end) Report(e);
    }
    std::erase_if(events, [&](const Event& e) { return drained > EventEnd(e) + keep; });
  }
};

ChannelAssembler::ChannelAssembler(ChannelOptions options, int64_t origin_us)
    : impl_(std::make_unique<Impl>(options, origin_us)) {}
ChannelAssembler::~ChannelAssembler() = default;

void ChannelAssembler::SetCodecs(const std::vector<Codec>& codecs) { impl_->SetCodecs(codecs); }
void ChannelAssembler::OnRtp(int64_t arrival_us, const RtpPacket& packet) {
  impl_->OnRtp(arrival_us, packet);
}
int64_t ChannelAssembler::SampleAt(int64_t time_us) const { return impl_->SampleAt(time_us); }
void ChannelAssembler::DrainTo(int64_t end_sample, std::vector<int16_t>& out) {
  impl_->DrainTo(end_sample, out);
}
int64_t ChannelAssembler::drained() const { return impl_->drained; }
std::vector<SampleSpan> ChannelAssembler::TakeDtmfSpans() {
  return std::exchange(impl_->dtmf_spans, {});
}
std::vector<CodecGap> ChannelAssembler::TakeCodecGaps() { return std::exchange(impl_->gaps, {}); }
const ChannelStats& ChannelAssembler::stats() const { return impl_->stats; }
int64_t ChannelAssembler::last_packet_us() const { return impl_->last_packet_us; }

}  // namespace fg::voip
