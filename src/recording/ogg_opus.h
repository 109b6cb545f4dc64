// Ogg Opus encoding and decoding of recordings (libopus and libogg directly).
//
// The encoder takes interleaved stereo PCM (left = the remote party, right = the agent) at
// the call's sample rate (8 or 16 kHz: libopus encodes at that rate, no resampling) with a
// low complexity, and emits self-contained segments: each one is a complete Ogg Opus
// stream (OpusHead, OpusTags, audio pages, end of stream), so a segment plays on its own
// and a recording cut short by a crash keeps every finished segment. Concatenated
// segments form a chained Ogg stream (RFC 7845), which the decoder reads back.
// Thread-safety: one thread per object.
//
//   auto encoder = recording::OggOpusEncoder::Create({.sample_rate = 8000}, sink);
//   encoder->Write(interleaved);   // any length
//   encoder->Finish();             // flushes the last segment
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "core/result.h"

namespace fg::recording {

struct OpusOptions {
  int sample_rate = 8000;  // 8000, 12000, 16000, 24000 or 48000
  int channels = 2;
  int bitrate = 24000;     // bits/s for the stereo stream
  int complexity = 2;      // 0..10; low keeps many calls per core
  int segment_seconds = 60;
};

// Receives each finished segment (a complete Ogg Opus stream).
using SegmentSink = std::function<Result<void>(std::span<const uint8_t> segment)>;

class OggOpusEncoder {
 public:
  static Result<std::unique_ptr<OggOpusEncoder>> Create(OpusOptions options, SegmentSink sink);
  ~OggOpusEncoder();
  // Interleaved samples (channels per frame); buffered to 20 ms frames.
  Result<void> Write(std::span<const int16_t> interleaved);
  // Pads the last frame with silence, closes the current segment.
  Result<void> Finish();
  int64_t samples_written() const;  // per channel

 private:
  struct Impl;
  explicit OggOpusEncoder(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

struct DecodedAudio {
  int sample_rate = 0;  // as in OpusHead's input sample rate (the call's rate)
  int channels = 0;
  std::vector<int16_t> samples;  // interleaved
};

// Decodes one or more concatenated Ogg Opus streams (pre-skip honoured per stream).
// kDataLoss for a damaged stream.
Result<DecodedAudio> DecodeOggOpus(std::span<const uint8_t> ogg);

// A RIFF/WAVE file (16-bit PCM) of decoded audio, for the console's player.
std::vector<uint8_t> ToWav(const DecodedAudio& audio);

}  // namespace fg::recording
