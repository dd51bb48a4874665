// FileWatcher: notices when a config file changes on disk.
//
// Both servers reload their config "when the file changes" as well as on
// SIGHUP. Editors, `cp`, and Kubernetes ConfigMap symlink swaps all change the
// file differently (in place, rename over, symlink retarget), so the watcher
// compares what stat() reports (device, inode, size, mtime) of the path as
// resolved now, every `poll_interval`. A half-written file may be seen once;
// the reload then fails validation, the old config stays, and the completed
// write changes the stat again and is picked up on the next poll.
//
//   FileWatcher watcher(path, absl::Seconds(1), [&] { reloader.Reload("file changed"); });
//   watcher.Start();
#ifndef POSTERN_COMMON_RELOAD_FILE_WATCHER_H_
#define POSTERN_COMMON_RELOAD_FILE_WATCHER_H_

#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "absl/time/time.h"

namespace postern::reload {

class FileWatcher {
 public:
  // `on_change` runs on the watcher's own thread, once per observed change.
  FileWatcher(std::string path, absl::Duration poll_interval, std::function<void()> on_change);
  // Stops and joins the watcher thread.
  ~FileWatcher();

  FileWatcher(const FileWatcher&) = delete;
  FileWatcher& operator=(const FileWatcher&) = delete;

  // Start records the file's current state and begins polling. Call once.
  void Start();

 private:
  struct Stamp {
    bool exists = false;
    unsigned long device = 0, inode = 0;
    long long size = 0, mtime_ns = 0;
    bool operator==(const Stamp&) const = default;
  };
  Stamp Read() const;
  void Run(Stamp last);

  const std::string path_;
  const absl::Duration poll_interval_;
  const std::function<void()> on_change_;
  // std:: rather than absl::Mutex: Debian's abseil is not built with
  // ThreadSanitizer, so its locking is invisible to a --config=tsan run.
  std::mutex mu_;
  std::condition_variable stop_;
  bool stopping_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace postern::reload

#endif  // POSTERN_COMMON_RELOAD_FILE_WATCHER_H_
