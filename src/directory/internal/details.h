// Audit details for directory changes: the fields of a created or deleted record, or the
// changed fields of an update with their old and new values. nlohmann-json stays in here.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "directory/directory.h"

namespace fg::directory::internal {

using Json = nlohmann::json;

// Compact JSON that never throws: invalid UTF-8 is replaced.
std::string DumpJson(const Json& value);

Json ToJson(const Person& person);
Json ToJson(const Campaign& campaign);
Json ToJson(const TrainingRecord& training);
Json ToJson(const Site& site);
Json ToJson(const Zone& zone);
Json ToJson(const Station& station);

// Collects {"field": {"old": ..., "new": ...}} for the fields that differ.
class Changes {
 public:
  template <typename T>
  void Add(std::string_view field, const T& before, const T& after) {
    if (before == after) return;
    changes_[std::string(field)] = {{"old", Value(before)}, {"new", Value(after)}};
  }
  bool empty() const { return changes_.empty(); }
  std::string Dump() const { return DumpJson(changes_); }

 private:
  template <typename T>
  static Json Value(const std::optional<T>& value) {
    return value ? Json(*value) : Json(nullptr);
  }
  template <typename T>
  static Json Value(const T& value) {
    return Json(value);
  }
  static Json Value(PersonKind kind) { return std::string(PersonKindName(kind)); }
  static Json Value(PersonStatus status) { return std::string(PersonStatusName(status)); }
  static Json Value(ZoneClassification c) { return std::string(ZoneClassificationName(c)); }

  Json changes_ = Json::object();
};

}  // namespace fg::directory::internal
