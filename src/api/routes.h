// The contract between the API layer and the modules' route files.
//
// Each module's routes file (directory_routes.cc, auth_routes.cc, ...) adds Routes to a
// RouteTable: method, path pattern, the roles admitted, a summary for OpenAPI and a handler.
// The API server (api.h) authenticates the caller, checks the role against the route and
// CSRF for cookie sessions, then calls the handler. Handlers never see a caller whose role
// the route does not list. An empty role list marks a public route (no authentication).
// Thread-safety: handlers run concurrently and must be thread-safe.
//
//   table.Add({.method = http::Method::kGet, .pattern = "/api/v1/people/{id}",
//              .roles = kConsoleRoles, .summary = "Get one person",
//              .handler = [&](const Context& ctx) { ... }});
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/roles.h"
#include "http/message.h"

namespace fg::api {

struct Caller {
  enum class Kind { kUser, kDevice };
  Kind kind = Kind::kUser;
  int64_t id = 0;    // console user id or device token id
  std::string name;  // username or token name
  auth::Role role = auth::Role::kAuditor;
  std::optional<int64_t> station_id;  // workstation tokens are bound to one station
  int64_t session_id = 0;             // console sessions only

  // The audit trail's actor: "user:<name>" or "device:<name>".
  std::string Actor() const;
};

struct Context {
  const http::Request& request;
  const Caller* caller;  // null only on public routes
  const std::vector<std::pair<std::string, std::string>>& params;

  std::string_view Param(std::string_view name) const;
  std::string Actor() const { return caller != nullptr ? caller->Actor() : "anonymous"; }
};

using RouteHandler = std::function<http::Response(const Context&)>;

struct Route {
  http::Method method;
  std::string pattern;
  std::vector<auth::Role> roles;  // who may call; empty = public
  std::string summary;            // one line for OpenAPI
  std::string tag;                // OpenAPI group ("directory", "auth", ...)
  RouteHandler handler;
  bool request_body = false;  // for OpenAPI: takes a JSON body
};

class RouteTable {
 public:
  void Add(Route route) { routes_.push_back(std::move(route)); }
  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

// Role sets used across route files.
inline const std::vector<auth::Role> kConsoleRoles = {
    auth::Role::kAdmin, auth::Role::kSecurity, auth::Role::kSupervisor, auth::Role::kAuditor};
inline const std::vector<auth::Role> kAdminOnly = {auth::Role::kAdmin};
inline const std::vector<auth::Role> kAdminSecurity = {auth::Role::kAdmin, auth::Role::kSecurity};
inline const std::vector<auth::Role> kAdminSecuritySupervisor = {
    auth::Role::kAdmin, auth::Role::kSecurity, auth::Role::kSupervisor};
inline const std::vector<auth::Role> kAuditReaders = {auth::Role::kAdmin, auth::Role::kSecurity,
                                                      auth::Role::kAuditor};

}  // namespace fg::api
