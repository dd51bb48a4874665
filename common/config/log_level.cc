#include "common/config/log_level.h"

namespace postern::config {

log::Level ToLogLevel(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return log::Level::kDebug;
    case LogLevel::kInfo:
      return log::Level::kInfo;
    case LogLevel::kWarn:
      return log::Level::kWarning;
    case LogLevel::kError:
      return log::Level::kError;
  }
  return log::Level::kInfo;
}

}  // namespace postern::config
