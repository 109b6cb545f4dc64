// The API of a real floorguard over real TCP: roles, CSRF, sessions, errors, audit, events,
// metrics, headers, restart and graceful stop.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <thread>

#include "app/runtime.h"
#include "audit/audit.h"
#include "server_fixture.h"
#include "store/store.h"

namespace fg::test {
namespace {

using namespace std::chrono_literals;

bool Contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

std::string Upper(std::string text) {
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

int64_t Id(const Json& object) { return object.is_object() ? object.value("id", int64_t{0}) : 0; }

// Every route the server registers (api.cc, auth_routes.cc, directory_routes.cc,
// audit_routes.cc). OpenAPI must describe each of them.
const std::vector<std::string> kExpectedPaths = {
    "/healthz",
    "/metrics",
    "/api/openapi.json",
    "/api/v1/session",
    "/api/v1/session/password",
    "/api/v1/users",
    "/api/v1/users/{id}",
    "/api/v1/users/{id}/reset",
    "/api/v1/users/{id}/unlock",
    "/api/v1/users/{id}/totp",
    "/api/v1/me/totp",
    "/api/v1/me/totp/enrol",
    "/api/v1/me/totp/confirm",
    "/api/v1/tokens",
    "/api/v1/tokens/{id}",
    "/api/v1/people",
    "/api/v1/people/{id}",
    "/api/v1/campaigns",
    "/api/v1/campaigns/{id}",
    "/api/v1/training",
    "/api/v1/training/{id}",
    "/api/v1/sites",
    "/api/v1/sites/{id}",
    "/api/v1/zones",
    "/api/v1/zones/{id}",
    "/api/v1/stations",
    "/api/v1/stations/{id}",
    "/api/v1/directory/counts",
    "/api/v1/audit",
    "/api/v1/alerts",
    "/api/v1/alerts/{id}",
    "/api/v1/alerts/{id}/acknowledge",
    "/api/v1/alerts/{id}/resolve",
    "/api/v1/log-events",
    "/api/v1/log-events/counts",
    "/api/v1/bans",
    "/api/v1/bans/lift",
    "/api/v1/access/decide",
    "/api/v1/access/doors",
    "/api/v1/access/badges",
    "/api/v1/access/badges/{id}",
    "/api/v1/access/doors/{id}",
    "/api/v1/access/grants",
    "/api/v1/access/grants/{id}",
    "/api/v1/access/zones",
    "/api/v1/access/zones/{id}",
    "/api/v1/access/holidays",
    "/api/v1/access/holidays/{site_id}/{date}",
    "/api/v1/access/passages",
    "/api/v1/people/{id}/campaigns",
    // access_offline_routes.cc
    "/api/v1/access/cache",
    "/api/v1/access/cache/key",
    "/api/v1/access/offline-events",
    // visitor_routes.cc
    "/api/v1/access/visits",
    "/api/v1/access/visits/{id}/checkout",
    "/api/v1/access/visits/{id}/photo",
    "/api/v1/access/lockers",
    "/api/v1/access/lockers/{id}",
    "/api/v1/access/muster",
    "/api/v1/access/occupancy",
    // door_event_routes.cc
    "/api/v1/access/door-events",
    "/api/v1/access/door-states",
    "/api/v1/access/violations",
    "/api/v1/access/devices",
    "/api/v1/access/devices/{id}",
    "/api/v1/access/device-episodes",
    "/api/v1/access/sightings",
    "/api/v1/events/stream",
    // identity_routes.cc
    "/api/v1/logon",
    "/api/v1/logoff",
    "/api/v1/lock",
    "/api/v1/unlock",
    "/api/v1/heartbeat",
    "/api/v1/logon/password",
    "/api/v1/presence",
    "/api/v1/accounts",
    "/api/v1/accounts/locked",
    "/api/v1/accounts/{id}",
    "/api/v1/accounts/{id}/reset-password",
    "/api/v1/accounts/{id}/unlock",
    "/api/v1/accounts/{id}/totp",
    "/api/v1/accounts/{id}/totp/enrol",
    "/api/v1/accounts/{id}/totp/confirm",
    "/api/v1/floor",
    "/api/v1/stations/{id}/history",
    "/api/v1/people/{id}/logons",
    "/api/v1/logons/failed",
    // recording_routes.cc
    "/api/v1/calls",
    "/api/v1/calls/completeness",
    "/api/v1/calls/{id}",
    "/api/v1/calls/{id}/audio",
    "/api/v1/calls/{id}/pause",
    "/api/v1/calls/{id}/resume",
    "/api/v1/cdrs",
    "/api/v1/recording/extensions",
    "/api/v1/recording/extensions/{extension}",
    "/api/v1/recording/supervisors/{id}/campaigns",
    "/api/v1/recording/grants",
};

// Where an admin is refused by design (separation of duties): listening to calls and
// granting listening are for security; pausing is for the agent's desktop and supervisors.
const std::set<std::string> kAdminRefusedByDesign = {
    "GET /api/v1/calls/{id}/audio", "POST /api/v1/calls/{id}/pause",
    "POST /api/v1/calls/{id}/resume", "POST /api/v1/recording/grants"};

// One of each directory resource, so every {id} names something real.
struct Fixtures {
  int64_t site = 0, zone = 0, campaign = 0, station = 0, person = 0, training = 0;
};

class ApiTest : public ServerTest {
 protected:
  Fixtures CreateFixtures() {
    Fixtures f;
    f.site = Id(CallJson(201, "POST", "/api/v1/sites", &admin_,
                         Json{{"name", "Integration HQ"}, {"timezone", "America/Chicago"}}));
    f.zone =
        Id(CallJson(201, "POST", "/api/v1/zones", &admin_,
                    Json{{"site_id", f.site}, {"name", "Floor 1"}, {"classification", "staff"}}));
    f.campaign = Id(CallJson(201, "POST", "/api/v1/campaigns", &admin_,
                             Json{{"code", "NW"}, {"name", "Northwind"}}));
    f.station = Id(CallJson(
        201, "POST", "/api/v1/stations", &admin_,
        Json{{"workstation_id", "WS-001"}, {"zone_id", f.zone}, {"campaign_id", f.campaign}}));
    f.person = Id(
        CallJson(201, "POST", "/api/v1/people", &admin_,
                 Json{{"kind", "employee"}, {"employee_number", "E1001"}, {"name", "Ada Byron"}}));
    f.training = Id(CallJson(
        201, "POST", "/api/v1/training", &admin_,
        Json{
            {"person_id", f.person}, {"campaign_id", f.campaign}, {"completed_on", "2024-01-15"}}));
    return f;
  }
};

// --- 1. Role matrix -------------------------------------------------------------------------

TEST_F(ApiTest, RoleMatrixRefusesEveryRoleARouteDoesNotListAndAuditsTheRefusal) {
  ASSERT_FALSE(HasFailure());
  Fixtures f = CreateFixtures();
  std::map<std::string, Credentials> callers;
  callers["admin"] = admin_;
  callers["security"] = AddConsoleUser("sec-officer", "security");
  callers["supervisor"] = AddConsoleUser("floor-super", "supervisor");
  callers["auditor"] = AddConsoleUser("the-auditor", "auditor");
  callers["door-controller"] = AddDeviceToken("door-1", "door-controller");
  callers["workstation"] = AddDeviceToken("ws-1", "workstation", f.station);
  callers["pbx"] = AddDeviceToken("pbx-1", "pbx");
  callers["sensor"] = AddDeviceToken("sensor-1", "sensor");
  callers["monitor"] = AddDeviceToken("scraper-1", "monitor");
  ASSERT_FALSE(HasFailure());
  ASSERT_TRUE(AuditEntries("action=api.denied").empty()) << "denials before the matrix ran";

  const std::map<std::string, int64_t> ids = {{"people", f.person},
                                              {"campaigns", f.campaign},
                                              {"training", f.training},
                                              {"sites", f.site},
                                              {"zones", f.zone},
                                              {"stations", f.station},
                                              {"users", callers["auditor"].id},
                                              {"tokens", callers["sensor"].id},
                                              // Only refusals are tried: any id will do.
                                              {"accounts", 1},
                                              {"alerts", 1},
                                              {"access", 1},
                                              {"calls", 1},
                                              {"recording", 1}};

  Json openapi = CallJson(200, "GET", "/api/openapi.json", nullptr);
  ASSERT_TRUE(openapi.contains("paths"));

  std::map<std::string, size_t> denials_by_actor;
  int operations = 0;
  int public_operations = 0;
  int admin_refusals = 0;
  for (const auto& [pattern, operations_of_path] : openapi["paths"].items()) {
    std::string target = pattern;
    if (size_t brace = target.find("{id}"); brace != std::string::npos) {
      std::string resource = target.substr(8, target.find('/', 8) - 8);  // after "/api/v1/"
      ASSERT_TRUE(ids.contains(resource)) << "no fixture id for " << pattern;
      target.replace(brace, 4, std::to_string(ids.at(resource)));
    }
    // Other path parameters: only refusals are tried, so any value will do.
    for (const auto& [name, value] :
         {std::pair<std::string, std::string>{"{site_id}", "1"},
          {"{date}", "2027-01-01"},
          {"{extension}", "1001"}}) {
      if (size_t at = target.find(name); at != std::string::npos) {
        target.replace(at, name.size(), value);
      }
    }
    ASSERT_EQ(target.find('{'), std::string::npos) << "unsubstituted parameter in " << pattern;
    for (const auto& [method_lower, operation] : operations_of_path.items()) {
      ++operations;
      std::string method = Upper(method_lower);
      std::set<std::string> admitted;
      for (const Json& role : operation.at("x-roles")) admitted.insert(role.get<std::string>());
      if (admitted.empty()) {
        ++public_operations;
        continue;
      }
      std::optional<Json> body;
      if (method == "POST" || method == "PATCH" || method == "PUT") body = Json::object();
      // A workstation's own logon calls admit only devices: even an admin is refused there.
      const std::set<std::string> kDeviceRoles = {"door-controller", "workstation", "pbx", "sensor",
                                                  "monitor"};
      bool device_only = std::all_of(admitted.begin(), admitted.end(), [&](const std::string& r) {
        return kDeviceRoles.contains(r);
      });

      HttpResponse anonymous = Call(method, target, nullptr, body);
      EXPECT_EQ(anonymous.status, 401) << method << " " << target << " without credentials";

      for (const auto& [role, who] : callers) {
        if (admitted.contains(role)) continue;
        HttpResponse refused = Call(method, target, &who, body);
        EXPECT_EQ(refused.status, 403)
            << method << " " << target << " as " << role << ": " << refused.body;
        EXPECT_EQ(refused.Header("content-type").value_or(""), "application/problem+json")
            << method << " " << target << " as " << role;
        EXPECT_TRUE(Contains(refused.body, "role " + role))
            << "refused for another reason than the role: " << refused.body;
        ++denials_by_actor[who.Actor()];
        if (role == "admin" && !device_only &&
            !kAdminRefusedByDesign.contains(method + " " + pattern)) {
          ++admin_refusals;
        }
      }
    }
  }
  // The table has ~50 operations; a broken OpenAPI document must not pass vacuously.
  EXPECT_GE(operations, 45);
  EXPECT_EQ(public_operations, 3) << "POST /api/v1/session, /healthz, /api/openapi.json";
  EXPECT_EQ(admin_refusals, 0) << "admin refused outside device-only routes";
  for (const char* role : {"door-controller", "workstation", "pbx", "sensor", "monitor", "security",
                           "supervisor", "auditor"}) {
    EXPECT_GT(denials_by_actor[callers[role].Actor()], 0u) << role << " was never refused";
  }

  // Each refusal of an authenticated caller left exactly one api.denied entry, by that caller.
  size_t total = 0;
  for (const auto& [actor, count] : denials_by_actor) {
    auto entries = AuditEntries("action=api.denied&actor=" + UrlEncode(actor));
    EXPECT_EQ(entries.size(), count) << "api.denied entries of " << actor;
    total += count;
    for (const Json& entry : entries) {
      EXPECT_EQ(entry["actor"], actor);
      EXPECT_TRUE(entry["subject"].get<std::string>().starts_with("route:/"));
      EXPECT_TRUE(entry["details"].contains("method"));
      EXPECT_TRUE(entry["details"].contains("path"));
      EXPECT_TRUE(entry["details"].contains("role"));
    }
  }
  EXPECT_EQ(AuditEntries("action=api.denied").size(), total);
  RecordProperty("operations", operations);
  RecordProperty("denials", static_cast<int>(total));
}

// --- 2. CSRF --------------------------------------------------------------------------------

TEST_F(ApiTest, CsrfCookieWritesMustEchoTheCsrfCookieBearerTokensNeedNone) {
  ASSERT_FALSE(HasFailure());
  Json campaign = {{"code", "CSRF"}, {"name", "Csrf campaign"}};

  HttpResponse missing = Call("POST", "/api/v1/campaigns", &admin_, campaign, Csrf::kOmit);
  EXPECT_EQ(missing.status, 403) << missing.body;
  EXPECT_TRUE(Contains(missing.body, "CSRF")) << missing.body;

  HttpResponse wrong = Call("POST", "/api/v1/campaigns", &admin_, campaign, Csrf::kOmit,
                            {{"X-CSRF-Token", "not-the-token"}});
  EXPECT_EQ(wrong.status, 403) << wrong.body;

  // A forged pair (header equal to a forged cookie) is not this session's token either.
  Credentials forged = admin_;
  forged.csrf = "forged-csrf-token-value";
  HttpResponse forged_pair = Call("POST", "/api/v1/campaigns", &forged, campaign);
  EXPECT_EQ(forged_pair.status, 403) << forged_pair.body;

  HttpResponse right = Call("POST", "/api/v1/campaigns", &admin_, campaign);
  EXPECT_EQ(right.status, 201) << right.body;
  std::string item = "/api/v1/campaigns/" + std::to_string(Id(ParseJson(right.body)));
  EXPECT_EQ(Call("PATCH", item, &admin_, Json{{"name", "x"}}, Csrf::kOmit).status, 403);
  EXPECT_EQ(Call("DELETE", item, &admin_, std::nullopt, Csrf::kOmit).status, 403);
  EXPECT_EQ(CallJson(200, "GET", item, &admin_)["name"], "Csrf campaign");

  Json list = CallJson(200, "GET", "/api/v1/campaigns", &admin_);
  EXPECT_EQ(list["items"].size(), 1u) << "a refused write created something";

  // A bearer token authenticates without any cookie or CSRF header. No route admits a device
  // role on an unsafe method today, so the only device call that succeeds is a read; an
  // unsafe one by a device is refused for its role, never for a missing CSRF token.
  Credentials monitor = AddDeviceToken("scraper", "monitor");
  HttpResponse metrics = Call("GET", "/metrics", &monitor);
  EXPECT_EQ(metrics.status, 200) << metrics.body;
  HttpResponse device_write = Call("POST", "/api/v1/campaigns", &monitor, campaign);
  EXPECT_EQ(device_write.status, 403);
  EXPECT_FALSE(Contains(device_write.body, "CSRF")) << device_write.body;
}

// --- 3. Session lifecycle -------------------------------------------------------------------

TEST_F(ApiTest, SessionCookiesAreStrictLogoutEndsTheSessionAndFailedLoginsAreAuditedBlind) {
  ASSERT_FALSE(HasFailure());
  HttpResponse login = Call("POST", "/api/v1/session", nullptr,
                            Json{{"username", "admin"}, {"password", kAdminPassword}});
  ASSERT_EQ(login.status, 200) << login.body;
  EXPECT_EQ(login.Header("cache-control").value_or(""), "no-store");
  std::string session_cookie, csrf_cookie;
  for (const std::string& cookie : login.Headers("set-cookie")) {
    if (cookie.starts_with("fg_session=")) session_cookie = cookie;
    if (cookie.starts_with("csrf=")) csrf_cookie = cookie;
  }
  ASSERT_FALSE(session_cookie.empty());
  ASSERT_FALSE(csrf_cookie.empty());
  EXPECT_TRUE(Contains(session_cookie, "; HttpOnly")) << session_cookie;
  EXPECT_TRUE(Contains(session_cookie, "; SameSite=Strict")) << session_cookie;
  EXPECT_TRUE(Contains(session_cookie, "; Path=/")) << session_cookie;
  EXPECT_TRUE(Contains(csrf_cookie, "; SameSite=Strict")) << csrf_cookie;
  EXPECT_FALSE(Contains(csrf_cookie, "HttpOnly")) << "the console must read it: " << csrf_cookie;

  Credentials who{.name = "admin"};
  who.session = session_cookie.substr(11, session_cookie.find(';') - 11);
  who.csrf = csrf_cookie.substr(5, csrf_cookie.find(';') - 5);
  Json me = CallJson(200, "GET", "/api/v1/session", &who);
  EXPECT_EQ(me["user"]["username"], "admin");

  HttpResponse logout = Call("DELETE", "/api/v1/session", &who);
  EXPECT_EQ(logout.status, 204) << logout.body;
  for (const std::string& cookie : logout.Headers("set-cookie")) {
    EXPECT_TRUE(Contains(cookie, "Max-Age=0")) << cookie;
  }
  HttpResponse after = Call("GET", "/api/v1/session", &who);
  EXPECT_EQ(after.status, 401) << "the old cookie still works after logout";
  EXPECT_EQ(Call("GET", "/api/v1/people", &who).status, 401);

  const std::string wrong_password = "Wrong-Password-For-Test-99";
  HttpResponse denied = Call("POST", "/api/v1/session", nullptr,
                             Json{{"username", "admin"}, {"password", wrong_password}});
  EXPECT_EQ(denied.status, 401);
  EXPECT_EQ(denied.Header("content-type").value_or(""), "application/problem+json");
  EXPECT_TRUE(denied.Headers("set-cookie").empty());
  Json problem = ParseJson(denied.body);
  ASSERT_TRUE(problem.is_object()) << denied.body;
  EXPECT_EQ(problem["status"], 401);
  // One answer for a wrong password and an unknown user.
  HttpResponse unknown = Call("POST", "/api/v1/session", nullptr,
                              Json{{"username", "nobody-here"}, {"password", wrong_password}});
  EXPECT_EQ(unknown.status, 401);
  EXPECT_EQ(ParseJson(unknown.body)["detail"], problem["detail"]);

  auto entries = AuditEntries("action=session.login.denied");
  ASSERT_GE(entries.size(), 2u);
  for (const Json& entry : entries) {
    EXPECT_FALSE(Contains(entry.dump(), wrong_password)) << entry.dump();
  }
  HttpResponse whole_trail = Call("GET", "/api/v1/audit?limit=500", &admin_);
  EXPECT_FALSE(Contains(whole_trail.body, wrong_password));
  EXPECT_FALSE(Contains(whole_trail.body, kAdminPassword));
}

// --- 4. Problem JSON ------------------------------------------------------------------------

TEST_F(ApiTest, ProblemJsonForBadBodiesOversizeBodiesUnknownRoutesAndWrongMethods) {
  ASSERT_FALSE(HasFailure());
  auto expect_problem = [](const HttpResponse& r, int status, const std::string& field) {
    EXPECT_EQ(r.status, status) << r.body;
    EXPECT_EQ(r.Header("content-type").value_or(""), "application/problem+json");
    Json problem = ParseJson(r.body);
    ASSERT_TRUE(problem.is_object()) << r.body;
    EXPECT_EQ(problem["status"], status)
        << (status == 405 ? "BUG (src/api/api.cc Dispatch and ServeAsset): the 405 is built as "
                            "Problem(kInvalidArgument) with only Response::status overridden, so "
                            "the problem+json body says status 400 / invalid_argument; RFC 9457 "
                            "wants the body's status to equal the HTTP status. "
                          : "")
        << r.body;
    if (!field.empty()) {
      ASSERT_TRUE(problem.contains("errors")) << r.body;
      EXPECT_EQ(problem["errors"][0]["field"], field) << r.body;
    }
  };

  // Malformed JSON, sent by hand: Call() only sends well-formed bodies.
  HttpRequest raw{.method = "POST",
                  .target = "/api/v1/campaigns",
                  .headers = {{"Cookie", "fg_session=" + admin_.session + "; csrf=" + admin_.csrf},
                              {"X-CSRF-Token", admin_.csrf},
                              {"Content-Type", "application/json"}},
                  .body = "{\"code\": \"X\", \"name\": "};
  auto malformed = Fetch(port(), raw);
  ASSERT_TRUE(malformed) << malformed.error;
  expect_problem(*malformed, 400, "body");
  // An empty body is refused the same way.
  HttpResponse empty = Call("POST", "/api/v1/campaigns", &admin_, std::nullopt, Csrf::kSend,
                            {{"Content-Type", "application/json"}});
  expect_problem(empty, 400, "body");

  HttpResponse unknown_field = Call("POST", "/api/v1/campaigns", &admin_,
                                    Json{{"code", "X"}, {"name", "Y"}, {"colour", "red"}});
  expect_problem(unknown_field, 400, "colour");

  // Over max_body_bytes (1 MiB): refused from the Content-Length alone.
  auto connection = Connection::Open(port());
  ASSERT_TRUE(connection);
  HttpRequest oversize = raw;
  oversize.body = std::string((1 << 20) + 1, ' ');
  ASSERT_TRUE(connection->WriteRequest(oversize, /*send_body=*/false));
  auto too_large = connection->ReadResponse(In(10s));
  ASSERT_TRUE(too_large) << too_large.error;
  EXPECT_EQ(too_large->status, 413) << too_large->body;
  EXPECT_EQ(too_large->Header("content-type").value_or(""), "application/problem+json");

  expect_problem(Call("GET", "/api/v1/no-such-thing", &admin_), 404, "");
  expect_problem(Call("GET", "/api/v1/no-such-thing", nullptr), 404, "");

  HttpResponse wrong_method = Call("PUT", "/api/v1/people", &admin_, Json::object());
  expect_problem(wrong_method, 405, "");
  std::string allow = wrong_method.Header("allow").value_or("");
  EXPECT_TRUE(Contains(allow, "GET") && Contains(allow, "POST")) << "Allow: " << allow;
  EXPECT_FALSE(Contains(allow, "PUT")) << "Allow: " << allow;
  HttpResponse console_post = Call("POST", "/", nullptr, Json::object());
  expect_problem(console_post, 405, "");
  EXPECT_EQ(console_post.Header("allow").value_or(""), "GET, HEAD");

  expect_problem(Call("GET", "/api/v1/people/not-a-number", &admin_), 400, "id");
  expect_problem(Call("GET", "/api/v1/people/999999", &admin_), 404, "");
}

// --- 5. Audit API ---------------------------------------------------------------------------

TEST_F(ApiTest, AuditApiFiltersPagesAndAdmitsAuditorsButNotSupervisors) {
  ASSERT_FALSE(HasFailure());
  int64_t first = Id(
      CallJson(201, "POST", "/api/v1/campaigns", &admin_, Json{{"code", "A1"}, {"name", "Alpha"}}));
  int64_t second = Id(
      CallJson(201, "POST", "/api/v1/campaigns", &admin_, Json{{"code", "B2"}, {"name", "Bravo"}}));
  CallJson(201, "POST", "/api/v1/people", &admin_,
           Json{{"kind", "visitor"}, {"name", "Grace Hopper"}});
  Credentials auditor = AddConsoleUser("the-auditor", "auditor");
  Credentials supervisor = AddConsoleUser("floor-super", "supervisor");
  ASSERT_FALSE(HasFailure());

  auto all = AuditEntries("");
  ASSERT_GE(all.size(), 8u);
  for (size_t i = 1; i < all.size(); ++i) {
    EXPECT_GT(all[i - 1]["seq"].get<int64_t>(), all[i]["seq"].get<int64_t>()) << "newest first";
  }

  // action: exact, and a prefix ending in '.'.
  auto creates = AuditEntries("action=campaign.create");
  ASSERT_EQ(creates.size(), 2u);
  EXPECT_EQ(creates[0]["subject"], "campaign:" + std::to_string(second));
  EXPECT_EQ(creates[1]["subject"], "campaign:" + std::to_string(first));
  EXPECT_EQ(AuditEntries("action=campaign.").size(), 2u);
  EXPECT_EQ(AuditEntries("action=person.create").size(), 1u);

  // actor
  auto by_system = AuditEntries("actor=system");
  ASSERT_FALSE(by_system.empty());
  for (const Json& e : by_system) EXPECT_EQ(e["actor"], "system");
  auto by_auditor = AuditEntries("actor=" + UrlEncode(auditor.Actor()));
  ASSERT_FALSE(by_auditor.empty());
  for (const Json& e : by_auditor) EXPECT_EQ(e["actor"], auditor.Actor());

  // subject
  auto about_first = AuditEntries("subject=campaign:" + std::to_string(first));
  ASSERT_EQ(about_first.size(), 1u);
  EXPECT_EQ(about_first[0]["action"], "campaign.create");

  // from (inclusive) / to (exclusive), as RFC 3339 times taken from the trail itself.
  std::string t_first = creates[1]["time"], t_second = creates[0]["time"];
  ASSERT_LT(t_first, t_second);
  auto from_second = AuditEntries("action=campaign.create&from=" + UrlEncode(t_second));
  ASSERT_EQ(from_second.size(), 1u);
  EXPECT_EQ(from_second[0]["seq"], creates[0]["seq"]);
  auto before_second = AuditEntries("action=campaign.create&to=" + UrlEncode(t_second));
  ASSERT_EQ(before_second.size(), 1u);
  EXPECT_EQ(before_second[0]["seq"], creates[1]["seq"]);
  auto window = AuditEntries("from=" + UrlEncode(t_first) + "&to=" + UrlEncode(t_second));
  for (const Json& e : window) {
    EXPECT_GE(e["time"].get<std::string>(), t_first);
    EXPECT_LT(e["time"].get<std::string>(), t_second);
  }
  EXPECT_EQ(Call("GET", "/api/v1/audit?from=yesterday", &admin_).status, 400);

  // Cursor paging: pages of 3 walk the same trail, newest first, without gaps or repeats.
  std::vector<int64_t> paged;
  std::string cursor;
  for (int page = 0; page < 100; ++page) {
    std::string target = "/api/v1/audit?limit=3";
    if (!cursor.empty()) target += "&cursor=" + UrlEncode(cursor);
    Json body = CallJson(200, "GET", target, &admin_);
    ASSERT_TRUE(body.is_object());
    EXPECT_LE(body["items"].size(), 3u);
    for (const Json& e : body["items"]) paged.push_back(e["seq"].get<int64_t>());
    if (body["next_cursor"].is_null()) break;
    cursor = body["next_cursor"].get<std::string>();
  }
  // Entries appended while paging (none: reads are not audited) would show up as extras.
  std::vector<int64_t> expected;
  for (const Json& e : AuditEntries("")) expected.push_back(e["seq"].get<int64_t>());
  EXPECT_EQ(paged, expected);
  EXPECT_EQ(Call("GET", "/api/v1/audit?cursor=garbage", &admin_).status, 400);

  // Who may read it.
  EXPECT_EQ(Call("GET", "/api/v1/audit", &auditor).status, 200);
  EXPECT_EQ(Call("GET", "/api/v1/audit", &supervisor).status, 403);
}

// --- 6. Event stream ------------------------------------------------------------------------

TEST_F(ApiTest, EventStreamDeliversAnAuditEventForAPersonCreatedAfterItOpened) {
  ASSERT_FALSE(HasFailure());
  auto stream = Connection::Open(port());
  ASSERT_TRUE(stream);
  ASSERT_TRUE(stream->WriteRequest(
      {.method = "GET",
       .target = "/api/v1/events/stream",
       .headers = {{"Cookie", "fg_session=" + admin_.session + "; csrf=" + admin_.csrf},
                   {"Accept", "text/event-stream"}}}));
  auto head = stream->ReadHead(In(5s));
  ASSERT_TRUE(head) << head.error;
  ASSERT_EQ(head->status, 200);
  EXPECT_TRUE(Contains(head->Header("content-type").value_or(""), "text/event-stream"));

  // The handler fixed its starting point before answering: this entry comes after it.
  int64_t person = Id(CallJson(201, "POST", "/api/v1/people", &admin_,
                               Json{{"kind", "visitor"}, {"name", "Stream Visitor"}}));
  ASSERT_GT(person, 0);

  std::string text;
  std::optional<Json> seen;
  Deadline deadline = In(5s);
  while (!seen && std::chrono::steady_clock::now() < deadline) {
    if (!stream->ReadStream(&text, deadline)) break;
    for (const SseEvent& event : TakeEvents(&text)) {
      if (event.event != "audit") continue;
      Json data = ParseJson(event.data);
      ASSERT_TRUE(data.is_object()) << event.data;
      EXPECT_EQ(event.id, std::to_string(data["seq"].get<int64_t>()));
      if (data["action"] == "person.create") seen = data;
    }
  }
  ASSERT_TRUE(seen) << "no person.create event within 5 s; left over: " << text;
  EXPECT_EQ((*seen)["subject"], "person:" + std::to_string(person));
  EXPECT_EQ((*seen)["actor"], "user:admin");

  // Logging out ends the stream of that session: the logout's own entry wakes it, and it
  // re-checks the session before sending anything more.
  EXPECT_EQ(Call("DELETE", "/api/v1/session", &admin_).status, 204);
  bool ended = false;
  deadline = In(5s);
  while (std::chrono::steady_clock::now() < deadline) {
    if (!stream->ReadStream(&text, deadline)) {
      ended = true;
      break;
    }
  }
  EXPECT_TRUE(ended) << "the stream outlived its session";
  for (const SseEvent& event : TakeEvents(&text)) {
    EXPECT_NE(ParseJson(event.data)["action"], "session.logout")
        << "an entry was sent after the session ended";
  }
}

// --- 7. Every write audited -----------------------------------------------------------------

TEST_F(ApiTest, EveryCampaignWriteIsAuditedInOrderAndTheTrailVerifiesAfterStop) {
  ASSERT_FALSE(HasFailure());
  int64_t id = Id(CallJson(201, "POST", "/api/v1/campaigns", &admin_,
                           Json{{"code", "AUD"}, {"name", "Audited"}}));
  ASSERT_GT(id, 0);
  Json patched = CallJson(200, "PATCH", "/api/v1/campaigns/" + std::to_string(id), &admin_,
                          Json{{"name", "Audited again"}, {"active", false}});
  EXPECT_EQ(patched["name"], "Audited again");
  EXPECT_EQ(Call("DELETE", "/api/v1/campaigns/" + std::to_string(id), &admin_).status, 204);
  EXPECT_EQ(Call("GET", "/api/v1/campaigns/" + std::to_string(id), &admin_).status, 404);

  auto trail = AuditEntries("subject=campaign:" + std::to_string(id));
  ASSERT_EQ(trail.size(), 3u);
  // Newest first.
  EXPECT_EQ(trail[2]["action"], "campaign.create");
  EXPECT_EQ(trail[1]["action"], "campaign.update");
  EXPECT_EQ(trail[0]["action"], "campaign.delete");
  for (const Json& e : trail) EXPECT_EQ(e["actor"], "user:admin");
  EXPECT_LT(trail[2]["seq"].get<int64_t>(), trail[1]["seq"].get<int64_t>());
  EXPECT_LT(trail[1]["seq"].get<int64_t>(), trail[0]["seq"].get<int64_t>());
  EXPECT_EQ(AuditEntries("action=campaign.").size(), 3u);

  StopServer();
  std::filesystem::path dir = config_.data_dir;
  auto db =
      store::Database::Open({.path = (dir / app::kDatabaseFile).string(), .read_connections = 1});
  ASSERT_TRUE(db) << db.error().ToString();
  auto key = audit::LoadPublicKey(dir / audit::Signer::kPublicKeyFile);
  ASSERT_TRUE(key) << key.error().ToString();
  auto report = audit::Verify(**db, *key);
  ASSERT_TRUE(report) << report.error().ToString();
  EXPECT_TRUE(report->intact) << "first bad seq " << report->first_bad_seq.value_or(-1) << ": "
                              << report->problem;
  EXPECT_GE(report->checkpoints, 1) << "Stop() writes a final checkpoint";
  EXPECT_EQ(report->last_seq, report->entries);
  EXPECT_GE(report->entries, 6);  // admin, start, login, 3 campaign writes, stop
}

// --- 8. Metrics and health ------------------------------------------------------------------

TEST_F(ApiTest, HealthMetricsAndOpenApiDescribeTheRunningServer) {
  ASSERT_FALSE(HasFailure());
  HttpResponse health = Call("GET", "/healthz", nullptr);
  EXPECT_EQ(health.status, 200);
  EXPECT_TRUE(Contains(health.Header("content-type").value_or(""), "application/json"));
  EXPECT_EQ(ParseJson(health.body)["status"], "ok") << health.body;

  HttpResponse metrics = Call("GET", "/metrics", &admin_);
  ASSERT_EQ(metrics.status, 200) << metrics.body;
  EXPECT_TRUE(metrics.Header("content-type").value_or("").starts_with("text/plain"));
  EXPECT_TRUE(Contains(metrics.body, "floorguard_http_requests_total{method=\"GET\",code=\"2xx\"}"))
      << metrics.body;
  EXPECT_TRUE(
      Contains(metrics.body, "floorguard_http_requests_total{method=\"POST\",code=\"2xx\"}"))
      << "the login";
  EXPECT_TRUE(Contains(metrics.body, "\nfloorguard_audit_last_seq ")) << metrics.body;
  EXPECT_FALSE(Contains(metrics.body, "\nfloorguard_audit_last_seq 0\n")) << "entries exist";
  EXPECT_EQ(Call("GET", "/metrics", nullptr).status, 401);

  HttpResponse openapi = Call("GET", "/api/openapi.json", nullptr);
  ASSERT_EQ(openapi.status, 200);
  EXPECT_TRUE(Contains(openapi.Header("content-type").value_or(""), "application/json"));
  Json doc = ParseJson(openapi.body);
  ASSERT_TRUE(doc.is_object()) << "not valid JSON";
  EXPECT_EQ(doc["openapi"], "3.0.3");
  ASSERT_TRUE(doc["paths"].is_object());
  for (const std::string& path : kExpectedPaths) {
    EXPECT_TRUE(doc["paths"].contains(path)) << "OpenAPI lacks " << path;
  }
  EXPECT_EQ(doc["paths"].size(), kExpectedPaths.size()) << doc["paths"].dump();
  for (const auto& [path, operations] : doc["paths"].items()) {
    for (const auto& [method, operation] : operations.items()) {
      EXPECT_TRUE(operation.contains("x-roles") && operation["x-roles"].is_array())
          << method << " " << path;
      EXPECT_TRUE(operation.contains("summary")) << method << " " << path;
    }
  }
}

// --- 9. Security headers --------------------------------------------------------------------

TEST_F(ApiTest, SecurityHeadersOnApiAndConsoleResponses) {
  ASSERT_FALSE(HasFailure());
  auto expect_common = [](const HttpResponse& r, const std::string& what) {
    EXPECT_EQ(r.Header("x-content-type-options").value_or(""), "nosniff") << what;
    EXPECT_TRUE(Contains(r.Header("content-security-policy").value_or(""), "default-src 'self'"))
        << what;
    EXPECT_TRUE(
        Contains(r.Header("content-security-policy").value_or(""), "frame-ancestors 'none'"))
        << what;
    EXPECT_EQ(r.Header("x-frame-options").value_or(""), "DENY") << what;
  };
  struct Probe {
    std::string method, target;
    const Credentials* who;
    int status;
  };
  for (const Probe& p : std::vector<Probe>{{"GET", "/api/v1/people", &admin_, 200},
                                           {"GET", "/api/v1/people", nullptr, 401},
                                           {"GET", "/api/v1/nowhere", nullptr, 404},
                                           {"GET", "/healthz", nullptr, 200},
                                           {"GET", "/api/openapi.json", nullptr, 200}}) {
    HttpResponse r = Call(p.method, p.target, p.who);
    std::string what = p.method + " " + p.target;
    EXPECT_EQ(r.status, p.status) << what;
    expect_common(r, what);
    EXPECT_EQ(r.Header("cache-control").value_or(""), "no-store") << what;
  }
  HttpResponse console = Call("GET", "/", nullptr);
  EXPECT_EQ(console.status, 200);
  EXPECT_TRUE(console.Header("content-type").value_or("").starts_with("text/html"))
      << console.Header("content-type").value_or("(none)");
  EXPECT_FALSE(console.body.empty());
  expect_common(console, "GET /");
  EXPECT_NE(console.Header("cache-control").value_or(""), "");
}

// --- 10. Persistence and restart ------------------------------------------------------------

TEST_F(ApiTest, DataSurvivesARestartAndTheFirstAdminIsCreatedOnlyOnce) {
  ASSERT_FALSE(HasFailure());
  int64_t person = Id(CallJson(
      201, "POST", "/api/v1/people", &admin_,
      Json{{"kind", "employee"}, {"employee_number", "E4242"}, {"name", "Persistent Pat"}}));
  ASSERT_GT(person, 0);

  StopServer();
  // A password left in the environment (here one the policy would refuse) neither touches
  // the existing admin nor stops the restart.
  ::setenv("FLOORGUARD_ADMIN_PASSWORD", "admin", 1);
  StartServer();
  ::setenv("FLOORGUARD_ADMIN_PASSWORD", kAdminPassword, 1);
  ASSERT_TRUE(server_);
  admin_ = Login("admin", kAdminPassword);
  ASSERT_FALSE(HasFailure());

  Json got = CallJson(200, "GET", "/api/v1/people/" + std::to_string(person), &admin_);
  EXPECT_EQ(got["name"], "Persistent Pat");
  EXPECT_EQ(got["employee_number"], "E4242");

  Json users = CallJson(200, "GET", "/api/v1/users", &admin_);
  ASSERT_EQ(users["items"].size(), 1u) << users.dump();
  EXPECT_EQ(users["items"][0]["username"], "admin");
  EXPECT_EQ(users["items"][0]["role"], "admin");
  EXPECT_EQ(AuditEntries("action=user.create").size(), 1u);
  EXPECT_EQ(AuditEntries("action=server.start").size(), 2u);
  EXPECT_EQ(AuditEntries("action=server.stop").size(), 1u);
}

// --- 11. Graceful stop ----------------------------------------------------------------------

// Deterministic without sleeps: Expect: 100-continue makes the server answer "100 Continue"
// once it has read the request head, so the request is provably in flight (the server waits
// for its body) before Stop() is called. Stop() closes the listening socket first, so a
// refused connect proves Stop() is under way before the body is sent.
TEST_F(ApiTest, GracefulStopStillAnswersARequestInFlight) {
  ASSERT_FALSE(HasFailure());
  std::string body =
      Json{{"kind", "employee"}, {"employee_number", "E7777"}, {"name", "In Flight"}}.dump();
  auto connection = Connection::Open(port());
  ASSERT_TRUE(connection);
  HttpRequest request{
      .method = "POST",
      .target = "/api/v1/people",
      .headers = {{"Cookie", "fg_session=" + admin_.session + "; csrf=" + admin_.csrf},
                  {"X-CSRF-Token", admin_.csrf},
                  {"Content-Type", "application/json"},
                  {"Expect", "100-continue"}},
      .body = body};
  ASSERT_TRUE(connection->WriteRequest(request, /*send_body=*/false));
  auto interim = connection->ReadHead(In(5s));
  ASSERT_TRUE(interim) << interim.error;
  ASSERT_EQ(interim->status, 100);

  std::optional<Outcome<HttpResponse>> response;
  {
    std::jthread stopper([this] { server_->Stop(); });
    bool refused = false;
    for (Deadline deadline = In(5s); std::chrono::steady_clock::now() < deadline;) {
      if (!Connection::Open(port())) {
        refused = true;
        break;
      }
    }
    EXPECT_TRUE(refused) << "the listening socket stayed open after Stop()";
    EXPECT_TRUE(connection->Write(body));
    response = connection->ReadResponse(In(10s));
  }  // joins: Stop() has returned
  ASSERT_TRUE(*response) << response->error;
  EXPECT_EQ((*response)->status, 201) << (*response)->body;
  int64_t person = Id(ParseJson((*response)->body));
  ASSERT_GT(person, 0);

  server_.reset();
  StartServer();
  admin_ = Login("admin", kAdminPassword);
  Json got = CallJson(200, "GET", "/api/v1/people/" + std::to_string(person), &admin_);
  EXPECT_EQ(got["name"], "In Flight");
}

}  // namespace
}  // namespace fg::test
