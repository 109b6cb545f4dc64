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
//
// Each segment resets the encoder, carries its own random serial number and pre-skip, and
// is padded with silent frames past the encoder's lookahead; its final granule position
// trims that padding, so decoded segments join without a gap or an overlap and a
// recording decodes to exactly the samples written. Pages are flushed at least once per
// second of audio.
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
  // Bits/s for the whole stream; 0 picks the lowest rate that keeps the two parties apart
  // (stereo: 24000 at 8 kHz, 32000 at 12 and 16 kHz, 48000 above; mono: half). Measured with
  // libopus 1.3: stereo at 16 kbps collapses to mono, and 24 kbps at 16 kHz leaves only
  // ~11 dB between the channels, so an explicit low bitrate costs channel separation.
  int bitrate = 0;
  int complexity = 2;  // 0..10; low keeps many calls per core
  // A segment is built in memory and written whole: 10 s keeps ~50 KiB per call in memory and
  // a crash loses at most 10 s; 60 s costs 126 KiB more per active call for 1% less size and
  // 1.6% less CPU (docs/benchmarks.md).
  int segment_seconds = 10;
};

// Receives each finished segment (a complete Ogg Opus stream).
using SegmentSink = std::function<Result<void>(std::span<const uint8_t> segment)>;

class OggOpusEncoder {
 public:
  static Result<std::unique_ptr<OggOpusEncoder>> Create(OpusOptions options, SegmentSink sink);
  ~OggOpusEncoder();
  // Interleaved samples (channels per frame); buffered to 20 ms frames.
  Result<void> Write(std::span<const int16_t> interleaved);
  // Pads the last frame with silence, closes the current segment. With nothing written
  // there is no segment at all. Write after Finish is kFailedPrecondition; a second Finish
  // does nothing. An error from the sink is returned by the Write or Finish that closed
  // the segment.
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

// Decodes one or more concatenated Ogg Opus streams (pre-skip honoured per stream, the
// final granule position trims each stream's padding). Strict: a bad page checksum, lost
// sync, a missing page, a stream without its end-of-stream page, trailing bytes, an
// undecodable packet, or streams of different rates or channel counts are kDataLoss, as
// is empty input. Only channel mapping family 0 (mono, stereo); output gain is ignored.
// More than 2^29 decoded samples (a forged stream) is kResourceExhausted.
Result<DecodedAudio> DecodeOggOpus(std::span<const uint8_t> ogg);

// A RIFF/WAVE file (16-bit PCM) of decoded audio, for the console's player.
std::vector<uint8_t> ToWav(const DecodedAudio& audio);

}  // namespace fg::recording
