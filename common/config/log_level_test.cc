#include "common/config/log_level.h"

#include "gtest/gtest.h"

namespace postern::config {
namespace {

TEST(ToLogLevelTest, EachConfigLevelSilencesWhatItShould) {
  EXPECT_EQ(ToLogLevel(LogLevel::kDebug), log::Level::kDebug);
  EXPECT_EQ(ToLogLevel(LogLevel::kInfo), log::Level::kInfo);
  EXPECT_EQ(ToLogLevel(LogLevel::kWarn), log::Level::kWarning);
  EXPECT_EQ(ToLogLevel(LogLevel::kError), log::Level::kError);
}

}  // namespace
}  // namespace postern::config
