// The format readers' fuzz corpus (fuzz/scan), replayed in every ordinary test run.
#include <gtest/gtest.h>

#include "../../fixtures/corpus.h"

namespace fg::scan {
namespace {

TEST(ScanFuzzCorpus, EveryInputIsReadAsEveryTypeWithoutCrashing) {
  EXPECT_GE(testing::ReplayCorpus(FG_SCAN_FUZZ_CORPUS), 10);
}

}  // namespace
}  // namespace fg::scan
