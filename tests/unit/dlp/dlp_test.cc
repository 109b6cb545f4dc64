#include "dlp/dlp.h"

#include <gtest/gtest.h>

namespace fg::dlp {
namespace {
TEST(DlpPan, VisaTestPanIsMasked) {
  EXPECT_EQ(Redact("card 4111 1111 1111 1111 exp 12/27"), "card [PAN ****1111] exp [EXP **/**]");
}
}  // namespace
}  // namespace fg::dlp
