#include "app/recording_cli.h"

#include <pthread.h>
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "api/recording_routes.h"
#include "app/recording_service.h"
#include "dlp/dlp.h"
#include "recording/ogg_opus.h"

namespace fg::app {

namespace {

int Fail(const Error& error) {
  std::fprintf(stderr, "floorguard: %s\n", error.message.c_str());
  return error.code == ErrorCode::kInvalidArgument || error.code == ErrorCode::kNotFound ? 2 : 1;
}

struct Opened {
  std::unique_ptr<Runtime> rt;
  std::unique_ptr<RecordingParts> parts;
};

Result<Opened> Open(const Config& config, DataDir mode) {
  Opened opened;
  FG_ASSIGN_OR_RETURN(opened.rt, OpenRuntime(config, mode));
  FG_ASSIGN_OR_RETURN(opened.parts, OpenRecordings(*opened.rt));
  return opened;
}

voip::PacketSource* g_source = nullptr;  // for the signal handler only
void StopCapture(int) {
  if (g_source != nullptr) g_source->Stop();
}

}  // namespace

int CaptureCommand(const Config& config, const CaptureCliOptions& options) {
  if (options.interface.empty() == options.read_file.empty()) {
    std::fprintf(stderr, "floorguard: give exactly one of --interface or --read\n");
    return 2;
  }
  recording::RecorderOptions recorder_options = RecorderOptionsFrom(config);
  if (!options.sip_ports.empty()) {
    recorder_options.sip_ports.clear();
    for (int port : options.sip_ports) {
      if (port < 1 || port > 65535) {
        std::fprintf(stderr, "floorguard: --sip-port must be from 1 to 65535\n");
        return 2;
      }
      recorder_options.sip_ports.push_back(static_cast<uint16_t>(port));
    }
  }
  if (auto valid = recording::Recorder::Validate(recorder_options); !valid)
    return Fail(valid.error());
  auto opened = Open(config, DataDir::kCreate);
  if (!opened) return Fail(opened.error());
  Runtime& rt = *opened->rt;
  const std::string filter = options.filter.value_or(config.recording_filter);
  auto source =
      options.read_file.empty()
          ? voip::PacketSource::OpenLive({.interface = options.interface, .filter = filter})
          : voip::PacketSource::OpenFile(options.read_file, filter);
  if (!source) return Fail(source.error());
  uint64_t alerts = 0;
  recording::Recorder recorder(
      *opened->parts->recordings, opened->parts->keys, recorder_options,
      MakePartyResolver(rt, *opened->parts->recordings),
      [&alerts](std::string_view kind, int64_t call, std::string_view detail) {
        ++alerts;
        std::fprintf(stderr, "floorguard: %.*s call %lld: %.*s\n", static_cast<int>(kind.size()),
                     kind.data(), static_cast<long long>(call), static_cast<int>(detail.size()),
                     detail.data());
      });
  g_source = source->get();
  // main() blocks these for serve's sigwait; the capture stops on them instead.
  std::signal(SIGINT, StopCapture);
  std::signal(SIGTERM, StopCapture);
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_UNBLOCK, &stop_signals, nullptr);
  const auto started = std::chrono::steady_clock::now();
  std::atomic<bool> done{false};
  std::thread ticker;
  if (!options.interface.empty()) {
    // Live: quiet lines still time out, and --duration ends the capture.
    ticker = std::thread([&] {
      while (!done.load()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        recorder.Tick(core::ToUnixMicros(rt.clock.WallNow()));
        if (options.duration_seconds > 0 &&
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count() >=
                options.duration_seconds) {
          (*source)->Stop();
        }
      }
    });
    std::fprintf(stderr, "floorguard: capturing on %s\n", options.interface.c_str());
  }
  int64_t last_time = 0;
  auto run = (*source)->Run([&](voip::LinkType link, int64_t t, std::span<const uint8_t> frame) {
    last_time = t;
    recorder.OnFrame(link, t, frame);
  });
  done = true;
  if (ticker.joinable()) ticker.join();
  recorder.Finish(options.interface.empty() ? last_time : core::ToUnixMicros(rt.clock.WallNow()));
  g_source = nullptr;
  // Sign what the capture wrote; a running server's timer would, but it may not be running.
  (void)rt.log->CheckpointNow();
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (!run) return Fail(run.error());
  const recording::RecorderStats s = recorder.stats();
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  nlohmann::json summary = {
      {"frames", s.frames},
      {"undecodable_frames", s.undecodable_frames},
      {"ip_fragments", s.ip_fragments},
      {"reassembled_datagrams", s.reassembled_datagrams},
      {"kernel_dropped", run->kernel_dropped},
      {"sip_messages", s.sip_messages},
      {"calls", s.calls},
      {"recorded", s.recorded},
      {"write_failures", s.write_failures},
      {"rtp_packets", s.rtp_packets},
      {"rtp_unmatched", s.rtp_unmatched},
      {"rtp_lost", s.rtp_lost},
      {"duplicates", s.duplicates},
      {"late", s.late},
      {"max_concurrent_calls", s.max_concurrent_calls},
      {"peak_rss_kib", usage.ru_maxrss},
      {"cpu_s", static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                    (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6},
      {"elapsed_s", elapsed},
      {"media_seconds", s.media_seconds},
      {"capture_cpu_s", s.capture_cpu_seconds},
      {"encoder_threads", s.encoder_threads},
      {"alerts", alerts}};
  if (options.json) {
    std::printf("%s\n", summary.dump().c_str());
  } else {
    std::printf(
        "calls %llu, recorded %llu, rtp packets %llu (lost %llu, duplicates %llu, late %llu), "
        "%.1f s of audio in %.2f s\n",
        static_cast<unsigned long long>(s.calls), static_cast<unsigned long long>(s.recorded),
        static_cast<unsigned long long>(s.rtp_packets), static_cast<unsigned long long>(s.rtp_lost),
        static_cast<unsigned long long>(s.duplicates), static_cast<unsigned long long>(s.late),
        s.media_seconds, elapsed);
  }
  return s.write_failures == 0 ? 0 : 1;
}

int CallsListCommand(const Config& config, bool json, int limit) {
  auto opened = Open(config, DataDir::kMustExist);
  if (!opened) return Fail(opened.error());
  recording::CallFilter filter;
  filter.limit = limit;
  nlohmann::json items = nlohmann::json::array();
  std::vector<recording::Call> calls;
  while (true) {
    auto page = opened->parts->recordings->ListCalls(filter);
    if (!page) return Fail(page.error());
    for (auto& call : page->items) calls.push_back(std::move(call));
    if (!page->next_after_id || static_cast<int>(calls.size()) >= limit) break;
    filter.after_id = page->next_after_id;
  }
  if (json) {
    for (const auto& call : calls) items.push_back(api::CallToJson(call));
    std::printf("%s\n", items.dump(2).c_str());
    return 0;
  }
  for (const auto& call : calls) {
    std::printf("%6lld  %s  %-8s  %-16s -> %-16s  %s\n", static_cast<long long>(call.id),
                core::FormatRfc3339(call.started_at).c_str(),
                std::string(recording::DirectionName(call.direction)).c_str(),
                call.from_number.c_str(), call.to_number.c_str(),
                call.recording ? (call.recording->status + " " +
                                  std::to_string(call.recording->duration_ms / 1000) + " s")
                                     .c_str()
                               : "no recording");
  }
  return 0;
}

int RecordingExportCommand(const Config& config, int64_t call_id, const std::string& reason,
                           const std::string& format, const std::string& out,
                           const std::string& actor) {
  auto opened = Open(config, DataDir::kMustExist);
  if (!opened) return Fail(opened.error());
  // The reason is kept in the audit trail: no card number may ride along.
  auto ogg = opened->parts->recordings->OpenAudio(actor, call_id, dlp::Redact(reason), format);
  if (!ogg) return Fail(ogg.error());
  std::vector<uint8_t> bytes;
  if (format == "wav") {
    auto audio = recording::DecodeOggOpus(*ogg);
    if (!audio) return Fail(audio.error());
    bytes = recording::ToWav(*audio);
  } else {
    bytes = std::move(*ogg);
  }
  std::ofstream file(out, std::ios::binary | std::ios::trunc);
  file.write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
  if (!file) {
    std::fprintf(stderr, "floorguard: cannot write %s\n", out.c_str());
    return 1;
  }
  return 0;
}

int RecordingVerifyCommand(const Config& config, std::optional<int64_t> call_id) {
  auto opened = Open(config, DataDir::kMustExist);
  if (!opened) return Fail(opened.error());
  auto problems = opened->parts->recordings->Verify(call_id);
  if (!problems) return Fail(problems.error());
  for (const auto& p : *problems) {
    std::printf("call %lld recording %s: %s\n", static_cast<long long>(p.call_id),
                p.recording_id.c_str(), p.problem.c_str());
  }
  if (problems->empty()) std::printf("recordings intact\n");
  return problems->empty() ? 0 : 1;
}

int RecordingRotateKeyCommand(const Config& config) {
  if (std::getenv("FLOORGUARD_RECORDING_KEYS") != nullptr) {
    std::fprintf(stderr,
                 "floorguard: keys come from FLOORGUARD_RECORDING_KEYS; add a key there instead\n");
    return 2;
  }
  auto rt = OpenRuntime(config, DataDir::kMustExist);
  if (!rt) return Fail(rt.error());
  const std::string file = config.recording_key_file.empty()
                               ? ((*rt)->data_dir / "recording-keys").string()
                               : config.recording_key_file;
  if (auto created = recording::KeyRing::CreateFileIfMissing(file); !created) {
    return Fail(created.error());
  }
  auto id = recording::KeyRing::RotateFile(file);
  if (!id) return Fail(id.error());
  (void)(*rt)->log->AppendDurably({.actor = "cli",
                                   .action = "recording.key.rotate",
                                   .subject = "recording-keys",
                                   .details = nlohmann::json{{"key_id", *id}}.dump()});
  std::printf("new recordings use key %s; older keys still open older recordings\n", id->c_str());
  return 0;
}

int CdrImportCommand(const Config& config, const std::string& file, const std::string& actor) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "floorguard: cannot read %s\n", file.c_str());
    return 2;
  }
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto opened = Open(config, DataDir::kMustExist);
  if (!opened) return Fail(opened.error());
  std::vector<std::string> errors;
  auto cdrs = recording::ParseMasterCsv(text, errors);
  auto imported = opened->parts->recordings->ImportCdrs(actor, cdrs);
  if (!imported) return Fail(imported.error());
  for (const auto& e : errors) std::fprintf(stderr, "%s: %s\n", file.c_str(), e.c_str());
  for (const auto& e : imported->errors) std::fprintf(stderr, "%s: %s\n", file.c_str(), e.c_str());
  std::printf("imported %lld, matched to captured calls %lld, already known %lld, rejected %zu\n",
              static_cast<long long>(imported->imported), static_cast<long long>(imported->matched),
              static_cast<long long>(imported->duplicates),
              errors.size() + imported->errors.size());
  return errors.empty() && imported->errors.empty() ? 0 : 2;
}

}  // namespace fg::app
