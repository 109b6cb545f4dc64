#include "app/serve.h"

#include <signal.h>
#include <spdlog/spdlog.h>

#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "api/api.h"
#include "api/auth_routes.h"
#include "api/directory_routes.h"
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
  std::printf("floorguard: initialised %s\n", (*rt)->data_dir.c_str());
  return 0;
}

int Serve(const Config& config, Demo demo) {
  auto listen = ParseListen(config.listen);
  if (!listen) return Fail(listen.error());
  auto opened = OpenRuntime(config, DataDir::kCreate);
  if (!opened) return Fail(opened.error());
  Runtime& rt = **opened;
  if (auto prepared = Prepare(rt, demo); !prepared) return Fail(prepared.error());

  api::Api api(*rt.auth, *rt.log, *rt.db, rt.bus, rt.clock,
               {.secure_cookies = config.tls(), .version = kVersion});
  api::AddAuthRoutes(api.routes(), *rt.auth, {.secure_cookies = config.tls()});
  api::AddDirectoryRoutes(api.routes(), *rt.directory);
  api::AddAuditRoutes(api.routes(), *rt.log, rt.bus, *rt.auth);
  if (auto finalized = api.Finalize(); !finalized) return Fail(finalized.error());

  http::ServerOptions options;
  options.address = listen->host;
  options.port = listen->port;
  options.io_threads = config.io_threads;
  options.worker_threads = config.worker_threads;
  options.max_body_bytes = static_cast<size_t>(config.max_body_bytes);
  if (config.tls()) options.tls = http::TlsFiles{config.tls_cert_file, config.tls_key_file};
  auto server = http::Server::Start(
      options, [&api](const http::Request& r) { return api.Handle(r); },
      [&api](const http::RequestObservation& o) { api.Observe(o.method, o.status, o.duration); });
  if (!server) return Fail(server.error());

  std::string scheme = config.tls() ? "https" : "http";
  std::string host = listen->host.find(':') != std::string::npos ? "[" + listen->host + "]"
                                                                  : listen->host;
  std::printf("floorguard %s serving %s on %s://%s:%u/  (log in as admin)\n", kVersion,
              rt.data_dir.c_str(), scheme.c_str(), host.c_str(), (*server)->port());
  std::fflush(stdout);
  (void)rt.log->AppendDurably({.actor = "system",
                               .action = "server.start",
                               .subject = "server",
                               .details = "{\"version\":\"" + std::string(kVersion) + "\"}"});

  // Signed checkpoints on a timer, so a quiet tail of the trail is pinned within seconds.
  std::mutex stop_mu;
  std::condition_variable stop_cv;
  bool stopping = false;
  std::thread checkpointer([&] {
    std::unique_lock lock(stop_mu);
    while (!stop_cv.wait_for(lock, std::chrono::seconds(1), [&] { return stopping; })) {
      lock.unlock();
      if (auto r = rt.log->CheckpointIfDue(); !r) {
        spdlog::error("audit checkpoint failed: {}", r.error().ToString());
      }
      lock.lock();
    }
  });

  // SIGTERM and SIGINT were blocked in main() before any thread started; wait for one here.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  int signal_number = 0;
  sigwait(&signals, &signal_number);
  spdlog::info("signal {}: finishing in-flight requests", signal_number);

  (*server)->Stop(std::chrono::seconds(10));
  {
    std::lock_guard lock(stop_mu);
    stopping = true;
  }
  stop_cv.notify_all();
  checkpointer.join();
  (void)rt.log->AppendDurably({.actor = "system", .action = "server.stop", .subject = "server"});
  (void)rt.log->CheckpointNow();
  std::printf("floorguard: stopped\n");
  return 0;
}

}  // namespace fg::app
