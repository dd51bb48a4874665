// Reloader<T>: rebuilds a Snapshot<T> on demand, keeping the old value when
// the new one fails to build.
//
// Both servers reload on SIGHUP and when the config file changes. Reload is
// serialised (a signal and a file change arriving together build twice, one
// after the other, never interleaved) and logs its outcome, so an operator
// who breaks the file sees why in the log while traffic keeps flowing.
//
//   Reloader<RoutePolicies> reloader(BuildFromFile, &snapshot);
//   reloader.Reload("SIGHUP");
#ifndef POSTERN_COMMON_RELOAD_RELOADER_H_
#define POSTERN_COMMON_RELOAD_RELOADER_H_

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/log/log.h"
#include "common/reload/snapshot.h"

namespace postern::reload {

template <typename T>
class Reloader {
 public:
  using Build = std::function<absl::StatusOr<std::shared_ptr<const T>>()>;

  // `target` must outlive the Reloader.
  Reloader(Build build, Snapshot<T>* target) : build_(std::move(build)), target_(target) {}

  // Reload builds a new value and publishes it. On failure the running value
  // stays, the reason is logged and returned.
  absl::Status Reload(const std::string& why) {
    std::lock_guard<std::mutex> lock(mu_);
    absl::StatusOr<std::shared_ptr<const T>> next = build_();
    if (!next.ok()) {
      log::Error("config reload (%s) failed; still serving the previous config: %s", why,
                 std::string(next.status().message()));
      return next.status();
    }
    target_->Set(*std::move(next));
    log::Info("config reloaded (%s)", why);
    return absl::OkStatus();
  }

 private:
  const Build build_;
  Snapshot<T>* const target_;
  std::mutex mu_;  // one reload at a time; std:: so ThreadSanitizer sees it
};

}  // namespace postern::reload

#endif  // POSTERN_COMMON_RELOAD_RELOADER_H_
