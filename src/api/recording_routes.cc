#include "api/recording_routes.h"

#include <algorithm>

#include "api/json.h"
#include "dlp/dlp.h"
#include "recording/ogg_opus.h"

namespace fg::api {

namespace {

using auth::Role;
using http::Method;

Json OptId(const std::optional<int64_t>& id) { return id ? Json(*id) : Json(nullptr); }

const std::vector<Role> kListeners = {Role::kSecurity, Role::kSupervisor, Role::kAuditor};
const std::vector<Role> kPauseRoles = {Role::kWorkstation, Role::kSupervisor};
const std::vector<Role> kPbxRoles = {Role::kPbx, Role::kAdmin};

// Who may hear this call: security always; a supervisor on their campaigns' calls; an
// auditor while a listen grant lasts.
Result<void> MayListen(recording::Recordings& recordings, const Caller& caller,
                       const recording::Call& call) {
  switch (caller.role) {
    case Role::kSecurity:
      return {};
    case Role::kSupervisor: {
      FG_ASSIGN_OR_RETURN(auto campaigns, recordings.SupervisorCampaigns(caller.id));
      if (call.campaign_id &&
          std::find(campaigns.begin(), campaigns.end(), *call.campaign_id) != campaigns.end()) {
        return {};
      }
      return MakeError(ErrorCode::kPermissionDenied,
                       "supervisors may listen only to calls of their own campaigns");
    }
    case Role::kAuditor: {
      FG_ASSIGN_OR_RETURN(bool granted, recordings.HasListenGrant(caller.id));
      if (granted) return {};
      return MakeError(ErrorCode::kPermissionDenied,
                       "auditors need a listen grant from security to hear recordings");
    }
    default:
      return MakeError(ErrorCode::kPermissionDenied, "this role may not listen to recordings");
  }
}

Result<recording::Direction> QueryDirection(const http::Request& request) {
  auto text = request.Query("direction");
  auto direction = recording::ParseDirection(text ? *text : "");
  if (!direction) {
    return InvalidArgument("direction", "must be inbound, outbound, internal or unknown");
  }
  return *direction;
}

Result<recording::Cdr> ParseCdr(const Json& item, size_t index) {
  const std::string where = "cdrs[" + std::to_string(index) + "]";
  if (!item.is_object()) return InvalidArgument(where, "must be an object");
  auto text = [&](const char* key, bool required) -> Result<std::string> {
    if (!item.contains(key) || item[key].is_null()) {
      if (required) return InvalidArgument(where + "." + key, "is required");
      return std::string();
    }
    if (!item[key].is_string() || item[key].get_ref<const std::string&>().size() > 200) {
      return InvalidArgument(where + "." + key, "must be a string of at most 200 characters");
    }
    return item[key].get<std::string>();
  };
  auto time = [&](const char* key, bool required) -> Result<std::optional<core::WallTime>> {
    FG_ASSIGN_OR_RETURN(std::string value, text(key, required));
    if (value.empty()) return std::optional<core::WallTime>();
    core::WallTime t;
    if (!core::ParseRfc3339(value, &t)) {
      return InvalidArgument(where + "." + key, "must be an RFC 3339 time");
    }
    return std::optional<core::WallTime>(t);
  };
  recording::Cdr cdr;
  FG_ASSIGN_OR_RETURN(cdr.unique_id, text("unique_id", true));
  FG_ASSIGN_OR_RETURN(cdr.source, text("source", true));
  FG_ASSIGN_OR_RETURN(cdr.destination, text("destination", true));
  FG_ASSIGN_OR_RETURN(cdr.disposition, text("disposition", true));
  FG_ASSIGN_OR_RETURN(cdr.call_id, text("call_id", false));
  FG_ASSIGN_OR_RETURN(auto start, time("start", true));
  FG_ASSIGN_OR_RETURN(auto end, time("end", true));
  FG_ASSIGN_OR_RETURN(cdr.answer, time("answer", false));
  cdr.start = *start;
  cdr.end = *end;
  if (item.contains("billable_seconds")) {
    if (!item["billable_seconds"].is_number_integer() ||
        item["billable_seconds"].get<int64_t>() < 0) {
      return InvalidArgument(where + ".billable_seconds", "must be a whole number of seconds");
    }
    cdr.billable_seconds = item["billable_seconds"].get<int64_t>();
  }
  return cdr;
}

}  // namespace

nlohmann::json CallToJson(const recording::Call& call) {
  Json recording = nullptr;
  if (call.recording) {
    const recording::RecordingInfo& r = *call.recording;
    Json spans = Json::array();
    for (const auto& s : r.spans) {
      spans.push_back({{"start_ms", s.start_ms}, {"end_ms", s.end_ms}, {"source", s.source}});
    }
    recording = {{"id", r.id},
                 {"status", r.status},
                 {"duration_s", static_cast<double>(r.duration_ms) / 1000.0},
                 {"bytes", r.bytes},
                 {"sha256", r.sha256},
                 {"master_key_id", r.master_key_id},
                 {"sample_rate", r.sample_rate},
                 {"packets", r.packets},
                 {"lost", r.lost},
                 {"late", r.late},
                 {"duplicates", r.duplicates},
                 {"loss_pct", r.loss_pct},
                 {"one_way", r.one_way},
                 {"masked_spans", std::move(spans)}};
  }
  double duration = 0;
  if (call.ended_at && call.answered_at) {
    duration = std::chrono::duration<double>(*call.ended_at - *call.answered_at).count();
  }
  return Json{{"id", call.id},
              {"call_id", call.call_id},
              {"direction", recording::DirectionName(call.direction)},
              {"from", call.from_number},
              {"to", call.to_number},
              {"agent_extension", call.agent_extension},
              {"agent_person_id", OptId(call.agent_person_id)},
              {"station_id", OptId(call.station_id)},
              {"campaign_id", OptId(call.campaign_id)},
              {"started_at", core::FormatRfc3339(call.started_at)},
              {"answered_at", TimeOrNull(call.answered_at)},
              {"ended_at", TimeOrNull(call.ended_at)},
              {"duration_s", duration},
              {"end_reason", call.end_reason},
              {"final_status", call.final_status},
              {"source", call.source},
              {"active", call.active()},
              {"recording", std::move(recording)}};
}

void AddRecordingRoutes(RouteTable& table, recording::Recordings& recordings,
                        recording::Recorder* recorder) {
  table.Add({.method = Method::kGet,
             .pattern = "/api/v1/calls",
             .roles = kConsoleRoles,
             .summary = "Calls, newest first (?from=&to=&agent_person_id=&station_id="
                        "&campaign_id=&direction=&number=&limit=&after=)",
             .tag = "recording",
             .handler = [&recordings](const Context& ctx) {
               return Respond([&]() -> Result<http::Response> {
                 recording::CallFilter filter;
                 FG_ASSIGN_OR_RETURN(filter.from, QueryTime(ctx.request, "from"));
                 FG_ASSIGN_OR_RETURN(filter.to, QueryTime(ctx.request, "to"));
                 FG_ASSIGN_OR_RETURN(filter.agent_person_id,
                                     QueryId(ctx.request, "agent_person_id"));
                 FG_ASSIGN_OR_RETURN(filter.station_id, QueryId(ctx.request, "station_id"));
                 FG_ASSIGN_OR_RETURN(filter.campaign_id, QueryId(ctx.request, "campaign_id"));
                 FG_ASSIGN_OR_RETURN(filter.after_id, QueryId(ctx.request, "after"));
                 if (auto d = ctx.request.Query("direction"); d && !d->empty()) {
                   FG_ASSIGN_OR_RETURN(filter.direction, QueryDirection(ctx.request));
                 }
                 if (auto n = ctx.request.Query("number"); n) {
                   if (n->size() > 64) return InvalidArgument("number", "at most 64 characters");
                   filter.number = std::string(*n);
                 }
                 if (auto l = ctx.request.Query("limit"); l && !l->empty()) {
                   FG_ASSIGN_OR_RETURN(int64_t limit, ParseId(*l, "limit"));
                   filter.limit = static_cast<int>(std::min<int64_t>(limit, 100000));
                 }
                 FG_ASSIGN_OR_RETURN(auto page, recordings.ListCalls(filter));
                 Json items = Json::array();
                 for (const auto& call : page.items) items.push_back(CallToJson(call));
                 return JsonResponse(
                     200, {{"items", std::move(items)}, {"next_after", OptId(page.next_after_id)}});
               });
             }});
  table.Add({.method = Method::kGet,
             .pattern = "/api/v1/calls/completeness",
             .roles = kConsoleRoles,
             .summary = "Recorded share of answered calls per day and campaign, and every call "
                        "with a problem (?from=&to=&max_loss_pct=)",
             .tag = "recording",
             .handler = [&recordings](const Context& ctx) {
               return Respond([&]() -> Result<http::Response> {
                 FG_ASSIGN_OR_RETURN(auto from, QueryTime(ctx.request, "from"));
                 FG_ASSIGN_OR_RETURN(auto to, QueryTime(ctx.request, "to"));
                 const core::WallTime until =
                     to.value_or(core::WallTime(std::chrono::floor<std::chrono::microseconds>(
                         std::chrono::system_clock::now() + std::chrono::hours(1))));
                 const core::WallTime since = from.value_or(until - std::chrono::hours(24 * 7));
                 recording::CompletenessOptions options;
                 FG_ASSIGN_OR_RETURN(auto report, recordings.Completeness(since, until, options));
                 Json days = Json::array();
                 for (const auto& d : report.days) {
                   days.push_back({{"day", d.day},
                                   {"campaign_id", OptId(d.campaign_id)},
                                   {"answered_calls", d.answered_calls},
                                   {"recorded_calls", d.recorded_calls},
                                   {"percent", d.percent}});
                 }
                 Json issues = Json::array();
                 for (const auto& i : report.issues) {
                   issues.push_back(
                       {{"call_id", i.call_id}, {"problem", i.problem}, {"detail", i.detail}});
                 }
                 return JsonResponse(200, {{"from", core::FormatRfc3339(since)},
                                           {"to", core::FormatRfc3339(until)},
                                           {"days", std::move(days)},
                                           {"issues", std::move(issues)}});
               });
             }});
  table.Add({.method = Method::kGet,
             .pattern = "/api/v1/calls/{id}",
             .roles = kConsoleRoles,
             .summary = "One call with its recording's metadata and masked spans",
             .tag = "recording",
             .handler = [&recordings](const Context& ctx) {
               return Respond([&]() -> Result<http::Response> {
                 FG_ASSIGN_OR_RETURN(int64_t id, ParseId(ctx.Param("id")));
                 FG_ASSIGN_OR_RETURN(recording::Call call, recordings.GetCall(id));
                 return JsonResponse(200, CallToJson(call));
               });
             }});
  table.Add({.method = Method::kGet,
             .pattern = "/api/v1/calls/{id}/audio",
             .roles = kListeners,
             .summary = "The decrypted recording (?reason= required; ?format=wav|opus): "
                        "security, supervisors for their campaigns, auditors with a grant",
             .tag = "recording",
             .handler = [&recordings](const Context& ctx) {
               return Respond([&]() -> Result<http::Response> {
                 FG_ASSIGN_OR_RETURN(int64_t id, ParseId(ctx.Param("id")));
                 auto reason = ctx.request.Query("reason");
                 std::string format = std::string(ctx.request.Query("format").value_or("wav"));
                 if (format != "wav" && format != "opus") {
                   return InvalidArgument("format", "must be wav or opus");
                 }
                 FG_ASSIGN_OR_RETURN(recording::Call call, recordings.GetCall(id));
                 FG_RETURN_IF_ERROR(MayListen(recordings, *ctx.caller, call));
                 // The reason goes into the audit trail: no card number may ride along.
                 const std::string why = dlp::Redact(reason.value_or(""));
                 FG_ASSIGN_OR_RETURN(auto ogg, recordings.OpenAudio(ctx.Actor(), id, why, format));
                 std::string body;
                 std::string type;
                 if (format == "wav") {
                   FG_ASSIGN_OR_RETURN(auto audio, recording::DecodeOggOpus(ogg));
                   auto wav = recording::ToWav(audio);
                   body.assign(wav.begin(), wav.end());
                   type = "audio/wav";
                 } else {
                   body.assign(ogg.begin(), ogg.end());
                   type = "audio/ogg";
                 }
                 http::Response r = http::Response::Text(200, std::move(body), type);
                 r.SetHeader("Cache-Control", "no-store");
                 r.SetHeader("X-Content-Type-Options", "nosniff");
                 return r;
               });
             }});
  for (const bool pause : {true, false}) {
    table.Add({.method = Method::kPost,
               .pattern = pause ? "/api/v1/calls/{id}/pause" : "/api/v1/calls/{id}/resume",
               .roles = kPauseRoles,
               .summary = pause ? "Pause recording of an active call (silence until resumed; "
                                  "auto-resumes after recording.max_pause_seconds)"
                                : "Resume recording of a paused call",
               .tag = "recording",
               .handler = [&recordings, recorder, pause](const Context& ctx) {
                 return Respond([&]() -> Result<http::Response> {
                   FG_ASSIGN_OR_RETURN(int64_t id, ParseId(ctx.Param("id")));
                   if (recorder == nullptr) {
                     return MakeError(ErrorCode::kFailedPrecondition,
                                      "live capture is not enabled ([recording] enabled)");
                   }
                   FG_ASSIGN_OR_RETURN(recording::Call call, recordings.GetCall(id));
                   // A workstation pauses only the calls taken at its own station.
                   if (ctx.caller->role == Role::kWorkstation &&
                       (!ctx.caller->station_id || call.station_id != ctx.caller->station_id)) {
                     return MakeError(ErrorCode::kPermissionDenied,
                                      "this workstation may pause only its own station's calls");
                   }
                   if (pause) {
                     FG_RETURN_IF_ERROR(recorder->Pause(id, ctx.Actor()));
                   } else {
                     FG_RETURN_IF_ERROR(recorder->Resume(id, ctx.Actor()));
                   }
                   return JsonResponse(200, {{"id", id}, {"paused", pause}});
                 });
               }});
  }
  table.Add({.method = Method::kPost,
             .pattern = "/api/v1/cdrs",
             .roles = kPbxRoles,
             .summary = "Import the PBX's call records ({cdrs: [{unique_id, source, destination, "
                        "start, answer, end, billable_seconds, disposition, call_id}]})",
             .tag = "recording",
             .handler =
                 [&recordings](const Context& ctx) {
                   return Respond([&]() -> Result<http::Response> {
                     FG_ASSIGN_OR_RETURN(Json body, ParseObject(ctx.request, {"cdrs"}));
                     if (!body.contains("cdrs") || !body["cdrs"].is_array()) {
                       return InvalidArgument("cdrs", "must be an array");
                     }
                     if (body["cdrs"].size() > 10000) {
                       return InvalidArgument("cdrs", "at most 10000 records per request");
                     }
                     std::vector<recording::Cdr> cdrs;
                     for (size_t i = 0; i < body["cdrs"].size(); ++i) {
                       FG_ASSIGN_OR_RETURN(auto cdr, ParseCdr(body["cdrs"][i], i));
                       cdrs.push_back(std::move(cdr));
                     }
                     FG_ASSIGN_OR_RETURN(auto result, recordings.ImportCdrs(ctx.Actor(), cdrs));
                     return JsonResponse(200, {{"imported", result.imported},
                                               {"matched", result.matched},
                                               {"duplicates", result.duplicates},
                                               {"errors", result.errors}});
                   });
                 },
             .request_body = true});
  table.Add(
      {.method = Method::kPut,
       .pattern = "/api/v1/recording/extensions/{extension}",
       .roles = kAdminSecurity,
       .summary = "Map a phone extension (or SIP user) to a station ({station_id}; null "
                  "removes it)",
       .tag = "recording",
       .handler =
           [&recordings](const Context& ctx) {
             return Respond([&]() -> Result<http::Response> {
               FG_ASSIGN_OR_RETURN(Json body, ParseObject(ctx.request, {"station_id"}));
               std::optional<int64_t> station;
               if (!IsNullField(body, "station_id")) {
                 FG_ASSIGN_OR_RETURN(station, OptionalInt(body, "station_id"));
                 if (!station || *station <= 0) {
                   return InvalidArgument("station_id", "must be a station id or null");
                 }
               }
               const std::string extension(ctx.Param("extension"));
               FG_RETURN_IF_ERROR(recordings.SetExtension(ctx.Actor(), extension, station));
               return JsonResponse(200, {{"extension", extension}, {"station_id", OptId(station)}});
             });
           },
       .request_body = true});
  table.Add({.method = Method::kGet,
             .pattern = "/api/v1/recording/extensions",
             .roles = kConsoleRoles,
             .summary = "Phone extensions mapped to stations",
             .tag = "recording",
             .handler = [&recordings](const Context&) {
               return Respond([&]() -> Result<http::Response> {
                 FG_ASSIGN_OR_RETURN(auto list, recordings.ListExtensions());
                 Json items = Json::array();
                 for (const auto& [extension, station] : list) {
                   items.push_back({{"extension", extension}, {"station_id", station}});
                 }
                 return JsonResponse(200, {{"items", std::move(items)}});
               });
             }});
  table.Add({.method = Method::kPut,
             .pattern = "/api/v1/recording/supervisors/{id}/campaigns",
             .roles = kAdminSecurity,
             .summary = "The campaigns whose calls a supervisor (console user id) may hear "
                        "({campaign_ids: [..]})",
             .tag = "recording",
             .handler =
                 [&recordings](const Context& ctx) {
                   return Respond([&]() -> Result<http::Response> {
                     FG_ASSIGN_OR_RETURN(int64_t id, ParseId(ctx.Param("id")));
                     FG_ASSIGN_OR_RETURN(Json body, ParseObject(ctx.request, {"campaign_ids"}));
                     if (!body.contains("campaign_ids") || !body["campaign_ids"].is_array()) {
                       return InvalidArgument("campaign_ids", "must be an array of campaign ids");
                     }
                     std::vector<int64_t> ids;
                     for (const Json& v : body["campaign_ids"]) {
                       if (!v.is_number_integer() || v.get<int64_t>() <= 0) {
                         return InvalidArgument("campaign_ids", "must be an array of campaign ids");
                       }
                       ids.push_back(v.get<int64_t>());
                     }
                     FG_RETURN_IF_ERROR(recordings.SetSupervisorCampaigns(ctx.Actor(), id, ids));
                     return JsonResponse(200, {{"user_id", id}, {"campaign_ids", ids}});
                   });
                 },
             .request_body = true});
  table.Add({.method = Method::kPost,
             .pattern = "/api/v1/recording/grants",
             .roles = {Role::kSecurity},
             .summary = "Let an auditor (console user id) listen until a time ({account_id, "
                        "until, reason})",
             .tag = "recording",
             .handler =
                 [&recordings](const Context& ctx) {
                   return Respond([&]() -> Result<http::Response> {
                     FG_ASSIGN_OR_RETURN(
                         Json body, ParseObject(ctx.request, {"account_id", "until", "reason"}));
                     FG_ASSIGN_OR_RETURN(auto account, OptionalInt(body, "account_id"));
                     if (!account || *account <= 0) {
                       return InvalidArgument("account_id", "must be a console user id");
                     }
                     FG_ASSIGN_OR_RETURN(std::string until_text, RequiredString(body, "until", 40));
                     core::WallTime until;
                     if (!core::ParseRfc3339(until_text, &until)) {
                       return InvalidArgument("until", "must be an RFC 3339 time");
                     }
                     FG_ASSIGN_OR_RETURN(std::string reason, RequiredString(body, "reason", 500));
                     FG_RETURN_IF_ERROR(
                         recordings.GrantListen(ctx.Actor(), *account, until, reason));
                     return JsonResponse(
                         201, {{"account_id", *account}, {"until", core::FormatRfc3339(until)}});
                   });
                 },
             .request_body = true});
}

}  // namespace fg::api
