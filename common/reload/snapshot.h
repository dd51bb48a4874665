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
#ifndef POSTERN_COMMON_RELOAD_SNAPSHOT_H_
#define POSTERN_COMMON_RELOAD_SNAPSHOT_H_

#include <atomic>
#include <memory>
#include <utility>

namespace postern::reload {

template <typename T>
class Snapshot {
 public:
  explicit Snapshot(std::shared_ptr<const T> initial) : current_(std::move(initial)) {}

  Snapshot(const Snapshot&) = delete;
  Snapshot& operator=(const Snapshot&) = delete;

  // Get returns the current value; never null if the initial value was not.
  std::shared_ptr<const T> Get() const { return current_.load(std::memory_order_acquire); }

  // Set publishes `next`; readers holding the old value keep it alive.
  void Set(std::shared_ptr<const T> next) {
    current_.store(std::move(next), std::memory_order_release);
  }

 private:
  std::atomic<std::shared_ptr<const T>> current_;
};

}  // namespace postern::reload

#endif  // POSTERN_COMMON_RELOAD_SNAPSHOT_H_
