#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "api/directory_routes.h"
#include "fixture.h"

namespace fg::api {
namespace {

using Json = nlohmann::json;
using http::Method;

class RoutesTest : public directory::DirectoryFixture {
 protected:
  void SetUp() override {
    DirectoryFixture::SetUp();
    AddDirectoryRoutes(table_, *directory_);
    caller_.name = "alice";
    caller_.role = auth::Role::kAdmin;
  }

  const Route* Find(Method method, const std::string& pattern) {
    for (const Route& r : table_.routes()) {
      if (r.method == method && r.pattern == pattern) return &r;
    }
    return nullptr;
  }

  struct Answer {
    int status = 0;
    Json body;
    std::string content_type;
  };

  // Calls the route registered for method+pattern with an optional {id} and query.
  Answer Call(Method method, const std::string& pattern, const std::string& body = "",
              const std::string& id = "",
              std::vector<std::pair<std::string, std::string>> query = {}) {
    const Route* route = Find(method, pattern);
    EXPECT_NE(route, nullptr) << pattern;
    if (route == nullptr) return {};
    http::Request request;
    request.method = method;
    request.path = pattern;
    request.target = pattern;
    request.query = std::move(query);
    request.body = body;
    std::vector<std::pair<std::string, std::string>> params;
    if (!id.empty()) params.emplace_back("id", id);
    Context ctx{.request = request, .caller = &caller_, .params = params};
    http::Response response = route->handler(ctx);
    Answer answer;
    answer.status = response.status;
    for (const auto& [name, value] : response.headers) {
      if (name == "Content-Type") answer.content_type = value;
    }
    if (!response.body.empty()) answer.body = Json::parse(response.body, nullptr, false);
    return answer;
  }

  int64_t Create(const std::string& path, const Json& body) {
    Answer a = Call(Method::kPost, path, body.dump());
    EXPECT_EQ(a.status, 201) << a.body.dump();
    return a.status == 201 ? a.body["id"].get<int64_t>() : 0;
  }

  static std::string FieldOf(const Answer& a) {
    if (!a.body.contains("errors") || a.body["errors"].empty()) return "";
    return a.body["errors"][0]["field"].get<std::string>();
  }

