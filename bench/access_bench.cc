// Door decisions in-process on a synthetic site: 5,000 people, 200 doors, 24 zones.
// BM_DecideInMemory runs the full decision (reader lookup, Wiegand parse and parity check of
// the raw bit string the controller sends, badge, person, zone rules, training, grants and
// anti-passback against live presence) on one thread over a mix of grants and denies.
// BM_ReferenceCredentialLookup is the floor it is compared against: one std::unordered_map
// lookup of the credential text alone, on the same requests.
//
//   build-access-bench/bench/access_bench --benchmark_min_time=2s
#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "access/credential.h"
#include "access/decide.h"
#include "access/presence.h"

namespace {

using fg::access::CredentialFormat;
using fg::access::DecideRequest;
using fg::access::PassbackMode;
using fg::access::PresenceTracker;
using fg::access::Snapshot;
using fg::directory::PersonKind;
using fg::directory::PersonStatus;
using fg::directory::ZoneClassification;

constexpr int kPeople = 5000;
constexpr int kDoors = 200;
constexpr int kZones = 24;  // 1..2 public, 3..4 staff, 5..20 campaign (secure), 21..24 restricted
constexpr int kRequests = 8192;

struct Site {
  Snapshot snapshot;
  PresenceTracker presence;
  std::vector<DecideRequest> requests;
  std::unordered_map<std::string, int64_t> reference;  // credential text -> badge id
  fg::core::WallTime now = fg::core::FromUnixMicros(1'799'992'800'000'000);
};

Site& TheSite() {
  static Site* site = [] {
    auto* s = new Site;
    std::mt19937_64 rng(42);
    const int64_t now_us = fg::core::ToUnixMicros(s->now);
    const int32_t today = static_cast<int32_t>(now_us / 86'400'000'000);
    for (int64_t z = 1; z <= kZones; ++z) {
      Snapshot::ZoneInfo zone;
      zone.classification = z <= 2    ? ZoneClassification::kPublic
                            : z <= 4  ? ZoneClassification::kStaff
                            : z <= 20 ? ZoneClassification::kSecure
                                      : ZoneClassification::kRestricted;
      if (z >= 5 && z <= 20) zone.campaign_id = z;  // campaign id = zone id
      zone.passback = z % 3 == 0   ? PassbackMode::kHard
                      : z % 3 == 1 ? PassbackMode::kSoft
                                   : PassbackMode::kOff;
      s->snapshot.zones[z] = zone;
    }
    for (int d = 0; d < kDoors; ++d) {
      const int64_t to = 1 + d % kZones;
      const int64_t from = to <= 2 ? 1 : to <= 4 ? 2 : 3;
      s->snapshot.readers["door-" + std::to_string(d) + "-in"] = {
          .door_id = d + 1, .from_zone_id = from, .to_zone_id = to};
      s->snapshot.readers["door-" + std::to_string(d) + "-out"] = {
          .door_id = d + 1,
          .direction = fg::access::Direction::kExit,
          .from_zone_id = to,
          .to_zone_id = from};
    }
    std::vector<std::string> wire(kPeople);
    for (int64_t p = 1; p <= kPeople; ++p) {
      const int r = static_cast<int>(p % 100);
      PersonKind kind = r < 85   ? PersonKind::kEmployee
                        : r < 92 ? PersonKind::kVisitor
                        : r < 96 ? PersonKind::kContractor
                                 : PersonKind::kApplicant;
      PersonStatus status = r == 3   ? PersonStatus::kSuspended
                            : r == 4 ? PersonStatus::kTerminated
                                     : PersonStatus::kActive;
      s->snapshot.people[p] = {.kind = kind, .status = status};
      const auto facility = static_cast<uint32_t>(p / 65536 + 1);
      const auto card = static_cast<uint32_t>(p % 65536);
      const std::string key = "w26:" + std::to_string(facility) + ":" + std::to_string(card);
      Snapshot::BadgeInfo badge{.id = p, .person_id = p};
      if (r == 7) badge.status = fg::access::BadgeStatus::kRevoked;
      s->snapshot.badges[key] = badge;
      wire[p - 1] = fg::access::EncodeWiegandBits(CredentialFormat::kWiegand26, facility, card);
      s->reference[wire[p - 1]] = p;
      // Training for two campaigns, one grant to a restricted zone for a few.
      const int64_t c1 = 5 + p % 16, c2 = 5 + (p * 7) % 16;
      s->snapshot.trainings[{p, c1}].push_back({.from_day = today - 100, .until_day = today + 100});
      s->snapshot.trainings[{p, c2}].push_back({.from_day = today - 400, .until_day = today - 1});
      // Assigned to both: the training rule then decides those zones.
      s->snapshot.assignments[{p, c1}] = true;
      s->snapshot.assignments[{p, c2}] = true;
      if (p % 10 == 0 || kind != PersonKind::kEmployee) {
        s->snapshot.grants[{p, 21 + p % 4}].push_back(
            {.from_us = now_us - 1, .until_us = now_us + 1'000'000'000});
      }
      if (p % 2 == 0) s->presence.Move(p, 3 + p % 20, s->now);
    }
    for (int i = 0; i < kRequests; ++i) {
      const int p = static_cast<int>(rng() % kPeople);
      const int d = static_cast<int>(rng() % kDoors);
      DecideRequest req;
      req.reader_id = "door-" + std::to_string(d) + (rng() % 4 == 0 ? "-out" : "-in");
      req.credential = rng() % 50 == 0   ? std::string(26, '0') /* bad parity */
                       : rng() % 50 == 0 ? fg::access::EncodeWiegandBits(
                                               CredentialFormat::kWiegand26, 200, i)  // unknown
                                         : wire[p];
      s->requests.push_back(std::move(req));
    }
    return s;
  }();
  return *site;
}

void BM_DecideInMemory(benchmark::State& state) {
  Site& site = TheSite();
  size_t i = 0;
  int64_t grants = 0;
  for (auto _ : state) {
    const auto decision =
        fg::access::DecideInMemory(site.snapshot, &site.presence, site.requests[i], site.now);
    grants += decision.granted();
    benchmark::DoNotOptimize(decision);
    i = (i + 1) % site.requests.size();
  }
  state.counters["decisions/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["grant_share"] =
      static_cast<double>(grants) / static_cast<double>(std::max<int64_t>(state.iterations(), 1));
}
BENCHMARK(BM_DecideInMemory);

void BM_ReferenceCredentialLookup(benchmark::State& state) {
  Site& site = TheSite();
  size_t i = 0;
  for (auto _ : state) {
    auto it = site.reference.find(site.requests[i].credential);
    benchmark::DoNotOptimize(it);
    i = (i + 1) % site.requests.size();
  }
  state.counters["decisions/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ReferenceCredentialLookup);

}  // namespace

BENCHMARK_MAIN();
