// The config's log_level as the level common/log filters by. It lives here,
// not in common/log, so that logging stays free of the config model.
//
//   log::SetLevel(config::ToLogLevel(config.log_level));
#ifndef POSTERN_COMMON_CONFIG_LOG_LEVEL_H_
#define POSTERN_COMMON_CONFIG_LOG_LEVEL_H_

#include "common/config/config.h"
#include "common/log/log.h"

namespace postern::config {

// ToLogLevel maps a config log_level to the matching log::Level; total, so
// every config value has a level.
log::Level ToLogLevel(LogLevel level);

}  // namespace postern::config

#endif  // POSTERN_COMMON_CONFIG_LOG_LEVEL_H_
