#include "api/api.h"

#include <spdlog/spdlog.h>

#include <array>
#include <mutex>

#include "api/json.h"
#include "console/console.h"

namespace fg::api {

namespace {

constexpr std::array<double, 12> kLatencyBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                    0.05,   0.1,   0.25,   0.5,   1.0,  2.5};
constexpr std::array<http::Method, 6> kMetricMethods = {
    http::Method::kGet,   http::Method::kPost,   http::Method::kPut,
    http::Method::kPatch, http::Method::kDelete, http::Method::kOther};

size_t MethodSlot(http::Method m) {
  for (size_t i = 0; i < kMetricMethods.size(); ++i) {
    if (kMetricMethods[i] == m) return i;
  }
  return kMetricMethods.size() - 1;
}

bool IsUnsafe(http::Method m) {
  return m != http::Method::kGet && m != http::Method::kHead && m != http::Method::kOptions;
}

void AddSecurityHeaders(http::Response& response, bool tls, bool api) {
  response.headers.emplace_back("X-Content-Type-Options", "nosniff");
  response.headers.emplace_back("X-Frame-Options", "DENY");
  response.headers.emplace_back("Referrer-Policy", "no-referrer");
  response.headers.emplace_back(
      "Content-Security-Policy",
      "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; "
      "form-action 'self'");
  if (api) response.headers.emplace_back("Cache-Control", "no-store");
  if (tls) response.headers.emplace_back("Strict-Transport-Security", "max-age=31536000");
}

// 405 with a problem body that agrees with the status line (RFC 9457).
http::Response MethodNotAllowed(const std::string& allow) {
  Json body = {{"type", "about:blank"},
               {"title", "Method not allowed"},
               {"status", 405},
               {"code", "method_not_allowed"},
               {"detail", "this resource answers " + allow}};
  http::Response r = http::Response::Json(405, Dump(body));
  r.SetHeader("Content-Type", "application/problem+json");
  r.SetHeader("Allow", allow);
  return r;
}

bool Allowed(const Route& route, auth::Role role) {
  for (auth::Role r : route.roles) {
    if (r == role) return true;
  }
  return false;
}

// While a temporary password is in force, only these let the user in far enough to change it.
bool AllowedBeforePasswordChange(const Route& route) {
  return route.pattern == "/api/v1/session" || route.pattern == "/api/v1/session/password";
}

// A console role that must use TOTP gets no further than enrolling it (auth's
// require_totp_for_roles).
bool AllowedBeforeTotpEnrolment(const Route& route) {
  return AllowedBeforePasswordChange(route) || route.pattern == "/api/v1/me/totp/enrol" ||
         route.pattern == "/api/v1/me/totp/confirm";
}

}  // namespace

// Counters behind /metrics. Lock-free on the request path.
class Metrics {
 public:
  void Observe(http::Method method, int status, std::chrono::nanoseconds duration) {
    size_t klass = status >= 100 && status < 600 ? static_cast<size_t>(status / 100) : 5;
    requests_[MethodSlot(method)][klass].fetch_add(1, std::memory_order_relaxed);
    double seconds = std::chrono::duration<double>(duration).count();
    for (size_t i = 0; i < kLatencyBuckets.size(); ++i) {
      if (seconds <= kLatencyBuckets[i]) {
        buckets_[i].fetch_add(1, std::memory_order_relaxed);
        break;
      }
    }
    count_.fetch_add(1, std::memory_order_relaxed);
    sum_us_.fetch_add(static_cast<uint64_t>(duration.count() / 1000), std::memory_order_relaxed);
  }

