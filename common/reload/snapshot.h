// Snapshot<T>: the current immutable value of something reloadable (a config).
//
// Readers take a shared_ptr copy and use it for as long as they need (a
// tunnel keeps the snapshot it started with); a reload builds a complete new
// value off to the side and swaps it in whole, so a reader never sees a half
// applied change and a failed reload changes nothing.
//
//   Snapshot<Config> config(initial);
//   std::shared_ptr<const Config> now = config.Get();  // any thread
//   config.Set(std::move(next));                       // the reloading thread
//
// A mutex rather than std::atomic<std::shared_ptr>: libstdc++ 12 implements
// the latter with an internal lock bit that ThreadSanitizer cannot see, so
// every reader looked like a race; an uncontended lock per Get costs about
// the same and keeps the TSan check meaningful.
#ifndef POSTERN_COMMON_RELOAD_SNAPSHOT_H_
#define POSTERN_COMMON_RELOAD_SNAPSHOT_H_

#include <memory>
#include <mutex>
#include <utility>

namespace postern::reload {

template <typename T>
class Snapshot {
 public:
  explicit Snapshot(std::shared_ptr<const T> initial) : current_(std::move(initial)) {}

  Snapshot(const Snapshot&) = delete;
  Snapshot& operator=(const Snapshot&) = delete;

  // Get returns the current value; never null if the initial value was not.
  std::shared_ptr<const T> Get() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return current_;
  }

  // Set publishes `next`; readers holding the old value keep it alive.
  // The old value is released outside the lock: it may be the last reference.
  void Set(std::shared_ptr<const T> next) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      current_.swap(next);
    }
  }

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const T> current_;  // guarded by mutex_
};

}  // namespace postern::reload

#endif  // POSTERN_COMMON_RELOAD_SNAPSHOT_H_
