// People: employees, applicants, visitors and contractors.
#include "directory/directory.h"
#include "directory/internal/common.h"
#include "directory/internal/details.h"
#include "directory/internal/rows.h"
#include "directory/internal/rules.h"

namespace fg::directory {

namespace {

using namespace internal;

Result<Person> RequirePerson(store::Connection& c, int64_t id) {
  FG_ASSIGN_OR_RETURN(auto person, LoadPerson(c, id));
  if (!person) return NotFound("person " + std::to_string(id) + " does not exist");
  return std::move(*person);
}

// Employee numbers are unique among all people, ignoring case.
Result<void> CheckEmployeeNumberFree(store::Connection& c,
                                     const std::optional<std::string>& employee_number,
                                     int64_t self_id) {
  if (!employee_number) return {};
  FG_ASSIGN_OR_RETURN(auto holder, LoadPersonByEmployeeNumber(c, *employee_number));
  if (holder && holder->id != self_id) {
    return AlreadyExists("employee_number", "employee number " + *employee_number +
                                                " already belongs to person " +
                                                std::to_string(holder->id));
  }
  return {};
}

Result<int64_t> TrainingCount(store::Connection& c, int64_t person_id) {
  return CountRows(c, "SELECT COUNT(*) FROM training_records WHERE person_id = ?", {person_id});
}

}  // namespace

Result<Person> Transaction::CreatePerson(const PersonInput& input, std::string_view actor) {
  Person person{.kind = input.kind,
                .employee_number = input.employee_number,
                .name = input.name,
                .status = input.status,
                .hire_date = input.hire_date,
                .end_date = input.end_date,
                .company = input.company,
                .email = input.email};
  FG_RETURN_IF_ERROR(NormalisePerson(person, Today()));
  FG_RETURN_IF_ERROR(CheckEmployeeNumberFree(c_, person.employee_number, 0));
  person.created_at = person.updated_at = directory_.clock_.WallNow();
  FG_ASSIGN_OR_RETURN(person.id, InsertPerson(c_, person));
  FG_RETURN_IF_ERROR(
      Audit(actor, "person.create", Subject("person", person.id), DumpJson(ToJson(person))));
  return person;
}

Result<Person> Transaction::UpdatePerson(int64_t id, const PersonPatch& patch,
                                         std::string_view actor) {
  FG_ASSIGN_OR_RETURN(Person before, RequirePerson(c_, id));
  Person after = before;
  if (patch.kind) after.kind = *patch.kind;
  if (patch.employee_number) after.employee_number = *patch.employee_number;
  if (patch.name) after.name = *patch.name;
  if (patch.status) after.status = *patch.status;
  if (patch.hire_date) after.hire_date = *patch.hire_date;
  if (patch.end_date) after.end_date = *patch.end_date;
  if (patch.company) after.company = *patch.company;
  if (patch.email) after.email = *patch.email;
  FG_RETURN_IF_ERROR(NormalisePerson(after, Today()));

  Changes changes;
  changes.Add("kind", before.kind, after.kind);
  changes.Add("employee_number", before.employee_number, after.employee_number);
  changes.Add("name", before.name, after.name);
  changes.Add("status", before.status, after.status);
  changes.Add("hire_date", before.hire_date, after.hire_date);
  changes.Add("end_date", before.end_date, after.end_date);
  changes.Add("company", before.company, after.company);
  changes.Add("email", before.email, after.email);
  if (changes.empty()) return before;

  if (after.kind != before.kind && !MayHoldTraining(after.kind)) {
    FG_ASSIGN_OR_RETURN(int64_t trained, TrainingCount(c_, id));
    if (trained > 0) {
      return InvalidArgument("kind", "person " + std::to_string(id) + " has " +
                                         Count(trained, "training record", "training records") +
                                         "; only employees and contractors hold training");
    }
  }
  if (after.employee_number != before.employee_number) {
    FG_RETURN_IF_ERROR(CheckEmployeeNumberFree(c_, after.employee_number, id));
  }
  after.updated_at = directory_.clock_.WallNow();
  FG_RETURN_IF_ERROR(UpdatePersonRow(c_, after));
  FG_RETURN_IF_ERROR(Audit(actor, "person.update", Subject("person", id), changes.Dump()));
  if (after.status != before.status) {
    status_changes_.push_back(
        {.person_id = id, .old_status = before.status, .new_status = after.status});
  }
  return after;
}

Result<void> Transaction::DeletePerson(int64_t id, std::string_view actor) {
  FG_ASSIGN_OR_RETURN(Person person, RequirePerson(c_, id));
  FG_ASSIGN_OR_RETURN(int64_t trained, TrainingCount(c_, id));
  if (trained > 0) {
    return FailedPrecondition("person " + std::to_string(id) + " still has " +
                              Count(trained, "training record", "training records") +
                              "; terminate the person (status terminated) instead of deleting");
  }
  auto deleted = DeleteRow(c_, "people", id);
  if (!deleted && deleted.error().code == ErrorCode::kFailedPrecondition) {
    return FailedPrecondition("person " + std::to_string(id) +
                              " is still referenced by other records; terminate the person "
                              "(status terminated) instead of deleting");
  }
  FG_RETURN_IF_ERROR(deleted);
  return Audit(actor, "person.delete", Subject("person", id), DumpJson(ToJson(person)));
}

}  // namespace fg::directory