  RouteTable table_;
  Caller caller_;
};

const Json kAda = {{"kind", "employee"}, {"employee_number", "E1001"}, {"name", "Ada Byron"}};

TEST_F(RoutesTest, EveryResourceHasFiveRoutesWithTheDocumentedRoles) {
  struct Expect {
    std::string path;
    std::vector<auth::Role> write;
  };
  std::vector<Expect> resources = {
      {"/api/v1/people", kAdminSecurity},
      {"/api/v1/campaigns", kAdminSecuritySupervisor},
      {"/api/v1/training", kAdminSecuritySupervisor},
      {"/api/v1/sites", kAdminSecurity},
      {"/api/v1/zones", kAdminSecurity},
      {"/api/v1/stations", kAdminSecurity},
  };
  for (const Expect& e : resources) {
    const std::string item = e.path + "/{id}";
    for (auto [method, pattern, roles] :
         std::vector<std::tuple<Method, std::string, std::vector<auth::Role>>>{
             {Method::kGet, e.path, kConsoleRoles},
             {Method::kPost, e.path, e.write},
             {Method::kGet, item, kConsoleRoles},
             {Method::kPatch, item, e.write},
             {Method::kDelete, item, e.write}}) {
      const Route* route = Find(method, pattern);
      ASSERT_NE(route, nullptr) << http::MethodName(method) << " " << pattern;
      EXPECT_EQ(route->roles, roles) << http::MethodName(method) << " " << pattern;
      EXPECT_EQ(route->tag, "directory");
      EXPECT_FALSE(route->summary.empty());
    }
  }
  const Route* counts = Find(Method::kGet, "/api/v1/directory/counts");
  ASSERT_NE(counts, nullptr);
  EXPECT_EQ(counts->roles, kConsoleRoles);
  const Route* assigned = Find(Method::kGet, "/api/v1/people/{id}/campaigns");
  const Route* assign = Find(Method::kPut, "/api/v1/people/{id}/campaigns");
  ASSERT_NE(assigned, nullptr);
  ASSERT_NE(assign, nullptr);
  EXPECT_EQ(assigned->roles, kConsoleRoles);
  EXPECT_EQ(assign->roles, kAdminSecuritySupervisor);
  EXPECT_EQ(table_.routes().size(), 33u);
}

TEST_F(RoutesTest, PostPersonWithoutNameIs400NamingTheField) {
  Answer a = Call(Method::kPost, "/api/v1/people", R"({"kind":"visitor"})");
  EXPECT_EQ(a.status, 400);
  EXPECT_EQ(a.content_type, "application/problem+json");
  EXPECT_EQ(FieldOf(a), "name");
  EXPECT_EQ(a.body["code"], "invalid_argument");
}

TEST_F(RoutesTest, UnknownFieldIs400) {
  Answer a =
      Call(Method::kPost, "/api/v1/people", R"({"kind":"visitor","name":"Vera","nickname":"V"})");
  EXPECT_EQ(a.status, 400);
  EXPECT_EQ(FieldOf(a), "nickname");
}

TEST_F(RoutesTest, MalformedBodyIs400) {
  EXPECT_EQ(Call(Method::kPost, "/api/v1/sites", "{not json").status, 400);
  EXPECT_EQ(FieldOf(Call(Method::kPost, "/api/v1/sites", "[1]")), "body");
  EXPECT_EQ(FieldOf(Call(Method::kPost, "/api/v1/sites", R"({"name":5,"timezone":"UTC"})")),
            "name");
  EXPECT_EQ(FieldOf(Call(Method::kPost, "/api/v1/people", R"({"kind":"alien","name":"X"})")),
            "kind");
}

TEST_F(RoutesTest, ModuleRuleErrorsNameTheField) {
  Answer a = Call(Method::kPost, "/api/v1/people",
                  R"({"kind":"employee","name":"Ada","hire_date":"2023-02-29"})");
  EXPECT_EQ(a.status, 400);
  EXPECT_EQ(FieldOf(a), "employee_number");
  a = Call(Method::kPost, "/api/v1/people",
           R"({"kind":"employee","employee_number":"E1","name":"Ada","hire_date":"2023-02-29"})");
  EXPECT_EQ(FieldOf(a), "hire_date");
}

TEST_F(RoutesTest, DuplicateEmployeeNumberIs409) {
  Create("/api/v1/people", kAda);
  Answer a = Call(Method::kPost, "/api/v1/people", kAda.dump());
  EXPECT_EQ(a.status, 409);
  EXPECT_EQ(FieldOf(a), "employee_number");
  EXPECT_EQ(a.body["code"], "already_exists");
}

TEST_F(RoutesTest, GetMissingIs404AndBadIdIs400) {
  EXPECT_EQ(Call(Method::kGet, "/api/v1/people/{id}", "", "42").status, 404);
  EXPECT_EQ(Call(Method::kPatch, "/api/v1/zones/{id}", "{}", "42").status, 404);
  EXPECT_EQ(Call(Method::kDelete, "/api/v1/stations/{id}", "", "42").status, 404);
  for (std::string bad : {"abc", "0", "-1", "1.5", ""}) {
    Answer a = Call(Method::kGet, "/api/v1/people/{id}", "", bad.empty() ? " " : bad);
    EXPECT_EQ(a.status, 400) << bad;
    EXPECT_EQ(FieldOf(a), "id") << bad;
  }
}

TEST_F(RoutesTest, PersonRoundTripsThroughCreateGetPatchDelete) {
  Answer created = Call(Method::kPost, "/api/v1/people",
                        R"({"kind":"employee","employee_number":"E1001","name":"Ada Byron",
                            "hire_date":"2026-03-01","email":"ada@example.com"})");
  ASSERT_EQ(created.status, 201) << created.body.dump();
  const Json& p = created.body;
  EXPECT_EQ(p["kind"], "employee");
  EXPECT_EQ(p["status"], "active");
  EXPECT_EQ(p["hire_date"], "2026-03-01");
  EXPECT_TRUE(p["end_date"].is_null());
  EXPECT_EQ(p["company"], "");
  EXPECT_EQ(p["created_at"], "2027-01-15T06:00:00.000000Z");
  EXPECT_EQ(p["updated_at"], p["created_at"]);
  std::string id = std::to_string(p["id"].get<int64_t>());

  Answer got = Call(Method::kGet, "/api/v1/people/{id}", "", id);
  EXPECT_EQ(got.status, 200);
  EXPECT_EQ(got.body, p);