  std::string Render(const store::Database::Stats& db, int64_t audit_last_seq) const {
    std::string out;
    out += "# HELP floorguard_http_requests_total HTTP requests by method and status class.\n";
    out += "# TYPE floorguard_http_requests_total counter\n";
    for (size_t m = 0; m < kMetricMethods.size(); ++m) {
      for (size_t k = 1; k < 6; ++k) {
        uint64_t n = requests_[m][k].load(std::memory_order_relaxed);
        if (n == 0) continue;
        out += "floorguard_http_requests_total{method=\"" +
               std::string(http::MethodName(kMetricMethods[m])) + "\",code=\"" + std::to_string(k) +
               "xx\"} " + std::to_string(n) + "\n";
      }
    }
    out += "# HELP floorguard_http_request_duration_seconds Time to answer a request.\n";
    out += "# TYPE floorguard_http_request_duration_seconds histogram\n";
    uint64_t cumulative = 0;
    for (size_t i = 0; i < kLatencyBuckets.size(); ++i) {
      cumulative += buckets_[i].load(std::memory_order_relaxed);
      char le[32];
      std::snprintf(le, sizeof le, "%g", kLatencyBuckets[i]);
      out += "floorguard_http_request_duration_seconds_bucket{le=\"" + std::string(le) + "\"} " +
             std::to_string(cumulative) + "\n";
    }
    uint64_t count = count_.load(std::memory_order_relaxed);
    out += "floorguard_http_request_duration_seconds_bucket{le=\"+Inf\"} " + std::to_string(count) +
           "\n";
    char sum[48];
    std::snprintf(sum, sizeof sum, "%.6f", sum_us_.load(std::memory_order_relaxed) / 1e6);
    out += "floorguard_http_request_duration_seconds_sum " + std::string(sum) + "\n";
    out += "floorguard_http_request_duration_seconds_count " + std::to_string(count) + "\n";
    out += "# HELP floorguard_audit_last_seq Sequence number of the newest audit entry.\n";
    out += "# TYPE floorguard_audit_last_seq gauge\n";
    out += "floorguard_audit_last_seq " + std::to_string(audit_last_seq) + "\n";
    out += "# HELP floorguard_db_write_batches_total Group-commit transactions.\n";
    out += "# TYPE floorguard_db_write_batches_total counter\n";
    out += "floorguard_db_write_batches_total " + std::to_string(db.batches) + "\n";
    out += "# HELP floorguard_db_write_jobs_total Writes committed or failed in batches.\n";
    out += "# TYPE floorguard_db_write_jobs_total counter\n";
    out += "floorguard_db_write_jobs_total " + std::to_string(db.jobs) + "\n";
    out += "# HELP floorguard_db_write_failed_total Writes that rolled back.\n";
    out += "# TYPE floorguard_db_write_failed_total counter\n";
    out += "floorguard_db_write_failed_total " + std::to_string(db.failed_jobs) + "\n";
    return out;
  }

 private:
  std::array<std::array<std::atomic<uint64_t>, 6>, kMetricMethods.size()> requests_{};
  std::array<std::atomic<uint64_t>, kLatencyBuckets.size()> buckets_{};
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_us_{0};
};

Api::Api(auth::Auth& auth, audit::Log& log, store::Database& db, core::EventBus& bus,
         core::Clock& clock, ApiOptions options)
    : auth_(auth),
      log_(log),
      db_(db),
      bus_(bus),
      clock_(clock),
      options_(std::move(options)),
      metrics_(std::make_unique<Metrics>()) {}

Api::~Api() = default;

void Api::AddOwnRoutes() {
  table_.Add({.method = http::Method::kGet,
              .pattern = "/healthz",
              .roles = {},
              .summary = "Liveness and database check",
              .tag = "operations",
              .handler = [this](const Context&) {
                auto seq = log_.LastSeq();
                if (!seq) return Problem(ErrorCode::kUnavailable, "database is not readable");
                return JsonResponse(200, {{"status", "ok"}, {"version", options_.version}});
              }});
  table_.Add({.method = http::Method::kGet,
              .pattern = "/metrics",
              .roles = {auth::Role::kAdmin, auth::Role::kMonitor},
              .summary = "Prometheus metrics",
              .tag = "operations",
              .handler = [this](const Context&) { return ServeMetrics(); }});
  table_.Add({.method = http::Method::kGet,
              .pattern = "/api/openapi.json",
              .roles = {},
              .summary = "This API's OpenAPI 3 description",
              .tag = "operations",
              .handler = [this](const Context&) {
                return http::Response::Text(200, openapi_, "application/json");
              }});
}

Result<void> Api::Finalize() {
  AddOwnRoutes();
  for (size_t i = 0; i < table_.routes().size(); ++i) {
    const Route& route = table_.routes()[i];
    auto added = router_.Add(route.method, route.pattern, i);
    if (!added) {
      return Internal("route " + std::string(http::MethodName(route.method)) + " " + route.pattern +
                      ": " + added.error().message);
    }
  }
  openapi_ = OpenApiJson();
  return {};
}

