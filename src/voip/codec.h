// Audio decoders for recording: G.711 µ-law and A-law, G.722 (16 kHz, via spandsp).
//
// MakeDecoder returns nullptr for a codec we cannot decode; the caller records a gap with
// that reason instead of failing. Decoders are stateful (G.722 is ADPCM) and belong to
// one stream. Thread-safety: a decoder belongs to one thread; the tables are constant.
//
//   auto decoder = voip::MakeDecoder(codec);  // codec from the SDP
//   decoder->Decode(rtp.payload, pcm);
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "voip/sdp.h"

namespace fg::voip {

int16_t DecodeUlaw(uint8_t sample);
int16_t DecodeAlaw(uint8_t sample);
uint8_t EncodeUlaw(int16_t sample);  // for tests, fixtures and benchmarks
uint8_t EncodeAlaw(int16_t sample);

class AudioDecoder {
 public:
  virtual ~AudioDecoder() = default;
  virtual int sample_rate() const = 0;  // of the decoded PCM (8000; 16000 for G.722)
  // Samples of decoded audio one payload of `bytes` holds (for placing a lost packet).
  virtual int SamplesIn(size_t bytes) const = 0;
  // Appends the decoded mono PCM of one RTP payload to `pcm`.
  virtual void Decode(std::span<const uint8_t> payload, std::vector<int16_t>& pcm) = 0;
  // Decodes straight into `out`, which has room for SamplesIn(payload.size()) samples;
  // returns how many were written. Saves the hot path a copy.
  virtual int DecodeInto(std::span<const uint8_t> payload, int16_t* out) {
    std::vector<int16_t> pcm;
    Decode(payload, pcm);
    const size_t n = std::min(pcm.size(), static_cast<size_t>(SamplesIn(payload.size())));
    std::copy(pcm.begin(), pcm.begin() + static_cast<std::ptrdiff_t>(n), out);
    return static_cast<int>(n);
  }
};

std::unique_ptr<AudioDecoder> MakeDecoder(const Codec& codec);

}  // namespace fg::voip
