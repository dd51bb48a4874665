#include "common/reload/file_watcher.h"

#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace postern::reload {
namespace {

std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir ? dir : "/tmp") + "/" + name;
}

void Write(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::trunc) << text;
}

// std:: locking, not absl::Mutex, so a ThreadSanitizer run sees it (Debian's
// abseil is not instrumented).
class Counter {
 public:
  void Increment() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++count_;
    }
    changed_.notify_all();
  }
  // Waits until the count reaches `n` or `timeout` passes; returns the count.
  int WaitFor(int n, absl::Duration timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    changed_.wait_for(lock, absl::ToChronoNanoseconds(timeout), [&] { return count_ >= n; });
    return count_;
  }

 private:
  std::mutex mu_;
  std::condition_variable changed_;
  int count_ = 0;  // guarded by mu_
};

TEST(FileWatcherTest, ReportsInPlaceRewrite) {
  const std::string path = TempPath("inplace.yaml");
  Write(path, "a: 1\n");
  Counter changes;
  FileWatcher watcher(path, absl::Milliseconds(10), [&] { changes.Increment(); });
  watcher.Start();
  Write(path, "a: 22\n");
  EXPECT_EQ(changes.WaitFor(1, absl::Seconds(10)), 1);
}

TEST(FileWatcherTest, ReportsRenameOverTheFile) {
  const std::string path = TempPath("renamed.yaml");
  const std::string next = TempPath("renamed.yaml.new");
  Write(path, "a: 1\n");
  Counter changes;
  FileWatcher watcher(path, absl::Milliseconds(10), [&] { changes.Increment(); });
  watcher.Start();
  Write(next, "a: 1\n");  // same size: the inode is what differs
  ASSERT_EQ(std::rename(next.c_str(), path.c_str()), 0);
  EXPECT_EQ(changes.WaitFor(1, absl::Seconds(10)), 1);
}

TEST(FileWatcherTest, QuietWhenNothingChanges) {
  const std::string path = TempPath("quiet.yaml");
  Write(path, "a: 1\n");
  Counter changes;
  {
    FileWatcher watcher(path, absl::Milliseconds(5), [&] { changes.Increment(); });
    watcher.Start();
    // Many poll intervals pass with the file untouched.
    EXPECT_EQ(changes.WaitFor(1, absl::Milliseconds(200)), 0);
  }
}

TEST(FileWatcherTest, StopsPromptlyWithLongInterval) {
  const std::string path = TempPath("stop.yaml");
  Write(path, "a: 1\n");
  const absl::Time start = absl::Now();
  {
    FileWatcher watcher(path, absl::Hours(1), [] {});
    watcher.Start();
  }
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

}  // namespace
}  // namespace postern::reload
