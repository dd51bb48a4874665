// Leveled diagnostic logging to stderr: one line per event.
//
//   postern::log::Info("listening on %s", address);
//   postern::log::Warn("route %d: idle_timeout has no effect on TCP routes", index);
//   postern::log::SetLevel(postern::log::Level::kDebug);   // e.g. from --log-level
//
// A line reads `2026-11-24T10:00:00.123Z INFO listening on 127.0.0.1:8443`.
// Formats are checked at compile time (absl::StrFormat). Control characters
// in the message (from untrusted input such as a hostname) are escaped, so
// one event is always exactly one line. Each line is handed to the kernel
// with one write() so that lines from concurrent threads never interleave.
// Never log tokens, secrets or cookies.
#ifndef POSTERN_COMMON_LOG_LOG_H_
#define POSTERN_COMMON_LOG_LOG_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/strings/str_format.h"

namespace postern::log {

enum class Level { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

// SetLevel makes events below `level` silent from now on; the default is
// kInfo. Thread-safe, may be called at any time.
void SetLevel(Level level);
Level GetLevel();
bool IsEnabled(Level level);

// ParseLevel accepts "debug", "info", "warn"/"warning", "error" (any case),
// for a --log-level flag or config key. kInvalidArgument otherwise.
absl::StatusOr<Level> ParseLevel(std::string_view name);

// LevelName returns "DEBUG", "INFO", "WARN" or "ERROR".
std::string_view LevelName(Level level);

// SetOutputFd sends diagnostic lines to `fd` (default 2, stderr) from now on.
// The caller keeps ownership of `fd` and keeps it open while logging may
// happen. Meant for tests and for servers that redirect logs.
void SetOutputFd(int fd);

// Emit writes one line for `message` at `level` if that level is enabled.
void Emit(Level level, std::string_view message);

// WriteLine writes `line` (which should end in '\n') to `fd` with a single
// write() call, continuing only if the kernel accepts part of it (as it may
// for lines larger than a pipe buffer) and retrying on EINTR. Errors are
// ignored: a logger has nowhere to report them.
void WriteLine(int fd, std::string_view line);

template <typename... Args>
void Debug(const absl::FormatSpec<Args...>& format, const Args&... args) {
  if (IsEnabled(Level::kDebug)) Emit(Level::kDebug, absl::StrFormat(format, args...));
}

template <typename... Args>
void Info(const absl::FormatSpec<Args...>& format, const Args&... args) {
  if (IsEnabled(Level::kInfo)) Emit(Level::kInfo, absl::StrFormat(format, args...));
}

template <typename... Args>
void Warn(const absl::FormatSpec<Args...>& format, const Args&... args) {
  if (IsEnabled(Level::kWarning)) Emit(Level::kWarning, absl::StrFormat(format, args...));
}

template <typename... Args>
void Error(const absl::FormatSpec<Args...>& format, const Args&... args) {
  if (IsEnabled(Level::kError)) Emit(Level::kError, absl::StrFormat(format, args...));
}

// FatalMessage logs `message` at error level whatever the current level, then
// aborts. For broken invariants only (design: "a broken invariant is a
// CHECK"), never for bad input.
[[noreturn]] void FatalMessage(std::string_view message);

template <typename... Args>
[[noreturn]] void Fatal(const absl::FormatSpec<Args...>& format, const Args&... args) {
  FatalMessage(absl::StrFormat(format, args...));
}

}  // namespace postern::log

#endif  // POSTERN_COMMON_LOG_LOG_H_
