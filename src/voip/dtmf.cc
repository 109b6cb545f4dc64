#include "voip/dtmf.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <utility>

namespace fg::voip {

namespace {

constexpr std::array<double, 4> kRows = {697, 770, 852, 941};
constexpr std::array<double, 4> kCols = {1209, 1336, 1477, 1633};
constexpr char kDigits[4][4] = {
    {'1', '2', '3', 'A'}, {'4', '5', '6', 'B'}, {'7', '8', '9', 'C'}, {'*', '0', '#', 'D'}};

// Each tone at least this amplitude (about -38 dBm0; phones send -4 to -10 dBm0 per tone).
constexpr double kMinAmplitude = 300;
constexpr double kNormalTwist = 6.31;   // the row (low) tone may be 8 dB stronger
constexpr double kReverseTwist = 2.51;  // the column (high) tone may be 4 dB stronger
constexpr double kRelativePeak = 6.31;  // every other frequency of a group 8 dB below its peak
constexpr double kToTotal = 0.6;        // the two tones carry most of the block's energy
constexpr int kConfirmBlocks = 2;
constexpr int kEndBlocks = 2;
constexpr double kPi = 3.14159265358979323846;

void AddMerged(std::vector<SampleSpan>& spans, SampleSpan span) {
  if (span.end <= span.start) return;
  auto it = std::lower_bound(spans.begin(), spans.end(), span.start,
                             [](const SampleSpan& s, int64_t start) { return s.end < start; });
  if (it == spans.end() || it->start > span.end) {
    spans.insert(it, span);
    return;
  }
  it->start = std::min(it->start, span.start);
  it->end = std::max(it->end, span.end);
  auto next = it + 1;
  while (next != spans.end() && next->start <= it->end) {
    it->end = std::max(it->end, next->end);
    ++next;
  }
  spans.erase(it + 1, next);
}

// The hot loops of the detector (every block of every channel of every call), built twice
// on x86-64 and picked at load time: with AVX2 the eight filters are one 8-wide vector.
// No FMA in either build, so both give the same bits.
#if defined(__x86_64__) && defined(__GNUC__)
#define FG_DTMF_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define FG_DTMF_CLONES
#endif

// Sum of squares, exact (int64; the double sum it replaces was exact too).
FG_DTMF_CLONES int64_t BlockEnergy(const int16_t* x, int n) {
  int64_t energy = 0;
  for (int i = 0; i < n; ++i) energy += int32_t{x[i]} * int32_t{x[i]};
  return energy;
}

#if defined(__GNUC__)
// Eight lanes, one per filter: one AVX register, or two SSE ones in the default build.
using Float8 = float __attribute__((vector_size(32)));

FG_DTMF_CLONES void Goertzel8(const int16_t* x, int n, const float* coeff, float* s1_out,
                              float* s2_out) {
  Float8 c;
  std::memcpy(&c, coeff, sizeof(c));
  Float8 s1 = {};
  Float8 s2 = {};
  for (int i = 0; i < n; ++i) {
    const float sample = x[i];
    const Float8 s0 = sample + c * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  std::memcpy(s1_out, &s1, sizeof(s1));
  std::memcpy(s2_out, &s2, sizeof(s2));
}
#else
void Goertzel8(const int16_t* x, int n, const float* coeff, float* s1, float* s2) {
  for (int f = 0; f < 8; ++f) s1[f] = s2[f] = 0;
  for (int i = 0; i < n; ++i) {
    const float sample = x[i];
    for (int f = 0; f < 8; ++f) {
      const float s0 = sample + coeff[f] * s1[f] - s2[f];
      s2[f] = s1[f];
      s1[f] = s0;
    }
  }
}
#endif

}  // namespace

struct DtmfDetector::Impl {
  int block;
  std::array<float, 8> coeff{};
  std::vector<int16_t> partial;
  int64_t processed = 0;  // samples consumed (including the partial block)
  int64_t blocks_done = 0;
  // The run of identical per-block classifications, and the confirmed tone.
  char run_digit = 0;
  int run_length = 0;
  int64_t run_start = 0;
  char active = 0;
  int64_t active_start = 0;
  int64_t active_end = 0;
  int misses = 0;

  explicit Impl(int sample_rate) {
    const int rate = std::clamp(sample_rate, 4000, 96000);
    block = std::max(16, rate * 102 / 8000);
    for (int i = 0; i < 4; ++i) {
      coeff[i] = static_cast<float>(2 * std::cos(2 * kPi * kRows[i] / rate));
      coeff[4 + i] = static_cast<float>(2 * std::cos(2 * kPi * kCols[i] / rate));
    }
  }

