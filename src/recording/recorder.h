// Recorder: the capture engine. Frames in, encrypted stereo recordings and call records out.
//
// On the capture thread it decodes frames, assembles calls from SIP (voip::CallTracker),
// places each direction's RTP on the call's timeline (voip::ChannelAssembler), silences
// keypad digits (RFC 4733 spans and in-band tones, on both channels) and paused stretches
// (voip::DtmfMasker's delay line), and hands stereo PCM (left: the remote party, right:
// the agent) to encoder threads, which write Ogg Opus segments into the vault
// (RecordingWriter) and close the call record with the recording's hash and its audit
// entry. The capture thread never waits on encoding or the disk unless the encoders fall
// a whole queue behind (then it waits rather than lose audio).
// Direction comes from configured trunk addresses, then from number patterns; the agent's
// extension is the internal party, its station and agent come from the PartyResolver (on a
// thread of its own, so a slow directory delays the call's row, never the capture).
// What it never does: keep raw packets or the digits of a keypad tone.
// Thread-safety: OnFrame/Tick/Finish on one capture thread; Pause/Resume/stats from any.
//
//   recording::Recorder recorder(calls, keys, options, resolver, alerts);
//   source->Run([&](auto link, int64_t t, auto frame) { recorder.OnFrame(link, t, frame); });
//   recorder.Finish(last_time_us);
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <regex>
#include <span>
#include <string>
#include <vector>

#include "core/result.h"
#include "recording/ogg_opus.h"
#include "recording/recording.h"
#include "recording/vault.h"
#include "voip/dtmf.h"
#include "voip/packet.h"

namespace fg::recording {

struct RecorderOptions {
  std::vector<uint16_t> sip_ports = {5060};
  // A call whose INVITE comes from one of these is inbound; one sent to them is outbound.
  std::vector<std::string> trunk_addresses;
  // Numbers matching this are the call center's own extensions (ECMAScript regex).
  std::string internal_number_pattern = "^[0-9]{2,6}$";
  int jitter_ms = 200;
  int64_t inactivity_timeout_seconds = 60;  // no RTP this long: the call is closed (lost BYE)
  int64_t max_pause_seconds = 300;          // a longer pause resumes on its own and alerts
  // Threads that run libopus and the vault; 0 (or less): one per core. Encoding is nearly
  // all of the work (libopus costs ~60 times what the capture thread spends per call).
  int encoder_threads = 0;
  size_t encoder_queue_chunks = 4096;  // per encoder thread; the capture waits beyond this
  OpusOptions opus;
  voip::MaskOptions mask;
};

// The station, agent and campaign of an extension at a time (from directory and identity).
struct Parties {
  std::optional<int64_t> station_id;
  std::optional<int64_t> agent_person_id;
  std::optional<int64_t> campaign_id;
};
// Called on the recorder's own lookup thread (one, in call order), never on the capture
// thread: it may query a remote database.
using PartyResolver = std::function<Parties(std::string_view extension, core::WallTime at)>;

// Raised for "recording.pause.expired" and "recording.write.failed".
using RecorderAlert =
    std::function<void(std::string_view kind, int64_t call_row, std::string_view detail)>;

struct RecorderStats {
  uint64_t frames = 0;
  uint64_t undecodable_frames = 0;  // not IP/UDP/TCP, malformed
  uint64_t ip_fragments = 0;        // IPv4/IPv6 fragments seen
  uint64_t reassembled_datagrams = 0;
  uint64_t sip_messages = 0;
  uint64_t rtp_packets = 0;
  uint64_t rtp_unmatched = 0;  // UDP not on a SIP port and not to a known media endpoint
  uint64_t rtp_lost = 0;
  uint64_t duplicates = 0;
  uint64_t late = 0;
  uint64_t calls = 0;
  uint64_t recorded = 0;
  uint64_t write_failures = 0;
  uint64_t active_calls = 0;
  uint64_t max_concurrent_calls = 0;
  double media_seconds = 0;  // audio placed, per call (not per channel)
  int encoder_threads = 0;   // threads actually started (options resolved)
  // CPU time of the capture thread (the one calling OnFrame) from its first frame to its
  // last Tick: decoding, call assembly, placement, masking and hand-off, not encoding.
  double capture_cpu_seconds = 0;
};

class Recorder {
 public:
  Recorder(Recordings& recordings, const KeyRing& keys, RecorderOptions options,
           PartyResolver resolver = {}, RecorderAlert alert = {});
  ~Recorder();

  // kInvalidArgument for a bad pattern or address in the options.
  static Result<void> Validate(const RecorderOptions& options);

  void OnFrame(voip::LinkType link, int64_t time_us, std::span<const uint8_t> frame);
  // Drains audio and applies timeouts; called by OnFrame as capture time advances and by
  // a timer during quiet live capture (with the wall clock).
  void Tick(int64_t now_us);
  // Ends every open call and waits until all recordings are written.
  void Finish(int64_t now_us);

  // Pause/resume recording of an active call (our call id). kNotFound when not active.
  Result<void> Pause(int64_t call_row, std::string_view actor);
  Result<void> Resume(int64_t call_row, std::string_view actor);
  // Our call ids of active calls (for the console).
  std::vector<int64_t> ActiveCalls() const;

  RecorderStats stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fg::recording