http::Response Api::ServeMetrics() {
  auto seq = log_.LastSeq();
  std::string text = metrics_->Render(db_.stats(), seq.value_or(0));
  for (const auto& source : metrics_sources_) text += source();
  return http::Response::Text(200, std::move(text), "text/plain; version=0.0.4");
}

void Api::AddMetricsSource(std::function<std::string()> source) {
  metrics_sources_.push_back(std::move(source));
}

void Api::Observe(http::Method method, int status, std::chrono::nanoseconds duration) {
  metrics_->Observe(method, status, duration);
}

http::Response Api::Handle(const http::Request& request) {
  bool is_api =
      request.path.starts_with("/api/") || request.path == "/metrics" || request.path == "/healthz";
  http::Response response;
  try {
    response = is_api ? Dispatch(request) : ServeAsset(request);
  } catch (const std::exception& e) {
    spdlog::error("unhandled exception on {} {}: {}", http::MethodName(request.method),
                  request.path, e.what());
    response = Problem(ErrorCode::kInternal, "unhandled exception");
  }
  AddSecurityHeaders(response, options_.secure_cookies, is_api);
  return response;
}

http::Response Api::ServeAsset(const http::Request& request) {
  if (request.method != http::Method::kGet && request.method != http::Method::kHead) {
    return MethodNotAllowed("GET, HEAD");
  }
  const console::Asset* asset = console::FindAsset(request.path);
  if (asset == nullptr) return Problem(ErrorCode::kNotFound, "no such page");
  std::string etag = "\"" + std::string(asset->etag) + "\"";
  if (auto match = request.Header("if-none-match"); match && *match == etag) {
    http::Response r = http::Response::Empty(304);
    r.SetHeader("ETag", etag);
    return r;
  }
  http::Response r =
      http::Response::Text(200, std::string(asset->body), std::string(asset->content_type));
  r.SetHeader("ETag", etag);
  r.SetHeader("Cache-Control", "no-cache");
  return r;
}

http::Response Api::Deny(const http::Request& request, const Caller& caller, std::string why) {
  // An authenticated caller reaching for what its role forbids is worth an audit entry.
  Json details = {{"method", http::MethodName(request.method)},
                  {"path", request.path},
                  {"role", auth::RoleName(caller.role)},
                  {"reason", why},
                  {"remote", request.remote_address}};
  auto appended = log_.AppendDurably({.actor = caller.Actor(),
                                      .action = "api.denied",
                                      .subject = "route:" + request.path,
                                      .details = Dump(details)});
  if (!appended) spdlog::error("cannot audit a denied request: {}", appended.error().ToString());
  return Problem(ErrorCode::kPermissionDenied, std::move(why));
}

void Api::AuditRedactions(const http::Request& request, const Caller& caller) {
  std::vector<Redaction> redactions = TakeRedactions();
  if (redactions.empty()) return;
  Json findings = Json::array();
  for (const Redaction& r : redactions) {
    findings.push_back({{"field", r.field}, {"kind", r.kind}, {"masked", r.masked}});
  }
  // What was found and where, never the value: the body as stored already holds the mask.
  auto logged = log_.AppendDurably(
      {.actor = caller.Actor(),
       .action = "dlp.redact",
       .subject = std::string(http::MethodName(request.method)) + " " + request.path,
       .details = Dump({{"findings", std::move(findings)}})});
  if (!logged) spdlog::error("could not audit a redaction: {}", logged.error().ToString());
}

