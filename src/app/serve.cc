#include "app/serve.h"

#include <signal.h>
#include <spdlog/spdlog.h>

#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "api/alert_routes.h"
#include "api/api.h"
#include "api/auth_routes.h"
#include "api/directory_routes.h"
#include "api/identity_routes.h"
#include "api/log_routes.h"
#include "api/recording_routes.h"
#include "app/defense.h"
#include "app/physical_access.h"
#include "app/recording_service.h"
#include "app/recording_watch.h"
#include "app/retention.h"
#include "app/runtime.h"
#include "app/version.h"
#include "directory/demo.h"
#include "http/server.h"

namespace fg::app {

namespace {

// Creates the first admin on an empty installation and prints a generated password once,
// to the terminal only (never to the log).
Result<void> EnsureFirstAdmin(Runtime& rt) {
  std::optional<std::string> given;
  if (const char* env = std::getenv("FLOORGUARD_ADMIN_PASSWORD"); env != nullptr && *env != 0) {
    given = env;
  }
  FG_ASSIGN_OR_RETURN(auto generated, rt.auth->EnsureAdmin(given));
  if (generated) {
    std::printf(
        "\n  First start: created console user 'admin' with this one-time password:\n\n"
        "      %s\n\n"
        "  It is shown only now; you will be asked to change it at first login.\n\n",
        generated->c_str());
    std::fflush(stdout);
  }
  return {};
}

Result<void> Prepare(Runtime& rt, Demo demo) {
  FG_RETURN_IF_ERROR(EnsureFirstAdmin(rt));
  if (demo == Demo::kSeed) FG_RETURN_IF_ERROR(directory::SeedDemoSite(*rt.directory, "system"));
  return {};
}

int Fail(const Error& error) {
  std::fprintf(stderr, "floorguard: %s\n", error.message.c_str());
  return error.code == ErrorCode::kInvalidArgument ? 2 : 1;
}

}  // namespace

int Init(const Config& config, Demo demo) {
  auto rt = OpenRuntime(config, DataDir::kCreate);
  if (!rt) return Fail(rt.error());
  if (auto prepared = Prepare(**rt, demo); !prepared) return Fail(prepared.error());
  // Sign what init wrote, so the trail is pinned to this installation's key from the start.
  if (auto signed_now = (*rt)->log->CheckpointNow(); !signed_now) return Fail(signed_now.error());
  std::printf("floorguard: initialised %s\n", (*rt)->data_dir.c_str());
  return 0;
}

struct RunningServer::Impl {
  std::unique_ptr<Runtime> rt;
  std::unique_ptr<api::Api> api;
  std::unique_ptr<http::Server> server;
  std::mutex stop_mu;
  std::condition_variable stop_cv;
  bool stopping = false;
  bool stopped = false;
  std::thread checkpointer;
  std::unique_ptr<Defense> defense;
  std::unique_ptr<PhysicalAccess> physical;
  std::unique_ptr<RecordingParts> recording;
  std::unique_ptr<LiveCapture> capture;  // when [recording] enabled
  std::unique_ptr<CompletenessWatch> completeness;
  Config config;
};

RunningServer::RunningServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RunningServer::~RunningServer() { Stop(); }
uint16_t RunningServer::port() const { return impl_->server->port(); }
Runtime& RunningServer::runtime() { return *impl_->rt; }
Defense& RunningServer::defense() { return *impl_->defense; }

Result<std::unique_ptr<RunningServer>> RunningServer::Start(const Config& config, bool demo) {
  FG_ASSIGN_OR_RETURN(auto listen, ParseListen(config.listen));
  auto impl = std::make_unique<Impl>();
  impl->config = config;
  FG_ASSIGN_OR_RETURN(impl->rt, OpenRuntime(config, DataDir::kCreate));
  Runtime& rt = *impl->rt;
  FG_RETURN_IF_ERROR(Prepare(rt, demo ? Demo::kSeed : Demo::kNo));

  impl->api = std::make_unique<api::Api>(
      *rt.auth, *rt.log, *rt.db, rt.bus, rt.clock,
      api::ApiOptions{.secure_cookies = config.tls(), .version = kVersion});
  api::Api& api = *impl->api;
  api::AddAuthRoutes(api.routes(), *rt.auth, {.secure_cookies = config.tls()});
  api::AddDirectoryRoutes(api.routes(), *rt.directory);
  api::AddIdentityRoutes(api.routes(), *rt.identity, *rt.directory);
  FG_ASSIGN_OR_RETURN(impl->defense, Defense::Start(rt, config));
  api::AddAlertRoutes(api.routes(), impl->defense->alerts());
  Defense* defense = impl->defense.get();
  api::AddLogRoutes(api.routes(), [defense] { return defense->intake(); });
  api.AddMetricsSource([defense] { return defense->PrometheusText(); });
  FG_ASSIGN_OR_RETURN(impl->physical, PhysicalAccess::Start(rt, *impl->defense, config, api, demo));
  FG_ASSIGN_OR_RETURN(impl->recording, OpenRecordings(rt));
  if (config.recording_enabled) {
    FG_ASSIGN_OR_RETURN(
        impl->capture,
        LiveCapture::Start(
            rt, *impl->recording,
            [defense](std::string_view kind, int64_t call, std::string_view detail) {
              nlohmann::json details = {{"call_id", call}, {"detail", std::string(detail)}};
              (void)defense->RaiseAlert(
                  {.rule = std::string(kind),
                   .severity = detect::Severity::kHigh,
                   .summary = "Call " + std::to_string(call) + ": " + std::string(detail),
                   .details = details.dump()});
            }));
  }
  impl->completeness = std::make_unique<CompletenessWatch>(
      *impl->recording->recordings, rt.clock,
      [defense](int64_t call, const std::string& problem, const std::string& detail) {
        nlohmann::json details = {{"call_id", call}, {"problem", problem}, {"detail", detail}};
        (void)defense->RaiseAlert({.rule = "recording.incomplete",
                                   .severity = detect::Severity::kMedium,
                                   .summary = "Call " + std::to_string(call) + ": " + problem,
                                   .details = details.dump()});
      });
  (void)impl->completeness->Check();  // remembers where "new" starts
  api::AddRecordingRoutes(api.routes(), *impl->recording->recordings,
                          impl->capture ? &impl->capture->recorder() : nullptr);
  api::AddAuditRoutes(api.routes(), *rt.log, rt.bus, *rt.auth);
  FG_RETURN_IF_ERROR(api.Finalize());

  http::ServerOptions options;
  options.address = listen.host;
  options.port = listen.port;
  options.io_threads = config.io_threads;
  options.worker_threads = config.worker_threads;
  options.max_body_bytes = static_cast<size_t>(config.max_body_bytes);
  if (config.tls()) options.tls = http::TlsFiles{config.tls_cert_file, config.tls_key_file};
  FG_ASSIGN_OR_RETURN(impl->server,
                      http::Server::Start(
                          options, [&api](const http::Request& r) { return api.Handle(r); },
                          [&api](const http::RequestObservation& o) {
                            api.Observe(o.method, o.status, o.duration);
                          }));
  (void)rt.log->AppendDurably({.actor = "system",
                               .action = "server.start",
                               .subject = "server",
                               .details = "{\"version\":\"" + std::string(kVersion) + "\"}"});

  // Signed checkpoints on a timer, so a quiet tail of the trail is pinned within seconds.
  Impl* raw = impl.get();
  impl->checkpointer = std::thread([raw] {
    std::unique_lock lock(raw->stop_mu);
    int ticks = 0;
    while (!raw->stop_cv.wait_for(lock, std::chrono::seconds(1), [raw] { return raw->stopping; })) {
      lock.unlock();
      if (auto r = raw->rt->log->CheckpointIfDue(); !r) {
        spdlog::error("audit checkpoint failed: {}", r.error().ToString());
      }
      // Station sessions idle beyond logon.max_idle_hours end about once a minute.
      raw->physical->Tick(ticks + 1);
      // Calls with a recording problem alert within five minutes.
      if ((ticks + 1) % 300 == 0) {
        if (auto r = raw->completeness->Check(); !r) {
          spdlog::error("recording completeness check failed: {}", r.error().ToString());
        }
      }
      // Retention: once an hour, half an hour after start.
      if ((ticks + 1) % 3600 == 1800) {
        auto purged = RunRetention(*raw->rt->db, *raw->rt->log, raw->rt->clock, raw->config,
                                   /*dry_run=*/false, raw->recording->recordings.get());
        if (!purged) spdlog::error("retention purge failed: {}", purged.error().ToString());
      }
      if (++ticks % 60 == 0) {
        if (auto r = raw->rt->identity->Sweep(); !r) {
          spdlog::error("station session sweep failed: {}", r.error().ToString());
        }
      }
      lock.lock();
    }
  });
  return std::unique_ptr<RunningServer>(new RunningServer(std::move(impl)));
}

void RunningServer::Stop() {
  if (impl_->stopped) return;
  impl_->stopped = true;
  impl_->server->Stop(std::chrono::seconds(10));
  {
    std::lock_guard lock(impl_->stop_mu);
    impl_->stopping = true;
  }
  impl_->stop_cv.notify_all();
  impl_->checkpointer.join();
  impl_->capture.reset();  // writes every open call before the trail is closed
  impl_->defense->Stop();
  (void)impl_->rt->log->AppendDurably(
      {.actor = "system", .action = "server.stop", .subject = "server"});
  (void)impl_->rt->log->CheckpointNow();
}

int Serve(const Config& config, Demo demo) {
  auto server = RunningServer::Start(config, demo == Demo::kSeed);
  if (!server) return Fail(server.error());
  auto listen = ParseListen(config.listen);
  std::string scheme = config.tls() ? "https" : "http";
  std::string host =
      listen->host.find(':') != std::string::npos ? "[" + listen->host + "]" : listen->host;
  std::printf("floorguard %s serving %s on %s://%s:%u/  (log in as admin)\n", kVersion,
              (*server)->runtime().data_dir.c_str(), scheme.c_str(), host.c_str(),
              (*server)->port());
  std::fflush(stdout);

  // SIGTERM and SIGINT were blocked in main() before any thread started; wait for one here.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  int signal_number = 0;
  sigwait(&signals, &signal_number);
  spdlog::info("signal {}: finishing in-flight requests", signal_number);
  (*server)->Stop();
  std::printf("floorguard: stopped\n");
  return 0;
}

}  // namespace fg::app
