#include "directory/internal/details.h"

namespace fg::directory::internal {

namespace {

template <typename T>
Json Nullable(const std::optional<T>& value) {
  return value ? Json(*value) : Json(nullptr);
}

}  // namespace

std::string DumpJson(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

Json ToJson(const Person& p) {
  return {{"id", p.id},
          {"kind", PersonKindName(p.kind)},
          {"employee_number", Nullable(p.employee_number)},
          {"name", p.name},
          {"status", PersonStatusName(p.status)},
          {"hire_date", Nullable(p.hire_date)},
          {"end_date", Nullable(p.end_date)},
          {"company", p.company},
          {"email", Nullable(p.email)}};
}

Json ToJson(const Campaign& c) {
  return {
      {"id", c.id}, {"code", c.code}, {"name", c.name}, {"client", c.client}, {"active", c.active}};
}

Json ToJson(const TrainingRecord& t) {
  return {{"id", t.id},
          {"person_id", t.person_id},
          {"campaign_id", t.campaign_id},
          {"completed_on", t.completed_on},
          {"expires_on", Nullable(t.expires_on)}};
}

Json ToJson(const Site& s) { return {{"id", s.id}, {"name", s.name}, {"timezone", s.timezone}}; }

Json ToJson(const Zone& z) {
  return {{"id", z.id},
          {"site_id", z.site_id},
          {"name", z.name},
          {"classification", ZoneClassificationName(z.classification)},
          {"parent_id", Nullable(z.parent_id)},
          {"campaign_id", Nullable(z.campaign_id)}};
}

Json ToJson(const Station& s) {
  return {{"id", s.id},
          {"workstation_id", s.workstation_id},
          {"zone_id", s.zone_id},
          {"campaign_id", Nullable(s.campaign_id)},
          {"enabled", s.enabled}};
}

}  // namespace fg::directory::internal
