// api: the HTTP face of floorguard. Turns a Request into a module call and back.
//
// What it decides: who the caller is (session cookie or device bearer token), whether the
// route admits the caller's role, whether an unsafe cookie request carries the CSRF token,
// and how errors look on the wire (problem+json). It serves the console's static assets,
// /healthz, /metrics (Prometheus) and /api/openapi.json generated from the route table.
// What it never does: decide a domain rule, touch SQL, or include Beast. Modules add their
// routes through RouteTable (routes.h); this class owns the table.
// Thread-safety: Handle() is called concurrently from the server's threads.
//
//   api::Api api(auth, audit_log, db, bus, clock, {.secure_cookies = tls});
//   AddDirectoryRoutes(api.routes(), directory);
//   FG_RETURN_IF_ERROR(api.Finalize());
//   server = http::Server::Start(options, [&](const auto& r) { return api.Handle(r); });
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "api/routes.h"
#include "audit/audit.h"
#include "auth/auth.h"
#include "core/clock.h"
#include "core/event_bus.h"
#include "http/message.h"
#include "http/router.h"
#include "store/store.h"

namespace fg::api {

struct ApiOptions {
  bool secure_cookies = false;  // TLS: cookies get Secure and responses HSTS
  std::string version = "dev";
};

class Metrics;

class Api {
 public:
  Api(auth::Auth& auth, audit::Log& log, store::Database& db, core::EventBus& bus,
      core::Clock& clock, ApiOptions options);
  ~Api();

  RouteTable& routes() { return table_; }
  // Builds the router from every route added so far, plus the API's own routes.
  Result<void> Finalize();

  http::Response Handle(const http::Request& request);
  // Called by the server once per finished request; feeds /metrics.
  void Observe(http::Method method, int status, std::chrono::nanoseconds duration);

  // Adds Prometheus text exposition lines of another module to /metrics ("name value\n"
  // lines with their # HELP/# TYPE). Call before serving; the function must be thread-safe.
  void AddMetricsSource(std::function<std::string()> source);

  // The OpenAPI 3.0 document generated from the route table.
  std::string OpenApiJson() const;

 private:
  http::Response Dispatch(const http::Request& request);
  http::Response ServeAsset(const http::Request& request);
  http::Response ServeMetrics();
  http::Response Deny(const http::Request& request, const Caller& caller, std::string why);
  // Audits "dlp.redact" for what ParseObject redacted while the handler ran.
  void AuditRedactions(const http::Request& request, const Caller& caller);
  void AddOwnRoutes();

  auth::Auth& auth_;
  audit::Log& log_;
  store::Database& db_;
  core::EventBus& bus_;
  core::Clock& clock_;
  ApiOptions options_;
  RouteTable table_;
  http::Router router_;
  std::unique_ptr<Metrics> metrics_;
  std::string openapi_;
  std::vector<std::function<std::string()>> metrics_sources_;
};

// GET /api/v1/audit and GET /api/v1/events/stream.
void AddAuditRoutes(RouteTable& table, audit::Log& log, core::EventBus& bus, auth::Auth& auth);

}  // namespace fg::api
