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
  out["controller"] = d.controller;
  return out;
}

Json GrantJson(const access::Grant& g) {
  Json out = {{"id", g.id},
              {"person_id", g.person_id},
              {"zone_id", g.zone_id},
              {"valid_from", core::FormatRfc3339(g.valid_from)},
              {"note", g.note}};
  out["valid_until"] = g.valid_until ? Json(core::FormatRfc3339(*g.valid_until)) : Json(nullptr);
  return out;
}

Json ZoneSettingsJson(const access::ZoneSettings& z) {
  return {{"zone_id", z.zone_id},
          {"passback", access::PassbackModeName(z.passback)},
          {"pin_required", z.pin_required},
          {"schedule", z.schedule}};
}

Json PassageJson(const access::Passage& p) {
  Json out = {{"id", p.id},
              {"time", core::FormatRfc3339(p.time)},
              {"reader_id", p.reader_id},
              {"from_zone_id", p.from_zone_id},
              {"to_zone_id", p.to_zone_id},
              {"decision", p.granted ? "grant" : "deny"},
              {"reason", p.reason}};
  out["door_id"] = p.door_id ? Json(*p.door_id) : Json(nullptr);
  out["badge_id"] = p.badge_id ? Json(*p.badge_id) : Json(nullptr);
  out["person_id"] = p.person_id ? Json(*p.person_id) : Json(nullptr);
  return out;
}

Json BadgeJson(const access::Badge& b) {
  Json out = {{"id", b.id},
              {"credential_key", b.credential_key},
              {"person_id", b.person_id},
              {"status", access::BadgeStatusName(b.status)}};
  out["valid_from"] = b.valid_from ? Json(core::FormatRfc3339(*b.valid_from)) : Json(nullptr);
  out["valid_until"] = b.valid_until ? Json(core::FormatRfc3339(*b.valid_until)) : Json(nullptr);
  out["has_pin"] = b.has_pin;
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

Result<core::WallTime> RequiredTime(const Json& body, std::string_view field) {
  FG_ASSIGN_OR_RETURN(auto t, OptionalTime(body, field));
  if (!t) return InvalidArgument(std::string(field), "is required (an RFC 3339 time)");
  return *t;
}

Result<Json> ParseDoorBody(const http::Request& request) {
  return ParseObject(request, {"name", "from_zone_id", "to_zone_id", "entry_reader_id",
                               "exit_reader_id", "controller"});
}

// Reads a door from the body; with `base` (an update), absent fields keep base's values.
Result<access::DoorInput> DoorInputFrom(const Json& body, const access::Door* base) {
  access::DoorInput input;
  if (base != nullptr) {
    input = {.name = base->name,
             .from_zone_id = base->from_zone_id,
             .to_zone_id = base->to_zone_id,
             .entry_reader_id = base->entry_reader_id,
             .exit_reader_id = base->exit_reader_id,
             .controller = base->controller};
  }
  auto has = [&](std::string_view f) { return base == nullptr || body.contains(std::string(f)); };
  if (has("name")) {
    FG_ASSIGN_OR_RETURN(input.name, RequiredString(body, "name", 200));
  }
  if (has("from_zone_id")) {
    FG_ASSIGN_OR_RETURN(input.from_zone_id, RequiredId(body, "from_zone_id"));
  }
  if (has("to_zone_id")) {
    FG_ASSIGN_OR_RETURN(input.to_zone_id, RequiredId(body, "to_zone_id"));
  }
  if (has("entry_reader_id")) {
    FG_ASSIGN_OR_RETURN(input.entry_reader_id, RequiredString(body, "entry_reader_id", 64));
  }
  if (has("exit_reader_id")) {
    FG_ASSIGN_OR_RETURN(input.exit_reader_id, OptionalString(body, "exit_reader_id", 64));
  }
  if (has("controller")) {
    FG_ASSIGN_OR_RETURN(auto controller, OptionalString(body, "controller", 64));
    input.controller = controller.value_or("");
  }
  return input;
}

std::optional<int64_t> QueryId(const Context& ctx, std::string_view name, Result<void>* error) {
  auto text = ctx.request.Query(std::string(name));
  if (!text || text->empty()) return std::nullopt;
  auto id = ParseId(*text, name);
  if (!id) {
    *error = tl::unexpected(id.error());
    return std::nullopt;
  }
  return *id;
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
                 return ItemsResponse(doors, DoorJson);
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
                     FG_ASSIGN_OR_RETURN(Json body, ParseDoorBody(ctx.request));
                     FG_ASSIGN_OR_RETURN(access::DoorInput input, DoorInputFrom(body, nullptr));
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
                 return ItemsResponse(badges, BadgeJson);
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
             .summary = "Revoke or report lost a badge, change its window or set its PIN "
                        "(status, valid_from, valid_until, pin); takes effect at the next read",
             .tag = "access",
             .handler =
                 [&access](const Context& ctx) {
                   return Respond([&]() -> Result<http::Response> {
                     FG_ASSIGN_OR_RETURN(int64_t id, ParseId(ctx.Param("id")));
                     FG_ASSIGN_OR_RETURN(
                         Json body,
                         ParseObject(ctx.request, {"status", "valid_from", "valid_until", "pin"}));
                     access::BadgePatch patch;
                     FG_ASSIGN_OR_RETURN(auto status, OptionalString(body, "status", 16));
                     if (status) {
                       patch.status = access::ParseBadgeStatus(*status);
                       if (!patch.status) {
                         return InvalidArgument("status", "must be active, revoked or lost");
                       }
                     }
                     if (body.contains("valid_from")) {
                       FG_ASSIGN_OR_RETURN(patch.valid_from, OptionalTime(body, "valid_from"));
                     }
                     if (body.contains("valid_until")) {
                       FG_ASSIGN_OR_RETURN(patch.valid_until, OptionalTime(body, "valid_until"));
                     }
                     FG_ASSIGN_OR_RETURN(patch.pin, OptionalString(body, "pin", 16));
                     FG_ASSIGN_OR_RETURN(access::Badge badge,
                                         access.UpdateBadge(id, patch, ctx.Actor()));
                     return JsonResponse(200, BadgeJson(badge));
                   });
                 },
             .request_body = true});

  AddAccessRuleRoutes(table, access);
}

