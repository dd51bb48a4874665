// Durations written as Go writes them ("14h", "1h30m", "90s", "500ms"), the
// syntax Pomerium config files use for timeouts and cookie_expire.
//
//   absl::StatusOr<absl::Duration> d = ParseGoDuration("1h30m");   // 90 minutes
#ifndef POSTERN_COMMON_CONFIG_DURATION_H_
#define POSTERN_COMMON_CONFIG_DURATION_H_

#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace postern::config {

// ParseGoDuration accepts what Go's time.ParseDuration accepts: an optional
// sign, then one or more decimal numbers (fractions allowed) each followed by
// a unit ns, us (µs, μs), ms, s, m or h; "0" alone needs no unit. Fails with
// kInvalidArgument (message without position) for anything else, including
// a bare number such as "30" (seconds or nanoseconds? Go refuses it too) and
// magnitudes beyond Go's limit of about 292 years.
absl::StatusOr<absl::Duration> ParseGoDuration(std::string_view text);

}  // namespace postern::config

#endif  // POSTERN_COMMON_CONFIG_DURATION_H_
