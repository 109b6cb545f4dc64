// Campaigns (client programs) and the training records that qualify people for them.
#include "directory/directory.h"
#include "directory/internal/common.h"
#include "directory/internal/details.h"
#include "directory/internal/rows.h"
#include "directory/internal/rules.h"

namespace fg::directory {

namespace {

using namespace internal;

Result<Campaign> RequireCampaign(store::Connection& c, int64_t id) {
  FG_ASSIGN_OR_RETURN(auto campaign, LoadCampaign(c, id));
  if (!campaign) return NotFound("campaign " + std::to_string(id) + " does not exist");
  return std::move(*campaign);
}

Result<TrainingRecord> RequireTraining(store::Connection& c, int64_t id) {
  FG_ASSIGN_OR_RETURN(auto training, LoadTraining(c, id));
  if (!training) return NotFound("training record " + std::to_string(id) + " does not exist");
  return std::move(*training);
}

Result<void> CheckCodeFree(store::Connection& c, const std::string& code, int64_t self_id) {
  FG_ASSIGN_OR_RETURN(auto holder, LoadCampaignByCode(c, code));
  if (holder && holder->id != self_id) {
    return AlreadyExists("code", "campaign code " + code + " is already used by campaign " +
                                     std::to_string(holder->id));
  }
  return {};
}

// The person exists and may hold training; the campaign exists.
Result<void> CheckTrainingReferences(store::Connection& c, const TrainingRecord& training) {
  FG_ASSIGN_OR_RETURN(auto person, LoadPerson(c, training.person_id));
  if (!person) {
    return InvalidArgument("person_id",
                           "person " + std::to_string(training.person_id) + " does not exist");
  }
  if (!MayHoldTraining(person->kind)) {
    return InvalidArgument("person_id", "person " + std::to_string(training.person_id) + " is " +
                                            std::string(PersonKindName(person->kind)) +
                                            "; only employees and contractors hold training");
  }
  FG_ASSIGN_OR_RETURN(auto campaign, LoadCampaign(c, training.campaign_id));
  if (!campaign) {
    return InvalidArgument("campaign_id",
                           "campaign " + std::to_string(training.campaign_id) + " does not exist");
  }
  return {};
}

}  // namespace

// Campaigns.

Result<Campaign> Transaction::CreateCampaign(const CampaignInput& input, std::string_view actor) {
  Campaign campaign{
      .code = input.code, .name = input.name, .client = input.client, .active = input.active};
  FG_RETURN_IF_ERROR(NormaliseCampaign(campaign));
  FG_RETURN_IF_ERROR(CheckCodeFree(c_, campaign.code, 0));
  FG_ASSIGN_OR_RETURN(campaign.id, InsertCampaign(c_, campaign));
  FG_RETURN_IF_ERROR(Audit(actor, "campaign.create", Subject("campaign", campaign.id),
                           DumpJson(ToJson(campaign))));
  return campaign;
}

Result<Campaign> Transaction::UpdateCampaign(int64_t id, const CampaignPatch& patch,
                                             std::string_view actor) {
  FG_ASSIGN_OR_RETURN(Campaign before, RequireCampaign(c_, id));
  Campaign after = before;
  if (patch.code) after.code = *patch.code;
  if (patch.name) after.name = *patch.name;
  if (patch.client) after.client = *patch.client;
  if (patch.active) after.active = *patch.active;
  FG_RETURN_IF_ERROR(NormaliseCampaign(after));

  Changes changes;
  changes.Add("code", before.code, after.code);
  changes.Add("name", before.name, after.name);
  changes.Add("client", before.client, after.client);
  changes.Add("active", before.active, after.active);
  if (changes.empty()) return before;

  if (after.code != before.code) FG_RETURN_IF_ERROR(CheckCodeFree(c_, after.code, id));
  FG_RETURN_IF_ERROR(UpdateCampaignRow(c_, after));
  FG_RETURN_IF_ERROR(Audit(actor, "campaign.update", Subject("campaign", id), changes.Dump()));
  return after;
}

Result<void> Transaction::DeleteCampaign(int64_t id, std::string_view actor) {
  FG_ASSIGN_OR_RETURN(Campaign campaign, RequireCampaign(c_, id));
  FG_ASSIGN_OR_RETURN(
      int64_t trained,
      CountRows(c_, "SELECT COUNT(*) FROM training_records WHERE campaign_id = ?", {id}));
  FG_ASSIGN_OR_RETURN(int64_t zones,
                      CountRows(c_, "SELECT COUNT(*) FROM zones WHERE campaign_id = ?", {id}));
  FG_ASSIGN_OR_RETURN(int64_t stations,
                      CountRows(c_, "SELECT COUNT(*) FROM stations WHERE campaign_id = ?", {id}));
  if (trained + zones + stations > 0) {
    std::string users;
    auto add = [&](int64_t n, std::string_view one, std::string_view many) {
      if (n == 0) return;
      if (!users.empty()) users += ", ";
      users += Count(n, one, many);
    };
    add(trained, "training record", "training records");
    add(zones, "zone", "zones");
    add(stations, "station", "stations");
    return FailedPrecondition("campaign " + std::to_string(id) + " is still used by " + users +
                              "; deactivate it (active false) instead of deleting");
  }
  auto deleted = DeleteRow(c_, "campaigns", id);
  if (!deleted && deleted.error().code == ErrorCode::kFailedPrecondition) {
    return FailedPrecondition("campaign " + std::to_string(id) +
                              " is still referenced by other records; deactivate it instead");
  }
  FG_RETURN_IF_ERROR(deleted);
  return Audit(actor, "campaign.delete", Subject("campaign", id), DumpJson(ToJson(campaign)));
}

// Training records.

Result<TrainingRecord> Transaction::CreateTraining(const TrainingInput& input,
                                                   std::string_view actor) {
  TrainingRecord training{.person_id = input.person_id,
                          .campaign_id = input.campaign_id,
                          .completed_on = input.completed_on,
                          .expires_on = input.expires_on};
  FG_RETURN_IF_ERROR(NormaliseTraining(training));
  FG_RETURN_IF_ERROR(CheckTrainingReferences(c_, training));
  FG_ASSIGN_OR_RETURN(training.id, InsertTraining(c_, training));
  FG_RETURN_IF_ERROR(Audit(actor, "training.create", Subject("training", training.id),
                           DumpJson(ToJson(training))));
  return training;
}

Result<TrainingRecord> Transaction::UpdateTraining(int64_t id, const TrainingPatch& patch,
                                                   std::string_view actor) {
  FG_ASSIGN_OR_RETURN(TrainingRecord before, RequireTraining(c_, id));
  TrainingRecord after = before;
  if (patch.person_id) after.person_id = *patch.person_id;
  if (patch.campaign_id) after.campaign_id = *patch.campaign_id;
  if (patch.completed_on) after.completed_on = *patch.completed_on;
  if (patch.expires_on) after.expires_on = *patch.expires_on;
  FG_RETURN_IF_ERROR(NormaliseTraining(after));

  Changes changes;
  changes.Add("person_id", before.person_id, after.person_id);
  changes.Add("campaign_id", before.campaign_id, after.campaign_id);
  changes.Add("completed_on", before.completed_on, after.completed_on);
  changes.Add("expires_on", before.expires_on, after.expires_on);
  if (changes.empty()) return before;

  FG_RETURN_IF_ERROR(CheckTrainingReferences(c_, after));
  FG_RETURN_IF_ERROR(UpdateTrainingRow(c_, after));
  FG_RETURN_IF_ERROR(Audit(actor, "training.update", Subject("training", id), changes.Dump()));
  return after;
}

Result<void> Transaction::DeleteTraining(int64_t id, std::string_view actor) {
  FG_ASSIGN_OR_RETURN(TrainingRecord training, RequireTraining(c_, id));
  FG_RETURN_IF_ERROR(DeleteRow(c_, "training_records", id));
  return Audit(actor, "training.delete", Subject("training", id), DumpJson(ToJson(training)));
}

}  // namespace fg::directory
