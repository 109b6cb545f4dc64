#include "voip/codec.h"

#include <spandsp/telephony.h>
// telephony.h must come first: g722.h uses its SPAN_DECLARE.
#include <spandsp/g722.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <string_view>

namespace fg::voip {

namespace {

// ITU-T G.711 expansion, as in the reference implementation (Sun's g711.c).
constexpr int16_t ExpandUlaw(uint8_t byte) {
  const int value = static_cast<uint8_t>(~byte);
  const int exponent = (value >> 4) & 0x07;
  const int mantissa = value & 0x0F;
  const int magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84;
  return static_cast<int16_t>((value & 0x80) ? -magnitude : magnitude);
}

constexpr int16_t ExpandAlaw(uint8_t byte) {
  const int value = byte ^ 0x55;
  int magnitude = (value & 0x0F) << 4;
  const int segment = (value & 0x70) >> 4;
  if (segment == 0) {
    magnitude += 8;
  } else {
    magnitude = (magnitude + 0x108) << (segment - 1);
  }
  return static_cast<int16_t>((value & 0x80) ? magnitude : -magnitude);
}

template <int16_t (*Expand)(uint8_t)>
constexpr std::array<int16_t, 256> MakeTable() {
  std::array<int16_t, 256> table{};
  for (int i = 0; i < 256; ++i) table[i] = Expand(static_cast<uint8_t>(i));
  return table;
}

constexpr std::array<int16_t, 256> kUlaw = MakeTable<ExpandUlaw>();
constexpr std::array<int16_t, 256> kAlaw = MakeTable<ExpandAlaw>();

bool NameIs(std::string_view name, std::string_view upper) {
  if (name.size() != upper.size()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(name[i])) != upper[i]) return false;
  }
  return true;
}

class G711Decoder final : public AudioDecoder {
 public:
  explicit G711Decoder(const std::array<int16_t, 256>& table) : table_(table) {}
  int sample_rate() const override { return 8000; }
  int SamplesIn(size_t bytes) const override { return static_cast<int>(bytes); }
  void Decode(std::span<const uint8_t> payload, std::vector<int16_t>& pcm) override {
    const size_t at = pcm.size();
    pcm.resize(at + payload.size());
    int16_t* out = pcm.data() + at;
    for (size_t i = 0; i < payload.size(); ++i) out[i] = table_[payload[i]];
  }
  int DecodeInto(std::span<const uint8_t> payload, int16_t* out) override {
    for (size_t i = 0; i < payload.size(); ++i) out[i] = table_[payload[i]];
    return static_cast<int>(payload.size());
  }

 private:
  const std::array<int16_t, 256>& table_;
};

class G722Decoder final : public AudioDecoder {
 public:
  G722Decoder() : state_(g722_decode_init(nullptr, 64000, 0)) {}
  ~G722Decoder() override {
    if (state_ != nullptr) g722_decode_free(state_);
  }
  G722Decoder(const G722Decoder&) = delete;
  G722Decoder& operator=(const G722Decoder&) = delete;

  bool ok() const { return state_ != nullptr; }
  int sample_rate() const override { return 16000; }
  // 64 kbit/s at 16 kHz: each byte carries two samples.
  int SamplesIn(size_t bytes) const override { return static_cast<int>(bytes * 2); }
  void Decode(std::span<const uint8_t> payload, std::vector<int16_t>& pcm) override {
    if (payload.empty()) return;
    const size_t at = pcm.size();
    pcm.resize(at + payload.size() * 2);
    const int made =
        g722_decode(state_, pcm.data() + at, payload.data(), static_cast<int>(payload.size()));
    pcm.resize(at + static_cast<size_t>(made > 0 ? made : 0));
  }
  int DecodeInto(std::span<const uint8_t> payload, int16_t* out) override {
    if (payload.empty()) return 0;
    const int made = g722_decode(state_, out, payload.data(), static_cast<int>(payload.size()));
    return std::clamp(made, 0, SamplesIn(payload.size()));
  }

 private:
  g722_decode_state_t* state_;
};

}  // namespace

int16_t DecodeUlaw(uint8_t sample) { return kUlaw[sample]; }
int16_t DecodeAlaw(uint8_t sample) { return kAlaw[sample]; }

uint8_t EncodeUlaw(int16_t sample) {
  constexpr int kBias = 0x84;
  constexpr int kClip = 32635;
  int value = sample;
  const int sign = value < 0 ? 0x80 : 0;
  if (value < 0) value = -value;
  if (value > kClip) value = kClip;
  value += kBias;
  int exponent = 7;
  for (int mask = 0x4000; (value & mask) == 0 && exponent > 0; mask >>= 1) --exponent;
  const int mantissa = (value >> (exponent + 3)) & 0x0F;
  return static_cast<uint8_t>(~(sign | (exponent << 4) | mantissa));
}

uint8_t EncodeAlaw(int16_t sample) {
  static constexpr int kSegmentEnd[8] = {0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF};
  int value = sample >> 3;  // 13-bit magnitude
  int mask = 0xD5;
  if (value < 0) {
    mask = 0x55;
    value = -value - 1;
  }
  int segment = 0;
  while (segment < 8 && value > kSegmentEnd[segment]) ++segment;
  if (segment >= 8) return static_cast<uint8_t>(0x7F ^ mask);
  int code = segment << 4;
  code |= segment < 2 ? (value >> 1) & 0x0F : (value >> segment) & 0x0F;
  return static_cast<uint8_t>(code ^ mask);
}

std::unique_ptr<AudioDecoder> MakeDecoder(const Codec& codec) {
  if (codec.channels != 1 || codec.clock_rate != 8000) return nullptr;
  if (NameIs(codec.name, "PCMU")) return std::make_unique<G711Decoder>(kUlaw);
  if (NameIs(codec.name, "PCMA")) return std::make_unique<G711Decoder>(kAlaw);
  if (NameIs(codec.name, "G722")) {
    auto decoder = std::make_unique<G722Decoder>();
    if (!decoder->ok()) return nullptr;
    return decoder;
  }
  return nullptr;
}

}  // namespace fg::voip
