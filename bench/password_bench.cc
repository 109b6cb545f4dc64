// The cost of one Argon2id verification at the production parameters (OWASP's minimum,
// m = 19 MiB, t = 2, p = 1), which bounds workstation logon decisions per core, beside the
// same verification at the tiny parameters the tests use, to show what the rest of a decision
// costs when the hash is taken out (docs/benchmarks.md, "Logon decisions").
//
// Run: build-bench/bench/password_bench --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>

#include "auth/password.h"

namespace fg {
namespace {

void VerifyAt(benchmark::State& state, const auth::PasswordParams& params) {
  const std::string password = "violet-tractor-mango-lantern";
  auto hash = auth::HashPassword(password, params);
  if (!hash) {
    state.SkipWithError(hash.error().message.c_str());
    return;
  }
  for (auto _ : state) {
    benchmark::DoNotOptimize(auth::VerifyPassword(*hash, password));
  }
  state.counters["verifications_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

void BM_Argon2idVerifyProduction(benchmark::State& state) { VerifyAt(state, {}); }
void BM_Argon2idVerifyTestParams(benchmark::State& state) {
  VerifyAt(state, {.iterations = 1, .memory_bytes = 8192});
}

BENCHMARK(BM_Argon2idVerifyProduction)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Argon2idVerifyTestParams)->Unit(benchmark::kMicrosecond)->UseRealTime();

}  // namespace
}  // namespace fg

BENCHMARK_MAIN();
