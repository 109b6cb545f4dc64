#include "app/recording_watch.h"

#include <algorithm>
#include <chrono>

namespace fg::app {

CompletenessWatch::CompletenessWatch(recording::Recordings& recordings, core::Clock& clock,
                                     Alert alert)
    : recordings_(recordings), clock_(clock), alert_(std::move(alert)) {}

Result<int> CompletenessWatch::Check() {
  // Only ended calls are judged; the newest ended call is where the next look starts.
  int64_t newest_ended = 0;
  std::vector<int64_t> ended;
  recording::CallFilter filter;
  filter.limit = 1000;
  while (true) {
    FG_ASSIGN_OR_RETURN(auto page, recordings_.ListCalls(filter));
    bool older = false;
    for (const auto& call : page.items) {
      if (call.id <= last_judged_) {
        older = true;
        break;
      }
      if (!call.active()) {
        ended.push_back(call.id);
        newest_ended = std::max(newest_ended, call.id);
      }
    }
    if (older || last_judged_ < 0 || !page.next_after_id) break;
    filter.after_id = page.next_after_id;
  }
  if (last_judged_ < 0) {  // first look: start from now, do not alert for the past
    last_judged_ = newest_ended;
    return 0;
  }
  if (ended.empty()) return 0;
  const auto now = clock_.WallNow();
  // Completeness looks at calls by start time; a window of two days covers any call ended
  // since the last look, and the ids keep each call judged once.
  FG_ASSIGN_OR_RETURN(auto report, recordings_.Completeness(now - std::chrono::hours(48),
                                                            now + std::chrono::minutes(1), {}));
  int raised = 0;
  for (const auto& issue : report.issues) {
    if (issue.call_id > last_judged_ &&
        std::find(ended.begin(), ended.end(), issue.call_id) != ended.end()) {
      alert_(issue.call_id, issue.problem, issue.detail);
      ++raised;
    }
  }
  last_judged_ = std::max(last_judged_, newest_ended);
  return raised;
}

}  // namespace fg::app
