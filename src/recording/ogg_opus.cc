#include "recording/ogg_opus.h"

#include <ogg/ogg.h>
#include <opus.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <string>

namespace fg::recording {
namespace {

constexpr int kGranuleRate = 48000;  // Ogg Opus granule positions always count 48 kHz samples
constexpr int kFrameMs = 20;
// A page is flushed at least this often so a reader (or a crash) loses little.
constexpr int64_t kMaxPageGranules = kGranuleRate;
// Largest Opus frame: 120 ms at 48 kHz.
constexpr int kMaxFrameSamples48k = 5760;
// A decoded recording larger than this is refused rather than exhausting memory: 1 GiB.
constexpr size_t kMaxDecodedSamples = size_t{1} << 29;

bool IsOpusRate(int rate) {
  return rate == 8000 || rate == 12000 || rate == 16000 || rate == 24000 || rate == 48000;
}

// See OpusOptions::bitrate for the measurements behind these.
int AutomaticBitrate(const OpusOptions& options) {
  int stereo = options.sample_rate <= 8000 ? 24000 : options.sample_rate <= 16000 ? 32000 : 48000;
  return options.channels == 2 ? stereo : stereo / 2;
}

tl::unexpected<Error> DataLoss(std::string message) {
  return MakeError(ErrorCode::kDataLoss, std::move(message));
}

void PutLe16(std::vector<uint8_t>& out, uint16_t value) {
  out.push_back(static_cast<uint8_t>(value));
  out.push_back(static_cast<uint8_t>(value >> 8));
}

void PutLe32(std::vector<uint8_t>& out, uint32_t value) {
  for (int shift = 0; shift < 32; shift += 8) out.push_back(static_cast<uint8_t>(value >> shift));
}

uint16_t GetLe16(const unsigned char* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }

uint32_t GetLe32(const unsigned char* p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
         (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
}

}  // namespace

// ---------------------------------------------------------------------------------------
// Encoder

struct OggOpusEncoder::Impl {
  OpusOptions options;
  SegmentSink sink;
  OpusEncoder* encoder = nullptr;
  int frame_size = 0;         // samples per channel in one 20 ms frame at the input rate
  int granule_scale = 0;      // 48 kHz samples per input sample
  int lookahead = 0;          // encoder delay, input-rate samples
  int64_t segment_limit = 0;  // samples per channel in a full segment

  std::vector<int16_t> pending;  // interleaved, less than one frame
  std::vector<unsigned char> packet;
  std::vector<uint8_t> segment;  // bytes of the segment being built
  ogg_stream_state stream{};
  bool stream_open = false;
  bool eos_written = false;
  bool finished = false;
  uint32_t last_serial = 0;
  std::mt19937 serials{std::random_device{}()};

  int64_t packet_number = 0;
  int64_t segment_frames = 0;   // frames encoded in the current segment (incl. padding)
  int64_t segment_samples = 0;  // real input samples per channel in the current segment
  int64_t last_page_granule = 0;
  int64_t total_samples = 0;

  ~Impl() {
    if (stream_open) ogg_stream_clear(&stream);
    if (encoder != nullptr) opus_encoder_destroy(encoder);
  }

  int64_t PreSkip() const { return int64_t{lookahead} * granule_scale; }

  void TakePages(bool flush) {
    ogg_page page;
    while (flush ? ogg_stream_flush(&stream, &page) : ogg_stream_pageout(&stream, &page)) {
      segment.insert(segment.end(), page.header, page.header + page.header_len);
      segment.insert(segment.end(), page.body, page.body + page.body_len);
      last_page_granule = ogg_page_granulepos(&page);
    }
  }

  Result<void> PushPacket(const unsigned char* data, size_t size, int64_t granule, bool last) {
    ogg_packet op{};
    op.packet = const_cast<unsigned char*>(data);
    op.bytes = static_cast<long>(size);
    op.b_o_s = packet_number == 0 ? 1 : 0;
    op.e_o_s = last ? 1 : 0;
    op.granulepos = granule;
    op.packetno = packet_number++;
    if (ogg_stream_packetin(&stream, &op) != 0) return Internal("ogg stream rejected a packet");
    return {};
  }

