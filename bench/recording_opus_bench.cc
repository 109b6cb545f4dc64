// Recording codec and vault throughput.
//
// BM_EncodeCall: 60 s of stereo speech-like audio at the call's rate through OggOpusEncoder
// (libopus directly, no resampling), at complexities 0, 2 and 5. The counter realtime_x is
// seconds of audio per CPU second: how many calls one core keeps up with.
// BM_EncodeAt48kHzReference: the same audio upsampled to 48 kHz at complexity 10, what
// libopusenc would do with its defaults, as the reference. Not like for like: libopusenc
// also resamples 8 kHz input to 48 kHz (the issue measured it at 50x real time per core),
// which this leaves out, and libopus picks its own mode at 48 kHz and ~48 kbit/s.
// BM_VaultAppend: encrypting and writing one-minute segments (bytes/s); BM_Decode: playback.
//
//   cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DFG_WERROR=OFF -DFG_BUILD_TESTS=OFF
//   ninja -C build-bench recording_opus_bench && build-bench/bench/recording_opus_bench
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <numbers>
#include <string>

#include "recording/ogg_opus.h"
#include "recording/vault.h"

namespace fg::recording {
namespace {

constexpr int kSeconds = 60;

// Two talkers taking turns: harmonics of a gliding pitch, syllables at ~4 Hz, pauses, noise.
std::vector<int16_t> SpeechLike(int rate, int seconds) {
  const size_t frames = static_cast<size_t>(rate) * static_cast<size_t>(seconds);
  std::vector<int16_t> out(frames * 2);
  uint32_t noise = 12345;
  double phase[2] = {0, 0};
  for (size_t i = 0; i < frames; ++i) {
    const double t = static_cast<double>(i) / rate;
    for (int channel = 0; channel < 2; ++channel) {
      // Turns of ~3 s; the listener is near silent (line noise only).
      const bool speaking = (static_cast<int>(t / 3.0) + channel) % 2 == 0;
      const double pitch = (channel == 0 ? 120 : 210) * (1 + 0.15 * std::sin(2 * t + channel));
      phase[channel] += 2 * std::numbers::pi * pitch / rate;
      double voice = 0;
      for (int harmonic = 1; harmonic <= 8; ++harmonic) {
        const double hz = pitch * harmonic;
        if (hz > rate / 2.0) break;
        // A crude formant shape: weight harmonics near 500 Hz and 1500 Hz.
        const double weight = std::exp(-std::pow((hz - 500) / 300, 2)) +
                              0.5 * std::exp(-std::pow((hz - 1500) / 400, 2)) + 0.1;
        voice += weight * std::sin(harmonic * phase[channel]);
      }
      const double syllable = std::pow(std::max(0.0, std::sin(2 * std::numbers::pi * 4 * t)), 2);
      noise = noise * 1664525u + 1013904223u;
      const double hiss = (static_cast<double>(noise >> 16) / 65536.0 - 0.5) * 200;
      const double sample = (speaking ? 6000 * syllable * voice : 0) + hiss;
      out[i * 2 + static_cast<size_t>(channel)] =
          static_cast<int16_t>(std::clamp(sample, -32768.0, 32767.0));
    }
  }
  return out;
}

void Encode(benchmark::State& state, int rate, int complexity, const std::vector<int16_t>& pcm) {
  size_t bytes = 0;
  for (auto _ : state) {
    bytes = 0;
    auto encoder = OggOpusEncoder::Create({.sample_rate = rate, .complexity = complexity},
                                          [&](std::span<const uint8_t> segment) {
                                            bytes += segment.size();
                                            return Result<void>{};
                                          });
    if (!encoder) {
      state.SkipWithError("encoder");
      return;
    }
    // 20 ms packets as they come off the network.
    const size_t chunk = static_cast<size_t>(rate / 50) * 2;
    for (size_t offset = 0; offset < pcm.size(); offset += chunk) {
      if (!(*encoder)->Write(
              std::span(pcm).subspan(offset, std::min(chunk, pcm.size() - offset)))) {
        state.SkipWithError("write");
        return;
      }
    }
    if (!(*encoder)->Finish()) state.SkipWithError("finish");
  }
  state.counters["realtime_x"] =
      benchmark::Counter(static_cast<double>(kSeconds) * static_cast<double>(state.iterations()),
                         benchmark::Counter::kIsRate);
  state.counters["kbit_s"] = static_cast<double>(bytes) * 8 / kSeconds / 1000;
}

void BM_EncodeCall(benchmark::State& state) {
  const int rate = static_cast<int>(state.range(0));
  static const auto pcm8 = SpeechLike(8000, kSeconds);
  static const auto pcm16 = SpeechLike(16000, kSeconds);
  Encode(state, rate, static_cast<int>(state.range(1)), rate == 8000 ? pcm8 : pcm16);
}
BENCHMARK(BM_EncodeCall)
    ->ArgNames({"rate", "complexity"})
    ->Args({8000, 0})
    ->Args({8000, 2})
    ->Args({8000, 5})
    ->Args({16000, 2})
    ->Unit(benchmark::kMillisecond);

void BM_EncodeAt48kHzReference(benchmark::State& state) {
  static const auto pcm = [] {
    auto narrow = SpeechLike(8000, kSeconds);
    std::vector<int16_t> wide(narrow.size() * 6);
    for (size_t i = 0; i < narrow.size() / 2; ++i) {
      for (size_t k = 0; k < 6; ++k) {
        wide[(i * 6 + k) * 2] = narrow[i * 2];
        wide[(i * 6 + k) * 2 + 1] = narrow[i * 2 + 1];
      }
    }
    return wide;
  }();
  Encode(state, 48000, 10, pcm);
}
BENCHMARK(BM_EncodeAt48kHzReference)->Unit(benchmark::kMillisecond);

void BM_Decode(benchmark::State& state) {
  std::vector<uint8_t> ogg;
  auto encoder = OggOpusEncoder::Create({.sample_rate = 8000}, [&](std::span<const uint8_t> s) {
    ogg.insert(ogg.end(), s.begin(), s.end());
    return Result<void>{};
  });
  if (!encoder || !(*encoder)->Write(SpeechLike(8000, kSeconds)) || !(*encoder)->Finish()) {
    state.SkipWithError("encode");
    return;
  }
  for (auto _ : state) {
    auto audio = DecodeOggOpus(ogg);
    if (!audio) state.SkipWithError("decode");
    benchmark::DoNotOptimize(audio);
  }
  state.counters["realtime_x"] =
      benchmark::Counter(static_cast<double>(kSeconds) * static_cast<double>(state.iterations()),
                         benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Decode)->Unit(benchmark::kMillisecond);

// One-minute segments (~180 KB at 24 kbit/s) encrypted and written, flushed each time.
void BM_VaultAppend(benchmark::State& state) {
  const size_t segment_size = static_cast<size_t>(state.range(0));
  auto ring = KeyRing::Parse("k1 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("fg_vault_bench_" + std::to_string(::getpid()) + ".fgrec"))
                               .string();
  std::filesystem::remove(path);
  auto writer = RecordingWriter::Create(*ring, path, "bench");
  if (!writer) {
    state.SkipWithError("create");
    return;
  }
  std::vector<uint8_t> segment(segment_size, 0x5A);
  for (auto _ : state) {
    if (!(*writer)->Append(segment)) state.SkipWithError("append");
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * segment_size));
  (void)(*writer)->Finish();
  std::filesystem::remove(path);
}
BENCHMARK(BM_VaultAppend)->Arg(180000)->Arg(4000);

// A whole recording's life in the vault: create, wrap the key, 10 segments, final, fsync.
void BM_VaultRecording(benchmark::State& state) {
  auto ring = KeyRing::Parse("k1 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("fg_vault_bench_rec_" + std::to_string(::getpid()) + ".fgrec"))
                               .string();
  std::vector<uint8_t> segment(180000, 0x5A);
  for (auto _ : state) {
    std::filesystem::remove(path);
    auto writer = RecordingWriter::Create(*ring, path, "bench");
    if (!writer) {
      state.SkipWithError("create");
      return;
    }
    for (int i = 0; i < 10; ++i) (void)(*writer)->Append(segment);
    if (!(*writer)->Finish()) state.SkipWithError("finish");
  }
  std::filesystem::remove(path);
}
BENCHMARK(BM_VaultRecording)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace fg::recording

BENCHMARK_MAIN();
