#include "app/recording_service.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>

namespace fg::app {

Result<std::unique_ptr<RecordingParts>> OpenRecordings(Runtime& rt) {
  auto parts = std::make_unique<RecordingParts>();
  if (const char* env = std::getenv("FLOORGUARD_RECORDING_KEYS"); env != nullptr && *env != 0) {
    FG_ASSIGN_OR_RETURN(parts->keys, recording::KeyRing::Parse(env));
  } else {
    const std::string file = rt.config.recording_key_file.empty()
                                 ? (rt.data_dir / "recording-keys").string()
                                 : rt.config.recording_key_file;
    FG_RETURN_IF_ERROR(recording::KeyRing::CreateFileIfMissing(file));
    FG_ASSIGN_OR_RETURN(parts->keys, recording::KeyRing::LoadFile(file));
  }
  const std::filesystem::path directory = rt.data_dir / "recordings";
  std::error_code ec;
  std::filesystem::create_directories(directory, ec);
  if (ec) return Internal("cannot create " + directory.string() + ": " + ec.message());
  std::filesystem::permissions(directory, std::filesystem::perms::owner_all, ec);
  parts->recordings = std::make_unique<recording::Recordings>(
      *rt.db, *rt.log, rt.clock,
      recording::RecordingsOptions{.directory = directory.string(), .keys = &parts->keys});
  FG_RETURN_IF_ERROR(parts->recordings->Migrate());
  return parts;
}

recording::RecorderOptions RecorderOptionsFrom(const Config& config) {
  recording::RecorderOptions options;
  options.sip_ports.clear();
  for (int64_t port : config.recording_sip_ports) {
    options.sip_ports.push_back(static_cast<uint16_t>(port));
  }
  options.trunk_addresses = config.recording_trunk_addresses;
  options.internal_number_pattern = config.recording_internal_number_pattern;
  options.jitter_ms = static_cast<int>(config.recording_jitter_ms);
  options.inactivity_timeout_seconds = config.recording_inactivity_timeout_seconds;
  options.max_pause_seconds = config.recording_max_pause_seconds;
  options.encoder_threads = static_cast<int>(config.recording_encoder_threads);
  options.opus.complexity = static_cast<int>(config.recording_opus_complexity);
  options.opus.bitrate = static_cast<int>(config.recording_opus_bitrate);
  options.opus.segment_seconds = static_cast<int>(config.recording_segment_seconds);
  return options;
}

recording::PartyResolver MakePartyResolver(Runtime& rt, recording::Recordings& recordings) {
  return [&rt, &recordings](std::string_view extension, core::WallTime at) {
    recording::Parties parties;
    auto station = recordings.StationOfExtension(extension);
    if (!station || !*station) return parties;
    parties.station_id = **station;
    if (auto s = rt.directory->GetStation(**station); s) parties.campaign_id = s->campaign_id;
    if (rt.identity) {
      auto sessions = rt.identity->StationHistory(**station, at - std::chrono::hours(24),
                                                  at + std::chrono::seconds(1));
      if (sessions) {
        for (const auto& session : *sessions) {
          if (session.started_at <= at && (!session.ended_at || *session.ended_at > at)) {
            parties.agent_person_id = session.person_id;
          }
        }
      }
    }
    return parties;
  };
}

Result<std::unique_ptr<LiveCapture>> LiveCapture::Start(Runtime& rt, RecordingParts& parts,
                                                        recording::RecorderAlert alert) {
  const recording::RecorderOptions options = RecorderOptionsFrom(rt.config);
  FG_RETURN_IF_ERROR(recording::Recorder::Validate(options));
  FG_ASSIGN_OR_RETURN(auto source,
                      voip::PacketSource::OpenLive({.interface = rt.config.recording_interface,
                                                    .filter = rt.config.recording_filter}));
  auto live = std::unique_ptr<LiveCapture>(new LiveCapture());
  live->recorder_ = std::make_unique<recording::Recorder>(*parts.recordings, parts.keys, options,
                                                          MakePartyResolver(rt, *parts.recordings),
                                                          std::move(alert));
  live->source_ = std::move(source);
  LiveCapture* self = live.get();
  live->capture_thread_ = std::thread([self] {
    auto stats =
        self->source_->Run([self](voip::LinkType link, int64_t t, std::span<const uint8_t> f) {
          self->recorder_->OnFrame(link, t, f);
        });
    if (!stats) spdlog::error("recording: capture stopped: {}", stats.error().message);
  });
  // Quiet lines still need their timeouts and drains: tick on the wall clock.
  live->tick_thread_ = std::thread([self, &rt] {
    while (!self->stop_.load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      self->recorder_->Tick(core::ToUnixMicros(rt.clock.WallNow()));
    }
  });
  spdlog::info("recording: capturing on {} (filter \"{}\")", rt.config.recording_interface,
               rt.config.recording_filter);
  return live;
}

LiveCapture::~LiveCapture() {
  stop_ = true;
  if (source_) source_->Stop();
  if (capture_thread_.joinable()) capture_thread_.join();
  if (tick_thread_.joinable()) tick_thread_.join();
  if (recorder_) recorder_->Finish(0);
}

}  // namespace fg::app