void AddAccessRuleRoutes(RouteTable& table, access::AccessControl& access) {
  table.Add({.method = Method::kPatch,
             .pattern = "/api/v1/access/doors/{id}",
             .roles = kAdminSecurity,
             .summary = "Change a door (any of the POST fields)",
             .tag = "access",
             .handler =
                 [&access](const Context& ctx) {
                   return Respond([&]() -> Result<http::Response> {
                     FG_ASSIGN_OR_RETURN(int64_t id, ParseId(ctx.Param("id")));
                     FG_ASSIGN_OR_RETURN(Json body, ParseDoorBody(ctx.request));
                     FG_ASSIGN_OR_RETURN(access::Door before, access.GetDoor(id));
                     FG_ASSIGN_OR_RETURN(access::DoorInput input, DoorInputFrom(body, &before));
                     FG_ASSIGN_OR_RETURN(access::Door door,
                                         access.UpdateDoor(id, input, ctx.Actor()));
                     return JsonResponse(200, DoorJson(door));
                   });
                 },
             .request_body = true});
  table.Add({.method = Method::kDelete,
             .pattern = "/api/v1/access/doors/{id}",
             .roles = kAdminSecurity,
             .summary = "Remove a door; its readers are unknown from the next read",
             .tag = "access",
             .handler = [&access](const Context& ctx) {
               return Respond([&]() -> Result<http::Response> {
                 FG_ASSIGN_OR_RETURN(int64_t id, ParseId(ctx.Param("id")));
                 FG_RETURN_IF_ERROR(access.DeleteDoor(id, ctx.Actor()));
                 return http::Response::Empty(204);
               });
             }});

  table.Add({.method = Method::kGet,
             .pattern = "/api/v1/access/grants",
             .roles = kConsoleRoles,
             .summary = "Explicit and escort grants (?person_id=)",
             .tag = "access",
             .handler = [&access](const Context& ctx) {
               return Respond([&]() -> Result<http::Response> {
                 Result<void> bad;
                 auto person = QueryId(ctx, "person_id", &bad);
                 FG_RETURN_IF_ERROR(bad);
                 FG_ASSIGN_OR_RETURN(auto grants, access.ListGrants(person));
                 return ItemsResponse(grants, GrantJson);
               });
             }});
  table.Add({.method = Method::kPost,
             .pattern = "/api/v1/access/grants",
             .roles = kAdminSecurity,
             .summary = "Grant a person a restricted zone, or escort a visitor into a zone",
             .tag = "access",
             .handler =
                 [&access](const Context& ctx) {
                   return Respond([&]() -> Result<http::Response> {
                     FG_ASSIGN_OR_RETURN(
                         Json body, ParseObject(ctx.request, {"person_id", "zone_id", "valid_from",
                                                              "valid_until", "note"}));
                     access::GrantInput input;
                     FG_ASSIGN_OR_RETURN(input.person_id, RequiredId(body, "person_id"));
                     FG_ASSIGN_OR_RETURN(input.zone_id, RequiredId(body, "zone_id"));
                     FG_ASSIGN_OR_RETURN(input.valid_from, RequiredTime(body, "valid_from"));
                     FG_ASSIGN_OR_RETURN(input.valid_until, OptionalTime(body, "valid_until"));
                     FG_ASSIGN_OR_RETURN(auto note, OptionalString(body, "note", 200));
                     input.note = note.value_or("");
                     FG_ASSIGN_OR_RETURN(access::Grant grant,
                                         access.CreateGrant(input, ctx.Actor()));
                     return JsonResponse(201, GrantJson(grant));
                   });
                 },
             .request_body = true});
  table.Add({.method = Method::kDelete,
             .pattern = "/api/v1/access/grants/{id}",
             .roles = kAdminSecurity,
             .summary = "Withdraw a grant; effective at the next read",
             .tag = "access",
             .handler = [&access](const Context& ctx) {
               return Respond([&]() -> Result<http::Response> {
                 FG_ASSIGN_OR_RETURN(int64_t id, ParseId(ctx.Param("id")));
                 FG_RETURN_IF_ERROR(access.DeleteGrant(id, ctx.Actor()));
                 return http::Response::Empty(204);
               });
             }});

  table.Add({.method = Method::kGet,
             .pattern = "/api/v1/access/zones",
             .roles = kConsoleRoles,
             .summary = "Door rules of zones that have any (anti-passback, PIN, schedule)",
             .tag = "access",
             .handler = [&access](const Context&) {
               return Respond([&]() -> Result<http::Response> {
                 FG_ASSIGN_OR_RETURN(auto zones, access.ListZoneSettings());
                 return ItemsResponse(zones, ZoneSettingsJson);
               });
             }});
  table.Add({.method = Method::kPatch,
             .pattern = "/api/v1/access/zones/{id}",
             .roles = kAdminSecurity,
             .summary = "Set a zone's anti-passback (off|soft|hard), PIN requirement and opening "
                        "hours (\"mon-fri 07:00-20:00\"; empty: always open)",
             .tag = "access",
             .handler =
                 [&access](const Context& ctx) {
                   return Respond([&]() -> Result<http::Response> {
                     FG_ASSIGN_OR_RETURN(int64_t id, ParseId(ctx.Param("id")));
                     FG_ASSIGN_OR_RETURN(
                         Json body,
                         ParseObject(ctx.request, {"passback", "pin_required", "schedule"}));
                     access::ZoneSettingsPatch patch;
                     FG_ASSIGN_OR_RETURN(auto passback, OptionalString(body, "passback", 16));
                     if (passback) {
                       patch.passback = access::ParsePassbackMode(*passback);
                       if (!patch.passback) {
                         return InvalidArgument("passback", "must be off, soft or hard");
                       }
                     }
                     FG_ASSIGN_OR_RETURN(patch.pin_required, OptionalBool(body, "pin_required"));
                     FG_ASSIGN_OR_RETURN(patch.schedule, OptionalString(body, "schedule", 500));
                     FG_ASSIGN_OR_RETURN(access::ZoneSettings zone,
                                         access.UpdateZoneSettings(id, patch, ctx.Actor()));
                     return JsonResponse(200, ZoneSettingsJson(zone));
                   });
                 },
             .request_body = true});

  table.Add({.method = Method::kGet,
             .pattern = "/api/v1/access/holidays",
             .roles = kConsoleRoles,
             .summary = "Days the scheduled zones of a site stay closed (?site_id=)",
             .tag = "access",
             .handler = [&access](const Context& ctx) {
               return Respond([&]() -> Result<http::Response> {
                 Result<void> bad;
                 auto site = QueryId(ctx, "site_id", &bad);
                 FG_RETURN_IF_ERROR(bad);
                 FG_ASSIGN_OR_RETURN(auto holidays, access.ListHolidays(site));
                 Json items = Json::array();
                 for (const auto& h : holidays) {
                   items.push_back({{"site_id", h.site_id}, {"date", h.date}, {"name", h.name}});
                 }
                 return JsonResponse(200, {{"items", std::move(items)}});
               });
             }});
  table.Add({.method = Method::kPost,
             .pattern = "/api/v1/access/holidays",
             .roles = kAdminSecurity,
             .summary = "Close a site's scheduled zones for a day",
             .tag = "access",
             .handler =
                 [&access](const Context& ctx) {
                   return Respond([&]() -> Result<http::Response> {
                     FG_ASSIGN_OR_RETURN(Json body,
                                         ParseObject(ctx.request, {"site_id", "date", "name"}));
                     access::Holiday holiday;
                     FG_ASSIGN_OR_RETURN(holiday.site_id, RequiredId(body, "site_id"));
                     FG_ASSIGN_OR_RETURN(holiday.date, RequiredString(body, "date", 10));
                     FG_ASSIGN_OR_RETURN(auto name, OptionalString(body, "name", 100));
                     holiday.name = name.value_or("");
                     FG_ASSIGN_OR_RETURN(auto added, access.AddHoliday(holiday, ctx.Actor()));
                     return JsonResponse(
                         201,
                         {{"site_id", added.site_id}, {"date", added.date}, {"name", added.name}});
                   });
                 },
             .request_body = true});
  table.Add({.method = Method::kDelete,
             .pattern = "/api/v1/access/holidays/{site_id}/{date}",
             .roles = kAdminSecurity,
             .summary = "Reopen a site's scheduled zones on a day",
             .tag = "access",
             .handler = [&access](const Context& ctx) {
               return Respond([&]() -> Result<http::Response> {
                 FG_ASSIGN_OR_RETURN(int64_t site, ParseId(ctx.Param("site_id"), "site_id"));
                 FG_RETURN_IF_ERROR(access.DeleteHoliday(site, ctx.Param("date"), ctx.Actor()));
                 return http::Response::Empty(204);
               });
             }});

  table.Add({.method = Method::kGet,
             .pattern = "/api/v1/access/passages",
             .roles = kConsoleRoles,
             .summary = "Badge decisions, newest first (?person_id=&limit=, at most 1000)",
             .tag = "access",
             .handler = [&access](const Context& ctx) {
               return Respond([&]() -> Result<http::Response> {
                 Result<void> bad;
                 auto person = QueryId(ctx, "person_id", &bad);
                 FG_RETURN_IF_ERROR(bad);
                 int limit = 100;
                 if (auto text = ctx.request.Query("limit"); text && !text->empty()) {
                   FG_ASSIGN_OR_RETURN(int64_t n, ParseId(*text, "limit"));
                   limit = static_cast<int>(std::min<int64_t>(n, 1000));
                 }
                 FG_ASSIGN_OR_RETURN(auto passages, access.ListPassages(limit, person));
                 return ItemsResponse(passages, PassageJson);
               });
             }});
}

}  // namespace fg::api
