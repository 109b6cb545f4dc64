#include "api/access_offline_routes.h"

#include <charconv>

#include "api/json.h"

namespace fg::api {

namespace {

using http::Method;

Result<std::optional<uint64_t>> ParseSince(const http::Request& request) {
  auto text = request.Query("since");
  if (!text || text->empty()) return std::optional<uint64_t>();
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || end != text->data() + text->size()) {
    return InvalidArgument("since", "must be a cache version (a non-negative integer)");
  }
  return std::optional<uint64_t>(value);
}

// One event of an upload; a malformed one is rejected alone, with the reason.
Result<access::OfflineEvent> ParseEvent(const Json& item) {
  if (!item.is_object()) return InvalidArgument("events", "each event must be an object");
  for (const auto& [key, value] : item.items()) {
    if (key != "id" && key != "reader_id" && key != "credential" && key != "time" &&
        key != "decision" && key != "reason") {
      return InvalidArgument(key, "is not a field of an offline event");
    }
  }
  access::OfflineEvent event;
  FG_ASSIGN_OR_RETURN(event.id, RequiredString(item, "id", 64));
  FG_ASSIGN_OR_RETURN(event.reader_id, RequiredString(item, "reader_id", 64));
  FG_ASSIGN_OR_RETURN(event.credential, RequiredString(item, "credential", 128));
  FG_ASSIGN_OR_RETURN(std::string time, RequiredString(item, "time", 64));
  if (!core::ParseRfc3339(time, &event.time)) {
    return InvalidArgument("time", "must be an RFC 3339 time");
  }
  FG_ASSIGN_OR_RETURN(std::string decision, RequiredString(item, "decision", 16));
  if (decision != "grant" && decision != "deny") {
    return InvalidArgument("decision", "must be grant or deny");
  }
  event.granted = decision == "grant";
  FG_ASSIGN_OR_RETURN(event.reason, RequiredString(item, "reason", 64));
  return event;
}

}  // namespace

void AddAccessOfflineRoutes(RouteTable& table, access::OfflineService& offline) {
  table.Add({.method = Method::kGet,
             .pattern = "/api/v1/access/cache",
             .roles = {auth::Role::kDoorController},
             .summary = "The caller's signed offline cache (?since=V for a delta)",
             .tag = "access",
             .handler = [&offline](const Context& ctx) {
               return Respond([&]() -> Result<http::Response> {
                 FG_ASSIGN_OR_RETURN(auto since, ParseSince(ctx.request));
                 FG_ASSIGN_OR_RETURN(access::SignedCache cache,
                                     offline.Cache(ctx.caller->name, since));
                 return JsonResponse(200, {{"payload", cache.payload},
                                           {"signature", cache.signature_b64},
                                           {"key_id", cache.key_id},
                                           {"version", cache.version},
                                           {"full", cache.full}});
               });
             }});

  std::vector<auth::Role> key_readers = kConsoleRoles;
  key_readers.push_back(auth::Role::kDoorController);
  table.Add({.method = Method::kGet,
             .pattern = "/api/v1/access/cache/key",
             .roles = key_readers,
             .summary = "The Ed25519 public key that signs offline caches (base64) and its id",
             .tag = "access",
             .handler = [&offline](const Context&) {
               const auto& key = offline.public_key();
               return JsonResponse(
                   200,
                   {{"algorithm", "ed25519"},
                    {"public_key", access::Base64Encode(std::string_view(
                                       reinterpret_cast<const char*>(key.data()), key.size()))},
                    {"key_id", offline.key_id()}});
             }});

  table.Add(
      {.method = Method::kPost,
       .pattern = "/api/v1/access/offline-events",
       .roles = {auth::Role::kDoorController},
       .summary = "Upload decisions made offline; a re-uploaded event id counts as duplicate",
       .tag = "access",
       .handler =
           [&offline](const Context& ctx) {
             return Respond([&]() -> Result<http::Response> {
               FG_ASSIGN_OR_RETURN(Json body, ParseObject(ctx.request, {"events"}));
               if (!body.contains("events") || !body["events"].is_array()) {
                 return InvalidArgument("events", "must be an array of events");
               }
               std::vector<access::OfflineEvent> events;
               Json rejected = Json::array();
               for (const Json& item : body["events"]) {
                 auto event = ParseEvent(item);
                 if (event) {
                   events.push_back(std::move(*event));
                   continue;
                 }
                 std::string id = item.is_object() && item.contains("id") && item["id"].is_string()
                                      ? item["id"].get<std::string>().substr(0, 64)
                                      : "";
                 const Error& e = event.error();
                 rejected.push_back(
                     {{"id", id}, {"error", (e.field.empty() ? "" : e.field + ": ") + e.message}});
               }
               FG_ASSIGN_OR_RETURN(access::UploadResult result,
                                   offline.Upload(ctx.caller->name, events));
               for (const auto& [id, why] : result.rejected) {
                 rejected.push_back({{"id", id}, {"error", why}});
               }
               return JsonResponse(200, {{"accepted", result.accepted},
                                         {"duplicates", result.duplicates},
                                         {"rejected", std::move(rejected)}});
             });
           },
       .request_body = true});
}

}  // namespace fg::api
