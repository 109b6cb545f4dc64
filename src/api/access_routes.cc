#include "api/access_routes.h"

#include "api/json.h"

namespace fg::api {

namespace {

using http::Method;

Json DoorJson(const access::Door& d) {
  Json out = {{"id", d.id},
              {"name", d.name},
              {"from_zone_id", d.from_zone_id},
              {"to_zone_id", d.to_zone_id},
              {"entry_reader_id", d.entry_reader_id}};
  out["exit_reader_id"] = d.exit_reader_id ? Json(*d.exit_reader_id) : Json(nullptr);
  return out;
}

Json BadgeJson(const access::Badge& b) {
  Json out = {{"id", b.id},
              {"credential_key", b.credential_key},
              {"person_id", b.person_id},
              {"status", access::BadgeStatusName(b.status)}};
  out["valid_from"] = b.valid_from ? Json(core::FormatRfc3339(*b.valid_from)) : Json(nullptr);
  out["valid_until"] = b.valid_until ? Json(core::FormatRfc3339(*b.valid_until)) : Json(nullptr);
  return out;
}

Json DecisionJson(const access::Decision& d) {
  Json out = {{"decision", d.granted() ? "grant" : "deny"},
              {"reason", access::ReasonName(d.reason)},
              {"from_zone_id", d.from_zone_id},
              {"to_zone_id", d.to_zone_id},
              {"alerts", d.alerts}};
  if (d.person_id) out["person_id"] = *d.person_id;
  if (d.door_id) out["door_id"] = *d.door_id;
  if (d.badge_id) out["badge_id"] = *d.badge_id;
  return out;
}

Result<std::optional<core::WallTime>> OptionalTime(const Json& body, std::string_view field) {
  FG_ASSIGN_OR_RETURN(auto text, OptionalString(body, field, 64));
  if (!text) return std::optional<core::WallTime>();
  core::WallTime t;
  if (!core::ParseRfc3339(*text, &t)) {
    return InvalidArgument(std::string(field), "must be an RFC 3339 time");
  }
  return std::optional<core::WallTime>(t);
}

Result<int64_t> RequiredId(const Json& body, std::string_view field) {
  FG_ASSIGN_OR_RETURN(auto value, OptionalInt(body, field));
  if (!value || *value <= 0) return InvalidArgument(std::string(field), "must be a positive id");
  return *value;
}

}  // namespace

void AddAccessRoutes(RouteTable& table, access::AccessControl& access) {
  table.Add({.method = Method::kPost,
             .pattern = "/api/v1/access/decide",
             .roles = {auth::Role::kDoorController},
             .summary = "Decide a badge read at a reader: grant or deny with a reason",
             .tag = "access",
             .handler =
                 [&access](const Context& ctx) {
                   return Respond([&]() -> Result<http::Response> {
                     FG_ASSIGN_OR_RETURN(
                         Json body, ParseObject(ctx.request, {"reader_id", "credential", "pin"}));
                     access::DecideRequest request;
                     FG_ASSIGN_OR_RETURN(request.reader_id, RequiredString(body, "reader_id", 64));
                     FG_ASSIGN_OR_RETURN(request.credential,
                                         RequiredString(body, "credential", 128));
                     FG_ASSIGN_OR_RETURN(request.pin, OptionalString(body, "pin", 16));
                     FG_ASSIGN_OR_RETURN(access::Decision decision, access.Decide(request));
                     return JsonResponse(200, DecisionJson(decision));
                   });
                 },
             .request_body = true});

  table.Add({.method = Method::kGet,
             .pattern = "/api/v1/access/doors",
             .roles = kConsoleRoles,
             .summary = "Doors with their zones and readers",
             .tag = "access",
             .handler = [&access](const Context&) {
               return Respond([&]() -> Result<http::Response> {
                 FG_ASSIGN_OR_RETURN(auto doors, access.ListDoors());
                 Json items = Json::array();
                 for (const auto& d : doors) items.push_back(DoorJson(d));
                 return JsonResponse(200, {{"items", std::move(items)}});
               });
             }});
  table.Add({.method = Method::kPost,
             .pattern = "/api/v1/access/doors",
             .roles = kAdminSecurity,
             .summary = "Add a door between two zones",
             .tag = "access",
             .handler =
                 [&access](const Context& ctx) {
                   return Respond([&]() -> Result<http::Response> {
                     FG_ASSIGN_OR_RETURN(
                         Json body,
                         ParseObject(ctx.request, {"name", "from_zone_id", "to_zone_id",
                                                   "entry_reader_id", "exit_reader_id"}));
                     access::DoorInput input;
                     FG_ASSIGN_OR_RETURN(input.name, RequiredString(body, "name", 200));
                     FG_ASSIGN_OR_RETURN(input.from_zone_id, RequiredId(body, "from_zone_id"));
                     FG_ASSIGN_OR_RETURN(input.to_zone_id, RequiredId(body, "to_zone_id"));
                     FG_ASSIGN_OR_RETURN(input.entry_reader_id,
                                         RequiredString(body, "entry_reader_id", 64));
                     FG_ASSIGN_OR_RETURN(input.exit_reader_id,
                                         OptionalString(body, "exit_reader_id", 64));
                     FG_ASSIGN_OR_RETURN(access::Door door, access.CreateDoor(input, ctx.Actor()));
                     return JsonResponse(201, DoorJson(door));
                   });
                 },
             .request_body = true});

  table.Add({.method = Method::kGet,
             .pattern = "/api/v1/access/badges",
             .roles = kConsoleRoles,
             .summary = "Badges (?person_id=)",
             .tag = "access",
             .handler = [&access](const Context& ctx) {
               return Respond([&]() -> Result<http::Response> {
                 std::optional<int64_t> person;
                 if (auto text = ctx.request.Query("person_id"); text && !text->empty()) {
                   FG_ASSIGN_OR_RETURN(person, ParseId(*text, "person_id"));
                 }
                 FG_ASSIGN_OR_RETURN(auto badges, access.ListBadges(person));
                 Json items = Json::array();
                 for (const auto& b : badges) items.push_back(BadgeJson(b));
                 return JsonResponse(200, {{"items", std::move(items)}});
               });
             }});
  table.Add({.method = Method::kPost,
             .pattern = "/api/v1/access/badges",
             .roles = kAdminSecurity,
             .summary = "Issue a badge to a person",
             .tag = "access",
             .handler =
                 [&access](const Context& ctx) {
                   return Respond([&]() -> Result<http::Response> {
                     FG_ASSIGN_OR_RETURN(Json body,
                                         ParseObject(ctx.request, {"credential", "person_id",
                                                                   "valid_from", "valid_until"}));
                     access::BadgeInput input;
                     FG_ASSIGN_OR_RETURN(input.credential, RequiredString(body, "credential", 128));
                     FG_ASSIGN_OR_RETURN(input.person_id, RequiredId(body, "person_id"));
                     FG_ASSIGN_OR_RETURN(input.valid_from, OptionalTime(body, "valid_from"));
                     FG_ASSIGN_OR_RETURN(input.valid_until, OptionalTime(body, "valid_until"));
                     FG_ASSIGN_OR_RETURN(access::Badge badge,
                                         access.CreateBadge(input, ctx.Actor()));
                     return JsonResponse(201, BadgeJson(badge));
                   });
                 },
             .request_body = true});
  table.Add({.method = Method::kPatch,
             .pattern = "/api/v1/access/badges/{id}",
             .roles = kAdminSecurity,
             .summary = "Revoke or report lost a badge ({\"status\": \"revoked\"|\"lost\"}); "
                        "takes effect at the next read",
             .tag = "access",
             .handler =
                 [&access](const Context& ctx) {
                   return Respond([&]() -> Result<http::Response> {
                     FG_ASSIGN_OR_RETURN(int64_t id, ParseId(ctx.Param("id")));
                     FG_ASSIGN_OR_RETURN(Json body, ParseObject(ctx.request, {"status"}));
                     FG_ASSIGN_OR_RETURN(std::string status, RequiredString(body, "status", 16));
                     access::BadgePatch patch;
                     patch.status = access::ParseBadgeStatus(status);
                     if (!patch.status) {
                       return InvalidArgument("status", "must be active, revoked or lost");
                     }
                     FG_ASSIGN_OR_RETURN(access::Badge badge,
                                         access.UpdateBadge(id, patch, ctx.Actor()));
                     return JsonResponse(200, BadgeJson(badge));
                   });
                 },
             .request_body = true});
}

}  // namespace fg::api
