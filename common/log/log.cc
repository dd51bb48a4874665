#include "common/log/log.h"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace postern::log {
namespace {

std::atomic<int> g_level{static_cast<int>(Level::kInfo)};
std::atomic<int> g_fd{STDERR_FILENO};

// Appends `message` with line breaks and other control characters escaped,
// so that input from the network cannot forge extra log lines or send
// terminal escape sequences.
void AppendEscaped(std::string& out, std::string_view message) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (char c : message) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '\n') {
      out.append("\\n");
    } else if (c == '\r') {
      out.append("\\r");
    } else if ((byte < 0x20 && c != '\t') || byte == 0x7f) {
      out.append("\\x");
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 0xf]);
    } else {
      out.push_back(c);
    }
  }
}

std::string FormatLine(std::string_view level_name, std::string_view message) {
  std::string line = absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone());
  line.push_back(' ');
  line.append(level_name);
  line.push_back(' ');
  AppendEscaped(line, message);
  line.push_back('\n');
  return line;
}

}  // namespace

void SetLevel(Level level) { g_level.store(static_cast<int>(level), std::memory_order_relaxed); }

Level GetLevel() { return static_cast<Level>(g_level.load(std::memory_order_relaxed)); }

bool IsEnabled(Level level) {
  return static_cast<int>(level) >= g_level.load(std::memory_order_relaxed);
}

absl::StatusOr<Level> ParseLevel(std::string_view name) {
  const std::string lower = absl::AsciiStrToLower(std::string(name));
  if (lower == "debug") return Level::kDebug;
  if (lower == "info") return Level::kInfo;
  if (lower == "warn" || lower == "warning") return Level::kWarning;
  if (lower == "error") return Level::kError;
  return absl::InvalidArgumentError("log level must be one of debug, info, warn, error; got \"" +
                                    lower + "\"");
}

std::string_view LevelName(Level level) {
  switch (level) {
    case Level::kDebug:
      return "DEBUG";
    case Level::kInfo:
      return "INFO";
    case Level::kWarning:
      return "WARN";
    case Level::kError:
      return "ERROR";
  }
  return "UNKNOWN";
}

void SetOutputFd(int fd) { g_fd.store(fd, std::memory_order_relaxed); }

void Emit(Level level, std::string_view message) {
  if (!IsEnabled(level)) return;
  WriteLine(g_fd.load(std::memory_order_relaxed), FormatLine(LevelName(level), message));
}

void WriteLine(int fd, std::string_view line) {
  while (!line.empty()) {
    const ssize_t written = ::write(fd, line.data(), line.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      return;
    }
    line.remove_prefix(static_cast<size_t>(written));
  }
}

void FatalMessage(std::string_view message) {
  WriteLine(g_fd.load(std::memory_order_relaxed), FormatLine("FATAL", message));
  std::abort();
}

}  // namespace postern::log