  Answer patched =
      Call(Method::kPatch, "/api/v1/people/{id}", R"({"status":"terminated","email":null})", id);
  ASSERT_EQ(patched.status, 200) << patched.body.dump();
  EXPECT_EQ(patched.body["status"], "terminated");
  EXPECT_EQ(patched.body["end_date"], "2027-01-15");
  EXPECT_TRUE(patched.body["email"].is_null());
  EXPECT_EQ(LastAudit().actor, "user:alice");
  EXPECT_EQ(LastAudit().action, "person.update");

  Answer deleted = Call(Method::kDelete, "/api/v1/people/{id}", "", id);
  EXPECT_EQ(deleted.status, 204);
  EXPECT_EQ(LastAudit().action, "person.delete");
  EXPECT_EQ(Call(Method::kGet, "/api/v1/people/{id}", "", id).status, 404);
}

TEST_F(RoutesTest, PatchRejectsNullForFieldsThatCannotBeEmpty) {
  int64_t id = Create("/api/v1/people", kAda);
  Answer a = Call(Method::kPatch, "/api/v1/people/{id}", R"({"name":null})", std::to_string(id));
  EXPECT_EQ(a.status, 400);
  EXPECT_EQ(FieldOf(a), "name");
}

TEST_F(RoutesTest, ListBodyHasItemsAndANextCursor) {
  for (int i = 0; i < 3; ++i) {
    Create("/api/v1/people", {{"kind", "visitor"}, {"name", "V" + std::to_string(i)}});
  }
  Answer first = Call(Method::kGet, "/api/v1/people", "", "", {{"limit", "2"}});
  ASSERT_EQ(first.status, 200);
  ASSERT_EQ(first.body["items"].size(), 2u);
  ASSERT_TRUE(first.body["next_cursor"].is_string());
  Answer second = Call(Method::kGet, "/api/v1/people", "", "",
                       {{"limit", "2"}, {"cursor", first.body["next_cursor"].get<std::string>()}});
  ASSERT_EQ(second.status, 200);
  ASSERT_EQ(second.body["items"].size(), 1u);
  EXPECT_EQ(second.body["items"][0]["name"], "V2");
  EXPECT_TRUE(second.body["next_cursor"].is_null());

  EXPECT_EQ(FieldOf(Call(Method::kGet, "/api/v1/people", "", "", {{"limit", "0"}})), "limit");
  EXPECT_EQ(FieldOf(Call(Method::kGet, "/api/v1/people", "", "", {{"cursor", "zz"}})), "cursor");
}

TEST_F(RoutesTest, ListFiltersComeFromTheQuery) {
  Create("/api/v1/people", kAda);
  Create("/api/v1/people", {{"kind", "visitor"}, {"name", "Vera"}});
  Answer visitors = Call(Method::kGet, "/api/v1/people", "", "", {{"kind", "visitor"}});
  ASSERT_EQ(visitors.body["items"].size(), 1u);
  EXPECT_EQ(visitors.body["items"][0]["name"], "Vera");
  Answer q = Call(Method::kGet, "/api/v1/people", "", "", {{"q", "e1001"}});
  ASSERT_EQ(q.body["items"].size(), 1u);
  EXPECT_EQ(FieldOf(Call(Method::kGet, "/api/v1/people", "", "", {{"kind", "robot"}})), "kind");
  EXPECT_EQ(FieldOf(Call(Method::kGet, "/api/v1/people", "", "", {{"status", "gone"}})), "status");

  Create("/api/v1/campaigns", {{"code", "on"}, {"name", "On"}});
  Create("/api/v1/campaigns", {{"code", "off"}, {"name", "Off"}, {"active", false}});
  Answer active = Call(Method::kGet, "/api/v1/campaigns", "", "", {{"active", "true"}});
  ASSERT_EQ(active.body["items"].size(), 1u);
  EXPECT_EQ(active.body["items"][0]["code"], "ON");
  EXPECT_EQ(FieldOf(Call(Method::kGet, "/api/v1/campaigns", "", "", {{"active", "yes"}})),
            "active");
  EXPECT_EQ(FieldOf(Call(Method::kGet, "/api/v1/zones", "", "", {{"site_id", "x"}})), "site_id");
}

TEST_F(RoutesTest, EveryResourceCanBeCreatedAndListed) {
  int64_t person = Create("/api/v1/people", kAda);
  int64_t campaign = Create("/api/v1/campaigns",
                            {{"code", "acme-care"}, {"name", "Acme care"}, {"client", "Acme"}});
  int64_t training = Create("/api/v1/training", {{"person_id", person},
                                                 {"campaign_id", campaign},
                                                 {"completed_on", "2026-06-01"},
                                                 {"expires_on", "2027-06-01"}});
  int64_t site = Create("/api/v1/sites", {{"name", "Main"}, {"timezone", "Europe/Lisbon"}});
  int64_t floor =
      Create("/api/v1/zones", {{"site_id", site}, {"name", "Floor"}, {"classification", "staff"}});
  int64_t area = Create("/api/v1/zones", {{"site_id", site},
                                          {"name", "Area A"},
                                          {"classification", "secure"},
                                          {"parent_id", floor},
                                          {"campaign_id", campaign}});
  int64_t station =
      Create("/api/v1/stations",
             {{"workstation_id", "WS-A01"}, {"zone_id", area}, {"campaign_id", campaign}});
  EXPECT_GT(training, 0);

  Answer t =
      Call(Method::kGet, "/api/v1/training", "", "", {{"person_id", std::to_string(person)}});
  ASSERT_EQ(t.body["items"].size(), 1u);
  EXPECT_EQ(t.body["items"][0]["expires_on"], "2027-06-01");
  Answer z = Call(Method::kGet, "/api/v1/zones/{id}", "", std::to_string(area));
  EXPECT_EQ(z.body["classification"], "secure");
  EXPECT_EQ(z.body["parent_id"], floor);
  Answer s = Call(Method::kGet, "/api/v1/stations", "", "", {{"zone_id", std::to_string(area)}});
  ASSERT_EQ(s.body["items"].size(), 1u);
  EXPECT_EQ(s.body["items"][0]["id"], station);
  EXPECT_EQ(s.body["items"][0]["enabled"], true);
  EXPECT_EQ(Call(Method::kGet, "/api/v1/sites").body["items"].size(), 1u);

  Answer off = Call(Method::kPatch, "/api/v1/stations/{id}",
                    R"({"enabled":false,"campaign_id":null})", std::to_string(station));
  ASSERT_EQ(off.status, 200) << off.body.dump();
  EXPECT_EQ(off.body["enabled"], false);
  EXPECT_TRUE(off.body["campaign_id"].is_null());
}

TEST_F(RoutesTest, ZoneCannotMoveToAnotherSite) {
  int64_t main = Create("/api/v1/sites", {{"name", "Main"}, {"timezone", "UTC"}});
  int64_t annex = Create("/api/v1/sites", {{"name", "Annex"}, {"timezone", "UTC"}});
  int64_t zone =
      Create("/api/v1/zones", {{"site_id", main}, {"name", "Lobby"}, {"classification", "public"}});
  Answer a = Call(Method::kPatch, "/api/v1/zones/{id}", Json{{"site_id", annex}}.dump(),
                  std::to_string(zone));
  EXPECT_EQ(a.status, 400);
  EXPECT_EQ(FieldOf(a), "site_id");
  Answer same = Call(Method::kPatch, "/api/v1/zones/{id}",
                     Json{{"site_id", main}, {"name", "Front desk"}}.dump(), std::to_string(zone));
  EXPECT_EQ(same.status, 200);
  EXPECT_EQ(same.body["name"], "Front desk");
}

TEST_F(RoutesTest, DeletingSomethingReferencedIs409) {
  int64_t site = Create("/api/v1/sites", {{"name", "Main"}, {"timezone", "UTC"}});
  Create("/api/v1/zones", {{"site_id", site}, {"name", "Lobby"}, {"classification", "public"}});
  Answer a = Call(Method::kDelete, "/api/v1/sites/{id}", "", std::to_string(site));
  EXPECT_EQ(a.status, 409);
  EXPECT_EQ(a.body["code"], "failed_precondition");
  EXPECT_NE(a.body["detail"].get<std::string>().find("1 zone"), std::string::npos);
}

TEST_F(RoutesTest, CountsRouteAnswersTheDashboardNumbers) {
  Create("/api/v1/people", kAda);
  Create("/api/v1/people", {{"kind", "visitor"}, {"name", "Vera"}});
  Answer a = Call(Method::kGet, "/api/v1/directory/counts");
  ASSERT_EQ(a.status, 200);
  EXPECT_EQ(a.body["people"]["employee"], 1);
  EXPECT_EQ(a.body["people"]["visitor"], 1);
  EXPECT_EQ(a.body["stations"], 0);
  EXPECT_EQ(a.body["zones"], 0);
}

}  // namespace
}  // namespace fg::api
