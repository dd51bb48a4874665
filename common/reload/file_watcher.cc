#include "common/reload/file_watcher.h"

#include <sys/stat.h>

#include <utility>

namespace postern::reload {

FileWatcher::FileWatcher(std::string path, absl::Duration poll_interval,
                         std::function<void()> on_change)
    : path_(std::move(path)), poll_interval_(poll_interval), on_change_(std::move(on_change)) {}

FileWatcher::~FileWatcher() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  stop_.notify_all();
  if (thread_.joinable()) thread_.join();
}

// The first stamp is read here, not on the new thread, so a change made right
// after Start() returns is never taken as the starting state.
void FileWatcher::Start() {
  Stamp initial = Read();
  thread_ = std::thread([this, initial] { Run(initial); });
}

FileWatcher::Stamp FileWatcher::Read() const {
  struct stat st;
  if (::stat(path_.c_str(), &st) != 0) return Stamp{};
  return Stamp{
      .exists = true,
      .device = static_cast<unsigned long>(st.st_dev),
      .inode = static_cast<unsigned long>(st.st_ino),
      .size = static_cast<long long>(st.st_size),
      .mtime_ns = static_cast<long long>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec};
}

void FileWatcher::Run(Stamp last) {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    // Waits for the poll interval, or wakes at once when stopping.
    stop_.wait_for(lock, absl::ToChronoNanoseconds(poll_interval_), [this] { return stopping_; });
    if (stopping_) return;
    Stamp now = Read();
    // A missing file (mid-rename) is not a change worth reloading for.
    if (now.exists && !(now == last)) {
      last = now;
      lock.unlock();
      on_change_();
      lock.lock();
    }
  }
}

}  // namespace postern::reload
