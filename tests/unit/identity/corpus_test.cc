#include "../../fixtures/corpus.h"

#include <gtest/gtest.h>

namespace fg::identity {
namespace {

TEST(IdentityFuzzCorpus, EveryCorpusInputIsHandledWithoutCrashing) {
  EXPECT_GE(fg::testing::ReplayCorpus(FG_IDENTITY_FUZZ_CORPUS), 12);
}

}  // namespace
}  // namespace fg::identity
