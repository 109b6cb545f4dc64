// Identity routes: JSON <-> identity::Identity calls. Parsing here is about shape; every rule
// is the identity module's.
#include "api/identity_routes.h"

#include "api/json.h"
#include "identity/csv.h"
#include "identity/schedule.h"

namespace fg::api {

namespace {

using http::Method;
using identity::Identity;

constexpr size_t kMaxPasswordField = auth::kMaxPasswordBytes;
constexpr size_t kMaxSecondFactorField = 32;
constexpr size_t kMaxAddress = 64;

const std::vector<auth::Role> kWorkstation = {auth::Role::kWorkstation};
const std::vector<auth::Role> kPresenceReporters = {
    auth::Role::kDoorController, auth::Role::kSensor, auth::Role::kAdmin, auth::Role::kSecurity};

Json Time(core::WallTime t) { return core::FormatRfc3339(t); }
Json Time(const std::optional<core::WallTime>& t) { return t ? Time(*t) : Json(nullptr); }

Json SessionJson(const identity::StationSession& s) {
  return {{"session_id", s.id},
          {"station_id", s.station_id},
          {"workstation_id", s.workstation_id},
          {"account_id", s.account_id},
          {"username", s.username},
          {"person_id", s.person_id},
          {"name", s.person_name},
          {"started_at", Time(s.started_at)},
          {"ended_at", Time(s.ended_at)},
          {"end_reason", s.end_reason.empty() ? Json(nullptr) : Json(s.end_reason)},
          {"state", identity::SessionStateName(s.state)},
          {"last_heartbeat_at", Time(s.last_heartbeat_at)}};
}

Json AccountJson(const identity::Account& a) {
  return {{"id", a.id},
          {"person_id", a.person_id},
          {"name", a.person_name},
          {"username", a.username},
          {"must_change_password", a.must_change_password},
          {"disabled", a.disabled},
          {"disabled_reason", a.disabled_reason.empty() ? Json(nullptr) : Json(a.disabled_reason)},
          {"totp_enabled", a.totp_enabled},
          {"created_at", Time(a.created_at)},
          {"password_changed_at", Time(a.password_changed_at)},
          {"locked_until", Time(a.locked_until)},
          {"schedule", a.schedule ? Json(*a.schedule) : Json(nullptr)}};
}

Json DecisionJson(const identity::LogonDecision& d) {
  if (d.verdict == identity::Verdict::kDeny) {
    return {{"decision", "deny"},
            {"reason", d.reason},
            {"check", identity::CheckName(d.check)},
            {"message", d.message}};
  }
  return {
      {"decision", "allow"},
      {"session_id", d.session->id},
      {"account",
       {{"id", d.account->id},
        {"username", d.account->username},
        {"person_id", d.account->person_id},
        {"name", d.account->person_name}}},
      {"station", {{"id", d.session->station_id}, {"workstation_id", d.session->workstation_id}}},
      {"must_change_password", d.must_change_password},
      {"alerts", d.alerts}};
}

Json AttemptJson(const identity::LogonAttempt& a) {
  return {{"id", a.id},
          {"time", Time(a.time)},
          {"kind", a.kind},
          {"station_id", a.station_id},
          {"workstation_id", a.workstation_id},
          {"account_id", a.account_id ? Json(*a.account_id) : Json(nullptr)},
          {"username", a.username},
          {"source_address", a.source_address},
          {"decision", a.decision},
          {"check", a.check},
          {"reason", a.reason}};
}

Json LockedJson(const identity::LockedAccount& a) {
  return {{"account_id", a.account_id},     {"username", a.username}, {"person_id", a.person_id},
          {"locked_at", Time(a.locked_at)}, {"until", Time(a.until)}, {"reason", a.reason},
          {"locked_by", a.locked_by}};
}

Json FloorJson(const std::vector<identity::FloorZone>& zones) {
  Json out = Json::array();
  for (const auto& zone : zones) {
    Json stations = Json::array();
    for (const auto& s : zone.stations) {
      stations.push_back({{"station_id", s.station_id},
                          {"workstation_id", s.workstation_id},
                          {"enabled", s.enabled},
                          {"session", s.session ? SessionJson(*s.session) : Json(nullptr)}});
    }
    out.push_back({{"zone_id", zone.zone_id},
                   {"zone", zone.zone_name},
                   {"site_id", zone.site_id},
                   {"stations", std::move(stations)}});
  }
  return {{"zones", std::move(out)}};
}

// A response carrying a secret must not be kept by any cache.
http::Response SecretResponse(int status, const Json& body) {
  http::Response response = JsonResponse(status, body);
  response.SetHeader("Cache-Control", "no-store");
  return response;
}

http::Response CsvResponse(std::string csv, std::string_view filename) {
  http::Response response = http::Response::Text(200, std::move(csv), "text/csv; charset=utf-8");
  response.SetHeader("Content-Disposition",
                     "attachment; filename=\"" + std::string(filename) + "\"");
  response.SetHeader("Cache-Control", "no-store");
  return response;
}

// ?format=json (default) or csv.
Result<bool> WantsCsv(const http::Request& request) {
  auto format = request.Query("format");
  if (!format || format->empty() || *format == "json") return false;
  if (*format == "csv") return true;
  return InvalidArgument("format", "must be json or csv");
}

// ?from= and ?to= (RFC 3339 or a date); absent: the beginning and the end of time.
struct Range {
  core::WallTime from;
  core::WallTime to;
};
Result<Range> ParseRange(const http::Request& request) {
  Range range{.from = core::FromUnixMicros(0),
              .to = core::FromUnixMicros(253402300800000000)};  // 10000-01-01
  for (auto [name, out] : {std::pair{"from", &range.from}, std::pair{"to", &range.to}}) {
    auto text = request.Query(name);
    if (!text || text->empty()) continue;
    if (!core::ParseRfc3339(*text, out)) {
      return InvalidArgument(name, "must be an RFC 3339 time or a date YYYY-MM-DD");
    }
  }
  if (range.to <= range.from) return InvalidArgument("to", "must be later than from");
  return range;
}

// The station a workstation token is bound to.
Result<int64_t> StationOf(const Context& ctx) {
  if (ctx.caller == nullptr || !ctx.caller->station_id) {
    return MakeError(ErrorCode::kPermissionDenied,
                     "this workstation token is not bound to a station");
  }
  return *ctx.caller->station_id;
}

// The session_id of a workstation call body with only these fields.
Result<int64_t> SessionIdFrom(const Json& body) {
  FG_ASSIGN_OR_RETURN(auto id, OptionalInt(body, "session_id"));
  if (!id) return InvalidArgument("session_id", "is required");
  if (*id <= 0) return InvalidArgument("session_id", "must be a positive integer");
  return *id;
}

std::string SourceAddress(const Context& ctx, const std::optional<std::string>& given) {
  return given && !given->empty() ? *given : ctx.request.remote_address;
}

void AddWorkstationRoutes(RouteTable& table, Identity& id) {
  table.Add(
      {.method = Method::kPost,
       .pattern = "/api/v1/logon",
       .roles = kWorkstation,
       .summary = "Decide a logon at this workstation: allow (with a session) or deny (with the "
                  "failed check)",
       .tag = "logon",
       .handler =
           [&id](const Context& ctx) {
             return Respond([&]() -> Result<http::Response> {
               FG_ASSIGN_OR_RETURN(int64_t station, StationOf(ctx));
               FG_ASSIGN_OR_RETURN(Json body, ParseObject(ctx.request, {"username", "password",
                                                                        "totp", "source_address"}));
               FG_ASSIGN_OR_RETURN(std::string username, RequiredString(body, "username"));
               FG_ASSIGN_OR_RETURN(std::string password,
                                   RequiredString(body, "password", kMaxPasswordField));
               FG_ASSIGN_OR_RETURN(auto totp, OptionalString(body, "totp", kMaxSecondFactorField));
               FG_ASSIGN_OR_RETURN(auto address,
                                   OptionalString(body, "source_address", kMaxAddress));
               FG_ASSIGN_OR_RETURN(auto decision,
                                   id.Decide({.station_id = station,
                                              .username = std::move(username),
                                              .password = std::move(password),
                                              .totp = totp.value_or(""),
                                              .source_address = SourceAddress(ctx, address)}));
               return SecretResponse(200, DecisionJson(decision));
             });
           },
       .request_body = true});

  table.Add({.method = Method::kPost,
             .pattern = "/api/v1/logoff",
             .roles = kWorkstation,
             .summary = "End a session of this workstation",
             .tag = "logon",
             .handler =
                 [&id](const Context& ctx) {
                   return Respond([&]() -> Result<http::Response> {
                     FG_ASSIGN_OR_RETURN(int64_t station, StationOf(ctx));
                     FG_ASSIGN_OR_RETURN(Json body, ParseObject(ctx.request, {"session_id"}));
                     FG_ASSIGN_OR_RETURN(int64_t session_id, SessionIdFrom(body));
                     FG_ASSIGN_OR_RETURN(auto session, id.Logoff(station, session_id));
                     return JsonResponse(
                         200, {{"session_id", session.id}, {"ended_at", Time(session.ended_at)}});
                   });
                 },
             .request_body = true});

  for (auto [path, summary, lock] :
       {std::tuple{"/api/v1/lock", "Lock a session of this workstation", true},
        std::tuple{"/api/v1/heartbeat",
                   "Report activity: keeps an active session alive; answers its state", false}}) {
    table.Add({.method = Method::kPost,
               .pattern = path,
               .roles = kWorkstation,
               .summary = summary,
               .tag = "logon",
               .handler =
                   [&id, is_lock = lock](const Context& ctx) {
                     return Respond([&]() -> Result<http::Response> {
                       FG_ASSIGN_OR_RETURN(int64_t station, StationOf(ctx));
                       FG_ASSIGN_OR_RETURN(Json body, ParseObject(ctx.request, {"session_id"}));
                       FG_ASSIGN_OR_RETURN(int64_t session_id, SessionIdFrom(body));
                       FG_ASSIGN_OR_RETURN(auto session, is_lock
                                                             ? id.Lock(station, session_id)
                                                             : id.Heartbeat(station, session_id));
                       return JsonResponse(200, SessionJson(session));
                     });
                   },
               .request_body = true});
  }

  table.Add(
      {.method = Method::kPost,
       .pattern = "/api/v1/unlock",
       .roles = kWorkstation,
       .summary = "Unlock a locked or idle session with the account's password (and TOTP)",
       .tag = "logon",
       .handler =
           [&id](const Context& ctx) {
             return Respond([&]() -> Result<http::Response> {
               FG_ASSIGN_OR_RETURN(int64_t station, StationOf(ctx));
               FG_ASSIGN_OR_RETURN(Json body, ParseObject(ctx.request, {"session_id", "password",
                                                                        "totp", "source_address"}));
               FG_ASSIGN_OR_RETURN(int64_t session_id, SessionIdFrom(body));
               FG_ASSIGN_OR_RETURN(std::string password,
                                   RequiredString(body, "password", kMaxPasswordField));
               FG_ASSIGN_OR_RETURN(auto totp, OptionalString(body, "totp", kMaxSecondFactorField));
               FG_ASSIGN_OR_RETURN(auto address,
                                   OptionalString(body, "source_address", kMaxAddress));
               FG_ASSIGN_OR_RETURN(auto decision,
                                   id.Unlock(station, session_id, password, totp.value_or(""),
                                             SourceAddress(ctx, address)));
               return SecretResponse(200, DecisionJson(decision));
             });
           },
       .request_body = true});

  table.Add(
      {.method = Method::kPost,
       .pattern = "/api/v1/logon/password",
       .roles = kWorkstation,
       .summary = "Change the password of the account of a session of this workstation "
                  "(after must_change_password)",
       .tag = "logon",
       .handler =
           [&id](const Context& ctx) {
             return Respond([&]() -> Result<http::Response> {
               FG_ASSIGN_OR_RETURN(int64_t station, StationOf(ctx));
               FG_ASSIGN_OR_RETURN(
                   Json body,
                   ParseObject(ctx.request, {"session_id", "current_password", "new_password"}));
               FG_ASSIGN_OR_RETURN(int64_t session_id, SessionIdFrom(body));
               FG_ASSIGN_OR_RETURN(std::string current,
                                   RequiredString(body, "current_password", kMaxPasswordField));
               FG_ASSIGN_OR_RETURN(std::string next,
                                   RequiredString(body, "new_password", kMaxPasswordField));
               FG_RETURN_IF_ERROR(id.ChangePasswordAtStation(station, session_id, current, next));
               return http::Response::Empty(204);
             });
           },
       .request_body = true});
}

void AddPresenceRoute(RouteTable& table, Identity& id, directory::Directory& directory) {
  table.Add(
      {.method = Method::kPost,
       .pattern = "/api/v1/presence",
       .roles = kPresenceReporters,
       .summary = "Record that a person badged into (in) or out of (out) a zone",
       .tag = "logon",
       .handler =
           [&id, &directory](const Context& ctx) {
             return Respond([&]() -> Result<http::Response> {
               FG_ASSIGN_OR_RETURN(
                   Json body,
                   ParseObject(ctx.request, {"person_id", "employee_number", "zone_id", "state"}));
               FG_ASSIGN_OR_RETURN(auto person_id, OptionalInt(body, "person_id"));
               FG_ASSIGN_OR_RETURN(auto number, OptionalString(body, "employee_number"));
               if (person_id.has_value() == number.has_value()) {
                 return InvalidArgument("person_id",
                                        "give exactly one of person_id and "
                                        "employee_number");
               }
               if (number) {
                 FG_ASSIGN_OR_RETURN(auto person, directory.FindPersonByEmployeeNumber(*number));
                 if (!person) return InvalidArgument("employee_number", "no person has it");
                 person_id = person->id;
               }
               FG_ASSIGN_OR_RETURN(auto zone_id, OptionalInt(body, "zone_id"));
               if (!zone_id) return InvalidArgument("zone_id", "is required");
               FG_ASSIGN_OR_RETURN(std::string state, RequiredString(body, "state"));
               if (state != "in" && state != "out") {
                 return InvalidArgument("state", "must be in or out");
               }
               FG_RETURN_IF_ERROR(
                   id.ReportPresence(ctx.Actor(), *person_id, *zone_id, state == "in"));
               return http::Response::Empty(204);
             });
           },
       .request_body = true});
}

void AddAccountRoutes(RouteTable& table, Identity& id) {
  table.Add({.method = Method::kGet,
             .pattern = "/api/v1/accounts",
             .roles = kConsoleRoles,
             .summary = "List workforce accounts (or find one with ?username=)",
             .tag = "accounts",
             .handler = [&id](const Context& ctx) {
               return Respond([&]() -> Result<http::Response> {
                 if (auto name = ctx.request.Query("username"); name && !name->empty()) {
                   FG_ASSIGN_OR_RETURN(auto account, id.FindAccount(*name));
                   Json items = Json::array();
                   if (account) items.push_back(AccountJson(*account));
                   return JsonResponse(200, ListBody(std::move(items), std::nullopt));
                 }
                 FG_ASSIGN_OR_RETURN(Page page, ParsePage(ctx.request));
                 FG_ASSIGN_OR_RETURN(auto accounts, id.ListAccounts(page.limit, page.after));
                 Json items = Json::array();
                 for (const auto& a : accounts.items) items.push_back(AccountJson(a));
                 return JsonResponse(200, ListBody(std::move(items), accounts.next_cursor));
               });
             }});

  table.Add(
      {.method = Method::kPost,
       .pattern = "/api/v1/accounts",
       .roles = kAdminOnly,
       .summary = "Create the account of a person; a generated temporary password is "
                  "returned once",
       .tag = "accounts",
       .handler =
           [&id](const Context& ctx) {
             return Respond([&]() -> Result<http::Response> {
               FG_ASSIGN_OR_RETURN(Json body, ParseObject(ctx.request, {"person_id", "username",
                                                                        "password", "schedule"}));
               FG_ASSIGN_OR_RETURN(auto person_id, OptionalInt(body, "person_id"));
               if (!person_id) return InvalidArgument("person_id", "is required");
               FG_ASSIGN_OR_RETURN(std::string username, RequiredString(body, "username"));
               FG_ASSIGN_OR_RETURN(auto password,
                                   OptionalString(body, "password", kMaxPasswordField));
               if (password && password->empty()) password.reset();
               FG_ASSIGN_OR_RETURN(auto schedule,
                                   OptionalString(body, "schedule", identity::kMaxScheduleText));
               FG_ASSIGN_OR_RETURN(auto created, id.CreateAccount(ctx.Actor(), *person_id, username,
                                                                  password, schedule));
               Json out = AccountJson(created.account);
               if (created.temporary_password) out["password"] = *created.temporary_password;
               return SecretResponse(201, out);
             });
           },
       .request_body = true});

  table.Add({.method = Method::kGet,
             .pattern = "/api/v1/accounts/locked",
             .roles = kConsoleRoles,
             .summary = "Accounts locked now (?format=csv)",
             .tag = "accounts",
             .handler = [&id](const Context& ctx) {
               return Respond([&]() -> Result<http::Response> {
                 FG_ASSIGN_OR_RETURN(bool csv, WantsCsv(ctx.request));
                 FG_ASSIGN_OR_RETURN(auto locked, id.LockedAccounts());
                 if (csv) return CsvResponse(identity::LockedAccountsCsv(locked), "locked.csv");
                 Json items = Json::array();
                 for (const auto& a : locked) items.push_back(LockedJson(a));
                 return JsonResponse(200, {{"items", std::move(items)}});
               });
             }});

  table.Add({.method = Method::kGet,
             .pattern = "/api/v1/accounts/{id}",
             .roles = kConsoleRoles,
             .summary = "Get one workforce account",
             .tag = "accounts",
             .handler = [&id](const Context& ctx) {
               return Respond([&]() -> Result<http::Response> {
                 FG_ASSIGN_OR_RETURN(int64_t account_id, ParseId(ctx.Param("id")));
                 FG_ASSIGN_OR_RETURN(auto account, id.GetAccount(account_id));
                 return JsonResponse(200, AccountJson(account));
               });
             }});

  table.Add(
      {.method = Method::kPatch,
       .pattern = "/api/v1/accounts/{id}",
       .roles = kAdminOnly,
       .summary = "Disable or enable an account (disabling ends its sessions), or set its "
                  "work schedule (null clears it)",
       .tag = "accounts",
       .handler =
           [&id](const Context& ctx) {
             return Respond([&]() -> Result<http::Response> {
               FG_ASSIGN_OR_RETURN(int64_t account_id, ParseId(ctx.Param("id")));
               FG_ASSIGN_OR_RETURN(Json body, ParseObject(ctx.request, {"disabled", "schedule"}));
               FG_ASSIGN_OR_RETURN(auto disabled, OptionalBool(body, "disabled"));
               FG_ASSIGN_OR_RETURN(auto schedule,
                                   OptionalString(body, "schedule", identity::kMaxScheduleText));
               // The schedule first: a bad one refuses the whole request unchanged.
               if (HasField(body, "schedule")) {
                 FG_RETURN_IF_ERROR(id.SetSchedule(ctx.Actor(), account_id, schedule));
               }
               if (disabled) {
                 FG_RETURN_IF_ERROR(id.SetDisabled(ctx.Actor(), account_id, *disabled));
               }
               FG_ASSIGN_OR_RETURN(auto account, id.GetAccount(account_id));
               return JsonResponse(200, AccountJson(account));
             });
           },
       .request_body = true});

  table.Add({.method = Method::kPost,
             .pattern = "/api/v1/accounts/{id}/reset-password",
             .roles = kAdminOnly,
             .summary = "A new temporary password, returned once; ends the account's sessions",
             .tag = "accounts",
             .handler = [&id](const Context& ctx) {
               return Respond([&]() -> Result<http::Response> {
                 FG_ASSIGN_OR_RETURN(int64_t account_id, ParseId(ctx.Param("id")));
                 FG_ASSIGN_OR_RETURN(std::string password,
                                     id.ResetPassword(ctx.Actor(), account_id));
                 return SecretResponse(200, {{"password", password}});
               });
             }});

  table.Add({.method = Method::kPost,
             .pattern = "/api/v1/accounts/{id}/unlock",
             .roles = kAdminSecurity,
             .summary = "Lift the account's lockouts",
             .tag = "accounts",
             .handler = [&id](const Context& ctx) {
               return Respond([&]() -> Result<http::Response> {
                 FG_ASSIGN_OR_RETURN(int64_t account_id, ParseId(ctx.Param("id")));
                 FG_RETURN_IF_ERROR(id.Unlock(ctx.Actor(), account_id));
                 return http::Response::Empty(204);
               });
             }});

  table.Add({.method = Method::kPost,
             .pattern = "/api/v1/accounts/{id}/totp/enrol",
             .roles = kAdminOnly,
             .summary = "Start TOTP enrolment of an account: secret, otpauth URI and QR code (SVG)",
             .tag = "accounts",
             .handler = [&id](const Context& ctx) {
               return Respond([&]() -> Result<http::Response> {
                 FG_ASSIGN_OR_RETURN(int64_t account_id, ParseId(ctx.Param("id")));
                 FG_ASSIGN_OR_RETURN(auto enrolment,
                                     id.BeginTotpEnrolment(ctx.Actor(), account_id));
                 return SecretResponse(200, {{"secret", enrolment.secret},
                                             {"otpauth_uri", enrolment.otpauth_uri},
                                             {"qr_svg", enrolment.qr_svg}});
               });
             }});

  table.Add(
      {.method = Method::kPost,
       .pattern = "/api/v1/accounts/{id}/totp/confirm",
       .roles = kAdminOnly,
       .summary = "Confirm an account's TOTP with a current code; recovery codes returned once",
       .tag = "accounts",
       .handler =
           [&id](const Context& ctx) {
             return Respond([&]() -> Result<http::Response> {
               FG_ASSIGN_OR_RETURN(int64_t account_id, ParseId(ctx.Param("id")));
               FG_ASSIGN_OR_RETURN(Json body, ParseObject(ctx.request, {"code"}));
               FG_ASSIGN_OR_RETURN(std::string code,
                                   RequiredString(body, "code", kMaxSecondFactorField));
               FG_ASSIGN_OR_RETURN(auto codes, id.ConfirmTotp(ctx.Actor(), account_id, code));
               return SecretResponse(200, {{"recovery_codes", codes}});
             });
           },
       .request_body = true});

  table.Add({.method = Method::kDelete,
             .pattern = "/api/v1/accounts/{id}/totp",
             .roles = kAdminOnly,
             .summary = "Turn an account's TOTP off (a lost device)",
             .tag = "accounts",
             .handler = [&id](const Context& ctx) {
               return Respond([&]() -> Result<http::Response> {
                 FG_ASSIGN_OR_RETURN(int64_t account_id, ParseId(ctx.Param("id")));
                 FG_RETURN_IF_ERROR(id.DisableTotp(ctx.Actor(), account_id));
                 return http::Response::Empty(204);
               });
             }});
}

// Bans of stations and addresses the detectors set: who sees them, who lifts them.
void AddBanRoutes(RouteTable& table, identity::Identity& id) {
  table.Add({.method = Method::kGet,
             .pattern = "/api/v1/bans",
             .roles = kConsoleRoles,
             .summary = "Stations and addresses banned from logging on now",
             .tag = "accounts",
             .handler = [&id](const Context&) {
               return Respond([&]() -> Result<http::Response> {
                 FG_ASSIGN_OR_RETURN(auto bans, id.ActiveBans());
                 Json items = Json::array();
                 for (const identity::SourceBan& b : bans) {
                   items.push_back({{"source", b.source},
                                    {"banned_at", core::FormatRfc3339(b.banned_at)},
                                    {"until", core::FormatRfc3339(b.until)},
                                    {"repeats", b.repeats},
                                    {"reason", b.reason},
                                    {"banned_by", b.banned_by}});
                 }
                 return JsonResponse(200, {{"items", std::move(items)}});
               });
             }});
  table.Add({.method = Method::kPost,
             .pattern = "/api/v1/bans/lift",
             .roles = kAdminSecurity,
             .summary = "Lift the ban on a station or address ({\"source\": \"address:10.0.0.5\"})",
             .tag = "accounts",
             .handler =
                 [&id](const Context& ctx) {
                   return Respond([&]() -> Result<http::Response> {
                     FG_ASSIGN_OR_RETURN(Json body, ParseObject(ctx.request, {"source"}));
                     FG_ASSIGN_OR_RETURN(std::string source, RequiredString(body, "source", 200));
                     FG_RETURN_IF_ERROR(id.LiftBan(ctx.Actor(), source));
                     return http::Response::Empty(204);
                   });
                 },
             .request_body = true});
}

void AddReportRoutes(RouteTable& table, Identity& id) {
  table.Add({.method = Method::kGet,
             .pattern = "/api/v1/floor",
             .roles = kConsoleRoles,
             .summary = "Every station by zone with the agent logged on now (?format=csv)",
             .tag = "reports",
             .handler = [&id](const Context& ctx) {
               return Respond([&]() -> Result<http::Response> {
                 FG_ASSIGN_OR_RETURN(bool csv, WantsCsv(ctx.request));
                 FG_ASSIGN_OR_RETURN(auto zones, id.FloorView());
                 if (csv) return CsvResponse(identity::FloorViewCsv(zones), "floor.csv");
                 return JsonResponse(200, FloorJson(zones));
               });
             }});

  table.Add({.method = Method::kGet,
             .pattern = "/api/v1/stations/{id}/history",
             .roles = kConsoleRoles,
             .summary = "Sessions at a station between ?from and ?to (?format=csv)",
             .tag = "reports",
             .handler = [&id](const Context& ctx) {
               return Respond([&]() -> Result<http::Response> {
                 FG_ASSIGN_OR_RETURN(int64_t station, ParseId(ctx.Param("id")));
                 FG_ASSIGN_OR_RETURN(bool csv, WantsCsv(ctx.request));
                 FG_ASSIGN_OR_RETURN(Range range, ParseRange(ctx.request));
                 FG_ASSIGN_OR_RETURN(auto sessions,
                                     id.StationHistory(station, range.from, range.to));
                 if (csv)
                   return CsvResponse(identity::SessionsCsv(sessions), "station-history.csv");
                 Json items = Json::array();
                 for (const auto& s : sessions) items.push_back(SessionJson(s));
                 return JsonResponse(200, {{"items", std::move(items)}});
               });
             }});

  table.Add({.method = Method::kGet,
             .pattern = "/api/v1/people/{id}/logons",
             .roles = kConsoleRoles,
             .summary = "Where a person logged on between ?from and ?to (?format=csv)",
             .tag = "reports",
             .handler = [&id](const Context& ctx) {
               return Respond([&]() -> Result<http::Response> {
                 FG_ASSIGN_OR_RETURN(int64_t person, ParseId(ctx.Param("id")));
                 FG_ASSIGN_OR_RETURN(bool csv, WantsCsv(ctx.request));
                 FG_ASSIGN_OR_RETURN(Range range, ParseRange(ctx.request));
                 FG_ASSIGN_OR_RETURN(auto sessions, id.PersonHistory(person, range.from, range.to));
                 if (csv) return CsvResponse(identity::SessionsCsv(sessions), "person-logons.csv");
                 Json items = Json::array();
                 for (const auto& s : sessions) items.push_back(SessionJson(s));
                 return JsonResponse(200, {{"items", std::move(items)}});
               });
             }});

  table.Add({.method = Method::kGet,
             .pattern = "/api/v1/logons/failed",
             .roles = kConsoleRoles,
             .summary = "Denied logons and unlocks between ?from and ?to, newest first "
                        "(?format=csv)",
             .tag = "reports",
             .handler = [&id](const Context& ctx) {
               return Respond([&]() -> Result<http::Response> {
                 FG_ASSIGN_OR_RETURN(bool csv, WantsCsv(ctx.request));
                 FG_ASSIGN_OR_RETURN(Range range, ParseRange(ctx.request));
                 FG_ASSIGN_OR_RETURN(Page page, ParsePage(ctx.request));
                 // A CSV export is one file: up to the report limit, not one page.
                 int limit = csv ? identity::kMaxReportRows : page.limit;
                 FG_ASSIGN_OR_RETURN(auto failed,
                                     id.FailedLogons(range.from, range.to, limit, page.after));
                 if (csv) {
                   return CsvResponse(identity::LogonAttemptsCsv(failed.items),
                                      "failed-logons.csv");
                 }
                 Json items = Json::array();
                 for (const auto& a : failed.items) items.push_back(AttemptJson(a));
                 return JsonResponse(200, ListBody(std::move(items), failed.next_cursor));
               });
             }});
}

}  // namespace

void AddIdentityRoutes(RouteTable& table, Identity& identity, directory::Directory& directory) {
  AddWorkstationRoutes(table, identity);
  AddPresenceRoute(table, identity, directory);
  AddAccountRoutes(table, identity);
  AddReportRoutes(table, identity);
  AddBanRoutes(table, identity);
}

}  // namespace fg::api
