// In-band DTMF detection (Goertzel) and the masker that silences keypad digits.
//
// DtmfDetector runs the eight Goertzel filters on 8 or 16 kHz PCM in blocks (~13 ms at
// 8 kHz) with the usual checks (both tones present, twist, relative energy of other
// frequencies, two consecutive blocks) and reports each tone's span in samples. It
// reports late by design, which is why the masker looks back.
// DtmfMasker holds a delay line: PCM goes in, runs through the detector, and comes out
// `delay_ms` later with every detected tone silenced from `lookback_ms` before its
// detected start to `hangover_ms` after its end. Spans found elsewhere (RFC 4733 events,
// pauses, the other channel's detections) are silenced with MaskSpan while still in the
// delay line. The digits themselves never leave the detector: the masker only reports spans.
// Thread-safety: one thread per object.
//
//   voip::DtmfMasker masker(8000, {});
//   masker.Push(pcm);
//   masker.Pop(out, /*flush=*/false);   // masked audio, delay_ms behind
//   for (auto span : masker.TakeMaskedSpans()) record(span);
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "voip/channel.h"

namespace fg::voip {

struct ToneSpan {
  SampleSpan span;
  char digit = 0;  // '0'-'9', '*', '#', 'A'-'D'; for tests only, never stored
};

class DtmfDetector {
 public:
  explicit DtmfDetector(int sample_rate);
  ~DtmfDetector();
  // Processes PCM continuing from the previous call; returns tones that ended (or, with
  // flush, are still sounding) since then. Sample positions count from the first Process.
  std::vector<ToneSpan> Process(std::span<const int16_t> pcm, bool flush = false);
  // A confirmed tone still sounding: [its start, samples processed so far).
  std::optional<SampleSpan> Sounding() const;
  // Samples per analysis block (102 at 8 kHz); a tone is confirmed after two of them.
  int block_samples() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

struct MaskOptions {
  int lookback_ms = 150;
  int hangover_ms = 40;
  int delay_ms = 400;  // must exceed lookback plus the detector's reporting delay
};

class DtmfMasker {
 public:
  DtmfMasker(int sample_rate, MaskOptions options);
  ~DtmfMasker();

  // Appends PCM continuing the timeline (sample 0 = first sample pushed).
  void Push(std::span<const int16_t> pcm);
  // Silences [span.start, span.end) where still held (parts already popped cannot be).
  void MaskSpan(SampleSpan span);
  // Appends masked PCM that is older than the delay (everything with flush) to `out`.
  void Pop(std::vector<int16_t>& out, bool flush);
  // Merged spans silenced since the last call (in-band detections and MaskSpan calls).
  // Only spans wholly popped are returned (one still held may grow); all after a flush.
  std::vector<SampleSpan> TakeMaskedSpans();
  // In-band tones detected since the last call, widened by lookback and hangover, so the
  // caller can mask the other channel too. A tone still sounding is reported as it grows
  // (overlapping pieces), so the other channel is masked before its delay runs out.
  std::vector<SampleSpan> TakeDetections();
  int64_t pushed() const;
  int64_t popped() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fg::voip
