// The call recorder inside a floorguard process: key ring, Recordings, the Recorder with its
// directory-backed party resolver, and (for serve) the live capture thread.
//
// Used by `floorguard serve` (capture when [recording] enabled = true), `floorguard capture`
// and the recording commands, so every entry point reads the same configuration.
#pragma once

#include <atomic>
#include <memory>
#include <thread>

#include "app/config.h"
#include "app/runtime.h"
#include "recording/recorder.h"
#include "recording/recording.h"
#include "recording/vault.h"
#include "voip/net/pcap_source.h"

namespace fg::app {

struct RecordingParts {
  recording::KeyRing keys;
  std::unique_ptr<recording::Recordings> recordings;
};

// Loads the key ring (FLOORGUARD_RECORDING_KEYS, else [recording] key_file, else
// DATA/recording-keys created on first use), migrates the tables, makes the directory.
Result<std::unique_ptr<RecordingParts>> OpenRecordings(Runtime& rt);

recording::RecorderOptions RecorderOptionsFrom(const Config& config);
// Extension -> station (recording_extensions), agent logged on there at the time
// (identity), campaign of the station (directory).
recording::PartyResolver MakePartyResolver(Runtime& rt, recording::Recordings& recordings);

// Live capture on a thread of its own, for serve.
class LiveCapture {
 public:
  static Result<std::unique_ptr<LiveCapture>> Start(Runtime& rt, RecordingParts& parts,
                                                    recording::RecorderAlert alert);
  ~LiveCapture();  // stops the capture and writes every open call
  recording::Recorder& recorder() { return *recorder_; }

 private:
  std::unique_ptr<recording::Recorder> recorder_;
  std::unique_ptr<voip::PacketSource> source_;
  std::thread capture_thread_;
  std::thread tick_thread_;
  std::atomic<bool> stop_{false};
};

}  // namespace fg::app
