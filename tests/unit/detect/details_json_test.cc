// FindingDetailsJson writes its JSON by hand; these check it byte for byte against the generic
// nlohmann dump it replaced, and check the engine's LruMap against a plain model.
#include <gtest/gtest.h>

#include <list>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <string>

#include "detect/alerts.h"
#include "detect/internal/lru_map.h"

namespace fg::detect {
namespace {

using Json = nlohmann::json;

std::string Reference(const Finding& f) {
  const Evidence& e = f.evidence;
  Json actions = Json::array();
  for (const Action& a : f.actions) {
    Json out{{"kind", ActionKindName(a.kind)}, {"target", a.target}};
    if (a.duration) out["duration_seconds"] = a.duration->count();
    if (a.until) out["until"] = core::FormatRfc3339(*a.until);
    actions.push_back(out);
  }
  Json evidence{{"count", e.count},
                {"threshold", e.threshold},
                {"window_seconds", e.window.count()},
                {"distinct", e.distinct},
                {"first", core::FormatRfc3339(e.first)},
                {"last", core::FormatRfc3339(e.last)},
                {"repeat", e.repeat}};
  return Json{{"evidence", evidence}, {"actions", actions}}.dump(-1, ' ', false,
                                                                 Json::error_handler_t::replace);
}

Finding Sample(std::vector<std::string> distinct, std::string target) {
  Finding f;
  f.rule = "account_brute_force";
  f.evidence = {.count = 6,
                .threshold = 5,
                .window = Seconds(900),
                .distinct = std::move(distinct),
                .first = core::FromUnixMicros(1'700'000'000'123'456),
                .last = core::FromUnixMicros(1'700'000'100'000'001),
                .repeat = 2};
  f.actions.push_back(Action{.kind = ActionKind::kLockAccount,
                             .target = target,
                             .duration = Seconds(1800),
                             .until = core::FromUnixMicros(1'700'001'900'000'000)});
  f.actions.push_back(Action{.kind = ActionKind::kEndSessions, .target = target});
  return f;
}

TEST(FindingDetailsJson, MatchesTheGenericDumpForPlainNames) {
  Finding f = Sample({"address:10.0.0.7", "station:W12"}, "alice");
  EXPECT_EQ(FindingDetailsJson(f), Reference(f));
  f.actions.clear();
  f.evidence.distinct.clear();
  EXPECT_EQ(FindingDetailsJson(f), Reference(f));
}

TEST(FindingDetailsJson, EscapesHostileNamesLikeTheGenericDump) {
  std::string every_ascii;
  for (int c = 0; c < 0x80; ++c) every_ascii += static_cast<char>(c);
  Finding f = Sample({every_ascii, "a\"b\\c/d", "\x7f", ""}, "x\ny\tz\x01\x1f");
  EXPECT_EQ(FindingDetailsJson(f), Reference(f));
}

TEST(FindingDetailsJson, NonAsciiAndInvalidUtf8MatchTheGenericDump) {
  Finding f = Sample({"jos\xc3\xa9", "bad\xff\xfe"}, "\xe2\x82");
  EXPECT_EQ(FindingDetailsJson(f), Reference(f));
}

TEST(FindingDetailsJson, TimesMatchFormatRfc3339AtTheEdges) {
  for (int64_t us : {int64_t{0}, int64_t{1}, int64_t{-1}, int64_t{-86'400'000'001},
                     int64_t{951'782'400'000'000} /* 2000-02-29 */,
                     int64_t{253'402'300'799'999'999} /* 9999-12-31T23:59:59.999999 */,
                     int64_t{253'402'300'800'000'000} /* year 10000 */}) {
    Finding f = Sample({}, "alice");
    f.evidence.first = f.evidence.last = core::FromUnixMicros(us);
    EXPECT_EQ(FindingDetailsJson(f), Reference(f)) << us;
  }
}

// The LruMap against a model (a recency list of keys and a map), through random touches,
// erases, evictions and expiries: the same keys survive, with the same values.
TEST(LruMap, BehavesLikeAnOrderedModel) {
  using Time = int;
  uint64_t evicted = 0;
  uint64_t model_evicted = 0;
  constexpr size_t kCapacity = 50;
  internal::LruMap<int, Time> lru(kCapacity, &evicted);
  std::list<std::pair<std::string, Time>> order;  // front = least recently touched
  std::map<std::string, int> values;
  std::mt19937 rng(7);
  Time now = 0;
  for (int step = 0; step < 20000; ++step) {
    now += static_cast<int>(rng() % 3);
    std::string key = "k" + std::to_string(rng() % 120);
    switch (rng() % 10) {
      case 0: {
        lru.Erase(key);
        values.erase(key);
        order.remove_if([&](const auto& e) { return e.first == key; });
        break;
      }
      case 1: {
        Time cutoff = now - 40;
        lru.ExpireBefore(cutoff);
        while (!order.empty() && order.front().second < cutoff) {
          values.erase(order.front().first);
          order.pop_front();
        }
        break;
      }
      default: {
        int& v = lru.Touch(key, now);
        if (values.count(key)) {
          order.remove_if([&](const auto& e) { return e.first == key; });
        } else {
          while (values.size() >= kCapacity) {
            values.erase(order.front().first);
            order.pop_front();
            ++model_evicted;
          }
          values[key] = 0;
        }
        order.emplace_back(key, now);
        v += step;
        values[key] += step;
      }
    }
    ASSERT_EQ(lru.size(), values.size()) << step;
    for (int k = 0; k < 120; ++k) {
      std::string probe = "k" + std::to_string(k);
      int* found = lru.Find(probe);
      auto it = values.find(probe);
      ASSERT_EQ(found != nullptr, it != values.end()) << step << " " << probe;
      if (found) {
        ASSERT_EQ(*found, it->second) << step << " " << probe;
      }
    }
  }
  EXPECT_EQ(evicted, model_evicted);
  EXPECT_GT(evicted, 0u);
}

}  // namespace
}  // namespace fg::detect
