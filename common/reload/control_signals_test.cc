#include "common/reload/control_signals.h"

#include <signal.h>

#include <string>

#include "gtest/gtest.h"

namespace postern::reload {
namespace {

// raise() sends to this thread; with the signals blocked they stay pending
// until WaitForStopSignal takes them, so the order below is deterministic.
class ControlSignalsTest : public testing::Test {
 protected:
  void SetUp() override { BlockControlSignals(); }
};

TEST_F(ControlSignalsTest, SighupReloadsAndSigtermStops) {
  int reloads = 0;
  ASSERT_EQ(raise(SIGHUP), 0);
  const std::string stop = WaitForStopSignal([&] {
    ++reloads;
    if (reloads == 2) {
      raise(SIGTERM);
    } else {
      raise(SIGHUP);
    }
  });
  EXPECT_EQ(stop, "SIGTERM");
  EXPECT_EQ(reloads, 2);
}

TEST_F(ControlSignalsTest, SigintStopsWithoutReloading) {
  int reloads = 0;
  ASSERT_EQ(raise(SIGINT), 0);
  EXPECT_STREQ(WaitForStopSignal([&] { ++reloads; }), "SIGINT");
  EXPECT_EQ(reloads, 0);
}

TEST_F(ControlSignalsTest, BlockedSignalsDoNotKillTheProcess) {
  // Without the mask SIGTERM's default action would end the test binary here.
  ASSERT_EQ(raise(SIGTERM), 0);
  EXPECT_STREQ(WaitForStopSignal([] {}), "SIGTERM");
}

TEST_F(ControlSignalsTest, TakeStopSignalReturnsAPendingStopAndDropsReloads) {
  ASSERT_EQ(raise(SIGHUP), 0);
  ASSERT_EQ(raise(SIGINT), 0);
  EXPECT_STREQ(TakeStopSignal(absl::ZeroDuration()), "SIGINT");
  ASSERT_EQ(raise(SIGHUP), 0);
  EXPECT_EQ(TakeStopSignal(absl::Milliseconds(10)), nullptr);
  // The SIGHUP was taken: nothing is left pending.
  sigset_t pending;
  sigpending(&pending);
  EXPECT_FALSE(sigismember(&pending, SIGHUP));
}

}  // namespace
}  // namespace postern::reload