http::Response Api::Dispatch(const http::Request& request) {
  std::vector<http::Method> allowed;
  auto match = router_.Find(request.method, request.path, &allowed);
  if (!match) {
    if (allowed.empty()) return Problem(ErrorCode::kNotFound, "no such endpoint");
    std::string allow;
    for (http::Method m : allowed) {
      if (!allow.empty()) allow += ", ";
      allow += http::MethodName(m);
    }
    return MethodNotAllowed(allow);
  }
  const Route& route = table_.routes()[match->route_id];
  if (route.roles.empty()) {
    Context ctx{request, nullptr, match->params};
    return route.handler(ctx);
  }

  // Who is calling: a device's bearer token, or a console session cookie.
  Caller caller;
  bool by_cookie = false;
  Result<auth::Principal> principal = MakeError(ErrorCode::kUnauthenticated, "not logged in");
  if (auto authorization = request.Header("authorization")) {
    if (!authorization->starts_with("Bearer ")) {
      return Problem(ErrorCode::kUnauthenticated, "Authorization must be a Bearer token");
    }
    principal = auth_.AuthenticateDevice(authorization->substr(7));
  } else if (auto session = request.Cookie("fg_session")) {
    principal = auth_.AuthenticateSession(*session);
    by_cookie = true;
  }
  if (!principal) {
    if (principal.error().code != ErrorCode::kUnauthenticated) return Problem(principal.error());
    http::Response r = Problem(ErrorCode::kUnauthenticated, "log in or present a device token");
    r.SetHeader("WWW-Authenticate", "Bearer");
    return r;
  }
  caller.kind =
      principal->kind == auth::Principal::Kind::kUser ? Caller::Kind::kUser : Caller::Kind::kDevice;
  caller.id = principal->id;
  caller.name = principal->name;
  caller.role = principal->role;
  caller.station_id = principal->station_id;
  caller.session_id = principal->session_id;

  if (!Allowed(route, caller.role)) {
    return Deny(request, caller,
                "role " + std::string(auth::RoleName(caller.role)) + " may not use this endpoint");
  }
  if (by_cookie && IsUnsafe(request.method)) {
    auto header = request.Header("x-csrf-token");
    auto cookie = request.Cookie("csrf");
    if (!header || !cookie || *header != *cookie || !auth_.CheckCsrf(caller.session_id, *header)) {
      return Problem(ErrorCode::kPermissionDenied,
                     "missing or wrong CSRF token: echo the csrf cookie in X-CSRF-Token");
    }
  }
  if (principal->must_change_password && !AllowedBeforePasswordChange(route)) {
    return Problem(ErrorCode::kPermissionDenied,
                   "password change required: POST /api/v1/session/password first");
  }
  if (principal->must_enroll_totp && !AllowedBeforeTotpEnrolment(route)) {
    return Problem(ErrorCode::kPermissionDenied,
                   "TOTP enrolment required: POST /api/v1/me/totp/enrol first");
  }
  Context ctx{request, &caller, match->params};
  (void)TakeRedactions();  // a clean slate for this request on this thread
  http::Response response = route.handler(ctx);
  AuditRedactions(request, caller);
  return response;
}

std::string Api::OpenApiJson() const {
  Json paths = Json::object();
  for (const Route& route : table_.routes()) {
    std::string method(http::MethodName(route.method));
    for (auto& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    Json op = {{"summary", route.summary}, {"tags", Json::array({route.tag})}};
    Json roles = Json::array();
    for (auth::Role r : route.roles) roles.push_back(auth::RoleName(r));
    op["x-roles"] = roles;
    if (route.roles.empty()) {
      op["security"] = Json::array();
    } else {
      op["security"] = Json::array({{{"session", Json::array()}}, {{"bearer", Json::array()}}});
    }
    Json parameters = Json::array();
    size_t pos = 0;
    while ((pos = route.pattern.find('{', pos)) != std::string::npos) {
      size_t end = route.pattern.find('}', pos);
      if (end == std::string::npos) break;
      parameters.push_back({{"name", route.pattern.substr(pos + 1, end - pos - 1)},
                            {"in", "path"},
                            {"required", true},
                            {"schema", {{"type", "string"}}}});
      pos = end;
    }
    if (!parameters.empty()) op["parameters"] = parameters;
    if (route.request_body) {
      op["requestBody"] = {{"required", true},
                           {"content", {{"application/json", {{"schema", {{"type", "object"}}}}}}}};
    }
    op["responses"] = {
        {"default", {{"description", "JSON body, or application/problem+json on error"}}}};
    paths[route.pattern][method] = op;
  }
  Json doc = {{"openapi", "3.0.3"},
              {"info", {{"title", "floorguard API"}, {"version", options_.version}}},
              {"paths", paths},
              {"components",
               {{"securitySchemes",
                 {{"session", {{"type", "apiKey"}, {"in", "cookie"}, {"name", "fg_session"}}},
                  {"bearer", {{"type", "http"}, {"scheme", "bearer"}}}}}}}};
  return Dump(doc);
}

}  // namespace fg::api
