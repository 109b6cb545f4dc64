// Campaign assignments: which campaigns a person works. With valid training they open the
// campaign's secure zones (access) and its stations.
#include <algorithm>

#include "directory/directory.h"
#include "directory/internal/common.h"
#include "directory/internal/details.h"
#include "directory/internal/rows.h"
#include "directory/internal/rules.h"

namespace fg::directory {

namespace {

using namespace internal;

constexpr size_t kMaxAssignments = 100;

Result<std::vector<CampaignAssignment>> LoadAssignments(store::Connection& c,
                                                        std::optional<int64_t> person_id) {
  std::vector<CampaignAssignment> out;
  std::string sql = "SELECT person_id, campaign_id, assigned_at FROM campaign_assignments";
  std::vector<store::Param> args;
  if (person_id) {
    sql += " WHERE person_id = ?";
    args.emplace_back(*person_id);
  }
  sql += " ORDER BY person_id, campaign_id";
  FG_RETURN_IF_ERROR(c.Exec(sql, args, [&](const store::Row& r) {
    out.push_back({.person_id = r.Int(0),
                   .campaign_id = r.Int(1),
                   .assigned_at = core::FromUnixMicros(r.Int(2))});
  }));
  return out;
}

nlohmann::json IdsJson(const std::vector<CampaignAssignment>& assignments) {
  nlohmann::json ids = nlohmann::json::array();
  for (const auto& a : assignments) ids.push_back(a.campaign_id);
  return ids;
}

}  // namespace

Result<std::vector<CampaignAssignment>> Transaction::SetAssignments(
    int64_t person_id, const std::vector<int64_t>& campaign_ids, std::string_view actor) {
  if (campaign_ids.size() > kMaxAssignments) {
    return InvalidArgument("campaign_ids", "at most 100 campaigns");
  }
  FG_ASSIGN_OR_RETURN(auto person, LoadPerson(c_, person_id));
  if (!person) return NotFound("person " + std::to_string(person_id) + " does not exist");
  std::vector<int64_t> wanted = campaign_ids;
  std::sort(wanted.begin(), wanted.end());
  wanted.erase(std::unique(wanted.begin(), wanted.end()), wanted.end());
  if (!wanted.empty() && !MayHoldTraining(person->kind)) {
    return InvalidArgument("person_id", "person " + std::to_string(person_id) + " is " +
                                            std::string(PersonKindName(person->kind)) +
                                            "; only employees and contractors work campaigns");
  }
  for (int64_t id : wanted) {
    FG_ASSIGN_OR_RETURN(auto campaign, LoadCampaign(c_, id));
    if (!campaign) {
      return InvalidArgument("campaign_ids", "campaign " + std::to_string(id) + " does not exist");
    }
  }
  FG_ASSIGN_OR_RETURN(auto before, LoadAssignments(c_, person_id));
  std::vector<int64_t> had;
  for (const auto& a : before) had.push_back(a.campaign_id);
  if (had == wanted) return before;

  const int64_t now = core::ToUnixMicros(directory_.clock_.WallNow());
  for (int64_t id : had) {
    if (!std::binary_search(wanted.begin(), wanted.end(), id)) {
      FG_RETURN_IF_ERROR(
          c_.Exec("DELETE FROM campaign_assignments WHERE person_id = ? AND campaign_id = ?",
                  {person_id, id}));
    }
  }
  for (int64_t id : wanted) {
    if (!std::binary_search(had.begin(), had.end(), id)) {
      FG_RETURN_IF_ERROR(c_.Exec(
          "INSERT INTO campaign_assignments (person_id, campaign_id, assigned_at) VALUES (?, ?, ?)",
          {person_id, id, now}));
    }
  }
  FG_ASSIGN_OR_RETURN(auto after, LoadAssignments(c_, person_id));
  FG_RETURN_IF_ERROR(Audit(actor, "person.assign", Subject("person", person_id),
                           DumpJson({{"before", IdsJson(before)}, {"after", IdsJson(after)}})));
  return after;
}

Result<std::vector<CampaignAssignment>> Directory::SetAssignments(
    int64_t person_id, const std::vector<int64_t>& campaign_ids, std::string_view actor) {
  std::vector<CampaignAssignment> out;
  FG_RETURN_IF_ERROR(InTransaction([&](Transaction& tx) -> Result<void> {
    FG_ASSIGN_OR_RETURN(out, tx.SetAssignments(person_id, campaign_ids, actor));
    return {};
  }));
  return out;
}

Result<std::vector<CampaignAssignment>> Directory::ListAssignments(
    std::optional<int64_t> person_id) {
  std::vector<CampaignAssignment> out;
  FG_RETURN_IF_ERROR(db_.Read([&](store::Connection& c) -> Result<void> {
    FG_ASSIGN_OR_RETURN(out, LoadAssignments(c, person_id));
    return {};
  }));
  return out;
}

}  // namespace fg::directory