  char Classify(const int16_t* x) const {
    const double energy = static_cast<double>(BlockEnergy(x, block));
    const double min_tone = block * kMinAmplitude * kMinAmplitude / 2;
    if (energy < 2 * min_tone) return 0;  // silence or quiet: no tone can pass
    std::array<float, 8> s1{};
    std::array<float, 8> s2{};
    Goertzel8(x, block, coeff.data(), s1.data(), s2.data());
    // Power scaled to the energy of a sinusoid in the block: |X|^2 * 2 / N.
    std::array<double, 8> power{};
    for (int f = 0; f < 8; ++f) {
      const double p =
          double(s1[f]) * s1[f] + double(s2[f]) * s2[f] - double(coeff[f]) * s1[f] * s2[f];
      power[f] = p * 2 / block;
    }
    const int row =
        static_cast<int>(std::max_element(power.begin(), power.begin() + 4) - power.begin());
    const int col =
        static_cast<int>(std::max_element(power.begin() + 4, power.end()) - power.begin());
    const double r = power[row];
    const double c = power[col];
    if (r < min_tone || c < min_tone) return 0;
    if (r > c * kNormalTwist || c > r * kReverseTwist) return 0;
    for (int f = 0; f < 4; ++f) {
      if (f != row && power[f] * kRelativePeak > r) return 0;
      if (4 + f != col && power[4 + f] * kRelativePeak > c) return 0;
    }
    if (r + c < kToTotal * energy) return 0;
    return kDigits[row][col - 4];
  }

  void Block(const int16_t* x, std::vector<ToneSpan>& done) {
    const int64_t start = blocks_done * block;
    const int64_t end = start + block;
    ++blocks_done;
    const char digit = Classify(x);
    if (digit != 0 && digit == run_digit) {
      ++run_length;
    } else {
      run_digit = digit;
      run_length = digit != 0 ? 1 : 0;
      run_start = start;
    }
    if (active != 0) {
      if (digit == active) {
        misses = 0;
        active_end = end;
      } else if (++misses >= kEndBlocks) {
        done.push_back({{active_start, active_end}, active});
        active = 0;
      }
    }
    if (active == 0 && run_length >= kConfirmBlocks) {
      active = run_digit;
      active_start = run_start;
      active_end = end;
      misses = 0;
    }
  }

  std::vector<ToneSpan> Process(std::span<const int16_t> pcm, bool flush) {
    std::vector<ToneSpan> done;
    processed += static_cast<int64_t>(pcm.size());
    size_t at = 0;
    if (!partial.empty()) {
      const size_t take = std::min(pcm.size(), static_cast<size_t>(block) - partial.size());
      partial.insert(partial.end(), pcm.begin(), pcm.begin() + static_cast<std::ptrdiff_t>(take));
      at = take;
      if (partial.size() == static_cast<size_t>(block)) {
        Block(partial.data(), done);
        partial.clear();
      }
    }
    for (; at + block <= pcm.size(); at += block) Block(pcm.data() + at, done);
    if (at < pcm.size() && partial.empty()) partial.assign(pcm.begin() + at, pcm.end());
    if (flush && active != 0) {
      done.push_back({{active_start, active_end}, active});
      active = 0;
      run_digit = 0;
      run_length = 0;
    }
    return done;
  }
};

DtmfDetector::DtmfDetector(int sample_rate) : impl_(std::make_unique<Impl>(sample_rate)) {}
DtmfDetector::~DtmfDetector() = default;

std::vector<ToneSpan> DtmfDetector::Process(std::span<const int16_t> pcm, bool flush) {
  return impl_->Process(pcm, flush);
}

std::optional<SampleSpan> DtmfDetector::Sounding() const {
  if (impl_->active == 0) return std::nullopt;
  return SampleSpan{impl_->active_start, impl_->processed};
}

int DtmfDetector::block_samples() const { return impl_->block; }

struct DtmfMasker::Impl {
  DtmfDetector detector;
  int64_t lookback;
  int64_t hangover;
  int64_t delay;
  std::vector<int16_t> held;  // samples [popped, pushed) start at held[head]
  size_t head = 0;
  int64_t pushed = 0;
  int64_t popped = 0;
  std::vector<SampleSpan> future;  // masks reaching past what was pushed so far
  std::vector<SampleSpan> masked;  // merged, not yet taken
  std::vector<SampleSpan> detections;

