#include "../../fixtures/corpus.h"

#include <gtest/gtest.h>

namespace fg::logs {
namespace {

TEST(LogsFuzzCorpus, EveryInputIsHandledWithoutCrashing) {
  EXPECT_GE(testing::ReplayCorpus(FG_LOGS_FUZZ_CORPUS), 20);
}

}  // namespace
}  // namespace fg::logs