  Result<void> BeginSegment() {
    if (opus_encoder_ctl(encoder, OPUS_RESET_STATE) != OPUS_OK) {
      return Internal("opus encoder reset failed");
    }
    uint32_t serial = 0;
    do serial = static_cast<uint32_t>(serials());
    while (serial == last_serial);
    last_serial = serial;
    if (ogg_stream_init(&stream, static_cast<int>(serial)) != 0) {
      return Internal("ogg stream init failed");
    }
    stream_open = true;
    eos_written = false;
    segment.clear();
    packet_number = 0;
    segment_frames = 0;
    segment_samples = 0;
    last_page_granule = 0;

    // RFC 7845 section 5.1: the identification header, alone on the first page.
    std::vector<uint8_t> head = {'O', 'p', 'u', 's', 'H', 'e', 'a', 'd', 1};
    head.push_back(static_cast<uint8_t>(options.channels));
    PutLe16(head, static_cast<uint16_t>(PreSkip()));
    PutLe32(head, static_cast<uint32_t>(options.sample_rate));
    PutLe16(head, 0);   // output gain
    head.push_back(0);  // channel mapping family 0: mono or stereo
    FG_RETURN_IF_ERROR(PushPacket(head.data(), head.size(), 0, false));
    TakePages(true);

    // Section 5.2: the comment header, on its own page(s).
    std::string vendor = std::string("floorguard (") + opus_get_version_string() + ")";
    std::vector<uint8_t> tags = {'O', 'p', 'u', 's', 'T', 'a', 'g', 's'};
    PutLe32(tags, static_cast<uint32_t>(vendor.size()));
    tags.insert(tags.end(), vendor.begin(), vendor.end());
    PutLe32(tags, 0);  // no user comments
    FG_RETURN_IF_ERROR(PushPacket(tags.data(), tags.size(), 0, false));
    TakePages(true);
    return {};
  }

  // Encodes one frame of `frame_size` samples per channel, `real` of which are input.
  Result<void> EncodeFrame(const int16_t* pcm, int real, bool last) {
    if (!stream_open) FG_RETURN_IF_ERROR(BeginSegment());
    int size = opus_encode(encoder, pcm, frame_size, packet.data(),
                           static_cast<opus_int32>(packet.size()));
    if (size < 0) return Internal(std::string("opus_encode: ") + opus_strerror(size));
    ++segment_frames;
    segment_samples += real;
    // Granules never pass the end of the real audio plus pre-skip, so the last page's
    // value trims the padding and positions stay monotonic.
    int64_t granule = std::min(segment_frames * frame_size * granule_scale,
                               PreSkip() + segment_samples * granule_scale);
    FG_RETURN_IF_ERROR(PushPacket(packet.data(), static_cast<size_t>(size), granule, last));
    eos_written = last;
    TakePages(false);
    if (!last && granule - last_page_granule >= kMaxPageGranules) TakePages(true);
    return {};
  }

  // Pushes the encoder's lookahead out with silent frames, ends the stream, hands it over.
  Result<void> CloseSegment() {
    if (!stream_open) return {};
    std::vector<int16_t> silence(static_cast<size_t>(frame_size * options.channels), 0);
    while (!eos_written) {
      bool last = (segment_frames + 1) * frame_size >= segment_samples + lookahead;
      FG_RETURN_IF_ERROR(EncodeFrame(silence.data(), 0, last));
    }
    TakePages(true);
    ogg_stream_clear(&stream);
    stream_open = false;
    std::vector<uint8_t> bytes = std::move(segment);
    segment.clear();
    return sink(bytes);
  }