  Impl(int sample_rate, MaskOptions options)
      : detector(sample_rate),
        // The detector places a start up to a block late: look back that much further.
        lookback(int64_t{std::max(0, options.lookback_ms)} * sample_rate / 1000 +
                 detector.block_samples()),
        hangover(int64_t{std::max(0, options.hangover_ms)} * sample_rate / 1000) {
    // A tone is confirmed up to three blocks after it starts; the delay must let the
    // lookback reach back before it, whatever the options say.
    const int64_t minimum = lookback + 5 * int64_t{detector.block_samples()};
    delay = std::max<int64_t>(int64_t{std::max(0, options.delay_ms)} * sample_rate / 1000, minimum);
  }

  void Silence(int64_t from, int64_t to) {
    from = std::max(from, popped);
    to = std::min(to, pushed);
    if (from >= to) return;
    const auto begin = held.begin() + static_cast<std::ptrdiff_t>(head + (from - popped));
    std::fill(begin, begin + (to - from), int16_t{0});
  }

  void Mask(SampleSpan span) {
    span.start = std::max(span.start, popped);
    if (span.start >= span.end) return;
    Silence(span.start, span.end);
    if (span.end > pushed) AddMerged(future, {std::max(span.start, pushed), span.end});
    AddMerged(masked, span);
  }

  void Push(std::span<const int16_t> pcm) {
    const int64_t before = pushed;
    held.insert(held.end(), pcm.begin(), pcm.end());
    pushed += static_cast<int64_t>(pcm.size());
    for (const SampleSpan& f : future) Silence(std::max(f.start, before), f.end);
    std::erase_if(future, [&](const SampleSpan& f) { return f.end <= pushed; });
    for (const ToneSpan& tone : detector.Process(pcm)) {
      const SampleSpan widened{tone.span.start - lookback, tone.span.end + hangover};
      Mask(widened);
      AddMerged(detections, {std::max<int64_t>(0, widened.start), widened.end});
    }
    // A tone still sounding is silenced as it arrives, never only once it ends.
    if (auto sounding = detector.Sounding()) {
      Mask({sounding->start - lookback, pushed});
      AddMerged(detections, {std::max<int64_t>(0, sounding->start - lookback), pushed + hangover});
    }
  }

  void Pop(std::vector<int16_t>& out, bool flush) {
    const int64_t available = pushed - popped;
    const int64_t count = flush ? available : std::max<int64_t>(0, available - delay);
    if (count == 0) return;
    const auto begin = held.begin() + static_cast<std::ptrdiff_t>(head);
    out.insert(out.end(), begin, begin + count);
    head += static_cast<size_t>(count);
    popped += count;
    if (head > 4096 && head * 2 > held.size()) {
      held.erase(held.begin(), held.begin() + static_cast<std::ptrdiff_t>(head));
      head = 0;
    }
  }

  std::vector<SampleSpan> TakeMasked() {
    // Only spans wholly popped are final: one still in the delay line may yet grow.
    std::vector<SampleSpan> done;
    size_t n = 0;
    for (; n < masked.size() && masked[n].end <= popped; ++n) done.push_back(masked[n]);
    if (n < masked.size() && masked[n].start < popped && popped == pushed) {
      done.push_back({masked[n].start, popped});  // flushed: the part silenced so far
      masked[n].start = popped;
    }
    masked.erase(masked.begin(), masked.begin() + static_cast<std::ptrdiff_t>(n));
    return done;
  }
};

DtmfMasker::DtmfMasker(int sample_rate, MaskOptions options)
    : impl_(std::make_unique<Impl>(sample_rate, options)) {}
DtmfMasker::~DtmfMasker() = default;

void DtmfMasker::Push(std::span<const int16_t> pcm) { impl_->Push(pcm); }
void DtmfMasker::MaskSpan(SampleSpan span) { impl_->Mask(span); }
void DtmfMasker::Pop(std::vector<int16_t>& out, bool flush) { impl_->Pop(out, flush); }
std::vector<SampleSpan> DtmfMasker::TakeMaskedSpans() { return impl_->TakeMasked(); }
std::vector<SampleSpan> DtmfMasker::TakeDetections() {
  return std::exchange(impl_->detections, {});
}
int64_t DtmfMasker::pushed() const { return impl_->pushed; }
int64_t DtmfMasker::popped() const { return impl_->popped; }

}  // namespace fg::voip
