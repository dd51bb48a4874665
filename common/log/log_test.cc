#include "common/log/log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_split.h"
#include "gtest/gtest.h"

namespace postern::log {
namespace {

// Sends log output to a fresh file under TEST_TMPDIR for one test.
class LogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = std::string(std::getenv("TEST_TMPDIR")) + "/" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".log";
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0600);
    ASSERT_GE(fd_, 0);
    SetOutputFd(fd_);
    SetLevel(Level::kInfo);
  }
  void TearDown() override {
    SetOutputFd(STDERR_FILENO);
    SetLevel(Level::kInfo);
    ::close(fd_);
  }

  std::vector<std::string> Lines() {
    std::ifstream in(path_);
    std::stringstream contents;
    contents << in.rdbuf();
    std::vector<std::string> lines = absl::StrSplit(contents.str(), '\n');
    EXPECT_EQ(lines.back(), "") << "output must end with a newline";
    lines.pop_back();
    return lines;
  }

  std::string path_;
  int fd_ = -1;
};

TEST_F(LogTest, LineHasTimeLevelAndMessage) {
  Info("listening on %s:%d", "127.0.0.1", 8443);
  const std::vector<std::string> lines = Lines();
  ASSERT_EQ(lines.size(), 1u);
  // 2026-11-24T10:00:00.123Z INFO listening on 127.0.0.1:8443
  const std::string& line = lines[0];
  ASSERT_GT(line.size(), 25u);
  EXPECT_EQ(line[4], '-');
  EXPECT_EQ(line[10], 'T');
  EXPECT_EQ(line[19], '.');
  EXPECT_EQ(line[23], 'Z');
  EXPECT_EQ(line.substr(24), " INFO listening on 127.0.0.1:8443");
}

TEST_F(LogTest, LevelFiltersAtRuntime) {
  Debug("hidden %d", 1);
  Info("shown %d", 2);
  SetLevel(Level::kWarning);
  Info("hidden %d", 3);
  Warn("shown %d", 4);
  Error("shown %d", 5);
  SetLevel(Level::kDebug);
  Debug("shown %d", 6);
  const std::vector<std::string> lines = Lines();
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_NE(lines[0].find(" INFO shown 2"), std::string::npos);
  EXPECT_NE(lines[1].find(" WARN shown 4"), std::string::npos);
  EXPECT_NE(lines[2].find(" ERROR shown 5"), std::string::npos);
  EXPECT_NE(lines[3].find(" DEBUG shown 6"), std::string::npos);
}

TEST_F(LogTest, UntrustedTextCannotForgeLines) {
  Warn("bad host %s", "evil\nFAKE INFO admin logged in\r\x1b[31m");
  const std::vector<std::string> lines = Lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("bad host evil\\nFAKE INFO admin logged in\\r\\x1b[31m"),
            std::string::npos)
      << lines[0];
}

TEST_F(LogTest, ConcurrentLinesNeverInterleave) {
  constexpr int kThreads = 8;
  constexpr int kLinesEach = 200;
  const std::string payload(300, 'x');
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t, &payload] {
      for (int i = 0; i < kLinesEach; ++i) Info("thread %d line %d %s", t, i, payload);
    });
  }
  for (std::thread& thread : threads) thread.join();
  const std::vector<std::string> lines = Lines();
  ASSERT_EQ(lines.size(), static_cast<size_t>(kThreads * kLinesEach));
  for (const std::string& line : lines) {
    ASSERT_EQ(line.substr(line.size() - payload.size()), payload) << line;
    ASSERT_EQ(line.substr(24, 13), " INFO thread ") << line;
    ASSERT_EQ(line.find("thread", 31), std::string::npos) << line;
  }
}

TEST(ParseLevelTest, AcceptsNamesAndRejectsOthers) {
  EXPECT_EQ(ParseLevel("debug").value(), Level::kDebug);
  EXPECT_EQ(ParseLevel("INFO").value(), Level::kInfo);
  EXPECT_EQ(ParseLevel("warn").value(), Level::kWarning);
  EXPECT_EQ(ParseLevel("Warning").value(), Level::kWarning);
  EXPECT_EQ(ParseLevel("error").value(), Level::kError);
  absl::StatusOr<Level> bad = ParseLevel("verbose");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("debug, info, warn, error"), absl::string_view::npos);
}

TEST(FatalTest, LogsAndAborts) {
  EXPECT_DEATH(Fatal("invariant broken: %s", "route table empty"),
               "FATAL invariant broken: route table empty");
}

}  // namespace
}  // namespace postern::log