  Result<void> EncodeFull(const int16_t* pcm) {
    FG_RETURN_IF_ERROR(EncodeFrame(pcm, frame_size, false));
    if (segment_samples >= segment_limit) FG_RETURN_IF_ERROR(CloseSegment());
    return {};
  }
};

OggOpusEncoder::OggOpusEncoder(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
OggOpusEncoder::~OggOpusEncoder() = default;

Result<std::unique_ptr<OggOpusEncoder>> OggOpusEncoder::Create(OpusOptions options,
                                                               SegmentSink sink) {
  if (!IsOpusRate(options.sample_rate)) {
    return InvalidArgument("sample_rate", "must be 8000, 12000, 16000, 24000 or 48000");
  }
  if (options.channels != 1 && options.channels != 2) {
    return InvalidArgument("channels", "must be 1 or 2");
  }
  if (options.bitrate != 0 && (options.bitrate < 500 || options.bitrate > 512000)) {
    return InvalidArgument("bitrate", "must be 0 (automatic) or between 500 and 512000 bits/s");
  }
  if (options.complexity < 0 || options.complexity > 10) {
    return InvalidArgument("complexity", "must be between 0 and 10");
  }
  if (options.segment_seconds < 1 || options.segment_seconds > 24 * 3600) {
    return InvalidArgument("segment_seconds", "must be between 1 and 86400");
  }
  if (!sink) return InvalidArgument("sink", "is required");

  auto impl = std::make_unique<Impl>();
  impl->sink = std::move(sink);
  int error = OPUS_OK;
  impl->encoder =
      opus_encoder_create(options.sample_rate, options.channels, OPUS_APPLICATION_VOIP, &error);
  if (error != OPUS_OK || impl->encoder == nullptr) {
    return Internal(std::string("opus_encoder_create: ") + opus_strerror(error));
  }
  if (options.bitrate == 0) options.bitrate = AutomaticBitrate(options);
  // Without forcing, libopus may downmix to mono at low bitrates: the parties would merge.
  if (opus_encoder_ctl(impl->encoder, OPUS_SET_COMPLEXITY(options.complexity)) != OPUS_OK ||
      opus_encoder_ctl(impl->encoder, OPUS_SET_BITRATE(options.bitrate)) != OPUS_OK ||
      opus_encoder_ctl(impl->encoder, OPUS_SET_FORCE_CHANNELS(options.channels)) != OPUS_OK ||
      opus_encoder_ctl(impl->encoder, OPUS_GET_LOOKAHEAD(&impl->lookahead)) != OPUS_OK) {
    return Internal("opus encoder configuration failed");
  }
  impl->options = options;
  impl->frame_size = options.sample_rate * kFrameMs / 1000;
  impl->granule_scale = kGranuleRate / options.sample_rate;
  impl->segment_limit = int64_t{options.segment_seconds} * options.sample_rate;
  impl->packet.resize(4000);  // the largest packet libopus recommends for one frame
  impl->pending.reserve(static_cast<size_t>(impl->frame_size * options.channels));
  return std::unique_ptr<OggOpusEncoder>(new OggOpusEncoder(std::move(impl)));
}

Result<void> OggOpusEncoder::Write(std::span<const int16_t> interleaved) {
  Impl& s = *impl_;
  if (s.finished) return MakeError(ErrorCode::kFailedPrecondition, "encoder already finished");
  const size_t channels = static_cast<size_t>(s.options.channels);
  if (interleaved.size() % channels != 0) {
    return InvalidArgument("interleaved", "length is not a whole number of frames");
  }
  const size_t frame_values = static_cast<size_t>(s.frame_size) * channels;
  size_t offset = 0;
  if (!s.pending.empty()) {
    size_t take = std::min(frame_values - s.pending.size(), interleaved.size());
    s.pending.insert(s.pending.end(), interleaved.begin(), interleaved.begin() + take);
    offset = take;
    if (s.pending.size() == frame_values) {
      FG_RETURN_IF_ERROR(s.EncodeFull(s.pending.data()));
      s.pending.clear();
    }
  }
  while (interleaved.size() - offset >= frame_values) {
    FG_RETURN_IF_ERROR(s.EncodeFull(interleaved.data() + offset));
    offset += frame_values;
  }
  s.pending.insert(s.pending.end(), interleaved.begin() + offset, interleaved.end());
  s.total_samples += static_cast<int64_t>(interleaved.size() / channels);
  return {};
}

Result<void> OggOpusEncoder::Finish() {
  Impl& s = *impl_;
  if (s.finished) return {};
  s.finished = true;
  if (!s.pending.empty()) {
    int real = static_cast<int>(s.pending.size() / static_cast<size_t>(s.options.channels));
    s.pending.resize(static_cast<size_t>(s.frame_size * s.options.channels), 0);
    // The padding may already cover the encoder's delay; then this frame ends the stream.
    const int64_t frames = s.stream_open ? s.segment_frames : 0;
    const int64_t samples = s.stream_open ? s.segment_samples : 0;
    bool last = (frames + 1) * s.frame_size >= samples + real + s.lookahead;
    FG_RETURN_IF_ERROR(s.EncodeFrame(s.pending.data(), real, last));
    s.pending.clear();
  }
  return s.CloseSegment();
}

int64_t OggOpusEncoder::samples_written() const { return impl_->total_samples; }

// ---------------------------------------------------------------------------------------
// Decoder

namespace {

struct StreamDecoder {
  ogg_stream_state stream{};
  bool stream_open = false;
  OpusDecoder* decoder = nullptr;

  ~StreamDecoder() { Reset(); }
  void Reset() {
    if (stream_open) ogg_stream_clear(&stream);
    stream_open = false;
    if (decoder != nullptr) opus_decoder_destroy(decoder);
    decoder = nullptr;
  }
};

struct SyncState {
  ogg_sync_state sync{};
  SyncState() { ogg_sync_init(&sync); }
  ~SyncState() { ogg_sync_clear(&sync); }
};

}  // namespace

Result<DecodedAudio> DecodeOggOpus(std::span<const uint8_t> ogg) {
  if (ogg.empty()) return DataLoss("no Ogg Opus stream");
  SyncState sync;
  char* buffer = ogg_sync_buffer(&sync.sync, static_cast<long>(ogg.size()));
  if (buffer == nullptr) return Internal("ogg sync buffer allocation failed");
  std::memcpy(buffer, ogg.data(), ogg.size());
  ogg_sync_wrote(&sync.sync, static_cast<long>(ogg.size()));

  DecodedAudio audio;
  StreamDecoder current;
  bool in_stream = false;  // a logical stream is open (its EOS not seen yet)
  int64_t packets = 0;     // packets seen in the current stream
  int64_t pre_skip = 0;    // at the decoding rate, still to drop
  int64_t pre_skip_48k = 0;
  size_t stream_start = 0;  // index into audio.samples where this stream's output began
  int rate = 0;
  int channels = 0;
  std::vector<int16_t> pcm;

  ogg_page page;
  while (true) {
    int got = ogg_sync_pageout(&sync.sync, &page);
    if (got == 0) break;
    if (got < 0) return DataLoss("Ogg stream damaged (lost sync or bad checksum)");
    if (ogg_page_version(&page) != 0) return DataLoss("unsupported Ogg page version");
    int serial = ogg_page_serialno(&page);
    if (ogg_page_bos(&page)) {
      if (in_stream) return DataLoss("Ogg stream ends without its end-of-stream page");
      current.Reset();
      if (ogg_stream_init(&current.stream, serial) != 0) return Internal("ogg stream init failed");
      current.stream_open = true;
      in_stream = true;
      packets = 0;
    } else if (!in_stream || serial != current.stream.serialno) {
      return DataLoss("Ogg page outside its logical stream");
    }
    if (ogg_stream_pagein(&current.stream, &page) != 0) return DataLoss("Ogg page rejected");
    const bool eos = ogg_page_eos(&page) != 0;
    const int64_t page_granule = ogg_page_granulepos(&page);

    ogg_packet packet;
    while (true) {
      int result = ogg_stream_packetout(&current.stream, &packet);
      if (result == 0) break;
      if (result < 0) return DataLoss("Ogg stream has a gap (missing page)");
      if (packet.bytes < 0) return DataLoss("Ogg packet has a negative size");
      const size_t size = static_cast<size_t>(packet.bytes);
      const unsigned char* data = packet.packet;
      if (packets == 0) {
        // RFC 7845 section 5.1.
        if (size < 19 || std::memcmp(data, "OpusHead", 8) != 0) {
          return DataLoss("Ogg stream does not start with OpusHead");
        }
        if ((data[8] & 0xF0) != 0) return DataLoss("unsupported OpusHead version");
        int head_channels = data[9];
        pre_skip_48k = GetLe16(data + 10);
        uint32_t input_rate = GetLe32(data + 12);
        int mapping = data[18];
        if (mapping != 0 || head_channels < 1 || head_channels > 2) {
          return DataLoss("unsupported Opus channel mapping");
        }
        int stream_rate =
            IsOpusRate(static_cast<int>(input_rate)) ? static_cast<int>(input_rate) : 48000;
        if (rate == 0) {
          rate = stream_rate;
          channels = head_channels;
        } else if (rate != stream_rate || channels != head_channels) {
          return DataLoss("chained Opus streams differ in rate or channels");
        }
        int error = OPUS_OK;
        current.decoder = opus_decoder_create(rate, channels, &error);
        if (error != OPUS_OK || current.decoder == nullptr) {
          return Internal(std::string("opus_decoder_create: ") + opus_strerror(error));
        }
        pre_skip = pre_skip_48k * rate / kGranuleRate;
        stream_start = audio.samples.size();
        pcm.resize(static_cast<size_t>(kMaxFrameSamples48k * channels));
      } else if (packets == 1) {
        if (size < 16 || std::memcmp(data, "OpusTags", 8) != 0) {
          return DataLoss("Opus stream lacks its OpusTags header");
        }
      } else {
        if (size == 0) return DataLoss("empty Opus packet");
        int samples = opus_packet_get_nb_samples(data, static_cast<opus_int32>(size), rate);
        if (samples <= 0 || samples > kMaxFrameSamples48k) return DataLoss("bad Opus packet");
        int decoded = opus_decode(current.decoder, data, static_cast<opus_int32>(size), pcm.data(),
                                  kMaxFrameSamples48k, 0);
        if (decoded < 0) return DataLoss(std::string("Opus packet: ") + opus_strerror(decoded));
        int64_t skip = std::min<int64_t>(pre_skip, decoded);
        pre_skip -= skip;
        const size_t begin = static_cast<size_t>(skip * channels);
        const size_t end = static_cast<size_t>(decoded) * static_cast<size_t>(channels);
        if (audio.samples.size() + (end - begin) > kMaxDecodedSamples) {
          return MakeError(ErrorCode::kResourceExhausted, "decoded recording too large");
        }
        audio.samples.insert(audio.samples.end(), pcm.begin() + static_cast<ptrdiff_t>(begin),
                             pcm.begin() + static_cast<ptrdiff_t>(end));
      }
      ++packets;
    }

    if (eos) {
      if (packets < 2) return DataLoss("Opus stream ends inside its headers");
      // The final granule position says where the audio ends: trim the padding.
      if (page_granule < pre_skip_48k) return DataLoss("Opus end position before pre-skip");
      const int64_t scale = kGranuleRate / rate;
      const int64_t decoded = static_cast<int64_t>((audio.samples.size() - stream_start) /
                                                   static_cast<size_t>(channels));
      const int64_t end = page_granule - pre_skip_48k;
      if (end < decoded * scale) {
        audio.samples.resize(stream_start + static_cast<size_t>(end / scale * channels));
      }
      current.Reset();
      in_stream = false;
    }
  }
  if (sync.sync.fill > sync.sync.returned) return DataLoss("Ogg stream truncated mid-page");
  if (in_stream) return DataLoss("Ogg stream truncated (no end-of-stream page)");
  if (rate == 0) return DataLoss("no Ogg Opus stream");
  audio.sample_rate = rate;
  audio.channels = channels;
  return audio;
}

std::vector<uint8_t> ToWav(const DecodedAudio& audio) {
  const uint32_t channels = static_cast<uint32_t>(std::max(audio.channels, 1));
  const uint32_t rate = static_cast<uint32_t>(std::max(audio.sample_rate, 0));
  // RIFF sizes are 32-bit: a longer recording is cut at the limit rather than wrapped.
  const size_t max_samples = (0xFFFFFFFFu - 36u) / 2u;
  const size_t samples = std::min(audio.samples.size(), max_samples);
  const uint32_t data_bytes = static_cast<uint32_t>(samples * 2);
  // Written in place: GCC 12 warns falsely about small vector inserts here.
  std::vector<uint8_t> out(44 + size_t{data_bytes});
  uint8_t* p = out.data();
  auto tag = [&p](const char* text) {
    std::memcpy(p, text, 4);
    p += 4;
  };
  auto le = [&p](uint32_t value, int bytes) {
    for (int i = 0; i < bytes; ++i) *p++ = static_cast<uint8_t>(value >> (8 * i));
  };
  tag("RIFF");
  le(36 + data_bytes, 4);
  tag("WAVE");
  tag("fmt ");
  le(16, 4);
  le(1, 2);  // PCM
  le(channels, 2);
  le(rate, 4);
  le(rate * channels * 2, 4);
  le(channels * 2, 2);
  le(16, 2);
  tag("data");
  le(data_bytes, 4);
  for (size_t i = 0; i < samples; ++i) le(static_cast<uint16_t>(audio.samples[i]), 2);
  return out;
}

}  // namespace fg::recording
