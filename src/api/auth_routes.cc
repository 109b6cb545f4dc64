#include "api/auth_routes.h"

#include "api/json.h"

namespace fg::api {

namespace {

using http::Method;

// A password field may be long (a passphrase of 128 code points is up to 512 bytes); what
// is longer is refused here rather than hashed.
constexpr size_t kMaxPasswordField = auth::kMaxPasswordBytes;
// A 6-digit TOTP code or a recovery code "xxxx-xxxx-xxxx", with room for stray spaces.
constexpr size_t kMaxSecondFactorField = 32;

Json UserSummary(const auth::User& user) {
  return {{"id", user.id},
          {"username", user.username},
          {"role", auth::RoleName(user.role)},
          {"must_change_password", user.must_change_password},
          {"totp_enabled", user.totp_enabled}};
}

Json UserJson(const auth::User& user) {
  Json body = UserSummary(user);
  body["disabled"] = user.disabled;
  body["created_at"] = core::FormatRfc3339(user.created_at);
  body["last_login_at"] =
      user.last_login_at ? Json(core::FormatRfc3339(*user.last_login_at)) : Json(nullptr);
  return body;
}

Json TokenJson(const auth::DeviceToken& token) {
  return {{"id", token.id},
          {"name", token.name},
          {"role", auth::RoleName(token.role)},
          {"station_id", token.station_id ? Json(*token.station_id) : Json(nullptr)},
          {"created_at", core::FormatRfc3339(token.created_at)},
          {"revoked", token.revoked},
          {"revoked_at",
           token.revoked_at ? Json(core::FormatRfc3339(*token.revoked_at)) : Json(nullptr)}};
}

// A response carrying a secret must not be kept by any cache.
http::Response SecretResponse(int status, const Json& body) {
  http::Response response = JsonResponse(status, body);
  response.SetHeader("Cache-Control", "no-store");
  return response;
}

Result<auth::Role> ParseRoleField(std::string_view text) {
  auto role = auth::ParseRole(text);
  if (!role) {
    return InvalidArgument("role",
                           "must be one of admin, security, supervisor, auditor, "
                           "door-controller, workstation, pbx, sensor");
  }
  return *role;
}

struct CookieFlags {
  bool http_only;
  bool secure;
};

std::string Cookie(std::string_view name, std::string_view value, CookieFlags flags,
                   bool expire = false) {
  std::string cookie = std::string(name) + "=" + std::string(value) + "; Path=/";
  if (flags.http_only) cookie += "; HttpOnly";
  cookie += "; SameSite=Strict";
  if (flags.secure) cookie += "; Secure";
  if (expire) cookie += "; Max-Age=0";
  return cookie;
}

template <typename T, typename Fn>
http::Response ListResponse(const Context& ctx, Fn&& list, Json (*to_json)(const T&)) {
  auto page = ParsePage(ctx.request);
  if (!page) return Problem(page.error());
  auto result = list(page->limit, page->after);
  if (!result) return Problem(result.error());
  Json items = Json::array();
  for (const T& item : result->items) items.push_back(to_json(item));
  return JsonResponse(200, ListBody(std::move(items), result->next_after_id));
}

void AddSessionRoutes(RouteTable& table, auth::Auth& auth, AuthRouteOptions options) {
  table.Add({.method = Method::kPost,
             .pattern = "/api/v1/session",
             .roles = {},
             .summary = "Log in with username and password; sets the session and csrf cookies",
             .tag = "auth",
             .handler =
                 [&auth, options](const Context& ctx) {
                   auto body = ParseObject(ctx.request, {"username", "password", "totp"});
                   if (!body) return Problem(body.error());
                   auto username = RequiredString(*body, "username");
                   if (!username) return Problem(username.error());
                   auto password = RequiredString(*body, "password", kMaxPasswordField);
                   if (!password) return Problem(password.error());
                   auto second = OptionalString(*body, "totp", kMaxSecondFactorField);
                   if (!second) return Problem(second.error());
                   auto login = auth.LogIn(*username, *password, ctx.request.remote_address,
                                           second->value_or(""));
                   if (!login) return Problem(login.error());
                   bool secure = options.secure_cookies || ctx.request.secure;
                   http::Response response =
                       SecretResponse(200, {{"user", UserSummary(login->user)},
                                            {"csrf", login->csrf_token},
                                            {"must_enroll_totp", login->must_enroll_totp}});
                   response.headers.emplace_back("Set-Cookie",
                                                 Cookie(kSessionCookie, login->session_token,
                                                        {.http_only = true, .secure = secure}));
                   response.headers.emplace_back("Set-Cookie",
                                                 Cookie(kCsrfCookie, login->csrf_token,
                                                        {.http_only = false, .secure = secure}));
                   return response;
                 },
             .request_body = true});

  table.Add({.method = Method::kGet,
             .pattern = "/api/v1/session",
             .roles = kConsoleRoles,
             .summary = "The console user of this session",
             .tag = "auth",
             .handler = [&auth](const Context& ctx) {
               auto user = auth.GetUser(ctx.caller->id);
               if (!user) return Problem(user.error());
               // Also here, not only in the login answer: a console reloaded before enrolment
               // must still send the user to enrol.
               bool must_enroll_totp =
                   auth.options().require_totp_for_roles.contains(user->role) &&
                   !user->totp_enabled;
               return JsonResponse(200, {{"user", UserSummary(*user)},
                                         {"must_enroll_totp", must_enroll_totp}});
             }});

  table.Add(
      {.method = Method::kDelete,
       .pattern = "/api/v1/session",
       .roles = kConsoleRoles,
       .summary = "Log out: ends the session and expires its cookies",
       .tag = "auth",
       .handler = [&auth, options](const Context& ctx) {
         auto done = auth.LogOut(ctx.caller->session_id, ctx.Actor());
         if (!done && done.error().code != ErrorCode::kNotFound) {
           return Problem(done.error());
         }
         bool secure = options.secure_cookies || ctx.request.secure;
         http::Response response = http::Response::Empty(204);
         response.headers.emplace_back(
             "Set-Cookie", Cookie(kSessionCookie, "", {.http_only = true, .secure = secure}, true));
         response.headers.emplace_back(
             "Set-Cookie", Cookie(kCsrfCookie, "", {.http_only = false, .secure = secure}, true));
         return response;
       }});

  table.Add({.method = Method::kPost,
             .pattern = "/api/v1/session/password",
             .roles = kConsoleRoles,
             .summary = "Change one's own password (ends one's other sessions)",
             .tag = "auth",
             .handler =
                 [&auth](const Context& ctx) {
                   auto body = ParseObject(ctx.request, {"current_password", "new_password"});
                   if (!body) return Problem(body.error());
                   auto current = RequiredString(*body, "current_password", kMaxPasswordField);
                   if (!current) return Problem(current.error());
                   auto next = RequiredString(*body, "new_password", kMaxPasswordField);
                   if (!next) return Problem(next.error());
                   auto done =
                       auth.ChangePassword(ctx.caller->id, *current, *next, ctx.caller->session_id);
                   if (!done) return Problem(done.error());
                   return http::Response::Empty(204);
                 },
             .request_body = true});
}

// One's own TOTP second factor. Enrolment and confirmation stay open to a user who must
// enrol (Principal::must_enroll_totp), so the API gate lets these two through.
void AddTotpRoutes(RouteTable& table, auth::Auth& auth) {
  table.Add({.method = Method::kPost,
             .pattern = "/api/v1/me/totp/enrol",
             .roles = kConsoleRoles,
             .summary = "Start TOTP enrolment: a new secret, its otpauth URI and a QR code (SVG)",
             .tag = "auth",
             .handler = [&auth](const Context& ctx) {
               auto enrolment = auth.BeginTotpEnrolment(ctx.caller->id);
               if (!enrolment) return Problem(enrolment.error());
               return SecretResponse(200, {{"secret", enrolment->secret},
                                           {"otpauth_uri", enrolment->otpauth_uri},
                                           {"qr_svg", enrolment->qr_svg}});
             }});

  table.Add({.method = Method::kPost,
             .pattern = "/api/v1/me/totp/confirm",
             .roles = kConsoleRoles,
             .summary = "Confirm TOTP with a current code; the recovery codes are returned once",
             .tag = "auth",
             .handler =
                 [&auth](const Context& ctx) {
                   auto body = ParseObject(ctx.request, {"code"});
                   if (!body) return Problem(body.error());
                   auto code = RequiredString(*body, "code", kMaxSecondFactorField);
                   if (!code) return Problem(code.error());
                   auto codes = auth.ConfirmTotp(ctx.caller->id, *code);
                   if (!codes) return Problem(codes.error());
                   return SecretResponse(200, {{"recovery_codes", *codes}});
                 },
             .request_body = true});

  table.Add({.method = Method::kDelete,
             .pattern = "/api/v1/me/totp",
             .roles = kConsoleRoles,
             .summary = "Turn one's own TOTP off (needs the password; ends one's other sessions)",
             .tag = "auth",
             .handler =
                 [&auth](const Context& ctx) {
                   auto body = ParseObject(ctx.request, {"password"});
                   if (!body) return Problem(body.error());
                   auto password = RequiredString(*body, "password", kMaxPasswordField);
                   if (!password) return Problem(password.error());
                   auto done =
                       auth.DisableTotp(ctx.Actor(), ctx.caller->id, std::string_view(*password),
                                        ctx.caller->session_id);
                   if (!done) return Problem(done.error());
                   return http::Response::Empty(204);
                 },
             .request_body = true});
}

void AddUserRoutes(RouteTable& table, auth::Auth& auth) {
  table.Add({.method = Method::kGet,
             .pattern = "/api/v1/users",
             .roles = kAdminOnly,
             .summary = "List console users",
             .tag = "auth",
             .handler = [&auth](const Context& ctx) {
               return ListResponse<auth::User>(
                   ctx, [&](int limit, auto after) { return auth.ListUsers(limit, after); },
                   &UserJson);
             }});

  table.Add({.method = Method::kPost,
             .pattern = "/api/v1/users",
             .roles = kAdminOnly,
             .summary = "Create a console user; a generated temporary password is returned once",
             .tag = "auth",
             .handler =
                 [&auth](const Context& ctx) {
                   auto body = ParseObject(ctx.request, {"username", "role", "password"});
                   if (!body) return Problem(body.error());
                   auto username = RequiredString(*body, "username");
                   if (!username) return Problem(username.error());
                   auto role_name = RequiredString(*body, "role");
                   if (!role_name) return Problem(role_name.error());
                   auto role = ParseRoleField(*role_name);
                   if (!role) return Problem(role.error());
                   auto password = OptionalString(*body, "password", kMaxPasswordField);
                   if (!password) return Problem(password.error());
                   // The console sends "" for "generate one for me".
                   if (*password && (*password)->empty()) password->reset();
                   auto created = auth.CreateUser(ctx.Actor(), *username, *role, *password);
                   if (!created) return Problem(created.error());
                   Json out = UserJson(created->user);
                   if (created->temporary_password) out["password"] = *created->temporary_password;
                   return SecretResponse(201, out);
                 },
             .request_body = true});

  table.Add({.method = Method::kGet,
             .pattern = "/api/v1/users/{id}",
             .roles = kAdminOnly,
             .summary = "Get one console user",
             .tag = "auth",
             .handler = [&auth](const Context& ctx) {
               auto id = ParseId(ctx.Param("id"));
               if (!id) return Problem(id.error());
               auto user = auth.GetUser(*id);
               if (!user) return Problem(user.error());
               return JsonResponse(200, UserJson(*user));
             }});

  table.Add({.method = Method::kPatch,
             .pattern = "/api/v1/users/{id}",
             .roles = kAdminOnly,
             .summary = "Change a console user's role or disable/enable it (ends its sessions)",
             .tag = "auth",
             .handler =
                 [&auth](const Context& ctx) {
                   auto id = ParseId(ctx.Param("id"));
                   if (!id) return Problem(id.error());
                   auto body = ParseObject(ctx.request, {"role", "disabled"});
                   if (!body) return Problem(body.error());
                   auto role_name = OptionalString(*body, "role");
                   if (!role_name) return Problem(role_name.error());
                   std::optional<auth::Role> role;
                   if (*role_name) {
                     auto parsed = ParseRoleField(**role_name);
                     if (!parsed) return Problem(parsed.error());
                     role = *parsed;
                   }
                   auto disabled = OptionalBool(*body, "disabled");
                   if (!disabled) return Problem(disabled.error());
                   auto user = auth.UpdateUser(ctx.Actor(), *id, role, *disabled);
                   if (!user) return Problem(user.error());
                   return JsonResponse(200, UserJson(*user));
                 },
             .request_body = true});

  table.Add({.method = Method::kPost,
             .pattern = "/api/v1/users/{id}/reset",
             .roles = kAdminOnly,
             .summary = "Reset a console user's password; the temporary one is returned once",
             .tag = "auth",
             .handler = [&auth](const Context& ctx) {
               auto id = ParseId(ctx.Param("id"));
               if (!id) return Problem(id.error());
               auto password = auth.ResetPassword(ctx.Actor(), *id);
               if (!password) return Problem(password.error());
               return SecretResponse(200, {{"password", *password}});
             }});

  table.Add({.method = Method::kPost,
             .pattern = "/api/v1/users/{id}/unlock",
             .roles = kAdminOnly,
             .summary = "Lift a lockout caused by repeated failed logins",
             .tag = "auth",
             .handler = [&auth](const Context& ctx) {
               auto id = ParseId(ctx.Param("id"));
               if (!id) return Problem(id.error());
               if (auto unlocked = auth.Unlock(ctx.Actor(), *id); !unlocked) {
                 return Problem(unlocked.error());
               }
               return http::Response::Empty(204);
             }});

  table.Add({.method = Method::kDelete,
             .pattern = "/api/v1/users/{id}/totp",
             .roles = kAdminOnly,
             .summary = "Turn a console user's TOTP off (a lost device); ends its sessions",
             .tag = "auth",
             .handler = [&auth](const Context& ctx) {
               auto id = ParseId(ctx.Param("id"));
               if (!id) return Problem(id.error());
               // An admin's own session survives removing their own factor here too.
               int64_t keep = *id == ctx.caller->id ? ctx.caller->session_id : 0;
               auto done = auth.DisableTotp(ctx.Actor(), *id, std::nullopt, keep);
               if (!done) return Problem(done.error());
               return http::Response::Empty(204);
             }});
}

void AddTokenRoutes(RouteTable& table, auth::Auth& auth) {
  table.Add({.method = Method::kGet,
             .pattern = "/api/v1/tokens",
             .roles = kAdminOnly,
             .summary = "List device tokens",
             .tag = "auth",
             .handler = [&auth](const Context& ctx) {
               return ListResponse<auth::DeviceToken>(
                   ctx, [&](int limit, auto after) { return auth.ListTokens(limit, after); },
                   &TokenJson);
             }});

  table.Add({.method = Method::kPost,
             .pattern = "/api/v1/tokens",
             .roles = kAdminOnly,
             .summary = "Create a device token; the secret is returned once as \"token\"",
             .tag = "auth",
             .handler =
                 [&auth](const Context& ctx) {
                   auto body = ParseObject(ctx.request, {"name", "role", "station_id"});
                   if (!body) return Problem(body.error());
                   auto name = RequiredString(*body, "name");
                   if (!name) return Problem(name.error());
                   auto role_name = RequiredString(*body, "role");
                   if (!role_name) return Problem(role_name.error());
                   auto role = ParseRoleField(*role_name);
                   if (!role) return Problem(role.error());
                   auto station_id = OptionalInt(*body, "station_id");
                   if (!station_id) return Problem(station_id.error());
                   auto created = auth.CreateToken(ctx.Actor(), *name, *role, *station_id);
                   if (!created) return Problem(created.error());
                   Json out = TokenJson(created->token);
                   out["token"] = created->secret;
                   return SecretResponse(201, out);
                 },
             .request_body = true});

  table.Add({.method = Method::kGet,
             .pattern = "/api/v1/tokens/{id}",
             .roles = kAdminOnly,
             .summary = "Get one device token (never its secret)",
             .tag = "auth",
             .handler = [&auth](const Context& ctx) {
               auto id = ParseId(ctx.Param("id"));
               if (!id) return Problem(id.error());
               auto token = auth.GetToken(*id);
               if (!token) return Problem(token.error());
               return JsonResponse(200, TokenJson(*token));
             }});

  table.Add({.method = Method::kDelete,
             .pattern = "/api/v1/tokens/{id}",
             .roles = kAdminOnly,
             .summary = "Revoke a device token (effective at once)",
             .tag = "auth",
             .handler = [&auth](const Context& ctx) {
               auto id = ParseId(ctx.Param("id"));
               if (!id) return Problem(id.error());
               auto done = auth.RevokeToken(ctx.Actor(), *id);
               if (!done) return Problem(done.error());
               return http::Response::Empty(204);
             }});
}

}  // namespace

void AddAuthRoutes(RouteTable& table, auth::Auth& auth, AuthRouteOptions options) {
  AddSessionRoutes(table, auth, options);
  AddTotpRoutes(table, auth);
  AddUserRoutes(table, auth);
  AddTokenRoutes(table, auth);
}

}  // namespace fg::api
